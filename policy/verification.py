"""Verifying what a person hands us, once for both faces: a recording (container), an exported
folder or a lone exported audio file, recognised by its content, checked against the keys this
computer trusts, logged in the audit trail when there is a vault, and returned as a typed result
that the command line and the window each render in their own way.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from audio.container import layout as container
from audio.container.verify import Report
from audio.encoding import parse_time
from audio.errors import GespreksError, IntegrityError, VaultError
from audio.vault.keys import VerifyKey
from policy.display import visible
from policy.policy import Policy
from policy.timestamping import DEFAULT_MAX_DELAY, SealTime, judge_seal
from resources.catalogue import text

if TYPE_CHECKING:
    from audio.archive.publicseal import PublicSeal
    from audio.copies.verify import CopyReport as CopyReport  # re-exported for the faces' types
    from audio.trust.certificates import Installation
    from policy.workspace import Workspace

__all__ = [
    "Anchors",
    "KeylessVerified",
    "Kind",
    "Report",
    "Trust",
    "Verified",
    "kind_of",
    "trusted_keys",
    "verify_keyless",
    "verify_path",
]


class Kind(StrEnum):
    CONTAINER = "container"
    FOLDER = "folder"
    COPY = "copy"


def kind_of(path: Path) -> Kind:
    """What `path` is, by its content (never by its name): a folder is a copy folder, a file
    that starts with the container's magic is a recording, anything else a lone copy."""
    if path.is_dir():
        return Kind.FOLDER
    with open(path, "rb") as handle:
        head = handle.read(len(container.MAGIC_PREFIX))
    return Kind.CONTAINER if head == container.MAGIC_PREFIX else Kind.COPY


def trusted_keys(own: VerifyKey | None, policy: Policy, this_installation: str) -> dict[bytes, str]:
    """The keys whose seals are trusted, with the name to show: this installation's (only as
    authenticated by unlocking) and the installations the organisation's policy lists."""
    trusted = {own.raw: this_installation} if own is not None else {}
    for entry in policy.trusted_keys:
        trusted.setdefault(entry.key.raw, entry.name)
    return trusted


@dataclass(frozen=True)
class Anchors:
    """What the person checking names as trustworthy, besides this computer's own trust: the
    organisation's CA certificates (PEM; `--ca`), public keys (`--key`) and fingerprints
    (`--fingerprint`, in any printed form: hex SHA-256 with or without colons, or the short
    base32 form)."""

    cas: tuple[bytes, ...] = ()
    keys: tuple[VerifyKey, ...] = ()
    fingerprints: tuple[str, ...] = ()
    tsa_cas: tuple[bytes, ...] = ()  # time-stamping authorities' CA certificates (--tsa-ca)

    @classmethod
    def read(
        cls,
        cas: list[str],
        keys: list[str],
        fingerprints: list[str],
        tsa_cas: tuple[str, ...] | list[str] = (),
    ) -> Anchors:
        """From the command line's values; GespreksError names what cannot be used."""

        def certificates(names: tuple[str, ...] | list[str]) -> tuple[bytes, ...]:
            found = []
            for name in names:
                data = _read_small(name)
                if b"-----BEGIN CERTIFICATE-----" not in data:
                    raise GespreksError("error.not_a_certificate_file", path=name)
                found.append(data)
            return tuple(found)

        ca_pems = certificates(cas)
        verify_keys = []
        for name in keys:
            try:
                verify_keys.append(VerifyKey.from_text(_read_small(name).decode("ascii")))
            except (ValueError, UnicodeError) as exc:
                raise GespreksError("error.not_a_public_key", path=name) from exc
        prints = tuple(map(_fingerprint, fingerprints))
        return cls(ca_pems, tuple(verify_keys), prints, certificates(tsa_cas))


def _read_small(name: str) -> bytes:
    try:
        with open(name, "rb") as handle:
            return handle.read(64 << 10)
    except OSError as exc:
        raise GespreksError("error.cannot_read", path=name, reason=exc.strerror) from exc


