"""The seal inside an exported audio file: a signed record of what the copy is.

The record names the recording, its original seal (hash of the audio as recorded), the copy's
format and the hash of its audio, the rule-c notice, and the installation key that signed it.
It travels inside the file (a RIFF chunk in WAV, a Vorbis comment in FLAC, an ID3 TXXX frame in
MP3), so a lone file that a citizen mails back, renamed or not, can still be verified.

What the record's `audio_sha256` covers, by format:
- wav:  the whole file up to the seal chunk's payload (header, INFO, data, seal chunk header),
        so any changed byte outside the seal itself is found; `pcm_sha256` covers the samples.
- flac: the decoded samples, as s16le/s24le bytes (equal to the original's pcm_sha256).
- mp3:  the MP3 stream after the ID3 tag (lossy: its samples differ from the original's).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from audio.encoding import b64, canonical_json, loads, unb64
from audio.errors import IntegrityError
from audio.keys import SigningKey, VerifyKey

COPY_CONTEXT = b"gespreksopname-copy/1\n"
TEXT_PREFIX = "gespreksopname-seal/1:"
WAV_CHUNK = b"gsop"
HASH_PLACEHOLDER = "0" * 64


def sign_record(record: dict[str, Any], signer: SigningKey) -> bytes:
    """The signed record as canonical JSON bytes: {"record": ..., "signature": ...}."""
    public = signer.public
    record = dict(record, signer={"algorithm": "ed25519", "public_key": b64(public.raw),
                                  "fingerprint": public.fingerprint})  # fmt: skip
    signature = signer.sign(COPY_CONTEXT + canonical_json(record))
    return canonical_json({"record": record, "signature": b64(signature)})


def open_record(payload: bytes) -> tuple[dict[str, Any], VerifyKey]:
    """Check the signature of a signed record; IntegrityError("copy_seal") if it fails."""
    try:
        doc = loads(payload)
        record = doc["record"]
        signature = unb64(doc["signature"], 64)
        key = VerifyKey(unb64(record["signer"]["public_key"], 32))
        if record.get("type") != "gespreksopname-copy" or record.get("version") != 1:
            raise ValueError("not a copy record")
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("copy_seal") from exc
    if not key.verify(signature, COPY_CONTEXT + canonical_json(record)):
        raise IntegrityError("copy_seal")
    return record, key


def as_text(payload: bytes) -> str:
    """For metadata fields that hold text (FLAC comment, ID3 TXXX)."""
    return TEXT_PREFIX + base64.b64encode(payload).decode("ascii")


def from_text(value: str | None) -> bytes:
    if not value or not value.startswith(TEXT_PREFIX):
        raise IntegrityError("copy_seal_missing")
    try:
        return base64.b64decode(value[len(TEXT_PREFIX) :].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise IntegrityError("copy_seal") from exc
