"""Settings: microphone, speaker, sample format, vault location, language, and the active
policy (read-only: the IT department manages it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.i18n import language
from desktop.gui.settings import Settings
from desktop.gui.vault_dialogs import MicrophonePicker
from policy.policy import Policy


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        policy: Policy,
        parent: QWidget | None = None,
        trust: Sequence[str] = (),
        archive: QWidget | None = None,
    ) -> None:
        """`trust`: this installation's enrolment and timestamps in words (policy/);
        `archive`: the archive's page (desktop.gui.archive_view), shown as a second tab."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.microphone = MicrophonePicker(settings.microphone)
        self.speaker = self._speakers(settings.speaker)
        self.sample_format = QComboBox()
        self.sample_format.setAccessibleName(self.tr("Sample format"))
        self.sample_format.addItem(self.tr("16-bit (standard)"), "s16le")
        self.sample_format.addItem(self.tr("24-bit"), "s24le")
        self.sample_format.setCurrentIndex(
            max(0, self.sample_format.findData(settings.sample_format))
        )
        self.vault = QLineEdit(str(settings.vault))
        self.vault.setAccessibleName(self.tr("Vault location"))
        self.language = QComboBox()
        self.language.setAccessibleName(self.tr("Language"))
        self.language.addItem("Nederlands", "nl")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.policy = QPlainTextEdit()
        self.policy.setReadOnly(True)
        self.policy.setAccessibleName(self.tr("Active policy"))
        self.policy.setPlainText(
            json.dumps(policy.summary(language()), indent=2, ensure_ascii=False)
        )
        note = QLabel(self.tr("A new vault location or language takes effect at the next start."))
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Microphone"), self.microphone)
        form.addRow(self.tr("Speaker"), self.speaker)
        form.addRow(self.tr("Sample format"), self.sample_format)
        form.addRow(self.tr("Vault location"), self.vault)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Policy file"), QLabel(str(policy.path)))
        # Whose policy this is: only the organisation's own (signed by the CA this installation
        # is enrolled with) can name recovery keys, trusted keys and a time-stamping authority.
        self.provenance = QLabel(policy.provenance.describe(language()))
        self.provenance.setWordWrap(True)
        self.provenance.setAccessibleName(self.tr("Whose policy"))
        if not policy.provenance.in_force and policy.provenance.kind != "default":
            self.provenance.setStyleSheet("color: #b00020; font-weight: bold;")
        form.addRow(self.tr("Whose policy"), self.provenance)
        self.trust = QLabel("\n".join(trust))
        self.trust.setWordWrap(True)
        self.trust.setAccessibleName(self.tr("Organisation certificate"))
        self.trust.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if trust:
            form.addRow(self.tr("Organisation certificate"), self.trust)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        general = QWidget()
        page = QVBoxLayout(general)
        page.addLayout(form)
        page.addWidget(note)
        page.addWidget(QLabel(self.tr("Active policy (read-only)")))
        page.addWidget(self.policy)
        layout = QVBoxLayout(self)
        self.archive = archive
        self.tabs: QTabWidget | None = None
        if archive is None:
            page.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(general)
        else:
            self.tabs = QTabWidget()
            self.tabs.addTab(general, self.tr("General"))
            self.tabs.addTab(archive, self.tr("Archive"))
            layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def _speakers(self, current: str) -> QComboBox:
        """Where recordings are played: the system default or a named output. A saved output
        that is not connected now stays chosen (a headset is often unplugged)."""
        from policy.devices import list_output_devices

        combo = QComboBox()
        combo.setAccessibleName(self.tr("Speaker"))
        combo.addItem(self.tr("System default"), "")
        try:
            names = [device.name for device in list_output_devices()]
        except GespreksError:
            names = []
        for name in names:
            combo.addItem(name, name)
        if current and current not in names:
            combo.addItem(self.tr("%1 (not connected)").replace("%1", current), current)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        return combo

    def save(self) -> None:
        self.settings.microphone = self.microphone.device
        self.settings.speaker = str(self.speaker.currentData() or "")
        self.settings.sample_format = str(self.sample_format.currentData())
        self.settings.vault = Path(self.vault.text()).expanduser()
        self.settings.language = str(self.language.currentData())
        self.accept()
