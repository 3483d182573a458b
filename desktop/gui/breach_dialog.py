"""A breach of the recording rules reported to the privacy contacts: which conversation (a
registered citizen recording or a recording of this vault), what happened and when; logged,
kept encrypted, and saved as a PDF (or e-mail text) addressed to the policy's contacts. The
checks are the command line's (`policy.breach`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.i18n import core, error_text
from policy.breach import KINDS, BreachReport, new_report, recipients, report_breach
from policy.breach import which_conversation as conversation_of
from policy.citizen import citizen_recordings
from policy.display import visible
from policy.workspace import Workspace


class BreachDialog(QDialog):
    def __init__(
        self, workspace: Workspace, folder: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Report a breach of the rules"))
        self.workspace = workspace
        self.folder = folder or Path.home()
        self.report: BreachReport | None = None
        self.written: Path | None = None
        to = "\n".join(visible(line) for line in recipients(workspace.policy))
        intro = QLabel(
            self.tr(
                "When a citizen does not keep to the rules (a recording published or edited, "
                "recorded without saying so), say what happened. The report goes to:\n%1"
            ).replace("%1", to)
        )
        intro.setWordWrap(True)
        self.conversation = QComboBox()
        self.conversation.setAccessibleName(self.tr("Conversation"))
        for record in citizen_recordings(workspace):
            label = self.tr("Citizen's recording of %1 (%2), recorded by %3")
            shown = label.replace("%1", record.date).replace("%2", record.id[:8])
            self.conversation.addItem(shown.replace("%3", visible(record.recorder)), record.id)
        for info in workspace.recordings():
            if info.summary is None:
                continue
            label = self.tr("Recording %1 of %2")
            shown = label.replace("%1", info.recording_id[:8])
            self.conversation.addItem(
                shown.replace("%2", info.summary.started[:10]), info.recording_id
            )
        self.kind = QComboBox()
        self.kind.setAccessibleName(self.tr("What happened"))
        for kind in KINDS:
            self.kind.addItem(core(f"breach.kind.{kind}"), kind)
        self.what = QPlainTextEdit()
        self.what.setAccessibleName(self.tr("Description"))
        self.what.setPlaceholderText(self.tr("What happened, in your own words"))
        self.what.setTabChangesFocus(True)
        self.when = QLineEdit()
        self.when.setAccessibleName(self.tr("When"))
        self.when.setPlaceholderText(self.tr("When it happened, or was found"))
        self.reporter = QLineEdit()
        self.reporter.setAccessibleName(self.tr("Reported by"))
        form = QFormLayout()
        form.addRow(self.tr("Conversation"), self.conversation)
        form.addRow(self.tr("What happened"), self.kind)
        form.addRow(self.tr("Description"), self.what)
        form.addRow(self.tr("When"), self.when)
        form.addRow(self.tr("Reported by"), self.reporter)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox()
        self.save = buttons.addButton(
            self.tr("Report and save…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save.clicked.connect(lambda: self.submit())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self, target: Path | None = None) -> None:
        """Check, report (vault, trail) and write the report to `target`: a PDF, or e-mail
        text for .txt (asked for when None)."""
        chosen = self.conversation.currentData()
        if not chosen:
            self.error.setText(self.tr("Choose the conversation."))
            return
        try:
            conversation = conversation_of(self.workspace, str(chosen))
            report = new_report(
                conversation,
                str(self.kind.currentData()),
                self.what.toPlainText(),
                self.when.text(),
                self.reporter.text(),
            )
        except GespreksError as exc:
            self.error.setText(error_text(exc))
            return
        if target is None or isinstance(target, bool):
            name = f"melding-{report.id[:8]}.pdf"
            picked, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("Save the report"),
                str(self.folder / name),
                self.tr("PDF (*.pdf);;E-mail text (*.txt)"),
            )
            if not picked:
                return
            target = Path(picked)
        try:
            report_breach(self.workspace, report, target)
        except (GespreksError, OSError) as exc:
            self.error.setText(error_text(exc))
            return
        self.report, self.written = report, target
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
        self.accept()
