"""The citizen records, in the window (issue 16): the dialog is reached from the main window,
checks the form as the command line does, registers the conversation (vault, trail) and writes
the rules sheet; a breach of the rules is reported from its own dialog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.gui.breach_dialog import BreachDialog
from desktop.gui.citizen_dialog import CitizenDialog
from desktop.gui.main_window import MainWindow
from desktop.gui.settings import Settings
from policy.citizen import CITIZEN_RECORDINGS, citizen_recordings
from policy.policy import load_policy
from policy.workspace import Workspace
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.test_citizen import RULES_EN, RULES_NL, column, pages, whole

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
REASON = "Ik wil het thuis nog eens rustig terugluisteren."


def actions(workspace: Workspace) -> list[str]:
    entries, problem = workspace.audit_problem()
    assert problem is None
    return [entry.action for entry in entries]


def test_the_citizen_records_from_the_window(
    qtbot: QtBot, tmp_path: Path, settings: Settings
) -> None:
    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(), kdf=FAST_KDF)
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    assert window.citizen_action.isEnabled() and window.breach_action.isEnabled()
    window.citizen_action.trigger()
    dialog = window.citizen_dialog
    assert isinstance(dialog, CitizenDialog)
    dialog.employee.setText("J. de Vries")
    dialog.citizen.setText("A. Yilmaz")
    dialog.recorder.setText("Buurman")  # takes no part and records for nobody
    sheet = tmp_path / "spelregels.pdf"
    dialog.register(sheet)
    assert "Buurman" in dialog.error.text() and not sheet.exists()
    assert not (workspace.vault.root / CITIZEN_RECORDINGS).exists()
    dialog.acting_for.setText("A. Yilmaz")  # the neighbour records for the citizen
    dialog.announced.setChecked(True)
    dialog.reason.setPlainText(REASON)
    dialog.refused.setChecked(True)
    assert dialog.reasons.isEnabled()
    dialog.register(sheet)
    assert "refusal_reasons" in dialog.error.text()  # rule f: the weighty reasons are required
    dialog.reasons.setPlainText("Er komen gegevens van een derde aan de orde.")
    dialog.alternative.setCurrentIndex(dialog.alternative.findData("representative"))
    dialog.register(sheet)
    assert dialog.result() == CitizenDialog.DialogCode.Accepted, dialog.error.text()
    (record,) = citizen_recordings(workspace)
    assert record.acting_for == "A. Yilmaz" and record.recorder == "Buurman"
    assert record.decision == "refused" and record.alternative == "representative"
    assert "citizen_recording_registered" in actions(workspace)
    assert pages(sheet) == 1
    dutch, english = column(sheet, 0), column(sheet, 1)
    for rule in RULES_NL:
        assert rule in dutch
    for rule in RULES_EN:
        assert rule in english
    assert REASON in dutch and "Buurman, namens A. Yilmaz" in dutch
    policy = workspace.policy
    assert " ".join(policy.alternative("representative", "en").split()) in english

    # The rules sheet alone, to hand out beforehand.
    window.citizen_action.trigger()
    blank = tmp_path / "blanco.pdf"
    window.citizen_dialog.save_sheet_only(blank)
    assert "Uw gesprek" not in whole(blank) and "a. Wie opneemt" in whole(blank)
    window.citizen_dialog.reject()

    # A breach of the rules about that conversation.
    window.breach_action.trigger()
    breach = window.breach_dialog
    assert isinstance(breach, BreachDialog)
    assert breach.conversation.currentData() == record.id
    breach.kind.setCurrentIndex(breach.kind.findData("published"))
    report = tmp_path / "melding.pdf"
    breach.submit(report)
    assert breach.error.text() and not report.exists()  # nothing said about what happened
    breach.what.setPlainText("De opname staat op YouTube.")
    breach.submit(report)
    assert breach.report is not None and report.exists()
    page = whole(report)
    assert "De opname staat op YouTube." in page and record.id in page
    assert "fg@s-hertogenbosch.nl" in page
    assert "breach_reported" in actions(workspace)
