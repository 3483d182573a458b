"""The organisation's certificate authority and an installation's enrolment with it.

On the privacy officer's (offline) computer: `init_authority` makes the CA in a folder
(`organisatie.pem`, and `organisatie-key.pem` encrypted with the CA passphrase),
`certify_request` issues an installation certificate, `sign_policy_file` writes `POLICY.toml.sig`.

On a laptop: `write_request` writes a certificate request for the installation's Ed25519 key;
`enroll` installs the certificate that comes back. The enrolment (the installation certificate
and the CA it chains to, which is thereby pinned) is kept in the vault as an encrypted,
authenticated document (`UnlockedVault.store_document`, kind "enrolment"); each enrolment is a
new document with a higher sequence number, so a crash while writing never damages the last one.

The pinned CA decides whose policy is in force: `in_force(vault, policy)` (or, with a CA from
elsewhere, `apply_provenance(policy, ca_pem)`) gives the policy with its recovery keys, trusted
keys and TSA only when that CA signed it. `enrolment_status` says what the faces show.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from audio.durable import write_atomic, write_durably
from audio.encoding import iso_time
from audio.errors import GespreksError, VaultError
from audio.trust.certificates import (
    CA_DAYS,
    LEAF_DAYS,
    AuthorityInfo,
    Installation,
    TrustError,
    UnlockedAuthority,
    authority_info,
    certificate_fingerprint_hex,
    certify,
    colon_hex,
    load_authority,
    load_certificate,
    make_authority,
    make_request,
    public_key_fingerprint_hex,
    public_key_matches,
    sign_policy,
    verify_installation,
    verify_policy,
)
from audio.vault.keys import VerifyKey, fingerprint
from policy.enrolment import (
    ENROLMENT,
    ENROLMENT_VERSION,
    apply_provenance,
    current_enrolment,
    in_force,
)
from policy.passphrase import check_strength
from policy.policy import Policy, ProvenanceKind, load_policy, signature_path
from resources.catalogue import text

if TYPE_CHECKING:
    from audio.vault.store import UnlockedVault
    from policy.workspace import Workspace

CA_CERTIFICATE = "organisatie.pem"
CA_KEY = "organisatie-key.pem"
MAX_PEM = 64 << 10


# -- the authority's files -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewAuthority:
    certificate: Path
    key: Path
    info: AuthorityInfo


def init_authority(out: Path, name: str, passphrase: str) -> NewAuthority:
    """Make the organisation's CA in `out`: never over an existing file. The passphrase must be
    strong: the key signs the policy that decides who may open recordings."""
    certificate, key = out / CA_CERTIFICATE, out / CA_KEY
    for path in (certificate, key):
        if path.exists() or path.is_symlink():
            raise GespreksError("error.file_exists", path=str(path))
    check_strength(passphrase, [name])
    authority = make_authority(name, passphrase.encode("utf-8"))
    try:
        write_durably(key, authority.key_pem, exclusive=True)  # private: 0600
        write_durably(certificate, authority.certificate_pem, exclusive=True)
        os.chmod(certificate, 0o644)  # the certificate is public
    except FileExistsError as exc:
        raise GespreksError("error.file_exists", path=str(exc.filename)) from exc
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc
    return NewAuthority(certificate, key, authority_info(authority.certificate_pem))


def open_authority(ca_dir: Path, passphrase: str) -> UnlockedAuthority:
    """The CA in `ca_dir`, its key opened with the passphrase (TrustError "wrong_passphrase")."""
    certificate, key = ca_dir / CA_CERTIFICATE, ca_dir / CA_KEY
    if not certificate.is_file() or not key.is_file():
        raise GespreksError("org.no_authority", path=str(ca_dir))
    return load_authority(_read(certificate), _read(key), passphrase.encode("utf-8"))


# -- requests and certificates --------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFingerprints:
    """An installation key's fingerprints: the hex SHA-256 of its DER SubjectPublicKeyInfo (what
    `openssl pkey -pubin -outform DER | sha256sum` prints) and the short base32 form of `key`."""

    hex: str
    short: str


def key_fingerprints(public_key: Ed25519PublicKey | VerifyKey) -> KeyFingerprints:
    if isinstance(public_key, VerifyKey):
        public_key = Ed25519PublicKey.from_public_bytes(public_key.raw)
    return KeyFingerprints(
        public_key_fingerprint_hex(public_key), fingerprint(public_key.public_bytes_raw())
    )


@dataclass(frozen=True)
class Request:
    path: Path
    name: str
    key: KeyFingerprints


def write_request(vault: UnlockedVault, out: Path, name: str) -> Request:
    """A PEM certificate request for this installation's signing key, never over a file."""
    if out.exists() or out.is_symlink():
        raise GespreksError("error.file_exists", path=str(out))
    private = vault.signing_key.private
    pem = make_request(private, name)
    _write_public(out, pem)
    return Request(out, name.strip(), key_fingerprints(private.public_key()))


