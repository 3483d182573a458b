"""The audit log: append-only, hash-chained, signed with the installation key, encrypted at rest.

`audit.log` holds one JSON line per action. Each line carries its sequence number, the SHA-256
of the previous line, the entry encrypted with a key derived from the vault key (so no name of
a citizen is readable on disk), and an Ed25519 signature over all of that. `audit.head` holds
the signed sequence number and hash of the last line, so cutting lines off the end is detected
too. Changing, removing, reordering or truncating lines is reported with the line where it is.
Limitation: replacing both files by an older, complete copy (a rollback) is not detectable here.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audio.durable import write_atomic
from audio.encoding import b64, canonical_json, iso_time, loads, unb64
from audio.errors import GespreksError
from audio.filelock import try_lock, unlock
from audio.keys import hkdf
from audio.vault import UnlockedVault

LOG_FILE = "audit.log"
HEAD_FILE = "audit.head"
GENESIS = "0" * 64
_CONTEXT = b"gespreksopname-audit/1\n"
ACTIONS = (
    "vault_created",
    "unlocked",
    "passphrase_changed",
    "session_checked",
    "recording_started",
    "recording_paused",
    "recording_resumed",
    "recording_sealed",
    "recording_interrupted",
    "recovered",
    "played",
    "exported",
    "verified",
    "imported",
    "derived",
    "refusal_registered",
    "held",
    "released",
    "purged",
    "recovery_opened",
)


class AuditError(GespreksError):
    """The audit log was changed, shortened or damaged; `params` say at which line."""


@dataclass(frozen=True)
class Problem:
    line: int
    what: str  # catalogue key audit.problem.<what>


def _actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some service contexts
        return "?"


class AuditLog:
    def __init__(self, vault: UnlockedVault) -> None:
        self.vault = vault
        self.path = vault.root / LOG_FILE
        self.head_path = vault.root / HEAD_FILE
        self._aead = AESGCM(hkdf(vault.key.key, b"gespreksopname-audit/1"))

    # -- writing ----------------------------------------------------------------------------
    def append(
        self, action: str, recording_id: str | None = None, **details: Any
    ) -> dict[str, Any]:
        """Add one signed, encrypted, chained entry. Returns the entry (plaintext)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        entry = {
            "time": iso_time(time.time()),
            "action": action,
            "actor": _actor(),
            "recording_id": recording_id,
            "details": details,
        }
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            for _ in range(200):  # another process may be appending; wait up to ~2 s
                if try_lock(handle):
                    break
                time.sleep(0.01)
            else:
                raise AuditError("audit.busy")
            try:
                seq, prev = self._tail(handle)
                line = self._seal(seq + 1, prev, entry)
                handle.seek(0, os.SEEK_END)
                handle.write(line + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
                self._write_head(seq + 1, hashlib.sha256(line).hexdigest())
            finally:
                unlock(handle)
        return entry

    def _seal(self, seq: int, prev: str, entry: dict[str, Any]) -> bytes:
        nonce = secrets.token_bytes(12)
        aad = f"{seq}:{prev}".encode()
        body = {
            "seq": seq,
            "prev": prev,
            "nonce": b64(nonce),
            "entry": b64(self._aead.encrypt(nonce, canonical_json(entry), aad)),
        }
        body["sig"] = b64(self.vault.signing_key.sign(_CONTEXT + canonical_json(body)))
        return canonical_json(body)

    def _write_head(self, seq: int, digest: str) -> None:
        head = {"seq": seq, "hash": digest}
        head["sig"] = b64(self.vault.signing_key.sign(_CONTEXT + canonical_json(head)))
        write_atomic(self.head_path, canonical_json(head))

    def _tail(self, handle: Any) -> tuple[int, str]:
        """Sequence number and hash to chain onto: the last line's, or the signed head's when
        lines were cut off, so that an append never hides a truncation."""
        seq, digest = self._last_line(handle)
        try:
            head = loads(self.head_path.read_bytes())
            signature = unb64(head.pop("sig"), 64)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return seq, digest
        public = self.vault.signing_key.public
        if public.verify(signature, _CONTEXT + canonical_json(head)) and head["seq"] > seq:
            return int(head["seq"]), str(head["hash"])
        return seq, digest

    @staticmethod
    def _last_line(handle: Any) -> tuple[int, str]:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0, GENESIS
        handle.seek(max(0, size - 65536))
        lines = handle.read().rstrip(b"\n").split(b"\n")
        last = lines[-1]
        try:
            seq = int(loads(last)["seq"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError("audit.damaged_tail") from exc
        return seq, hashlib.sha256(last).hexdigest()

    # -- reading ----------------------------------------------------------------------------
    def read(self) -> tuple[list[dict[str, Any]], Problem | None]:
        """All entries that verify, in order, and the first problem found (None when intact)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        entries: list[dict[str, Any]] = []
        prev, seq, before = GENESIS, 0, GENESIS
        public = self.vault.signing_key.public
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            try:
                body = loads(line)
                signature = unb64(body.pop("sig"), 64)
                nonce = unb64(body["nonce"], 12)
                sealed = unb64(body["entry"])
            except (ValueError, KeyError, TypeError, AttributeError):
                return entries, Problem(number, "damaged")
            if not public.verify(signature, _CONTEXT + canonical_json(body)):
                return entries, Problem(number, "signature")
            if body["seq"] != seq + 1:
                return entries, Problem(number, "order")
            if not hmac.compare_digest(str(body["prev"]), prev):
                return entries, Problem(number, "chain")
            try:
                plain = self._aead.decrypt(nonce, sealed, f"{body['seq']}:{prev}".encode())
            except InvalidTag:
                return entries, Problem(number, "damaged")
            entries.append({"seq": body["seq"], **loads(plain)})
            before = prev
            seq, prev = body["seq"], hashlib.sha256(line).hexdigest()
        return entries, self._check_head(seq, prev, before, len(lines))

    def _check_head(self, seq: int, digest: str, before: str, count: int) -> Problem | None:
        try:
            head = loads(self.head_path.read_bytes())
            signature = unb64(head.pop("sig"), 64)
        except FileNotFoundError:
            return None if count == 0 else Problem(count, "head_missing")
        except (ValueError, KeyError, TypeError, AttributeError):
            return Problem(count, "head_damaged")
        if not self.vault.signing_key.public.verify(signature, _CONTEXT + canonical_json(head)):
            return Problem(count, "head_damaged")
        if head.get("seq") == seq and head.get("hash") == digest:
            return None
        if isinstance(head.get("seq"), int) and head["seq"] > seq:
            return Problem(count + 1, "truncated")
        # A head one entry behind is what a crash between the two writes leaves: the entry
        # itself is signed, so it cannot have been forged.
        if head.get("seq") == seq - 1 and head.get("hash") == before:
            return None
        return Problem(count, "head_mismatch")


def entries_for(log: AuditLog, recording_id: str) -> list[dict[str, Any]]:
    entries, _problem = log.read()
    return [e for e in entries if e.get("recording_id") == recording_id]


def holds(entries: list[dict[str, Any]]) -> dict[str, str]:
    """Recordings on hold (id -> reason), replayed from the log's held/released entries."""
    state: dict[str, str] = {}
    for entry in entries:
        rid = entry.get("recording_id")
        if entry["action"] == "held" and rid:
            state[rid] = str(entry["details"].get("reason", ""))
        elif entry["action"] == "released" and rid:
            state.pop(rid, None)
    return state
