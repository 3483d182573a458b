"""The organisation's policy file: purposes, legal bases, retention, contacts, keys and texts.

The file is TOML (`resources/policy/default.toml` is the default). It is validated on load; every
problem names the setting and its line, so an IT department can fix it without a programmer.

The organisation signs its policy with its CA (`gespreksopname org-sign-policy`): the signature is
`FILE.sig` beside the file. Only a policy signed by the CA this installation is enrolled with
(`Provenance.kind` "organisation") puts recovery recipients, trusted keys and a time-stamping
authority in force; any other policy keeps working for everything else, and what it names is
kept in `declared`, to be shown as ignored. `load_policy` cannot know the enrolment (it lives in
the vault): it judges without it, and `Policy.under(pinned CA)` (called through
`policy.organisation.in_force` once the vault is unlocked) judges again with it.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from audio.vault.keys import RecoveryPublicKey, VerifyKey
from policy.schema import Checker, DocumentError, PathPart, parse_toml
from resources import path as resource_path
from resources.catalogue import text as catalogue_text

if TYPE_CHECKING:
    from audio.trust.certificates import AuthorityInfo

SCHEMA_VERSION = 1
ENV_POLICY = "GESPREKSOPNAME_POLICY"
LANGUAGES = ("nl", "en")
LEGAL_BASES = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
)
# AVG art. 6(1), last sentence: a public authority cannot base its tasks on legitimate interests.
NOT_FOR_PUBLIC_AUTHORITIES = ("legitimate_interests",)
ALTERNATIVES = ("representative", "listen_only", "written_summary")
CONTACTS = ("general", "privacy_contact_point", "privacy_officer", "privacy_coordinator", "fg")
TEXTS = ("announcement", "private_use_notice", "refusal_letter", "copy_readme")
# Texts added later (issue 16): a policy file may leave them out; the bundled policy's are used
# then, so that a municipality's existing policy keeps loading.
OPTIONAL_TEXTS = ("citizen_rights", "rules_sheet", "breach_report", "deletion_receipt")
SIGNATURE_SUFFIX = ".sig"
MAX_SIGNATURE = 1024  # a DER ECDSA P-256 signature is at most 72 bytes
MAX_POLICY = 4 << 20
MAX_CERTIFICATE = 64 << 10
DEFAULT_MAX_DELAY_MINUTES = 60
MAX_DELAY_MINUTES = 7 * 24 * 60


class PolicyError(DocumentError):
    """The policy file cannot be read or is not valid."""


@dataclass(frozen=True)
class TrustedKey:
    name: str
    key: VerifyKey


@dataclass(frozen=True)
class Timestamps:
    """The time-stamping authority (RFC 3161) the policy names."""

    url: str
    ca_certificate: bytes  # PEM
    max_delay_minutes: int


@dataclass(frozen=True)
class ArchiveSettings:
    """The organisation's archive (S3 with Object Lock) the policy names. No credentials here:
    they come from the environment, the OS keyring or a credentials file (policy.archiving)."""

    endpoint: str
    bucket: str
    region: str
    lock_mode: str  # COMPLIANCE (nobody can shorten or delete early) or GOVERNANCE
    prefix: str  # every installation's objects are under <prefix>/<installation>/
    credentials_file: Path | None  # the file the IT department installs, if not the default


@dataclass(frozen=True)
class Declared:
    """What the file names that only an organisation-signed policy puts in force."""

    recovery_keys: tuple[RecoveryPublicKey, ...] = ()
    trusted_keys: tuple[TrustedKey, ...] = ()
    timestamps: Timestamps | None = None
    archive: ArchiveSettings | None = None

    @property
    def empty(self) -> bool:
        return (
            not self.recovery_keys
            and not self.trusted_keys
            and self.timestamps is None
            and self.archive is None
        )


class ProvenanceKind(StrEnum):
    ORGANISATION = "organisation"  # signed by the CA this installation is enrolled with
    SIGNED = "signed"  # signed by the CA it names; no enrolment (yet) to compare it with
    FOREIGN = "foreign"  # signed, but not by our CA, or the signature does not verify
    UNSIGNED = "unsigned"  # no FILE.sig
    DEFAULT = "default"  # the policy that comes with the program, unsigned


PROVENANCE_PROBLEMS = ("bad_signature", "other_ca", "unknown_signer")


@dataclass(frozen=True)
class Provenance:
    """Whose policy this is, as far as this computer can tell."""

    kind: ProvenanceKind
    sha256: str  # of the policy file's exact bytes
    signature_file: Path | None = None  # FILE.sig, when there is one
    signer_name: str = ""  # the CA whose signature verifies (common name)
    signer_fingerprint: str = ""  # SHA-256 of that CA certificate's DER, lower-case hex
    problem: str = ""  # why it is foreign: one of PROVENANCE_PROBLEMS
    enrolled_fingerprint: str = ""  # the CA it was checked against (this installation's)

    @property
    def in_force(self) -> bool:
        """Whether the policy may name recovery recipients, trusted keys and a TSA."""
        return self.kind is ProvenanceKind.ORGANISATION

    def describe(self, lang: str) -> str:
        """One line in words: whose policy it is and what that means."""
        from audio.trust.certificates import colon_hex

        problem = catalogue_text(f"provenance.problem.{self.problem}", lang) if self.problem else ""
        return catalogue_text(
            f"provenance.{self.kind.value}",
            lang,
            signer=self.signer_name or "-",
            fingerprint=colon_hex(self.signer_fingerprint) if self.signer_fingerprint else "-",
            problem=problem,
        )

    def document(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "sha256": self.sha256,
            "signature_file": str(self.signature_file) if self.signature_file else None,
            "signer": self.signer_name or None,
            "signer_fingerprint": self.signer_fingerprint or None,
            "problem": self.problem or None,
            "enrolled_fingerprint": self.enrolled_fingerprint or None,
            "in_force": self.in_force,
        }


@dataclass(frozen=True)
class Purpose:
    id: str
    labels: dict[str, str]
    legal_bases: tuple[str, ...]
    retention_days: int
    case_number_required: bool

    def label(self, lang: str) -> str:
        return self.labels.get(lang, self.labels["nl"])


class _Blank(dict[str, str]):
    """Leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Policy:
    path: Path
    sha256: str
    schema_version: int
    organisation: str
    key_publication: str
    contacts: dict[str, str]
    purposes: tuple[Purpose, ...]
    texts: dict[str, dict[str, str]]
    alternatives: dict[str, dict[str, str]]
    # In force: empty unless the provenance is "organisation" (see `declared` for the file's).
    recovery_keys: tuple[RecoveryPublicKey, ...] = ()
    trusted_keys: tuple[TrustedKey, ...] = field(default_factory=tuple)
    timestamps: Timestamps | None = None
    archive: ArchiveSettings | None = None  # the organisation's archive; None: local only
    organisation_ca: bytes | None = None  # [organisation] ca_certificate, PEM
    publication_url: str = ""  # where the organisation publishes its CA fingerprint
    declared: Declared = field(default_factory=Declared)
    provenance: Provenance = field(
        default_factory=lambda: Provenance(ProvenanceKind.UNSIGNED, sha256="")
    )
    source: bytes = field(default=b"", repr=False, compare=False)  # the exact bytes signed
    signature: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def named_authority(self) -> AuthorityInfo | None:
        """The CA the policy names in [organisation] ca_certificate (its name, fingerprint)."""
        from audio.trust.certificates import authority_info

        return authority_info(self.organisation_ca) if self.organisation_ca else None

    @property
    def ignored(self) -> Declared:
        """What the file names but cannot put in force (not signed by our organisation)."""
        return Declared() if self.provenance.in_force else self.declared

    def under(self, pinned_ca: bytes | None) -> Policy:
        """This policy judged against the CA this installation is enrolled with (PEM; None when
        it is not enrolled): only when that CA signed it are its keys and TSA in force."""
        provenance = _judge(self, pinned_ca)
        in_force = self.declared if provenance.in_force else Declared()
        return replace(
            self,
            provenance=provenance,
            recovery_keys=in_force.recovery_keys,
            trusted_keys=in_force.trusted_keys,
            timestamps=in_force.timestamps,
            archive=in_force.archive,
        )

    def purpose(self, purpose_id: str | None) -> Purpose | None:
        return next((p for p in self.purposes if p.id == purpose_id), None)

    def text(self, name: str, lang: str, **params: object) -> str:
        """A text of the policy with its placeholders filled in; Dutch when `lang` is unknown."""
        template = self.texts.get(lang, self.texts["nl"])[name]
        values = _Blank({key: str(value) for key, value in params.items()})
        values.setdefault("organisation", self.organisation)
        values.setdefault("key_publication", self.key_publication)
        values.setdefault("contacts", self.contact_lines())
        return template.strip("\n").format_map(values)

    def alternative(self, alternative_id: str, lang: str) -> str:
        return self.alternatives[alternative_id].get(lang, self.alternatives[alternative_id]["nl"])

    def contact_lines(self) -> str:
        return "\n".join(self.contacts[key] for key in CONTACTS if self.contacts.get(key))

    def summary(self, lang: str) -> dict[str, Any]:
        """What `gespreksopname policy --json` prints."""
        from audio.trust.certificates import authority_info

        ignored = self.ignored
        return {
            "file": str(self.path),
            "sha256": self.sha256,
            "provenance": {**self.provenance.document(), "text": self.provenance.describe(lang)},
            "schema_version": self.schema_version,
            "organisation": self.organisation,
            "key_publication": self.key_publication,
            "publication_url": self.publication_url or None,
            "organisation_ca": (
                authority_info(self.organisation_ca).fingerprint_hex
                if self.organisation_ca
                else None
            ),
            "timestamps": _timestamps_json(self.timestamps),
            "archive": _archive_json(self.archive),
            "contacts": self.contacts,
            "purposes": [
                {
                    "id": p.id,
                    "label": p.label(lang),
                    "labels": p.labels,
                    "legal_bases": list(p.legal_bases),
                    "retention_days": p.retention_days,
                    "case_number_required": p.case_number_required,
                }
                for p in self.purposes
            ],
            "recovery_keys": [key.fingerprint for key in self.recovery_keys],
            "trusted_keys": [
                {"name": t.name, "fingerprint": t.key.fingerprint} for t in self.trusted_keys
            ],
            "alternatives": self.alternatives,
            "ignored": {
                "recovery_keys": [key.fingerprint for key in ignored.recovery_keys],
                "trusted_keys": [
                    {"name": t.name, "fingerprint": t.key.fingerprint} for t in ignored.trusted_keys
                ],
                "timestamps": _timestamps_json(ignored.timestamps),
                "archive": _archive_json(ignored.archive),
            },
        }


