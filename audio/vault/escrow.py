"""Escrow to the organisation's recovery keys of what the vault's passphrase alone protects.

Two things, both with the x25519 stanza that recordings use (`audio.vault.stanzas`):

* `escrow.json`: the vault's data keys (which encrypt the audit trail, the refusals and every
  other vault document), encrypted under a fresh escrow key that is wrapped once per recovery
  key, signed by the installation's key. With it the Privacy Officer reads the trail and the
  refusals of a vault whose passphrase was lost.
* `keys/<id>.escrow`: for a recording sealed before a recovery key was in force, an extra
  x25519 stanza for its file key, kept beside the container, so the sealed container (hashed in
  the register, archived WORM, named by its public seal) is never rewritten.

The formats are in docs/FORMAT.md ("Escrow").
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audio.container import layout as c
from audio.durable import is_regular, read_regular, write_atomic
from audio.encoding import b64, canonical_json, iso_time, loads, unb64
from audio.errors import GespreksError, IntegrityError, NoMatchingKey, UnsupportedVersion
from audio.vault.keys import RecoveryPublicKey, VerifyKey
from audio.vault.stanzas import (
    ESCROW_SUFFIX,
    FILE_KEY_SIZE,
    Identity,
    Stanza,
    X25519Identity,
    X25519Recipient,
)
from audio.vault.store import KEYS, RECORDINGS, UnlockedVault

ESCROW_FILE = "escrow.json"
ESCROW_VERSION = 1
_CONTEXT = b"gespreksopname-escrow/1\n"
_DATA_KEYS_AAD = b"gespreksopname-escrow-data-keys/1\x00"
_MAX_ESCROW = 256 * 1024
_MAX_RECORDING_ESCROW = 64 * 1024


class EscrowError(GespreksError):
    """The escrow is missing, damaged, or not for this recovery key."""


def _label(vault_id: str) -> str:
    """What the data-key escrow's stanzas bind to (their AAD), in place of a recording id: it
    is no UUID, so no stanza of a recording can be taken for it, nor the reverse."""
    return f"gespreksopname-escrow/1:{vault_id}"


def _recipients(stanzas: object) -> set[str]:
    if not isinstance(stanzas, list):
        return set()
    return {
        str(s.get("recipient"))
        for s in stanzas
        if isinstance(s, dict) and s.get("type") == "x25519"
    }


# -- the data keys -------------------------------------------------------------------------------
def _signed_body(doc: dict[str, Any]) -> bytes:
    return _CONTEXT + canonical_json({k: v for k, v in doc.items() if k != "signature"})


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = loads(read_regular(path, _MAX_ESCROW))
    except FileNotFoundError as exc:
        raise EscrowError("error.escrow_missing", path=str(path)) from exc
    except (OSError, ValueError) as exc:
        raise EscrowError("error.escrow_damaged", path=str(path)) from exc
    if not isinstance(doc, dict) or doc.get("type") != "gespreksopname-escrow":
        raise EscrowError("error.escrow_damaged", path=str(path))
    if doc.get("version") != ESCROW_VERSION:
        raise EscrowError("error.escrow_damaged", path=str(path))
    return doc


def escrow_current(vault: UnlockedVault, recovery_keys: Sequence[RecoveryPublicKey]) -> bool:
    """Whether `escrow.json` is ours (signed by this installation, for this vault) and holds
    every data key for exactly these recovery keys."""
    try:
        doc = _read(vault.root / ESCROW_FILE)
        signature = unb64(doc.get("signature"), 64)
    except (EscrowError, ValueError):
        return False
    public = vault.signing_key.public
    return (
        public.verify(signature, _signed_body(doc))
        and doc.get("vault_id") == vault.vault.vault_id
        and doc.get("public_key") == b64(public.raw)
        and doc.get("epochs") == len(vault.data_keys)
        and _recipients(doc.get("stanzas")) == {key.fingerprint for key in recovery_keys}
    )


def write_escrow(vault: UnlockedVault, recovery_keys: Sequence[RecoveryPublicKey]) -> Path:
    """Escrow every data key to the recovery keys (the file replaced atomically)."""
    vault_id = vault.vault.vault_id
    escrow_key = secrets.token_bytes(FILE_KEY_SIZE)
    nonce = secrets.token_bytes(12)
    plain = canonical_json([b64(key) for key in vault.data_keys])
    doc: dict[str, Any] = {
        "type": "gespreksopname-escrow",
        "version": ESCROW_VERSION,
        "vault_id": vault_id,
        "written": iso_time(time.time()),
        "epochs": len(vault.data_keys),
        "public_key": b64(vault.signing_key.public.raw),
        "stanzas": [
            X25519Recipient(key).wrap(escrow_key, _label(vault_id), secrets.token_bytes)
            for key in recovery_keys
        ],
        "nonce": b64(nonce),
        "ciphertext": b64(
            AESGCM(escrow_key).encrypt(nonce, plain, _DATA_KEYS_AAD + vault_id.encode())
        ),
    }
    doc["signature"] = b64(vault.signing_key.sign(_signed_body(doc)))
    path = vault.root / ESCROW_FILE
    write_atomic(path, canonical_json(doc))
    return path


def ensure_escrow(vault: UnlockedVault, recovery_keys: Sequence[RecoveryPublicKey]) -> bool:
    """Write `escrow.json` when recovery keys are in force and it is not current (a new data
    key after a passphrase change, another set of recovery keys, none yet). Returns whether it
    was written. Without recovery keys an existing escrow is left as it is."""
    if not recovery_keys or escrow_current(vault, recovery_keys):
        return False
    write_escrow(vault, recovery_keys)
    return True


@dataclass(frozen=True)
class Escrowed:
    """What the recovery key opens of a vault: its id, its installation's public key (as the
    signed escrow names it) and its data keys, oldest first."""

    vault_id: str
    public_key: VerifyKey
    data_keys: tuple[bytes, ...]
    written: str


def open_escrow(root: Path, identity: X25519Identity) -> Escrowed:
    """Open `root/escrow.json` with the recovery private key. The escrow must be signed by the
    key it names, and that key must be the one `vault.json` states (not authenticated
    without the passphrase: the Privacy Officer compares the fingerprint shown with the
    installation's certificate)."""
    path = root / ESCROW_FILE
    doc = _read(path)
    try:
        vault_id = str(uuid.UUID(str(doc["vault_id"])))
        public = VerifyKey(unb64(doc["public_key"], 32))
        signature = unb64(doc["signature"], 64)
        stanzas = doc["stanzas"]
        nonce = unb64(doc["nonce"], 12)
        sealed = unb64(doc["ciphertext"])
        if not isinstance(stanzas, list):
            raise ValueError("stanzas")
    except (KeyError, ValueError, TypeError) as exc:
        raise EscrowError("error.escrow_damaged", path=str(path)) from exc
    if not public.verify(signature, _signed_body(doc)):
        raise EscrowError("error.escrow_damaged", path=str(path))
    if _stated_key(root, vault_id) not in (None, b64(public.raw)):
        raise EscrowError("error.escrow_damaged", path=str(path))
    key = None
    for stanza in stanzas:
        if isinstance(stanza, dict):
            key = identity.unwrap(stanza, _label(vault_id))
            if key is not None:
                break
    if key is None:
        raise EscrowError("error.escrow_not_for_key", path=str(path))
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, _DATA_KEYS_AAD + vault_id.encode())
        keys = tuple(unb64(item, 32) for item in loads(plain))
    except (InvalidTag, ValueError, TypeError) as exc:
        raise EscrowError("error.escrow_damaged", path=str(path)) from exc
    if len(keys) != doc.get("epochs") or not keys:
        raise EscrowError("error.escrow_damaged", path=str(path))
    return Escrowed(vault_id, public, keys, str(doc.get("written", "")))


