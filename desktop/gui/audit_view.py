"""The audit trail: every action, with a filter, and whether the chain verifies."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import core
from policy.audit import AuditEntry
from policy.display import local_datetime
from policy.workspace import Workspace


class AuditView(QWidget):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.result = QLabel()
        self.result.setObjectName("chain")
        self.result.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter: action, person, recording"))
        self.filter.setAccessibleName(self.tr("Filter"))
        self.refresh_button = QPushButton(self.tr("Verify again"))
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [self.tr("#"), self.tr("Time"), self.tr("Who"), self.tr("Action"), self.tr("Details")]
        )
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(self.tr("Audit trail"))
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.result)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.filter.textChanged.connect(self.fill)
        self.refresh_button.clicked.connect(self.reload)
        self.entries: list[AuditEntry] = []
        self.reload()

    def reload(self) -> None:

        self.entries, problem = self.workspace.audit_problem()
        if problem is None:
            self.result.setText(core("audit.intact", count=len(self.entries)))
            self.result.setStyleSheet("color: #2e7d32; font-weight: bold;")
        else:
            self.result.setText(
                core("audit.broken", line=problem.line, what=core(f"audit.problem.{problem.what}"))
            )
            self.result.setStyleSheet("color: #b00020; font-weight: bold;")
        self.rows = []
        for entry in self.entries:
            when = local_datetime(entry.time)
            text = ", ".join(f"{k}={v}" for k, v in entry.details.items())
            rid = (entry.recording_id or "")[:8]
            self.rows.append(
                [
                    str(entry.seq),
                    f"{when:%Y-%m-%d %H:%M:%S}",
                    entry.actor,
                    core(f"audit.action.{entry.action}"),
                    f"{rid}  {text}".strip(),
                ]
            )
        self.fill()

    def fill(self) -> None:
        needle = self.filter.text().strip().casefold()
        self.table.setRowCount(0)
        for values in reversed(self.rows):
            if needle and needle not in " ".join(values).casefold():
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
