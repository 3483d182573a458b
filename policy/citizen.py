"""When the citizen records: the registration, the register and the rules sheet.

The factsheet starts with the citizen: a citizen may record a conversation with an employee when
they take part in it (or act for a participant) and say so beforehand; the rules a-f then bind
both sides. The employee asks why ("de kou uit de lucht halen"), refuses only for weighty reasons
with an alternative (rule f), and may ask for a copy (rule a). What was said and decided is
registered here, encrypted in the vault and logged; the privacy officer can list and export the
register; the citizen gets the rules on one page, Dutch then English.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.encoding import iso_time
from policy.display import visible
from policy.documents import long_date, render_columns_pdf
from policy.inputs import COUNTS, LIMITS
from policy.policy import ALTERNATIVES, Policy
from policy.schema import Checker, DocumentError, PathPart, locate, read_toml
from policy.session import LOCATIONS, ROLES
from resources.catalogue import text

if TYPE_CHECKING:
    from policy.workspace import Workspace

CITIZEN_RECORDINGS = "citizen_recordings"  # the vault's document kind
DECISIONS = ("agreed", "refused")
_FIELDS = {
    "date",
    "location",
    "case_number",
    "announced",
    "recorder",
    "acting_for",
    "reason",
    "decision",
    "refusal_reasons",
    "alternative",
    "alternative_note",
    "copy_requested",
    "participants",
}


class CitizenRecordingError(DocumentError):
    """A citizen-recording file cannot be read or is not valid."""


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # employee | citizen | representative | other


@dataclass(frozen=True)
class CitizenRecording:
    """A conversation a citizen recorded (or asked to record), as the employee registered it."""

    participants: tuple[Person, ...]
    announced: bool  # the citizen said so before the conversation
    recorder: str  # who records
    acting_for: str  # the participant the recorder acts for ("" when recording for themself)
    reason: str  # the citizen's reason as told ("" when they did not say)
    decision: str  # agreed | refused
    date: str  # ISO date of the conversation
    refusal_reasons: tuple[str, ...] = ()
    alternative: str = ""  # when refused: representative | listen_only | written_summary
    alternative_note: str = ""
    copy_requested: bool = False  # rule a: the municipality asked for a copy
    location: str = ""
    case_number: str = ""
    id: str = ""
    registered: str = ""  # ISO 8601 UTC

    @property
    def employee(self) -> str:
        return next((p.name for p in self.participants if p.role == "employee"), "")

    @property
    def refused(self) -> bool:
        return self.decision == "refused"

    def document(self) -> dict[str, Any]:
        """The versioned document kept (encrypted) in the vault; also `--json`'s row."""
        return {
            "version": 1,
            "id": self.id,
            "registered": self.registered,
            "date": self.date,
            "location": self.location,
            "case_number": self.case_number,
            "participants": [{"name": p.name, "role": p.role} for p in self.participants],
            "announced": self.announced,
            "recorder": self.recorder,
            "acting_for": self.acting_for,
            "reason": self.reason,
            "decision": self.decision,
            "refusal_reasons": list(self.refusal_reasons),
            "alternative": self.alternative,
            "alternative_note": self.alternative_note,
            "copy_requested": self.copy_requested,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> CitizenRecording:
        """Back from the vault (written by `document`, authenticated by the vault)."""
        return cls(
            participants=tuple(
                Person(str(p["name"]), str(p["role"])) for p in doc.get("participants", [])
            ),
            announced=bool(doc["announced"]),
            recorder=str(doc["recorder"]),
            acting_for=str(doc.get("acting_for", "")),
            reason=str(doc.get("reason", "")),
            decision=str(doc["decision"]),
            date=str(doc["date"]),
            refusal_reasons=tuple(str(r) for r in doc.get("refusal_reasons", [])),
            alternative=str(doc.get("alternative", "")),
            alternative_note=str(doc.get("alternative_note", "")),
            copy_requested=bool(doc.get("copy_requested", False)),
            location=str(doc.get("location", "")),
            case_number=str(doc.get("case_number", "")),
            id=str(doc["id"]),
            registered=str(doc.get("registered", "")),
        )


def citizen_recording_from_dict(
    doc: dict[str, Any], source: str = "", file: str = ""
) -> CitizenRecording:
    """Validate a parsed citizen-recording document (from TOML or the app's form); every error
    names the setting and its line."""
    check = Checker(source, file, CitizenRecordingError)
    check.table(doc, [], _FIELDS)

    def own(problem: str, path: Sequence[PathPart], **params: object) -> CitizenRecordingError:
        line = locate(source, path)
        return CitizenRecordingError(
            f"citizen_file.{problem}",
            file=visible(file),
            line=line if line is not None else "?",
            **params,
        )

    def optional(key: str, limit: int) -> str:
        return str(check.text(doc, [key], required=False, limit=limit) or "").strip()

    people = _participants(check, doc)
    if not any(p.role == "employee" for p in people):
        raise own("no_employee", ["participants"])
    if not any(p.role != "employee" for p in people):
        raise own("no_citizen", ["participants"])
    names = {p.name for p in people}
    recorder = check.text(doc, ["recorder"], limit=LIMITS["citizen"]).strip()
    acting_for = optional("acting_for", LIMITS["citizen"])
    if acting_for and acting_for not in names:
        raise own("acting_for", ["acting_for"], name=visible(acting_for))
    if recorder not in names and not acting_for:
        # The factsheet: the citizen takes part, or acts on behalf of a participant.
        raise own("recorder", ["recorder"], name=visible(recorder))
    decision = check.choice(doc, ["decision"], DECISIONS)
    reasons: list[str] = []
    alternative = ""
    if decision == "refused":
        listed = check.string_list(
            doc,
            ["refusal_reasons"],
            max_items=COUNTS["refusal_reasons"],
            limit=LIMITS["refusal_reason"],
        )
        reasons = [r.strip() for r in listed or [] if r.strip()]
        if not reasons:  # rule f: only for weighty reasons, which the employee explains
            raise check.fail("empty", ["refusal_reasons"])
        alternative = check.choice(doc, ["alternative"], ALTERNATIVES)
    else:
        for key in ("refusal_reasons", "alternative", "alternative_note"):
            if key in doc:
                raise own("only_refused", [key], setting=key)
    when = check.get(doc, ["date"], (str, date), required=False) or date.today()
    try:
        day = when if isinstance(when, date) else date.fromisoformat(when)
    except ValueError as exc:
        raise check.fail("type", ["date"], expected="datum/date (2026-11-28)") from exc
    return CitizenRecording(
        participants=people,
        announced=check.get(doc, ["announced"], bool),
        recorder=recorder,
        acting_for=acting_for,
        reason=optional("reason", LIMITS["refusal_reason"]),
        decision=decision,
        date=day.isoformat(),
        refusal_reasons=tuple(reasons),
        alternative=alternative,
        alternative_note=optional("alternative_note", LIMITS["alternative_note"]),
        copy_requested=check.get(doc, ["copy_requested"], bool, required=False, default=False),
        location=check.choice(doc, ["location"], LOCATIONS, required=False) or "",
        case_number=optional("case_number", LIMITS["case_number"]),
        id=str(uuid.uuid4()),
        registered=iso_time(time.time()),
    )


def _participants(check: Checker, doc: dict[str, Any]) -> tuple[Person, ...]:
    entries = check.get(doc, ["participants"], list)
    check.limited(entries, ["participants"], COUNTS["participants"])
    people = []
    for index, entry in enumerate(entries):
        where: list[PathPart] = ["participants", index]
        if not isinstance(entry, dict):
            raise check.fail("type", where, expected="tabel/table")
        check.table(entry, where, {"name", "role"})
        people.append(
            Person(
                name=check.text(entry, [*where, "name"], limit=LIMITS["participant_name"]).strip(),
                role=check.choice(entry, [*where, "role"], ROLES),
            )
        )
    return tuple(people)


def load_citizen_recording(file: Path) -> CitizenRecording:
    doc, source = read_toml(Path(file), CitizenRecordingError)
    return citizen_recording_from_dict(doc, source, str(file))


# -- the register ------------------------------------------------------------------------------
def register_citizen_recording(
    workspace: Workspace, record: CitizenRecording, sheet: Path | None = None
) -> None:
    """Keep the registration encrypted in the vault, log it (no names in the trail), and write
    the rules sheet for the citizen when asked."""
    workspace.vault.store_document(CITIZEN_RECORDINGS, record.id, record.document())
    workspace.audit.append(
        "citizen_recording_registered",
        None,
        citizen_recording_id=record.id,
        decision=record.decision,
        announced=record.announced,
        alternative=record.alternative or None,
        copy_requested=record.copy_requested,
    )
    if sheet is not None:
        write_rules_sheet(workspace.policy, sheet, record)


def citizen_recordings(workspace: Workspace) -> list[CitizenRecording]:
    """The register, oldest conversation first."""
    vault = workspace.vault
    records = [
        CitizenRecording.from_document(vault.load_document(CITIZEN_RECORDINGS, doc_id))
        for doc_id in vault.document_ids(CITIZEN_RECORDINGS)
    ]
    return sorted(records, key=lambda r: (r.date, r.registered))


def find_citizen_recording(workspace: Workspace, prefix: str) -> CitizenRecording | None:
    """The registration whose id is (or starts with, at least 8 characters) `prefix`."""
    ids = workspace.vault.document_ids(CITIZEN_RECORDINGS)
    matches = [i for i in ids if i == prefix or (len(prefix) >= 8 and i.startswith(prefix))]
    if len(matches) != 1:
        return None
    return CitizenRecording.from_document(
        workspace.vault.load_document(CITIZEN_RECORDINGS, matches[0])
    )


CSV_COLUMNS = (
    "id",
    "registered",
    "date",
    "location",
    "case_number",
    "participants",
    "announced",
    "recorder",
    "acting_for",
    "reason",
    "decision",
    "refusal_reasons",
    "alternative",
    "alternative_note",
    "copy_requested",
)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: never a formula (=, +, -, @ start one), and
    control characters escaped."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    shown = visible(str(value), lines=True)  # no control or bidi character reaches a terminal
    return "'" + shown if shown[:1] in ("=", "+", "-", "@") else shown


def register_csv(records: Sequence[CitizenRecording]) -> str:
    """The register as CSV for the privacy officer (one row per conversation)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        doc = record.document()
        doc["participants"] = "; ".join(f"{p.name} ({p.role})" for p in record.participants)
        doc["refusal_reasons"] = "; ".join(record.refusal_reasons)
        writer.writerow([_cell(doc[column]) for column in CSV_COLUMNS])
    return out.getvalue()


# -- the rules sheet ---------------------------------------------------------------------------
def conversation_text(record: CitizenRecording, policy: Policy, lang: str) -> str:
    """What the sheet says about this conversation: the date, who records, the reason as told,
    the decision and, when refused, the reasons and the alternative offered."""

    def t(key: str, **params: object) -> str:
        return text(f"citizen_sheet.{key}", lang, **params)

    lines = [t("date", date=long_date(date.fromisoformat(record.date), lang))]
    if record.case_number:
        lines.append(t("case", case=visible(record.case_number)))
    lines.append(t("participants", names=", ".join(visible(p.name) for p in record.participants)))
    if record.acting_for and record.acting_for != record.recorder:
        lines.append(
            t("recorder_for", name=visible(record.recorder), on_behalf=visible(record.acting_for))
        )
    else:
        lines.append(t("recorder", name=visible(record.recorder)))
    lines.append(t("announced_yes" if record.announced else "announced_no"))
    lines.append(t("reason", reason=visible(record.reason, lines=True) or t("reason_untold")))
    if record.refused:
        lines.append(t("refused"))
        lines.extend(f"- {visible(reason, lines=True)}" for reason in record.refusal_reasons)
        alternative = policy.alternative(record.alternative, lang)
        if record.alternative_note:
            alternative += f" {visible(record.alternative_note, lines=True)}"
        lines.append(t("alternative", alternative=alternative))
    else:
        lines.append(t("agreed"))
    if record.copy_requested:
        lines.append(t("copy_requested"))
    return "\n".join(lines)


def rules_sheet_columns(
    policy: Policy, record: CitizenRecording | None = None, langs: Sequence[str] = ("nl", "en")
) -> list[list[tuple[str, str]]]:
    """The sheet's columns, one per language: the rules (the policy's text "rules_sheet", with
    the private-use notice and the contacts) and, for a registered conversation, what was said
    and decided."""
    columns: list[list[tuple[str, str]]] = []
    for lang in langs:
        notice = policy.text("private_use_notice", lang)
        column = [
            (text("citizen_sheet.language", lang), policy.text("rules_sheet", lang, notice=notice))
        ]
        if record is not None:
            heading = text("citizen_sheet.conversation", lang)
            column.append((heading, conversation_text(record, policy, lang)))
        columns.append(column)
    return columns


def write_rules_sheet(
    policy: Policy,
    path: Path,
    record: CitizenRecording | None = None,
    lang: str = "nl",
) -> None:
    """The printable one-page rules sheet (PDF): `lang` in the left column, the other language
    in the right."""
    langs = (lang, "nl" if lang == "en" else "en")
    title = "\n".join(
        text("citizen_sheet.title", each, organisation=policy.organisation) for each in langs
    )
    footer = text("citizen_sheet.footer", lang, id=record.id) if record is not None else ""
    render_columns_pdf(path, title, rules_sheet_columns(policy, record, langs), footer=footer)
