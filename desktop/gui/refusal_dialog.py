"""Rule f: register a refusal with its weighty reasons and the alternative, and save the letter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
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
from desktop.gui.i18n import error_text, language
from policy.refusal import refusal_from_dict
from policy.workspace import Workspace


class RefusalDialog(QDialog):
    def __init__(
        self, workspace: Workspace, folder: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Refuse a recording (rule f)"))
        self.workspace = workspace
        self.folder = folder or Path.home()
        self.letter: Path | None = None
        intro = QLabel(
            self.tr(
                "The municipality may refuse a recording only for weighty reasons. Explain "
                "them, and offer an alternative. The citizen gets a letter in Dutch and English."
            )
        )
        intro.setWordWrap(True)
        self.citizen = QLineEdit()
        self.citizen.setAccessibleName(self.tr("Citizen"))
        self.employee = QLineEdit()
        self.employee.setAccessibleName(self.tr("Employee"))
        self.when = QDateEdit(QDate.currentDate())
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName(self.tr("Date of the conversation"))
        self.reasons = QPlainTextEdit()
        self.reasons.setAccessibleName(self.tr("Weighty reasons"))
        self.reasons.setPlaceholderText(self.tr("One reason per line"))
        self.reasons.setTabChangesFocus(True)
        self.alternative = QComboBox()
        self.alternative.setAccessibleName(self.tr("Alternative offered"))
        for key in ("representative", "listen_only", "written_summary"):
            self.alternative.addItem(workspace.policy.alternative(key, language()), key)
        self.note = QLineEdit()
        self.note.setAccessibleName(self.tr("Note on the alternative"))
        self.case_number = QLineEdit()
        self.case_number.setAccessibleName(self.tr("Case number"))
        form = QFormLayout()
        form.addRow(self.tr("Citizen"), self.citizen)
        form.addRow(self.tr("Employee"), self.employee)
        form.addRow(self.tr("Date"), self.when)
        form.addRow(self.tr("Weighty reasons"), self.reasons)
        form.addRow(self.tr("Alternative offered"), self.alternative)
        form.addRow(self.tr("Note"), self.note)
        form.addRow(self.tr("Case number"), self.case_number)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox()
        save = buttons.addButton(
            self.tr("Register and save letter…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        save.clicked.connect(self.register)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def refusal_document(self) -> dict[str, object]:
        day = self.when.date()
        return {
            "citizen": self.citizen.text(),
            "employee": self.employee.text(),
            "date": date(day.year(), day.month(), day.day()),
            "reasons": [line for line in self.reasons.toPlainText().splitlines() if line.strip()],
            "alternative": str(self.alternative.currentData()),
            "alternative_note": self.note.text(),
            "case_number": self.case_number.text(),
        }

    def register(self, target: Path | None = None) -> None:
        try:
            refusal = refusal_from_dict(self.refusal_document())
        except GespreksError as exc:
            self.error.setText(error_text(exc))
            return
        if target is None or isinstance(target, bool):
            name = f"weigering-{refusal.date}-{refusal.id[:8]}.pdf"
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save the letter"), str(self.folder / name), "PDF (*.pdf)"
            )
            if not chosen:
                return
            target = Path(chosen)
        try:
            self.workspace.register_refusal(refusal, target)
        except (GespreksError, OSError) as exc:
            self.error.setText(error_text(exc))
            return
        self.letter = target
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
        self.accept()
