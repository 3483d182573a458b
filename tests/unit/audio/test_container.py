"""Round trips through the real container on disk, at the edges of the chunking."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from audio.container.summary import summarize
from audio.container.verify import verify
from audio.errors import FormatError, IntegrityError, NoMatchingKey
from audio.vault.keys import RecoveryPrivateKey, SigningKey
from audio.vault.stanzas import X25519Identity
from audio.vault.store import UnlockedVault
from tests.unit.conftest import pcm

CHUNK = 480  # frames per chunk in these tests: small, so the edges are cheap to reach
WIDTHS = {"s16le": 2, "s24le": 3}


def trusted(vault: UnlockedVault) -> dict[bytes, str]:
    return {vault.signing_key.public.raw: "this installation"}


def record(vault: UnlockedVault, audio: bytes, block: int, **options: object) -> Path:
    writer = vault.new_recording(chunk_frames=CHUNK, **options)  # type: ignore[arg-type]
    for start in range(0, len(audio), block):
        writer.write(audio[start : start + block])
    writer.seal()
    return writer.path


@pytest.mark.parametrize("frames", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 7 * CHUNK + 13])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("sample_format", ["s16le", "s24le"])
def test_round_trip_at_the_edges(
    vault: UnlockedVault, frames: int, channels: int, sample_format: str
) -> None:
    frame = channels * WIDTHS[sample_format]
    audio = pcm(frames, channels, WIDTHS[sample_format], seed=frames)
    path = record(
        vault,
        audio,
        block=frame * 100,
        sample_rate=48000,
        channels=channels,
        sample_format=sample_format,
    )
    received: list[bytes] = []
    report = verify(path, vault.identities(), trusted(vault), lambda b: received.append(bytes(b)))
    assert b"".join(received) == audio
    manifest = report.manifest
    assert manifest.frames == frames
    assert manifest.pcm_sha256 == hashlib.sha256(audio).hexdigest()
    assert manifest.state == "sealed"
    assert manifest.duration_s == round(frames / 48000, 3)
    assert report.chunks == 1 + -(-frames // CHUNK)  # the start chunk and the audio chunks
    assert all(len(block) <= CHUNK * frame for block in received)


def test_events_are_timed_and_sealed(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=16000, channels=1, chunk_frames=CHUNK)
    writer.write(pcm(1000, 1))
    writer.add_event("marker", "toestemming herhaald op de band")
    writer.add_event("pause")
    writer.add_event("resume")
    writer.write(pcm(10, 1))
    manifest = writer.seal()
    report = verify(writer.path, vault.identities(), trusted(vault))
    events = report.manifest.events
    assert [(e.kind, e.frame) for e in events] == [
        ("marker", 1000),
        ("pause", 1000),
        ("resume", 1000),
    ]
    assert events[0].note == "toestemming herhaald op de band"
    assert manifest.events == events


def test_session_document_is_sealed_and_encrypted(vault: UnlockedVault) -> None:
    session = {"version": 1, "participants": [{"name": "Jansen-de Vries", "role": "citizen"}]}
    writer = vault.new_recording(sample_rate=48000, channels=1, session=session)
    writer.write(pcm(100, 1))
    writer.seal()
    assert verify(writer.path, vault.identities(), trusted(vault)).manifest.session == session
    assert b"Jansen" not in writer.path.read_bytes()


def test_recovery_key_opens_the_recording(vault: UnlockedVault) -> None:
    officer = RecoveryPrivateKey.generate()
    writer = vault.new_recording(sample_rate=48000, channels=2, recovery_keys=[officer.public])
    writer.write(pcm(2000))
    writer.seal()
    report = verify(writer.path, [X25519Identity(officer)], trusted(vault))
    assert report.manifest.frames == 2000
    stranger = X25519Identity(RecoveryPrivateKey.generate())
    with pytest.raises(NoMatchingKey):
        verify(writer.path, [stranger], trusted(vault))


def test_seal_by_unknown_key_is_reported(vault: UnlockedVault) -> None:
    path = record(vault, pcm(100), 400, sample_rate=48000, channels=2)
    other = {SigningKey.generate().public.raw: "someone else"}
    with pytest.raises(IntegrityError) as caught:
        verify(path, vault.identities(), other)
    assert caught.value.part == "untrusted"
    assert vault.signing_key.public.fingerprint in caught.value.message("en")


def test_writer_refuses_partial_frames_and_writes_after_seal(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=2)
    with pytest.raises(FormatError):
        writer.write(b"\x00\x01\x02")
    writer.seal()
    with pytest.raises(FormatError):
        writer.write(b"\x00" * 4)


def test_several_blocks_in_one_write_are_one_run_and_durable_together(
    vault: UnlockedVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Capture hands over a second of blocks at once: they land in order, across chunk edges,
    with one fsync after the last (a crash then loses none of them)."""
    writer = vault.new_recording(sample_rate=48000, channels=1, chunk_frames=CHUNK)
    syncs: list[int] = []
    real_sync = writer._sync

    def counted_sync() -> None:
        syncs.append(writer.frames)
        real_sync()

    monkeypatch.setattr(writer, "_sync", counted_sync)
    writer.flush_interval = 0.0  # due at every write
    blocks = [pcm(frames, 1, 2, seed=frames) for frames in (100, CHUNK, 7, 2 * CHUNK + 1)]
    writer.write(*blocks[:2], bytearray(blocks[2]), memoryview(blocks[3]))
    assert syncs == [writer.frames_on_disk] == [sum(len(b) for b in blocks) // 2]
    with pytest.raises(FormatError):  # a partial frame anywhere: nothing of the call is taken
        writer.write(pcm(5), b"\x00")
    assert writer.frames == syncs[0]
    writer.seal()
    received: list[bytes] = []
    verify(writer.path, vault.identities(), trusted(vault), lambda b: received.append(bytes(b)))
    assert b"".join(received) == b"".join(blocks)


def test_summary_reads_only_the_ends(vault: UnlockedVault) -> None:
    path = record(vault, pcm(5000), 4000, sample_rate=48000, channels=2)
    summary = summarize(path, vault.identities())
    assert summary.state == "sealed"
    assert summary.manifest is not None and summary.manifest.frames == 5000
    unsealed = vault.new_recording(sample_rate=48000, channels=2)
    unsealed.write(pcm(10))
    unsealed.close()
    assert summarize(unsealed.path, vault.identities()).state == "open"


def _container_with_header(header_json: bytes) -> bytes:
    import struct

    from audio.container import layout as c

    return c.MAGIC + struct.pack(">I", len(header_json)) + header_json + bytes(32)


@pytest.mark.parametrize(
    "header",
    [
        b"[" * 5000 + b"]" * 5000,  # absurd nesting must not crash the reader
        b'{"recording_id": "../../etc/x", "payload_nonce": "AAAAAAAAAAAAAAAAAAAAAA==",'
        b' "stanzas": []}',  # an id that would name a file outside the vault
        b"\xff\xfe not json",
    ],
)
def test_hostile_headers_are_reported_not_crashed(
    vault: UnlockedVault, tmp_path: Path, header: bytes
) -> None:
    path = tmp_path / "hostile.gesp"
    path.write_bytes(_container_with_header(header))
    with pytest.raises(IntegrityError) as caught:
        verify(path, vault.identities(), trusted(vault))
    assert caught.value.part == "header"
    with pytest.raises(IntegrityError):
        summarize(path, vault.identities())


def test_crlf_damage_is_not_called_a_newer_version(vault: UnlockedVault, tmp_path: Path) -> None:
    path = record(vault, pcm(10), 40, sample_rate=48000, channels=2)
    path.write_bytes(path.read_bytes().replace(b"container/2\n", b"container/2\r\n", 1))
    with pytest.raises(IntegrityError):
        verify(path, vault.identities(), trusted(vault))
