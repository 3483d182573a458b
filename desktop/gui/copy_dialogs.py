"""Dialogs for copies and edits: export a copy for the citizen (progress, cancel, open folder),
make an edited version with everyone's consent (rule b)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.i18n import error_text, language
from desktop.gui.workers import Cancelled, Job
from policy.copies import CopyRefused, copy_basis, export_copy
from policy.copy_contents import contents
from policy.derive import Consent, derive_recording, load_consent, parse_cut
from policy.schema import DocumentError
from policy.sealed import Manifest
from policy.workspace import Workspace


class ExportDialog(QDialog):
    """A copy for the citizen: format, recipient, folder (a USB stick); runs off the GUI thread."""

    def __init__(
        self,
        workspace: Workspace,
        recording_id: str,
        target: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Copy for the citizen"))
        self.workspace = workspace
        self.recording_id = recording_id
        self.folder: Path | None = None
        self.job: Job | None = None
        self.format = QComboBox()
        self.format.setAccessibleName(self.tr("Format"))
        self.format.addItem(self.tr("WAV (plays everywhere)"), "wav")
        self.format.addItem(self.tr("FLAC (smaller, lossless)"), "flac")
        self.format.addItem(self.tr("MP3 (for old devices)"), "mp3")
        # Rule c: a participant, a participant's representative, or anyone with everyone's
        # consent (a consent file, as for an edited version).
        self.participants = list(workspace.info(recording_id).session.participants)
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName(self.tr("Recipient"))
        self.recipient.setPlaceholderText(self.tr("A participant, or their representative"))
        self.recipient.setCompleter(QCompleter(self.participants, self.recipient))
        self.represents = QComboBox()
        self.represents.setAccessibleName(self.tr("Representative of"))
        self.represents.addItem(self.tr("— the recipient took part —"), "")
        for name in self.participants:
            self.represents.addItem(self.tr("Representative of %1").replace("%1", name), name)
        self.consent_file = QLineEdit()
        self.consent_file.setAccessibleName(self.tr("Consent of every party"))
        self.consent_file.setPlaceholderText(self.tr("Only for someone who did not take part"))
        consent_browse = QPushButton(self.tr("Choose…"))
        consent_browse.clicked.connect(self.choose_consent)
        consent_row = QHBoxLayout()
        consent_row.addWidget(self.consent_file, 1)
        consent_row.addWidget(consent_browse)
        self.target = QLineEdit(str(target or Path.home()))
        self.target.setAccessibleName(self.tr("Folder"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose)
        where = QHBoxLayout()
        where.addWidget(self.target, 1)
        where.addWidget(browse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.contents = QListWidget()  # what the copy holds, once made
        self.contents.setAccessibleName(self.tr("What the copy holds"))
        self.contents.hide()
        form = QFormLayout()
        form.addRow(self.tr("Format"), self.format)
        form.addRow(self.tr("For (recipient)"), self.recipient)
        form.addRow(self.tr("Acts for"), self.represents)
        form.addRow(self.tr("Consent file (rule c)"), consent_row)
        form.addRow(self.tr("Folder or USB stick"), where)
        self.buttons = QDialogButtonBox()
        self.start = self.buttons.addButton(
            self.tr("Make copy"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button = self.buttons.addButton(
            self.tr("Open folder"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.open_button.setEnabled(False)
        self.cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start.clicked.connect(self.run)
        self.open_button.clicked.connect(self.open_folder)
        self.cancel.clicked.connect(self.stop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.contents)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(600)

    def choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Folder for the copy"), self.target.text()
        )
        if folder:
            self.target.setText(folder)

    def choose_consent(self) -> None:
        file, _ = QFileDialog.getOpenFileName(
            self, self.tr("Consent of every party"), str(Path.home()), "TOML (*.toml)"
        )
        if file:
            self.consent_file.setText(file)

    def run(self) -> None:
        target = Path(self.target.text())
        fmt = str(self.format.currentData())
        recipient = self.recipient.text().strip()
        represents = str(self.represents.currentData() or "")
        consent: Consent | None = None
        try:  # rule c, told at once (export_copy decides again)
            if self.consent_file.text().strip():
                consent = load_consent(Path(self.consent_file.text().strip()))
            copy_basis(self.participants, recipient, represents, consent)
        except (CopyRefused, DocumentError) as exc:
            self.status.setText(error_text(exc))
            return
        self.start.setEnabled(False)
        self.status.setText(self.tr("Making the copy…"))

        def work(job: Job) -> Path:
            return export_copy(
                self.workspace, self.recording_id, target, fmt, recipient, job.report,
                representative_of=represents, consent=consent,
            )  # fmt: skip

        self.job = Job(work)
        self.job.progressed.connect(lambda f: self.progress.setValue(int(f * 100)))
        self.job.succeeded.connect(self.copy_made)
        self.job.failed.connect(self.failed)
        self.job.start()

    def copy_made(self, folder: Path) -> None:
        self.folder = folder
        self.progress.setValue(100)
        self.status.setText(
            self.tr("Copy made in %1. The citizen opens controleer.html to check it.").replace(
                "%1", str(folder)
            )
        )
        self.contents.clear()
        for name, meaning in contents(folder, language()):
            self.contents.addItem(f"{name}  —  {meaning}")
        self.contents.show()
        self.open_button.setEnabled(True)
        self.cancel.setText(self.tr("Close"))

    def failed(self, exc: BaseException) -> None:
        self.start.setEnabled(True)
        self.progress.setValue(0)
        if isinstance(exc, Cancelled):
            self.status.setText(self.tr("Cancelled; nothing was left behind."))
        else:
            self.status.setText(error_text(exc))

    def stop(self) -> None:
        if self.job is not None and self.folder is None and self.start.isEnabled() is False:
            self.job.cancel()
            self.job.wait()
        self.reject() if self.folder is None else self.accept()

    def open_folder(self) -> None:
        """The folder in the file manager, with the check page selected where the desktop
        can (the freedesktop FileManager1 interface, Explorer, Finder); else just the folder."""
        if self.folder is not None:
            show_in_folder(self.folder / "controleer.html")


class DeriveDialog(QDialog):
    """An edited version: parts to cut and, per participant, consent; announced first."""

    def __init__(
        self, workspace: Workspace, recording_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edited version (rule b)"))
        self.workspace = workspace
        self.recording_id = recording_id
        self.manifest: Manifest | None = None
        self.job: Job | None = None
        info = workspace.info(recording_id)
        names = info.session.participants
        self.cuts = QLineEdit()
        self.cuts.setAccessibleName(self.tr("Parts to cut"))
        self.cuts.setPlaceholderText("1:30-2:05, 10:00-10:45")
        self.description = QLineEdit()
        self.description.setAccessibleName(self.tr("What is cut and why"))
        self.announced = QCheckBox(self.tr("The edit was announced to everyone"))
        self.agreed: dict[str, tuple[QCheckBox, QComboBox]] = {}
        form = QFormLayout()
        form.addRow(self.tr("Parts to cut"), self.cuts)
        form.addRow(self.tr("What and why"), self.description)
        form.addRow("", self.announced)
        for name in names:
            check = QCheckBox(self.tr("agrees"))
            method = QComboBox()
            method.addItem(self.tr("Orally"), "verbal")
            method.addItem(self.tr("In writing"), "written")
            row = QHBoxLayout()
            row.addWidget(check)
            row.addWidget(method)
            form.addRow(name, row)
            self.agreed[name] = (check, method)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox()
        make = buttons.addButton(
            self.tr("Make edited version"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        make.clicked.connect(self.make)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def make(self) -> None:
        from datetime import date

        try:
            cuts = [parse_cut(part) for part in self.cuts.text().split(",") if part.strip()]
            if not cuts:
                raise GespreksError("error.cut_time", value=self.cuts.text())
            consent = Consent(
                announced=self.announced.isChecked(),
                date=date.today().isoformat(),
                description=self.description.text().strip() or "-",
                agreed={
                    n: str(m.currentData()) for n, (c, m) in self.agreed.items() if c.isChecked()
                },
            )
        except GespreksError as exc:
            self.error.setText(error_text(exc))
            return
        self.error.setText(self.tr("Making the edited version…"))
        self.job = Job(
            lambda _job: derive_recording(self.workspace, self.recording_id, cuts, consent)
        )
        self.job.succeeded.connect(self._made)
        self.job.failed.connect(lambda exc: self.error.setText(error_text(exc)))
        self.job.start()  # an hour of audio takes a few seconds: not on the GUI thread

    def _made(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.accept()


def show_in_folder(file: Path) -> None:
    """Open the file manager at `file`'s folder with `file` selected when the platform can."""
    import sys

    from PySide6.QtCore import QProcess

    path = str(file)
    if sys.platform == "win32" and QProcess.startDetached("explorer", [f"/select,{path}"]):
        return
    if sys.platform == "darwin" and QProcess.startDetached("open", ["-R", path]):
        return
    if file.exists() and _freedesktop_show(path):
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(file.parent)))


def _freedesktop_show(path: str) -> bool:
    """org.freedesktop.FileManager1.ShowItems on the session bus (Files, Dolphin, Nemo, ...)."""
    from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    manager = QDBusInterface(
        "org.freedesktop.FileManager1",
        "/org/freedesktop/FileManager1",
        "org.freedesktop.FileManager1",
        bus,
    )
    if not manager.isValid():
        return False
    reply = manager.call("ShowItems", [QUrl.fromLocalFile(path).toString()], "")
    return reply.type() != QDBusMessage.MessageType.ErrorMessage
