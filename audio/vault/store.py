"""The vault: a directory holding the keys (`vault.json`) and the recordings of one installation."""

from __future__ import annotations

import hmac
import json
import os
import secrets
import struct
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from audio.container import layout as c
from audio.container.manifest import Manifest
from audio.container.recovery import recover
from audio.container.writer import ContainerWriter
from audio.durable import (
    fsync_directory,
    is_regular,
    make_directory,
    read_regular,
    write_atomic,
)
from audio.encoding import b64, canonical_json, iso_time, loads, unb64
from audio.errors import IntegrityError, VaultError, WrongPassphrase
from audio.vault.keys import RecoveryPublicKey, SigningKey, hkdf
from audio.vault.stanzas import ESCROW_SUFFIX, Identity, Recipient, VaultKey, X25519Recipient
from audio.vault.state import PURGED, RECORDING, STATE_FILE, Registered, State, StateStore

VAULT_FILE = "vault.json"
RECORDINGS = "recordings"
INTERRUPTED = "interrupted"
KEYS = "keys"
ENV_VAULT = "GESPREKSOPNAME_VAULT"

# RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes (about 0.1 s here).
DEFAULT_KDF = {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 4}
# Bounds a vault file may ask for, so a hostile file cannot make unlocking take unbounded memory.
KDF_LIMITS = {"memory_kib": (8192, 1048576), "iterations": (1, 16), "lanes": (1, 16)}

VAULT_VERSION = 2
_VAULT_KEY_AAD = b"gespreksopname-vault-key/2\x00"
_SIGNING_KEY_AAD = b"gespreksopname-signing-key/2\x00"
_DATA_KEYS_AAD = b"gespreksopname-data-keys/2\x00"
_PREVIOUS_KEY_AAD = b"gespreksopname-previous-key/2\x00"
_MAC_CONTEXT = b"gespreksopname-vault/2\n"
_STATE_INFO = b"gespreksopname-state/2"
_EPOCH = struct.Struct(">H")
MAX_VAULT_FILE = 1024 * 1024


def default_location() -> Path:
    """`GESPREKSOPNAME_VAULT`, else the platform's user data directory."""
    configured = os.environ.get(ENV_VAULT)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("gespreksopname", appauthor=False))


def _derive(passphrase: str, kdf: dict[str, Any]) -> bytes:
    salt = unb64(kdf["salt"], 16)
    return Argon2id(
        salt=salt,
        length=32,
        iterations=kdf["iterations"],
        lanes=kdf["lanes"],
        memory_cost=kdf["memory_kib"],
    ).derive(passphrase.encode("utf-8"))


def _check_kdf(kdf: object) -> dict[str, Any]:
    if not isinstance(kdf, dict) or kdf.get("algorithm") != "argon2id":
        raise ValueError("unknown key derivation")
    for name, (low, high) in KDF_LIMITS.items():
        value = kdf.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"kdf {name} out of bounds")
    unb64(kdf.get("salt"), 16)
    return kdf


def _wrap_vault_key(
    vault_id: str, vault_key: bytes, passphrase: str, kdf: dict[str, Any]
) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    aad = _VAULT_KEY_AAD + vault_id.encode() + canonical_json(kdf)
    ciphertext = AESGCM(_derive(passphrase, kdf)).encrypt(nonce, vault_key, aad)
    return {"nonce": b64(nonce), "ciphertext": b64(ciphertext)}


