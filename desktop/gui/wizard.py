"""The new-conversation wizard: who, why, and the rules. "Next" stays disabled until the policy
allows the page; every missing item is shown in words. The rules live in policy.rules."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.gui.i18n import language
from policy.inputs import LIMITS
from policy.policy import Policy
from policy.rules import Step, evaluate
from policy.session import Participant, Session

# The wizard's pages in order, one per step; each reason names its step (policy.rules.REASONS).
STEPS = tuple(Step)


class ReasonsLabel(QLabel):
    """What is still missing on this page, in words (red), or nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setObjectName("reasons")
        self.setStyleSheet("color: #b00020;")
        self.setTextFormat(Qt.TextFormat.PlainText)

    def show_reasons(self, texts: list[str]) -> None:
        self.setText("\n".join(f"• {t}" for t in texts))
        self.setVisible(bool(texts))


class CheckedPage(QWizardPage):
    """The page of one step: complete when the decision has no reason of this step (or of an
    earlier one), each shown in words."""

    def __init__(self, wizard: NewConversationWizard, step: Step) -> None:
        super().__init__()
        self.conversation = wizard
        self.step = step
        self.reasons = ReasonsLabel()

    def isComplete(self) -> bool:  # Qt override
        return not self.conversation.missing(self.step)

    def refresh(self) -> None:
        self.reasons.show_reasons(self.conversation.missing(self.step))
        self.completeChanged.emit()


class PeoplePage(CheckedPage):
    def __init__(self, wizard: NewConversationWizard) -> None:
        super().__init__(wizard, Step.PARTICIPANTS)
        self.setTitle(self.tr("1. Who, where, and at whose request"))
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Role")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 260)
        self.table.setAccessibleName(self.tr("Participants"))
        self.add = QPushButton(self.tr("Add participant"))
        self.remove = QPushButton(self.tr("Remove"))
        self.location = QComboBox()
        self.location.setAccessibleName(self.tr("Location"))
        for key, label in (
            ("", self.tr("— choose —")),
            ("office", self.tr("Office")),
            ("home", self.tr("The citizen's home")),
            ("phone", self.tr("Phone")),
            ("other", self.tr("Elsewhere")),
        ):
            self.location.addItem(label, key)
        self.initiator = QComboBox()
        self.initiator.setAccessibleName(self.tr("Who asks for the recording"))
        for key, label in (
            ("", self.tr("— choose —")),
            ("municipality", self.tr("The municipality")),
            ("citizen", self.tr("The citizen")),
        ):
            self.initiator.addItem(label, key)
        self.case_number = QLineEdit()
        self.case_number.setAccessibleName(self.tr("Case number"))
        self.case_number.setPlaceholderText("Z-2026-000123")
        self.case_number.setMaxLength(LIMITS["case_number"])
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.remove)
        buttons.addStretch()
        form = QFormLayout()
        form.addRow(self.tr("Location"), self.location)
        form.addRow(self.tr("Who asks for the recording"), self.initiator)
        form.addRow(self.tr("Case number"), self.case_number)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Participants")))
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.reasons)
        self.add.clicked.connect(lambda: self.add_participant("", "citizen"))
        self.remove.clicked.connect(self._remove)
        for combo in (self.location, self.initiator):
            combo.currentIndexChanged.connect(wizard.changed)
        self.case_number.textChanged.connect(wizard.changed)
        self.table.itemChanged.connect(wizard.changed)

    def add_participant(self, name: str, role: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        combo = QComboBox()
        for key, label in (
            ("employee", self.tr("Employee")),
            ("citizen", self.tr("Citizen")),
            ("representative", self.tr("Representative")),
            ("other", self.tr("Other")),
        ):
            combo.addItem(label, key)
        combo.setCurrentIndex(max(0, combo.findData(role)))
        combo.currentIndexChanged.connect(self.conversation.changed)
        self.table.setCellWidget(row, 1, combo)
        self.conversation.changed()

    def _remove(self) -> None:
        if self.table.currentRow() >= 0:
            self.table.removeRow(self.table.currentRow())
            self.conversation.changed()

    def people(self) -> list[tuple[str, str]]:
        out = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            combo = self.table.cellWidget(row, 1)
            name = item.text().strip() if item else ""
            if name and isinstance(combo, QComboBox):
                out.append((name, str(combo.currentData())))
        return out


class PurposePage(CheckedPage):
    def __init__(self, wizard: NewConversationWizard) -> None:
        super().__init__(wizard, Step.PURPOSE)
        self.setTitle(self.tr("2. Purpose and legal basis (AVG)"))
        policy = wizard.policy
        self.purpose = QComboBox()
        self.purpose.setAccessibleName(self.tr("Purpose"))
        self.purpose.addItem(self.tr("— choose —"), "")
        for purpose in policy.purposes:
            self.purpose.addItem(purpose.label(language()), purpose.id)
        self.retention = QLabel()
        self.basis = QComboBox()
        self.basis.setAccessibleName(self.tr("Legal basis"))
        self.necessity = QPlainTextEdit()
        self.necessity.setAccessibleName(self.tr("Why a recording is necessary"))
        self.necessity.setPlaceholderText(self.tr("Why are the alternatives not enough here?"))
        self.necessity.setTabChangesFocus(True)
        self.alternatives = {
            "written_summary": QCheckBox(self.tr("A written summary of the conversation")),
            "representative": QCheckBox(
                self.tr("The citizen brings a representative or third party")
            ),
            "listen_only": QCheckBox(self.tr("We record and the citizen may listen back")),
            "other": QCheckBox(self.tr("Other")),
        }
        box = QGroupBox(self.tr("Alternatives considered"))
        inner = QVBoxLayout(box)
        for check in self.alternatives.values():
            inner.addWidget(check)
            check.toggled.connect(wizard.changed)
        form = QFormLayout()
        form.addRow(self.tr("Purpose"), self.purpose)
        form.addRow("", self.retention)
        form.addRow(self.tr("Legal basis"), self.basis)
        form.addRow(self.tr("Necessity"), self.necessity)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box)
        layout.addWidget(self.reasons)
        self.purpose.currentIndexChanged.connect(self._purpose_changed)
        self.basis.currentIndexChanged.connect(wizard.changed)
        self.necessity.textChanged.connect(wizard.changed)
        self._purpose_changed()

    def _purpose_changed(self) -> None:
        purpose = self.conversation.policy.purpose(self.purpose.currentData() or None)
        names = {
            "consent": self.tr("Consent"),
            "contract": self.tr("Contract"),
            "legal_obligation": self.tr("Legal obligation"),
            "vital_interests": self.tr("Vital interests"),
            "public_task": self.tr("Public task"),
        }
        self.basis.blockSignals(True)
        self.basis.clear()
        self.basis.addItem(self.tr("— choose —"), "")
        for basis in purpose.legal_bases if purpose else ():
            self.basis.addItem(names.get(basis, basis), basis)
        if purpose and len(purpose.legal_bases) == 1:
            self.basis.setCurrentIndex(1)
        self.basis.blockSignals(False)
        self.retention.setText(
            self.tr("Kept for %1 days, then destroyed.").replace("%1", str(purpose.retention_days))
            if purpose
            else ""
        )
        self.conversation.changed()


