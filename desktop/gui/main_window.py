"""The main window: recordings and the audit trail, the recording screen while recording, the
actions (new conversation, refusal, verify a file, settings) and a tray icon for the state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QSystemTrayIcon,
    QTabWidget,
    QToolBar,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.archive_view import ArchiveSync, Round
from desktop.gui.audit_view import AuditView
from desktop.gui.i18n import core, error_text, language
from desktop.gui.recording_panel import RecordingPanel
from desktop.gui.recordings_panel import RecordingsPanel
from desktop.gui.settings import Settings
from desktop.gui.workers import Job
from policy.recording import SessionRefused, start_recording
from policy.sealed import Manifest
from policy.session import Session
from policy.timestamping import START_TIMEOUT
from policy.workspace import Workspace


def dot_icon(colour: str) -> QIcon:
    """A round coloured icon (red: recording, orange: paused, grey: idle); no image files."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(6, 6, 52, 52)
    painter.end()
    return QIcon(pixmap)


ICONS = {"recording": "#c62828", "paused": "#ef6c00", "idle": "#607d8b"}


class MainWindow(QMainWindow):
    recording_started = Signal(str)
    recording_finished = Signal(object)

    def __init__(
        self, workspace: Workspace, settings: Settings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings or Settings()
        self.panel: RecordingPanel | None = None
        self.player_job: Job | None = None  # a recording being opened for playback
        self.timestamp_job: Job | None = None  # queued timestamps being sent at start
        self.closing = False
        self.setWindowTitle(
            self.tr("Gespreksopname — %1").replace("%1", workspace.policy.organisation)
        )
        self.setWindowIcon(dot_icon(ICONS["idle"]))
        self.setAcceptDrops(True)
        self.recordings = RecordingsPanel(workspace)
        self.audit = AuditView(workspace)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.recordings, self.tr("Recordings"))
        self.tabs.addTab(self.audit, self.tr("Audit trail"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.setCentralWidget(self.stack)
        self.status = QLabel(self.tr("Key fingerprint: %1").replace("%1", workspace.fingerprint))
        self.statusBar().addPermanentWidget(self.status)
        # The organisation's archive: drained in the background (start, seals, every minute).
        self.archive_sync = ArchiveSync(workspace, self)
        self.archive_sync.started.connect(self._archive_started)
        self.archive_sync.finished_round.connect(self._archive_round)
        self.archive_status = QLabel()
        self.archive_status.setAccessibleName(self.tr("Archive"))
        if workspace.policy.archive is not None:
            self.statusBar().addPermanentWidget(self.archive_status)
        self._actions()
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(dot_icon(ICONS["idle"]), self)
            self.tray.setToolTip(self.tr("Gespreksopname: not recording"))
            self.tray.activated.connect(self._show_from_tray)
            self.tray.show()
        self.recordings.export_requested.connect(self.export)
        self.recordings.derive_requested.connect(self.derive)
        self.recordings.play_requested.connect(self.play)
        self.recordings.archive_work.connect(self.sync_archive)
        self.resize(1100, 720)

    def _actions(self) -> None:
        toolbar = QToolBar(self.tr("Actions"))
        toolbar.setObjectName("actions")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(toolbar)
        self.new_action = QAction(dot_icon(ICONS["recording"]), self.tr("New conversation"), self)
        self.new_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_action.triggered.connect(self.new_conversation)
        self.refuse_action = QAction(self.tr("Refuse a recording…"), self)
        self.refuse_action.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.refuse_action.triggered.connect(self.refuse)
        self.import_action = QAction(self.tr("Import the citizen's recording…"), self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.import_recording)
        self.citizen_action = QAction(self.tr("The citizen records…"), self)
        self.citizen_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.citizen_action.triggered.connect(self.citizen_records)
        self.breach_action = QAction(self.tr("Report a breach…"), self)
        self.breach_action.triggered.connect(self.report_breach)
        self.verify_action = QAction(self.tr("Verify a file or copy…"), self)
        self.verify_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.verify_action.triggered.connect(self.verify_dialog)
        self.settings_action = QAction(self.tr("Settings"), self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        for action in (
            self.new_action,
            self.refuse_action,
            self.import_action,
            self.citizen_action,
            self.breach_action,
            self.verify_action,
            self.settings_action,
        ):
            toolbar.addAction(action)

    def _show_from_tray(self, *_: object) -> None:
        self.showNormal()
        self.activateWindow()

    # -- recording ----------------------------------------------------------------------------
    def new_conversation(self) -> None:
        from desktop.gui.wizard import NewConversationWizard

        if self.panel is not None and self.panel.active:
            return
        wizard = NewConversationWizard(self.workspace.policy, self)
        wizard.session_ready.connect(self.start)
        wizard.open()
        self.wizard = wizard

    def start(self, session: Session) -> None:
        try:
            recording = start_recording(
                self.workspace,
                session,
                self.settings.microphone or None,
                sample_format=self.settings.sample_format,
            )
        except SessionRefused as exc:
            reasons = "\n".join(r.text(self._lang()) for r in exc.decision.reasons)
            QMessageBox.warning(self, self.tr("Not allowed"), reasons)
            return
        except GespreksError as exc:
            QMessageBox.warning(self, self.tr("Cannot record"), error_text(exc))
            self.recordings.reload()
            return
        self.panel = RecordingPanel(recording)
        self.panel.state_changed.connect(self._state_changed)
        self.panel.stopped.connect(self._finished)
        self.stack.addWidget(self.panel)
        self.stack.setCurrentWidget(self.panel)
        self.new_action.setEnabled(False)
        self.recording_started.emit(recording.recording_id)

    @staticmethod
    def _lang() -> str:
        from desktop.gui.i18n import language

        return language()

    def _state_changed(self, state: str) -> None:
        icon = dot_icon(ICONS.get(state, ICONS["idle"]))
        self.setWindowIcon(icon)
        if self.tray is not None:
            self.tray.setIcon(icon)
            texts = {
                "recording": self.tr("Gespreksopname: RECORDING"),
                "paused": self.tr("Gespreksopname: paused"),
            }
            self.tray.setToolTip(texts.get(state, self.tr("Gespreksopname: not recording")))

    def _finished(self, manifest: object) -> None:
        self.new_action.setEnabled(True)
        self.recordings.reload()
        self.audit.reload()
        self.sync_archive()  # the sealed recording goes to the archive, in the background
        self.recording_finished.emit(manifest)
        if self.panel is not None:
            panel = self.panel
            self.stack.setCurrentWidget(self.tabs)
            self.stack.removeWidget(panel)
            panel.deleteLater()
            self.panel = None
        self._state_changed("idle")
        if isinstance(manifest, Manifest):
            self.statusBar().showMessage(
                core(
                    "record.sealed",
                    state=core(f"state.{manifest.state}"),
                    duration=str(manifest.duration_s) + " s",
                ),
                15000,
            )

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        """Closing while recording asks first, and then stops and seals: no audio is lost."""
        if self.panel is not None and self.panel.active:
            answer = QMessageBox.question(
                self,
                self.tr("Still recording"),
                self.tr("A recording is running. Stop it, seal it and close?"),
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.panel.finish("user")
        if self.panel is not None:
            self.panel.wait_sealed()  # the seal runs off the GUI thread: let it finish
        self.closing = True
        self.archive_sync.stop()  # no new round; one in progress may finish (it resumes later)
        if self.player_job is not None:
            self.player_job.wait()  # opening is short; its player is released when it comes
        dialog = getattr(self, "export_dialog", None)
        if dialog is not None and dialog.job is not None and dialog.folder is None:
            dialog.job.cancel()  # the export removes its half-written folder itself
            dialog.job.wait()
        importing = getattr(self, "import_dialog", None)
        if importing is not None and importing.busy:
            importing.reject()  # the import stops and keeps nothing
        if self.tray is not None:
            self.tray.hide()
        event.accept()

    # -- other actions --------------------------------------------------------------------------
    def export(self, recording_id: str) -> None:
        from desktop.gui.copy_dialogs import ExportDialog  # the copy stack (numpy): only for this

        dialog = ExportDialog(self.workspace, recording_id, parent=self)
        dialog.finished.connect(lambda _result: self.audit.reload())
        dialog.open()
        self.export_dialog = dialog

    def derive(self, recording_id: str) -> None:
        from desktop.gui.copy_dialogs import DeriveDialog

        dialog = DeriveDialog(self.workspace, recording_id, self)
        dialog.accepted.connect(self.recordings.reload)
        dialog.open()
        self.derive_dialog = dialog

    def play(self, recording_id: str) -> None:
        """Open the recording off the GUI thread (every chunk is authenticated first), then
        show the player. One at a time: a second request while opening is ignored."""
        from desktop.gui.player_dialog import PlayerDialog, open_player

        if self.player_job is not None:
            return
        speaker = self.settings.speaker
        job = Job(lambda _job: open_player(self.workspace, recording_id, speaker), self)

        def opened(player: Any) -> None:
            if self.closing:
                player.close()
                return
            dialog = PlayerDialog(player, self)
            dialog.open()
            self.player_dialog = dialog

        def finished() -> None:
            self.player_job = None
            QApplication.restoreOverrideCursor()

        job.succeeded.connect(opened)
        job.failed.connect(
            lambda exc: QMessageBox.warning(self, self.tr("Cannot play"), error_text(exc))
        )
        job.finished.connect(finished)
        self.player_job = job
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        job.start()

    def refuse(self) -> None:
        from desktop.gui.refusal_dialog import RefusalDialog

        dialog = RefusalDialog(self.workspace, parent=self)
        dialog.accepted.connect(self.audit.reload)
        dialog.open()
        self.refusal_dialog = dialog

    def citizen_records(self) -> None:
        """The citizen records: register the conversation and hand over the rules sheet."""
        from desktop.gui.citizen_dialog import CitizenDialog

        dialog = CitizenDialog(self.workspace, parent=self)
        dialog.accepted.connect(self.audit.reload)
        dialog.open()
        self.citizen_dialog = dialog

    def report_breach(self) -> None:
        """A breach of the rules, reported to the privacy contacts."""
        from desktop.gui.breach_dialog import BreachDialog

        dialog = BreachDialog(self.workspace, parent=self)
        dialog.accepted.connect(self.audit.reload)
        dialog.open()
        self.breach_dialog = dialog

    def import_recording(self) -> None:
        """Rule a, the other way: the citizen's own recording, kept exactly as received."""
        from desktop.gui.import_dialog import ImportWizard

        dialog = ImportWizard(self.workspace, self)
        dialog.imported.connect(self._imported)
        dialog.open()
        self.import_dialog = dialog

    def _imported(self, manifest: object) -> None:
        self.recordings.reload()
        self.audit.reload()
        self.sync_archive()  # the received recording goes to the archive like our own
        if isinstance(manifest, Manifest):
            self.statusBar().showMessage(
                core("import.done", id=manifest.recording_id, sha=manifest.pcm_sha256), 15000
            )

    def open_settings(self) -> None:
        from desktop.gui.settings_dialog import SettingsDialog
        from policy.organisation import enrolment_status

        trust = enrolment_status(self.workspace.vault).lines(language())
        taken, waiting = self.workspace.timestamp_state()
        if self.workspace.policy.timestamps is not None or taken or waiting:
            trust.append(core("timestamp.state", granted=taken, left=waiting))
        dialog = SettingsDialog(
            self.settings, self.workspace.policy, self, trust, archive=self.archive_page()
        )
        dialog.open()
        self.settings_dialog = dialog

    def archive_page(self) -> QWidget:
        from desktop.gui.archive_view import ArchivePage

        return ArchivePage(self.workspace, self.archive_sync)

    # -- the organisation's archive -------------------------------------------------------------
    def start_archive(self) -> Job | None:
        """Once the window shows: a first round now, then one every minute while it is open
        (None when the policy names no archive)."""
        return self.archive_sync.start()

    def sync_archive(self, force: bool = False) -> Job | None:
        """A round in the background now (after a seal, a hold, "Send now"); never two at once:
        asked for during a round, it runs right after it."""
        return self.archive_sync.sync(force)

    def _archive_started(self) -> None:
        if self.archive_sync.last is None:
            self.archive_status.setText(self.tr("Archive: checking…"))

    def _archive_round(self, result: Round) -> None:
        self.recordings.show_archive(result.states)
        if result.recordings_waiting == 0 and result.waiting == 0:
            text = self.tr("Archive: everything sent")
        else:
            text = self.tr("Archive: %1 recording(s) waiting").replace(
                "%1", str(result.recordings_waiting)
            )
        if result.problem is not None:
            from policy.archiving import describe_error

            self.archive_status.setToolTip(describe_error(result.problem, language()))
            self.archive_status.setStyleSheet("color: #b00020;")
        else:
            self.archive_status.setToolTip("")
            self.archive_status.setStyleSheet("")
        self.archive_status.setText(text)

    def verify_dialog(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Verify a file"), str(Path.home()))
        if chosen:
            self.verify_path(Path(chosen))

    def send_queued_timestamps(self) -> Job | None:
        """What an offline laptop queued goes to the time-stamping authority at start, from a
        worker: a slow network must not hold up the window."""
        if self.workspace.policy.timestamps is None:
            return None
        workspace = self.workspace
        job = Job(lambda _job: workspace.send_timestamps(timeout=START_TIMEOUT), self)
        self.timestamp_job = job
        job.start()
        return job

    def verify_path(self, target: Path) -> str:
        """Verify a recording, an exported folder or a lone exported file (recognised by its
        content and logged, in the core, as on the command line); the result in words."""
        from policy.verification import verify_path

        label = core("verify.this_installation")
        try:
            result = verify_path(
                target,
                workspace=self.workspace,
                policy=self.workspace.policy,
                this_installation=label,
            )
        except (GespreksError, OSError) as exc:
            text = core("verify.changed", reason=error_text(exc))
            QMessageBox.warning(self, self.tr("Verification"), text)
            return text
        trust = result.trust
        if trust is not None and not trust.known:  # intact, but by a key unknown here
            text = trust.advice(language(), self.workspace.policy.publication_url)
            QMessageBox.warning(self, self.tr("Verification"), text)
            return text
        seal_time = result.seal_time
        if result.recording is not None:
            report = result.recording
            manifest = report.manifest
            seal_time = self.workspace.seal_time(
                manifest.recording_id, report.seal_sha256, manifest.ended
            )
        said = seal_time.describe(language()).strip() if seal_time is not None else ""
        if seal_time is not None and seal_time.contradicts:
            text = core("verify.changed", reason=said)
            QMessageBox.warning(self, self.tr("Verification"), text)
            return text
        late = seal_time is not None and seal_time.state == "late"
        text = core("verify.intact_late" if late else "verify.intact")
        if trust is not None:
            text += "\n" + trust.describe(language()).strip()
        if said and seal_time is not None and seal_time.state != "none":
            text += "\n" + said
        QMessageBox.information(self, self.tr("Verification"), text)
        return text

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.verify_path(Path(url.toLocalFile()))
