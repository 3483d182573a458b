"""The decision: may this conversation be recorded? Every reason tied to its rule (a-f, AVG)
and to the wizard step where it is put right, in one table (`REASONS`).

This is the gate. Capture refuses to open a microphone without an allowed decision, and the
decision (with the policy's hash) is sealed into the recording's manifest.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, get_args

from audio.encoding import iso_time
from policy.inputs import COUNTS, LIMITS
from policy.policy import NOT_FOR_PUBLIC_AUTHORITIES, Policy
from policy.session import Session
from resources.catalogue import text

# What each rule tag means, for people (catalogue keys rule.<tag>).
Rule = Literal["announce", "a", "b", "c", "d", "e", "f", "avg", "policy", "session"]
RULES: tuple[Rule, ...] = get_args(Rule)
# The tags that are a lettered rule of the rules for recording (rule a-f).
LETTERS = ("a", "b", "c", "d", "e", "f")


class Step(Enum):
    """The step of the new-conversation wizard where a reason is put right, in the wizard's
    order; the wizard shows each reason on its step's page."""

    PARTICIPANTS = "participants"  # who, where, at whose request
    PURPOSE = "purpose"  # purpose and legal basis (AVG)
    RULES_AND_CONSENT = "rules_and_consent"  # announce, camera, consent


@dataclass(frozen=True)
class ReasonKind:
    """What a reason code stands for: the rule it enforces and the wizard step that fixes it."""

    rule: Rule
    step: Step

    @property
    def letter(self) -> Rule | None:
        """The rule's letter (a-f), or None for the announcement, the AVG, policy and session."""
        return self.rule if self.rule in LETTERS else None


# Every reason `evaluate` can give, once; its text is in the catalogue as reason.<code>.
REASONS: Final[Mapping[str, ReasonKind]] = MappingProxyType(
    {
        # 1. Who, where, at whose request
        "participants_too_many": ReasonKind("session", Step.PARTICIPANTS),
        "name_too_long": ReasonKind("session", Step.PARTICIPANTS),
        "case_number_too_long": ReasonKind("session", Step.PARTICIPANTS),
        "participants_missing": ReasonKind("session", Step.PARTICIPANTS),
        "no_employee": ReasonKind("avg", Step.PARTICIPANTS),
        "no_other_party": ReasonKind("session", Step.PARTICIPANTS),
        "initiator_missing": ReasonKind("session", Step.PARTICIPANTS),
        "location_missing": ReasonKind("session", Step.PARTICIPANTS),
        # 2. Purpose and legal basis
        "necessity_too_long": ReasonKind("session", Step.PURPOSE),
        "purpose_too_long": ReasonKind("session", Step.PURPOSE),
        "purpose_missing": ReasonKind("avg", Step.PURPOSE),
        "purpose_unknown": ReasonKind("avg", Step.PURPOSE),
        "legal_basis_missing": ReasonKind("avg", Step.PURPOSE),
        "legal_basis_public_authority": ReasonKind("avg", Step.PURPOSE),
        "legal_basis_not_allowed": ReasonKind("avg", Step.PURPOSE),
        "necessity_missing": ReasonKind("avg", Step.PURPOSE),
        "alternatives_missing": ReasonKind("avg", Step.PURPOSE),
        "case_number_missing": ReasonKind("policy", Step.PURPOSE),
        # 3. The rules: announce, camera, consent
        "consent_missing": ReasonKind("avg", Step.RULES_AND_CONSENT),
        "consent_method_missing": ReasonKind("avg", Step.RULES_AND_CONSENT),
        "announcement_not_read": ReasonKind("announce", Step.RULES_AND_CONSENT),
        "camera_unanswered": ReasonKind("e", Step.RULES_AND_CONSENT),
        "camera_not_announced": ReasonKind("e", Step.RULES_AND_CONSENT),
        "camera_action_missing": ReasonKind("e", Step.RULES_AND_CONSENT),
        "video": ReasonKind("d", Step.RULES_AND_CONSENT),
    }
)


