"""Rule a, the other way: take in the recording a citizen made (from a USB stick, say) and keep it
exactly as received.

The conversation is filled in with the new-conversation wizard's own pages (who, purpose and
legal basis, the rules and consent), between a first page that picks the file and a last one that
says who handed it over. Storing runs `policy.imports.import_recording` off the GUI thread: the
same checks as `gespreksopname import` (an audio file of at most 8 GB, the policy's gate, the
audit entry "imported"); a refusal, a wrong file or a full disk is said in words and nothing is
kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from audio.errors import GespreksError
from desktop.gui.i18n import error_text, language
from desktop.gui.wizard import NewConversationWizard, ReasonsLabel
from desktop.gui.workers import Job
from policy.display import visible
from policy.imports import check_import_file, import_recording
from policy.inputs import LIMITS
from policy.rules import Step, evaluate
from policy.sealed import Manifest
from policy.workspace import Workspace

# Page ids: the wizard's own pages keep 0, 1 and 2; the file comes first, the hand-over last.
PEOPLE, PURPOSE, RULES, FILE, HANDOVER = range(5)
AUDIO_FILTER = "*.m4a *.mp3 *.wav *.aac *.amr *.3gp *.ogg *.opus *.flac *.wma *.webm *.mp4"


def _size(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GB"
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{max(1, size // 1024)} kB"


class FilePage(QWizardPage):
    """The citizen's file: chosen, and checked at once (an audio file of at most 8 GB)."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.conversation = wizard
        self.file: Path | None = None
        self.setTitle(self.tr("The citizen's recording"))
        intro = QLabel(
            self.tr(
                "A citizen may record a conversation, and the municipality may ask for a copy "
                "(rule a). The copy is kept exactly as received, encrypted, for the term of "
                "the purpose. Choose the file, for example on the USB stick the citizen brought."
            )
        )
        intro.setWordWrap(True)
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setAccessibleName(self.tr("The citizen's file"))
        self.choose_button = QPushButton(self.tr("Choose file…"))
        self.choose_button.clicked.connect(lambda: self.choose())
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.choose_button)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.error = ReasonsLabel()
        self.error.setObjectName("file_error")
        self.error.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.info)
        layout.addWidget(self.error)
        layout.addStretch()

    def choose(self, start: Path | None = None) -> None:
        media = Path("/media")
        folder = start or (media if media.is_dir() else Path.home())
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the citizen's recording"),
            str(folder),
            self.tr("Recordings (%1);;All files (*)").replace("%1", AUDIO_FILTER),
        )
        if chosen:
            self.set_file(Path(chosen))

    def set_file(self, file: Path) -> bool:
        """Check the file; it is taken only when it is an audio recording that can be kept."""
        self.path.setText(visible(str(file)))
        try:
            media = check_import_file(file)
            size = file.stat().st_size
        except (GespreksError, OSError) as exc:
            self.file = None
            self.info.setText("")
            self.error.show_reasons([error_text(exc)])
        else:
            self.file = file
            self.error.show_reasons([])
            what = self.tr("Size: %1").replace("%1", _size(size))
            if media.get("decodable"):
                minutes, seconds = divmod(int(media.get("duration_s", 0)), 60)
                what += "\n" + self.tr("Sound: %1, %2 Hz, %3 channel(s), %4").replace(
                    "%1", str(media.get("format", ""))
                ).replace("%2", str(media.get("sample_rate", ""))).replace(
                    "%3", str(media.get("channels", ""))
                ).replace("%4", f"{minutes}:{seconds:02d}")
            else:
                what += "\n" + self.tr(
                    "An audio file this program cannot play; it is kept as it is all the same."
                )
            self.info.setText(what)
        self.completeChanged.emit()
        return self.file is not None

    def isComplete(self) -> bool:  # Qt override
        return self.file is not None


