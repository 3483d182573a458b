"""The traces the recovery key leaves, and what it can read (issue 16).

* Opening a recording with the recovery key (`recovery-open`) is written down twice: in the
  recording's vault trail when that vault is here and unlocked (`recovery_opened`), and always
  in an opening log beside the output (`gespreksopname-recovery-log.jsonl`), which needs no
  vault: each line chained to the one before by its hash and authenticated with a key derived
  from the recovery key (the officer has no installation key to sign with).
* With only the recovery key (the passphrase lost), the Privacy Officer reads a vault's audit
  trail, its refusals and the holds the trail records, through the escrowed data keys
  (`audio.vault.escrow`, `escrow.json`).

Formats: docs/FORMAT.md ("Escrow", "The opening log").
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from audio.container import layout as c
from audio.durable import read_regular
from audio.encoding import canonical_json, iso_time, loads
from audio.errors import GespreksError, IntegrityError, UnsupportedVersion, VaultError
from audio.filelock import lock_exclusive
from audio.vault.escrow import open_escrow
from audio.vault.keys import hkdf
from audio.vault.stanzas import X25519Identity
from audio.vault.state import GENESIS
from audio.vault.store import open_document
from policy.audit import LOG_FILE, MAX_LOG, AuditEntry, Problem, os_account, read_lines
from policy.refusal import REFUSALS

OPENING_LOG = "gespreksopname-recovery-log.jsonl"
_LOG_CONTEXT = b"gespreksopname-recovery-log/1\n"
_MAX_OPENING_LOG = 64 * 1024 * 1024


# -- the opening log beside the output ------------------------------------------------------------
def opening_log_path(out: Path | None) -> Path:
    """Beside the audio written (`--out`), else in the current folder."""
    return (out.parent if out is not None else Path.cwd()) / OPENING_LOG


def _log_key(identity: X25519Identity) -> bytes:
    raw = identity.private.private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return hkdf(raw, b"gespreksopname-recovery-log/1")


def _mac(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, _LOG_CONTEXT + canonical_json(body), "sha256").hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def container_identity(path: Path) -> tuple[str | None, str | None]:
    """The recording id and the vault id its header names (None where it cannot be read)."""
    try:
        with path.open("rb") as handle:
            header = c.read_header(handle)
    except (OSError, IntegrityError, UnsupportedVersion):
        return None, None
    vault_ids = [s.get("vault_id") for s in header.stanzas if s.get("type") == "vault"]
    vault_id = vault_ids[0] if vault_ids and isinstance(vault_ids[0], str) else None
    return header.recording_id, vault_id


@dataclass(frozen=True)
class Opening:
    """One opening with the recovery key, as both traces record it."""

    container: Path
    identity: X25519Identity
    result: str  # intact | changed | unreadable
    recording_id: str | None = None
    out: Path | None = None  # the audio's target (the log lies beside it), written or not
    escrow: Path | None = None
    time: str = field(default_factory=lambda: iso_time(time.time()))

    def details(self) -> dict[str, Any]:
        """What both traces say (no audio, no names: file names and hashes)."""
        container_sha = None
        with contextlib.suppress(OSError):
            container_sha = file_sha256(self.container)
        output_sha = None
        written = self.out is not None and self.out.is_file()  # it did not exist before
        if written and self.out is not None:
            output_sha = file_sha256(self.out)
        return {
            "key": self.identity.private.public.fingerprint,
            "result": self.result,
            "container": self.container.name,
            "container_sha256": container_sha,
            "output": self.out.name if written and self.out is not None else None,
            "output_sha256": output_sha,
            "escrow": None if self.escrow is None else self.escrow.name,
        }


def append_opening(opening: Opening, details: dict[str, Any]) -> Path:
    """Append one line to the opening log beside the output, chained and authenticated."""
    path = opening_log_path(opening.out)
    key = _log_key(opening.identity)
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
    # Never through a link planted in the folder, never into a FIFO or a device: only a
    # regular file of its own (O_NONBLOCK: opening a FIFO must not wait for a writer).
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise GespreksError(
            "error.cannot_write", path=str(path), reason="not a plain file"
        ) from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise GespreksError("error.cannot_write", path=str(path), reason="not a plain file")
    with os.fdopen(fd, "r+b") as handle:
        lock_exclusive(handle)
        handle.seek(0)
        data = handle.read(_MAX_OPENING_LOG + 1)
        if len(data) > _MAX_OPENING_LOG:
            raise GespreksError("error.cannot_write", path=str(path), reason="too large")
        lines = [line for line in data.split(b"\n") if line]
        seq, prev = len(lines), GENESIS
        if lines:
            prev = hashlib.sha256(lines[-1]).hexdigest()
        body = {
            "seq": seq + 1,
            "prev": prev,
            "time": opening.time,
            "action": "recovery_opened",
            "account": os_account(),
            "recording_id": opening.recording_id,
            **details,
        }
        body["mac"] = _mac(key, body)
        handle.write(canonical_json(body) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def verify_opening_log(
    path: Path, identity: X25519Identity
) -> tuple[list[dict[str, Any]], int | None]:
    """The lines of an opening log that verify in order, and the number of the first line
    that does not (None when all do): its sequence, its chain and its MAC under the key."""
    key = _log_key(identity)
    raw = read_regular(path, _MAX_OPENING_LOG)
    found: list[dict[str, Any]] = []
    prev = GENESIS
    for number, line in enumerate([line for line in raw.split(b"\n") if line], start=1):
        try:
            body = loads(line)
            mac = str(body.pop("mac"))
        except (ValueError, KeyError, TypeError, AttributeError):
            return found, number
        if (
            body.get("seq") != number
            or body.get("prev") != prev
            or not hmac.compare_digest(mac, _mac(key, body))
        ):
            return found, number
        found.append(body)
        prev = hashlib.sha256(line).hexdigest()
    return found, None


def record_opening(opening: Opening, workspace: Any | None) -> Path:
    """Write both traces of an opening: the opening log beside the output (always) and the
    recording's vault trail, when `workspace` (unlocked) is the vault the recording belongs
    to. Returns the opening log's path."""
    details = opening.details()
    log = append_opening(opening, details)
    if workspace is not None:
        _rid, vault_id = container_identity(opening.container)
        if vault_id is not None and vault_id == workspace.vault.vault.vault_id:
            workspace.log_if_anchored(
                "recovery_opened", opening.recording_id, log=log.name, **details
            )
    return log


