"""The recording container, version 2: header, stanzas and the STREAM of chunks (docs/FORMAT.md).

This module holds the byte layout and the low-level reading; `writer`, `verify` and `recovery`
build on it. Nothing here returns a chunk that did not authenticate.
"""

from __future__ import annotations

import hmac
import os
import struct
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audio.encoding import b64, canonical_json, loads, unb64
from audio.errors import IntegrityError, NoMatchingKey, UnsupportedVersion
from audio.vault.keys import hkdf
from audio.vault.stanzas import FILE_KEY_SIZE, Identity, Stanza

VERSION = 2
MAGIC_PREFIX = b"gespreksopname-container/"
MAGIC = MAGIC_PREFIX + b"%d\n" % VERSION
SUFFIX = ".gesp"
MAX_HEADER = 65536
MAX_CHUNK = 16 * 1024 * 1024
TAG_SIZE = 16
PLAIN_PREFIX = struct.Struct(">BQ")  # type, time in milliseconds
MIN_CIPHERTEXT = PLAIN_PREFIX.size + TAG_SIZE
_LENGTH = struct.Struct(">I")

# Final-chunk flags: the final chunk (the manifest) says in its nonce how it was sealed.
FLAG_MORE, FLAG_SEALED, FLAG_RECOVERED = 0, 1, 2
FINAL_FLAGS = (FLAG_SEALED, FLAG_RECOVERED)
# Every sealing (by the writer or by `recover`) draws a fresh random salt, stored in front of
# the final chunk's ciphertext, and encrypts the final chunk under a key of its own derived from
# it: however often a file is cut and sealed again, no key ever sees a nonce twice.
SEAL_SALT_SIZE = 16
MIN_FINAL = SEAL_SALT_SIZE + PLAIN_PREFIX.size + TAG_SIZE

START, AUDIO, EVENT, MANIFEST = 1, 2, 3, 4
CHUNK_TYPES = (START, AUDIO, EVENT, MANIFEST)

SAMPLE_WIDTHS = {"s16le": 2, "s24le": 3, "file": 1}
# "file": a received recording kept byte for byte (an import): one "frame" is one byte and the
# nominal rate is 1; its real duration is in the manifest's duration_s.
FILE_FORMAT = "file"


def header_mac_key(file_key: bytes) -> bytes:
    return hkdf(file_key, b"gespreksopname-header/1")


def payload_key(file_key: bytes, payload_nonce: bytes) -> bytes:
    return hkdf(file_key, b"gespreksopname-payload/1", salt=payload_nonce)


def chunk_nonce(index: int, flag: int) -> bytes:
    return index.to_bytes(11, "big") + bytes([flag])


def final_key(file_key: bytes, payload_nonce: bytes, seal_salt: bytes) -> bytes:
    """The one-time key of a final chunk (used for exactly one encryption)."""
    return hkdf(file_key, b"gespreksopname-final/2", salt=payload_nonce + seal_salt)


def encrypt_final_chunk(
    file_key: bytes,
    payload_nonce: bytes,
    index: int,
    flag: int,
    time_ms: int,
    body: bytes,
    seal_salt: bytes,
) -> bytes:
    """The framed final (manifest) chunk: length prefix, seal salt, ciphertext."""
    if flag not in FINAL_FLAGS or len(seal_salt) != SEAL_SALT_SIZE:
        raise ValueError("a final chunk needs a final flag and a fresh seal salt")
    aead = AESGCM(final_key(file_key, payload_nonce, seal_salt))
    ciphertext = aead.encrypt(
        chunk_nonce(index, flag), PLAIN_PREFIX.pack(MANIFEST, time_ms) + body, None
    )
    return _LENGTH.pack(SEAL_SALT_SIZE + len(ciphertext)) + seal_salt + ciphertext


def decrypt_final(
    file_key: bytes, payload_nonce: bytes, index: int, data: bytes
) -> tuple[int, bytes] | None:
    """Open `data` (salt and ciphertext) as the final chunk at `index`: (flag, plaintext), or
    None when it does not authenticate as one."""
    if len(data) < MIN_FINAL:
        return None
    aead = AESGCM(final_key(file_key, payload_nonce, data[:SEAL_SALT_SIZE]))
    for flag in FINAL_FLAGS:
        try:
            return flag, aead.decrypt(chunk_nonce(index, flag), data[SEAL_SALT_SIZE:], None)
        except InvalidTag:
            continue
    return None


