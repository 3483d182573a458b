"""First run (create the vault, see the key's fingerprint, choose and test the microphone) and
unlocking the vault at later starts."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.i18n import core, error_text
from policy.passphrase import strength
from policy.policy import Policy
from policy.workspace import Workspace

# zxcvbn's score 0-4 in words; only "strong" (4) is accepted (policy.passphrase).
STRENGTH_WORDS = ("weak", "weak", "fair", "good", "strong")


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00020;")
    return label


class MicrophonePicker(QWidget):
    """A microphone list with a level test (the pre-flight: the device opens, the level moves)."""

    def __init__(self, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setAccessibleName(self.tr("Microphone"))
        self.test = QPushButton(self.tr("Test microphone"))
        self.meter = QProgressBar()
        self.meter.setRange(0, 60)
        self.meter.setTextVisible(False)
        self.meter.setAccessibleName(self.tr("Input level"))
        self.result = QLabel()
        self.result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.test)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.meter)
        layout.addWidget(self.result)
        self.test.clicked.connect(self.run_test)
        self.refresh(current)

    def refresh(self, current: str = "") -> None:
        from policy.devices import list_input_devices

        self.combo.clear()
        self.combo.addItem(self.tr("System default"), "")
        try:
            devices = list_input_devices()
        except GespreksError as exc:
            self.result.setText(error_text(exc))
            devices = []
        for device in devices:
            self.combo.addItem(device.name, device.name)
        index = self.combo.findData(current)
        self.combo.setCurrentIndex(max(index, 0))

    @property
    def device(self) -> str:
        return str(self.combo.currentData() or "")

    def run_test(self) -> None:
        from policy.devices import test_microphone

        try:
            peak = test_microphone(self.device or None, seconds=0.5)
        except GespreksError as exc:
            self.result.setText(error_text(exc))
            self.meter.setValue(0)
            return
        if peak == -math.inf:
            self.meter.setValue(0)
            self.result.setText(
                self.tr(
                    "No sound at all (digital silence): is the microphone muted or switched off?"
                )
            )
        else:
            self.meter.setValue(max(0, min(60, round(peak + 60))))
            self.result.setText(
                self.tr("The microphone works (peak %1 dBFS).").replace("%1", f"{peak:.0f}")
            )


class FirstRunDialog(QDialog):
    """Create the vault: passphrase twice with its strength (zxcvbn, as the core checks it: a
    weak one is refused with what would be strong enough), then the key's fingerprint."""

    def __init__(self, root: Path, policy: Policy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Welcome to Gespreksopname"))
        self.root = root
        self.policy = policy
        self.workspace: Workspace | None = None
        intro = QLabel(
            self.tr(
                "Recordings are kept encrypted in a vault on this computer. Choose a passphrase of "
                "several words; without it (or the organisation's recovery key) nobody can open "
                "the recordings."
            )
        )
        intro.setWordWrap(True)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName(self.tr("Passphrase"))
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName(self.tr("Repeat passphrase"))
        self.strength = QLabel()
        self.error = _error_label()
        self.fingerprint = QLabel()
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextFormat(Qt.TextFormat.RichText)
        self.microphone = MicrophonePicker()
        form = QFormLayout()
        form.addRow(self.tr("Vault"), QLabel(str(root)))
        form.addRow(self.tr("Passphrase"), self.first)
        form.addRow(self.tr("Repeat"), self.second)
        form.addRow("", self.strength)
        form.addRow(self.tr("Microphone"), self.microphone)
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            self.tr("Create vault"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.create_button.clicked.connect(self.create_vault)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.fingerprint)
        layout.addWidget(self.buttons)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        passphrase = self.first.text()
        estimate = strength(passphrase, [self.policy.organisation])
        word = STRENGTH_WORDS[estimate.score]
        words = {
            "weak": self.tr("weak"),
            "fair": self.tr("fair"),
            "good": self.tr("good"),
            "strong": self.tr("strong"),
        }
        self.strength.setText(self.tr("Strength: %1").replace("%1", words[word]))
        same = passphrase == self.second.text()
        self.create_button.setEnabled(same and estimate.strong and self.workspace is None)
        if not passphrase:
            self.error.setText("")
        elif not estimate.strong:
            self.error.setText(core("error.weak_passphrase"))  # what would be strong enough
        elif not same:
            self.error.setText(self.tr("The two passphrases differ."))
        else:
            self.error.setText("")

    def create_vault(self) -> None:
        if self.workspace is not None:
            self.accept()
            return
        try:
            self.workspace = Workspace.create(self.root, self.first.text(), self.policy)
        except GespreksError as exc:
            self.error.setText(error_text(exc))
            return
        self.first.setEnabled(False)
        self.second.setEnabled(False)
        self.fingerprint.setText(
            self.tr(
                "Vault created. This installation's key fingerprint is %1. It is printed on every "
                "receipt, so citizens can compare it."
            ).replace("%1", f"<br><b>{self.workspace.fingerprint}</b><br>")
        )
        self.create_button.setText(self.tr("Start"))
        self.create_button.setEnabled(True)


class UnlockDialog(QDialog):
    """Unlock the vault at start; a wrong passphrase says so and changes nothing."""

    def __init__(self, root: Path, policy: Policy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Unlock Gespreksopname"))
        self.root = root
        self.policy = policy
        self.workspace: Workspace | None = None
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.error = _error_label()
        form = QFormLayout()
        form.addRow(self.tr("Vault"), QLabel(str(root)))
        form.addRow(self.tr("Passphrase"), self.passphrase)
        buttons = QDialogButtonBox()
        self.unlock = buttons.addButton(self.tr("Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.unlock.clicked.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.passphrase.returnPressed.connect(self.try_unlock)

    def try_unlock(self) -> None:
        try:
            # Queued timestamps are sent after the window shows, off the GUI thread (app.py).
            self.workspace = Workspace.open(
                self.root, self.passphrase.text(), self.policy, send_timestamps=False
            )
        except GespreksError as exc:
            self.error.setText(error_text(exc))
            self.passphrase.selectAll()
            return
        self.passphrase.clear()
        self.accept()