def _stated_key(root: Path, vault_id: str) -> str | None:
    """The installation key `vault.json` states for this vault (None when it cannot be read:
    it is compared only when present); "" when it names another vault."""
    try:
        stated = loads(read_regular(root / "vault.json", 1024 * 1024))
        if stated.get("vault_id") != vault_id:
            return ""
        return str(stated["signing_key"]["public_key"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# -- recordings sealed before a recovery key was added ------------------------------------------
def header_sha256(header: c.Header) -> str:
    return hashlib.sha256(header.signed + header.mac).hexdigest()


def read_recording_escrow(path: Path) -> dict[str, Any]:
    """A recording's escrow file (`keys/<id>.escrow`); EscrowError when it is not one."""
    try:
        doc = loads(read_regular(path, _MAX_RECORDING_ESCROW))
    except FileNotFoundError as exc:
        raise EscrowError("error.escrow_missing", path=str(path)) from exc
    except (OSError, ValueError) as exc:
        raise EscrowError("error.escrow_damaged", path=str(path)) from exc
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "gespreksopname-recording-escrow"
        or doc.get("version") != ESCROW_VERSION
        or not isinstance(doc.get("stanzas"), list)
        or not isinstance(doc.get("recording_id"), str)
    ):
        raise EscrowError("error.escrow_damaged", path=str(path))
    return doc


def recording_escrow_path(root: Path, recording_id: str) -> Path:
    return root / KEYS / f"{uuid.UUID(recording_id)}{ESCROW_SUFFIX}"


def rewrap_recording(
    vault: UnlockedVault, path: Path, recovery_keys: Sequence[RecoveryPublicKey]
) -> list[str]:
    """Give one of the vault's recordings an escrow stanza for every recovery key its header
    and its escrow file lack (the container is not touched). Returns the fingerprints added;
    nothing when the vault cannot open it (purged, not ours, damaged)."""
    try:
        with open(path, "rb") as handle:
            header = c.read_header(handle)
    except (OSError, IntegrityError, UnsupportedVersion):
        return []
    target = recording_escrow_path(vault.root, header.recording_id)
    stanzas: list[Stanza] = []
    if target.exists():
        try:
            doc = read_recording_escrow(target)
        except EscrowError:
            doc = {}  # damaged: made anew below, from the vault's own key
        if doc.get("header_sha256") == header_sha256(header):
            stanzas = [s for s in doc.get("stanzas", []) if isinstance(s, dict)]
    have = _recipients(header.stanzas) | _recipients(stanzas)
    missing = [key for key in recovery_keys if key.fingerprint not in have]
    if not missing:
        return []
    try:
        file_key = c.unlock(header, vault.identities())
    except (IntegrityError, NoMatchingKey):
        return []
    for key in missing:
        stanzas.append(
            X25519Recipient(key).wrap(file_key, header.recording_id, secrets.token_bytes)
        )
    doc = {
        "type": "gespreksopname-recording-escrow",
        "version": ESCROW_VERSION,
        "recording_id": header.recording_id,
        "header_sha256": header_sha256(header),
        "stanzas": stanzas,
    }
    write_atomic(target, canonical_json(doc))
    return [key.fingerprint for key in missing]


def rewrap_recordings(
    vault: UnlockedVault, recovery_keys: Sequence[RecoveryPublicKey]
) -> dict[str, list[str]]:
    """`rewrap_recording` for every container in `recordings/`: {recording id: fingerprints
    added}, only those that changed."""
    if not recovery_keys:
        return {}
    folder = vault.root / RECORDINGS
    done: dict[str, list[str]] = {}
    paths = sorted(folder.glob(f"*{c.SUFFIX}")) if folder.is_dir() else []
    for path in paths:
        if not is_regular(path):
            continue
        added = rewrap_recording(vault, path, recovery_keys)
        if added:
            done[path.name.removesuffix(c.SUFFIX)] = added
    return done


@dataclass(frozen=True)
class EscrowIdentity:
    """The recovery key with a recording's escrow stanzas: opens the container with a stanza
    kept beside it instead of one in its header. The key found is checked by the header's MAC,
    as any other, so a wrong or forged escrow file opens nothing."""

    identity: X25519Identity
    stanzas: tuple[Stanza, ...]
    header_sha256: str | None = None

    def addressed(self, stanza: Stanza, recording_id: str) -> bool:
        return False  # the header's stanzas are the plain identity's business

    def unwrap(self, stanza: Stanza, recording_id: str) -> bytes | None:
        for extra in self.stanzas:
            key = self.identity.unwrap(extra, recording_id)
            if key is not None:
                return key
        return None


def escrow_identities(
    identity: X25519Identity, container: Path, escrow: Path | None = None
) -> list[Identity]:
    """The identities to open `container` with: the recovery key itself, and with it the
    escrow file named (`escrow`), else one found beside the container (`<id>.escrow` in its
    folder, or the vault's `keys/<id>.escrow`). EscrowError only for a named file that is
    not an escrow file or not for this container's header."""
    identities: list[Identity] = [identity]
    try:
        with open(container, "rb") as handle:
            header = c.read_header(handle)
    except (OSError, IntegrityError, UnsupportedVersion):
        return identities  # the verification that follows says what is wrong
    candidates = (
        [escrow]
        if escrow is not None
        else [
            container.parent / f"{header.recording_id}{ESCROW_SUFFIX}",
            container.parent.parent / KEYS / f"{header.recording_id}{ESCROW_SUFFIX}",
        ]
    )
    for candidate in candidates:
        try:
            doc = read_recording_escrow(candidate)
        except EscrowError:
            if escrow is not None:
                raise
            continue
        if doc.get("recording_id") != header.recording_id or doc.get(
            "header_sha256"
        ) != header_sha256(header):
            if escrow is not None:
                raise EscrowError("error.escrow_other_recording", path=str(candidate))
            continue
        stanzas = tuple(s for s in doc["stanzas"] if isinstance(s, dict))
        identities.append(EscrowIdentity(identity, stanzas, doc["header_sha256"]))
        break
    return identities
