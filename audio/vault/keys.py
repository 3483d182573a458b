"""Keys: the installation's Ed25519 signing key, X25519 recovery keys, fingerprints, recipients."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

RAW = serialization.Encoding.Raw
RAW_PUB = serialization.PublicFormat.Raw


def fingerprint(public_raw: bytes) -> str:
    """A short fingerprint people can read aloud: 16 base32 characters in groups of four."""
    digest = hashlib.sha256(public_raw).digest()[:10]
    chars = base64.b32encode(digest).decode("ascii")
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def hkdf(secret: bytes, info: bytes, salt: bytes | None = None, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def _public_from_text(value: str, kind: type[Ed25519PublicKey] | type[X25519PublicKey]) -> bytes:
    """The raw bytes of a public key of `kind`, given as PEM, as the base64 of its DER
    SubjectPublicKeyInfo (a PEM without its BEGIN and END lines), or as the raw key in base64."""
    try:
        value = value.strip()
        if value.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(value.encode("ascii"))
            if not isinstance(key, kind):
                raise ValueError("a public key of another kind")
            return key.public_bytes(RAW, RAW_PUB)
        der = base64.b64decode("".join(value.split()), validate=True)
        if len(der) == 32:  # the raw key
            kind.from_public_bytes(der)
            return der
        # The DER SubjectPublicKeyInfo: the base64 between a PEM's BEGIN and END lines.
        key = serialization.load_der_public_key(der)
        if not isinstance(key, kind):
            raise ValueError("a public key of another kind")
        return key.public_bytes(RAW, RAW_PUB)
    except (UnsupportedAlgorithm, TypeError, UnicodeError) as exc:
        raise ValueError(str(exc)) from exc


@dataclass(frozen=True)
class SigningKey:
    """The installation's signing key (the seal of rule b)."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def seed(self) -> bytes:
        return self.private.private_bytes(
            RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    @property
    def public(self) -> VerifyKey:
        return VerifyKey(self.private.public_key().public_bytes(RAW, RAW_PUB))

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


@dataclass(frozen=True)
class VerifyKey:
    """An Ed25519 public key, raw 32 bytes."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    @property
    def fingerprint_hex(self) -> str:
        """SHA-256 of the DER SubjectPublicKeyInfo in hex: what `openssl pkey -pubin -outform
        DER | sha256sum` prints for publickey.pem."""
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(der).hexdigest()

    def pem(self) -> str:
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    @classmethod
    def from_text(cls, value: str) -> VerifyKey:
        """Accept a PEM public key, its DER in base64 or the raw key in base64; else ValueError."""
        return cls(_public_from_text(value, Ed25519PublicKey))

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class RecoveryPublicKey:
    """The organisation's X25519 recovery public key; every recording key is wrapped to it."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    @classmethod
    def from_text(cls, value: str) -> RecoveryPublicKey:
        """Accept a PEM public key, its DER in base64 or the raw key in base64; else ValueError."""
        return cls(_public_from_text(value, X25519PublicKey))

    def pem(self) -> str:
        key = X25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


@dataclass(frozen=True)
class RecoveryPrivateKey:
    """The offline half of the recovery key, kept by the privacy officer."""

    private: X25519PrivateKey

    @classmethod
    def generate(cls) -> RecoveryPrivateKey:
        return cls(X25519PrivateKey.generate())

    @property
    def public(self) -> RecoveryPublicKey:
        return RecoveryPublicKey(self.private.public_key().public_bytes(RAW, RAW_PUB))

    def pem(self, passphrase: bytes | None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    @classmethod
    def from_pem(cls, data: bytes, passphrase: bytes | None) -> RecoveryPrivateKey:
        """Load the PEM; ValueError for a wrong passphrase or a key of another kind."""
        try:
            key = serialization.load_pem_private_key(data, password=passphrase or None)
        except TypeError as exc:  # encrypted but no passphrase, or the reverse
            raise ValueError(str(exc)) from exc
        if not isinstance(key, X25519PrivateKey):
            raise ValueError("not an X25519 private key")
        return cls(key)
