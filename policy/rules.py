"""The decision: may this conversation be recorded? Every reason tied to its rule (a-f, AVG).

This is the gate. Capture refuses to open a microphone without an allowed decision, and the
decision (with the policy's hash) is sealed into the recording's manifest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from audio.encoding import iso_time
from policy.inputs import COUNTS, LIMITS
from policy.policy import NOT_FOR_PUBLIC_AUTHORITIES, Policy
from policy.session import Session
from resources.catalogue import text

# What each rule tag means, for people (catalogue keys rule.<tag>).
RULES = ("announce", "a", "b", "c", "d", "e", "f", "avg", "policy", "session")


@dataclass(frozen=True)
class Reason:
    """One reason a session is refused; its text is in the catalogue as reason.<code>."""

    code: str
    rule: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return text(f"reason.{self.code}", lang, **self.params)

    def rule_label(self, lang: str) -> str:
        return text(f"rule.{self.rule}", lang)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...]
    policy_sha256: str
    policy_version: int
    evaluated_at: str

    def document(self) -> dict[str, Any]:
        """For the sealed manifest and the audit log."""
        return {
            "allowed": self.allowed,
            "reasons": [{"code": r.code, "rule": r.rule, "params": r.params} for r in self.reasons],
            "policy_sha256": self.policy_sha256,
            "policy_version": self.policy_version,
            "evaluated_at": self.evaluated_at,
        }


def evaluate(session: Session, policy: Policy, now: float | None = None) -> Decision:
    """Check a session against the rules and the policy; allowed only when no reason is found."""
    reasons: list[Reason] = []

    def refuse(code: str, rule: str, **params: str) -> None:
        reasons.append(Reason(code, rule, params))

    _lengths(session, refuse)
    _participants(session, refuse)
    if session.initiator is None:
        refuse("initiator_missing", "session")
    if session.location is None:
        refuse("location_missing", "session")
    _purpose(session, policy, refuse)
    if not session.announcement_read:
        refuse("announcement_not_read", "announce")
    _camera(session, refuse)
    if session.video:
        refuse("video", "d")
    return Decision(
        allowed=not reasons,
        reasons=tuple(reasons),
        policy_sha256=policy.sha256,
        policy_version=policy.schema_version,
        evaluated_at=iso_time(time.time() if now is None else now),
    )


def _lengths(session: Session, refuse: Any) -> None:
    """Free text within its limits (`policy.inputs`), also when a form built the session: a
    recording whose sealed session is too large could never be read."""
    if len(session.participants) > COUNTS["participants"]:
        refuse("participants_too_many", "session", limit=str(COUNTS["participants"]))
    for number, person in enumerate(session.participants, start=1):
        if len(person.name) > LIMITS["participant_name"]:
            refuse("name_too_long", "session", number=str(number),
                   limit=str(LIMITS["participant_name"]))  # fmt: skip
    for key in ("case_number", "necessity", "purpose"):
        value = getattr(session, key)
        if value is not None and len(value) > LIMITS[key]:
            refuse(f"{key}_too_long", "session", limit=str(LIMITS[key]))


def _participants(session: Session, refuse: Any) -> None:
    if not session.participants:
        refuse("participants_missing", "session")
        return
    if not session.employees:
        refuse("no_employee", "avg")
    if all(p.role == "employee" for p in session.participants):
        refuse("no_other_party", "session")
    for person in session.participants:
        if not person.consent:
            refuse("consent_missing", "avg", name=person.name)
        elif person.consent_method is None:
            refuse("consent_method_missing", "avg", name=person.name)


def _purpose(session: Session, policy: Policy, refuse: Any) -> None:
    purpose = policy.purpose(session.purpose)
    if session.purpose is None:
        refuse("purpose_missing", "avg")
    elif purpose is None:
        refuse("purpose_unknown", "avg", purpose=session.purpose)
    if session.legal_basis is None:
        refuse("legal_basis_missing", "avg")
    elif session.legal_basis in NOT_FOR_PUBLIC_AUTHORITIES:
        refuse("legal_basis_public_authority", "avg")
    elif purpose is not None and session.legal_basis not in purpose.legal_bases:
        refuse(
            "legal_basis_not_allowed",
            "avg",
            basis=session.legal_basis,
            allowed=", ".join(purpose.legal_bases),
        )
    if session.initiator != "citizen":
        # The factsheet ("Werksituatie"): only when needed for a clear purpose, and only when
        # the alternatives of the rules do not suffice.
        if session.necessity is None:
            refuse("necessity_missing", "avg")
        if not session.alternatives_considered:
            refuse("alternatives_missing", "avg")
    if purpose is not None and purpose.case_number_required and not session.case_number:
        refuse("case_number_missing", "policy", purpose=purpose.id)


def _camera(session: Session, refuse: Any) -> None:
    if session.location != "home":
        return
    if session.camera_present is None:
        refuse("camera_unanswered", "e")
    elif session.camera_present:
        if not session.camera_announced:
            refuse("camera_not_announced", "e")
        if session.camera_action is None:
            refuse("camera_action_missing", "e")
