"""The citizen's recording taken in from the window (issue 16): real widgets offscreen, a real
vault and a real WAV file. The same checks as `gespreksopname import`: the policy's gate, an
audio file only, nothing kept on a refusal, the audit entry "imported"."""

from __future__ import annotations

import hashlib
import resource
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from audio.vault.store import RECORDINGS
from desktop.gui.import_dialog import FILE, HANDOVER, PEOPLE, ImportWizard
from desktop.gui.main_window import MainWindow
from desktop.gui.settings import Settings
from policy.audit import AuditEntry
from policy.policy import load_policy
from policy.workspace import Workspace
from tests.unit.conftest import FAST_KDF, PASSPHRASE


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(), kdf=FAST_KDF)


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    """What a citizen's recorder app might write: three seconds of a tone, on a 'USB stick'."""
    stick = tmp_path / "usb"
    stick.mkdir()
    file = stick / "Gesprek gemeente.wav"
    t = np.arange(16000 * 3) / 16000
    soundfile.write(str(file), 0.3 * np.sin(2 * np.pi * 300 * t), 16000, subtype="PCM_16")
    return file


def fill_in(wizard: ImportWizard, file: Path, consent: bool = True) -> None:
    """As the employee would: the file, who and where, purpose, the rules and consent."""
    assert wizard.currentId() == FILE
    assert not wizard.file_page.isComplete()
    assert wizard.file_page.set_file(file)
    wizard.next()
    assert wizard.currentId() == PEOPLE
    people = wizard.people
    people.add_participant("J. de Vries", "employee")
    people.add_participant("A. Yilmaz", "citizen")
    people.location.setCurrentIndex(people.location.findData("office"))
    assert people.initiator.currentData() == "citizen"  # the citizen made the recording
    wizard.next()
    purpose = wizard.purpose
    purpose.purpose.setCurrentIndex(purpose.purpose.findData("citizen_request"))
    purpose.basis.setCurrentIndex(purpose.basis.findData("consent"))
    wizard.next()
    rules = wizard.rules
    rules.read_aloud.setChecked(True)
    for name, (check, method) in rules.consents.items():
        check.setChecked(consent or name != "A. Yilmaz")
        method.setCurrentIndex(method.findData("verbal"))


def entries(workspace: Workspace, action: str) -> list[AuditEntry]:
    found, problem = workspace.audit.read()
    assert problem is None
    return [entry for entry in found if entry.action == action]


def imported_ids(workspace: Workspace) -> list[str]:
    return [entry.recording_id or "" for entry in entries(workspace, "imported")]


def stored(workspace: Workspace) -> list[Path]:
    return sorted((workspace.vault.root / RECORDINGS).glob("*.gesp"))


def test_an_imported_recording_is_sealed_as_received_and_listed(
    qtbot: QtBot, tmp_path: Path, workspace: Workspace, wav: Path, settings: Settings
) -> None:
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.import_action.trigger()
    wizard = window.import_dialog
    fill_in(wizard, wav)
    wizard.next()
    assert wizard.currentId() == HANDOVER
    # Who handed it over: the citizen by default, as on the command line.
    assert wizard.handover.giver() == "A. Yilmaz"
    wizard.handover.received_from.setEditText("A. Yilmaz (dochter: S. Yilmaz)")
    assert wizard.handover.isComplete()
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    manifest = wizard.manifest
    assert manifest is not None
    assert manifest.pcm_sha256 == hashlib.sha256(wav.read_bytes()).hexdigest()
    assert manifest.session["kind"] == "import"
    assert manifest.session["received_from"] == "A. Yilmaz (dochter: S. Yilmaz)"
    decision, media = manifest.session["decision"], manifest.session["media"]
    assert isinstance(decision, dict) and decision["allowed"] is True
    assert isinstance(media, dict) and media["decodable"] is True
    # In the list as received, and in the trail as imported.
    infos = {info.recording_id: info for info in window.recordings.infos}
    assert manifest.recording_id in infos
    assert infos[manifest.recording_id].session.kind == "import"
    table = window.recordings.table
    rows = [
        [
            item.text() if (item := table.item(row, col)) else ""
            for col in range(table.columnCount())
        ]
        for row in range(table.rowCount())
    ]
    (row,) = rows  # the one recording, with its participants and its state
    assert "A. Yilmaz" in row[2] and row[4].lower() in ("received", "ontvangen"), row
    assert imported_ids(workspace) == [manifest.recording_id]
    assert manifest.recording_id in window.statusBar().currentMessage()
    window.close()