def _fingerprint(text: str) -> str:
    """A fingerprint as typed, in the one form it is compared in: lower-case hex (64 digits),
    or the short base32 form upper-case without separators."""
    from audio.trust.certificates import normalise_hex

    compact = "".join(text.split()).replace("-", "")
    try:
        value = normalise_hex(text)
        if len(value) == 64:
            return value
    except ValueError:
        pass
    try:
        base64.b32decode(compact.upper())
    except (binascii.Error, ValueError) as exc:
        raise GespreksError("error.not_a_fingerprint", value=text[:80]) from exc
    return compact.upper()


@dataclass(frozen=True)
class Trust:
    """Whose seal a copy carries, and why this computer knows it (or does not)."""

    known: bool
    how: str  # own | policy | certificate | key | fingerprint | unknown
    name: str  # the name to show: an installation's, or "" when unknown
    fingerprint_hex: str  # SHA-256 of the key's DER, as openssl and sha256sum print it
    fingerprint: str  # the short base32 form
    installation: Installation | None = None  # when a certificate names it

    def describe(self, lang: str) -> str:
        """Whose key it is, in words (the same for both faces)."""
        organisation = self.installation.organisation if self.installation else ""
        return text(
            f"verify.trust_{self.how}",
            lang,
            name=visible(self.name),
            organisation=visible(organisation),
            fingerprint_hex=self.fingerprint_hex,
        )

    def advice(self, lang: str, publication_url: str | None) -> str:
        """For a key not known here: the verdict and the three ways to check whose it is."""
        where = text("verify.where", lang, url=publication_url) if publication_url else ""
        return text(
            "verify.unknown_signer",
            lang,
            fingerprint_hex=self.fingerprint_hex,
            fingerprint=self.fingerprint,
            where=where,
        )


def judge(
    signer: VerifyKey,
    certificate: str | None,
    at: datetime,
    own: VerifyKey | None,
    trusted: dict[bytes, str],
    cas: tuple[bytes, ...],
    anchors: Anchors,
    stamped_at: datetime | None = None,
    claimed: datetime | None = None,
) -> Trust:
    """Decide whether a seal's key is known here, and how. A certificate counts only when it
    names this very key and chains to a CA this computer trusts (the one in the organisation's
    signed policy, or one named with --ca) now (`at`), or at a time a trusted timestamp vouches
    for (`stamped_at`). The time the copy claims it was made (`claimed`) is the signer's own
    word: a certificate valid only then is reported, not trusted."""
    from audio.trust.certificates import TrustError, verify_installation

    def found(how: str, name: str, installation: Installation | None = None) -> Trust:
        return Trust(True, how, name, signer.fingerprint_hex, signer.fingerprint, installation)

    if own is not None and signer.raw == own.raw:
        return found("own", trusted[own.raw])
    if signer.raw in trusted:
        return found("policy", trusted[signer.raw])
    if certificate is not None:
        expired: Installation | None = None
        for ca in cas:
            for moment in (at, stamped_at, claimed):
                if moment is None:
                    continue
                try:
                    installation = verify_installation(certificate.encode("ascii"), ca, moment)
                except (TrustError, UnicodeError, ValueError):
                    continue
                if installation.public_key != signer.raw:
                    break  # another key's certificate: no moment makes it this one's
                if moment is claimed:
                    expired = installation
                    break
                return found("certificate", installation.name, installation)
        if expired is not None:
            return Trust(
                False, "expired", expired.name, signer.fingerprint_hex, signer.fingerprint, expired
            )
    if any(key.raw == signer.raw for key in anchors.keys):
        return found("key", "")
    wanted = {signer.fingerprint_hex, signer.fingerprint.replace("-", "").upper()}
    if wanted & set(anchors.fingerprints):
        return found("fingerprint", "")
    return Trust(False, "unknown", "", signer.fingerprint_hex, signer.fingerprint)


