"""RFC 3161 timestamps on every seal and on the audit trail's head, from the time-stamping
authority (TSA) that the organisation's signed policy names.

A laptop is often offline, so a timestamp is first queued: a small authenticated document in
the vault (`timestamp/<id>.enc`) with the digest to stamp. The queue is sent when the TSA can be
reached (after each seal, at start, and with `gespreksopname timestamp --pending`), and the
token the TSA grants is kept in the same document. Nothing here ever stops a recording from
being sealed or kept: a TSA that is down leaves the request queued.

What is stamped:
- a seal: the SHA-256 of the manifest chunk's body (what the register keeps as `seal_sha256`);
- the trail's head: the SHA-256 of its last line, after every seal, hold, release and purge.
A seal's token shows the seal existed at the TSA's time; a seal whose token came later than
the policy's allowed delay after the recording ended is "sealed late" (a recording replaced or
backdated by someone holding the passphrase can only be timestamped now).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from audio.encoding import b64, iso_time, parse_time, unb64
from audio.errors import VaultError

if TYPE_CHECKING:
    from audio.trust.timestamps import Timestamp, TimestampError
    from audio.vault.store import UnlockedVault
    from policy.policy import Timestamps

KIND = "timestamp"  # the kind of the vault documents
VERSION = 1
SEND_TIMEOUT = 5.0  # seconds per request; an unreachable TSA answers "refused" at once
START_TIMEOUT = 3.0  # at unlock: the window must not wait long for a slow network
DEFAULT_MAX_DELAY = 60  # minutes, when no TSA is in force
SEAL_ACTIONS = frozenset(
    {"recording_sealed", "recording_interrupted", "recovered", "imported", "derived"}
)
HEAD_ACTIONS = SEAL_ACTIONS | {"held", "released", "purged", "erased"}


@dataclass(frozen=True)
class Stamp:
    """One timestamp: queued (`token` None) or granted."""

    doc_id: str
    subject: str  # "seal" or "audit"
    key: str  # the recording id (seal) or the trail's line number (audit)
    digest: str  # hex SHA-256 of what is stamped
    queued: str  # ISO 8601, UTC
    token: bytes | None = None  # the TSA's whole reply (DER TimeStampResp), as `zegel.tsr`
    time: str | None = None  # the TSA's time, once granted
    tsa: str = ""  # the TSA's name, once granted

    @property
    def pending(self) -> bool:
        return self.token is None

    def document(self) -> dict[str, object]:
        return {
            "version": VERSION,
            "subject": self.subject,
            "key": self.key,
            "digest": self.digest,
            "queued": self.queued,
            "token": b64(self.token) if self.token is not None else None,
            "time": self.time,
            "tsa": self.tsa,
        }

    @classmethod
    def parse(cls, doc_id: str, doc: dict[str, object]) -> Stamp:
        token = doc.get("token")
        if doc.get("version") != VERSION or doc.get("subject") not in ("seal", "audit"):
            raise ValueError("not a timestamp document")
        return cls(
            doc_id,
            str(doc["subject"]),
            str(doc["key"]),
            str(doc["digest"]),
            str(doc["queued"]),
            unb64(token) if token is not None else None,
            str(doc["time"]) if doc.get("time") is not None else None,
            str(doc.get("tsa") or ""),
        )


def doc_id(vault: UnlockedVault, subject: str, key: str) -> str:
    name = f"gespreksopname:{vault.vault.vault_id}:{subject}:{key}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def load(vault: UnlockedVault, subject: str, key: str) -> Stamp | None:
    """The stamp for a seal (key: recording id) or a trail line (key: its number), if any;
    VaultError or ValueError when its document does not authenticate or is not one."""
    wanted = doc_id(vault, subject, key)
    if wanted not in vault.document_ids(KIND):
        return None
    return Stamp.parse(wanted, vault.load_document(KIND, wanted))


def stamps(vault: UnlockedVault) -> list[Stamp]:
    """Every stamp that authenticates, oldest queued first."""
    found = []
    for doc_id in vault.document_ids(KIND):
        try:
            found.append(Stamp.parse(doc_id, vault.load_document(KIND, doc_id)))
        except (VaultError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda stamp: stamp.queued)


def queue(vault: UnlockedVault, subject: str, key: str, digest: str) -> Stamp:
    """Queue a digest for stamping. A granted stamp is never replaced: a second seal under the
    same id (which the register refuses anyway) cannot take the first one's time."""
    existing = None
    try:
        existing = load(vault, subject, key)
    except (VaultError, ValueError, KeyError, TypeError):
        existing = None
    if existing is not None and (existing.digest == digest or not existing.pending):
        return existing
    stamp = Stamp(doc_id(vault, subject, key), subject, key, digest, iso_time(now().timestamp()))
    vault.store_document(KIND, stamp.doc_id, stamp.document())
    return stamp


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Sent:
    """What one round of sending did: how many were granted, how many wait, and why."""

    granted: int
    left: int
    problem: TimestampError | None = None


