"""The audit log: append-only, hash-chained, signed, encrypted at rest, anchored in the vault.

`audit.log` holds one JSON line per action. Each line carries its sequence number, the SHA-256
of the previous line, the entry encrypted with the current data key (so no name of a citizen is
readable on disk), and an Ed25519 signature over all of that. The head of the trail (sequence
number, hash and the last line itself) lives in the vault's authenticated state (`state.enc`,
see audio/vault/state.py), written before the line is appended: deleting, cutting or putting back an
older trail is found, and a line torn by a power cut is repaired from the state at the next
unlock. No single line can lock the vault: appending needs only the state.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audio.durable import is_regular, read_regular, write_atomic
from audio.encoding import b64, canonical_json, iso_time, loads, unb64
from audio.errors import GespreksError
from audio.vault.keys import VerifyKey, hkdf
from audio.vault.state import GENESIS, State, StateError
from audio.vault.store import UnlockedVault

LOG_FILE = "audit.log"
DAMAGED_SUFFIX = ".damaged"
_CONTEXT = b"gespreksopname-audit/2\n"
MAX_ENTRY = 16384  # bytes of one entry's JSON; longer texts are refused before anything is written
MAX_LINE = 65536  # a line holds at most MAX_ENTRY bytes, base64-encoded, and a little more
MAX_LOG = 1 << 30  # a trail larger than this is not read into memory
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
    "citizen_recording_registered",
    "breach_reported",
    "held",
    "released",
    "purged",
    "erased",
    "recovery_opened",
    "audit_repaired",
    "register_reconciled",
    "state_rebuilt",
    "enrolled",
    "keys_escrowed",
    "rewrapped",
)

# Changes the register together with the entry that records it (one state write).
RegisterChange = Callable[[State], None]


class AuditError(GespreksError):
    """The audit log was changed, shortened or damaged; `params` say at which line."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the trail that verified, decrypted: who did what, when, to which recording."""

    seq: int
    time: str  # ISO 8601, UTC
    action: str
    actor: str
    recording_id: str | None
    details: Mapping[str, object]
    line_sha256: str = ""  # of the line as stored: what a timestamp of the trail's head names
    employee: str | None = None  # the certificate's CN when enrolled (entries since issue 16)

    @classmethod
    def parse(cls, seq: int, doc: Mapping[str, Any], line_sha256: str = "") -> AuditEntry:
        rid, details = doc.get("recording_id"), doc.get("details")
        employee = doc.get("employee")
        return cls(
            seq,
            str(doc["time"]),
            str(doc["action"]),
            str(doc["actor"]),
            rid if isinstance(rid, str) else None,
            dict(details) if isinstance(details, dict) else {},
            line_sha256,
            employee if isinstance(employee, str) else None,
        )

    def document(self) -> dict[str, object]:
        """As JSON, for `audit --json`."""
        return {
            "seq": self.seq,
            "time": self.time,
            "action": self.action,
            "actor": self.actor,
            "employee": self.employee,
            "recording_id": self.recording_id,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Problem:
    line: int
    what: str  # catalogue key audit.problem.<what>


def os_account() -> str:
    """The operating system's account this process runs as, asked of the system itself: the
    password database on POSIX, GetUserNameW on Windows. Never $USER, $LOGNAME or $USERNAME
    (anyone can set those; `getpass.getuser` reads them first)."""
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        size = ctypes.c_ulong(257)
        buffer = ctypes.create_unicode_buffer(size.value)
        advapi32 = ctypes.windll.advapi32  # type: ignore[attr-defined,unused-ignore]
        if advapi32.GetUserNameW(buffer, ctypes.byref(size)):
            return str(buffer.value)
        return "?"
    uid = os.getuid()
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):  # an account without a passwd entry (a container)
        return f"uid:{uid}"


