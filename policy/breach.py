"""A breach of the rules reported to the privacy contacts.

The factsheet: when a citizen does not keep to the rules (a recording published or edited,
recorded without saying so), the employee contacts the Privacy Coordinator, Privacy Officer or
FG. The employee records what happened, when, and which conversation (a registered citizen
recording, one of this vault's recordings, or a session file); the report is kept encrypted in
the vault, logged in the trail (ids and kinds only), and written as a PDF or as e-mail-ready
text addressed to the policy's privacy contacts.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.encoding import iso_time
from audio.errors import GespreksError
from policy.citizen import (
    CitizenRecordingError,
    find_citizen_recording,
    load_citizen_recording,
)
from policy.display import local_datetime, local_time, visible
from policy.documents import long_date, render_pdf
from policy.inputs import check_length
from policy.policy import Policy
from policy.session import load_session
from resources.catalogue import text

if TYPE_CHECKING:
    from policy.workspace import Workspace

BREACH_REPORTS = "breach_reports"  # the vault's document kind
KINDS = ("published", "shared", "edited", "not_announced", "video", "camera", "other")
# Whom the factsheet names; the general contacts only when the policy names none of them.
RECIPIENTS = ("privacy_coordinator", "privacy_officer", "fg")
FALLBACK = ("privacy_contact_point", "general")
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class BreachError(GespreksError):
    """A breach report names no conversation this installation knows, or says nothing."""


@dataclass(frozen=True)
class Conversation:
    """Which conversation a report is about: `kind` citizen_recording | recording | session,
    `ref` its id (a session file's SHA-256), and what the report says about it."""

    kind: str
    ref: str
    date: str = ""  # ISO date, when known
    case_number: str = ""
    employee: str = ""


@dataclass(frozen=True)
class BreachReport:
    kind: str
    what: str
    when: str  # as the employee said it (a date, a time, "last week")
    conversation: Conversation
    reporter: str
    id: str
    reported: str  # ISO 8601 UTC

    def document(self) -> dict[str, Any]:
        conversation = self.conversation
        return {
            "version": 1,
            "id": self.id,
            "reported": self.reported,
            "kind": self.kind,
            "what": self.what,
            "when": self.when,
            "reporter": self.reporter,
            "conversation": {
                "kind": conversation.kind,
                "ref": conversation.ref,
                "date": conversation.date,
                "case_number": conversation.case_number,
            },
        }


def which_conversation(workspace: Workspace, target: str) -> Conversation:
    """A registered citizen recording's id, a recording's id, or a session file (a
    citizen-recording file or the municipality's session file)."""
    record = find_citizen_recording(workspace, target)
    if record is not None:
        return Conversation(
            "citizen_recording", record.id, record.date, record.case_number, record.employee
        )
    for info in workspace.recordings():
        if info.recording_id == target or (
            len(target) >= 8 and info.recording_id.startswith(target)
        ):
            summary = info.summary
            day = local_datetime(summary.started).date().isoformat() if summary else ""
            sealed = info.session.document.get("session")
            case = sealed.get("case_number") if isinstance(sealed, dict) else None
            people = sealed.get("participants") if isinstance(sealed, dict) else None
            employee = next(
                (
                    str(p.get("name", ""))
                    for p in people or ()
                    if isinstance(p, dict) and p.get("role") == "employee"
                ),
                "",
            )
            return Conversation("recording", info.recording_id, day, str(case or ""), employee)
    path = Path(target)
    if path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            citizen = load_citizen_recording(path)
            return Conversation(
                "session", digest, citizen.date, citizen.case_number, citizen.employee
            )
        except CitizenRecordingError:
            pass
        session = load_session(path)  # SessionError names the file and line
        first = session.employees[0].name if session.employees else ""
        return Conversation("session", digest, "", session.case_number or "", first)
    raise BreachError("breach.unknown_conversation", target=visible(target))


def new_report(
    conversation: Conversation, kind: str, what: str, when: str = "", reporter: str = ""
) -> BreachReport:
    """A report checked as a form is: a kind we know, something said, nothing too long."""
    if kind not in KINDS:
        raise BreachError("breach.unknown_kind", kind=visible(kind), kinds=", ".join(KINDS))
    if not what.strip():
        raise BreachError("breach.nothing_said")
    for field, value in (("refusal_reason", what), ("citizen", when), ("employee", reporter)):
        check_length(field, value)
    return BreachReport(
        kind=kind,
        what=what.strip(),
        when=when.strip(),
        conversation=conversation,
        reporter=reporter.strip() or conversation.employee,
        id=str(uuid.uuid4()),
        reported=iso_time(time.time()),
    )


def report_breach(workspace: Workspace, report: BreachReport, out: Path | None = None) -> None:
    """Keep the report encrypted, log it (ids and kinds only), and write it: a PDF, or
    e-mail-ready text when `out` ends in .txt or .eml."""
    conversation = report.conversation
    workspace.vault.store_document(BREACH_REPORTS, report.id, report.document())
    workspace.audit.append(
        "breach_reported",
        conversation.ref if conversation.kind == "recording" else None,
        breach_id=report.id,
        kind=report.kind,
        conversation=conversation.kind,
        ref=conversation.ref,
    )
    if out is None:
        return
    if out.suffix.lower() in (".txt", ".eml"):
        from audio.durable import write_atomic

        write_atomic(out, email_text(report, workspace.policy).encode("utf-8"), private=True)
    else:
        write_report_pdf(report, workspace.policy, out)


def recipients(policy: Policy) -> list[str]:
    """The contact lines the report is addressed to."""
    named = [policy.contacts[k] for k in RECIPIENTS if policy.contacts.get(k)]
    return named or [policy.contacts[k] for k in FALLBACK if policy.contacts.get(k)]


def addresses(policy: Policy) -> list[str]:
    """The e-mail addresses in those contact lines, each once."""
    found: list[str] = []
    for line in recipients(policy):
        found.extend(a for a in _ADDRESS.findall(line) if a not in found)
    return found


def report_text(report: BreachReport, policy: Policy, lang: str) -> str:
    """The report in one language (the policy's text "breach_report"), typed text escaped."""
    conversation = report.conversation
    parts = [text(f"breach.conversation.{conversation.kind}", lang, ref=conversation.ref)]
    if conversation.date:
        day = long_date(date.fromisoformat(conversation.date), lang)
        parts.append(text("breach.conversation.date", lang, date=day))
    if conversation.case_number:
        parts.append(text("breach.conversation.case", lang, case=visible(conversation.case_number)))
    return policy.text(
        "breach_report",
        lang,
        recipients="; ".join(visible(r) for r in recipients(policy)),
        kind=text(f"breach.kind.{report.kind}", lang),
        what=visible(report.what, lines=True),
        when=visible(report.when) or "-",
        conversation=", ".join(parts),
        reporter=visible(report.reporter) or "-",
        reported=local_time(report.reported),
        id=report.id,
    )


def email_text(report: BreachReport, policy: Policy) -> str:
    """Ready to paste into an e-mail: To, Subject, then the report in Dutch and English."""
    subject = text("breach.subject", "nl", id=report.id[:8])
    head = [f"To: {', '.join(addresses(policy))}", f"Subject: {subject}", ""]
    body = [report_text(report, policy, "nl"), "", "-- English --", ""]
    return "\n".join([*head, *body, report_text(report, policy, "en"), ""])


def write_report_pdf(report: BreachReport, policy: Policy, path: Path) -> None:
    sections = [
        ("", report_text(report, policy, "nl")),
        ("English", report_text(report, policy, "en")),
    ]
    title = text("breach.title", "nl", organisation=policy.organisation)
    render_pdf(path, title, sections)