@dataclass(frozen=True)
class Issued:
    path: Path
    installation: Installation
    key: KeyFingerprints
    authority: AuthorityInfo


def certify_request(
    request: Path, authority: UnlockedAuthority, name: str, out: Path, days: int | None = None
) -> Issued:
    """Issue the installation certificate for a request, as `out` (never over a file), valid
    for `days` (LEAF_DAYS when None), at most as long as the CA."""
    days = LEAF_DAYS if days is None else days
    if not 1 <= days <= CA_DAYS:
        raise GespreksError("org.bad_days", low=1, high=CA_DAYS)
    if out.exists() or out.is_symlink():
        raise GespreksError("error.file_exists", path=str(out))
    pem = certify(_read(request), authority, name, days)
    ca_pem = authority.certificate.public_bytes(Encoding.PEM)
    installation = verify_installation(pem, ca_pem, datetime.now(UTC))  # what we issued works
    _write_public(out, pem)
    return Issued(out, installation, _certificate_key(pem), authority_info(ca_pem))


@dataclass(frozen=True)
class SignedPolicy:
    policy: Policy
    signature: Path
    authority: AuthorityInfo
    names_ca: bool  # whether the policy names the CA in [organisation] ca_certificate


def sign_policy_file(file: Path, authority: UnlockedAuthority) -> SignedPolicy:
    """Write FILE.sig: the CA's signature over the exact bytes of a policy that loads (an
    invalid policy is never signed). A policy naming another CA is refused: it would not be
    the organisation's anywhere that trusts that CA."""
    policy = load_policy(file)
    ca_pem = authority.certificate.public_bytes(Encoding.PEM)
    info = authority_info(ca_pem)
    named = policy.organisation_ca
    if named is not None and certificate_fingerprint_hex(named) != info.fingerprint_hex:
        raise GespreksError(
            "org.policy_names_other_ca",
            file=str(file),
            named=colon_hex(certificate_fingerprint_hex(named)),
            ca=info.fingerprint_colons,
        )
    target = signature_path(file)
    try:
        write_atomic(target, sign_policy(policy.source, authority), private=False)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(target), reason=exc.strerror) from exc
    signed = apply_provenance(load_policy(file), ca_pem)
    if signed.provenance.kind is not ProvenanceKind.ORGANISATION:  # changed meanwhile
        raise GespreksError("org.policy_changed", file=str(file))
    return SignedPolicy(signed, target, info, named is not None)


def authorise_ca(new_ca: Path, authority: UnlockedAuthority) -> Path:
    """The pinned CA's consent to a new one (a CA rollover): NEWCA.pem.sig beside it, the old
    CA's signature over the exact bytes of the new CA's certificate file. `enroll --replace-ca`
    accepts no other CA without it."""
    data = _read(new_ca)
    authority_info(data)  # a CA certificate, or TrustError
    target = signature_path(new_ca)
    try:
        write_atomic(target, sign_policy(data, authority), private=False)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(target), reason=exc.strerror) from exc
    return target