class RulesPage(CheckedPage):
    def __init__(self, wizard: NewConversationWizard) -> None:
        super().__init__(wizard, Step.RULES_AND_CONSENT)
        self.setTitle(self.tr("3. The rules: announce, camera, consent"))
        self.announcement = QLabel()
        self.announcement.setWordWrap(True)
        self.announcement.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.announcement.setStyleSheet("font-size: 12pt; padding: 8px; background: #f3f6fa;")
        self.read_aloud = QCheckBox(self.tr("I have read this announcement aloud"))
        self.camera_box = QGroupBox(self.tr("Home visit: is there a camera in this room? (rule e)"))
        self.camera_no = QRadioButton(self.tr("No camera"))
        self.camera_yes = QRadioButton(self.tr("A camera is present"))
        self.camera_group = QButtonGroup(self)
        self.camera_group.addButton(self.camera_no)
        self.camera_group.addButton(self.camera_yes)
        self.camera_announced = QCheckBox(
            self.tr("The citizen told me about the camera before the conversation")
        )
        self.moved = QRadioButton(self.tr("We moved to a room without a camera"))
        self.continued = QRadioButton(self.tr("We continue here"))
        self.action_group = QButtonGroup(self)
        self.action_group.addButton(self.moved)
        self.action_group.addButton(self.continued)
        camera = QGridLayout(self.camera_box)
        camera.addWidget(self.camera_no, 0, 0)
        camera.addWidget(self.camera_yes, 0, 1)
        camera.addWidget(self.camera_announced, 1, 0, 1, 2)
        camera.addWidget(self.moved, 2, 0)
        camera.addWidget(self.continued, 2, 1)
        self.consent_box = QGroupBox(self.tr("Consent of each participant"))
        self.consent_layout = QGridLayout(self.consent_box)
        self.consents: dict[str, tuple[QCheckBox, QComboBox]] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.announcement)
        layout.addWidget(self.read_aloud)
        layout.addWidget(self.camera_box)
        layout.addWidget(self.consent_box)
        layout.addWidget(self.reasons)
        for widget in (self.read_aloud, self.camera_announced):
            widget.toggled.connect(wizard.changed)
        for group in (self.camera_group, self.action_group):
            group.buttonToggled.connect(wizard.changed)

    def initializePage(self) -> None:  # Qt override
        wizard = self.conversation
        session = wizard.session()
        purpose = wizard.policy.purpose(session.purpose)
        employees = ", ".join(p.name for p in session.employees) or "-"
        self.announcement.setText(
            wizard.policy.text(
                "announcement",
                language(),
                employee=employees,
                purpose=purpose.label(language()) if purpose else "-",
                retention_days=purpose.retention_days if purpose else "-",
            )
            + "\n\n"
            + wizard.policy.text("citizen_rights", language())  # the GDPR rights, told too
        )
        self.camera_box.setVisible(session.location == "home")
        self._build_consents([name for name, _role in wizard.people.people()])
        self.refresh()

    def _build_consents(self, names: list[str]) -> None:
        old = {
            name: (check.isChecked(), combo.currentIndex())
            for name, (check, combo) in self.consents.items()
        }
        while self.consent_layout.count():
            item = self.consent_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.consents.clear()
        for row, name in enumerate(names):
            check = QCheckBox(self.tr("%1 agrees to the recording").replace("%1", name))
            method = QComboBox()
            method.setAccessibleName(self.tr("How %1 consented").replace("%1", name))
            method.addItem(self.tr("— how? —"), "")
            method.addItem(self.tr("Orally"), "verbal")
            method.addItem(self.tr("In writing"), "written")
            if name in old:
                check.setChecked(old[name][0])
                method.setCurrentIndex(old[name][1])
            check.toggled.connect(self.conversation.changed)
            method.currentIndexChanged.connect(self.conversation.changed)
            self.consent_layout.addWidget(check, row, 0)
            self.consent_layout.addWidget(method, row, 1)
            self.consents[name] = (check, method)