def encode_header(
    file_key: bytes, recording_id: str, payload_nonce: bytes, stanzas: Sequence[Stanza]
) -> bytes:
    """The full header: magic line, length, JSON and its MAC."""
    body = canonical_json(
        {
            "recording_id": recording_id,
            "payload_nonce": b64(payload_nonce),
            "stanzas": list(stanzas),
        }
    )
    if len(body) > MAX_HEADER:
        raise ValueError("too many recipients for one header")
    signed = MAGIC + _LENGTH.pack(len(body)) + body
    return signed + hmac.digest(header_mac_key(file_key), signed, "sha256")


def encrypt_chunk(
    aead: AESGCM, index: int, flag: int, kind: int, time_ms: int, body: bytes
) -> bytes:
    """One framed chunk: length prefix and ciphertext."""
    ciphertext = aead.encrypt(
        chunk_nonce(index, flag), PLAIN_PREFIX.pack(kind, time_ms) + body, None
    )
    return _LENGTH.pack(len(ciphertext)) + ciphertext


def encrypt_chunk_into(
    aead: AESGCM, index: int, flag: int, plain: memoryview, out: bytearray
) -> memoryview:
    """The same framed chunk as `encrypt_chunk`, built in `out` without allocating: `plain`
    already holds the prefix (PLAIN_PREFIX) and the body. Returns the framed bytes in `out`."""
    size = len(plain) + TAG_SIZE
    _LENGTH.pack_into(out, 0, size)
    view = memoryview(out)[: _LENGTH.size + size]
    aead.encrypt_into(chunk_nonce(index, flag), plain, None, view[_LENGTH.size :])
    return view


@dataclass(frozen=True)
class Header:
    recording_id: str
    payload_nonce: bytes
    stanzas: list[Stanza]
    signed: bytes  # magic line, length and JSON: what the MAC covers
    mac: bytes

    @property
    def size(self) -> int:
        return len(self.signed) + len(self.mac)


def read_magic(handle: IO[bytes]) -> None:
    """Check the version marker before anything else."""
    line = handle.read(len(MAGIC))
    if line == MAGIC:
        return
    if not line.startswith(MAGIC_PREFIX):
        raise UnsupportedVersion("error.not_a_container")
    version = line[len(MAGIC_PREFIX) :].split(b"\n")[0].strip()
    if version.isdigit() and int(version) > VERSION:
        raise UnsupportedVersion("error.newer_version", version=int(version))
    if version.isdigit() and 0 < int(version) < VERSION:
        raise UnsupportedVersion("error.older_version", version=int(version))
    raise IntegrityError("header")  # our own version, but the line was changed (e.g. CRLF)


def read_header(handle: IO[bytes]) -> Header:
    """Parse the header. The MAC is checked later, by `unlock`, once a key is known."""
    read_magic(handle)
    raw_length = handle.read(_LENGTH.size)
    if len(raw_length) != _LENGTH.size:
        raise IntegrityError("header")
    (length,) = _LENGTH.unpack(raw_length)
    if length > MAX_HEADER:
        raise IntegrityError("header")
    body = handle.read(length)
    mac = handle.read(32)
    if len(body) != length or len(mac) != 32:
        raise IntegrityError("header")
    try:
        doc = loads(body)
        recording_id = doc["recording_id"]
        payload_nonce = unb64(doc["payload_nonce"], 16)
        stanzas = doc["stanzas"]
        if not isinstance(recording_id, str) or not isinstance(stanzas, list):
            raise ValueError("bad header types")
        uuid.UUID(recording_id)  # ids become file names: only a UUID is accepted
        if not all(isinstance(stanza, dict) for stanza in stanzas):
            raise ValueError("bad stanza")
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("header") from exc
    return Header(recording_id, payload_nonce, stanzas, MAGIC + raw_length + body, mac)


def unlock(header: Header, identities: Sequence[Identity]) -> bytes:
    """Find the file key with one of our identities and check the header MAC with it."""
    opened = False
    for stanza in header.stanzas:
        for identity in identities:
            # A stanza addressed to us that does not open means the header was changed.
            opened = opened or identity.addressed(stanza, header.recording_id)
            file_key = identity.unwrap(stanza, header.recording_id)
            if file_key is None or len(file_key) != FILE_KEY_SIZE:
                continue
            expected = hmac.digest(header_mac_key(file_key), header.signed, "sha256")
            if hmac.compare_digest(expected, header.mac):
                return file_key
    if opened:
        raise IntegrityError("header")
    raise NoMatchingKey()


@dataclass(frozen=True)
class Chunk:
    index: int
    flag: int
    kind: int
    time_ms: int
    body: memoryview  # a view into the decrypted chunk, without a copy
    end: int  # file offset just after this chunk

    @property
    def final(self) -> bool:
        return self.flag in FINAL_FLAGS

    def json(self) -> dict[str, Any]:
        """The body of a start, event or manifest chunk as a JSON object."""
        try:
            doc = loads(bytes(self.body))
        except ValueError as exc:
            raise IntegrityError("chunk", self.index) from exc
        if not isinstance(doc, dict):
            raise IntegrityError("chunk", self.index)
        return doc


