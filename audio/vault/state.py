"""The vault's authenticated state: the anchor of the audit trail and the register of recordings.

`state.enc` is one small file, encrypted and authenticated under a key derived from the vault
key, replaced atomically on every change. It holds the head of the audit trail (sequence
number, hash and the last line itself) and, for every recording the vault ever made, its final
state: sealed or recovered, chunk and frame count, audio hash, seal hash, and a hold. Someone
with the files but without the passphrase cannot write it; deleting it, or putting back an
older trail or register beside it, is found (docs/FORMAT.md, "The vault state").
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audio.durable import read_regular, write_atomic
from audio.encoding import b64, canonical_json, loads, unb64
from audio.errors import GespreksError
from audio.filelock import try_lock, unlock

if TYPE_CHECKING:
    from audio.container.manifest import Manifest

STATE_FILE = "state.enc"
LOCK_FILE = "state.lock"
STATE_VERSION = 2
GENESIS = "0" * 64
_AAD = b"gespreksopname-state/2\x00"
LOCK_WAIT_S = 10.0
MAX_STATE = 64 * 1024 * 1024  # about 200,000 recordings; a larger file is not ours

# A recording's life in the register: "recording" from before its container exists; then
# "sealed" or "interrupted" (sealed by recover); "purged" once destroyed. Final states never
# go back: nothing re-seals a recording the register knows as sealed.
RECORDING, SEALED, INTERRUPTED, PURGED = "recording", "sealed", "interrupted", "purged"
FINAL = (SEALED, INTERRUPTED)
# A sealed recording found gone when the Privacy Officer rebuilt the state (`audit --reanchor`):
# known and acknowledged, still never recovered or sealed again.
MISSING = "missing"


class StateError(GespreksError):
    """The vault state is missing, damaged or busy; trail and register are then in doubt."""


@dataclass(frozen=True)
class Registered:
    """What the register knows of one recording."""

    state: str
    chunks: int | None = None
    frames: int | None = None
    pcm_sha256: str | None = None
    seal_sha256: str | None = None
    hold: str | None = None
    timestamped: bool = False  # a timestamp of the seal was queued: its document must exist

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "chunks": self.chunks,
            "frames": self.frames,
            "pcm_sha256": self.pcm_sha256,
            "seal_sha256": self.seal_sha256,
            "hold": self.hold,
            "timestamped": self.timestamped,
        }

    @classmethod
    def from_json(cls, doc: Any) -> Registered:
        if not isinstance(doc, dict) or doc.get("state") not in (
            RECORDING,
            *FINAL,
            PURGED,
            MISSING,
        ):
            raise ValueError("bad register entry")
        return cls(
            str(doc["state"]),
            _opt(doc.get("chunks"), int),
            _opt(doc.get("frames"), int),
            _opt(doc.get("pcm_sha256"), str),
            _opt(doc.get("seal_sha256"), str),
            _opt(doc.get("hold"), str),
            doc.get("timestamped") is True,
        )

    def sealed(self, manifest: Manifest, seal_sha256: str) -> Registered:
        """This entry with the seal a verified (or just written) manifest describes."""
        return replace(
            self,
            state=manifest.state,
            chunks=manifest.chunks,
            frames=manifest.frames,
            pcm_sha256=manifest.pcm_sha256,
            seal_sha256=seal_sha256,
        )


def _opt(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError("bad register field")
    return value


@dataclass
class State:
    """The decrypted state; change it only inside `StateStore.locked()`."""

    generation: int = 0
    audit_seq: int = 0
    audit_hash: str = GENESIS
    audit_line: bytes | None = None
    recordings: dict[str, Registered] = field(default_factory=dict)

    def to_json(self, vault_id: str) -> dict[str, Any]:
        return {
            "type": "gespreksopname-state",
            "version": STATE_VERSION,
            "vault_id": vault_id,
            "generation": self.generation,
            "audit": {
                "seq": self.audit_seq,
                "hash": self.audit_hash,
                "line": None if self.audit_line is None else b64(self.audit_line),
            },
            "recordings": {rid: entry.to_json() for rid, entry in self.recordings.items()},
        }

    @classmethod
    def from_json(cls, doc: Any, vault_id: str) -> State:
        if not isinstance(doc, dict) or doc.get("type") != "gespreksopname-state":
            raise ValueError("not a vault state")
        if doc.get("version") != STATE_VERSION or doc.get("vault_id") != vault_id:
            raise ValueError("another version or vault")
        audit = doc["audit"]
        line = audit.get("line")
        return cls(
            generation=int(doc["generation"]),
            audit_seq=int(audit["seq"]),
            audit_hash=str(audit["hash"]),
            audit_line=None if line is None else unb64(line),
            recordings={
                str(rid): Registered.from_json(entry) for rid, entry in doc["recordings"].items()
            },
        )

    def hold(self, recording_id: str) -> str | None:
        entry = self.recordings.get(recording_id)
        return None if entry is None else entry.hold


class StateStore:
    """Reads and writes `state.enc` under a lock shared by every process using the vault."""

    def __init__(self, root: Path, vault_id: str, key: bytes, previous: bytes | None) -> None:
        self.root = Path(root)
        self.path = self.root / STATE_FILE
        self._vault_id = vault_id
        self._aad = _AAD + vault_id.encode()
        self._keys = [key] + ([previous] if previous is not None else [])

    def read(self) -> State:
        """The state; StateError (missing or damaged) when it cannot be trusted."""
        try:
            data = read_regular(self.path, MAX_STATE)
        except FileNotFoundError as exc:
            raise StateError("error.state_missing") from exc
        except OSError as exc:  # not a regular file (a FIFO must not hang us), too large
            raise StateError("error.state_damaged") from exc
        for key in self._keys:
            try:
                plain = AESGCM(key).decrypt(data[:12], data[12:], self._aad)
            except (InvalidTag, ValueError):
                continue
            try:
                return State.from_json(loads(plain), self._vault_id)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise StateError("error.state_damaged") from exc
        raise StateError("error.state_damaged")

    def read_or_none(self) -> State | None:
        """The state, or None when it is missing or damaged (to carry over what can be)."""
        try:
            return self.read()
        except StateError:
            return None

    def write(self, state: State) -> None:
        """Replace the state (old or new, never half), under the current key."""
        state.generation += 1
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._keys[0]).encrypt(
            nonce, canonical_json(state.to_json(self._vault_id)), self._aad
        )
        write_atomic(self.path, nonce + sealed)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the vault's state lock (waits up to LOCK_WAIT_S for another process)."""
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            deadline = time.monotonic() + LOCK_WAIT_S
            while not try_lock(handle):
                if time.monotonic() > deadline:
                    raise StateError("error.state_busy")
                time.sleep(0.01)
            try:
                yield
            finally:
                unlock(handle)

    @contextlib.contextmanager
    def locked(self) -> Iterator[State]:
        """Read the state under the lock, let the caller change it, and write it back."""
        with self.lock():
            state = self.read()
            yield state
            self.write(state)
