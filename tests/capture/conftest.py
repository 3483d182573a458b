"""A real microphone for capture tests: a private PulseAudio null sink (tests/helpers)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy.policy import load_policy
from policy.workspace import Workspace
from tests.helpers import virtual_mic
from tests.unit.conftest import FAST_KDF, PASSPHRASE


@pytest.fixture(scope="session")
def mic_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not virtual_mic.available():
        if os.environ.get("CI"):
            pytest.fail("pulseaudio/pacat are missing: `make test` installs them")
        pytest.skip("no pulseaudio here (make test installs it)")
    folder = tmp_path_factory.mktemp("mic")
    saved = {key: os.environ.get(key) for key in ("ALSA_CONFIG_PATH", "PULSE_SERVER")}
    os.environ.update(virtual_mic.environment(folder))
    os.environ.pop("PULSE_SERVER", None)  # only our two test microphones, no ALSA default
    yield folder
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def mic(mic_folder: Path) -> Iterator[virtual_mic.VirtualMic]:
    with virtual_mic.VirtualMic(mic_folder) as running:
        virtual_mic.reinitialize_portaudio()
        yield running


@pytest.fixture
def lossy_mic(mic_folder: Path, mic: virtual_mic.VirtualMic) -> Iterator[virtual_mic.VirtualMic]:
    """A second microphone whose daemon a test may kill or freeze."""
    with virtual_mic.VirtualMic(mic_folder, virtual_mic.PCM_NAMES[1]) as running:
        virtual_mic.reinitialize_portaudio()
        yield running
    virtual_mic.reinitialize_portaudio()


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Known Dutch speech as raw s16le mono at 48 kHz (espeak-ng, then sox)."""
    folder = tmp_path_factory.mktemp("speech")
    wav, raw = folder / "speech.wav", folder / "speech.raw"
    text = "Goedemiddag. Dit gesprek wordt opgenomen. U krijgt een kopie van de opname."
    subprocess.run(["espeak-ng", "-v", "nl", "-w", str(wav), text], check=True)
    subprocess.run(
        [
            "sox",
            str(wav),
            "-r",
            "48000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-t",
            "raw",
            str(raw),
        ],
        check=True,
    )
    # PulseAudio fades a new stream in over its first few milliseconds (seen here: +-1 on a
    # few samples of the first 5 ms): lead in with 100 ms of digital silence.
    raw.write_bytes(bytes(2 * 4800) + raw.read_bytes())
    return raw


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(), kdf=FAST_KDF)
