"""The settings dialog: the employee picks the speaker recordings are played on."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.gui.settings import Settings
from desktop.gui.settings_dialog import SettingsDialog
from policy.policy import load_policy
from tests.helpers.virtual_mic import SPEAKER, VirtualMic


def test_the_speaker_is_chosen_and_saved(qtbot: QtBot, mic: VirtualMic, settings: Settings) -> None:
    dialog = SettingsDialog(settings, load_policy())
    qtbot.addWidget(dialog)
    speakers = [dialog.speaker.itemData(i) for i in range(dialog.speaker.count())]
    assert speakers[0] == "" and SPEAKER in speakers  # the system default, then real outputs
    dialog.speaker.setCurrentIndex(dialog.speaker.findData(SPEAKER))
    dialog.save()
    assert settings.speaker == SPEAKER

    # A headset that is unplugged now stays chosen, marked as not connected.
    settings.speaker = "Headset van de balie"
    again = SettingsDialog(settings, load_policy())
    qtbot.addWidget(again)
    assert again.speaker.currentData() == "Headset van de balie"
    assert "Headset van de balie" in again.speaker.currentText() != "Headset van de balie"
    again.save()
    assert settings.speaker == "Headset van de balie"


def test_whose_policy_is_in_force_and_the_enrolment_are_shown(
    qtbot: QtBot, mic: VirtualMic, settings: Settings, tmp_path: Path
) -> None:
    """An unsigned policy that names keys is shown as such, in red; the bundled one is not red;
    the enrolment lines given by policy/ are shown as given."""
    from tests.helpers.organisation import policy_text

    unsigned = tmp_path / "eigen-beleid.toml"
    unsigned.write_text(policy_text(None), encoding="utf-8")
    dialog = SettingsDialog(settings, load_policy(unsigned), None, ["Ingeschreven bij X", "CA: Y"])
    qtbot.addWidget(dialog)
    assert "b00020" in dialog.provenance.styleSheet()
    assert dialog.provenance.text() == load_policy(unsigned).provenance.describe("nl")
    assert dialog.trust.text() == "Ingeschreven bij X\nCA: Y"
    default = SettingsDialog(settings, load_policy())
    qtbot.addWidget(default)
    assert default.provenance.styleSheet() == ""