# -- enrolment -------------------------------------------------------------------------------------


def enroll(
    workspace: Workspace,
    certificate: Path,
    ca_certificate: bytes | None,
    *,
    replace_ca: bool = False,
    ca_authorisation: bytes | None = None,
    now: datetime | None = None,
) -> EnrolmentStatus:
    """Install an installation certificate: it must be for this installation's key and chain
    to the CA now. The CA is pinned; another CA than the one pinned needs `replace_ca`. The
    workspace's policy is judged again against the new pin."""
    vault = workspace.vault
    cert_pem = _read(certificate)
    own = vault.signing_key.private.public_key()
    if not public_key_matches(cert_pem, own):
        raise GespreksError(
            "enrol.other_key",
            path=str(certificate),
            certified=_certificate_key(cert_pem).hex,
            own=public_key_fingerprint_hex(own),
        )
    if ca_certificate is None:
        raise GespreksError("enrol.no_ca")
    ca = authority_info(ca_certificate)
    installation = verify_installation(cert_pem, ca_certificate, now or datetime.now(UTC))
    current = current_enrolment(vault)
    if current is not None:
        pinned = authority_info(current.ca_certificate)
        other = pinned.fingerprint_hex != ca.fingerprint_hex
        names = {
            "pinned": f"{pinned.name} ({pinned.fingerprint_colons})",
            "new": f"{ca.name} ({ca.fingerprint_colons})",
        }
        if other and not replace_ca:
            raise GespreksError("enrol.other_ca", **names)
        if other:
            # Only the pinned CA can hand over to another: the passphrase alone is not enough
            # (org-authorise-ca NEWCA.pem --ca-dir OLD writes NEWCA.pem.sig).
            try:
                verify_policy(ca_certificate, ca_authorisation or b"", current.ca_certificate)
            except TrustError as exc:
                raise GespreksError("enrol.replace_unauthorised", **names) from exc
    doc: dict[str, Any] = {
        "version": ENROLMENT_VERSION,
        "certificate": cert_pem.decode("ascii"),
        "ca_certificate": ca_certificate.decode("ascii"),
        "enrolled": iso_time(datetime.now(UTC).timestamp()),
        "sequence": (current.sequence if current is not None else 0) + 1,
    }
    vault.store_document(ENROLMENT, str(uuid.uuid4()), doc)
    workspace.audit.append(
        "enrolled",
        installation=installation.name,
        organisation=installation.organisation,
        serial=format(installation.serial, "x"),
        key_fingerprint=installation.fingerprint_hex,
        ca_fingerprint=ca.fingerprint_hex,
    )
    workspace.policy = in_force(vault, workspace.policy)  # judged against the new pin
    workspace.audit.employee = installation.name  # the trail names the employee from now on
    return enrolment_status(vault, now)


