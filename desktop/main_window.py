"""Main window of the Gespreksopname desktop app (placeholder while the GUI is built)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget


class MainWindow(QMainWindow):
    """Top-level window; for now it only points the user to the command line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Gespreksopname"))

        self.status_label = QLabel(
            self.tr(
                "Gespreksopname wordt nog gebouwd.\n"
                "Gebruik voorlopig de opdrachtregel: gespreksopname --help"
            ),
            self,
        )
        self.status_label.setObjectName("statusLabel")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.setWordWrap(True)
        self.setCentralWidget(self.status_label)
        self.resize(640, 360)
