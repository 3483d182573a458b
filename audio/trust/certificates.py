"""The organisation's certificate authority: installation certificates and the signed policy.

The privacy officer keeps a small CA (ECDSA P-256, self-signed, kept offline like the recovery
key). An installation asks for a certificate for its Ed25519 signing key with a request; the CA
issues a leaf naming the installation; anyone holding the CA certificate can then check a seal's
key with this module or with `openssl verify -CAfile organisatie.pem installatie.pem`.

The CA also signs the policy file: the signature is raw DER ECDSA-SHA256 over the exact bytes of
the file, so `openssl dgst -sha256 -verify <(openssl x509 -in organisatie.pem -pubkey -noout)
-signature POLICY.toml.sig POLICY.toml` checks it too.

Fingerprints are printed the way openssl prints them:
- a public key: SHA-256 of its DER SubjectPublicKeyInfo, lower-case hex
  (`openssl pkey -pubin -outform DER | sha256sum`);
- a certificate: SHA-256 of its DER, lower-case hex here; `colon_hex` gives the upper-case,
  colon-separated form of `openssl x509 -noout -fingerprint -sha256`.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from audio.errors import GespreksError

# RFC 9336 id-kp-documentSigning; cryptography has no constant for it (50.0).
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# Either purpose makes a leaf fit for sealing recordings; we issue both.
SEALING_USAGES = frozenset({DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION})

CA_DAYS = 3650
LEAF_DAYS = 825
# A leaf is valid from a little before its issue, so a laptop whose clock lags can use it at once.
BACKDATE = timedelta(minutes=5)
# RFC 5280's upper bound for a common name or organisation name.
MAX_NAME = 64

_PEM = serialization.Encoding.PEM
_DER = serialization.Encoding.DER
_RAW = serialization.Encoding.Raw
_SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


TRUST_CODES = (
    "not_a_certificate",
    "not_a_key",
    "not_a_ca",
    "wrong_passphrase",
    "empty_passphrase",
    "wrong_key",
    "bad_request",
    "bad_name",
    "bad_signature",
    "untrusted",
    "not_yet_valid",
    "expired",
    "wrong_usage",
)


class TrustError(GespreksError):
    """A certificate, request, key or signature that cannot be trusted or used.

    `code` is stable, for the caller to choose an exit code; it is one of TRUST_CODES, and the
    message in words is the catalogue's `trust.<code>`. `detail` is the technical reason, in
    English, for logs and tests.
    """

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"trust.{code}", detail=detail)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class Authority:
    """A new CA as written to disk: its certificate, and its key encrypted with a passphrase."""

    certificate_pem: bytes
    key_pem: bytes


@dataclass(frozen=True)
class UnlockedAuthority:
    """A CA whose key has been decrypted: it can certify installations and sign policies."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    @property
    def name(self) -> str:
        return _attribute(self.certificate.subject, NameOID.COMMON_NAME)

    @property
    def fingerprint_hex(self) -> str:
        """SHA-256 of the CA certificate's DER, lower-case hex."""
        return certificate_fingerprint_hex(self.certificate)


@dataclass(frozen=True)
class Installation:
    """An installation certificate that chains to the organisation's CA at a given time."""

    name: str
    organisation: str
    public_key: bytes  # the Ed25519 key, raw 32 bytes
    fingerprint_hex: str  # SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex
    not_before: datetime
    not_after: datetime
    serial: int
    ca_fingerprint_hex: str  # SHA-256 of the CA certificate's DER, lower-case hex

    @property
    def fingerprint_colons(self) -> str:
        return colon_hex(self.fingerprint_hex)

    @property
    def ca_fingerprint_colons(self) -> str:
        """As `openssl x509 -noout -fingerprint -sha256 -in organisatie.pem` prints it."""
        return colon_hex(self.ca_fingerprint_hex)


# Fingerprints


