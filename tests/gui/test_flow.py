"""The whole flow with real widgets, as an employee would: first run, the wizard (blocked until
consent is complete), recording from the virtual microphone with a marker and a pause, the
recording listed and verified, a copy exported and verified, a refusal letter produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWizard
from pytestqt.qtbot import QtBot

from desktop.gui.copy_dialogs import ExportDialog
from desktop.gui.main_window import MainWindow
from desktop.gui.refusal_dialog import RefusalDialog
from desktop.gui.settings import Settings
from desktop.gui.vault_dialogs import FirstRunDialog, UnlockDialog
from policy.policy import load_policy
from tests.helpers.virtual_mic import SPEAKER, VirtualMic


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Modal message boxes would block a test: record what they would have said."""
    shown: list[tuple[str, str]] = []

    def box(kind: str) -> Any:
        def show(_parent: Any, title: str, text: str, *args: Any) -> Any:
            shown.append((kind, text))
            return QMessageBox.StandardButton.Yes

        return staticmethod(show)

    for kind in ("information", "warning", "question", "critical"):
        monkeypatch.setattr(QMessageBox, kind, box(kind))
    monkeypatch.setattr("PySide6.QtGui.QDesktopServices.openUrl", lambda *_: True)
    return shown


def test_first_run_then_unlock(qtbot: QtBot, tmp_path: Path) -> None:
    policy = load_policy()
    dialog = FirstRunDialog(tmp_path / "vault", policy)
    qtbot.addWidget(dialog)
    assert not dialog.create_button.isEnabled()
    qtbot.keyClicks(dialog.first, "een lange zin als wachtwoord")
    qtbot.keyClicks(dialog.second, "een lange zin als wachtwoord!")
    assert not dialog.create_button.isEnabled()
    assert dialog.error.text()
    dialog.second.setText("een lange zin als wachtwoord")
    assert dialog.create_button.isEnabled()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.workspace is not None
    assert dialog.workspace.fingerprint in dialog.fingerprint.text()
    unlock = UnlockDialog(tmp_path / "vault", policy)
    qtbot.addWidget(unlock)
    unlock.passphrase.setText("wrong")
    unlock.try_unlock()
    assert unlock.workspace is None and unlock.error.text()
    unlock.passphrase.setText("een lange zin als wachtwoord")
    unlock.try_unlock()
    assert unlock.workspace is not None


