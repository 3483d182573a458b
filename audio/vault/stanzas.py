"""Recipient stanzas: one recording key, wrapped once for each party that may open it (after age).

A *recipient* wraps a file key into a stanza (a small JSON object in the container header); an
*identity* unwraps it. The vault key is both; the organisation's recovery key is an X25519 pair
whose private half stays offline with the privacy officer.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from audio.durable import is_regular, read_regular, write_atomic, write_durably
from audio.encoding import b64, unb64
from audio.vault.keys import RAW, RAW_PUB, RecoveryPrivateKey, RecoveryPublicKey, hkdf

FILE_KEY_SIZE = 32
ESCROW_SUFFIX = ".escrow"  # keys/<id>.escrow: extra recovery stanzas (audio.vault.escrow)
_VAULT_AAD = b"gespreksopname-vault-stanza/1\x00"
_SLOT_AAD = b"gespreksopname-key-slot/1\x00"
_X25519_INFO = b"gespreksopname-x25519-stanza/1"

Stanza = dict[str, Any]
RandomBytes = Callable[[int], bytes]


class Recipient(Protocol):
    def wrap(self, file_key: bytes, recording_id: str, random_bytes: RandomBytes) -> Stanza: ...


class Identity(Protocol):
    def addressed(self, stanza: Stanza, recording_id: str) -> bool:
        """True when the stanza says it is for this identity (whether or not it opens)."""

    def unwrap(self, stanza: Stanza, recording_id: str) -> bytes | None:
        """The file key, or None when this stanza is not for this identity or does not open."""


@dataclass(frozen=True)
class VaultKey:
    """The vault's key: recipient and identity for the vault's own recordings.

    Each recording's file key is wrapped with a *key slot*: a random key of its own, kept in
    `keys_dir` encrypted under the vault key. Destroying the slot (purge) makes every copy of
    that recording's container unreadable with the vault key, wherever the copy is. While a
    passphrase change is being finished, `previous` (the old vault key) still opens the slots
    that were not rewrapped yet.
    """

    vault_id: str
    key: bytes
    keys_dir: Path
    previous: bytes | None = None

    def slot_path(self, recording_id: str) -> Path:
        # The id comes from a header; only a UUID may become a file name (no "../").
        return self.keys_dir / f"{uuid.UUID(recording_id)}.key"

    def _aad(self, recording_id: str) -> bytes:
        return _VAULT_AAD + recording_id.encode() + self.vault_id.encode()

    def _slot_aad(self, recording_id: str) -> bytes:
        return _SLOT_AAD + recording_id.encode() + self.vault_id.encode()

    def _open_slot(self, sealed: bytes, recording_id: str) -> tuple[bytes, bool] | None:
        """The slot and whether it is wrapped under the current key (else the previous one)."""
        for key, current in ((self.key, True), (self.previous, False)):
            if key is None:
                continue
            try:
                slot = AESGCM(key).decrypt(sealed[:12], sealed[12:], self._slot_aad(recording_id))
            except (ValueError, InvalidTag):
                continue
            return slot, current
        return None

    def _slot(self, recording_id: str) -> bytes | None:
        try:
            sealed = self.slot_path(recording_id).read_bytes()
        except (OSError, ValueError):
            return None
        opened = self._open_slot(sealed, recording_id)
        return None if opened is None else opened[0]

    def rewrap_slots(self) -> int:
        """Wrap every slot still under the previous key under the current one (each file
        replaced atomically). Returns how many were rewrapped; slots that open with neither key
        are left alone (they are reported when their recording is read)."""
        count = 0
        folder = self.keys_dir
        for path in sorted(folder.glob("*.key")) if folder.is_dir() else []:
            recording_id = path.stem
            if not _is_uuid(recording_id) or not is_regular(path):
                continue
            try:
                opened = self._open_slot(read_regular(path, 1024), recording_id)
            except OSError:
                continue
            if opened is None or opened[1]:
                continue
            nonce = secrets.token_bytes(12)
            sealed = AESGCM(self.key).encrypt(nonce, opened[0], self._slot_aad(recording_id))
            write_atomic(path, nonce + sealed)
            count += 1
        return count

    def wrap(self, file_key: bytes, recording_id: str, random_bytes: RandomBytes) -> Stanza:
        slot, slot_nonce, nonce = random_bytes(32), random_bytes(12), random_bytes(12)
        aad = self._slot_aad(recording_id)
        write_durably(  # exclusive: never replace the key of an existing recording
            self.slot_path(recording_id),
            slot_nonce + AESGCM(self.key).encrypt(slot_nonce, slot, aad),
            exclusive=True,
        )
        wrapped = AESGCM(slot).encrypt(nonce, file_key, self._aad(recording_id))
        return {
            "type": "vault",
            "vault_id": self.vault_id,
            "nonce": b64(nonce),
            "wrapped_key": b64(wrapped),
        }

    def addressed(self, stanza: Stanza, recording_id: str) -> bool:
        """For this vault, and its key slot still exists (a purged recording has none)."""
        return (
            stanza.get("type") == "vault"
            and stanza.get("vault_id") == self.vault_id
            and _is_uuid(recording_id)
            and self.slot_path(recording_id).exists()
        )

    def unwrap(self, stanza: Stanza, recording_id: str) -> bytes | None:
        if not self.addressed(stanza, recording_id):
            return None
        slot = self._slot(recording_id)
        if slot is None:
            return None
        try:
            nonce = unb64(stanza.get("nonce"), 12)
            wrapped = unb64(stanza.get("wrapped_key"), FILE_KEY_SIZE + 16)
            return AESGCM(slot).decrypt(nonce, wrapped, self._aad(recording_id))
        except (ValueError, InvalidTag):
            return None

    def has_slot(self, recording_id: str) -> bool:
        return self._slot(recording_id) is not None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _x25519_wrap_key(shared: bytes, ephemeral_raw: bytes, recipient_raw: bytes) -> bytes:
    return hkdf(shared, _X25519_INFO, salt=ephemeral_raw + recipient_raw)


@dataclass(frozen=True)
class X25519Recipient:
    """Wraps file keys to the organisation's recovery public key."""

    public: RecoveryPublicKey

    def wrap(self, file_key: bytes, recording_id: str, random_bytes: RandomBytes) -> Stanza:
        ephemeral = X25519PrivateKey.from_private_bytes(random_bytes(32))
        ephemeral_raw = ephemeral.public_key().public_bytes(RAW, RAW_PUB)
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self.public.raw))
        key = _x25519_wrap_key(shared, ephemeral_raw, self.public.raw)
        wrapped = ChaCha20Poly1305(key).encrypt(bytes(12), file_key, recording_id.encode())
        return {
            "type": "x25519",
            "recipient": self.public.fingerprint,
            "ephemeral": b64(ephemeral_raw),
            "wrapped_key": b64(wrapped),
        }


@dataclass(frozen=True)
class X25519Identity:
    """Opens recordings with the organisation's offline recovery private key."""

    private: RecoveryPrivateKey

    def addressed(self, stanza: Stanza, recording_id: str) -> bool:
        return stanza.get("type") == "x25519" and stanza.get("recipient") == (
            self.private.public.fingerprint
        )

    def unwrap(self, stanza: Stanza, recording_id: str) -> bytes | None:
        public = self.private.public
        if not self.addressed(stanza, recording_id):
            return None
        try:
            ephemeral_raw = unb64(stanza.get("ephemeral"), 32)
            wrapped = unb64(stanza.get("wrapped_key"), FILE_KEY_SIZE + 16)
            shared = self.private.private.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
            key = _x25519_wrap_key(shared, ephemeral_raw, public.raw)
            return ChaCha20Poly1305(key).decrypt(bytes(12), wrapped, recording_id.encode())
        except (ValueError, InvalidTag):
            return None
