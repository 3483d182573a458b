"""The manifest and its seal: an Ed25519 signature over the canonical JSON of the manifest.

The signed document is JSON (docs/FORMAT.md); everything past this module reads it as a
`Manifest`, parsed once here, so a renamed field is a type error rather than a KeyError in a
window. Its `session` stays an opaque JSON object to the audio layer: policy/ wrote it and
policy/sealed.py reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audio.encoding import b64, canonical_json, loads, unb64
from audio.errors import IntegrityError
from audio.vault.keys import SigningKey, VerifyKey

SEAL_CONTEXT = b"gespreksopname-seal/1\n"

JsonObject = Mapping[str, object]


@dataclass(frozen=True)
class Event:
    """A marker, pause or resume at an exact frame of the recording."""

    kind: str
    frame: int
    time: str  # ISO 8601, UTC
    note: str


@dataclass(frozen=True)
class Interruption:
    """Why a seal says "interrupted": the last chunk that reached the disk, and when."""

    last_good_chunk: int
    last_good_time: str
    recovered_at: str


@dataclass(frozen=True)
class Start:
    """A recording's start chunk: its format and session, known before it is sealed."""

    recording_id: str
    started: str  # ISO 8601, UTC
    sample_rate: int
    channels: int
    sample_format: str
    session: JsonObject
    document: JsonObject  # the start chunk's JSON object itself

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> Start:
        """Read a start chunk's fields; ValueError when one is off."""
        fields = (doc.get("recording_id"), doc.get("started"), doc.get("sample_format"))
        rate, channels, session = doc.get("sample_rate"), doc.get("channels"), doc.get("session")
        if not all(isinstance(v, str) for v in fields):
            raise ValueError("bad start")
        if type(rate) is not int or type(channels) is not int:
            raise ValueError("bad start")
        return cls(
            str(fields[0]),
            str(fields[1]),
            rate,
            channels,
            str(fields[2]),
            dict(session) if isinstance(session, dict) else {},
            doc,
        )


@dataclass(frozen=True)
class Manifest:
    """A recording's signed manifest, as read (or just written) and checked."""

    recording_id: str
    state: str  # "sealed" or "interrupted"
    started: str  # ISO 8601, UTC
    ended: str
    sample_rate: int
    channels: int
    sample_format: str  # "s16le", "s24le" or "file" (an imported recording's own bytes)
    frames: int
    duration_s: float
    pcm_sha256: str
    chunks: int
    session: JsonObject  # policy/'s document; empty when the container carries none
    events: tuple[Event, ...]
    interrupted: Interruption | None
    signer: VerifyKey
    certificate: str | None  # the installation's certificate (PEM) when it was enrolled
    document: JsonObject  # the signed JSON object itself, for checks field by field

    @property
    def last_good_time(self) -> str:
        """Up to when the audio reached the disk: the interruption's time, else the end."""
        return self.interrupted.last_good_time if self.interrupted else self.ended

    @property
    def fingerprint(self) -> str:
        """The signing key's short fingerprint, as the manifest names it."""
        return self.signer.fingerprint

    @classmethod
    def parse(cls, doc: Mapping[str, Any], signer: VerifyKey) -> Manifest:
        """Read a signed manifest's fields; ValueError, KeyError or TypeError when one is off."""

        def integer(name: str) -> int:
            value = doc[name]
            if type(value) is not int:
                raise ValueError(f"bad {name}")
            return value

        def text(name: str) -> str:
            value = doc[name]
            if not isinstance(value, str):
                raise ValueError(f"bad {name}")
            return value

        session = doc.get("session")
        events = doc.get("events") or []
        interrupted = doc.get("interrupted")
        duration = doc["duration_s"]
        if not isinstance(duration, int | float) or isinstance(duration, bool):
            raise ValueError("bad duration_s")
        return cls(
            recording_id=text("recording_id"),
            state=text("state"),
            started=text("started"),
            ended=text("ended") if doc.get("ended") is not None else text("started"),
            sample_rate=integer("sample_rate"),
            channels=integer("channels"),
            sample_format=text("sample_format"),
            frames=integer("frames"),
            duration_s=float(duration),
            pcm_sha256=text("pcm_sha256"),
            chunks=integer("chunks"),
            session=dict(session) if isinstance(session, dict) else {},
            events=tuple(
                Event(str(e["kind"]), int(e["frame"]), str(e["time"]), str(e.get("note") or ""))
                for e in events
            ),
            interrupted=None
            if interrupted is None
            else Interruption(
                int(interrupted["last_good_chunk"]),
                str(interrupted["last_good_time"]),
                str(interrupted["recovered_at"]),
            ),
            signer=signer,
            certificate=str(doc["certificate"]) if doc.get("certificate") is not None else None,
            document=doc,
        )


def sign_manifest(manifest: dict[str, Any], signer: SigningKey) -> tuple[Manifest, bytes]:
    """Add the signer to the manifest; return it parsed, and the manifest chunk's body."""
    public = signer.public
    manifest["signer"] = {
        "algorithm": "ed25519",
        "public_key": b64(public.raw),
        "fingerprint": public.fingerprint,
    }
    signature = signer.sign(SEAL_CONTEXT + canonical_json(manifest))
    body = canonical_json({"manifest": manifest, "signature": b64(signature)})
    return Manifest.parse(manifest, public), body


def open_manifest(body: bytes, index: int) -> Manifest:
    """Parse a manifest chunk and check its signature."""
    try:
        doc = loads(body)
        manifest = doc["manifest"]
        signature = unb64(doc["signature"], 64)
        signer = manifest["signer"]
        if signer["algorithm"] != "ed25519":
            raise ValueError("unknown signature algorithm")
        key = VerifyKey(unb64(signer["public_key"], 32))
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("manifest", index) from exc
    if not isinstance(manifest, dict):
        raise IntegrityError("manifest", index)
    if not key.verify(signature, SEAL_CONTEXT + canonical_json(manifest)):
        raise IntegrityError("signature", index)
    try:
        return Manifest.parse(manifest, key)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IntegrityError("manifest", index) from exc