def _seal(key: bytes, plain: bytes, aad: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": b64(nonce), "ciphertext": b64(AESGCM(key).encrypt(nonce, plain, aad))}


def _open(key: bytes, sealed: Any, aad: bytes) -> bytes:
    """Decrypt a {nonce, ciphertext} field; InvalidTag or ValueError when it does not open."""
    return AESGCM(key).decrypt(unb64(sealed["nonce"], 12), unb64(sealed["ciphertext"]), aad)


def _mac(vault_key: bytes, doc: dict[str, Any]) -> bytes:
    """Authenticates every field of vault.json (the public key above all)."""
    body = {k: v for k, v in doc.items() if k != "mac"}
    key = hkdf(vault_key, b"gespreksopname-vault-file/2")
    return hmac.digest(key, _MAC_CONTEXT + canonical_json(body), "sha256")


def _vault_doc(
    *,
    vault_id: str,
    created: str,
    kdf: dict[str, Any],
    wrapped: dict[str, str],
    vault_key: bytes,
    signing: SigningKey,
    data_keys: Sequence[bytes],
    previous: bytes | None,
) -> dict[str, Any]:
    """A complete, authenticated vault.json document."""
    ident = vault_id.encode()
    public = signing.public.raw
    doc: dict[str, Any] = {
        "type": "gespreksopname-vault",
        "version": VAULT_VERSION,
        "vault_id": vault_id,
        "created": created,
        "kdf": kdf,
        "vault_key": wrapped,
        "signing_key": {
            "public_key": b64(public),
            **_seal(vault_key, signing.seed(), _SIGNING_KEY_AAD + ident + public),
        },
        "data_keys": _seal(
            vault_key, canonical_json([b64(k) for k in data_keys]), _DATA_KEYS_AAD + ident
        ),
        "previous_key": (
            None if previous is None else _seal(vault_key, previous, _PREVIOUS_KEY_AAD + ident)
        ),
    }
    doc["mac"] = b64(_mac(vault_key, doc))
    return doc


def _write_doc(root: Path, doc: dict[str, Any]) -> None:
    try:
        write_atomic(root / VAULT_FILE, json.dumps(doc, indent=2, sort_keys=True).encode())
    except OSError as exc:
        raise VaultError("error.vault_unwritable", path=str(root), reason=exc.strerror) from exc


@dataclass(frozen=True)
class Vault:
    """A vault on disk, still locked. Nothing read from it is trusted before `unlock`."""

    root: Path
    doc: dict[str, Any]

    @property
    def vault_id(self) -> str:
        return str(self.doc["vault_id"])

    @classmethod
    def create(
        cls, root: Path, passphrase: str, kdf: dict[str, Any] | None = None
    ) -> UnlockedVault:
        """Make a new vault with a fresh vault key and installation signing key."""
        root = Path(root)
        if any((root / name).exists() for name in (VAULT_FILE, STATE_FILE, "audit.log")):
            raise VaultError("error.vault_exists", path=str(root))
        if not passphrase:
            raise VaultError("error.empty_passphrase")
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            (root / RECORDINGS).mkdir(exist_ok=True, mode=0o700)
        except OSError as exc:
            raise VaultError("error.vault_unwritable", path=str(root), reason=exc.strerror) from exc
        vault_id = str(uuid.uuid4())
        kdf = dict(kdf or DEFAULT_KDF, salt=b64(secrets.token_bytes(16)))
        _check_kdf(kdf)
        vault_key = secrets.token_bytes(32)
        signing = SigningKey.generate()
        data_keys = (secrets.token_bytes(32),)
        doc = _vault_doc(
            vault_id=vault_id,
            created=iso_time(time.time()),
            kdf=kdf,
            wrapped=_wrap_vault_key(vault_id, vault_key, passphrase, kdf),
            vault_key=vault_key,
            signing=signing,
            data_keys=data_keys,
            previous=None,
        )
        unlocked = UnlockedVault(
            cls(root, doc), VaultKey(vault_id, vault_key, root / KEYS), signing, data_keys
        )
        # The state first: a vault.json without its state would look like a deleted state.
        try:
            unlocked.state.write(State())
        except OSError as exc:
            raise VaultError("error.vault_unwritable", path=str(root), reason=exc.strerror) from exc
        _write_doc(root, doc)
        return unlocked

    @classmethod
    def open(cls, root: Path) -> Vault:
        """Read `vault.json`; VaultError if there is no vault or the file is not valid."""
        root = Path(root)
        try:
            raw = read_regular(root / VAULT_FILE, MAX_VAULT_FILE)
        except FileNotFoundError as exc:
            raise VaultError("error.no_vault", path=str(root)) from exc
        except OSError as exc:
            raise VaultError("error.vault_unreadable", path=str(root), reason=exc.strerror) from exc
        try:
            doc = loads(raw)
            if doc.get("type") != "gespreksopname-vault":
                raise ValueError("not a vault")
            version = doc.get("version")
            if isinstance(version, int) and version > VAULT_VERSION:
                raise VaultError("error.vault_newer", path=str(root))
            if version != VAULT_VERSION:
                raise VaultError("error.vault_older", path=str(root), version=version)
            uuid.UUID(doc["vault_id"])
            _check_kdf(doc["kdf"])
            unb64(doc["vault_key"]["nonce"], 12)
            unb64(doc["vault_key"]["ciphertext"], 48)
            unb64(doc["signing_key"]["public_key"], 32)
            unb64(doc["signing_key"]["nonce"], 12)
            unb64(doc["signing_key"]["ciphertext"], 48)
            unb64(doc["data_keys"]["nonce"], 12)
            if doc.get("previous_key") is not None:
                unb64(doc["previous_key"]["nonce"], 12)
            unb64(doc["mac"], 32)
            canonical_json(doc)  # text that cannot be written back (a lone surrogate) is damage
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VaultError("error.vault_damaged", path=str(root)) from exc
        return cls(root, doc)

    def unlock(self, passphrase: str) -> UnlockedVault:
        """Open the keys with the passphrase and authenticate the whole file. WrongPassphrase
        changes nothing on disk; a changed field is a VaultError, never trusted. A passphrase
        change that was cut short (a crash) is finished here."""
        kdf = self.doc["kdf"]
        wrapped = self.doc["vault_key"]
        ident = self.vault_id.encode()
        aad = _VAULT_KEY_AAD + ident + canonical_json(kdf)
        try:
            vault_key = AESGCM(_derive(passphrase, kdf)).decrypt(
                unb64(wrapped["nonce"]), unb64(wrapped["ciphertext"]), aad
            )
        except InvalidTag as exc:
            raise WrongPassphrase() from exc
        if not hmac.compare_digest(_mac(vault_key, self.doc), unb64(self.doc["mac"], 32)):
            raise VaultError("error.vault_changed", path=str(self.root))
        sealed = self.doc["signing_key"]
        public = unb64(sealed["public_key"])
        try:
            seed = _open(vault_key, sealed, _SIGNING_KEY_AAD + ident + public)
            keys = loads(_open(vault_key, self.doc["data_keys"], _DATA_KEYS_AAD + ident))
            data_keys = tuple(unb64(k, 32) for k in keys)
            previous = self.doc.get("previous_key")
            old = None
            if previous is not None:
                old = _open(vault_key, previous, _PREVIOUS_KEY_AAD + ident)
        except (InvalidTag, ValueError, TypeError) as exc:
            raise VaultError("error.vault_damaged", path=str(self.root)) from exc
        signing = SigningKey.from_seed(seed)
        if signing.public.raw != public or not data_keys:
            raise VaultError("error.vault_damaged", path=str(self.root))
        key = VaultKey(self.vault_id, vault_key, self.root / KEYS, previous=old)
        unlocked = UnlockedVault(self, key, signing, data_keys)
        if old is not None:
            unlocked = replace(unlocked.finish_rotation(), finished_rotation=True)
        return unlocked

    def recording_paths(self) -> list[Path]:
        folder = self.root / RECORDINGS
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix == c.SUFFIX and p.is_file())

    def recording_path(self, recording_id: str) -> Path:
        """The container of a recording id (a unique prefix of at least 4 characters works)."""
        exact = self.root / RECORDINGS / f"{recording_id}{c.SUFFIX}"
        if exact.is_file() and uuid_like(recording_id):
            return exact
        matches = [p for p in self.recording_paths() if p.stem.startswith(recording_id)]
        if len(recording_id) >= 4 and len(matches) == 1:
            return matches[0]
        key = "error.ambiguous_id" if len(matches) > 1 else "error.unknown_recording"
        raise VaultError(key, id=recording_id)