def send_pending(
    vault: UnlockedVault, tsa: Timestamps | None, timeout: float = SEND_TIMEOUT
) -> Sent:
    """Send what is queued, oldest first; stop at the first TSA that cannot be reached (the
    rest waits for the next round). Each token is checked before it is kept."""
    from audio.trust.timestamps import TimestampError, request_token, verify_token

    waiting = [stamp for stamp in stamps(vault) if stamp.pending]
    if tsa is None or not waiting:
        return Sent(0, len(waiting))
    granted = 0
    for number, stamp in enumerate(waiting):
        digest = bytes.fromhex(stamp.digest)
        try:
            token = request_token(tsa.url, digest, timeout=timeout)
            checked = verify_token(token, digest, tsa.ca_certificate)
        except TimestampError as exc:
            return Sent(granted, len(waiting) - number, exc)
        done = replace(
            stamp, token=token, time=iso_time(checked.time.timestamp()), tsa=checked.tsa_name
        )
        vault.store_document(KIND, stamp.doc_id, done.document())
        granted += 1
    return Sent(granted, 0)


@dataclass(frozen=True)
class SealTime:
    """What the timestamps say about one seal, for `verify` and the recordings list."""

    state: str  # stamped | late | pending | none | mismatch | invalid | missing | damaged
    time: datetime | None = None
    tsa: str = ""
    delay: timedelta | None = None  # from the recording's end to the TSA's time
    # Whether the TSA's certificate came from this computer (the policy in force, --tsa-ca) or
    # only from the copy itself (tsa.pem): then its fingerprint is what the reader compares.
    anchored: bool = True
    tsa_fingerprint: str = ""

    @property
    def contradicts(self) -> bool:
        """The seal is not the one that was timestamped, or its timestamp was removed."""
        return self.state in ("mismatch", "missing", "damaged")

    @property
    def when(self) -> str:
        """The TSA's time in this computer's time zone, to the second ("" when none)."""
        from policy.display import local_datetime

        if self.time is None:
            return ""
        return f"{local_datetime(iso_time(self.time.timestamp())):%Y-%m-%d %H:%M:%S}"

    def describe(self, lang: str) -> str:
        from resources.catalogue import text

        when = self.when
        minutes = int(self.delay.total_seconds() // 60) if self.delay is not None else 0
        said = text(f"timestamp.seal.{self.state}", lang, time=when, tsa=self.tsa, minutes=minutes)
        if not self.anchored and self.state in ("stamped", "late"):
            said += " " + text("timestamp.seal.unanchored", lang, fingerprint=self.tsa_fingerprint)
        return said


def judge_seal(
    token: bytes | None,
    seal_sha256: str,
    ended: str,
    tsa_ca: bytes | None,
    max_delay_minutes: int,
    queued: bool = False,
    anchored: bool = True,
) -> SealTime:
    """Check a seal's token against its digest and the TSA's CA, and its time against the end
    of the recording: a token later than `max_delay_minutes` after the end is "late"."""
    from audio.trust.certificates import TrustError, certificate_fingerprint_hex, colon_hex
    from audio.trust.timestamps import TimestampError, verify_token

    if token is None:
        return SealTime("pending" if queued else "none")
    if tsa_ca is None:
        return SealTime("invalid")
    try:
        stamp: Timestamp = verify_token(token, bytes.fromhex(seal_sha256), tsa_ca)
    except TimestampError as exc:
        return SealTime("mismatch" if exc.code == "wrong_digest" else "invalid")
    except ValueError:
        return SealTime("invalid")
    delay = stamp.time - datetime.fromtimestamp(parse_time(ended), UTC)
    late = delay > timedelta(minutes=max_delay_minutes)
    fingerprint = ""
    if not anchored:
        try:
            fingerprint = colon_hex(certificate_fingerprint_hex(tsa_ca))
        except TrustError:
            fingerprint = "?"
    state = "late" if late else "stamped"
    return SealTime(state, stamp.time, stamp.tsa_name, delay, anchored, fingerprint)
