"""The vault: a directory holding the keys (`vault.json`) and the recordings of one installation."""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from audio import container as c
from audio.durable import fsync_directory, write_atomic, write_durably
from audio.encoding import b64, canonical_json, iso_time, loads, unb64
from audio.errors import VaultError, WrongPassphrase
from audio.keys import RecoveryPublicKey, SigningKey, VerifyKey, hkdf
from audio.stanzas import Identity, Recipient, VaultKey, X25519Recipient
from audio.writer import ContainerWriter

VAULT_FILE = "vault.json"
RECORDINGS = "recordings"
INTERRUPTED = "interrupted"
KEYS = "keys"
ENV_VAULT = "GESPREKSOPNAME_VAULT"

# RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes (about 0.1 s here).
DEFAULT_KDF = {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 4}
# Bounds a vault file may ask for, so a hostile file cannot make unlocking take unbounded memory.
KDF_LIMITS = {"memory_kib": (8192, 1048576), "iterations": (1, 16), "lanes": (1, 16)}

_VAULT_KEY_AAD = b"gespreksopname-vault-key/1\x00"
_SIGNING_KEY_AAD = b"gespreksopname-signing-key/1\x00"


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


@dataclass(frozen=True)
class Vault:
    """A vault on disk, still locked."""

    root: Path
    doc: dict[str, Any]

    @property
    def vault_id(self) -> str:
        return str(self.doc["vault_id"])

    @property
    def public_key(self) -> VerifyKey:
        return VerifyKey(unb64(self.doc["signing_key"]["public_key"], 32))

    @classmethod
    def create(
        cls, root: Path, passphrase: str, kdf: dict[str, Any] | None = None
    ) -> UnlockedVault:
        """Make a new vault with a fresh vault key and installation signing key."""
        root = Path(root)
        if (root / VAULT_FILE).exists():
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
        public = signing.public.raw
        nonce = secrets.token_bytes(12)
        sealed_seed = AESGCM(vault_key).encrypt(
            nonce, signing.seed(), _SIGNING_KEY_AAD + vault_id.encode() + public
        )
        doc = {
            "type": "gespreksopname-vault",
            "version": 1,
            "vault_id": vault_id,
            "created": iso_time(time.time()),
            "kdf": kdf,
            "vault_key": _wrap_vault_key(vault_id, vault_key, passphrase, kdf),
            "signing_key": {
                "public_key": b64(public),
                "nonce": b64(nonce),
                "ciphertext": b64(sealed_seed),
            },
        }
        try:
            write_atomic(root / VAULT_FILE, json.dumps(doc, indent=2, sort_keys=True).encode())
        except OSError as exc:
            raise VaultError("error.vault_unwritable", path=str(root), reason=exc.strerror) from exc
        return UnlockedVault(cls(root, doc), VaultKey(vault_id, vault_key, root / KEYS), signing)

    @classmethod
    def open(cls, root: Path) -> Vault:
        """Read `vault.json`; VaultError if there is no vault or the file is not valid."""
        root = Path(root)
        try:
            raw = (root / VAULT_FILE).read_bytes()
        except FileNotFoundError as exc:
            raise VaultError("error.no_vault", path=str(root)) from exc
        except OSError as exc:
            raise VaultError("error.vault_unreadable", path=str(root), reason=exc.strerror) from exc
        try:
            doc = loads(raw)
            if doc.get("type") != "gespreksopname-vault":
                raise ValueError("not a vault")
            if doc.get("version") != 1:
                raise VaultError("error.vault_newer", path=str(root))
            uuid.UUID(doc["vault_id"])
            _check_kdf(doc["kdf"])
            unb64(doc["vault_key"]["nonce"], 12)
            unb64(doc["vault_key"]["ciphertext"], 48)
            unb64(doc["signing_key"]["public_key"], 32)
            unb64(doc["signing_key"]["nonce"], 12)
            unb64(doc["signing_key"]["ciphertext"], 48)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VaultError("error.vault_damaged", path=str(root)) from exc
        return cls(root, doc)

    def unlock(self, passphrase: str) -> UnlockedVault:
        """Open the keys with the passphrase. WrongPassphrase changes nothing on disk."""
        kdf = self.doc["kdf"]
        wrapped = self.doc["vault_key"]
        aad = _VAULT_KEY_AAD + self.vault_id.encode() + canonical_json(kdf)
        try:
            vault_key = AESGCM(_derive(passphrase, kdf)).decrypt(
                unb64(wrapped["nonce"]), unb64(wrapped["ciphertext"]), aad
            )
        except InvalidTag as exc:
            raise WrongPassphrase() from exc
        sealed = self.doc["signing_key"]
        public = unb64(sealed["public_key"])
        try:
            seed = AESGCM(vault_key).decrypt(
                unb64(sealed["nonce"]),
                unb64(sealed["ciphertext"]),
                _SIGNING_KEY_AAD + self.vault_id.encode() + public,
            )
        except InvalidTag as exc:
            raise VaultError("error.vault_damaged", path=str(self.root)) from exc
        signing = SigningKey.from_seed(seed)
        if signing.public.raw != public:
            raise VaultError("error.vault_damaged", path=str(self.root))
        return UnlockedVault(self, VaultKey(self.vault_id, vault_key, self.root / KEYS), signing)

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


