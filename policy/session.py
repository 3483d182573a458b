"""One conversation: who takes part, where, why, and what each participant agreed to.

The GUI builds a `Session` with forms; the command line reads it from a TOML file. Every field
may still be missing here: the decision (`policy.rules.evaluate`) names what is missing. Wrong
types, unknown keys and unknown values are errors that name the setting and its line, and so is
free text longer than its limit (`policy.inputs`): it is refused before anything is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from policy.inputs import COUNTS, LIMITS
from policy.policy import LEGAL_BASES
from policy.schema import Checker, DocumentError, read_toml

INITIATORS = ("municipality", "citizen")
LOCATIONS = ("office", "home", "phone", "other")
ROLES = ("employee", "citizen", "representative", "other")
CONSENT_METHODS = ("verbal", "written")
CONSIDERED = ("written_summary", "representative", "listen_only", "other")
CAMERA_ACTIONS = ("moved", "continued")
SESSION_VERSION = 1


class SessionError(DocumentError):
    """A session file cannot be read or is not valid."""


@dataclass(frozen=True)
class Participant:
    name: str
    role: str
    consent: bool = False
    consent_method: str | None = None


@dataclass(frozen=True)
class Session:
    initiator: str | None = None
    location: str | None = None
    purpose: str | None = None
    legal_basis: str | None = None
    necessity: str | None = None
    alternatives_considered: tuple[str, ...] = ()
    announcement_read: bool = False
    case_number: str | None = None
    camera_present: bool | None = None
    camera_announced: bool | None = None
    camera_action: str | None = None  # rule e: "moved" elsewhere, or "continued" here
    video: bool = False
    participants: tuple[Participant, ...] = field(default_factory=tuple)

    @property
    def employees(self) -> list[Participant]:
        return [p for p in self.participants if p.role == "employee"]

    def document(self) -> dict[str, Any]:
        """The versioned document that goes (encrypted) into the sealed manifest."""
        doc = asdict(self)
        doc["alternatives_considered"] = list(self.alternatives_considered)
        doc["participants"] = [asdict(p) for p in self.participants]
        return {"version": SESSION_VERSION, **doc}


_FIELDS = {
    "initiator",
    "location",
    "purpose",
    "legal_basis",
    "necessity",
    "alternatives_considered",
    "announcement_read",
    "case_number",
    "camera_present",
    "camera_announced",
    "camera_action",
    "video",
    "participants",
}


def session_from_dict(doc: dict[str, Any], source: str = "", file: str = "") -> Session:
    """Validate a parsed session document (from TOML or a form)."""
    check = Checker(source, file, SessionError)
    check.table(doc, [], _FIELDS)
    participants = []
    entries = check.get(doc, ["participants"], list, required=False) or []
    check.limited(entries, ["participants"], COUNTS["participants"])
    for index, entry in enumerate(entries):
        where: list[str | int] = ["participants", index]
        if not isinstance(entry, dict):
            raise check.fail("type", where, expected="tabel/table")
        check.table(entry, where, {"name", "role", "consent", "consent_method"})
        participants.append(
            Participant(
                name=check.text(entry, [*where, "name"], limit=LIMITS["participant_name"]).strip(),
                role=check.choice(entry, [*where, "role"], ROLES),
                consent=check.get(entry, [*where, "consent"], bool, required=False, default=False),
                consent_method=check.choice(
                    entry, [*where, "consent_method"], CONSENT_METHODS, required=False
                ),
            )
        )

    def optional_text(key: str) -> str | None:
        value = check.text(doc, [key], required=False, limit=LIMITS[key])
        return value.strip() or None if value is not None else None

    return Session(
        initiator=check.choice(doc, ["initiator"], INITIATORS, required=False),
        location=check.choice(doc, ["location"], LOCATIONS, required=False),
        purpose=optional_text("purpose"),
        legal_basis=check.choice(doc, ["legal_basis"], LEGAL_BASES, required=False),
        necessity=optional_text("necessity"),
        alternatives_considered=tuple(
            check.string_list(doc, ["alternatives_considered"], CONSIDERED, required=False) or ()
        ),
        announcement_read=check.get(
            doc, ["announcement_read"], bool, required=False, default=False
        ),
        case_number=optional_text("case_number"),
        camera_present=check.get(doc, ["camera_present"], bool, required=False),
        camera_announced=check.get(doc, ["camera_announced"], bool, required=False),
        camera_action=check.choice(doc, ["camera_action"], CAMERA_ACTIONS, required=False),
        video=check.get(doc, ["video"], bool, required=False, default=False),
        participants=tuple(participants),
    )


def load_session(file: Path) -> Session:
    doc, source = read_toml(Path(file), SessionError)
    return session_from_dict(doc, source, str(file))
