"""The seal inside an exported audio file: a signed record of what the copy is.

The record names the recording, its original seal (hash of the audio as recorded), the copy's
format and the hash of its audio, the rule-c notice, and the installation key that signed it.
It travels inside the file (a RIFF chunk in WAV, a Vorbis comment in FLAC, an ID3 TXXX frame in
MP3), so a lone file that a citizen mails back, renamed or not, can still be verified.

The metadata around the seal is fixed too: `wav_info`, `flac_head` and `id3_tag` below give it
byte for byte from the record and the seal, for the writer and for the verifier alike, so a copy
verifies only when it carries exactly that metadata and nothing else.

What the record's `audio_sha256` covers, by format:
- wav:  the whole file up to the seal chunk's payload (header, INFO, data, seal chunk header),
        so any changed byte outside the seal itself is found; `pcm_sha256` covers the samples.
- flac: the decoded samples, as s16le/s24le bytes (equal to the original's pcm_sha256).
- mp3:  the MP3 stream after the ID3 tag (lossy: its samples differ from the original's).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audio.copies import flacmeta
from audio.copies.id3 import build_tag
from audio.encoding import b64, canonical_json, loads, unb64
from audio.errors import IntegrityError
from audio.vault.keys import SigningKey, VerifyKey

COPY_CONTEXT = b"gespreksopname-copy/1\n"
TEXT_PREFIX = "gespreksopname-seal/1:"
WAV_CHUNK = b"gsop"
HASH_PLACEHOLDER = "0" * 64
SOFTWARE = "Gespreksopname"
SEAL_DESCRIPTION = "gespreksopname-seal"  # the TXXX frame that holds the seal in an MP3
ID3_FRAMES = ("TIT2", "TCOP", "TSSE", "TXXX", "COMM")  # in the order `id3_tag` writes them
FLAC_KEYS = ("title", "copyright", "software", "comment")  # the same for `flac_head`


def sign_record(record: dict[str, Any], signer: SigningKey) -> bytes:
    """The signed record as canonical JSON bytes: {"record": ..., "signature": ...}."""
    public = signer.public
    record = dict(record, signer={"algorithm": "ed25519", "public_key": b64(public.raw),
                                  "fingerprint": public.fingerprint})  # fmt: skip
    signature = signer.sign(COPY_CONTEXT + canonical_json(record))
    return canonical_json({"record": record, "signature": b64(signature)})


_SIGNER_FIELDS = {"algorithm", "public_key", "fingerprint"}
_HEX64 = frozenset("0123456789abcdef")
_BASES = ("participant", "representative", "consent")  # rule c, as policy.copies writes it
# The fields the verifier reads, and what they must be; the signature covers all of them.
_SHAPE: dict[str, Any] = {
    "format": ("wav", "flac", "mp3"),
    "sample_format": ("s16le", "s24le"),
}


def _check_shape(record: dict[str, Any]) -> None:
    for name, allowed in _SHAPE.items():
        if record.get(name) not in allowed:
            raise ValueError(f"bad {name}")
    for name in ("sample_rate", "channels", "frames"):
        value = record.get(name)
        if type(value) is not int or value < 0:
            raise ValueError(f"bad {name}")
    for name in ("pcm_sha256", "audio_sha256"):
        value = record.get(name)
        if not isinstance(value, str) or len(value) != 64 or not set(value) <= _HEX64:
            raise ValueError(f"bad {name}")
    for name in ("title", "notice"):
        if not isinstance(record.get(name), str):
            raise ValueError(f"bad {name}")
    basis = record.get("basis", {"kind": "participant"})  # absent in older copies
    if not isinstance(basis, dict) or basis.get("kind") not in _BASES:
        raise ValueError("bad basis")
    certificate = record.get("certificate")
    if certificate is not None and not (
        isinstance(certificate, str) and certificate.startswith("-----BEGIN CERTIFICATE-----")
    ):
        raise ValueError("bad certificate")


@dataclass(frozen=True)
class CopyFacts:
    """What policy/ decides about a copy before the audio layer writes it: the record's fields
    except the format's own (`format`, `audio_sha256`, `title`, `notice` go in as the file is
    made) and the signer."""

    copy_id: str
    recording_id: str
    organisation: str
    exported: str  # ISO 8601, UTC
    recipient: str
    started: str
    duration_s: float
    sample_rate: int
    channels: int
    sample_format: str
    frames: int
    pcm_sha256: str  # of the PCM the blocks deliver: the original's sealed audio
    original: Mapping[str, object]  # the recording's state, signer, seal, end, derivation
    certificate: str | None = None  # the installation's certificate (PEM), when enrolled
    basis: Mapping[str, object] | None = None  # rule c: why this recipient

    def document(self) -> dict[str, Any]:
        """The record as JSON, for the writers to complete and sign."""
        doc: dict[str, Any] = {
            "type": "gespreksopname-copy",
            "version": 1,
            "copy_id": self.copy_id,
            "recording_id": self.recording_id,
            "organisation": self.organisation,
            "exported": self.exported,
            "recipient": self.recipient,
            "started": self.started,
            "duration_s": self.duration_s,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "sample_format": self.sample_format,
            "frames": self.frames,
            "pcm_sha256": self.pcm_sha256,
            "original": dict(self.original),
        }
        if self.certificate is not None:
            doc["certificate"] = self.certificate
        if self.basis is not None:
            doc["basis"] = dict(self.basis)
        return doc


@dataclass(frozen=True)
class CopyRecord:
    """A copy's signed record, read once (by `open_record`) for everyone past this module."""

    copy_id: str
    recording_id: str
    organisation: str
    exported: str  # ISO 8601, UTC
    recipient: str
    format: str  # wav | flac | mp3
    started: str
    duration_s: float
    sample_rate: int
    channels: int
    sample_format: str
    frames: int
    pcm_sha256: str
    audio_sha256: str
    title: str
    notice: str
    original_state: str  # the recording's seal: sealed | interrupted
    derived_from: str | None  # the original's id, for a copy of an edited version
    derived_cuts: tuple[tuple[float, float], ...]  # what the edit took out, in seconds
    certificate: str | None  # the installation's certificate (PEM), when it was enrolled
    seal_sha256: str | None  # the recording's seal, which its RFC 3161 timestamp names
    ended: str | None  # when the recording ended
    signer: VerifyKey
    # Rule c: why the recipient may have it ({"kind": participant | representative | consent,
    # "represents", "consent"}); None in copies made before the record carried it.
    basis: Mapping[str, Any] | None = None

    @classmethod
    def parse(cls, record: Mapping[str, Any], signer: VerifyKey) -> CopyRecord:
        original = record.get("original") or {}
        derived = original.get("derived_from") if isinstance(original, dict) else None
        duration = record["duration_s"]
        if not isinstance(duration, int | float) or isinstance(duration, bool):
            raise ValueError("bad duration_s")
        texts = ("copy_id", "recording_id", "exported", "started")
        if not all(isinstance(record.get(name), str) for name in texts):
            raise ValueError("bad copy record")
        return cls(
            copy_id=record["copy_id"],
            recording_id=record["recording_id"],
            organisation=str(record.get("organisation") or ""),
            exported=record["exported"],
            recipient=str(record.get("recipient") or ""),
            format=record["format"],
            started=record["started"],
            duration_s=float(duration),
            sample_rate=record["sample_rate"],
            channels=record["channels"],
            sample_format=record["sample_format"],
            frames=record["frames"],
            pcm_sha256=record["pcm_sha256"],
            audio_sha256=record["audio_sha256"],
            title=record["title"],
            notice=record["notice"],
            original_state=str(original.get("state") or "") if isinstance(original, dict) else "",
            derived_from=str(derived["recording_id"])
            if isinstance(derived, dict) and derived.get("recording_id")
            else None,
            derived_cuts=tuple((float(a), float(b)) for a, b in (derived or {}).get("cuts") or ()),
            certificate=record["certificate"] if record.get("certificate") is not None else None,
            seal_sha256=_optional_text(original, "seal_sha256"),
            ended=_optional_text(original, "ended"),
            signer=signer,
            basis=record["basis"] if isinstance(record.get("basis"), dict) else None,
        )


