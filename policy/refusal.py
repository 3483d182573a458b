"""Rule f: the municipality refuses a citizen's request to record, for weighty reasons only.

A refusal records those reasons and the alternative offered, is kept encrypted in the vault, and
gives the citizen a letter (Dutch, then English) saying what was refused, why, the alternative
and whom to contact.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from policy.display import visible
from policy.documents import long_date, render_pdf
from policy.inputs import COUNTS, LIMITS
from policy.policy import ALTERNATIVES, Policy
from policy.schema import Checker, DocumentError, read_toml
from resources.catalogue import text

REFUSALS = "refusals"


class RefusalError(DocumentError):
    """A refusal file cannot be read or is not valid."""


@dataclass(frozen=True)
class Refusal:
    citizen: str
    employee: str
    reasons: tuple[str, ...]
    alternative: str  # representative | listen_only | written_summary
    date: str  # ISO date of the conversation
    alternative_note: str = ""
    case_number: str = ""
    id: str = ""

    def document(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["reasons"] = list(self.reasons)
        return {"version": 1, **doc}


def refusal_from_dict(doc: dict[str, Any], source: str = "", file: str = "") -> Refusal:
    check = Checker(source, file, RefusalError)
    check.table(
        doc,
        [],
        {
            "citizen",
            "employee",
            "reasons",
            "alternative",
            "alternative_note",
            "date",
            "case_number",
        },
    )
    listed = check.string_list(
        doc, ["reasons"], max_items=COUNTS["refusal_reasons"], limit=LIMITS["refusal_reason"]
    )
    reasons = [r.strip() for r in listed or [] if r.strip()]
    if not reasons:
        # Rule f: the employee explains the weighty reasons; a refusal without them is invalid.
        raise check.fail("empty", ["reasons"])
    when = check.get(doc, ["date"], (str, date), required=False) or date.today()
    try:
        day = when if isinstance(when, date) else date.fromisoformat(when)
    except ValueError as exc:
        raise check.fail("type", ["date"], expected="datum/date (2026-11-28)") from exc
    return Refusal(
        citizen=check.text(doc, ["citizen"], limit=LIMITS["citizen"]).strip(),
        employee=check.text(doc, ["employee"], limit=LIMITS["employee"]).strip(),
        reasons=tuple(reasons),
        alternative=check.choice(doc, ["alternative"], ALTERNATIVES),
        alternative_note=(
            check.text(doc, ["alternative_note"], required=False, limit=LIMITS["alternative_note"])
            or ""
        ).strip(),
        date=day.isoformat(),
        case_number=(
            check.text(doc, ["case_number"], required=False, limit=LIMITS["case_number"]) or ""
        ).strip(),
        id=str(uuid.uuid4()),
    )


def load_refusal(file: Path) -> Refusal:
    doc, source = read_toml(Path(file), RefusalError)
    return refusal_from_dict(doc, source, str(file))


def letter_text(refusal: Refusal, policy: Policy, lang: str) -> str:
    """The letter in one language; what the employee typed is shown escaped (`visible`)."""
    alternative = policy.alternative(refusal.alternative, lang)
    if refusal.alternative_note:
        alternative += f"\n{visible(refusal.alternative_note, lines=True)}"
    return policy.text(
        "refusal_letter",
        lang,
        citizen=visible(refusal.citizen),
        employee=visible(refusal.employee),
        date=long_date(date.fromisoformat(refusal.date), lang),
        reasons="\n".join(f"- {visible(reason, lines=True)}" for reason in refusal.reasons),
        alternative=alternative,
    )


def write_letter(refusal: Refusal, policy: Policy, path: Path) -> None:
    """The citizen's letter as PDF: Dutch, then English, each followed by the rule it applies
    (rule f: weighty reasons only, explained, with an alternative)."""
    sections = [
        ("", letter_text(refusal, policy, "nl")),
        (text("refusal_letter.rule_f_heading", "nl"), text("refusal_letter.rule_f", "nl")),
        ("English", letter_text(refusal, policy, "en")),
        (text("refusal_letter.rule_f_heading", "en"), text("refusal_letter.rule_f", "en")),
    ]
    title = text("refusal.title", "nl", organisation=policy.organisation)
    footer = text("refusal.footer", "nl", id=refusal.id, case=visible(refusal.case_number or "-"))
    render_pdf(path, title, sections, footer=footer)
