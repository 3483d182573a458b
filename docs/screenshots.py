"""Render every screen of the app to PNG in docs/screenshots/ (Dutch), on a virtual display.

Run: .venv/bin/python docs/screenshots.py [--lang nl|en] [--out docs/screenshots]

It starts Xvfb itself (and a private PulseAudio null sink as the microphone, as the tests do),
makes a throw-away vault with a few recordings, opens each screen with real widgets, and saves
what a user would see. Nothing touches the user's own vault or settings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_xvfb() -> subprocess.Popen[bytes]:
    display = ":97"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    time.sleep(1.0)
    return xvfb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="nl", choices=["nl", "en"])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gesp-shots-"))
    xvfb = start_xvfb()
    from tests.helpers import virtual_mic

    os.environ.update(virtual_mic.environment(work))
    os.environ.pop("PULSE_SERVER", None)
    mic = virtual_mic.VirtualMic(work).start()
    # Something to hear on the level meter: a few seconds of a voice-like tone.
    import numpy as np

    t = np.arange(48000 * 8) / 48000
    voice = 6000 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    tone = work / "tone.raw"
    tone.write_bytes(voice.astype("<i2").tobytes())
    os.environ["GESPREKSOPNAME_SHOT_TONE"] = str(tone)
    try:
        return shoot(args, work, mic)
    finally:
        mic.stop()
        xvfb.terminate()
        shutil.rmtree(work, ignore_errors=True)


def shoot(args: argparse.Namespace, work: Path, mic: object) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.gui import i18n
    from desktop.gui.settings import Settings

    app = QApplication([sys.argv[0]])
    app.setApplicationName("Gespreksopname")
    i18n.install(app, args.lang)
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    settings.microphone = "gespreksopname_test"

    def save(widget: QWidget, name: str, wait: float = 0.3) -> None:
        widget.show()
        widget.raise_()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)
        widget.grab().save(str(args.out / f"{name}.png"))
        print("wrote", args.out / f"{name}.png")

    from policy.policy import load_policy

    policy = load_policy()
    from desktop.gui.vault_dialogs import FirstRunDialog, UnlockDialog

    first = FirstRunDialog(work / "vault", policy)
    first.first.setText("een lange zin als wachtwoord")
    first.second.setText("een lange zin als wachtwoord")
    first.create_vault()
    save(first, "01-eerste-start")
    first.close()
    workspace = first.workspace
    assert workspace is not None
    unlock = UnlockDialog(work / "vault", policy)
    save(unlock, "02-ontgrendelen")
    unlock.close()

    from desktop.gui.main_window import MainWindow

    window = MainWindow(workspace, settings)
    window.resize(1280, 760)
    window.show()
    # The wizard, each page with what is still missing.
    window.new_action.trigger()
    wizard = window.wizard
    people = wizard.people
    people.add_participant("J. de Vries", "employee")
    people.add_participant("A. Yilmaz", "citizen")
    people.location.setCurrentIndex(people.location.findData("home"))
    save(wizard, "03-wizard-1-deelnemers")
    people.initiator.setCurrentIndex(people.initiator.findData("municipality"))
    wizard.next()
    purpose = wizard.purpose
    purpose.purpose.setCurrentIndex(purpose.purpose.findData("accurate_report"))
    save(wizard, "04-wizard-2-doel")
    purpose.necessity.setPlainText("Eerdere afspraken werden verschillend onthouden.")
    purpose.alternatives["written_summary"].setChecked(True)
    wizard.next()
    rules = wizard.rules
    rules.read_aloud.setChecked(True)
    rules.camera_yes.setChecked(True)
    rules.camera_announced.setChecked(True)
    rules.moved.setChecked(True)
    check, method = rules.consents["J. de Vries"]
    check.setChecked(True)
    method.setCurrentIndex(method.findData("verbal"))
    save(wizard, "05-wizard-3-spelregels")
    check, method = rules.consents["A. Yilmaz"]
    check.setChecked(True)
    method.setCurrentIndex(method.findData("written"))
    wizard.button(wizard.WizardButton.FinishButton).click()
    panel = window.panel
    assert panel is not None
    panel.recording.recorder.first_block.wait(5)
    mic.play(Path(os.environ["GESPREKSOPNAME_SHOT_TONE"]), wait=False)  # type: ignore[attr-defined]
    panel.note.setText("toestemming herhaald op de band")
    panel.add_marker()
    save(window, "06-opname", wait=2.0)
    panel.toggle_pause()
    save(window, "07-opname-gepauzeerd", wait=0.6)
    panel.toggle_pause()
    save(window, "07b-opname-loopt", wait=0.6)
    panel.finish("user")
    panel.wait_sealed()
    app.processEvents()
    window.recordings.table.selectRow(0)
    save(window, "08-opnamen")
    window.tabs.setCurrentWidget(window.audit)
    window.audit.reload()
    save(window, "09-auditspoor")
    window.tabs.setCurrentWidget(window.recordings)

    from desktop.gui.copy_dialogs import DeriveDialog, ExportDialog

    rid = window.recordings.infos[0].recording_id
    usb = work / "usb"
    usb.mkdir()
    export = ExportDialog(workspace, rid, usb)
    export.recipient.setText("A. Yilmaz")
    export.run()
    deadline = time.monotonic() + 20
    while export.folder is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)
    save(export, "10-kopie-voor-inwoner")
    export.close()
    derive = DeriveDialog(workspace, rid)
    save(derive, "11-bewerkte-versie")
    derive.close()

    from desktop.gui.refusal_dialog import RefusalDialog

    refusal = RefusalDialog(workspace)
    refusal.citizen.setText("mevrouw A. Yilmaz")
    refusal.employee.setText("J. de Vries")
    refusal.reasons.setPlainText("De veiligheid van een derde is in het geding.")
    save(refusal, "12-weigering")
    refusal.close()
    shoot_import(save, work, workspace)
    shoot_citizen(save, workspace)

    from desktop.gui.erase_dialog import EraseDialog

    erase = EraseDialog(workspace, rid)
    erase.reason.setText("Toestemming ingetrokken door mevrouw Yilmaz (e-mail van 29 november)")
    erase.key_file.setText("/media/privacy-officer/herstelsleutel.pem")
    save(erase, "29-eerder-verwijderen")
    erase.close()

    from desktop.gui.settings_dialog import SettingsDialog
    from policy.organisation import enrolment_status

    trust = enrolment_status(workspace.vault).lines("nl")
    dialog = SettingsDialog(settings, workspace.policy, None, trust)
    save(dialog, "13-instellingen")
    dialog.close()
    from tests.helpers import virtual_mic

    try:
        from desktop.gui.player_dialog import PlayerDialog, open_player

        player = PlayerDialog(open_player(workspace, rid, virtual_mic.SPEAKER))
        save(player, "14-afspelen")
        player.close()
    except ImportError:
        pass
    window.close()
    app.processEvents()
    shoot_archive(app, save, work, settings)
    return 0


def shoot_import(save: Any, work: Path, workspace: Any) -> None:
    """The citizen's own recording taken in (issue 16): the file chosen from a 'USB stick', and
    the last page, who handed it over, with the conversation filled in."""
    import numpy as np
    import soundfile

    from desktop.gui.import_dialog import ImportWizard

    stick = work / "usb-inwoner"
    stick.mkdir()
    file = stick / "Gesprek gemeente 28-11.wav"
    t = np.arange(16000 * 95) / 16000
    soundfile.write(str(file), 0.3 * np.sin(2 * np.pi * 220 * t), 16000, subtype="PCM_16")
    wizard = ImportWizard(workspace)
    wizard.file_page.set_file(file)
    save(wizard, "25-import-1-bestand")
    wizard.next()
    people = wizard.people
    people.add_participant("J. de Vries", "employee")
    people.add_participant("A. Yilmaz", "citizen")
    people.location.setCurrentIndex(people.location.findData("office"))
    wizard.next()
    purpose = wizard.purpose
    purpose.purpose.setCurrentIndex(purpose.purpose.findData("citizen_request"))
    purpose.basis.setCurrentIndex(purpose.basis.findData("consent"))
    wizard.next()
    rules = wizard.rules
    rules.read_aloud.setChecked(True)
    for check, method in rules.consents.values():
        check.setChecked(True)
        method.setCurrentIndex(method.findData("verbal"))
    wizard.next()
    save(wizard, "26-import-2-overhandigd")
    wizard.close()


def shoot_citizen(save: Any, workspace: Any) -> None:
    """The citizen records (issue 16): the registration filled in, then a breach report about
    that conversation."""
    from desktop.gui.breach_dialog import BreachDialog
    from desktop.gui.citizen_dialog import CitizenDialog
    from policy.citizen import citizen_recording_from_dict, register_citizen_recording

    dialog = CitizenDialog(workspace)
    dialog.employee.setText("J. de Vries")
    dialog.citizen.setText("A. Yilmaz")
    dialog.announced.setChecked(True)
    dialog.reason.setPlainText("Ik wil het gesprek thuis rustig nog eens terugluisteren.")
    dialog.copy_requested.setChecked(True)
    save(dialog, "27-burger-neemt-op")
    register_citizen_recording(workspace, citizen_recording_from_dict(dialog.document()))
    dialog.close()
    breach = BreachDialog(workspace)
    breach.kind.setCurrentIndex(breach.kind.findData("published"))
    breach.what.setPlainText("De opname staat sinds gisteren op Facebook.")
    breach.when.setText("29 november")
    save(breach, "28-overtreding-melden")
    breach.close()


def shoot_archive(app: Any, save: Any, work: Path, settings: Any) -> None:
    """The organisation's archive (a real SeaweedFS S3 server with Object Lock, as in the
    tests): the list with recordings in the archive and one waiting because the server is
    down, and the settings' Archive tab. Skipped when the server cannot start here."""
    from desktop.gui.main_window import MainWindow
    from desktop.gui.settings_dialog import SettingsDialog
    from policy.organisation import enrolment_status
    from policy.policy import load_policy
    from policy.workspace import Workspace
    from tests.helpers.organisation import make_org
    from tests.helpers.s3server import make_locked_bucket, start_s3
    from tests.unit.archive.conftest import archive_policy
    from tests.unit.conftest import FAST_KDF
    from tests.unit.trust.test_timestamps_in_use import _record

    try:
        s3 = start_s3(work / "s3")
    except Exception as exc:  # no weed binary, no free port: the other screens stand
        print("archive screenshots skipped:", exc)
        return
    try:
        make_locked_bucket(s3, "gespreksopname")
        org = make_org(work / "org", "Gemeente Voorbeeld")
        policy = load_policy(archive_policy(work / "beleid", org, s3, "gespreksopname"))
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": s3.app.access_key,
                "AWS_SECRET_ACCESS_KEY": s3.app.secret_key,
                "GESPREKSOPNAME_ARCHIVE_CREDENTIALS": str(work / "none.toml"),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            }
        )
        made = Workspace.create(work / "kluis-archief", "een lange zin", policy, kdf=FAST_KDF)
        org.enroll(made, "Laptop Wijkteam")
        workspace = Workspace(made.vault, policy)
        _record(workspace)
        _record(workspace)
        workspace.sync_archive()
        s3.stop()  # offline: the next recording waits, and the window says why
        _record(workspace)
        window = MainWindow(workspace, settings)
        window.resize(1280, 560)
        window.show()
        job = window.start_archive()
        deadline = time.monotonic() + 20
        while (job is not None and window.archive_sync.rounds < 1) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.05)
        window.recordings.table.selectRow(2)
        save(window, "18-opnamen-archief")
        trust = enrolment_status(workspace.vault).lines("nl")
        dialog = SettingsDialog(
            settings, workspace.policy, None, trust, archive=window.archive_page()
        )
        assert dialog.tabs is not None
        dialog.tabs.setCurrentIndex(1)
        save(dialog, "19-instellingen-archief", wait=0.6)
        dialog.close()
        window.close()
        app.processEvents()
    finally:
        s3.stop()


if __name__ == "__main__":
    sys.exit(main())