def public_key_fingerprint_hex(public_key: Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    """SHA-256 of the key's DER SubjectPublicKeyInfo, as `openssl pkey -pubin -outform DER |
    sha256sum` prints it."""
    return hashlib.sha256(public_key.public_bytes(_DER, _SPKI)).hexdigest()


def certificate_fingerprint_hex(certificate: x509.Certificate | bytes) -> str:
    """SHA-256 of a certificate's DER (given as an object or as PEM), lower-case hex."""
    if isinstance(certificate, bytes):
        certificate = _load_certificate(certificate, "certificate")
    return certificate.fingerprint(hashes.SHA256()).hex()


def colon_hex(plain: str) -> str:
    """`ab12cd...` as openssl's `-fingerprint` prints it: `AB:12:CD:...`."""
    plain = normalise_hex(plain)
    return ":".join(plain[i : i + 2] for i in range(0, len(plain), 2)).upper()


def normalise_hex(text: str) -> str:
    """Any printed form of a hex fingerprint (colons, spaces, either case, openssl's
    `sha256 Fingerprint=` prefix) as plain lower-case hex. ValueError if it is not hex."""
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    plain = "".join(c for c in text if c not in ": -\t\r\n").lower()
    if not plain or len(plain) % 2 or any(c not in string.hexdigits for c in plain):
        raise ValueError("not a hexadecimal fingerprint")
    return plain


# The authority


@dataclass(frozen=True)
class AuthorityInfo:
    """What a CA certificate says about itself (for display and pinning)."""

    name: str
    fingerprint_hex: str  # SHA-256 of the DER, lower-case hex
    not_before: datetime
    not_after: datetime

    @property
    def fingerprint_colons(self) -> str:
        return colon_hex(self.fingerprint_hex)


def authority_info(ca_pem: bytes) -> AuthorityInfo:
    """The name, fingerprint and validity of a CA certificate; TrustError if it is none."""
    certificate = _load_certificate(ca_pem, "CA certificate")
    _require_ca(certificate)
    return AuthorityInfo(
        name=_attribute(certificate.subject, NameOID.COMMON_NAME),
        fingerprint_hex=certificate_fingerprint_hex(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def installation_name(cert_pem: bytes) -> str:
    """The installation's name (common name) an installation certificate gives; TrustError if
    it is not a certificate."""
    return _attribute(_load_certificate(cert_pem, "certificate").subject, NameOID.COMMON_NAME)


def load_certificate(pem: bytes) -> x509.Certificate:
    """Any PEM certificate (a time-stamping authority's CA, say); TrustError if it is none."""
    return _load_certificate(pem, "certificate")


def make_authority(
    name: str, passphrase: bytes, days: int = CA_DAYS, *, now: datetime | None = None
) -> Authority:
    """A new self-signed CA for the organisation `name`, its key encrypted with `passphrase`."""
    if not passphrase:
        raise TrustError("empty_passphrase", "the CA key needs a passphrase")
    now = _utc(now)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, _checked_name(name)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _checked_name(name)),
        ]
    )
    key = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        _PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    return Authority(certificate.public_bytes(_PEM), key_pem)


def load_authority(cert_pem: bytes, key_pem: bytes, passphrase: bytes) -> UnlockedAuthority:
    """The CA from its two files; TrustError if they are broken, do not belong together, or the
    passphrase is wrong."""
    certificate = _load_certificate(cert_pem, "CA certificate")
    _require_ca(certificate)
    key = _load_private_key(key_pem, passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TrustError("not_a_key", "the CA key is not an ECDSA key")
    if key.public_key().public_bytes(_DER, _SPKI) != certificate.public_key().public_bytes(
        _DER, _SPKI
    ):
        raise TrustError("wrong_key", "the key does not belong to this CA certificate")
    return UnlockedAuthority(certificate, key)


def _load_private_key(key_pem: bytes, passphrase: bytes) -> PrivateKeyTypes:
    # First without a passphrase: that tells a broken file (ValueError) from an encrypted one
    # (TypeError), so a wrong passphrase is not reported as a broken file or the other way round.
    try:
        return serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        pass  # encrypted, as it should be
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise TrustError("not_a_key", "the CA key file cannot be read") from exc
    try:
        return serialization.load_pem_private_key(key_pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise TrustError("wrong_passphrase", "the passphrase does not open the CA key") from exc


# Requests and certificates


def make_request(private_key: Ed25519PrivateKey, name: str) -> bytes:
    """A PEM certificate request for an installation's Ed25519 key. The name is a suggestion:
    the privacy officer chooses the name in the certificate."""
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, _checked_name(name))]))
        .sign(private_key, None)  # Ed25519 signs the message itself: no separate hash
    )
    return request.public_bytes(_PEM)


def certify(
    request_pem: bytes,
    authority: UnlockedAuthority,
    name: str,
    days: int = LEAF_DAYS,
    now: datetime | None = None,
) -> bytes:
    """Issue an installation certificate (PEM) for the key in a request, under `name`.

    The request's own subject is ignored. The validity ends at the latest with the CA's.
    """
    try:
        request = x509.load_pem_x509_csr(request_pem)
    except ValueError as exc:
        raise TrustError("bad_request", "not a PEM certificate request") from exc
    try:
        signature_valid = request.is_signature_valid
        public_key = request.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise TrustError("bad_request", f"the request cannot be read: {exc}") from exc
    if not signature_valid:
        raise TrustError("bad_signature", "the request's signature does not verify")
    if not isinstance(public_key, Ed25519PublicKey):
        raise TrustError("bad_request", "the request is not for an Ed25519 installation key")

    now = _utc(now)
    ca = authority.certificate
    if now > ca.not_valid_after_utc:
        raise TrustError("expired", "the CA certificate has expired")
    not_after = min(now + timedelta(days=days), ca.not_valid_after_utc)
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, _checked_name(name)),
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME, _attribute(ca.subject, NameOID.ORGANIZATION_NAME)
            ),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(authority.private_key, hashes.SHA256())
    )
    return certificate.public_bytes(_PEM)