def _timestamps_json(timestamps: Timestamps | None) -> dict[str, Any] | None:
    if timestamps is None:
        return None
    return {"url": timestamps.url, "max_delay_minutes": timestamps.max_delay_minutes}


def _archive_json(archive: ArchiveSettings | None) -> dict[str, Any] | None:
    if archive is None:
        return None
    return {
        "endpoint": archive.endpoint,
        "bucket": archive.bucket,
        "region": archive.region,
        "lock_mode": archive.lock_mode,
        "prefix": archive.prefix,
    }


def signature_path(file: Path) -> Path:
    """Where the signature of a policy file is: FILE.sig beside it."""
    return file.with_name(file.name + SIGNATURE_SUFFIX)


def _signed_by(policy: Policy, ca_pem: bytes) -> bool:
    from audio.trust.certificates import TrustError, verify_policy

    if policy.signature is None:
        return False
    try:
        verify_policy(policy.source, policy.signature, ca_pem)
    except TrustError:
        return False
    return True


def _judge(policy: Policy, pinned_ca: bytes | None) -> Provenance:
    """Whose policy this is: signed by the pinned CA, by the CA it names, by nobody we know."""
    known = policy.provenance
    if policy.signature is None and pinned_ca is None:  # no certificate to read (most starts)
        bundled = known.kind is ProvenanceKind.DEFAULT
        kind = ProvenanceKind.DEFAULT if bundled else ProvenanceKind.UNSIGNED
        return Provenance(kind, policy.sha256)
    from audio.trust.certificates import authority_info

    pinned = authority_info(pinned_ca).fingerprint_hex if pinned_ca is not None else ""
    if policy.signature is None:
        bundled = known.kind is ProvenanceKind.DEFAULT
        kind = ProvenanceKind.DEFAULT if bundled else ProvenanceKind.UNSIGNED
        return Provenance(kind, policy.sha256, enrolled_fingerprint=pinned)
    base = Provenance(
        ProvenanceKind.FOREIGN,
        policy.sha256,
        signature_file=signature_path(policy.path),
        enrolled_fingerprint=pinned,
    )
    if pinned_ca is not None and _signed_by(policy, pinned_ca):
        info = authority_info(pinned_ca)
        return replace(
            base,
            kind=ProvenanceKind.ORGANISATION,
            signer_name=info.name,
            signer_fingerprint=info.fingerprint_hex,
        )
    named = policy.organisation_ca
    if named is not None and _signed_by(policy, named):
        info = authority_info(named)
        signed = replace(base, signer_name=info.name, signer_fingerprint=info.fingerprint_hex)
        if pinned_ca is None:
            return replace(signed, kind=ProvenanceKind.SIGNED)
        return replace(signed, problem="other_ca")
    problem = "bad_signature" if pinned_ca is not None or named is not None else "unknown_signer"
    return replace(base, problem=problem)