def test_the_whole_flow(
    qtbot: QtBot,
    tmp_path: Path,
    mic: VirtualMic,
    settings: Settings,
    messages: list[tuple[str, str]],
) -> None:
    policy = load_policy()
    first = FirstRunDialog(tmp_path / "vault", policy)
    qtbot.addWidget(first)
    first.first.setText("correct horse battery staple")
    first.second.setText("correct horse battery staple")
    first.create_vault()
    workspace = first.workspace
    assert workspace is not None
    settings.microphone = "gespreksopname_test"
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()

    # The wizard: "Next" stays disabled until each page is lawful.
    window.new_action.trigger()
    wizard = window.wizard
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    people = wizard.people
    people.add_participant("J. de Vries", "employee")
    people.add_participant("A. Yilmaz", "citizen")
    people.location.setCurrentIndex(people.location.findData("office"))
    assert not next_button.isEnabled()
    assert "wie om de opname vraagt" in people.reasons.text()
    people.initiator.setCurrentIndex(people.initiator.findData("municipality"))
    assert next_button.isEnabled()
    wizard.next()
    purpose = wizard.purpose
    purpose.purpose.setCurrentIndex(purpose.purpose.findData("accurate_report"))
    assert "nodig" in purpose.reasons.text()
    purpose.necessity.setPlainText("Eerdere afspraken werden verschillend onthouden.")
    purpose.alternatives["written_summary"].setChecked(True)
    assert next_button.isEnabled(), purpose.reasons.text()
    wizard.next()
    rules = wizard.rules
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert "J. de Vries" in rules.announcement.text()
    # The citizen's rights are told with the announcement (issue 16).
    assert "Autoriteit Persoonsgegevens" in rules.announcement.text()
    assert not finish.isEnabled()
    rules.read_aloud.setChecked(True)
    check, method = rules.consents["J. de Vries"]
    check.setChecked(True)
    method.setCurrentIndex(method.findData("verbal"))
    assert not finish.isEnabled()
    assert "A. Yilmaz" in rules.reasons.text()  # the one still missing, in words
    check, method = rules.consents["A. Yilmaz"]
    check.setChecked(True)
    method.setCurrentIndex(method.findData("written"))
    assert finish.isEnabled()
    with qtbot.waitSignal(window.recording_started, timeout=10000):
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)

    # Recording: a marker, a pause, then stop and seal.
    panel = window.panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.recording.recorder.first_block.is_set(), timeout=5000)
    assert "OPNAME" in panel.state.text() or "RECORDING" in panel.state.text()
    qtbot.keyClicks(panel.note, "toestemming herhaald op de band")
    qtbot.mouseClick(panel.marker, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.markers.count() == 1, timeout=3000)
    qtbot.mouseClick(panel.pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.recording.status().state == "paused", timeout=3000)
    qtbot.mouseClick(panel.pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.recording.status().state == "recording", timeout=3000)
    qtbot.wait(500)
    with qtbot.waitSignal(window.recording_finished, timeout=10000) as finished:
        qtbot.mouseClick(panel.stop, Qt.MouseButton.LeftButton)
        # Sealing runs off the GUI thread: the window answers at once and says what it does.
        assert panel.job is not None and not panel.stop.isEnabled()
    manifest = finished.args[0]
    assert manifest.state == "sealed"
    assert [e.kind for e in manifest.events] == ["marker", "pause", "resume"]

    # Listed, and verified.
    table = window.recordings.table
    assert table.rowCount() == 1
    state = table.item(0, 4)
    assert state is not None and state.text() in ("verzegeld", "sealed")
    table.selectRow(0)
    window.recordings.buttons["verify"].click()
    qtbot.waitUntil(
        lambda: "ONGESCHONDEN" in window.recordings.details.toPlainText(), timeout=10000
    )

    # Played back (decrypted in memory) on the virtual speaker, with the marker listed.
    settings.speaker = SPEAKER
    window.play(manifest.recording_id)  # opened off the GUI thread
    window.play(manifest.recording_id)  # a second click while opening is ignored
    qtbot.waitUntil(lambda: getattr(window, "player_dialog", None) is not None, timeout=10000)
    assert window.player_job is None
    player = window.player_dialog
    assert player.markers.count() == 3
    assert "toestemming herhaald op de band" in player.markers.item(0).text()
    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.player.position > 0, timeout=5000)
    player.accept()

    # A copy for the citizen, made off the GUI thread, then verified.
    usb = tmp_path / "usb"
    usb.mkdir()
    export = ExportDialog(workspace, manifest.recording_id, usb)
    qtbot.addWidget(export)
    export.recipient.setText("A. Yilmaz")
    export.format.setCurrentIndex(export.format.findData("flac"))
    export.run()
    qtbot.waitUntil(lambda: export.folder is not None, timeout=20000)
    assert export.open_button.isEnabled() and export.progress.value() == 100
    assert export.job is not None and export.job.wait()
    assert export.folder is not None
    # The dialog says what the copy holds: every file in the folder, each in words.
    listed = [export.contents.item(i).text() for i in range(export.contents.count())]
    assert export.contents.isVisibleTo(export)
    assert sorted(row.split("  —  ")[0] for row in listed) == sorted(
        p.name for p in export.folder.iterdir()
    )
    assert any(row.startswith("opname.flac  —  de opname") for row in listed), listed
    result = window.verify_path(export.folder)
    assert "ONGESCHONDEN" in result

    # A refusal with its letter.
    refusal = RefusalDialog(workspace)
    qtbot.addWidget(refusal)
    refusal.citizen.setText("mevrouw A. Yilmaz")
    refusal.employee.setText("J. de Vries")
    refusal.register(tmp_path / "brief.pdf")
    assert refusal.error.text()  # the weighty reasons are required (rule f)
    assert not (tmp_path / "brief.pdf").exists()
    refusal.reasons.setPlainText("De veiligheid van een derde is in het geding.")
    refusal.register(tmp_path / "brief.pdf")
    assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF")

    # The audit trail says what happened, and verifies.
    window.audit.reload()
    assert "intact" in window.audit.result.text().lower()
    actions = [e.action for e in window.audit.entries]
    for action in (
        "recording_started",
        "recording_paused",
        "recording_resumed",
        "recording_sealed",
        "verified",
        "exported",
        "refusal_registered",
    ):
        assert action in actions
    window.close()


def test_an_edited_version_from_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    """The rule-b dialog refuses without everyone's consent and makes the version off-thread."""
    from desktop.gui.copy_dialogs import DeriveDialog
    from policy.rules import evaluate
    from policy.sealed import session_document
    from policy.workspace import Workspace
    from tests.unit.conftest import FAST_KDF, PASSPHRASE
    from tests.unit.policy.conftest import lawful

    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(), kdf=FAST_KDF)
    session = lawful()
    record = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.vault.new_recording(sample_rate=48000, channels=1, session=record)
    writer.write(bytes(2 * 48000 * 3))
    writer.seal()
    dialog = DeriveDialog(workspace, writer.recording_id)
    qtbot.addWidget(dialog)
    dialog.cuts.setText("0:01-0:02")
    dialog.announced.setChecked(True)
    dialog.agreed["J. de Vries"][0].setChecked(True)
    dialog.make()
    qtbot.waitUntil(lambda: "A. Yilmaz" in dialog.error.text(), timeout=10000)
    assert dialog.manifest is None
    assert dialog.job is not None and dialog.job.wait()
    dialog.agreed["A. Yilmaz"][0].setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.make()
    assert dialog.manifest is not None and dialog.manifest.frames == 48000 * 2


def test_a_changed_recording_is_not_played_and_the_window_says_why(
    qtbot: QtBot, tmp_path: Path, messages: list[tuple[str, str]], settings: Settings
) -> None:
    """Opening for playback authenticates every chunk, off the GUI thread; a changed byte
    gives a warning, no player, and no 'played' entry in the audit trail."""
    from policy.workspace import Workspace
    from tests.unit.conftest import FAST_KDF, PASSPHRASE

    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(), kdf=FAST_KDF)
    writer = workspace.vault.new_recording(sample_rate=48000, channels=1)
    writer.write(bytes(range(256)) * 750)
    writer.seal()
    with writer.path.open("r+b") as handle:  # one byte of the audio's ciphertext
        handle.seek(writer.path.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 1]))
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.play(writer.recording_id)
    qtbot.waitUntil(lambda: window.player_job is None, timeout=10000)
    assert getattr(window, "player_dialog", None) is None
    assert [kind for kind, _text in messages] == ["warning"]
    window.audit.reload()
    assert "played" not in [entry.action for entry in window.audit.entries]
    window.close()