class HandoverPage(QWizardPage):
    """Who handed the copy over; then it is stored and sealed as received."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.conversation = wizard
        self.setTitle(self.tr("4. Handed over by, and sealed as received"))
        intro = QLabel(
            self.tr(
                "The seal says who handed the file over, when, and its SHA-256. It vouches "
                "only for the bytes received, not for how the citizen made or kept them."
            )
        )
        intro.setWordWrap(True)
        self.received_from = QComboBox()
        self.received_from.setEditable(True)
        self.received_from.setAccessibleName(self.tr("Handed over by"))
        line = self.received_from.lineEdit()
        if line is not None:
            line.setMaxLength(LIMITS["received_from"])
        self.received_from.editTextChanged.connect(lambda _text: self.completeChanged.emit())
        form = QFormLayout()
        form.addRow(self.tr("Handed over by"), self.received_from)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.reasons = ReasonsLabel()
        self.error = ReasonsLabel()
        self.error.setObjectName("import_error")
        self.error.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.reasons)
        layout.addWidget(self.error)
        layout.addStretch()

    def initializePage(self) -> None:  # Qt override
        wizard = self.conversation
        typed = self.received_from.currentText()
        others = [p.name for p in wizard.session().participants if p.role != "employee"]
        self.received_from.blockSignals(True)
        self.received_from.clear()
        self.received_from.addItems(others)
        self.received_from.setEditText(typed if typed else (others[0] if others else ""))
        self.received_from.blockSignals(False)
        file = wizard.file_page.file
        purpose = wizard.policy.purpose(wizard.session().purpose)
        lines = [self.tr("File: %1").replace("%1", visible(file.name))] if file else []
        if purpose is not None:  # retention follows the purpose, as for our own recordings
            lines.append(
                self.tr("Kept encrypted for %1 days (%2), then destroyed.")
                .replace("%1", str(purpose.retention_days))
                .replace("%2", purpose.label(language()))
            )
        self.summary.setText("\n".join(lines))
        self.refresh()

    def giver(self) -> str:
        return self.received_from.currentText().strip()

    def isComplete(self) -> bool:  # Qt override
        wizard = self.conversation
        return (
            not wizard.busy
            and wizard.file_page.file is not None
            and bool(self.giver())
            and not wizard.missing(Step.RULES_AND_CONSENT)
        )

    def refresh(self) -> None:
        self.reasons.show_reasons(self.conversation.missing(Step.RULES_AND_CONSENT))
        self.completeChanged.emit()


class ImportWizard(NewConversationWizard):
    """Choose the file, fill in the conversation, name who handed it over; Finish stores it off
    the GUI thread. `imported` carries the sealed manifest; the wizard then closes. A refusal,
    a wrong file or a full disk is shown on the last page and the wizard stays open."""

    imported = Signal(object)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        self.busy = False
        self.job: Job | None = None
        self.manifest: Manifest | None = None
        super().__init__(workspace.policy, parent)
        self.workspace = workspace
        self.setWindowTitle(self.tr("Import the citizen's recording"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Import and seal"))
        self.file_page = FilePage(self)
        self.handover = HandoverPage(self)
        self.setPage(FILE, self.file_page)
        self.setPage(HANDOVER, self.handover)
        self.setStartId(FILE)
        # The citizen made this recording; what the employee told them is the announcement.
        self.people.initiator.setCurrentIndex(self.people.initiator.findData("citizen"))
        self.rules.read_aloud.setText(
            self.tr("I have told the participants this: who keeps the recording, why and how long")
        )
        self.changed()

    def nextId(self) -> int:  # Qt override: file -> the conversation -> hand-over -> done
        current = self.currentId()
        if current == FILE:
            return PEOPLE
        if current == RULES:
            return HANDOVER
        if current == HANDOVER:
            return -1
        return int(super().nextId())

    def changed(self, *_: object) -> None:
        super().changed()
        handover = getattr(self, "handover", None)
        if handover is not None:
            handover.refresh()

    def accept(self) -> None:
        """Finish: store the file off the GUI thread (the policy checks everything again)."""
        file = self.file_page.file
        giver = self.handover.giver()
        if self.busy or file is None or not giver:
            return
        session = self.session()
        if not evaluate(session, self.policy).allowed:
            return  # Finish is disabled then; this is a second line of defence
        workspace = self.workspace

        def work(job: Job) -> Manifest:
            return import_recording(workspace, file, session, giver, progress=job.report)

        job = Job(work, self)
        job.progressed.connect(
            lambda fraction: self.handover.progress.setValue(int(fraction * 100))
        )
        job.succeeded.connect(self._stored)
        job.failed.connect(self._failed)
        job.finished.connect(self._done)
        self.job = job
        self._busy(True)
        self.handover.error.show_reasons([])
        job.start()

    def _busy(self, busy: bool) -> None:
        self.busy = busy
        self.handover.progress.setValue(0)
        self.handover.progress.setVisible(busy)
        self.button(QWizard.WizardButton.BackButton).setEnabled(not busy)
        self.handover.received_from.setEnabled(not busy)
        self.handover.completeChanged.emit()

    def _stored(self, manifest: Any) -> None:
        self.manifest = manifest
        self.imported.emit(manifest)
        QWizard.accept(self)  # not the wizard's accept: that would start a recording

    def _failed(self, exc: BaseException) -> None:
        from desktop.gui.workers import Cancelled

        if isinstance(exc, Cancelled):
            return
        self.handover.error.show_reasons([error_text(exc)])

    def _done(self) -> None:
        self._busy(False)

    def reject(self) -> None:
        """Cancel while storing: the import stops and keeps nothing."""
        if self.job is not None and self.busy:
            self.job.cancel()
            self.job.wait()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        if self.job is not None and self.busy:
            self.job.cancel()
            self.job.wait()
        super().closeEvent(event)