def default_policy_path() -> Path:
    configured = os.environ.get(ENV_POLICY)
    return Path(configured) if configured else resource_path("policy", "default.toml")


def load_policy(file: Path | None = None) -> Policy:
    """Read and validate a policy file (GESPREKSOPNAME_POLICY or the bundled one when None),
    and its signature when FILE.sig exists. Judged without an enrolment: its recovery keys,
    trusted keys and TSA are not in force until `Policy.under` finds it signed by our CA."""
    file = Path(file) if file is not None else default_policy_path()
    raw = _read(file, MAX_POLICY)
    doc, source = parse_toml(raw, str(file), PolicyError)
    signature = _read_signature(file)
    check = Checker(source, str(file), PolicyError)
    check.table(
        doc,
        [],
        {
            "schema_version",
            "organisation",
            "keys",
            "timestamps",
            "archive",
            "purposes",
            "texts",
            "alternatives",
        },
    )
    version = check.get(doc, ["schema_version"], int)
    if version != SCHEMA_VERSION:
        raise check.fail("version", ["schema_version"], version=version)

    org = check.get(doc, ["organisation"], dict)
    check.table(
        org,
        ["organisation"],
        {"name", "key_publication", "contacts", "ca_certificate", "publication_url"},
    )
    contacts_doc = check.get(org, ["organisation", "contacts"], dict, required=False, default={})
    check.table(contacts_doc, ["organisation", "contacts"], set(CONTACTS))
    contacts = {
        key: check.text(contacts_doc, ["organisation", "contacts", key], required=False) or ""
        for key in CONTACTS
    }
    sha256 = hashlib.sha256(raw).hexdigest()
    bundled = signature is None and _is_bundled(file)
    kind = ProvenanceKind.DEFAULT if bundled else ProvenanceKind.UNSIGNED
    policy = Policy(
        path=file,
        sha256=sha256,
        schema_version=version,
        organisation=check.text(org, ["organisation", "name"]),
        key_publication=check.text(org, ["organisation", "key_publication"], required=False) or "",
        contacts=contacts,
        purposes=_purposes(check, doc),
        texts=_texts(check, doc),
        alternatives=_alternatives(check, doc),
        organisation_ca=_certificate(check, org, ["organisation", "ca_certificate"], file, True),
        publication_url=_url(check, org, ["organisation", "publication_url"], required=False),
        declared=Declared(
            recovery_keys=_recovery_keys(check, doc),
            trusted_keys=_trusted_keys(check, doc),
            timestamps=_timestamps(check, doc, file),
            archive=_archive(check, doc, file),
        ),
        provenance=Provenance(kind, sha256),
        source=raw,
        signature=signature,
    )
    return policy.under(None)