@dataclass(frozen=True)
class Verified:
    """A successful verification: of a recording (`recording`) or of a copy (`copy`, with the
    folder's `files` when a folder was checked). A copy is intact whatever `trust` says; the
    faces report an intact copy by an unknown key apart (exit code 3)."""

    kind: Kind
    path: Path
    recording: Report | None = None
    copy: CopyReport | None = None
    files: tuple[str, ...] = ()
    trust: Trust | None = None
    seal_time: SealTime | None = None  # what the seal's RFC 3161 timestamp says
    # The copy's Content Credentials (C2PA) as c2pa reads them with the trusted CAs as anchors:
    # Trusted, Valid (intact, signer not anchored here), Invalid, none, or unavailable.
    credentials: str = "none"


def verify_path(
    path: Path,
    *,
    workspace: Workspace | None,
    policy: Policy,
    this_installation: str,
    deep: bool = False,
    anchors: Anchors = Anchors(),
) -> Verified:
    """Verify a recording, a copy folder or a lone copy. IntegrityError when it was changed
    (logged too); UnsupportedVersion, GespreksError or OSError when it cannot be read. A
    recording needs this computer's vault (`workspace`); a copy is checked with or without one
    (without, only the policy's installations are trusted)."""
    kind = kind_of(path)
    if kind is Kind.CONTAINER:
        if workspace is None:
            raise VaultError("error.no_vault_for_recording")
        return Verified(kind, path, recording=workspace.verify(path, this_installation))
    from audio.copies.verify import verify_copy, verify_folder  # the copy stack, only for copies

    own = workspace.vault.signing_key.public if workspace is not None else None
    trusted = trusted_keys(own, policy, this_installation)
    try:
        if kind is Kind.FOLDER:
            folder = verify_folder(path, None, deep=deep)
            copy, files = folder.audio, tuple(folder.files)
        else:
            copy, files = verify_copy(path, None), ()
    except IntegrityError as exc:
        _log(workspace, path, exc.part, None)
        raise
    record = copy.record
    ca = policy.organisation_ca if policy.provenance.in_force else None
    cas = ((ca,) if ca else ()) + anchors.cas
    seal_time = _copy_seal_time(path, kind, copy, policy, anchors)
    vouched = seal_time.anchored and seal_time.state in ("stamped", "late")
    claimed = datetime.fromtimestamp(parse_time(record.exported), UTC)  # the signer's word
    trust = judge(
        record.signer,
        record.certificate,
        datetime.now(UTC),
        own,
        trusted,
        cas,
        anchors,
        stamped_at=seal_time.time if vouched else None,
        claimed=claimed,
    )
    found = _credentials(copy.path, cas)
    _log(workspace, path, "intact" if trust.known else "unknown_signer", record.recording_id)
    return Verified(
        kind, path, copy=copy, files=files, trust=trust, seal_time=seal_time, credentials=found
    )


@dataclass(frozen=True)
class KeylessVerified:
    """A container checked without any key against its public seal (`verify --keyless`)."""

    path: Path
    seal: PublicSeal
    sha256: str
    size: int
    trust: Trust
    seal_time: SealTime | None  # what the seal's token says, when one was found beside it


