"""Input devices through PortAudio (sounddevice): list them, choose one by name or index."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

from audio.errors import GespreksError

PREFERRED_RATE = 48000


class DeviceError(GespreksError):
    """A microphone is unknown, cannot be opened, or was lost."""


def _sd() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # PortAudio itself is missing
        raise DeviceError("error.no_portaudio", reason=str(exc)) from exc
    return sounddevice


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    max_channels: int
    default_rate: float
    host_api: str
    is_default: bool

    def label(self) -> str:
        return f"{self.index}: {self.name} ({self.host_api})"


def list_input_devices() -> list[InputDevice]:
    sd = _sd()
    try:
        devices = sd.query_devices()
        default_input = sd.default.device[0]
        apis = sd.query_hostapis()
    except Exception as exc:  # PortAudio errors are plain Exceptions of sounddevice
        raise DeviceError("error.device_query", reason=str(exc)) from exc
    out = []
    for index, info in enumerate(devices):
        if info["max_input_channels"] > 0:
            out.append(
                InputDevice(
                    index=index,
                    name=str(info["name"]),
                    max_channels=int(info["max_input_channels"]),
                    default_rate=float(info["default_samplerate"]),
                    host_api=str(apis[info["hostapi"]]["name"]),
                    is_default=index == default_input,
                )
            )
    return out


def find_device(spec: str | int | None) -> InputDevice:
    """The device named (exactly, else by a unique part of its name), numbered, or the default."""
    devices = list_input_devices()
    if not devices:
        raise DeviceError("error.no_input_devices")
    if spec is None or spec == "":
        for device in devices:
            if device.is_default:
                return device
        return devices[0]
    if isinstance(spec, int) or str(spec).isdigit():
        for device in devices:
            if device.index == int(spec):
                return device
        raise DeviceError("error.unknown_device", device=spec)
    wanted = str(spec).casefold()
    exact = [d for d in devices if d.name.casefold() == wanted]
    partial = [d for d in devices if wanted in d.name.casefold()]
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    key = "error.ambiguous_device" if partial else "error.unknown_device"
    raise DeviceError(key, device=spec)


def choose_rate(device: InputDevice, channels: int, dtype: str) -> int:
    """48 kHz when the device takes it, else its own default rate."""
    sd = _sd()
    for rate in (PREFERRED_RATE, int(device.default_rate)):
        try:
            sd.check_input_settings(
                device=device.index, channels=channels, dtype=dtype, samplerate=rate
            )
        except Exception:  # noqa: S112 - try the next rate
            continue
        return rate
    raise DeviceError("error.device_settings", device=device.name, channels=channels)


def close_stream(stream: Any, timeout: float, name: str) -> bool:
    """Abort and close a PortAudio stream on a helper thread, waiting at most `timeout` seconds:
    a hung audio server (PortAudio may block in stop) must not hang the caller. False when the
    helper is still stuck."""

    def close() -> None:
        with contextlib.suppress(Exception):
            stream.abort()
        with contextlib.suppress(Exception):
            stream.close()

    closer = threading.Thread(target=close, name=name, daemon=True)
    closer.start()
    closer.join(timeout)
    return not closer.is_alive()
