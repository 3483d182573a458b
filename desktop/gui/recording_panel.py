"""The recording screen: a state that cannot be missed, time, level, warnings the moment they
happen, pause/resume, markers, stop. It polls the engine; it never waits on audio or disk."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import core, error_text
from desktop.gui.workers import Job
from policy.display import clock as display_clock
from policy.inputs import LIMITS
from policy.recording import Recording
from policy.sealed import Manifest

STATE_COLOURS = {
    "recording": "#c62828",
    "paused": "#ef6c00",
    "stopping": "#455a64",
    "stopped": "#2e7d32",
    "idle": "#455a64",
}


def clock(seconds: float) -> str:
    """h:mm:ss of whole seconds passed (a running clock never rounds up)."""
    return display_clock(int(seconds))


class RecordingPanel(QWidget):
    """Controls one running Recording; emits `stopped(manifest)` once it is sealed."""

    stopped = Signal(object)
    state_changed = Signal(str)

    def __init__(self, recording: Recording, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording = recording
        self._last_state = ""
        self._finished = False
        self.job: Job | None = None  # stop and seal, once finish() was called
        self.state = QLabel()
        self.state.setObjectName("state")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setAccessibleName(self.tr("Recording state"))
        self.time = QLabel("0:00:00")
        self.time.setObjectName("time")
        self.time.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.time.setStyleSheet("font-size: 28pt; font-family: monospace;")
        self.meter = QProgressBar()
        self.meter.setRange(0, 60)
        self.meter.setTextVisible(False)
        self.meter.setAccessibleName(self.tr("Input level"))
        self.level = QLabel()
        self.level.setMinimumWidth(120)
        self.warnings = QListWidget()
        self.warnings.setAccessibleName(self.tr("Warnings"))
        self.warnings.setStyleSheet("color: #b00020;")
        self.warnings.setMaximumHeight(110)
        self.pause = QPushButton(self.tr("Pause"))
        self.pause.setShortcut(QKeySequence("Ctrl+P"))
        self.note = QLineEdit()
        self.note.setMaxLength(LIMITS["marker_note"])
        self.note.setPlaceholderText(self.tr("Note for a marker, e.g. consent repeated on tape"))
        self.note.setAccessibleName(self.tr("Marker note"))
        self.marker = QPushButton(self.tr("Add marker"))
        self.marker.setShortcut(QKeySequence("Ctrl+M"))
        self.stop = QPushButton(self.tr("Stop and seal"))
        self.stop.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.stop.setStyleSheet("font-weight: bold;")
        self.markers = QListWidget()
        self.markers.setAccessibleName(self.tr("Markers"))
        self.markers.setMaximumHeight(90)
        controls = QHBoxLayout()
        controls.addWidget(self.pause)
        controls.addWidget(self.note, 1)
        controls.addWidget(self.marker)
        controls.addWidget(self.stop)
        level = QHBoxLayout()
        level.addWidget(self.meter, 1)
        level.addWidget(self.level)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.state)
        layout.addWidget(self.time)
        layout.addLayout(level)
        layout.addLayout(controls)
        layout.addWidget(QLabel(self.tr("Warnings")))
        layout.addWidget(self.warnings)
        layout.addWidget(QLabel(self.tr("Markers")))
        layout.addWidget(self.markers)
        layout.addStretch(1)
        self.pause.clicked.connect(self.toggle_pause)
        self.marker.clicked.connect(self.add_marker)
        self.note.returnPressed.connect(self.add_marker)
        self.stop.clicked.connect(lambda: self.finish("user"))
        shortcut = QShortcut(QKeySequence("Ctrl+R"), self)
        shortcut.activated.connect(self.toggle_pause)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.poll()

    def _show_state(self, state: str) -> None:
        texts = {
            "recording": self.tr("● RECORDING"),
            "paused": self.tr("‖ PAUSED"),
            "stopping": self.tr("■ STOPPING…"),
            "stopped": self.tr("■ STOPPED, SEALED"),
            "idle": self.tr("READY"),
        }
        self.state.setText(texts.get(state, state))
        self.state.setStyleSheet(
            f"font-size: 26pt; font-weight: bold; color: white; padding: 12px;"
            f"background: {STATE_COLOURS.get(state, '#455a64')}; border-radius: 8px;"
        )
        self.pause.setText(self.tr("Resume") if state == "paused" else self.tr("Pause"))
        busy = state in ("recording", "paused")
        for button in (self.pause, self.marker, self.stop):
            button.setEnabled(busy)

    def poll(self) -> None:
        status = self.recording.status()
        if status.state != self._last_state:
            self._last_state = status.state
            self._show_state(status.state)
            self.state_changed.emit(status.state)
        self.time.setText(clock(status.elapsed_s))
        peak = status.peak_dbfs
        self.meter.setValue(0 if peak == -math.inf else max(0, min(60, round(peak + 60))))
        shown = "-∞" if peak == -math.inf else f"{peak:.0f}"
        self.level.setText(self.tr("Peak %1 dBFS").replace("%1", shown))
        for event in self.recording.events():
            if event.kind == "warning":
                self.warnings.addItem(core(f"warning.{event.code}", **event.data))
                self.warnings.scrollToBottom()
            elif event.kind == "marker":
                self.markers.addItem(
                    f"{clock(event.data['frame'] / max(1, status.sample_rate))}"
                    f"  {event.data.get('note') or ''}"
                )
        if not self._finished and self.recording.recorder.wait(0):
            self.finish(status.stop_reason or "device_lost")  # it stopped by itself

    def toggle_pause(self) -> None:
        if self.recording.status().state == "paused":
            self.recording.resume()
        elif self.recording.status().state == "recording":
            self.recording.pause()

    def add_marker(self) -> None:
        if self.recording.status().state in ("recording", "paused"):
            self.recording.marker(self.note.text().strip() or None)
            self.note.clear()

    def finish(self, reason: str = "user") -> None:
        """Stop and seal (idempotent), off the GUI thread: a stalled disk must not freeze the
        window. `stopped` is emitted with the manifest (None after an error) when sealed."""
        if self._finished:
            return
        self._finished = True
        self.timer.stop()
        for button in (self.pause, self.marker, self.stop):
            button.setEnabled(False)
        self._show_state("stopping")
        self.state_changed.emit("stopping")
        self.job = Job(lambda _job: self.recording.stop(reason), self)
        self.job.succeeded.connect(self._sealed)
        self.job.failed.connect(self._seal_failed)
        self.job.start()

    def wait_sealed(self, seconds: float = 30.0) -> bool:
        """Block until the seal is done (closing the app); True when it is."""
        return self.job is None or self.job.wait(seconds)

    def _seal_failed(self, exc: BaseException) -> None:
        # What reached the disk is sealed or recoverable; say why the seal did not finish.
        self.warnings.addItem(error_text(exc))
        self._sealed(None)

    def _sealed(self, manifest: Manifest | None) -> None:
        if self.recording.audit_error is not None:
            self.warnings.addItem(error_text(self.recording.audit_error))
        self.poll()
        self._show_state("stopped")
        self.state_changed.emit("stopped")
        self.stopped.emit(manifest)

    @property
    def active(self) -> bool:
        """Recording, or still sealing."""
        return not self._finished or not self.wait_sealed(0)
