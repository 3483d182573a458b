"""Crash safety: a killed writer loses at most about a second, and `recover` seals the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audio.container.recovery import InUse, recover
from audio.container.summary import summarize
from audio.container.verify import verify
from audio.errors import IntegrityError
from audio.vault.store import INTERRUPTED, UnlockedVault
from tests.helpers.slow_writer import RATE, expected_pcm
from tests.unit.conftest import PASSPHRASE, pcm

ROOT = Path(__file__).resolve().parents[3]


def trusted(vault: UnlockedVault) -> dict[bytes, str]:
    return {vault.signing_key.public.raw: "this installation"}


@pytest.mark.slow
def test_sigkill_then_recover_loses_at_most_a_second(vault: UnlockedVault) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.slow_writer", str(vault.root), PASSPHRASE],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        recording_id = child.stdout.readline().split()[1]
        handed = 0
        deadline = time.monotonic() + 30
        while handed < 3.3 * RATE and time.monotonic() < deadline:
            handed = int(child.stdout.readline().split()[1])
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    path = vault.vault.recording_path(recording_id)
    assert summarize(path, vault.identities()).state == "open"
    with pytest.raises(IntegrityError) as caught:
        verify(path, vault.identities(), trusted(vault))
    assert caught.value.part == "truncated"

    manifest = recover(path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    assert manifest.state == "interrupted"
    received: list[bytes] = []
    report = verify(path, vault.identities(), trusted(vault), lambda b: received.append(bytes(b)))
    saved = report.manifest.frames
    assert handed - RATE * 1.1 <= saved <= handed, (handed, saved)
    assert b"".join(received) == expected_pcm(saved)
    interruption = report.manifest.interrupted
    assert interruption is not None
    assert interruption.last_good_time <= interruption.recovered_at
    # Nothing deleted: the original is kept, byte for byte longer than the sealed prefix.
    assert (vault.root / INTERRUPTED / path.name).stat().st_size > 0


def test_recover_skips_a_live_recording(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=2)
    writer.write(pcm(1000))
    writer.flush()
    with pytest.raises(InUse):
        recover(writer.path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    writer.seal()
    assert verify(writer.path, vault.identities(), trusted(vault)).manifest.frames == 1000


def test_recover_keeps_events_and_refuses_a_sealed_recording(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.write(pcm(100, 1))
    writer.add_event("marker", "voor de crash")
    writer.write(pcm(50, 1))
    writer.close()  # what a crash leaves, minus the torn tail
    with open(writer.path, "ab") as handle:
        handle.write(b"\x00\x00\x10\x00half a chunk")  # a torn write
    manifest = recover(writer.path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    assert manifest.frames == 150
    assert [e.note for e in manifest.events] == ["voor de crash"]
    with pytest.raises(IntegrityError) as caught:
        recover(writer.path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    assert caught.value.part == "already_sealed"


def test_recover_without_a_start_changes_nothing(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.close()
    data = bytearray(writer.path.read_bytes())
    data[-5] ^= 0xFF  # damage the start chunk, the only chunk
    writer.path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        recover(writer.path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    assert writer.path.read_bytes() == bytes(data)


def test_recover_refuses_a_sealed_file_with_data_appended(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.write(pcm(100, 1))
    writer.seal()
    with open(writer.path, "ab") as handle:
        handle.write(b"\x00")
    before = writer.path.read_bytes()
    with pytest.raises(IntegrityError) as caught:
        recover(writer.path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    assert caught.value.part == "trailing"
    assert writer.path.read_bytes() == before  # not re-sealed: this is tampering, not a crash


def test_a_recovered_recording_cut_short_is_not_recovered_again(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.write(pcm(100, 1))
    writer.close()
    recover(writer.path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    kept = (vault.root / INTERRUPTED / writer.path.name).read_bytes()
    sealed = writer.path.read_bytes()
    writer.path.write_bytes(sealed[:-10])  # someone cuts the recovered seal off
    with pytest.raises(IntegrityError) as caught:
        recover(writer.path, vault.identities(), vault.signing_key, vault.root / INTERRUPTED)
    assert caught.value.part == "recovered_before"
    assert (vault.root / INTERRUPTED / writer.path.name).read_bytes() == kept


def test_recover_killed_between_its_steps_is_finished_by_the_next(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.write(pcm(300, 1))
    writer.close()
    # What a kill after keeping the original, before the rename, leaves behind:
    keep = vault.root / INTERRUPTED
    keep.mkdir()
    os.link(writer.path, keep / writer.path.name)
    writer.path.with_name(writer.path.name + ".recovering").write_bytes(b"half")
    assert [p.name for p in vault.vault.recording_paths()] == [writer.path.name]
    manifest = recover(writer.path, vault.identities(), vault.signing_key, keep)
    assert manifest.frames == 300
    assert verify(writer.path, vault.identities(), trusted(vault)).manifest.frames == 300
    assert not writer.path.with_name(writer.path.name + ".recovering").exists()


WRITE_LIMIT = """
import resource, signal, sys
from pathlib import Path
from audio.vault.store import Vault
from tests.unit.conftest import pcm
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
vault = Vault.open(Path(sys.argv[1])).unlock(sys.argv[2])
writer = vault.new_recording(sample_rate=48000, channels=2)
resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))
try:
    for second in range(10):
        writer.write(pcm(48000, seed=second))
except Exception as exc:
    print("failed", type(exc).__name__, writer.frames_on_disk, flush=True)
manifest = writer.seal()
print("sealed", manifest.state, manifest.frames, writer.recording_id, flush=True)
"""


def test_a_full_disk_seals_what_was_written(vault: UnlockedVault) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WRITE_LIMIT, str(vault.root), PASSPHRASE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    failed, sealed = result.stdout.split("\n")[:2]
    assert failed.split()[:2] == ["failed", "WriteError"]
    on_disk = int(failed.split()[2])
    _, state, frames, recording_id = sealed.split()
    assert state == "interrupted" and int(frames) == on_disk == 48000
    path = vault.vault.recording_path(recording_id)
    received: list[bytes] = []
    report = verify(path, vault.identities(), trusted(vault), lambda b: received.append(bytes(b)))
    assert report.manifest.frames == 48000
    assert b"".join(received) == pcm(48000, seed=0)