def uuid_like(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def open_document(root: Path, kind: str, doc_id: str, data_keys: Sequence[bytes]) -> dict[str, Any]:
    """A vault document (`kind/<id>.enc`) opened with the data keys: the unlocked vault's, or
    the escrowed ones the recovery key opens (audio.vault.escrow)."""
    path = root / kind / f"{doc_id}.enc"
    try:
        data = path.read_bytes()
        (epoch,) = _EPOCH.unpack_from(data)
        if epoch >= len(data_keys):
            raise ValueError("unknown epoch")
        nonce, sealed = data[2:14], data[14:]
        aead = AESGCM(hkdf(data_keys[epoch], b"gespreksopname-document/2:" + kind.encode()))
        plain = aead.decrypt(nonce, sealed, doc_id.encode() + data[:2])
    except FileNotFoundError as exc:
        raise VaultError("error.unknown_document", id=doc_id) from exc
    except (OSError, InvalidTag, ValueError, struct.error) as exc:
        raise VaultError("error.document_damaged", id=doc_id) from exc
    doc: dict[str, Any] = loads(plain)
    return doc


@dataclass(frozen=True)
class UnlockedVault:
    """A vault with its keys in memory.

    `data_keys` encrypt the audit trail and the vault's documents: one key per passphrase
    epoch, the last one current, so an old vault file and an old passphrase open nothing
    written after a change.
    """

    vault: Vault
    key: VaultKey
    signing_key: SigningKey
    data_keys: tuple[bytes, ...]
    finished_rotation: bool = False  # a passphrase change cut short was finished on unlock

    @property
    def root(self) -> Path:
        return self.vault.root

    @property
    def epoch(self) -> int:
        return len(self.data_keys) - 1

    @property
    def state(self) -> StateStore:
        key = hkdf(self.key.key, _STATE_INFO)
        previous = None if self.key.previous is None else hkdf(self.key.previous, _STATE_INFO)
        return StateStore(self.root, self.vault.vault_id, key, previous)

    def identities(self) -> list[Identity]:
        return [self.key]

    def recipients(self, recovery_keys: Iterable[RecoveryPublicKey] = ()) -> list[Recipient]:
        """The vault itself and, when the organisation has them, its recovery keys."""
        recipients: list[Recipient] = [self.key]
        recipients += [X25519Recipient(key) for key in recovery_keys]
        return recipients

    def new_recording(
        self,
        *,
        sample_rate: int,
        channels: int,
        sample_format: str = "s16le",
        session: Mapping[str, object] | None = None,
        recovery_keys: Sequence[RecoveryPublicKey] = (),
        **options: Any,
    ) -> ContainerWriter:
        """Start a new container in the vault; the caller writes audio and seals it.

        The register knows the recording before its container exists, and learns its seal
        when the writer seals it (if that fails, the next `reconcile` does it)."""
        recording_id = str(uuid.uuid4())
        path = self.root / RECORDINGS / f"{recording_id}{c.SUFFIX}"
        with self.state.locked() as state:
            state.recordings[recording_id] = Registered(RECORDING)
        try:
            return ContainerWriter(
                path,
                recipients=self.recipients(recovery_keys),
                signer=self.signing_key,
                sample_rate=sample_rate,
                channels=channels,
                sample_format=sample_format,
                session=session,
                recording_id=recording_id,
                on_sealed=self.register_seal,
                **options,
            )
        except BaseException:
            if not path.exists():  # nothing was made: the register forgets it again
                with self.state.locked() as state:
                    state.recordings.pop(recording_id, None)
            raise

    def register_seal(self, manifest: Manifest, seal_sha256: str) -> None:
        """Record a recording's final state; a final state is never replaced."""
        recording_id = manifest.recording_id
        with self.state.locked() as state:
            entry = state.recordings.get(recording_id, Registered(RECORDING))
            if entry.state != RECORDING:
                raise IntegrityError("register_final", None, state=entry.state)
            state.recordings[recording_id] = entry.sealed(manifest, seal_sha256)

    def recover(self, path: Path, certificate: str | None = None) -> Manifest:
        """Seal what a crash left of one of this vault's recordings, as `audio.container.recovery`
        does, but only when the register knows it as being recorded: a recording it knows as
        sealed, recovered or purged, or does not know at all, is refused (IntegrityError)."""
        recording_id = Path(path).name.removesuffix(c.SUFFIX)
        if not is_regular(Path(path)):
            raise IntegrityError("register", None, field="file")
        with open(path, "rb") as handle:
            if c.read_header(handle).recording_id != recording_id:
                # Another recording put in this one's place: never sign it under this name.
                raise IntegrityError("register", None, field="recording_id")
        entry = self.state.read().recordings.get(recording_id)
        if entry is None:
            raise IntegrityError("unregistered", None)
        if entry.state != RECORDING:
            raise IntegrityError("register_final", None, state=entry.state)
        return recover(
            path,
            self.identities(),
            self.signing_key,
            self.root / INTERRUPTED,
            on_sealed=self.register_seal,
            certificate=certificate,
        )

    def _document_aead(self, kind: str, epoch: int) -> AESGCM:
        info = b"gespreksopname-document/2:" + kind.encode()
        return AESGCM(hkdf(self.data_keys[epoch], info))

    def store_document(self, kind: str, doc_id: str, doc: dict[str, Any]) -> Path:
        """Keep a small document (a refusal, say) encrypted in the vault under `kind/`."""
        if not uuid_like(doc_id):
            raise ValueError("document ids are UUIDs")
        nonce = secrets.token_bytes(12)
        epoch = _EPOCH.pack(self.epoch)
        sealed = self._document_aead(kind, self.epoch).encrypt(
            nonce, canonical_json(doc), doc_id.encode() + epoch
        )
        path = self.root / kind / f"{doc_id}.enc"
        try:
            # Replaced whole (a queued timestamp or archive job is rewritten while another
            # thread may read it): never half a document, not even after a power cut.
            make_directory(path.parent)
            write_atomic(path, epoch + nonce + sealed)
        except OSError as exc:
            raise VaultError(
                "error.vault_unwritable", path=str(self.root), reason=exc.strerror
            ) from exc
        return path

    def load_document(self, kind: str, doc_id: str) -> dict[str, Any]:
        return open_document(self.root, kind, doc_id, self.data_keys)

    def document_ids(self, kind: str) -> list[str]:
        folder = self.root / kind
        return sorted(p.stem for p in folder.glob("*.enc")) if folder.is_dir() else []

    def destroy_recording(self, recording_id: str) -> None:
        """Destroy a recording: its key slot first (so no copy opens again), then its files.
        The register keeps that it was purged (`Workspace.purge` marks it, under the trail's
        entry; a half-made import or edit that is thrown away is marked here)."""
        with self.state.locked() as state:
            entry = state.recordings.get(recording_id)
            if entry is not None and entry.state == RECORDING:
                state.recordings[recording_id] = replace(entry, state=PURGED)
        slot = self.key.slot_path(recording_id)
        if slot.exists():
            size = slot.stat().st_size
            with open(slot, "r+b") as handle:  # overwrite before unlinking, best effort on SSDs
                handle.write(secrets.token_bytes(size))
                handle.flush()
                os.fsync(handle.fileno())
            slot.unlink()
            fsync_directory(slot.parent)
        # The recovery stanzas a rewrap kept beside the container go with it.
        self.key.keys_dir.joinpath(f"{recording_id}{ESCROW_SUFFIX}").unlink(missing_ok=True)
        for folder in (RECORDINGS, INTERRUPTED):
            (self.root / folder / f"{recording_id}{c.SUFFIX}").unlink(missing_ok=True)
        fsync_directory(self.root / RECORDINGS)

    def change_passphrase(self, new_passphrase: str) -> UnlockedVault:
        """Rotate the vault key: a new key under the new passphrase (fresh salt) and a new data
        key epoch; the state and every recording's key slot are rewrapped (no audio is
        rewritten). The old key stays in vault.json, under the new one, until the rotation is
        complete, so a crash at any step leaves a vault that opens with the new passphrase."""
        if not new_passphrase:
            raise VaultError("error.empty_passphrase")
        doc = self.vault.doc
        kdf = dict(doc["kdf"], salt=b64(secrets.token_bytes(16)))
        vault_id = self.vault.vault_id
        new_key = secrets.token_bytes(32)
        data_keys = (*self.data_keys, secrets.token_bytes(32))
        with self.state.lock():
            state = self.state.read_or_none()
            new_doc = _vault_doc(
                vault_id=vault_id,
                created=str(doc["created"]),
                kdf=kdf,
                wrapped=_wrap_vault_key(vault_id, new_key, new_passphrase, kdf),
                vault_key=new_key,
                signing=self.signing_key,
                data_keys=data_keys,
                previous=self.key.key,
            )
            _write_doc(self.root, new_doc)
            key = VaultKey(vault_id, new_key, self.root / KEYS, previous=self.key.key)
            rotated = UnlockedVault(Vault(self.root, new_doc), key, self.signing_key, data_keys)
            if state is not None:
                rotated.state.write(state)
        return rotated.finish_rotation()

    def finish_rotation(self) -> UnlockedVault:
        """Rewrap what is still under the previous vault key, then forget that key."""
        if self.key.previous is None:
            return self
        with self.state.lock():
            state = self.state.read_or_none()
            if state is not None:
                self.state.write(state)  # under the current key
            self.key.rewrap_slots()
            doc = self.vault.doc
            new_doc = _vault_doc(
                vault_id=self.vault.vault_id,
                created=str(doc["created"]),
                kdf=doc["kdf"],
                wrapped=doc["vault_key"],
                vault_key=self.key.key,
                signing=self.signing_key,
                data_keys=self.data_keys,
                previous=None,
            )
            _write_doc(self.root, new_doc)
        key = VaultKey(self.vault.vault_id, self.key.key, self.root / KEYS)
        return UnlockedVault(Vault(self.root, new_doc), key, self.signing_key, self.data_keys)