def test_a_refused_conversation_is_refused_with_its_reason_and_nothing_is_kept(
    qtbot: QtBot, workspace: Workspace, wav: Path
) -> None:
    wizard = ImportWizard(workspace)
    qtbot.addWidget(wizard)
    wizard.show()
    fill_in(wizard, wav, consent=False)
    # The rules page says why, and the way on stays closed.
    assert "A. Yilmaz" in wizard.rules.reasons.text()
    assert not wizard.rules.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    # Even when Finish were pressed somehow, the policy refuses it again and keeps nothing.
    before = stored(workspace)
    wizard.accept()
    assert wizard.job is None
    # The core's own gate, as the window's worker calls it: refused with the reason named.
    from policy.imports import ImportRefused, import_recording

    with pytest.raises(ImportRefused) as refused:
        import_recording(workspace, wav, wizard.session(), "A. Yilmaz")
    assert "A. Yilmaz" in refused.value.message("nl")
    assert "niets bewaard" in refused.value.message("nl")
    assert stored(workspace) == before == []
    assert imported_ids(workspace) == []
    checked = entries(workspace, "session_checked")
    assert checked[-1].details["allowed"] is False
    reasons = checked[-1].details["reasons"]
    assert isinstance(reasons, list) and "consent_missing" in reasons
    wizard.close()


def test_a_failed_write_is_said_in_words_and_nothing_is_kept(
    qtbot: QtBot, tmp_path: Path, workspace: Workspace
) -> None:
    """A write that fails halfway (here the kernel's file-size limit, as a full disk would) is
    shown on the last page; the wizard stays open, nothing is kept and nothing is logged as
    imported. Then, with room again, the same wizard imports it."""
    file = tmp_path / "lang gesprek.wav"
    noise = np.random.default_rng(16).uniform(-0.5, 0.5, 16000 * 40)  # 1.3 MB, not compressible
    soundfile.write(str(file), noise, 16000, subtype="PCM_16")
    wizard = ImportWizard(workspace)
    qtbot.addWidget(wizard)
    wizard.show()
    fill_in(wizard, file)
    wizard.next()
    assert wizard.currentId() == HANDOVER
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, limits[1]))  # Python ignores SIGXFSZ
    try:
        wizard.accept()
        assert wizard.job is not None and wizard.job.wait()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    assert wizard.manifest is None and wizard.isVisible()
    error = wizard.handover.error.text()
    assert "schijf" in error and "niets bewaard" in error, error
    assert imported_ids(workspace) == [] and stored(workspace) == []
    assert wizard.handover.isComplete()  # the employee may try again
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    assert wizard.manifest is not None and imported_ids(workspace) == [wizard.manifest.recording_id]


def test_a_file_that_is_not_audio_is_refused_clearly(
    qtbot: QtBot, tmp_path: Path, workspace: Workspace
) -> None:
    letter = tmp_path / "brief.pdf"
    letter.write_bytes(b"%PDF-1.7\n" + b"x" * 2000)
    wizard = ImportWizard(workspace)
    qtbot.addWidget(wizard)
    wizard.show()
    assert not wizard.file_page.set_file(letter)
    text = wizard.file_page.error.text()
    assert "brief.pdf" in text and "geen geluidsopname" in text and "niets bewaard" in text
    assert not wizard.file_page.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no way on
    missing = tmp_path / "weg.wav"
    assert not wizard.file_page.set_file(missing)
    assert "weg.wav" in wizard.file_page.error.text()
    assert stored(workspace) == []
    wizard.close()


def test_the_command_line_has_the_same_checks(
    tmp_path: Path,
    workspace: Workspace,
    wav: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gate and the file check are the core's: `gespreksopname import` refuses a session
    without consent (exit 3, the reason named) and a document (exit 2), keeping nothing."""
    from desktop.cli import main

    session = tmp_path / "sessie.toml"
    session.write_text(
        'initiator = "citizen"\nlocation = "office"\npurpose = "citizen_request"\n'
        'legal_basis = "consent"\nannouncement_read = true\n\n'
        '[[participants]]\nname = "J. de Vries"\nrole = "employee"\nconsent = true\n'
        'consent_method = "verbal"\n\n'
        '[[participants]]\nname = "A. Yilmaz"\nrole = "citizen"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(workspace.vault.root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("GESPREKSOPNAME_POLICY", raising=False)
    monkeypatch.setenv("GESPREKSOPNAME_LANG", "nl")
    assert main(["import", str(wav), str(session)]) == 3
    out = capsys.readouterr().out
    assert "A. Yilmaz" in out and "niets bewaard" in out
    letter = tmp_path / "brief.pdf"
    letter.write_bytes(b"%PDF-1.7\n" + b"x" * 2000)
    assert main(["import", str(letter), str(session)]) == 2
    assert "geen geluidsopname" in capsys.readouterr().err
    assert imported_ids(workspace) == [] and stored(workspace) == []
