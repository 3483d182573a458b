"""The organisation's archive in the window: the queue drained in the background, and a page
showing the archive in force, where its credentials come from, and what still waits.

The work (uploads, the queue's documents, the credentials lookup, which may ask the OS keyring)
never runs on the GUI thread: a `Job` does one round at a time, at start, after each seal or
hold, every minute while the window is open and when the user presses "Send now"; its result
comes back by a queued signal, and the list and this page show it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from audio.errors import GespreksError
from desktop.gui.i18n import core, language
from desktop.gui.workers import Job
from policy import archiving
from policy.workspace import Workspace

# How often the window drains the queue while it is open.
INTERVAL_MS = 60_000
# How long closing the window waits for a round in progress (an upload resumes at next start).
CLOSE_WAIT_S = 15.0


@dataclass(frozen=True)
class Round:
    """What one background round found: the sync's result and the queue's state after it."""

    synced: archiving.Synced | None  # None: the round failed before it could sync
    states: dict[str, archiving.ArchiveState]
    waiting: int  # jobs still queued (recordings, trail heads, holds, releases)
    recordings_waiting: int
    credentials: str  # environment | keyring | file | none | unusable
    credentials_problem: str = ""  # in words, when the credentials file cannot be used
    problem: Exception | None = None
    when: float = field(default_factory=time.time)


def credentials_source(workspace: Workspace) -> tuple[str, str]:
    """Where the archive's credentials come from (never the secret), and why not usable."""
    settings = workspace.policy.archive
    if settings is None:
        return "none", ""
    try:
        found = archiving.find_credentials(settings)
    except GespreksError as exc:
        return "unusable", exc.message(language())
    return ("none", "") if found is None else (found.source, "")


def one_round(workspace: Workspace, force: bool) -> Round:
    """Runs in the worker: drain what may be sent now, then read the queue's state."""
    problem: Exception | None = None
    synced: archiving.Synced | None = None
    try:
        synced = workspace.sync_archive(force=force)
        problem = synced.problem
    except Exception as exc:  # shown on the page, never lost; the queue stays as it is
        problem = exc
    jobs = archiving.jobs(workspace.vault)
    pending = [job for job in jobs if job.pending]
    source, unusable = credentials_source(workspace)
    return Round(
        synced=synced,
        states=workspace.archive_states(),
        waiting=len(pending),
        recordings_waiting=sum(job.subject == "recording" for job in pending),
        credentials=source,
        credentials_problem=unusable,
        problem=problem,
    )


class ArchiveSync(QObject):
    """Drains the archive queue off the GUI thread, one round at a time.

    A round asked for while one runs is done once right after it (so a seal during an upload
    is not left waiting a minute). Emits `started()` and `finished_round(Round)`.
    """

    started = Signal()
    finished_round = Signal(object)

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.job: Job | None = None
        self.last: Round | None = None
        self.rounds = 0
        self._again: bool | None = None  # a round asked for while one ran: its `force`
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.sync)

    @property
    def in_force(self) -> bool:
        return self.workspace.policy.archive is not None

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self) -> Job | None:
        """At start (once the window shows): a first round now, then one every minute."""
        if not self.in_force or self._stopped:
            return None
        self.timer.start()
        return self.sync()

    def sync(self, force: bool = False) -> Job | None:
        """Start a round now; while one runs, remember to do another after it (None then)."""
        if not self.in_force or self._stopped:
            return None
        if self.job is not None:
            self._again = force or bool(self._again)
            return None
        workspace = self.workspace
        job = Job(lambda _job: one_round(workspace, force), self)
        job.succeeded.connect(self._done)
        job.failed.connect(self._failed)
        job.finished.connect(self._finished)
        self.job = job
        job.start()
        self.started.emit()
        return job

    def _done(self, result: object) -> None:
        if isinstance(result, Round):
            self.last = result
            self.rounds += 1
            if not self._stopped:
                self.finished_round.emit(result)

    def _failed(self, exc: object) -> None:  # reading the queue failed: say so, keep going
        previous = self.last
        problem = exc if isinstance(exc, Exception) else None
        result = Round(
            synced=None,
            states=previous.states if previous else {},
            waiting=previous.waiting if previous else 0,
            recordings_waiting=previous.recordings_waiting if previous else 0,
            credentials=previous.credentials if previous else "none",
            problem=problem,
        )
        self._done(result)

    def _finished(self) -> None:
        self.job = None
        again, self._again = self._again, None
        if again is not None and not self._stopped:
            self.sync(force=again)

    def stop(self, seconds: float = CLOSE_WAIT_S) -> bool:
        """The window closes: no more rounds; wait a while for the one in progress (an upload
        cut short resumes at the next start). True when none is left running."""
        self._stopped = True
        self.timer.stop()
        job = self.job
        return job is None or job.wait(seconds)


