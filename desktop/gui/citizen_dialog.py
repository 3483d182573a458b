"""The citizen records: register the conversation (who takes part, announced beforehand, who
records and for whom, the reason as told, agreed or refused with the alternative offered) and
save the rules sheet for the citizen. The checks are the command line's
(`policy.citizen.citizen_recording_from_dict`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.i18n import error_text, language
from policy.citizen import (
    CitizenRecording,
    citizen_recording_from_dict,
    register_citizen_recording,
    write_rules_sheet,
)
from policy.workspace import Workspace


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]


class CitizenDialog(QDialog):
    def __init__(
        self, workspace: Workspace, folder: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("The citizen records"))
        self.workspace = workspace
        self.folder = folder or Path.home()
        self.record: CitizenRecording | None = None
        self.sheet: Path | None = None
        intro = QLabel(
            self.tr(
                "A citizen may record a conversation they take part in (or record for a "
                "participant) when they say so beforehand. Ask why they want to record; refuse "
                "only for weighty reasons and offer an alternative. The citizen gets the rules "
                "on one page, in Dutch and English."
            )
        )
        intro.setWordWrap(True)
        self.when = QDateEdit(QDate.currentDate())
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName(self.tr("Date of the conversation"))
        self.employee = QLineEdit()
        self.employee.setAccessibleName(self.tr("Employee"))
        self.citizen = QLineEdit()
        self.citizen.setAccessibleName(self.tr("Citizen"))
        self.others = QPlainTextEdit()
        self.others.setAccessibleName(self.tr("Other participants"))
        self.others.setPlaceholderText(self.tr("One name per line (a representative, say)"))
        self.others.setTabChangesFocus(True)
        self.others.setMaximumHeight(60)
        self.recorder = QLineEdit()
        self.recorder.setAccessibleName(self.tr("Who records"))
        self.recorder.setPlaceholderText(self.tr("Empty: the citizen"))
        self.acting_for = QLineEdit()
        self.acting_for.setAccessibleName(self.tr("On behalf of"))
        self.acting_for.setPlaceholderText(self.tr("When the one who records takes no part"))
        self.announced = QCheckBox(self.tr("The citizen said so before the conversation"))
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName(self.tr("The citizen's reason"))
        self.reason.setPlaceholderText(self.tr("Why the citizen wants to record, as told"))
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(70)
        self.agreed = QRadioButton(self.tr("Agreed"))
        self.refused = QRadioButton(self.tr("Refused for weighty reasons (rule f)"))
        self.agreed.setChecked(True)
        self.reasons = QPlainTextEdit()
        self.reasons.setAccessibleName(self.tr("Weighty reasons"))
        self.reasons.setPlaceholderText(self.tr("One reason per line"))
        self.reasons.setTabChangesFocus(True)
        self.reasons.setMaximumHeight(70)
        self.alternative = QComboBox()
        self.alternative.setAccessibleName(self.tr("Alternative offered"))
        for key in ("representative", "listen_only", "written_summary"):
            self.alternative.addItem(workspace.policy.alternative(key, language()), key)
        self.note = QLineEdit()
        self.note.setAccessibleName(self.tr("Note on the alternative"))
        self.copy_requested = QCheckBox(self.tr("The municipality asks for a copy (rule a)"))
        self.case_number = QLineEdit()
        self.case_number.setAccessibleName(self.tr("Case number"))
        form = QFormLayout()
        form.addRow(self.tr("Date"), self.when)
        form.addRow(self.tr("Employee"), self.employee)
        form.addRow(self.tr("Citizen"), self.citizen)
        form.addRow(self.tr("Other participants"), self.others)
        form.addRow(self.tr("Who records"), self.recorder)
        form.addRow(self.tr("On behalf of"), self.acting_for)
        form.addRow("", self.announced)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Decision"), self.agreed)
        form.addRow("", self.refused)
        form.addRow(self.tr("Weighty reasons"), self.reasons)
        form.addRow(self.tr("Alternative offered"), self.alternative)
        form.addRow(self.tr("Note"), self.note)
        form.addRow("", self.copy_requested)
        form.addRow(self.tr("Case number"), self.case_number)
        self.refused.toggled.connect(self._decision_changed)
        self._decision_changed(False)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox()
        self.save = buttons.addButton(
            self.tr("Register and save the rules sheet…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sheet_only = buttons.addButton(
            self.tr("Rules sheet only…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save.clicked.connect(lambda: self.register())
        self.sheet_only.clicked.connect(lambda: self.save_sheet_only())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _decision_changed(self, refused: bool) -> None:
        for widget in (self.reasons, self.alternative, self.note):
            widget.setEnabled(refused)

    def document(self) -> dict[str, object]:
        """The form as the document a citizen-recording file holds."""
        day = self.when.date()
        people = [{"name": self.employee.text(), "role": "employee"}]
        people.append({"name": self.citizen.text(), "role": "citizen"})
        people += [{"name": name, "role": "other"} for name in _lines(self.others)]
        doc: dict[str, object] = {
            "date": date(day.year(), day.month(), day.day()),
            "participants": people,
            "announced": self.announced.isChecked(),
            "recorder": self.recorder.text().strip() or self.citizen.text(),
            "reason": self.reason.toPlainText(),
            "decision": "refused" if self.refused.isChecked() else "agreed",
            "copy_requested": self.copy_requested.isChecked(),
            "case_number": self.case_number.text(),
        }
        if self.acting_for.text().strip():
            doc["acting_for"] = self.acting_for.text()
        if self.refused.isChecked():
            doc["refusal_reasons"] = _lines(self.reasons)
            doc["alternative"] = str(self.alternative.currentData())
            doc["alternative_note"] = self.note.text()
        return doc

    def _target(self, name: str, target: Path | None) -> Path | None:
        if target is not None and not isinstance(target, bool):
            return target
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the rules sheet"), str(self.folder / name), "PDF (*.pdf)"
        )
        return Path(chosen) if chosen else None

    def register(self, target: Path | None = None) -> None:
        """Check the form, register it and write the rules sheet to `target` (asked for when
        None)."""
        try:
            record = citizen_recording_from_dict(self.document())
        except GespreksError as exc:
            self.error.setText(error_text(exc))
            return
        sheet = self._target(f"spelregels-{record.date}-{record.id[:8]}.pdf", target)
        if sheet is None:
            return
        try:
            register_citizen_recording(self.workspace, record, sheet)
        except (GespreksError, OSError) as exc:
            self.error.setText(error_text(exc))
            return
        self.record, self.sheet = record, sheet
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(sheet)))
        self.accept()

    def save_sheet_only(self, target: Path | None = None) -> None:
        """The rules sheet without a registration (to hand out beforehand)."""
        sheet = self._target("spelregels.pdf", target)
        if sheet is None:
            return
        try:
            write_rules_sheet(self.workspace.policy, sheet, lang=language())
        except OSError as exc:
            self.error.setText(error_text(exc))
            return
        self.sheet = sheet
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(sheet)))
