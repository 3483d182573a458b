"""Rule c and early deletion in the window: a copy for a non-participant is refused without a
consent file and made with one; "Delete early" erases with the Privacy Officer's key."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from audio.vault.keys import RecoveryPrivateKey
from desktop.gui.copy_dialogs import ExportDialog
from desktop.gui.erase_dialog import EraseDialog
from desktop.gui.recordings_panel import RecordingsPanel
from policy.policy import load_policy
from policy.workspace import Workspace
from tests.helpers.organisation import make_org
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import DEFAULT
from tests.unit.policy.test_erasure import officer_policy, recording
from tests.unit.policy.test_rule_c import consent_file

KEY_SECRET = "groene olifant drinkt koude thee"


def test_a_copy_for_a_non_participant_needs_everyones_consent(qtbot: QtBot, tmp_path: Path) -> None:
    workspace = Workspace.create(tmp_path / "v", PASSPHRASE, load_policy(DEFAULT), kdf=FAST_KDF)
    rid = recording(workspace, RecoveryPrivateKey.generate().public)
    usb = tmp_path / "usb"
    usb.mkdir()
    dialog = ExportDialog(workspace, rid, usb)
    qtbot.addWidget(dialog)
    dialog.recipient.setText("Buurvrouw Jansen")
    dialog.run()
    assert "Regel c" in dialog.status.text() or "Rule c" in dialog.status.text()
    assert dialog.job is None and list(usb.iterdir()) == []
    dialog.consent_file.setText(str(consent_file(tmp_path, ["J. de Vries", "A. Yilmaz"])))
    dialog.run()
    qtbot.waitUntil(lambda: dialog.folder is not None, timeout=20000)
    assert dialog.job is not None and dialog.job.wait()
    assert dialog.folder is not None
    data = json.loads((dialog.folder / "gegevens.json").read_text(encoding="utf-8"))
    assert data["recipient"] == "Buurvrouw Jansen" and data["basis"].startswith("geen deelnemer")


def test_delete_early_from_the_recordings_panel(qtbot: QtBot, tmp_path: Path) -> None:
    officer = RecoveryPrivateKey.generate()
    org = make_org(tmp_path / "org")
    file = officer_policy(tmp_path / "beleid", org, officer.public)
    made = Workspace.create(tmp_path / "v", PASSPHRASE, load_policy(file), kdf=FAST_KDF)
    org.enroll(made)
    workspace = Workspace(made.vault, load_policy(file))  # the officer's key in force
    key = tmp_path / "herstel.pem"
    key.write_bytes(officer.pem(KEY_SECRET.encode()))
    rid = recording(workspace, officer.public)
    panel = RecordingsPanel(workspace)
    qtbot.addWidget(panel)
    panel.table.selectRow(0)
    assert panel.buttons["erase"].isEnabled()
    panel.erase_selected()
    dialog = panel.erase_dialog
    assert isinstance(dialog, EraseDialog)
    dialog.reason.setText("Toestemming ingetrokken")
    dialog.key_file.setText(str(key))
    dialog.passphrase.setText("verkeerd")
    receipt = tmp_path / "bevestiging.pdf"
    dialog.receipt.setText(str(receipt))
    dialog.run()
    qtbot.waitUntil(lambda: dialog.start.isEnabled(), timeout=10000)  # a wrong passphrase
    assert workspace.vault.vault.recording_path(rid).exists() and dialog.erasure is None
    dialog.passphrase.setText(KEY_SECRET)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.erasure is not None, timeout=10000)
    assert dialog.job is not None and dialog.job.wait()
    assert receipt.exists() and dialog.passphrase.text() == ""
    dialog.finish()
    qtbot.waitUntil(lambda: all(i.recording_id != rid for i in panel.infos), timeout=5000)
    entries, _ = workspace.audit.read()
    assert entries[-1].action == "erased"