class ArchivePage(QWidget):
    """The archive in force (address, bucket, lock mode, where the credentials come from),
    the queue (how many wait, the last problem in words) and "Send now"."""

    def __init__(self, workspace: Workspace, sync: ArchiveSync, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.sync = sync
        settings = workspace.policy.archive
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Archive"))
        layout.addWidget(self.summary)
        self.fields: dict[str, QLabel] = {}
        self.send = QPushButton(self.tr("Send now"))
        self.send.setAccessibleName(self.tr("Send now"))
        self.send.clicked.connect(self.send_now)
        if settings is None:
            self.summary.setText(core("archive.cli.none_in_force"))
            self.send.setEnabled(False)
            self.send.hide()
            layout.addStretch()
            return
        self.summary.setText(
            self.tr(
                "Every sealed recording is also kept in the organisation's archive, locked "
                "until the end of its retention term. Nothing waits for it: what cannot be "
                "sent now is queued on this laptop and sent later."
            )
        )
        form = QFormLayout()
        modes = {
            "COMPLIANCE": self.tr("COMPLIANCE: nobody can delete or shorten a copy early"),
            "GOVERNANCE": self.tr(
                "GOVERNANCE: only a specially authorised administrator can delete early"
            ),
        }
        for key, label, value in (
            ("endpoint", self.tr("Address"), settings.endpoint),
            ("bucket", self.tr("Bucket"), settings.bucket),
            ("region", self.tr("Region"), settings.region),
            ("lock_mode", self.tr("Lock mode"), modes.get(settings.lock_mode, settings.lock_mode)),
            ("prefix", self.tr("Folder"), f"{settings.prefix}/{workspace.fingerprint}/"),
            ("credentials", self.tr("Credentials"), self.tr("being looked up…")),
            ("queue", self.tr("Queue"), self.tr("not checked yet")),
            ("problem", self.tr("Last problem"), self.tr("none")),
        ):
            widget = QLabel(value)
            widget.setWordWrap(True)
            widget.setAccessibleName(label)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = widget
            form.addRow(label, widget)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.activity = QLabel()
        row.addWidget(self.send)
        row.addWidget(self.activity, 1)
        layout.addLayout(row)
        layout.addStretch()
        sync.started.connect(self._started)
        sync.finished_round.connect(self.show_round)
        if sync.last is not None:
            self.show_round(sync.last)
        if sync.running:
            self._started()
        elif sync.last is None:
            sync.sync()  # nothing known yet: look now (off the GUI thread)

    def send_now(self) -> None:
        """Everything queued, now, without waiting out the back-off."""
        self.sync.sync(force=True)
        self._started()

    def _started(self) -> None:
        self.send.setEnabled(False)
        self.activity.setText(self.tr("Sending…"))

    def credentials_text(self, result: Round) -> str:
        settings = self.workspace.policy.archive
        if result.credentials == "environment":
            return self.tr("from the environment (%1)").replace("%1", archiving.ENV_ACCESS_KEY)
        if result.credentials == "keyring":
            return self.tr("from the computer's keyring (%1)").replace(
                "%1", archiving.KEYRING_SERVICE
            )
        if result.credentials == "file" and settings is not None:
            file = settings.credentials_file or archiving.default_credentials_file()
            return self.tr("from the file %1").replace("%1", str(file))
        if result.credentials == "unusable":
            return result.credentials_problem
        return self.tr("none found on this computer; ask the IT department")

    def show_round(self, result: Round) -> None:
        self.send.setEnabled(True)
        moment = datetime.fromtimestamp(result.when).astimezone()
        self.activity.setText(self.tr("Last checked at %1").replace("%1", f"{moment:%H:%M:%S}"))
        if not self.fields:
            return
        self.fields["credentials"].setText(self.credentials_text(result))
        if result.waiting == 0:
            queue = self.tr("nothing waits: everything is in the archive")
        else:
            queue = (
                self.tr("%1 waiting, of which %2 recording(s)")
                .replace("%1", str(result.waiting))
                .replace("%2", str(result.recordings_waiting))
            )
        self.fields["queue"].setText(queue)
        problem = result.problem
        if problem is None:
            self.fields["problem"].setText(self.tr("none"))
            self.fields["problem"].setStyleSheet("")
        else:
            self.fields["problem"].setText(archiving.describe_error(problem, language()))
            self.fields["problem"].setStyleSheet("color: #b00020;")
