"""Early deletion of a recording (the citizen withdrew consent or asked for erasure): the
reason, and the Privacy Officer's recovery key as the second person's confirmation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import error_text, language
from desktop.gui.workers import Job
from policy.erasure import Erasure, erase_recording, write_deletion_receipt
from policy.recovery_key import recovery_identity
from policy.workspace import Workspace


class EraseDialog(QDialog):
    """Asks the reason, the officer's key file and its passphrase; erases off the GUI thread
    (opening the key takes a moment) and writes the deletion receipt for the citizen."""

    def __init__(
        self, workspace: Workspace, recording_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Delete early"))
        self.workspace = workspace
        self.recording_id = recording_id
        self.erasure: Erasure | None = None
        self.job: Job | None = None
        intro = QLabel(
            self.tr(
                "Delete this recording before its term: the citizen withdrew consent, asked "
                "for erasure, or it was made by mistake. The Privacy Officer confirms with the "
                "organisation's recovery key. This cannot be undone."
            )
        )
        intro.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(self.tr("Reason"))
        self.key_file = QLineEdit()
        self.key_file.setAccessibleName(self.tr("Privacy Officer's key file"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_file, 1)
        key_row.addWidget(browse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase of the key"))
        self.make_receipt = QCheckBox(self.tr("Make a deletion receipt for the citizen (PDF)"))
        self.make_receipt.setChecked(True)
        self.receipt = QLineEdit(str(Path.home() / f"verwijderbevestiging-{recording_id[:8]}.pdf"))
        self.receipt.setAccessibleName(self.tr("Deletion receipt"))
        form = QFormLayout()
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Privacy Officer's key"), key_row)
        form.addRow(self.tr("Passphrase of the key"), self.passphrase)
        form.addRow("", self.make_receipt)
        form.addRow(self.tr("Deletion receipt"), self.receipt)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.start = self.buttons.addButton(
            self.tr("Delete early"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start.clicked.connect(self.run)
        self.close_button.clicked.connect(self.finish)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def choose_key(self) -> None:
        file, _ = QFileDialog.getOpenFileName(
            self, self.tr("Privacy Officer's key"), str(Path.home()), "PEM (*.pem);;* (*)"
        )
        if file:
            self.key_file.setText(file)

    def run(self) -> None:
        reason = self.reason.text().strip()
        key_file = Path(self.key_file.text().strip())
        secret = self.passphrase.text()
        receipt = Path(self.receipt.text().strip()) if self.make_receipt.isChecked() else None
        if not reason:
            self.status.setText(self.tr("Give the reason for the early deletion."))
            return
        if not self.key_file.text().strip():
            self.status.setText(self.tr("Choose the Privacy Officer's key file."))
            return
        if receipt is not None and receipt.exists():
            self.status.setText(self.tr("%1 already exists.").replace("%1", str(receipt)))
            return
        self.start.setEnabled(False)
        self.status.setText(self.tr("Checking the key and deleting…"))

        def work(_job: Job) -> Erasure:
            identity = recovery_identity(key_file.read_bytes(), secret, key_file.name)
            erasure = erase_recording(self.workspace, self.recording_id, reason, identity)
            if receipt is not None:
                write_deletion_receipt(self.workspace, erasure, receipt)
            return erasure

        self.job = Job(work)
        self.job.succeeded.connect(self.erased)
        self.job.failed.connect(self.failed)
        self.job.start()

    def erased(self, erasure: Erasure) -> None:
        self.erasure = erasure
        self.passphrase.clear()
        done = self.tr("Recording %1 deleted: its key and files are destroyed.").replace(
            "%1", erasure.recording_id
        )
        lines = [done, erasure.archive_note(language())]
        if self.make_receipt.isChecked():
            lines.append(self.tr("Deletion receipt: %1").replace("%1", self.receipt.text()))
        self.status.setText("\n".join(lines))
        self.close_button.setText(self.tr("Close"))

    def failed(self, exc: BaseException) -> None:
        self.start.setEnabled(True)
        self.status.setText(error_text(exc))

    def finish(self) -> None:
        if self.job is not None:
            self.job.wait()
        self.accept() if self.erasure is not None else self.reject()
