"""Writing the citizen's copy of the audio: WAV (RF64 when large), FLAC or MP3, sealed inside.

Each writer takes the verified PCM of a recording as blocks and writes one file that plays in
ordinary players and carries the signed copy record (see `audio.copies.seal`) and the rule-c
notice in its metadata.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np

from audio.container import layout as c
from audio.copies import flacmeta
from audio.copies.seal import (
    HASH_PLACEHOLDER,
    WAV_CHUNK,
    CopyFacts,
    CopyRecord,
    flac_head,
    id3_tag,
    sign_record,
    wav_info,
)
from audio.copies.wavfile import write_wav
from audio.vault.keys import SigningKey

FORMATS = ("wav", "flac", "mp3")
EXTENSIONS = {"wav": ".wav", "flac": ".flac", "mp3": ".mp3"}
Progress = Callable[[int], None]  # frames written so far


class _HoldbackHasher:
    """A file wrapper that hashes every byte written except the last `hold` bytes."""

    def __init__(self, out: BinaryIO, hold: int) -> None:
        self.out = out
        self.hold = hold
        self.hash = hashlib.sha256()
        self.tail = bytearray()
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data).cast("B")
        self.out.write(view)
        self.written += len(view)
        self.tail += view
        if len(self.tail) > self.hold:
            cut = len(self.tail) - self.hold
            self.hash.update(memoryview(self.tail)[:cut])
            del self.tail[:cut]
        return len(view)

    def flush(self) -> None:
        self.out.flush()


def pcm_to_array(block: bytes, sample_format: str, channels: int) -> np.ndarray:
    """Interleaved s16le/s24le bytes as a (frames, channels) int16/int32 array for soundfile."""
    if sample_format == "s16le":
        return np.frombuffer(block, dtype="<i2").reshape(-1, channels)
    raw = np.frombuffer(block, dtype=np.uint8).reshape(-1, 3)
    value = (
        raw[:, 0].astype(np.int32)
        | (raw[:, 1].astype(np.int32) << 8)
        | (raw[:, 2].astype(np.int32) << 16)
    )
    value = np.where(value >= 1 << 23, value - (1 << 24), value)
    return (value << 8).astype(np.int32).reshape(-1, channels)


def array_to_pcm(array: np.ndarray, sample_format: str) -> bytes:
    """The inverse of pcm_to_array, for hashing decoded samples."""
    if sample_format == "s16le":
        return array.astype("<i2").tobytes()
    value = (array.astype(np.int32) >> 8).reshape(-1)
    out = np.empty((value.size, 3), dtype=np.uint8)
    out[:, 0] = value & 0xFF
    out[:, 1] = (value >> 8) & 0xFF
    out[:, 2] = (value >> 16) & 0xFF
    return out.tobytes()


def _counted(
    blocks: Iterable[bytes], frame_size: int, progress: Progress | None
) -> Iterable[bytes]:
    done = 0
    for block in blocks:
        yield block
        done += len(block) // frame_size
        if progress is not None:
            progress(done)


def write_copy(
    path: Path,
    fmt: str,
    *,
    facts: CopyFacts,
    signer: SigningKey,
    blocks: Iterable[bytes],
    notice: str,
    title: str,
    progress: Progress | None = None,
) -> CopyRecord:
    """Write one sealed audio file; returns the signed record as embedded.

    `facts.pcm_sha256` is the hash of the PCM the blocks deliver (the caller has it from the
    original's seal).
    """
    frame_size = c.frame_size(facts.sample_format, facts.channels)
    blocks = _counted(blocks, frame_size, progress)
    # The verifier rebuilds the tags from the title and the notice.
    record = dict(facts.document(), title=title, notice=notice)
    if fmt == "wav":
        return _write_wav(path, record, signer, blocks, notice, title)
    if fmt == "flac":
        return _write_flac(path, record, signer, blocks, notice, title)
    if fmt == "mp3":
        return _write_mp3(path, record, signer, blocks, notice, title)
    raise ValueError(f"unknown format {fmt!r}")


def _write_wav(
    path: Path,
    record: dict[str, Any],
    signer: SigningKey,
    blocks: Iterable[bytes],
    notice: str,
    title: str,
) -> CopyRecord:
    record = dict(record, format="wav", audio_sha256=HASH_PLACEHOLDER)
    placeholder = sign_record(record, signer)
    hold = len(placeholder) + len(placeholder) % 2
    info = wav_info(title, notice)
    with open(path, "xb") as raw:
        out = _HoldbackHasher(raw, hold)
        write_wav(
            cast(BinaryIO, out),
            sample_rate=record["sample_rate"],
            channels=record["channels"],
            sample_width=c.SAMPLE_WIDTHS[record["sample_format"]],
            frames=record["frames"],
            blocks=blocks,
            info=info,
            extra_chunks=[(WAV_CHUNK, placeholder)],
        )
        record["audio_sha256"] = out.hash.hexdigest()
        payload = sign_record(record, signer)
        if len(payload) != len(placeholder):  # pragma: no cover - fixed-length fields
            raise AssertionError("seal length changed")
        raw.seek(out.written - hold)
        raw.write(payload)
        raw.flush()
        os.fsync(raw.fileno())
    return _embedded(payload)


def _encode(folder: Path, fmt: str, record: dict[str, Any], blocks: Iterable[bytes]) -> Path:
    """Encode the PCM with libsndfile into a temporary file beside the copy (FLAC or MP3)."""
    import soundfile

    with tempfile.NamedTemporaryFile(
        dir=folder, prefix=f".{fmt}-", suffix=f".{fmt}", delete=False
    ) as handle:
        plain = Path(handle.name)
    subtype = {"flac": "PCM_16" if record["sample_format"] == "s16le" else "PCM_24"}.get(fmt)
    try:
        with soundfile.SoundFile(
            plain,
            "w",
            samplerate=record["sample_rate"],
            channels=record["channels"],
            format=fmt.upper(),
            subtype=subtype,
        ) as out:
            for block in blocks:
                array = pcm_to_array(block, record["sample_format"], record["channels"])
                if fmt == "mp3" and array.dtype != np.int16:
                    array = (array >> 16).astype(np.int16)  # the MP3 encoder takes 16 bits
                out.write(array)
    except BaseException:
        plain.unlink(missing_ok=True)
        raise
    return plain


def _sha256_from(path: Path, offset: int, digest: Any = None) -> str:
    digest = digest or hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(offset)
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return str(digest.hexdigest())


def _assemble(path: Path, head: bytes, encoded: Path, offset: int) -> None:
    """The final file: our own head, then the encoded audio from `offset` on; durable."""
    with open(path, "xb") as final, open(encoded, "rb") as source:
        final.write(head)
        source.seek(offset)
        shutil.copyfileobj(source, final, 1 << 20)
        final.flush()
        os.fsync(final.fileno())


def _write_flac(
    path: Path,
    record: dict[str, Any],
    signer: SigningKey,
    blocks: Iterable[bytes],
    notice: str,
    title: str,
) -> CopyRecord:
    """Encode with libsndfile, then write the file again with exactly two metadata blocks:
    STREAMINFO and our Vorbis comments, the seal covering STREAMINFO and every frame byte."""
    plain = _encode(path.parent, "flac", record, blocks)
    try:
        with open(plain, "rb") as encoded:
            layout = flacmeta.read_layout(encoded.read(1 << 20))
        digest = _sha256_from(plain, layout.audio_offset, hashlib.sha256(layout.streaminfo))
        payload = sign_record(dict(record, format="flac", audio_sha256=digest), signer)
        head = flac_head(layout.streaminfo, title, notice, payload)
        _assemble(path, head, plain, layout.audio_offset)
    finally:
        plain.unlink(missing_ok=True)
    return _embedded(payload)


def _write_mp3(
    path: Path,
    record: dict[str, Any],
    signer: SigningKey,
    blocks: Iterable[bytes],
    notice: str,
    title: str,
) -> CopyRecord:
    """Encode with libsndfile, then put our ID3 tag (with the seal) in front of the stream."""
    plain = _encode(path.parent, "mp3", record, blocks)
    try:
        digest = _sha256_from(plain, 0)
        payload = sign_record(dict(record, format="mp3", audio_sha256=digest), signer)
        tag = id3_tag(title, notice, payload)
        _assemble(path, tag, plain, 0)
    finally:
        plain.unlink(missing_ok=True)
    return _embedded(payload)


def _embedded(payload: bytes) -> CopyRecord:
    from audio.copies.seal import open_record

    return open_record(payload)
