"""Every rule with a lawful and an unlawful session; every reason exists in Dutch and English and
knows its rule and the wizard step where it is put right."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest

import policy.rules
from policy.policy import Policy
from policy.rules import LETTERS, REASONS, RULES, Reason, Step, evaluate
from policy.session import Participant, Session
from resources.catalogue import keys, placeholders
from resources.catalogue import text as catalogue_text
from tests.unit.policy.conftest import lawful

CITIZEN = Participant("A. Yilmaz", "citizen", True, "verbal")
EMPLOYEE = Participant("J. de Vries", "employee", True, "verbal")


def vary(**changes: Any) -> Session:
    return dataclasses.replace(lawful(), **changes)


# (rule, what is tested, a lawful variant, an unlawful variant, the reason code it must give)
TABLE = [
    (
        "avg",
        "every participant consented",
        vary(),
        vary(participants=(EMPLOYEE, dataclasses.replace(CITIZEN, consent=False))),
        "consent_missing",
    ),
    (
        "avg",
        "consent has a method",
        vary(participants=(EMPLOYEE, dataclasses.replace(CITIZEN, consent_method="written"))),
        vary(participants=(EMPLOYEE, dataclasses.replace(CITIZEN, consent_method=None))),
        "consent_method_missing",
    ),
    (
        "avg",
        "an employee takes part",
        vary(),
        vary(participants=(CITIZEN, Participant("B", "representative", True, "verbal"))),
        "no_employee",
    ),
    (
        "session",
        "another party takes part",
        vary(participants=(EMPLOYEE, Participant("C", "representative", True, "written"))),
        vary(participants=(EMPLOYEE,)),
        "no_other_party",
    ),
    ("session", "participants are given", vary(), vary(participants=()), "participants_missing"),
    (
        "session",
        "who initiates is given",
        vary(initiator="citizen"),
        vary(initiator=None),
        "initiator_missing",
    ),
    (
        "session",
        "the location is given",
        vary(location="phone"),
        vary(location=None),
        "location_missing",
    ),
    ("avg", "the purpose is given", vary(), vary(purpose=None), "purpose_missing"),
    (
        "avg",
        "the purpose is in the policy",
        vary(purpose="citizen_request"),
        vary(purpose="marketing"),
        "purpose_unknown",
    ),
    ("avg", "a legal basis is given", vary(), vary(legal_basis=None), "legal_basis_missing"),
    (
        "avg",
        "the legal basis fits the purpose",
        vary(purpose="hearing", case_number="Z-1", legal_basis="legal_obligation"),
        vary(legal_basis="consent"),
        "legal_basis_not_allowed",
    ),
    (
        "avg",
        "no legitimate interests for a public authority",
        vary(),
        vary(legal_basis="legitimate_interests"),
        "legal_basis_public_authority",
    ),
    ("avg", "necessity stated", vary(), vary(necessity=None), "necessity_missing"),
    (
        "avg",
        "alternatives considered",
        vary(),
        vary(alternatives_considered=()),
        "alternatives_missing",
    ),
    (
        "announce",
        "the announcement was read",
        vary(),
        vary(announcement_read=False),
        "announcement_not_read",
    ),
    (
        "policy",
        "a case number where the purpose needs one",
        vary(purpose="hearing", case_number="Z-2026-000123"),
        vary(purpose="hearing"),
        "case_number_missing",
    ),
    (
        "e",
        "the camera question answered at home",
        vary(location="home", camera_present=False),
        vary(location="home"),
        "camera_unanswered",
    ),
    (
        "e",
        "a camera present is announced",
        vary(location="home", camera_present=True, camera_announced=True, camera_action="moved"),
        vary(location="home", camera_present=True, camera_announced=False, camera_action="moved"),
        "camera_not_announced",
    ),
    (
        "e",
        "what was done about the camera",
        vary(
            location="home", camera_present=True, camera_announced=True, camera_action="continued"
        ),
        vary(location="home", camera_present=True, camera_announced=True),
        "camera_action_missing",
    ),
    ("d", "no video", vary(video=False), vary(video=True), "video"),
    # Free text within its limits, also when a form (not a file) built the session.
    (
        "session",
        "names within their limit",
        vary(participants=(EMPLOYEE, dataclasses.replace(CITIZEN, name="N" * 200))),
        vary(participants=(EMPLOYEE, dataclasses.replace(CITIZEN, name="N" * 201))),
        "name_too_long",
    ),
    (
        "session",
        "not too many participants",
        vary(
            participants=(
                EMPLOYEE,
                *[dataclasses.replace(CITIZEN, name=f"P{i}") for i in range(49)],
            )
        ),
        vary(
            participants=(
                EMPLOYEE,
                *[dataclasses.replace(CITIZEN, name=f"P{i}") for i in range(50)],
            )
        ),
        "participants_too_many",
    ),
    (
        "session",
        "a case number within its limit",
        vary(case_number="Z" * 100),
        vary(case_number="Z" * 101),
        "case_number_too_long",
    ),
    (
        "session",
        "the necessity within its limit",
        vary(necessity="x" * 2000),
        vary(necessity="x" * 2001),
        "necessity_too_long",
    ),
    (
        "session",
        "the purpose within its limit",
        vary(),
        vary(purpose="p" * 101),
        "purpose_too_long",
    ),
]


@pytest.mark.parametrize(("rule", "what", "good", "bad", "code"), TABLE, ids=[t[1] for t in TABLE])
def test_rule(policy: Policy, rule: str, what: str, good: Session, bad: Session, code: str) -> None:
    allowed = evaluate(good, policy)
    assert allowed.allowed, [r.code for r in allowed.reasons]
    refused = evaluate(bad, policy)
    assert not refused.allowed
    assert code in [r.code for r in refused.reasons]
    reason = next(r for r in refused.reasons if r.code == code)
    assert reason.rule == rule
    for lang in ("nl", "en"):
        assert reason.text(lang) and "{" not in reason.text(lang)
        assert reason.rule_label(lang) != f"rule.{rule}"


def test_citizen_initiated_needs_no_necessity_but_a_legal_basis(policy: Policy) -> None:
    session = vary(
        initiator="citizen",
        purpose="citizen_request",
        legal_basis="consent",
        necessity=None,
        alternatives_considered=(),
    )
    assert evaluate(session, policy).allowed
    assert not evaluate(dataclasses.replace(session, legal_basis=None), policy).allowed


def test_an_empty_session_is_refused_with_every_reason(policy: Policy) -> None:
    decision = evaluate(Session(), policy)
    assert not decision.allowed
    codes = {r.code for r in decision.reasons}
    assert {
        "participants_missing",
        "purpose_missing",
        "legal_basis_missing",
        "announcement_not_read",
        "initiator_missing",
        "location_missing",
    } <= codes


def test_every_reason_and_rule_has_both_languages() -> None:
    codes = set(REASONS)
    assert {k.split(".", 1)[1] for k in keys("nl") if k.startswith("reason.")} == codes
    for code in codes:
        key = f"reason.{code}"
        assert placeholders(catalogue_text(key, "nl")) == placeholders(catalogue_text(key, "en"))
    for rule in RULES:
        assert catalogue_text(f"rule.{rule}", "nl") != catalogue_text(f"rule.{rule}", "en")


def test_the_decision_records_the_policy(policy: Policy) -> None:
    doc = evaluate(lawful(), policy).document()
    assert doc["allowed"] is True and doc["policy_sha256"] == policy.sha256


def test_every_reason_has_its_rule_and_its_wizard_step() -> None:
    """The wizard shows a reason on its step's page; a reason without one would leave "Start
    recording" disabled without a word."""
    assert REASONS
    for code, kind in REASONS.items():
        assert isinstance(kind.step, Step), code
        assert kind.rule in RULES, code
        assert kind.letter == (kind.rule if kind.rule in LETTERS else None), code
    assert {row[4] for row in TABLE} == set(REASONS)  # and each is tested above
    assert {kind.step for kind in REASONS.values()} == set(Step)  # no wizard page without one