# -- the escrowed trail ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EscrowedTrail:
    """A vault read with the recovery key only: the trail (each line signed by the
    installation's key, chained, decrypted with the escrowed data keys), the refusals, the
    holds the trail leaves in force. The trail's anchor (in `state.enc`, under the vault key)
    cannot be checked this way: a trail cut at its end is not found here."""

    vault_id: str
    installation: str  # the installation key's fingerprint, to compare with its certificate
    escrowed: str  # when the escrow was written
    entries: list[AuditEntry]
    problem: Problem | None
    refusals: list[dict[str, Any]]
    damaged_refusals: list[str]
    holds: dict[str, str]  # recording id -> reason, as the trail leaves them


def holds_in(entries: list[AuditEntry]) -> dict[str, str]:
    """The holds in force after these entries: held, released, purged, in order."""
    holds: dict[str, str] = {}
    for entry in entries:
        if entry.recording_id is None:
            continue
        if entry.action == "held":
            holds[entry.recording_id] = str(entry.details.get("reason", ""))
        elif entry.action in ("released", "purged"):
            holds.pop(entry.recording_id, None)
    return holds


def read_escrowed(root: Path, identity: X25519Identity) -> EscrowedTrail:
    """Open a vault's escrow with the recovery key and read its trail and refusals."""
    escrowed = open_escrow(root, identity)
    try:
        raw = read_regular(root / LOG_FILE, MAX_LOG)
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise VaultError("error.vault_unreadable", path=str(root), reason=exc.strerror) from exc
    read = read_lines(raw, escrowed.public_key, escrowed.data_keys)
    refusals: list[dict[str, Any]] = []
    damaged: list[str] = []
    folder = root / REFUSALS
    for path in sorted(folder.glob("*.enc")) if folder.is_dir() else []:
        try:
            refusals.append(open_document(root, REFUSALS, path.stem, escrowed.data_keys))
        except (VaultError, ValueError):
            damaged.append(path.stem)
    return EscrowedTrail(
        escrowed.vault_id,
        escrowed.public_key.fingerprint,
        escrowed.written,
        read.entries,
        read.problem,
        refusals,
        damaged,
        holds_in(read.entries),
    )
