"""The public seal: what anyone may know about a sealed container, signed by the installation.

A container is encrypted, so without a key nobody can check its manifest. The public seal closes
that gap for the archive and the Privacy Officer: a small signed JSON document (`<id>.seal.json`)
that names the recording, the SHA-256 and size of the container's bytes exactly as they are on
disk, the seal's own hash (what the time-stamping authority stamps) and the installation's key
and certificate. Checking a container against it needs no passphrase and no key: hash the file,
compare, check the signature (docs/FORMAT.md, "The public seal").

It holds no personal data: ids, hashes, sizes, the times of the seal and the end of retention.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from audio.container.layout import read_header
from audio.encoding import b64, canonical_json, loads, parse_time, unb64
from audio.errors import IntegrityError
from audio.vault.keys import SigningKey, VerifyKey

TYPE: Final = "gespreksopname-public-seal"
VERSION: Final = 1
CONTEXT: Final = b"gespreksopname-public-seal/1\n"
SUFFIX: Final = ".seal.json"
MAX_SIZE: Final = 64 * 1024  # a certificate and a few hashes; more is not a public seal
STATES: Final = ("sealed", "interrupted")


@dataclass(frozen=True)
class PublicSeal:
    recording_id: str
    container_sha256: str  # hex SHA-256 of the container file's bytes
    container_size: int
    seal_sha256: str  # hex SHA-256 of the manifest chunk's body: what the TSA stamps
    state: str  # "sealed" or "interrupted" (sealed by recovery after a crash)
    ended: str  # when the recording ended (ISO 8601 UTC, from the manifest)
    retain_until: str | None  # the end of its retention term, None when it has none
    public_key: bytes  # the installation's raw Ed25519 key
    certificate: str | None  # the installation's certificate (PEM), when it is enrolled
    signature: bytes

    @property
    def installation(self) -> str:
        """The installation's key fingerprint, as people read it aloud (K7QX-2MDA-...)."""
        return VerifyKey(self.public_key).fingerprint

    def unsigned(self) -> dict[str, Any]:
        return {
            "type": TYPE,
            "version": VERSION,
            "recording_id": self.recording_id,
            "container": {"sha256": self.container_sha256, "size": self.container_size},
            "seal_sha256": self.seal_sha256,
            "state": self.state,
            "ended": self.ended,
            "retain_until": self.retain_until,
            "public_key": b64(self.public_key),
            "certificate": self.certificate,
        }

    def encode(self) -> bytes:
        """The document as stored: canonical JSON with the signature."""
        return canonical_json({**self.unsigned(), "signature": b64(self.signature)})

    def signature_valid(self) -> bool:
        """The signature is the named key's over everything else (not yet: whether we trust
        that key, which is policy.verification's question)."""
        message = CONTEXT + canonical_json(self.unsigned())
        return VerifyKey(self.public_key).verify(self.signature, message)

    @classmethod
    def make(
        cls,
        key: SigningKey,
        *,
        recording_id: str,
        container_sha256: str,
        container_size: int,
        seal_sha256: str,
        state: str,
        ended: str,
        retain_until: str | None,
        certificate: str | None,
    ) -> PublicSeal:
        unsigned = cls(
            recording_id,
            container_sha256,
            container_size,
            seal_sha256,
            state,
            ended,
            retain_until,
            key.public.raw,
            certificate,
            b"",
        )
        signature = key.sign(CONTEXT + canonical_json(unsigned.unsigned()))
        return cls(**{**unsigned.__dict__, "signature": signature})

    @classmethod
    def parse(cls, data: bytes) -> PublicSeal:
        """Read a public seal; IntegrityError("public_seal") for anything that is not one
        (the signature is checked by `signature_valid`, the key's trust by the caller)."""
        try:
            if len(data) > MAX_SIZE:
                raise ValueError("too large")
            doc = loads(data)
            if not isinstance(doc, dict) or doc.get("type") != TYPE:
                raise ValueError("not a public seal")
            if doc.get("version") != VERSION:
                raise ValueError("unknown version")
            container = doc["container"]
            seal = cls(
                recording_id=_text(doc["recording_id"]),
                container_sha256=_hex(container["sha256"]),
                container_size=_count(container["size"]),
                seal_sha256=_hex(doc["seal_sha256"]),
                state=_text(doc["state"]),
                ended=_text(doc["ended"]),
                retain_until=None if doc["retain_until"] is None else _text(doc["retain_until"]),
                public_key=unb64(doc["public_key"], 32),
                certificate=None if doc["certificate"] is None else _text(doc["certificate"]),
                signature=unb64(doc["signature"], 64),
            )
            if seal.state not in STATES or set(doc) != {*seal.unsigned(), "signature"}:
                raise ValueError("unknown fields or state")
            parse_time(seal.ended)  # ValueError: not a time
            if seal.retain_until is not None:
                parse_time(seal.retain_until)
            if canonical_json(doc) != data:
                raise ValueError("not in canonical form")
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError("public_seal") from exc
        return seal


@dataclass(frozen=True)
class KeylessCheck:
    """What `check_container` found, without any key."""

    recording_id: str
    size: int
    sha256: str


def container_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file, read in large blocks (OpenSSL's SHA-256)."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        size = handle.tell()
    return digest.hexdigest(), size


def check_container(path: Path, seal: PublicSeal) -> KeylessCheck:
    """The container at `path` is, byte for byte, the one the public seal names: its header
    names the same recording, and its size and SHA-256 are the sealed ones. Otherwise an
    IntegrityError: "keyless_truncated" (shorter: cut or incomplete), "keyless_changed" (other
    bytes), "public_seal" (its signature is not valid), "wrong_recording" (another's seal)."""
    if not seal.signature_valid():
        raise IntegrityError("public_seal")
    with path.open("rb") as handle:
        header = read_header(handle)  # UnsupportedVersion: not a container of ours
    if header.recording_id != seal.recording_id:
        raise IntegrityError("wrong_recording")
    sha256, size = container_digest(path)
    if size < seal.container_size:
        raise IntegrityError("keyless_truncated", size=size, sealed=seal.container_size)
    if size != seal.container_size or sha256 != seal.container_sha256:
        raise IntegrityError("keyless_changed")
    return KeylessCheck(seal.recording_id, size, sha256)


def seal_path(container: Path) -> Path:
    """Where a container's public seal is looked for: `<id>.seal.json` beside it."""
    return container.with_name(container.stem + SUFFIX)


def _text(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_SIZE:
        raise ValueError("not a text")
    return value


def _hex(value: object) -> str:
    text = _text(value)
    if len(text) != 64 or text != text.lower():
        raise ValueError("not a SHA-256")
    bytes.fromhex(text)
    return text


def _count(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("not a size")
    return value


__all__ = [
    "SUFFIX",
    "KeylessCheck",
    "PublicSeal",
    "check_container",
    "container_digest",
    "seal_path",
]