@dataclass(frozen=True)
class Reason:
    """One reason a session is refused; its text is in the catalogue as reason.<code>, its rule
    and wizard step in REASONS (a code that is not there is refused when the reason is made)."""

    code: str
    params: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in REASONS:
            raise ValueError(f"reason {self.code!r} is not in policy.rules.REASONS")

    @property
    def kind(self) -> ReasonKind:
        return REASONS[self.code]

    @property
    def rule(self) -> Rule:
        return self.kind.rule

    @property
    def step(self) -> Step:
        return self.kind.step

    def text(self, lang: str) -> str:
        return text(f"reason.{self.code}", lang, **self.params)

    def rule_label(self, lang: str) -> str:
        return text(f"rule.{self.rule}", lang)


class _Refuse(Protocol):
    def __call__(self, code: str, /, **params: str) -> None: ...


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

    def refuse(code: str, /, **params: str) -> None:
        reasons.append(Reason(code, params))

    _lengths(session, refuse)
    _participants(session, refuse)
    if session.initiator is None:
        refuse("initiator_missing")
    if session.location is None:
        refuse("location_missing")
    _purpose(session, policy, refuse)
    if not session.announcement_read:
        refuse("announcement_not_read")
    _camera(session, refuse)
    if session.video:
        refuse("video")
    return Decision(
        allowed=not reasons,
        reasons=tuple(reasons),
        policy_sha256=policy.sha256,
        policy_version=policy.schema_version,
        evaluated_at=iso_time(time.time() if now is None else now),
    )


def _lengths(session: Session, refuse: _Refuse) -> None:
    """Free text within its limits (`policy.inputs`), also when a form built the session: a
    recording whose sealed session is too large could never be read."""
    if len(session.participants) > COUNTS["participants"]:
        refuse("participants_too_many", limit=str(COUNTS["participants"]))
    for number, person in enumerate(session.participants, start=1):
        if len(person.name) > LIMITS["participant_name"]:
            refuse("name_too_long", number=str(number), limit=str(LIMITS["participant_name"]))
    # Each code written out, so that a test can find every code in this file.
    if len(session.case_number or "") > LIMITS["case_number"]:
        refuse("case_number_too_long", limit=str(LIMITS["case_number"]))
    if len(session.necessity or "") > LIMITS["necessity"]:
        refuse("necessity_too_long", limit=str(LIMITS["necessity"]))
    if len(session.purpose or "") > LIMITS["purpose"]:
        refuse("purpose_too_long", limit=str(LIMITS["purpose"]))


def _participants(session: Session, refuse: _Refuse) -> None:
    if not session.participants:
        refuse("participants_missing")
        return
    if not session.employees:
        refuse("no_employee")
    if all(p.role == "employee" for p in session.participants):
        refuse("no_other_party")
    for person in session.participants:
        if not person.consent:
            refuse("consent_missing", name=person.name)
        elif person.consent_method is None:
            refuse("consent_method_missing", name=person.name)


def _purpose(session: Session, policy: Policy, refuse: _Refuse) -> None:
    purpose = policy.purpose(session.purpose)
    if session.purpose is None:
        refuse("purpose_missing")
    elif purpose is None:
        refuse("purpose_unknown", purpose=session.purpose)
    if session.legal_basis is None:
        refuse("legal_basis_missing")
    elif session.legal_basis in NOT_FOR_PUBLIC_AUTHORITIES:
        refuse("legal_basis_public_authority")
    elif purpose is not None and session.legal_basis not in purpose.legal_bases:
        allowed = ", ".join(purpose.legal_bases)
        refuse("legal_basis_not_allowed", basis=session.legal_basis, allowed=allowed)
    if session.initiator != "citizen":
        # The factsheet ("Werksituatie"): only when needed for a clear purpose, and only when
        # the alternatives of the rules do not suffice.
        if session.necessity is None:
            refuse("necessity_missing")
        if not session.alternatives_considered:
            refuse("alternatives_missing")
    if purpose is not None and purpose.case_number_required and not session.case_number:
        refuse("case_number_missing", purpose=purpose.id)


def _camera(session: Session, refuse: _Refuse) -> None:
    if session.location != "home":
        return
    if session.camera_present is None:
        refuse("camera_unanswered")
    elif session.camera_present:
        if not session.camera_announced:
            refuse("camera_not_announced")
        if session.camera_action is None:
            refuse("camera_action_missing")