class AuditLog:
    def __init__(self, vault: UnlockedVault) -> None:
        self.vault = vault
        self.path = vault.root / LOG_FILE
        # Told of every entry once it is on disk (action, recording id, line number, hash of
        # the line), outside the state's lock: the workspace queues timestamps from it.
        self.observer: Callable[[str, str | None, int, str], None] | None = None
        # The employee's name as the organisation certified it (the installation
        # certificate's CN); None while the installation is not enrolled.
        self.employee: str | None = None

    def _aead(self, epoch: int) -> AESGCM:
        return AESGCM(hkdf(self.vault.data_keys[epoch], b"gespreksopname-audit/2"))

    # -- writing ----------------------------------------------------------------------------
    def append(
        self,
        action: str,
        recording_id: str | None = None,
        *,
        register: RegisterChange | None = None,
        **details: Any,
    ) -> dict[str, Any]:
        """Add one signed, encrypted, chained entry (and its change to the register, if any):
        the state with the new head first, then the line. Returns the entry (plaintext)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        entry = {
            "time": iso_time(time.time()),
            "action": action,
            "actor": os_account(),
            "employee": self.employee,
            "recording_id": recording_id,
            "details": details,
        }
        size = len(canonical_json(entry))
        if size > MAX_ENTRY:
            raise AuditError("error.audit_entry_too_large", size=size, limit=MAX_ENTRY)
        store = self.vault.state
        with store.lock():
            state = store.read()
            if register is not None:
                register(state)
            line = self._seal(state.audit_seq + 1, state.audit_hash, entry)
            state.audit_seq += 1
            state.audit_hash = hashlib.sha256(line).hexdigest()
            state.audit_line = line
            store.write(state)  # the anchor first: a torn line is repaired from it
            self._append_line(line)
            seq, head = state.audit_seq, state.audit_hash
        if self.observer is not None:
            self.observer(action, recording_id, seq, head)
        return entry

    def _append_line(self, line: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(line + b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _seal(self, seq: int, prev: str, entry: dict[str, Any]) -> bytes:
        nonce = secrets.token_bytes(12)
        epoch = self.vault.epoch
        aad = f"{seq}:{prev}:{epoch}".encode()
        body = {
            "seq": seq,
            "prev": prev,
            "epoch": epoch,
            "nonce": b64(nonce),
            "entry": b64(self._aead(epoch).encrypt(nonce, canonical_json(entry), aad)),
        }
        body["sig"] = b64(self.vault.signing_key.sign(_CONTEXT + canonical_json(body)))
        return canonical_json(body)

    # -- repair -----------------------------------------------------------------------------
    def repair(self) -> dict[str, Any] | None:
        """Repair what a power cut leaves at the end of the trail: a torn or missing last line
        (the state holds it) or bytes after the anchored line. Whatever is cut off is kept in
        `audit.log.damaged`, and an entry says so. Returns that entry's details, or None when
        there was nothing to repair, or nothing that a power cut can have left: whole signed
        lines after the anchored one mean the state was put back, not that a write was torn,
        and are never cut (that stays a problem for `read`)."""
        try:
            with self.vault.state.lock():
                details = self._repair_end()
        except (OSError, StateError):
            return None  # not a regular file, unwritable: reported by `read`
        if details is not None:
            self.append("audit_repaired", **details)
        return details

    def _repair_end(self) -> dict[str, Any] | None:
        state = self.vault.state.read()
        line = state.audit_line
        if line is None or not is_regular(self.path):
            return None
        size = self.path.stat().st_size
        with open(self.path, "r+b") as handle:
            handle.seek(max(0, size - len(line) - 2))
            end = handle.read()
            if end.endswith(b"\n" + line + b"\n") or (
                size == len(line) + 1 and end == line + b"\n"
            ):
                return None
            cut, restore = self._repair_point(handle, size, line, state.audit_seq)
            if cut is None or self._signed_lines_from(handle, cut):
                return None
            damaged = self.path.with_name(self.path.name + DAMAGED_SUFFIX)
            fd = os.open(damaged, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as keep:
                handle.seek(cut)
                while block := handle.read(1 << 20):
                    keep.write(block)
                keep.flush()
                os.fsync(keep.fileno())
            handle.truncate(cut)
            if restore:
                handle.seek(cut)
                handle.write(line + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        return {"removed_bytes": size - cut, "kept_in": damaged.name, "restored": restore}

    @staticmethod
    def _repair_point(
        handle: BinaryIO, size: int, line: bytes, seq: int
    ) -> tuple[int | None, bool]:
        """Where to cut the end of the trail, and whether the anchored line must be put back.

        The anchored line present, with bytes after it: cut after it. Not present, but the
        last whole line is the one before it (the anchored line's `prev`): cut after that and
        put the anchored line back. Anything else: (None, False)."""
        at = _rfind(handle, size, b"\n" + line + b"\n")
        if at >= 0:
            return at + len(line) + 2, False
        handle.seek(0)
        if handle.read(len(line) + 1) == line + b"\n":
            return len(line) + 1, False
        try:
            prev = str(loads(line)["prev"])
        except (ValueError, KeyError, TypeError):
            return None, False
        last = _rfind(handle, size, b"\n")
        if last < 0:
            # No whole line at all: only the very first line can have been torn.
            return (0, True) if seq == 1 and prev == GENESIS else (None, False)
        begin = _rfind(handle, last, b"\n") + 1
        if last - begin > MAX_LINE:
            return None, False
        handle.seek(begin)
        if hashlib.sha256(handle.read(last - begin)).hexdigest() == prev:
            return last + 1, True
        return None, False

    def _signed_lines_from(self, handle: BinaryIO, offset: int) -> bool:
        """Whether a whole line signed by this installation lies after `offset`."""
        handle.seek(offset)
        while raw := handle.readline(MAX_LINE + 1):
            if raw.endswith(b"\n") and self._signed(raw[:-1]):
                return True
        return False

    def _signed(self, line: bytes) -> bool:
        try:
            body = loads(line)
            signature = unb64(body.pop("sig"), 64)
            return self.vault.signing_key.public.verify(signature, _CONTEXT + canonical_json(body))
        except (ValueError, KeyError, TypeError, AttributeError):
            return False

    def keep_verified(self, count: int) -> bytes | None:
        """Keep the first `count` lines (those that verified in order); move the rest to
        `audit.log.damaged`. Returns the last kept line (None for none). For `reanchor`, under
        the state's lock."""
        try:
            raw = read_regular(self.path, MAX_LOG)
        except FileNotFoundError:
            raw = b""
        except OSError:
            raw = b""
            if self.path.is_dir():
                self.path.rename(self.path.with_name(self.path.name + DAMAGED_SUFFIX + ".dir"))
        lines = raw.split(b"\n")
        kept = lines[:count]
        rest = raw[len(b"\n".join(kept)) + (1 if kept else 0) :] if count else raw
        if rest:
            damaged = self.path.with_name(self.path.name + DAMAGED_SUFFIX)
            fd = os.open(damaged, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as keep:
                keep.write(rest)
                keep.flush()
                os.fsync(keep.fileno())
        write_atomic(self.path, b"".join(line + b"\n" for line in kept))
        return kept[-1] if kept else None

    # -- reading ----------------------------------------------------------------------------
    def read(self) -> tuple[list[AuditEntry], Problem | None]:
        """All entries that verify, in order, and the first problem found (None when intact):
        in the lines themselves, or between the trail and the state that anchors it."""
        try:
            raw = read_regular(self.path, MAX_LOG)
        except FileNotFoundError:
            raw = b""
        except OSError:  # a directory, a FIFO, absurdly large: not a trail we wrote
            return [], Problem(1, "damaged")
        read = read_lines(raw, self.vault.signing_key.public, self.vault.data_keys)
        if read.problem is not None:
            return read.entries, read.problem
        return read.entries, self._check_anchor(read.seq, read.head, read.lines)

    def _check_anchor(self, seq: int, digest: str, count: int) -> Problem | None:
        try:
            state = self.vault.state.read()
        except StateError:
            return Problem(count, "state_missing")
        if state.audit_seq == seq and hmac.compare_digest(state.audit_hash, digest):
            return None
        if state.audit_seq > seq:
            return Problem(count + 1, "truncated")
        return Problem(count, "rolled_back")


@dataclass(frozen=True)
class ReadLines:
    """The lines of a trail that verified in order, and the first problem in the lines."""

    entries: list[AuditEntry]
    problem: Problem | None
    seq: int  # of the last line that verified
    head: str  # its SHA-256 (GENESIS for none)
    lines: int  # how many lines the file holds


def read_lines(raw: bytes, public: VerifyKey, data_keys: Sequence[bytes]) -> ReadLines:
    """Check each line's signature (by `public`), sequence, chain and decryption (with the data
    key of its epoch) in order. Needs no vault key: the Privacy Officer reads an escrowed
    trail with this and the data keys the recovery key opens (`policy.traces`)."""
    entries: list[AuditEntry] = []
    prev, seq, last_epoch = GENESIS, 0, 0
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()

    def done(problem: Problem | None) -> ReadLines:
        return ReadLines(entries, problem, seq, prev, len(lines))

    for number, line in enumerate(lines, start=1):
        try:
            if len(line) > MAX_LINE:
                raise ValueError("longer than any line we write")
            body = loads(line)
            signature = unb64(body.pop("sig"), 64)
            nonce = unb64(body["nonce"], 12)
            sealed = unb64(body["entry"])
            epoch = body["epoch"]
            if not isinstance(epoch, int) or not last_epoch <= epoch < len(data_keys):
                raise ValueError("unknown epoch, or one older than the line before")
            signed = public.verify(signature, _CONTEXT + canonical_json(body))
        except (ValueError, KeyError, TypeError, AttributeError):
            return done(Problem(number, "damaged"))
        if not signed:
            return done(Problem(number, "signature"))
        if body["seq"] != seq + 1:
            return done(Problem(number, "order"))
        if not hmac.compare_digest(str(body["prev"]), prev):
            return done(Problem(number, "chain"))
        try:
            aad = f"{body['seq']}:{prev}:{epoch}".encode()
            aead = AESGCM(hkdf(data_keys[epoch], b"gespreksopname-audit/2"))
            plain = aead.decrypt(nonce, sealed, aad)
            entry = AuditEntry.parse(body["seq"], loads(plain), hashlib.sha256(line).hexdigest())
        except (InvalidTag, ValueError, KeyError, TypeError):
            return done(Problem(number, "damaged"))
        entries.append(entry)
        seq, prev = body["seq"], hashlib.sha256(line).hexdigest()
        last_epoch = epoch  # epochs never go back: an old passphrase cannot add lines
    return done(None)


def entries_for(log: AuditLog, recording_id: str) -> list[AuditEntry]:
    entries, _problem = log.read()
    return [e for e in entries if e.recording_id == recording_id]


def _rfind(handle: BinaryIO, end: int, needle: bytes) -> int:
    """The offset of the last `needle` that ends at or before `end`, or -1; reads backwards in
    blocks, so a long run of junk costs no more memory than a block."""
    block = 1 << 20
    position = end
    carry = b""
    while position > 0:
        start = max(0, position - block)
        handle.seek(start)
        data = handle.read(position - start) + carry
        found = data.rfind(needle)
        if found >= 0:
            return start + found
        carry = data[: len(needle) - 1]
        position = start
    return -1
