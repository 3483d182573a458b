"""The wizard shows each reason on the page of its step (`policy.rules.REASONS`), with no list
of codes of its own: a session that a reason blocks keeps "Start recording" disabled and says
why, also for a reason the wizard has never heard of by name."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

import desktop.gui.wizard
from desktop.gui.i18n import language
from desktop.gui.wizard import CheckedPage, NewConversationWizard
from policy.policy import Policy, load_policy
from policy.rules import REASONS, Decision, Reason, Step, evaluate
from policy.session import Session
from resources.catalogue import placeholders
from resources.catalogue import text as catalogue_text


@pytest.fixture
def wizard(qtbot: QtBot) -> NewConversationWizard:
    wizard = NewConversationWizard(load_policy())
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def pages(wizard: NewConversationWizard) -> dict[Step, CheckedPage]:
    return {page.step: page for page in (wizard.people, wizard.purpose, wizard.rules)}


def to_the_last_page(wizard: NewConversationWizard, location: str = "office") -> None:
    """A lawful conversation up to the rules page, as an employee fills it in."""
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    people = wizard.people
    people.add_participant("J. de Vries", "employee")
    people.add_participant("A. Yilmaz", "citizen")
    people.location.setCurrentIndex(people.location.findData(location))
    people.initiator.setCurrentIndex(people.initiator.findData("municipality"))
    assert next_button.isEnabled(), people.reasons.text()
    wizard.next()
    purpose = wizard.purpose
    purpose.purpose.setCurrentIndex(purpose.purpose.findData("accurate_report"))
    purpose.necessity.setPlainText("Eerdere afspraken werden verschillend onthouden.")
    purpose.alternatives["written_summary"].setChecked(True)
    assert next_button.isEnabled(), purpose.reasons.text()
    wizard.next()
    rules = wizard.rules
    assert wizard.currentPage() is rules
    rules.read_aloud.setChecked(True)
    for name, how in (("J. de Vries", "verbal"), ("A. Yilmaz", "written")):
        check, method = rules.consents[name]
        check.setChecked(True)
        method.setCurrentIndex(method.findData(how))


def test_the_pages_are_the_steps_in_order(wizard: NewConversationWizard) -> None:
    in_order = [wizard.page(page_id) for page_id in wizard.pageIds()]
    assert [page.step for page in in_order if isinstance(page, CheckedPage)] == list(Step)
    assert len(in_order) == len(Step)


def test_a_camera_not_announced_keeps_start_recording_disabled_and_says_why(
    wizard: NewConversationWizard,
) -> None:
    """Rule e, with the real decision: the reason is on the rules page, in words, visible."""
    to_the_last_page(wizard, location="home")
    rules = wizard.rules
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    rules.camera_yes.setChecked(True)
    rules.moved.setChecked(True)
    assert not finish.isEnabled()
    assert rules.reasons.isVisible()
    assert rules.reasons.text() == f"• {Reason('camera_not_announced').text(language())}"
    rules.camera_announced.setChecked(True)
    assert finish.isEnabled()
    assert not rules.reasons.isVisible()


def a_reason(code: str) -> Reason:
    template = catalogue_text(f"reason.{code}", language())
    return Reason(code, {name: f"<{name}>" for name in placeholders(template)})


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_reason_is_shown_on_its_step_and_blocks_start_recording(
    wizard: NewConversationWizard, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    """Any reason, added to the decision of an otherwise lawful conversation: its step's page
    and every later one show it and wait; the pages before do not; "Start recording" is
    disabled with the reason visible beside it."""
    to_the_last_page(wizard)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled(), wizard.rules.reasons.text()
    reason = a_reason(code)
    words = reason.text(language())

    def blocked(session: Session, policy: Policy, now: float | None = None) -> Decision:
        decision = evaluate(session, policy, now)
        return dataclasses.replace(decision, allowed=False, reasons=(*decision.reasons, reason))

    monkeypatch.setattr(desktop.gui.wizard, "evaluate", blocked)
    wizard.changed()

    steps = list(Step)
    for step, page in pages(wizard).items():
        blocks = steps.index(step) >= steps.index(reason.step)
        assert (words in page.reasons.text()) == blocks, step
        assert page.isComplete() == (not blocks), step
    assert pages(wizard)[reason.step].reasons.text() == f"• {words}"
    assert not finish.isEnabled()
    assert wizard.rules.reasons.isVisible()
    assert words in wizard.rules.reasons.text()
    wizard.accept()  # the second line of defence: nothing starts
    assert wizard.result() != QWizard.DialogCode.Accepted

    # Back on the step's own page the reason is visible there and "Next" waits for it.
    own = pages(wizard)[reason.step]
    while wizard.currentPage() is not own:
        wizard.back()
    assert own.reasons.isVisible()
    if reason.step is not Step.RULES_AND_CONSENT:
        assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
