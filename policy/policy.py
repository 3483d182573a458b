"""The organisation's policy file: purposes, legal bases, retention, contacts, keys and texts.

The file is TOML (`resources/policy/default.toml` is the default). It is validated on load; every
problem names the setting and its line, so an IT department can fix it without a programmer.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audio.vault.keys import RecoveryPublicKey, VerifyKey
from policy.schema import Checker, DocumentError, read_toml
from resources import path as resource_path

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


class PolicyError(DocumentError):
    """The policy file cannot be read or is not valid."""


@dataclass(frozen=True)
class TrustedKey:
    name: str
    key: VerifyKey


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
    recovery_keys: tuple[RecoveryPublicKey, ...] = ()
    trusted_keys: tuple[TrustedKey, ...] = field(default_factory=tuple)

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
        return {
            "file": str(self.path),
            "sha256": self.sha256,
            "schema_version": self.schema_version,
            "organisation": self.organisation,
            "key_publication": self.key_publication,
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
        }


def default_policy_path() -> Path:
    configured = os.environ.get(ENV_POLICY)
    return Path(configured) if configured else resource_path("policy", "default.toml")


def load_policy(file: Path | None = None) -> Policy:
    """Read and validate a policy file (GESPREKSOPNAME_POLICY or the bundled one when None)."""
    file = Path(file) if file is not None else default_policy_path()
    doc, source = read_toml(file, PolicyError)
    check = Checker(source, str(file), PolicyError)
    check.table(
        doc, [], {"schema_version", "organisation", "keys", "purposes", "texts", "alternatives"}
    )
    version = check.get(doc, ["schema_version"], int)
    if version != SCHEMA_VERSION:
        raise check.fail("version", ["schema_version"], version=version)

    org = check.get(doc, ["organisation"], dict)
    check.table(org, ["organisation"], {"name", "key_publication", "contacts"})
    contacts_doc = check.get(org, ["organisation", "contacts"], dict, required=False, default={})
    check.table(contacts_doc, ["organisation", "contacts"], set(CONTACTS))
    contacts = {
        key: check.text(contacts_doc, ["organisation", "contacts", key], required=False) or ""
        for key in CONTACTS
    }
    return Policy(
        path=file,
        sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(),
        schema_version=version,
        organisation=check.text(org, ["organisation", "name"]),
        key_publication=check.text(org, ["organisation", "key_publication"], required=False) or "",
        contacts=contacts,
        purposes=_purposes(check, doc),
        texts=_texts(check, doc),
        alternatives=_alternatives(check, doc),
        recovery_keys=_recovery_keys(check, doc),
        trusted_keys=_trusted_keys(check, doc),
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
        check.table(section, ["texts", lang], set(TEXTS))
        texts[lang] = {name: check.text(section, ["texts", lang, name]) for name in TEXTS}
        for name, template in texts[lang].items():
            try:
                template.format_map(_Blank())
            except (ValueError, IndexError) as exc:
                raise check.fail("template", ["texts", lang, name], reason=str(exc)) from exc
    return texts


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