@dataclass(frozen=True)
class EnrolmentStatus:
    """What the faces show about this installation's enrolment (`show`, `key`, settings)."""

    enrolled: bool
    key: KeyFingerprints  # this installation's key
    damaged: bool = False  # an enrolment document cannot be read: nothing is pinned
    installation: str = ""  # the name in the certificate
    organisation: str = ""
    ca_name: str = ""
    ca_fingerprint_hex: str = ""  # SHA-256 of the CA certificate's DER
    not_before: datetime | None = None
    not_after: datetime | None = None
    enrolled_at: str = ""
    valid: bool = False  # the certificate chains to the pinned CA now
    problem: str = ""  # a catalogue key saying why it is not valid now
    certificate_pem: bytes = b""
    ca_certificate_pem: bytes = b""

    @property
    def ca_fingerprint_colons(self) -> str:
        """As `openssl x509 -noout -fingerprint -sha256 -in organisatie.pem` prints it."""
        return colon_hex(self.ca_fingerprint_hex) if self.ca_fingerprint_hex else ""

    def lines(self, lang: str) -> list[str]:
        """The status in words, one line each."""
        key = text("enrol.status.key", lang, hex=self.key.hex, short=self.key.short)
        if self.damaged:
            return [text("enrol.status.damaged", lang), key]
        if not self.enrolled:
            return [text("enrol.status.none", lang), key]
        until = self.not_after.date().isoformat() if self.not_after else "-"
        out = [
            text("enrol.status.enrolled", lang, name=self.installation, ca=self.ca_name),
            key,
            text(
                "enrol.status.ca", lang, name=self.ca_name, fingerprint=self.ca_fingerprint_colons
            ),
            text("enrol.status.until", lang, date=until),
        ]
        if not self.valid:
            out.append(text("enrol.status.invalid", lang, reason=text(self.problem, lang)))
        return out

    def document(self) -> dict[str, Any]:
        return {
            "enrolled": self.enrolled,
            "damaged": self.damaged,
            "installation": self.installation or None,
            "organisation": self.organisation or None,
            "key_fingerprint": self.key.hex,
            "key_fingerprint_short": self.key.short,
            "ca": self.ca_name or None,
            "ca_fingerprint": self.ca_fingerprint_hex or None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "enrolled_at": self.enrolled_at or None,
            "valid": self.valid,
            "problem": self.problem or None,
        }


def enrolment_status(vault: UnlockedVault, now: datetime | None = None) -> EnrolmentStatus:
    """This installation's enrolment: none, damaged, or which CA and whether it holds now."""
    key = key_fingerprints(vault.signing_key.private.public_key())
    try:
        current = current_enrolment(vault)
    except VaultError:
        return EnrolmentStatus(enrolled=False, key=key, damaged=True)
    if current is None:
        return EnrolmentStatus(enrolled=False, key=key)
    ca = authority_info(current.ca_certificate)
    leaf = load_certificate(current.certificate)
    problem, installation = "", None
    try:
        installation = verify_installation(
            current.certificate, current.ca_certificate, now or datetime.now(UTC)
        )
    except TrustError as exc:
        problem = exc.key
    names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    orgs = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return EnrolmentStatus(
        enrolled=True,
        key=key,
        installation=str(names[0].value) if names else "",
        organisation=str(orgs[0].value) if orgs else "",
        ca_name=ca.name,
        ca_fingerprint_hex=ca.fingerprint_hex,
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        enrolled_at=current.enrolled,
        valid=installation is not None,
        problem=problem,
        certificate_pem=current.certificate,
        ca_certificate_pem=current.ca_certificate,
    )


# -- helpers ---------------------------------------------------------------------------------------


def read_certificate_file(path: Path) -> bytes:
    """A PEM file named on the command line (`--ca`), with a clear error when unreadable."""
    return _read(path)


def _read(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PEM + 1)
    except OSError as exc:
        raise GespreksError("error.cannot_read", path=str(path), reason=exc.strerror) from exc
    if len(data) > MAX_PEM:
        raise GespreksError("error.cannot_read", path=str(path), reason=f"> {MAX_PEM} bytes")
    return data


def _write_public(path: Path, data: bytes) -> None:
    """A certificate or request: readable by others, written whole, never over a file."""
    try:
        write_durably(path, data, exclusive=True)
        os.chmod(path, 0o644)
    except FileExistsError as exc:
        raise GespreksError("error.file_exists", path=str(path)) from exc
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(path), reason=exc.strerror) from exc


def _certificate_key(cert_pem: bytes) -> KeyFingerprints:
    public = load_certificate(cert_pem).public_key()
    if not isinstance(public, Ed25519PublicKey):
        raise TrustError("wrong_usage", "the certificate is not for an Ed25519 installation key")
    return key_fingerprints(public)
