"""The sound devices the faces list and test: microphones and speakers. A face reaches the
audio layer's devices through here (or `audio.sound.devices`), never capture or playback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audio.sound.devices import DeviceError, InputDevice, find_device, list_input_devices

if TYPE_CHECKING:
    from audio.sound.playback import OutputDevice, Player

__all__ = [
    "DeviceError",
    "InputDevice",
    "OutputDevice",
    "Player",
    "find_device",
    "list_input_devices",
    "list_output_devices",
    "test_microphone",
]


def list_output_devices() -> list[OutputDevice]:
    """The speakers and headsets recordings can be played on."""
    from audio.sound.playback import list_output_devices as outputs

    return outputs()


def test_microphone(device: str | None, seconds: float = 0.5) -> float:
    """Listen to a microphone for a moment and return its peak level (0..1)."""
    from audio.sound.capture import probe_level

    return probe_level(find_device(device or None), seconds=seconds)