class NewConversationWizard(QWizard):
    """Builds a Session; `accepted` means the policy allows it (the engine checks again)."""

    session_ready = Signal(object)

    def __init__(self, policy: Policy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        self._ready = False
        self.setWindowTitle(self.tr("New conversation"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Start recording"))
        self.people = PeoplePage(self)
        self.purpose = PurposePage(self)
        self.rules = RulesPage(self)
        for page in (self.people, self.purpose, self.rules):
            self.addPage(page)
        self._ready = True
        self.resize(720, 640)
        self.changed()

    def session(self) -> Session:
        consents = self.rules.consents if self._ready else {}
        participants = []
        for name, role in self.people.people():
            check, method = consents.get(name, (None, None))
            participants.append(
                Participant(
                    name=name,
                    role=role,
                    consent=bool(check and check.isChecked()),
                    consent_method=(method.currentData() or None) if method else None,
                )
            )
        home = self.people.location.currentData() == "home"
        camera_present = None
        if home and self._ready and self.rules.camera_group.checkedButton() is not None:
            camera_present = self.rules.camera_yes.isChecked()
        action = None
        if self._ready and self.rules.action_group.checkedButton() is not None:
            action = "moved" if self.rules.moved.isChecked() else "continued"
        return Session(
            initiator=self.people.initiator.currentData() or None,
            location=self.people.location.currentData() or None,
            purpose=self.purpose.purpose.currentData() or None if self._ready else None,
            legal_basis=self.purpose.basis.currentData() or None if self._ready else None,
            necessity=(self.purpose.necessity.toPlainText().strip() or None)
            if self._ready
            else None,
            alternatives_considered=tuple(
                k for k, c in self.purpose.alternatives.items() if c.isChecked()
            )
            if self._ready
            else (),
            announcement_read=self._ready and self.rules.read_aloud.isChecked(),
            case_number=self.people.case_number.text().strip() or None,
            camera_present=camera_present,
            camera_announced=self.rules.camera_announced.isChecked() if camera_present else None,
            camera_action=action if camera_present else None,
            video=False,  # rule d: this product never records video
            participants=tuple(participants),
        )

    def missing(self, step: Step) -> list[str]:
        """What still blocks this step, in words: the reasons of this step and of any earlier
        one. "Next" waits for a page's own reasons, so an earlier step's are empty by then; on
        the last page "Start recording" so waits for the whole decision, and says why."""
        if not self._ready:
            return []
        decision = evaluate(self.session(), self.policy)
        upto = STEPS.index(step)
        return [r.text(language()) for r in decision.reasons if STEPS.index(r.step) <= upto]

    def changed(self, *_: object) -> None:
        if not self._ready:
            return
        for page in (self.people, self.purpose, self.rules):
            page.refresh()

    def accept(self) -> None:
        if not evaluate(self.session(), self.policy).allowed:
            return  # the Finish button is disabled then; this is a second line of defence
        self.session_ready.emit(self.session())
        super().accept()