def verify_keyless(
    path: Path,
    seal_file: Path | None,
    *,
    workspace: Workspace | None,
    policy: Policy,
    this_installation: str,
    anchors: Anchors = Anchors(),
) -> KeylessVerified:
    """Check a container byte for byte against its public seal, with no passphrase and no
    key: complete and unchanged (IntegrityError otherwise), and whose key signed the seal
    (`trust`). The seal is `seal_file`, else `<id>.seal.json` beside the container, else the
    one this vault keeps. A token `<id>.tsr` beside the seal is checked against the TSA in
    force or named with --tsa-ca."""
    from audio.archive.publicseal import SUFFIX, PublicSeal, check_container, seal_path

    candidates = [seal_file] if seal_file is not None else [seal_path(path)]
    if seal_file is None and workspace is not None:
        candidates.append(workspace.vault.root / "seals" / (path.stem + SUFFIX))
    found = next((file for file in candidates if file is not None and file.is_file()), None)
    if found is None:
        raise IntegrityError("public_seal_missing", None, name=path.stem + SUFFIX)
    seal = PublicSeal.parse(_read_small(str(found)))
    checked = check_container(path, seal)
    own = workspace.vault.signing_key.public if workspace is not None else None
    trusted = trusted_keys(own, policy, this_installation)
    ca = policy.organisation_ca if policy.provenance.in_force else None
    cas = ((ca,) if ca else ()) + anchors.cas
    seal_time = None
    token_file = found.with_name(found.name.removesuffix(SUFFIX) + ".tsr")
    tsa_ca = policy.timestamps.ca_certificate if policy.timestamps else None
    tsa_ca = anchors.tsa_cas[0] if anchors.tsa_cas else tsa_ca
    if token_file.is_file():
        max_delay = policy.timestamps.max_delay_minutes if policy.timestamps else 60
        seal_time = judge_seal(
            _read_small(str(token_file)), seal.seal_sha256, seal.ended, tsa_ca, max_delay
        )
    vouched = seal_time is not None and seal_time.state in ("stamped", "late")
    trust = judge(
        VerifyKey(seal.public_key),
        seal.certificate,
        datetime.now(UTC),
        own,
        trusted,
        cas,
        anchors,
        stamped_at=seal_time.time if vouched and seal_time is not None else None,
    )
    return KeylessVerified(path, seal, checked.sha256, checked.size, trust, seal_time)


def _credentials(audio: Path, cas: tuple[bytes, ...]) -> str:
    """Read the copy's Content Credentials with each trusted CA (the first that makes them
    Trusted wins). A manifest c2pa cannot read is a changed copy (IntegrityError)."""
    from audio.copies import credentials

    best = "none"
    try:
        for ca in cas or (None,):
            state = credentials.read(audio, ca).state
            if state == "Trusted":
                return state
            best = state if best in ("none", "Valid") else best
    except credentials.CredentialsUnavailable:
        return "unavailable"
    except credentials.CredentialsDamaged as exc:
        raise IntegrityError("copy_tags", None, item="C2PA") from exc
    return best


def _copy_seal_time(
    path: Path, kind: Kind, copy: CopyReport, policy: Policy, anchors: Anchors
) -> SealTime:
    """A folder's zegel.tsr, checked against the seal the signed copy record names and a TSA
    certificate: the policy's TSA when one is in force, one named with --tsa-ca, else the
    copy's own tsa.pem, which proves nothing by itself: the result then says so and gives that
    certificate's fingerprint, for the reader to compare with the published one."""
    from audio.copies.verify import SEAL_TIMESTAMP, TSA_CERTIFICATE

    record = copy.record
    token_file = path / SEAL_TIMESTAMP
    if kind is not Kind.FOLDER or not token_file.is_file() or not record.seal_sha256:
        return SealTime("none")
    tsa = policy.timestamps
    delay = tsa.max_delay_minutes if tsa else DEFAULT_MAX_DELAY
    ended = record.ended or record.started
    token = token_file.read_bytes()
    trusted = ((tsa.ca_certificate,) if tsa else ()) + anchors.tsa_cas
    judged = SealTime("invalid")
    for ca in trusted:
        judged = judge_seal(token, record.seal_sha256, ended, ca, delay)
        if judged.state in ("stamped", "late", "mismatch"):
            return judged
    own = _read_optional(path / TSA_CERTIFICATE)
    if own is None:
        return judged
    return judge_seal(token, record.seal_sha256, ended, own, delay, anchored=False)


def _read_optional(file: Path) -> bytes | None:
    try:
        return file.read_bytes()
    except OSError:
        return None


def _log(workspace: Workspace | None, path: Path, result: str, recording_id: str | None) -> None:
    """A copy check goes into the trail when there is a vault; a citizen's check has none, and
    a trail that cannot be written must not turn a good copy into an error."""
    if workspace is not None:
        workspace.log_if_anchored("verified", recording_id, file=path.name, result=result)