@dataclass(frozen=True)
class UnlockedVault:
    """A vault with its keys in memory."""

    vault: Vault
    key: VaultKey
    signing_key: SigningKey

    @property
    def root(self) -> Path:
        return self.vault.root

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
        session: dict[str, Any] | None = None,
        recovery_keys: Sequence[RecoveryPublicKey] = (),
        **options: Any,
    ) -> ContainerWriter:
        """Start a new container in the vault; the caller writes audio and seals it."""
        recording_id = str(uuid.uuid4())
        path = self.root / RECORDINGS / f"{recording_id}{c.SUFFIX}"
        return ContainerWriter(
            path,
            recipients=self.recipients(recovery_keys),
            signer=self.signing_key,
            sample_rate=sample_rate,
            channels=channels,
            sample_format=sample_format,
            session=session,
            recording_id=recording_id,
            **options,
        )

    def _document_aead(self, kind: str) -> AESGCM:
        return AESGCM(hkdf(self.key.key, b"gespreksopname-document/1:" + kind.encode()))

    def store_document(self, kind: str, doc_id: str, doc: dict[str, Any]) -> Path:
        """Keep a small document (a refusal, say) encrypted in the vault under `kind/`."""
        if not uuid_like(doc_id):
            raise ValueError("document ids are UUIDs")
        nonce = secrets.token_bytes(12)
        sealed = self._document_aead(kind).encrypt(nonce, canonical_json(doc), doc_id.encode())
        path = self.root / kind / f"{doc_id}.enc"
        try:
            write_durably(path, nonce + sealed)
        except OSError as exc:
            raise VaultError(
                "error.vault_unwritable", path=str(self.root), reason=exc.strerror
            ) from exc
        return path

    def load_document(self, kind: str, doc_id: str) -> dict[str, Any]:
        path = self.root / kind / f"{doc_id}.enc"
        try:
            data = path.read_bytes()
            plain = self._document_aead(kind).decrypt(data[:12], data[12:], doc_id.encode())
        except FileNotFoundError as exc:
            raise VaultError("error.unknown_document", id=doc_id) from exc
        except (OSError, InvalidTag, ValueError) as exc:
            raise VaultError("error.document_damaged", id=doc_id) from exc
        doc: dict[str, Any] = loads(plain)
        return doc

    def document_ids(self, kind: str) -> list[str]:
        folder = self.root / kind
        return sorted(p.stem for p in folder.glob("*.enc")) if folder.is_dir() else []

    def destroy_recording(self, recording_id: str) -> None:
        """Destroy a recording: its key slot first (so no copy opens again), then its files."""
        slot = self.key.slot_path(recording_id)
        if slot.exists():
            size = slot.stat().st_size
            with open(slot, "r+b") as handle:  # overwrite before unlinking, best effort on SSDs
                handle.write(secrets.token_bytes(size))
                handle.flush()
                os.fsync(handle.fileno())
            slot.unlink()
            fsync_directory(slot.parent)
        for folder in (RECORDINGS, INTERRUPTED):
            (self.root / folder / f"{recording_id}{c.SUFFIX}").unlink(missing_ok=True)
        fsync_directory(self.root / RECORDINGS)

    def change_passphrase(self, new_passphrase: str) -> UnlockedVault:
        """Rewrap the vault key under a new passphrase (fresh salt); no recording is rewritten."""
        if not new_passphrase:
            raise VaultError("error.empty_passphrase")
        kdf = dict(self.vault.doc["kdf"], salt=b64(secrets.token_bytes(16)))
        doc = dict(self.vault.doc, kdf=kdf)
        doc["vault_key"] = _wrap_vault_key(self.vault.vault_id, self.key.key, new_passphrase, kdf)
        try:
            write_atomic(self.root / VAULT_FILE, json.dumps(doc, indent=2, sort_keys=True).encode())
        except OSError as exc:
            raise VaultError(
                "error.vault_unwritable", path=str(self.root), reason=exc.strerror
            ) from exc
        return UnlockedVault(Vault(self.root, doc), self.key, self.signing_key)
