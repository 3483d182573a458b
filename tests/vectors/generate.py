"""Generate the container test vectors in this folder: `python -m tests.vectors.generate`.

Everything is deterministic (fixed keys, a counter-based random source, a fixed clock), so
running it again gives the same files; a test checks that. One scenario per file, with its
expected outcome on the `expect:` line (see docs/FORMAT.md, "Test vectors").
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from audio.container import layout as c
from audio.container.manifest import open_manifest, sign_manifest
from audio.container.writer import ContainerWriter
from audio.encoding import canonical_json
from audio.vault.keys import RecoveryPrivateKey, SigningKey
from audio.vault.stanzas import X25519Identity, X25519Recipient

HERE = Path(__file__).resolve().parent
IDENTITY = RecoveryPrivateKey(X25519PrivateKey.from_private_bytes(bytes(range(32))))
OTHER_IDENTITY = RecoveryPrivateKey(X25519PrivateKey.from_private_bytes(bytes(range(1, 33))))
SIGNER = SigningKey.from_seed(hashlib.sha256(b"vector signer").digest())
OTHER_SIGNER = SigningKey.from_seed(hashlib.sha256(b"another installation").digest())
_LENGTH = struct.Struct(">I")


def deterministic(seed: bytes) -> Callable[[int], bytes]:
    counter = 0

    def random_bytes(n: int) -> bytes:
        nonlocal counter
        out = b""
        while len(out) < n:
            out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
            counter += 1
        return out[:n]

    return random_bytes


def fixed_clock() -> Callable[[], float]:
    now = [1_795_000_000.0]

    def clock() -> float:
        now[0] += 0.25
        return now[0]

    return clock


def tone(frames: int, channels: int, width: int) -> bytes:
    return bytes((i * 7 + i // 251) & 0xFF for i in range(frames * channels * width))


def build(
    seed: str,
    frames: int,
    channels: int = 2,
    fmt: str = "s16le",
    events: bool = False,
    signer: SigningKey = SIGNER,
) -> tuple[bytes, bytes]:
    """A sealed container and its PCM."""
    width = c.SAMPLE_WIDTHS[fmt]
    audio = tone(frames, channels, width)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vector.gesp"
        writer = ContainerWriter(
            path,
            recipients=[X25519Recipient(IDENTITY.public)],
            signer=signer,
            sample_rate=8000,
            channels=channels,
            sample_format=fmt,
            chunk_frames=100,
            session={"version": 1, "purpose": "test vector"},
            clock=fixed_clock(),
            random_bytes=deterministic(seed.encode()),
            flush_interval=3600,
        )
        half = len(audio) // 2 // (channels * width) * (channels * width)
        writer.write(audio[:half])
        if events:
            writer.add_event("marker", "toestemming herhaald / consent repeated")
            writer.add_event("pause")
            writer.add_event("resume")
        writer.write(audio[half:])
        writer.seal()
        return path.read_bytes(), audio


def split(data: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the framed chunks of a container."""
    (length,) = _LENGTH.unpack_from(data, len(c.MAGIC))
    offset = len(c.MAGIC) + _LENGTH.size + length + 32
    header, chunks = data[:offset], []
    while offset < len(data):
        (length,) = _LENGTH.unpack_from(data, offset)
        chunks.append(data[offset : offset + _LENGTH.size + length])
        offset += _LENGTH.size + length
    return header, chunks


def _open_final(data: bytes) -> tuple[bytes, list[bytes], bytes, c.Header, int, int, bytes]:
    """Header, chunks, the file key, the header, and the final chunk's index, time and body."""
    header_bytes, chunks = split(data)
    with tempfile.TemporaryFile() as handle:
        handle.write(data)
        handle.seek(0)
        header = c.read_header(handle)
    file_key = c.unlock(header, [X25519Identity(IDENTITY)])
    index = len(chunks) - 1
    final = c.decrypt_final(file_key, header.payload_nonce, index, chunks[-1][_LENGTH.size :])
    assert final is not None
    _kind, time_ms = c.PLAIN_PREFIX.unpack_from(final[1])
    return header_bytes, chunks, file_key, header, index, time_ms, final[1][c.PLAIN_PREFIX.size :]


def _final(file_key: bytes, header: c.Header, index: int, time_ms: int, body: bytes) -> bytes:
    salt = deterministic(b"reseal")(c.SEAL_SALT_SIZE)
    return c.encrypt_final_chunk(
        file_key, header.payload_nonce, index, c.FLAG_SEALED, time_ms, body, salt
    )


def reseal(data: bytes, edit: Callable[[dict[str, Any]], None], signer: SigningKey) -> bytes:
    """Decrypt the manifest, edit it, sign it with `signer`, encrypt it back with the right key."""
    header_bytes, chunks, file_key, header, index, time_ms, body = _open_final(data)
    document = dict(open_manifest(body, index).document)
    edit(document)
    _manifest, signed = sign_manifest(document, signer)
    last = _final(file_key, header, index, time_ms, signed)
    return header_bytes + b"".join(chunks[:-1]) + last