def _optional_text(doc: object, name: str) -> str | None:
    value = doc.get(name) if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def open_record(payload: bytes) -> CopyRecord:
    """Check a signed record; IntegrityError("copy_seal") if anything about it is off.

    The payload must be exactly what `sign_record` writes: canonical JSON (parsed and written
    again, byte for byte the same) with just "record" and "signature", base64 in its one
    canonical spelling, a signature that holds, and the fields the verifier reads well-formed.
    """
    try:
        doc = loads(payload)
        if not isinstance(doc, dict) or set(doc) != {"record", "signature"}:
            raise ValueError("not a signed record")
        if canonical_json(doc) != payload:
            raise ValueError("not in canonical form")
        record = doc["record"]
        signature = _canonical_b64(doc["signature"], 64)
        signer = record["signer"]
        if not isinstance(signer, dict) or set(signer) != _SIGNER_FIELDS:
            raise ValueError("bad signer")
        key = VerifyKey(_canonical_b64(signer["public_key"], 32))
        if signer["algorithm"] != "ed25519" or signer["fingerprint"] != key.fingerprint:
            raise ValueError("bad signer")
        if record.get("type") != "gespreksopname-copy" or record.get("version") != 1:
            raise ValueError("not a copy record")
        _check_shape(record)
        parsed = CopyRecord.parse(record, key)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IntegrityError("copy_seal") from exc
    if not key.verify(signature, COPY_CONTEXT + canonical_json(record)):
        raise IntegrityError("copy_seal")
    return parsed


