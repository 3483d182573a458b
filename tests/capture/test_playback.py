"""Playback through real PortAudio into a virtual speaker, heard back on the virtual microphone.

The speaker `gespreksopname_speaker` plays into the null sink whose monitor is the microphone
`gespreksopname_test`, so what the player plays can be compared with the recording sample by
sample.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio.container import layout as c
from audio.errors import IntegrityError
from audio.sound.playback import Player
from policy.workspace import Workspace
from tests.helpers.virtual_mic import SPEAKER, VirtualMic
from tests.unit.audio.test_at_rest import MARKER, files_containing

RATE = 48000
LEAD = RATE // 10  # 100 ms of digital silence first, as the speech fixture has


def chirp(seconds: float) -> np.ndarray:
    """A sweep: every stretch of it is unlike every other, so alignment is unambiguous."""
    t = np.arange(int(RATE * seconds)) / RATE
    sweep = 12000 * np.sin(2 * np.pi * (150 + 900 * t) * t)
    return np.concatenate([np.zeros(LEAD), sweep]).astype("<i2")


def seal(workspace: Workspace, pcm: bytes, sample_format: str = "s16le") -> Path:
    writer = workspace.vault.new_recording(
        sample_rate=RATE, channels=1, sample_format=sample_format
    )
    half = len(pcm) // 2 // writer.frame_size * writer.frame_size
    writer.write(pcm[:half])
    writer.add_event("marker", "halverwege")
    writer.write(pcm[half:])
    writer.seal()
    return writer.path


def player_for(workspace: Workspace, pcm: bytes, sample_format: str = "s16le") -> Player:
    return Player(seal(workspace, pcm, sample_format), workspace.vault.identities(), SPEAKER)


def as_s24le(samples: np.ndarray) -> bytes:
    """16-bit samples as 24-bit ones (a zero low byte), so the 16-bit sink keeps them exactly."""
    out = np.zeros((len(samples), 3), np.uint8)
    out[:, 1:] = samples.astype("<i2").view(np.uint8).reshape(-1, 2)
    return out.tobytes()


@contextmanager
def listening() -> Iterator[list[bytes]]:
    """Capture the test microphone (the speaker's sink) with a plain PortAudio stream."""
    import sounddevice

    blocks: list[bytes] = []
    arrived = threading.Event()

    def callback(data: Any, frames: int, time_info: Any, status: Any) -> None:
        blocks.append(bytes(data))
        arrived.set()

    with sounddevice.RawInputStream(
        device="gespreksopname_test", samplerate=RATE, channels=1, dtype="int16", callback=callback
    ):
        assert arrived.wait(5), "the microphone delivered nothing"
        yield blocks
        time.sleep(0.3)  # what the speaker played last is still on its way


def heard(blocks: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(blocks), dtype="<i2")


def find(captured: np.ndarray, expected: np.ndarray) -> int | None:
    """Where `expected` occurs in `captured` sample for sample (aligned by FFT cross-correlation),
    or None."""
    n = len(captured) + len(expected)
    corr = np.fft.irfft(
        np.fft.rfft(captured.astype(float), n) * np.conj(np.fft.rfft(expected.astype(float), n)), n
    )
    offset = int(np.argmax(corr[: len(captured)]))
    found = captured[offset : offset + len(expected)]
    return offset if np.array_equal(found, expected) else None


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def no_player_threads() -> bool:
    return not any(t.name.startswith("gespreksopname-player") for t in threading.enumerate())


@pytest.mark.parametrize("sample_format", ["s16le", "s24le"])
def test_what_is_played_is_heard_sample_exact(
    mic: VirtualMic, workspace: Workspace, sample_format: str
) -> None:
    source = chirp(1.5)
    pcm = source.tobytes() if sample_format == "s16le" else as_s24le(source)
    player = player_for(workspace, pcm, sample_format)
    assert (player.frames, player.sample_rate, player.channels) == (len(source), RATE, 1)
    assert player.sample_format == sample_format
    assert player.duration_s == pytest.approx(len(source) / RATE)
    assert [(e.kind, e.note) for e in player.events] == [("marker", "halverwege")]
    assert player.events[0].frame == len(source) // 2
    try:
        with listening() as blocks:
            player.play()
            assert player.state == "playing"
            assert wait_for(lambda: player.state == "finished", 5), player.last_error
        assert player.position == player.frames
        assert player.last_error is None
        assert find(heard(blocks), source) is not None
    finally:
        player.close()
    assert no_player_threads()


def test_seek_to_the_middle_plays_the_second_half(mic: VirtualMic, workspace: Workspace) -> None:
    source = chirp(2.0)
    middle = len(source) // 2
    with player_for(workspace, source.tobytes()) as player:
        player.seek(middle)
        assert player.position == middle
        with listening() as blocks:
            player.play()
            assert wait_for(lambda: player.state == "finished", 5), player.last_error
    captured = heard(blocks)
    at = find(captured, source[middle:])
    assert at is not None
    assert not captured[at - RATE // 10 : at].any()  # silence before it, not the first half
    assert find(captured, source[LEAD:middle]) is None


def test_seek_while_playing_jumps_at_once(mic: VirtualMic, workspace: Workspace) -> None:
    source = chirp(2.0)
    target = len(source) - RATE // 2
    with player_for(workspace, source.tobytes()) as player, listening() as blocks:
        player.play()
        assert wait_for(lambda: player.position > RATE // 2, 3), player.last_error
        left = player.position
        player.seek(target)
        assert target <= player.position < target + RATE // 10
        assert wait_for(lambda: player.state == "finished", 3), player.last_error
    captured = heard(blocks)
    before, after = find(captured, source[:left]), find(captured, source[target:])
    assert before is not None and after is not None
    assert 0 <= after - (before + left) < RATE // 10  # at most a block more of the old place


def test_pause_holds_the_position_and_play_continues_exactly(
    mic: VirtualMic, workspace: Workspace
) -> None:
    source = chirp(2.0)
    with player_for(workspace, source.tobytes()) as player, listening() as blocks:
        player.play()
        assert wait_for(lambda: player.position > RATE // 2, 3), player.last_error
        player.pause()
        assert player.state == "paused"
        paused_at = player.position
        time.sleep(0.5)
        assert player.position == paused_at
        assert RATE // 2 < paused_at < len(source)
        player.play()
        assert wait_for(lambda: player.state == "finished", 5), player.last_error
    captured = heard(blocks)
    before, after = find(captured, source[:paused_at]), find(captured, source[paused_at:])
    assert before is not None and after is not None
    gap = after - (before + paused_at)
    assert gap > RATE * 0.4 and not captured[before + paused_at : after].any()


def test_a_finished_player_plays_again_from_the_start(
    mic: VirtualMic, workspace: Workspace
) -> None:
    source = chirp(0.5)
    with player_for(workspace, source.tobytes()) as player:
        player.seek(player.frames - RATE // 10)
        player.play()
        assert wait_for(lambda: player.state == "finished", 3), player.last_error
        assert player.position == player.frames
        player.play()
        assert player.state == "playing" and player.position == 0
        assert wait_for(lambda: 0 < player.position < player.frames, 2)
        player.stop()
        assert (player.state, player.position) == ("stopped", 0)


def flip_byte_in_middle_audio_chunk(path: Path) -> int:
    """Flip one ciphertext byte of the middle chunk; returns the chunk's index."""
    data = bytearray(path.read_bytes())
    with open(path, "rb") as handle:
        offset = c.read_header(handle).size
    spans = []
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        spans.append((offset + 4, length))
        offset += 4 + length
    index = len(spans) // 2
    start, length = spans[index]
    data[start + length // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return index


def test_a_tampered_or_unsealed_recording_is_refused_before_any_stream(
    mic: VirtualMic, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sounddevice

    opened: list[Any] = []
    monkeypatch.setattr(sounddevice, "RawOutputStream", lambda *a, **k: opened.append(k))
    tampered = seal(workspace, chirp(4.0).tobytes())
    index = flip_byte_in_middle_audio_chunk(tampered)
    with pytest.raises(IntegrityError) as caught:
        Player(tampered, workspace.vault.identities(), SPEAKER)
    assert (caught.value.part, caught.value.index) == ("chunk", index)

    writer = workspace.vault.new_recording(sample_rate=RATE, channels=1)
    writer.write(chirp(0.5).tobytes())
    writer.close()  # not sealed: what a crash leaves
    with pytest.raises(IntegrityError) as caught:
        Player(writer.path, workspace.vault.identities(), SPEAKER)
    assert caught.value.part == "truncated"
    assert opened == []
    assert no_player_threads()


def test_no_plaintext_on_disk_while_playing(
    mic: VirtualMic, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    pcm = bytes(2 * LEAD) + MARKER * (2 * RATE // len(MARKER))  # 1 s of a distinctive pattern
    path = seal(workspace, pcm)
    folders = (workspace.vault.root, temp, Path(os.environ.get("XDG_RUNTIME_DIR", temp)))
    with Player(path, workspace.vault.identities(), SPEAKER) as player:
        with listening() as blocks:
            player.play()
            while player.state == "playing":
                assert files_containing(MARKER, *folders) == []
                time.sleep(0.1)
        assert player.state == "finished", player.last_error
    assert MARKER in b"".join(blocks)  # the pattern was really played, and heard
    assert files_containing(MARKER, *folders) == []


def test_an_unknown_device_is_reported_not_raised(mic: VirtualMic, workspace: Workspace) -> None:
    path = seal(workspace, chirp(0.5).tobytes())
    with Player(path, workspace.vault.identities(), "a speaker that is not there") as player:
        started = time.monotonic()
        player.play()
        assert time.monotonic() - started < 0.1
        assert wait_for(lambda: player.last_error is not None, 2)
        assert (player.last_error, player.state, player.position) == (
            "unknown_device",
            "paused",
            0,
        )