def _read(file: Path, limit: int) -> bytes:
    try:
        with open(file, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PolicyError("document.unreadable", file=str(file), reason=reason) from exc
    if len(data) > limit:
        raise PolicyError("document.unreadable", file=str(file), reason=f"> {limit} bytes")
    return data


def _read_signature(file: Path) -> bytes | None:
    """The bytes of FILE.sig, None when there is none. One that is too long to be a signature
    is kept cut short, so it fails to verify (and the policy shows as foreign)."""
    path = signature_path(file)
    try:
        with open(path, "rb") as handle:
            data: bytes = handle.read(MAX_SIGNATURE + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PolicyError("document.unreadable", file=str(path), reason=reason) from exc
    return data


def _is_bundled(file: Path) -> bool:
    try:
        return file.resolve() == resource_path("policy", "default.toml").resolve()
    except OSError:
        return False


def _url(
    check: Checker, doc: dict[str, Any], where: list[PathPart], *, required: bool = True
) -> str:
    value = check.text(doc, where, required=required, limit=2000)
    if value is None:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise check.fail("url", where, value=value)
    return str(value)


def _certificate(
    check: Checker, doc: dict[str, Any], where: list[PathPart], file: Path, authority: bool
) -> bytes | None:
    """A certificate setting: inline PEM, or a file name relative to the policy file. With
    `authority`, it must be a CA certificate (the organisation's)."""
    value = check.text(doc, where, required=False, limit=MAX_CERTIFICATE)
    if value is None:
        return None
    from audio.trust.certificates import TrustError, authority_info, load_certificate

    pem: bytes
    if value.lstrip().startswith("-----BEGIN"):
        pem = value.encode("utf-8")
    else:
        try:
            pem = _read(file.parent / value, MAX_CERTIFICATE)
        except PolicyError as exc:
            reason = exc.params.get("reason", "-")
            raise check.fail("certificate_file", where, value=value, reason=reason) from exc
    try:
        if authority:
            authority_info(pem)
        else:
            load_certificate(pem)
    except TrustError as exc:
        problem = "ca_certificate" if authority else "certificate"
        raise check.fail(problem, where) from exc
    return pem


def _timestamps(check: Checker, doc: dict[str, Any], file: Path) -> Timestamps | None:
    section = check.get(doc, ["timestamps"], dict, required=False)
    if section is None:
        return None
    check.table(section, ["timestamps"], {"url", "ca_certificate", "max_delay_minutes"})
    url = _url(check, section, ["timestamps", "url"])
    ca = _certificate(check, section, ["timestamps", "ca_certificate"], file, False)
    if ca is None:
        raise check.fail("missing", ["timestamps", "ca_certificate"])
    delay = check.get(
        section,
        ["timestamps", "max_delay_minutes"],
        int,
        required=False,
        default=DEFAULT_MAX_DELAY_MINUTES,
    )
    if not 1 <= delay <= MAX_DELAY_MINUTES:
        raise check.fail(
            "range", ["timestamps", "max_delay_minutes"], low=1, high=MAX_DELAY_MINUTES
        )
    return Timestamps(url=url, ca_certificate=ca, max_delay_minutes=delay)


ARCHIVE_MODES = ("COMPLIANCE", "GOVERNANCE")
# S3's bucket naming rules (3-63 characters, lower case, digits, dots and hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_REGION = re.compile(r"^[a-z0-9-]{1,40}$")


def _archive(check: Checker, doc: dict[str, Any], file: Path) -> ArchiveSettings | None:
    section = check.get(doc, ["archive"], dict, required=False)
    if section is None:
        return None
    check.table(
        section,
        ["archive"],
        {"endpoint", "bucket", "region", "lock_mode", "prefix", "credentials_file"},
    )
    endpoint = _url(check, section, ["archive", "endpoint"])
    bucket = check.text(section, ["archive", "bucket"], limit=63) or ""
    if not _BUCKET.match(bucket):
        raise check.fail("bucket", ["archive", "bucket"], value=bucket)
    region = check.text(section, ["archive", "region"], required=False, limit=40) or "us-east-1"
    if not _REGION.match(region):
        raise check.fail("format", ["archive", "region"], value=region)
    mode = check.choice(section, ["archive", "lock_mode"], ARCHIVE_MODES, required=False)
    prefix = check.text(section, ["archive", "prefix"], required=False, limit=63)
    prefix = prefix if prefix is not None else "gespreksopname"
    if not _PREFIX.match(prefix):
        raise check.fail("format", ["archive", "prefix"], value=prefix)
    credentials = check.text(section, ["archive", "credentials_file"], required=False, limit=4096)
    return ArchiveSettings(
        endpoint=endpoint,
        bucket=bucket,
        region=region,
        lock_mode=mode or "COMPLIANCE",
        prefix=prefix,
        credentials_file=(file.parent / credentials).resolve() if credentials else None,
    )


def _purposes(check: Checker, doc: dict[str, Any]) -> tuple[Purpose, ...]:
    entries = check.get(doc, ["purposes"], list)
    if not entries:
        raise check.fail("empty", ["purposes"])
    purposes: list[Purpose] = []
    for index, entry in enumerate(entries):
        where: list[str | int] = ["purposes", index]
        if not isinstance(entry, dict):
            raise check.fail("type", where, expected="tabel/table")
        check.table(
            entry,
            where,
            {"id", "label_nl", "label_en", "legal_bases", "retention_days", "case_number_required"},
        )
        purpose_id = check.text(entry, [*where, "id"])
        if any(p.id == purpose_id for p in purposes):
            raise check.fail("duplicate", [*where, "id"], value=purpose_id)
        bases = check.string_list(entry, [*where, "legal_bases"], LEGAL_BASES) or []
        if not bases:
            raise check.fail("empty", [*where, "legal_bases"])
        for position, basis in enumerate(bases):
            if basis in NOT_FOR_PUBLIC_AUTHORITIES:
                raise check.fail("public_authority", [*where, "legal_bases", position])
        days = check.get(entry, [*where, "retention_days"], int)
        if not 1 <= days <= 36500:
            raise check.fail("range", [*where, "retention_days"], low=1, high=36500)
        purposes.append(
            Purpose(
                id=purpose_id,
                labels={
                    "nl": check.text(entry, [*where, "label_nl"]),
                    "en": check.text(entry, [*where, "label_en"]),
                },
                legal_bases=tuple(bases),
                retention_days=days,
                case_number_required=check.get(entry, [*where, "case_number_required"], bool),
            )
        )
    return tuple(purposes)


def _texts(check: Checker, doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    texts_doc = check.get(doc, ["texts"], dict)
    check.table(texts_doc, ["texts"], set(LANGUAGES))
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        section = check.get(texts_doc, ["texts", lang], dict)
        check.table(section, ["texts", lang], {*TEXTS, *OPTIONAL_TEXTS})
        texts[lang] = {name: check.text(section, ["texts", lang, name]) for name in TEXTS}
        for name in OPTIONAL_TEXTS:
            value = check.text(section, ["texts", lang, name], required=False)
            if value is None:
                value = _bundled_text(lang, name)
            if value is not None:
                texts[lang][name] = value
        for name, template in texts[lang].items():
            try:
                template.format_map(_Blank())
            except (ValueError, IndexError) as exc:
                raise check.fail("template", ["texts", lang, name], reason=str(exc)) from exc
    return texts


def _bundled_text(lang: str, name: str) -> str | None:
    """An optional text as the bundled policy has it (None when it has none)."""
    import tomllib

    try:
        doc = tomllib.loads(resource_path("policy", "default.toml").read_text(encoding="utf-8"))
        value = doc["texts"][lang][name]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) else None


def _alternatives(check: Checker, doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    section = check.get(doc, ["alternatives"], dict)
    check.table(section, ["alternatives"], set(ALTERNATIVES))
    out: dict[str, dict[str, str]] = {}
    for key in ALTERNATIVES:
        entry = check.get(section, ["alternatives", key], dict)
        check.table(entry, ["alternatives", key], set(LANGUAGES))
        out[key] = {lang: check.text(entry, ["alternatives", key, lang]) for lang in LANGUAGES}
    return out


def _recovery_keys(check: Checker, doc: dict[str, Any]) -> tuple[RecoveryPublicKey, ...]:
    keys = check.get(doc, ["keys"], dict, required=False, default={})
    check.table(keys, ["keys"], {"recovery", "trusted"})
    out = []
    for index, text in enumerate(
        check.string_list(keys, ["keys", "recovery"], required=False) or []
    ):
        try:
            out.append(RecoveryPublicKey.from_text(text))
        except ValueError as exc:
            raise check.fail("key", ["keys", "recovery", index]) from exc
    return tuple(out)


def _trusted_keys(check: Checker, doc: dict[str, Any]) -> tuple[TrustedKey, ...]:
    keys = check.get(doc, ["keys"], dict, required=False, default={})
    entries = check.get(keys, ["keys", "trusted"], list, required=False, default=[])
    out = []
    for index, entry in enumerate(entries):
        where: list[str | int] = ["keys", "trusted", index]
        if not isinstance(entry, dict):
            raise check.fail("type", where, expected="tabel/table")
        check.table(entry, where, {"name", "public_key"})
        name = check.text(entry, [*where, "name"])
        try:
            key = VerifyKey.from_text(check.text(entry, [*where, "public_key"]))
        except ValueError as exc:
            raise check.fail("key", [*where, "public_key"]) from exc
        out.append(TrustedKey(name, key))
    return tuple(out)
