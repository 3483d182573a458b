"""Capture through real PortAudio from a virtual microphone, into the sealed container."""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio.container.manifest import Manifest
from audio.container.verify import verify
from audio.sound.capture import CaptureEvent, Recorder, RecordingRefused
from audio.sound.devices import find_device
from policy.recording import SessionRefused, start_recording
from policy.rules import evaluate
from policy.workspace import Workspace
from tests.helpers.virtual_mic import VirtualMic
from tests.unit.policy.conftest import lawful


def trusted(workspace: Workspace) -> dict[bytes, str]:
    return workspace.trusted("this installation")


def audio_of(workspace: Workspace, recording_id: str) -> tuple[Manifest, np.ndarray]:
    path = workspace.vault.vault.recording_path(recording_id)
    blocks: list[bytes] = []
    report = verify(
        path, workspace.vault.identities(), trusted(workspace), lambda b: blocks.append(bytes(b))
    )
    return report.manifest, np.frombuffer(b"".join(blocks), dtype="<i2")


def wait_for(predicate: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def test_devices_lists_the_virtual_microphone(mic: VirtualMic) -> None:
    device = find_device("gespreksopname_test")
    assert device.name == "gespreksopname_test" and device.max_channels >= 1


def test_speech_comes_out_of_the_container_sample_exact(
    mic: VirtualMic, workspace: Workspace, speech: Path
) -> None:
    recording = start_recording(workspace, lawful(), "gespreksopname_test")
    assert recording.recorder.first_block.wait(5), "no audio block within 5 s"
    mic.play(speech)
    recording.marker("toestemming herhaald op de band")
    time.sleep(0.5)
    manifest = recording.stop()
    assert manifest.state == "sealed"
    sealed, captured = audio_of(workspace, recording.recording_id)
    source = np.frombuffer(speech.read_bytes(), dtype="<i2")
    # Align by cross-correlation (FFT), then demand equality sample by sample.
    n = len(captured) + len(source)
    corr = np.fft.irfft(
        np.fft.rfft(captured.astype(float), n) * np.conj(np.fft.rfft(source.astype(float), n)), n
    )
    offset = int(np.argmax(corr[: len(captured)]))
    assert np.array_equal(captured[offset : offset + len(source)], source)
    decision = sealed.session["decision"]
    assert isinstance(decision, dict) and decision["allowed"] is True
    assert [e.note for e in sealed.events if e.kind == "marker"] == [
        "toestemming herhaald op de band"
    ]
    actions = [e.action for e in workspace.audit.read()[0]]
    assert actions[-3:] == ["session_checked", "recording_started", "recording_sealed"]


def test_the_live_meter_reads_a_known_tone(
    mic: VirtualMic, workspace: Workspace, tmp_path: Path
) -> None:
    """A half-scale 1 kHz sine through the real microphone: -6.0 dBFS peak, -9.0 dBFS RMS."""
    t = np.arange(48000 * 2) / 48000
    tone = tmp_path / "tone.raw"
    tone.write_bytes(np.round(0.5 * 32767 * np.sin(2 * np.pi * 1000 * t)).astype("<i2").tobytes())
    recording = start_recording(workspace, lawful(), "gespreksopname_test")
    assert recording.recorder.first_block.wait(5)
    time.sleep(0.5)
    assert recording.status().peak_dbfs == -math.inf  # the keep-alive plays digital zeros
    player = mic.play(tone, wait=False)
    seen: list[tuple[float, float]] = []
    while player.poll() is None:
        status = recording.status()
        seen.append((status.peak_dbfs, status.rms_dbfs))
        time.sleep(0.1)
    recording.stop()
    steady = [(p, r) for p, r in seen if p == pytest.approx(-6.02, abs=0.05)]
    assert steady, f"never saw the tone's peak: {seen}"
    assert any(r == pytest.approx(-9.03, abs=0.1) for _p, r in steady), seen


def test_a_command_wakes_the_writer_at_once(mic: VirtualMic, workspace: Workspace) -> None:
    """Nobody watches (no status() calls), so the writer sleeps a second between rounds; a
    marker or stop must not wait for that."""
    recording = start_recording(workspace, lawful(), "gespreksopname_test")
    assert recording.recorder.first_block.wait(5)
    time.sleep(1.5)  # well into an unwatched sleep
    asked = time.monotonic()
    recording.marker("nu")
    events: list[CaptureEvent] = []

    def marker_arrived() -> bool:
        events.extend(recording.events())
        return any(e.kind == "marker" for e in events)

    assert wait_for(marker_arrived, 0.5)
    assert time.monotonic() - asked < 0.5
    asked = time.monotonic()
    recording.stop()
    assert time.monotonic() - asked < 0.8  # the stop itself, not a sleeping writer


def test_pause_leaves_out_audio_and_is_logged(mic: VirtualMic, workspace: Workspace) -> None:
    recording = start_recording(workspace, lawful(), "gespreksopname_test", channels=1)
    assert recording.recorder.first_block.wait(5)
    time.sleep(0.5)
    recording.pause()
    assert wait_for(lambda: recording.status().state == "paused", 2)
    time.sleep(1.0)
    recording.resume()
    assert wait_for(lambda: recording.status().state == "recording", 2)
    time.sleep(0.5)
    manifest = recording.stop()
    kinds = [e.kind for e in manifest.events]
    assert kinds == ["pause", "resume"]
    assert manifest.duration_s < 1.6  # about 2 s went by, 1 s of it paused


def test_24_bit_stereo(mic: VirtualMic, workspace: Workspace) -> None:
    recording = start_recording(
        workspace, lawful(), "gespreksopname_test", channels=2, sample_format="s24le"
    )
    assert recording.recorder.first_block.wait(5)
    time.sleep(0.3)
    manifest = recording.stop()
    assert (manifest.sample_format, manifest.channels) == ("s24le", 2)
    assert manifest.frames > 0


def test_no_path_opens_a_stream_without_an_allowed_decision(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sounddevice

    opened: list[Any] = []
    real = sounddevice.RawInputStream

    def spy(*args: Any, **kwargs: Any) -> Any:
        opened.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(sounddevice, "RawInputStream", spy)
    monkeypatch.setattr(sounddevice, "InputStream", spy)
    unlawful = lawful().__class__(**{**lawful().__dict__, "announcement_read": False})
    # The API of the policy layer:
    with pytest.raises(SessionRefused) as caught:
        start_recording(workspace, unlawful, "gespreksopname_test")
    assert [r.code for r in caught.value.decision.reasons] == ["announcement_not_read"]
    # The engine itself, handed a refused decision or none:
    refused = evaluate(unlawful, workspace.policy)
    for approval in (refused, None):
        with pytest.raises(RecordingRefused):
            Recorder(approval, None, lambda *a: None)  # type: ignore[arg-type]
    # The command line:
    from desktop.cli import main

    session = workspace.vault.root.parent / "session.toml"
    session.write_text('initiator = "municipality"\nlocation = "office"\n')
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(workspace.vault.root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", "correct horse battery staple")
    assert main(["record", str(session), "--duration", "1"]) == 3
    assert "NIET TOEGESTAAN" in capsys.readouterr().out
    assert opened == []
    assert workspace.vault.vault.recording_paths() == []


def test_unknown_device_is_a_clear_error(mic: VirtualMic, workspace: Workspace) -> None:
    from audio.sound.devices import DeviceError

    with pytest.raises(DeviceError) as caught:
        start_recording(workspace, lawful(), "a microphone that is not there")
    assert "niet gevonden" in caught.value.message("nl")
    assert workspace.vault.vault.recording_paths() == []


@pytest.mark.parametrize("how", ["kill", "freeze"])
def test_a_lost_device_is_noticed_and_the_recording_sealed(
    lossy_mic: VirtualMic, workspace: Workspace, speech: Path, how: str
) -> None:
    recording = start_recording(workspace, lawful(), "gespreksopname_lossy")
    assert recording.recorder.first_block.wait(5)
    lossy_mic.play(speech, wait=False)
    time.sleep(1.0)
    lost_at = time.monotonic()
    lossy_mic.signal_daemon(signal.SIGKILL if how == "kill" else signal.SIGSTOP)
    assert wait_for(lambda: "device_lost" in recording.status().warnings, 2.0)
    warned_after = time.monotonic() - lost_at
    started = time.monotonic()
    manifest = recording.stop()  # a frozen server makes stream.stop() hang: we must not
    assert time.monotonic() - started < 4.0
    assert warned_after < 2.0
    assert recording.status().stop_reason == "device_lost"
    assert manifest.state == "sealed" and manifest.frames > 48000 * 0.8
    last = manifest.events[-1]
    assert (last.kind, last.note) == ("warning", "device_lost")
    sealed, _captured = audio_of(workspace, recording.recording_id)
    assert sealed.frames == manifest.frames


def test_no_unlogged_recording_when_the_trail_cannot_be_written(
    mic: VirtualMic, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policy.audit import AuditError

    real = workspace.audit.append

    def append(action: str, *args: Any, **kwargs: Any) -> Any:
        if action == "recording_started":
            raise AuditError("audit.busy")
        return real(action, *args, **kwargs)

    monkeypatch.setattr(workspace.audit, "append", append)
    with pytest.raises(AuditError):
        start_recording(workspace, lawful(), "gespreksopname_test")
    time.sleep(0.3)
    import threading

    assert not [t for t in threading.enumerate() if t.name == "gespreksopname-writer"]
    (path,) = workspace.vault.vault.recording_paths()
    assert verify(path, workspace.vault.identities(), trusted(workspace)).manifest.state == (
        "sealed"
    )


def test_pause_twice_and_stop_twice_log_once(mic: VirtualMic, workspace: Workspace) -> None:
    recording = start_recording(workspace, lawful(), "gespreksopname_test")
    assert recording.recorder.first_block.wait(5)
    recording.pause()
    recording.pause()
    first = recording.stop()
    assert recording.stop() is first
    actions = [e.action for e in workspace.audit.read()[0]]
    assert actions.count("recording_paused") == 1 and actions.count("recording_sealed") == 1
