"""Play a recording back: a position slider with the markers, decrypting in memory only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import core, language
from desktop.gui.recording_panel import clock
from policy.workspace import Workspace
from resources.catalogue import keys

if TYPE_CHECKING:
    from policy.devices import Player


def open_player(workspace: Workspace, recording_id: str, device: str | None = None) -> Player:
    """The core's `open_for_playback` (authenticates, logs "played"); kept as the window's
    entry point."""
    return workspace.open_for_playback(recording_id, device)


class PlayerDialog(QDialog):
    """Plays an opened recording on the speakers; closing the dialog releases the player."""

    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Play back"))
        self.player = player
        rate = max(1, self.player.sample_rate)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, max(0, self.player.frames))
        self.slider.setAccessibleName(self.tr("Position"))
        self.position = QLabel("0:00:00")
        self.total = QLabel(clock(self.player.frames / rate))
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setShortcut("Space")
        self.markers = QListWidget()
        self.markers.setAccessibleName(self.tr("Markers"))
        for event in self.player.events:
            item = QListWidgetItem(
                f"{clock(event.frame / rate)}  {core('event.' + event.kind)}  {event.note}"
            )
            item.setData(Qt.ItemDataRole.UserRole, event.frame)
            self.markers.addItem(item)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.position)
        row.addWidget(self.slider, 1)
        row.addWidget(self.total)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("Markers (double-click to go there)")))
        layout.addWidget(self.markers)
        layout.addWidget(self.error)
        self.play_button.clicked.connect(self.toggle)
        self.slider.sliderReleased.connect(lambda: self.player.seek(self.slider.value()))
        self.markers.itemDoubleClicked.connect(
            lambda item: self.player.seek(int(item.data(Qt.ItemDataRole.UserRole)))
        )
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.resize(640, 360)

    def toggle(self) -> None:
        if self.player.state == "playing":
            self.player.pause()
        else:
            if self.player.state == "finished":
                self.player.seek(0)
            self.player.play()

    def poll(self) -> None:
        rate = max(1, self.player.sample_rate)
        if not self.slider.isSliderDown():
            self.slider.setValue(self.player.position)
        self.position.setText(clock(self.player.position / rate))
        playing = self.player.state == "playing"
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
        code = self.player.last_error
        if code:
            known = f"player.{code}" in keys(language())
            self.error.setText(core(f"player.{code}" if known else "player.playback_failed"))

    def done(self, result: int) -> None:  # Qt override: always release the audio device
        self.timer.stop()
        self.player.close()
        super().done(result)
