"""Size limits of the free text people type: names, reasons, notes, a copy's recipient.

Everything typed ends up sealed in a recording, in the audit trail or in a citizen's letter, so
each field has a limit, checked before anything is written. A name of megabytes would otherwise
make a recording that can never be read (a container's chunk has a maximum size) or a line of
the audit trail that locks the vault. The limits are far above what a real conversation needs.

Session, refusal and consent files are checked where they are read (`policy.schema.Checker`
names the setting and its line); values from the command line and the GUI with `check_length`.
"""

from __future__ import annotations

from collections.abc import Sized

from audio.errors import GespreksError
from resources.catalogue import text

NAME = 200  # a person: a participant, the citizen, the employee, a copy's recipient
CODE = 100  # a case number, a purpose id
NOTE = 500  # a marker's note
TEXT = 2000  # a reason, the necessity, a note to an alternative, a consent's description
AUDIT_TEXT = 1000  # a reason that goes into a line of the audit trail (a hold, its release)

# Characters (code points) per field; the field names are catalogue keys field.<name>.
LIMITS = {
    "participant_name": NAME,
    "citizen": NAME,
    "employee": NAME,
    "recipient": NAME,
    "received_from": NAME,
    "case_number": CODE,
    "purpose": CODE,
    "marker_note": NOTE,
    "necessity": TEXT,
    "refusal_reason": TEXT,
    "alternative_note": TEXT,
    "hold_reason": AUDIT_TEXT,
    "release_reason": AUDIT_TEXT,
    "consent_description": TEXT,
}
# How many entries a list may have.
COUNTS = {
    "participants": 50,
    "refusal_reasons": 20,
}


class InputTooLong(GespreksError):
    """A typed value is longer than its field allows; the message names the field and limit."""

    key = "error.too_long"

    def __init__(self, field: str, length: int, limit: int, key: str | None = None) -> None:
        self.field = field
        super().__init__(key, field=field, length=length, limit=limit)

    def message(self, lang: str = "nl") -> str:
        params = {**self.params, "field": text(f"field.{self.field}", lang)}
        return text(self.key, lang, **params)


def check_length(field: str, value: str | None) -> None:
    """Refuse `value` when it is longer than the limit of `field` (None and "" always pass),
    or holds bytes that are not text (a command-line argument in another encoding arrives with
    lone surrogates, which nothing can store or print)."""
    limit = LIMITS[field]
    if value is not None and len(value) > limit:
        raise InputTooLong(field, len(value), limit)
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputTooLong(field, 0, limit, "error.not_text") from exc


def check_count(field: str, values: Sized) -> None:
    """Refuse a list with more entries than `field` allows."""
    limit = COUNTS[field]
    if len(values) > limit:
        raise InputTooLong(field, len(values), limit, "error.too_many")