def unsigned_edit(data: bytes) -> bytes:
    """Change the frame count in the manifest but keep the old signature."""
    header_bytes, chunks, file_key, header, index, time_ms, body = _open_final(data)
    doc = json.loads(body)
    doc["manifest"]["frames"] += 1
    last = _final(file_key, header, index, time_ms, canonical_json(doc))
    return header_bytes + b"".join(chunks[:-1]) + last


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


def scenarios() -> dict[str, tuple[str, str, bytes, bytes | None, RecoveryPrivateKey]]:
    """name -> (expect, description, container, pcm or None, reader identity)."""
    out: dict[str, tuple[str, str, bytes, bytes | None, RecoveryPrivateKey]] = {}
    empty, empty_pcm = build("empty", 0, channels=1)
    out["success_empty"] = ("success", "0 frames, mono s16le", empty, empty_pcm, IDENTITY)
    mono, mono_pcm = build("mono24", 333, channels=1, fmt="s24le")
    out["success_mono_s24le"] = ("success", "333 frames, mono s24le", mono, mono_pcm, IDENTITY)
    data, audio = build("stereo", 450, events=True)
    out["success_stereo_events"] = (
        "success",
        "450 frames, stereo s16le, a marker, a pause and a resume",
        data,
        audio,
        IDENTITY,
    )
    header, chunks = split(data)
    out["wrong_key"] = (
        "no matching key",
        "read with a key the file was not wrapped to",
        data,
        None,
        OTHER_IDENTITY,
    )
    rid = header.index(b'"recording_id":"') + 20
    out["header_tampered"] = (
        "integrity: header",
        "one character of the recording id changed",
        flip(data, rid),
        None,
        IDENTITY,
    )
    target = len(header) + len(chunks[0]) + len(chunks[1]) + 40
    out["chunk_tampered"] = (
        "integrity: chunk 2",
        "one bit of chunk 2 flipped",
        flip(data, target),
        None,
        IDENTITY,
    )
    cut = len(header) + sum(len(x) for x in chunks[:3])
    out["truncated"] = (
        "integrity: truncated 3",
        "the file ends after chunk 2",
        data[:cut],
        None,
        IDENTITY,
    )
    out["truncated_mid_chunk"] = (
        "integrity: truncated 3",
        "the file ends inside chunk 3",
        data[: cut + 20],
        None,
        IDENTITY,
    )
    swapped = header + chunks[0] + chunks[2] + chunks[1] + b"".join(chunks[3:])
    out["chunks_reordered"] = (
        "integrity: chunk 1",
        "chunks 1 and 2 swapped",
        swapped,
        None,
        IDENTITY,
    )
    other, _ = build("other recording", 450, events=True)
    _, other_chunks = split(other)
    spliced = header + b"".join(chunks[:2]) + other_chunks[2] + b"".join(chunks[3:])
    out["spliced"] = (
        "integrity: chunk 2",
        "chunk 2 taken from another recording (same keys)",
        spliced,
        None,
        IDENTITY,
    )
    last = len(chunks) - 1
    out["manifest_edited"] = (
        f"integrity: signature {last}",
        "manifest frame count changed, re-encrypted, not re-signed",
        unsigned_edit(data),
        None,
        IDENTITY,
    )

    def lie(manifest: dict[str, Any]) -> None:
        manifest["pcm_sha256"] = hashlib.sha256(b"other audio").hexdigest()

    out["manifest_lies"] = (
        f"integrity: manifest {last}",
        "manifest re-signed by the trusted key but with another audio hash",
        reseal(data, lie, SIGNER),
        None,
        IDENTITY,
    )
    out["signature_other_key"] = (
        "integrity: untrusted",
        "manifest re-signed by an installation nobody trusts",
        reseal(data, lambda m: None, OTHER_SIGNER),
        None,
        IDENTITY,
    )
    out["data_after_end"] = (
        f"integrity: trailing {last + 1}",
        "a copy of the last chunk appended",
        data + chunks[-1],
        None,
        IDENTITY,
    )
    newer = data.replace(c.MAGIC, c.MAGIC_PREFIX + b"3\n", 1)
    out["newer_version"] = ("unsupported version", "version marker says 3", newer, None, IDENTITY)
    older = data.replace(c.MAGIC, c.MAGIC_PREFIX + b"1\n", 1)
    out["older_version"] = (
        "unsupported version",
        "version marker says 1 (read by 0.1 only: its recovery could reuse a nonce)",
        older,
        None,
        IDENTITY,
    )
    return out


def render(
    expect: str, description: str, data: bytes, audio: bytes | None, identity: RecoveryPrivateKey
) -> str:
    seed = identity.private.private_bytes_raw()
    lines = [
        f"expect: {expect}",
        f"identity: {base64.b64encode(seed).decode()}",
        f"signer: {base64.b64encode(SIGNER.public.raw).decode()}",
    ]
    if audio is not None:
        lines.append(f"pcm_sha256: {hashlib.sha256(audio).hexdigest()}")
    lines.append(f"description: {description}")
    body = textwrap.wrap(base64.b64encode(data).decode(), 76)
    return "\n".join([*lines, "", *body, ""])


def main(folder: Path = HERE) -> int:
    for name, scenario in scenarios().items():
        (folder / f"{name}.txt").write_text(render(*scenario), encoding="ascii")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
