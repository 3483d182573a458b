"""The recordings: a table with search and filter, details, verification, copies, holds, purge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.i18n import core, error_text, language
from desktop.gui.recording_panel import clock
from desktop.gui.workers import Job
from policy.archiving import ArchiveState
from policy.display import local_datetime
from policy.workspace import RecordingInfo, Workspace

COLUMNS = (
    "date",
    "purpose",
    "participants",
    "duration",
    "state",
    "retention",
    "hold",
    "archive",
)
ARCHIVE_COLUMN = COLUMNS.index("archive")
# The archive column's colour per state: in the archive, waiting for it.
ARCHIVE_COLOURS = {"archived": "#2e7d32", "pending": "#ef6c00"}


def display_state(info: RecordingInfo) -> str:
    """sealed / interrupted / edited / imported / open / unreadable, for people."""
    if info.summary is None:
        return "unreadable"
    kind = info.session.kind
    if kind == "import":
        return "imported"
    if kind == "derived":
        return "edited"
    return info.state


class RecordingsPanel(QWidget):
    """Emits `export_requested(id)`, `play_requested(id)`, `derive_requested(id)`, and
    `archive_work()` when a hold or release was queued for the archive."""

    export_requested = Signal(str)
    play_requested = Signal(str)
    derive_requested = Signal(str)
    archive_work = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.infos: list[RecordingInfo] = []
        self.archive_states: dict[str, ArchiveState] = {}
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search: name, purpose, date, id"))
        self.search.setAccessibleName(self.tr("Search"))
        self.filter = QComboBox()
        self.filter.setAccessibleName(self.tr("Filter"))
        for key, label in (
            ("", self.tr("All")),
            ("sealed", self.tr("Sealed")),
            ("interrupted", self.tr("Interrupted")),
            ("edited", self.tr("Edited")),
            ("imported", self.tr("Received")),
            ("hold", self.tr("Kept longer")),
            ("expired", self.tr("Retention ended")),
        ):
            self.filter.addItem(label, key)
        if self.archive_in_force:
            self.filter.addItem(self.tr("Waiting for the archive"), "archive_pending")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Date"),
                self.tr("Purpose"),
                self.tr("Participants"),
                self.tr("Duration"),
                self.tr("State"),
                self.tr("Keep until"),
                self.tr("Kept longer"),
                self.tr("Archive"),
            ]
        )
        self.table.setColumnHidden(ARCHIVE_COLUMN, not self.archive_in_force)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # "waiting for the archive (why)" can be long: a set width, the whole text as tooltip.
        self.table.horizontalHeader().setSectionResizeMode(
            ARCHIVE_COLUMN, QHeaderView.ResizeMode.Interactive
        )
        self.table.setColumnWidth(ARCHIVE_COLUMN, 240)
        self.table.setAccessibleName(self.tr("Recordings"))
        self.details = QTextBrowser()
        self.details.setAccessibleName(self.tr("Details"))
        self.buttons = {
            "verify": QPushButton(self.tr("Verify")),
            "play": QPushButton(self.tr("Play")),
            "export": QPushButton(self.tr("Copy for the citizen…")),
            "derive": QPushButton(self.tr("Edited version…")),
            "hold": QPushButton(self.tr("Keep longer…")),
            "release": QPushButton(self.tr("Normal term again")),
            "purge": QPushButton(self.tr("Destroy expired…")),
            "erase": QPushButton(self.tr("Delete early…")),
        }
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.filter)
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 3)
        layout.addLayout(row)
        layout.addWidget(self.details, 2)
        self.search.textChanged.connect(self.fill)
        self.filter.currentIndexChanged.connect(self.fill)
        self.table.itemSelectionChanged.connect(self.show_details)
        self.buttons["verify"].clicked.connect(self.verify_selected)
        self.buttons["play"].clicked.connect(lambda: self._emit(self.play_requested))
        self.buttons["export"].clicked.connect(lambda: self._emit(self.export_requested))
        self.buttons["derive"].clicked.connect(lambda: self._emit(self.derive_requested))
        self.buttons["hold"].clicked.connect(self.hold_selected)
        self.buttons["release"].clicked.connect(self.release_selected)
        self.buttons["purge"].clicked.connect(self.purge_expired)
        self.buttons["erase"].clicked.connect(self.erase_selected)
        self.jobs: list[Job] = []
        self.reload()

    # -- the table --------------------------------------------------------------------------
    @property
    def archive_in_force(self) -> bool:
        return self.workspace.policy.archive is not None

    def reload(self) -> None:
        self.infos = self.workspace.recordings()
        if self.archive_in_force:
            self.archive_states = self.workspace.archive_states()
        self.fill()

    def archive_text(self, recording_id: str) -> str:
        """ "in the archive" / "waiting for the archive (why)", in the app's language."""
        state = self.archive_states.get(recording_id)
        if state is None:
            return ""
        return state.describe(language())

    def show_archive(self, states: dict[str, ArchiveState]) -> None:
        """A background round's states: only the archive column changes (in place, so the
        selection and the scroll position stay), and the details of the selected one."""
        self.archive_states = dict(states)
        if not self.archive_in_force:
            return
        for row in range(self.table.rowCount()):
            item = self.table.item(row, ARCHIVE_COLUMN)
            if item is not None:
                self._archive_item(item, str(item.data(Qt.ItemDataRole.UserRole)))
        if self.filter.currentData() == "archive_pending":
            self.fill()
        else:
            self.show_details()

    def _archive_item(self, item: QTableWidgetItem, recording_id: str) -> None:
        text = self.archive_text(recording_id)
        item.setText(text)
        item.setToolTip(text)
        state = self.archive_states.get(recording_id)
        colour = ARCHIVE_COLOURS.get(state.state if state else "")
        item.setForeground(QBrush(QColor(colour)) if colour else QBrush())

    def _row(self, info: RecordingInfo) -> list[str]:
        lang = language()
        if info.summary is None:
            return ["", "", "", "", core("state.unreadable"), "", "", ""]
        session = info.session
        started = local_datetime(info.summary.started)
        states = {
            "sealed": self.tr("sealed"),
            "interrupted": self.tr("interrupted"),
            "edited": self.tr("edited"),
            "imported": self.tr("received"),
            "open": self.tr("not sealed"),
            "cut": self.tr("cut after sealing"),
            "unreadable": self.tr("unreadable"),
        }
        return [
            f"{started:%Y-%m-%d %H:%M}",
            session.purpose_label(lang),
            ", ".join(session.participants),
            clock(info.summary.duration_s or 0),
            states[display_state(info)],
            info.retention_until.date().isoformat() if info.retention_until else "",
            self.tr("yes") if info.hold else "",
            self.archive_text(info.recording_id),
        ]

    def _matches(self, info: RecordingInfo, row: list[str]) -> bool:
        wanted = self.filter.currentData()
        if wanted == "hold" and not info.hold:
            return False
        if wanted == "expired" and not info.expired(datetime.now(UTC)):
            return False
        if wanted == "archive_pending":
            state = self.archive_states.get(info.recording_id)
            if state is None or state.state != "pending":
                return False
        if (
            wanted in ("sealed", "interrupted", "edited", "imported")
            and display_state(info) != wanted
        ):
            return False
        needle = self.search.text().strip().casefold()
        return not needle or needle in " ".join([*row, info.recording_id]).casefold()

    def fill(self) -> None:
        self.table.setRowCount(0)
        for info in self.infos:
            values = self._row(info)
            if not self._matches(info, values):
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, info.recording_id)
                if column == ARCHIVE_COLUMN:
                    self._archive_item(item, info.recording_id)
                self.table.setItem(row, column, item)
        self.show_details()

    def selected(self) -> RecordingInfo | None:
        items = self.table.selectedItems()
        if not items:
            return None
        rid = items[0].data(Qt.ItemDataRole.UserRole)
        return next((i for i in self.infos if i.recording_id == rid), None)

    def _emit(self, signal: Any) -> None:
        info = self.selected()
        if info is not None:
            signal.emit(info.recording_id)

    def show_details(self) -> None:
        info = self.selected()
        enabled = info is not None and info.summary is not None
        for key in ("verify", "play", "export", "derive", "hold", "release", "erase"):
            self.buttons[key].setEnabled(enabled)
        if info is None:
            self.details.setPlainText(self.tr("Select a recording to see its details."))
            return
        if info.summary is None:
            self.details.setPlainText(error_text(info.error) if info.error else "")
            return
        manifest = info.summary.manifest
        label_recording, label_state = self.tr("Recording"), self.tr("State")
        label_format, label_hash = self.tr("Format"), self.tr("Audio SHA-256")
        label_key, channels = self.tr("Sealed by key"), self.tr("channel(s)")
        lines = [f"{label_recording}: {info.recording_id}"]
        lines.append(f"{label_state}: {self._row(info)[4]}")
        start = info.summary.start
        lines.append(
            f"{label_format}: {start.sample_rate} Hz, {start.channels} {channels}, "
            f"{start.sample_format}"
        )
        if manifest:
            lines.append(f"{label_hash}: {manifest.pcm_sha256}")
            lines.append(f"{label_key}: {manifest.fingerprint}")
            session = info.session
            if session.derived_from:
                cuts = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in session.derived_cuts)
                lines.append(
                    self.tr("Edited version of %1; cut out: %2")
                    .replace("%1", session.derived_from)
                    .replace("%2", cuts)
                )
            if session.kind == "import":
                lines.append(
                    self.tr("Received from %1; file SHA-256 %2")
                    .replace("%1", session.received_from or "-")
                    .replace("%2", manifest.pcm_sha256)
                )
            for event in manifest.events:
                at = clock(event.frame / max(1, manifest.sample_rate))
                lines.append(f"  {at}  {core('event.' + event.kind)}  {event.note}")
        registered = info.registered
        if manifest and registered is not None and registered.seal_sha256:
            seal_time = self.workspace.seal_time(
                manifest.recording_id, registered.seal_sha256, manifest.ended
            )
            lines.append(seal_time.describe(language()).strip())
        if info.hold:
            label_hold = self.tr("Kept longer")
            lines.append(f"{label_hold}: {info.hold}")
        archived = self.archive_states.get(info.recording_id)
        if self.archive_in_force and archived is not None:
            label_archive = self.tr("Archive")
            lines.append(f"{label_archive}: {archived.describe(language())}")
            if archived.held:
                lines.append(self.tr("The archive's legal hold is on."))
            if archived.sha256:
                label_sha = self.tr("Archived copy SHA-256")
                lines.append(f"{label_sha}: {archived.sha256}")
        self.details.setPlainText("\n".join(lines))

    # -- actions ----------------------------------------------------------------------------
    def verify_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        label = core("verify.this_installation")
        self.details.append("\n" + self.tr("Verifying…"))
        job = Job(lambda _job: self.workspace.verify(info.path, label))
        job.succeeded.connect(
            lambda report: self.details.append(
                core("verify.intact")
                + " "
                + core(
                    "verify.seal_ok",
                    signer=report.signer_name,
                    fingerprint=report.signer.fingerprint,
                )
            )
        )
        job.failed.connect(
            lambda exc: self.details.append(core("verify.changed", reason=error_text(exc)))
        )
        self._run(job)

    def _run(self, job: Job) -> None:
        self.jobs.append(job)
        job.finished.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        job.start()

    def hold_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        reason, ok = QInputDialog.getText(
            self, self.tr("Keep longer"), self.tr("Why keep this recording longer?")
        )
        if ok and reason.strip():
            try:
                self.workspace.hold(info.recording_id, reason)
            except GespreksError as exc:
                QMessageBox.warning(self, self.tr("Keep longer"), error_text(exc))
            self.reload()
            self.archive_work.emit()

    def release_selected(self) -> None:
        info = self.selected()
        if info is not None and info.hold:
            try:
                self.workspace.release(info.recording_id)
            except GespreksError as exc:
                QMessageBox.warning(self, self.tr("Keep longer"), error_text(exc))
            self.reload()
            self.archive_work.emit()

    def erase_selected(self) -> None:
        """Early deletion (the citizen's rights): a dialog asks the reason and the Privacy
        Officer's key; the work runs off the GUI thread."""
        from desktop.gui.erase_dialog import EraseDialog

        info = self.selected()
        if info is None:
            return
        self.erase_dialog = EraseDialog(self.workspace, info.recording_id, self)
        self.erase_dialog.finished.connect(lambda _result: self._erase_done())
        self.erase_dialog.open()

    def _erase_done(self) -> None:
        self.reload()
        self.archive_work.emit()

    def purge_expired(self) -> None:
        expired = self.workspace.expired()
        if not expired:
            QMessageBox.information(self, self.tr("Destroy expired recordings"), core("purge.none"))
            return
        answer = QMessageBox.question(
            self,
            self.tr("Destroy expired recordings"),
            self.tr(
                "Destroy %1 recording(s) whose retention term has ended? This cannot be undone."
            ).replace("%1", str(len(expired))),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            purged = self.workspace.purge(expired)
        except Exception as exc:  # shown, not lost
            QMessageBox.warning(self, self.tr("Destroy expired recordings"), error_text(exc))
            return
        QMessageBox.information(
            self, self.tr("Destroy expired recordings"), core("purge.done", count=len(purged))
        )
        self.reload()