class ChunkStream:
    """Reads and authenticates chunks in order. Stops with IntegrityError at the first failure.

    A chunk that ends exactly at the end of the file must carry a final flag; any other chunk must
    not. A stream that ends without a final chunk raises IntegrityError("truncated").
    """

    def __init__(self, handle: IO[bytes], header: Header, file_key: bytes, reuse: int = 0) -> None:
        """`reuse` > 0: ordinary chunks are decrypted into that many buffers in turn, so a
        chunk's body stays valid only until `reuse` more chunks have been read (for a reader
        that hashes or copies each body at once: fresh pages cost more CPU than decrypting)."""
        self.handle = handle
        self.header = header
        self.file_key = file_key
        self.aead = AESGCM(payload_key(file_key, header.payload_nonce))
        handle.seek(0, os.SEEK_END)
        self.file_size = handle.tell()
        handle.seek(header.size)
        self._ciphertext = bytearray()  # every chunk is read into this one buffer
        self._plain: list[bytearray] = [bytearray() for _ in range(reuse)]

    def __iter__(self) -> Iterator[Chunk]:
        index = 0
        offset = self.header.size
        handle = self.handle
        while True:
            if offset == self.file_size:
                raise IntegrityError("truncated", index)
            prefix = handle.read(_LENGTH.size)
            if len(prefix) < _LENGTH.size:
                raise IntegrityError("truncated", index)
            (length,) = _LENGTH.unpack(prefix)
            if not MIN_CIPHERTEXT <= length <= MAX_CHUNK + MIN_FINAL:
                raise IntegrityError("chunk", index)
            if len(self._ciphertext) < length:
                self._ciphertext = bytearray(length)
            ciphertext = memoryview(self._ciphertext)[:length]
            # A binary file (open(..., "rb")) has readinto; typing.IO does not declare it.
            if handle.readinto(ciphertext) < length:  # type: ignore[attr-defined]
                raise IntegrityError("truncated", index)
            offset += _LENGTH.size + length
            at_end = offset == self.file_size
            chunk = self._open(index, ciphertext, at_end, offset)
            yield chunk
            if chunk.final:
                return
            index += 1

    def _open(self, index: int, data: memoryview, at_end: bool, end: int) -> Chunk:
        # At the end of the file a final chunk is expected, but an ordinary one is what a crash
        # leaves (the loop then reports "truncated"). Before the end only ordinary chunks may be.
        final = None
        if at_end:
            final = decrypt_final(self.file_key, self.header.payload_nonce, index, bytes(data))
        if final is None:
            plain = self._decrypt(index, data)
            if plain is not None:
                return self._parse(index, FLAG_MORE, plain, end)
            if not at_end and decrypt_final(
                self.file_key, self.header.payload_nonce, index, bytes(data)
            ):
                raise IntegrityError("trailing", index + 1)
            raise IntegrityError("chunk", index)
        return self._parse(index, final[0], final[1], end)

    def _decrypt(self, index: int, data: memoryview) -> bytes | memoryview | None:
        """An ordinary chunk's plaintext, or None when it does not authenticate as one."""
        try:
            if not self._plain or len(data) < TAG_SIZE:
                return self.aead.decrypt(chunk_nonce(index, FLAG_MORE), data, None)
            slot = index % len(self._plain)
            if len(self._plain[slot]) < len(data) - TAG_SIZE:
                self._plain[slot] = bytearray(len(data) - TAG_SIZE)
            plain = memoryview(self._plain[slot])[: len(data) - TAG_SIZE]
            self.aead.decrypt_into(chunk_nonce(index, FLAG_MORE), data, None, plain)
            return plain
        except InvalidTag:
            return None

    @staticmethod
    def _parse(index: int, flag: int, plain: bytes | memoryview, end: int) -> Chunk:
        kind, time_ms = PLAIN_PREFIX.unpack_from(plain)
        if kind not in CHUNK_TYPES:
            raise IntegrityError("chunk", index)
        chunk = Chunk(index, flag, kind, time_ms, memoryview(plain)[PLAIN_PREFIX.size :], end)
        if (index == 0) != (kind == START) or chunk.final != (kind == MANIFEST):
            raise IntegrityError("chunk", index)
        return chunk


def frame_size(sample_format: str, channels: int) -> int:
    return SAMPLE_WIDTHS[sample_format] * channels