def _codes_in_the_source() -> set[str]:
    """Every reason code in policy/rules.py, read from its code: the first argument of each call
    of `refuse`, which must be written out as a literal (no f-string, no variable)."""
    source = Path(policy.rules.__file__).read_text(encoding="utf-8")
    codes: set[str] = set()
    calls = 0
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        first = node.args[0] if node.args else None
        if node.func.id == "refuse":
            calls += 1
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"policy/rules.py line {node.lineno}: a reason code must be a literal string"
            )
            codes.add(first.value)
        elif node.func.id == "Reason":  # made only inside refuse, from its code
            assert isinstance(first, ast.Name) and first.id == "code", node.lineno
    # Plain text as well: every "refuse(" in the file is a call the walk above checked.
    assert source.count("refuse(") - source.count("def refuse(") == calls
    return codes


def test_every_reason_code_evaluate_can_give_is_in_the_table() -> None:
    codes = _codes_in_the_source()
    assert len(codes) > 20
    assert codes - set(REASONS) == set(), "reasons without a rule and a wizard step"
    assert set(REASONS) - codes == set(), "reasons in the table that evaluate never gives"


def test_a_reason_not_in_the_table_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="REASONS"):
        Reason("new_rule_without_a_step")
    video = Reason("video")
    assert video.step is Step.RULES_AND_CONSENT and video.kind.letter == "d"