def _canonical_b64(value: object, length: int) -> bytes:
    """unb64, and the text must be how b64 writes those bytes (no spare bits set)."""
    data = unb64(value, length)
    if b64(data) != value:
        raise ValueError("base64 not in canonical form")
    return data


def wav_info(title: str, notice: str) -> dict[str, str]:
    """The LIST/INFO entries of a WAV copy, in order."""
    return {"INAM": title, "ICMT": notice, "ICOP": notice, "ISFT": SOFTWARE}


def flac_tags(title: str, notice: str, payload: bytes) -> dict[str, str]:
    """The Vorbis comments of a FLAC copy, in order (keys as in FLAC_KEYS)."""
    return {"title": title, "copyright": notice, "software": SOFTWARE, "comment": as_text(payload)}


def flac_head(streaminfo: bytes, title: str, notice: str, payload: bytes) -> bytes:
    """Everything before a FLAC copy's first audio frame: the magic, STREAMINFO, our comments."""
    return (
        b"fLaC"
        + flacmeta.block(flacmeta.STREAMINFO, streaminfo, False)
        + flacmeta.block(
            flacmeta.VORBIS_COMMENT, flacmeta.comment_block(flac_tags(title, notice, payload)), True
        )
    )


def id3_tag(title: str, notice: str, payload: bytes) -> bytes:
    """The whole ID3v2.4 tag in front of an MP3 copy: the frames of ID3_FRAMES, no padding."""
    return build_tag(
        texts={"TIT2": title, "TCOP": notice, "TSSE": SOFTWARE},
        user_texts={SEAL_DESCRIPTION: as_text(payload)},
        comment=notice,
    )


def as_text(payload: bytes) -> str:
    """For metadata fields that hold text (FLAC comment, ID3 TXXX)."""
    return TEXT_PREFIX + base64.b64encode(payload).decode("ascii")


def from_text(value: str | None) -> bytes:
    """The payload in a text field: IntegrityError("copy_seal_missing") when the field is empty,
    "copy_seal" when it holds anything but exactly what `as_text` writes."""
    if not value:
        raise IntegrityError("copy_seal_missing")
    if not value.startswith(TEXT_PREFIX):
        raise IntegrityError("copy_seal")
    try:
        payload = base64.b64decode(value[len(TEXT_PREFIX) :].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise IntegrityError("copy_seal") from exc
    if as_text(payload) != value:
        raise IntegrityError("copy_seal")  # base64 with spare bits set, or line breaks
    return payload