def verify_installation(cert_pem: bytes, ca_pem: bytes, at: datetime) -> Installation:
    """The installation a certificate names, if it was issued by this CA and both were valid at
    `at` (the seal's time). TrustError otherwise."""
    at = _utc(at)
    leaf = _load_certificate(cert_pem, "installation certificate")
    ca = _load_certificate(ca_pem, "CA certificate")
    _require_ca(ca)

    # Our own checks first, for a precise reason; the path validation below has the last word.
    try:
        leaf_aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound as exc:
        raise TrustError("untrusted", "the certificate does not say which CA issued it") from exc
    if leaf.issuer != ca.subject or leaf_aki.key_identifier != ca_ski.digest:
        raise TrustError("untrusted", "the certificate was issued by another CA")
    try:
        leaf.verify_directly_issued_by(ca)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise TrustError("bad_signature", "the certificate's signature does not verify") from exc
    for certificate, what in ((ca, "the CA certificate"), (leaf, "the certificate")):
        if at < certificate.not_valid_before_utc:
            raise TrustError("not_yet_valid", f"{what} was not yet valid at {at.isoformat()}")
        if at > certificate.not_valid_after_utc:
            raise TrustError("expired", f"{what} had expired at {at.isoformat()}")
    public_key = leaf.public_key()
    if not isinstance(public_key, Ed25519PublicKey):
        raise TrustError("wrong_usage", "the certificate is not for an Ed25519 installation key")
    _require_sealing_leaf(leaf)

    # The leaf has no clientAuth and no subject alternative name, and its key is Ed25519: the
    # default end-entity policy would refuse it, so it is permitted here and checked above.
    verifier = (
        PolicyBuilder()
        .store(Store([ca]))
        .time(at)
        .max_chain_depth(0)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, [])
    except VerificationError as exc:
        raise TrustError("untrusted", f"the certificate does not chain to the CA: {exc}") from exc

    return Installation(
        name=_attribute(leaf.subject, NameOID.COMMON_NAME),
        organisation=_attribute(leaf.subject, NameOID.ORGANIZATION_NAME),
        public_key=public_key.public_bytes(_RAW, serialization.PublicFormat.Raw),
        fingerprint_hex=public_key_fingerprint_hex(public_key),
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        serial=leaf.serial_number,
        ca_fingerprint_hex=certificate_fingerprint_hex(ca),
    )


def public_key_matches(cert_pem: bytes, public_key: Ed25519PublicKey) -> bool:
    """Whether a certificate is for this Ed25519 key (`enroll --cert` refuses one for another)."""
    certified = _load_certificate(cert_pem, "installation certificate").public_key()
    if not isinstance(certified, Ed25519PublicKey):
        return False
    raw = serialization.PublicFormat.Raw
    return certified.public_bytes(_RAW, raw) == public_key.public_bytes(_RAW, raw)


# The signed policy


def sign_policy(policy_bytes: bytes, authority: UnlockedAuthority) -> bytes:
    """The content of `POLICY.toml.sig`: a raw DER ECDSA-SHA256 signature over the exact bytes."""
    return authority.private_key.sign(policy_bytes, ec.ECDSA(hashes.SHA256()))


def verify_policy(policy_bytes: bytes, signature: bytes, ca_pem: bytes) -> None:
    """TrustError("bad_signature") unless `signature` is the CA's signature over these bytes."""
    ca = _load_certificate(ca_pem, "CA certificate")
    public_key = ca.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise TrustError("not_a_ca", "the CA certificate does not hold an ECDSA key")
    try:
        public_key.verify(signature, policy_bytes, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise TrustError("bad_signature", "the policy is not signed by this CA") from exc


# Helpers


def _load_certificate(pem: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise TrustError("not_a_certificate", f"the {what} is not a PEM certificate") from exc


def _require_ca(certificate: x509.Certificate) -> None:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise TrustError("not_a_ca", "the certificate is not a CA certificate")


def _require_sealing_leaf(leaf: x509.Certificate) -> None:
    """CA:FALSE, digitalSignature, and documentSigning or emailProtection."""
    extensions = leaf.extensions
    try:
        constraints = extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
        extended = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise TrustError("wrong_usage", f"the certificate lacks an extension: {exc}") from exc
    if constraints.ca:
        raise TrustError("wrong_usage", "a CA certificate cannot seal recordings")
    if not usage.digital_signature:
        raise TrustError("wrong_usage", "the certificate does not allow digital signatures")
    if not SEALING_USAGES.intersection(extended):
        raise TrustError("wrong_usage", "the certificate is not for signing documents")


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    attributes = name.get_attributes_for_oid(oid)
    if not attributes:
        return ""
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise TrustError("bad_name", f"a name must be 1 to {MAX_NAME} characters")
    return name


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone")
    return moment.astimezone(UTC)
