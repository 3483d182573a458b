"""Qt application entry point for the desktop GUI."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow


def run_gui(argv: list[str]) -> int:
    """Show the main window and run the Qt event loop until it closes.

    ``argv`` is a full argument vector like ``sys.argv`` (program name first); Qt consumes
    its own options (``-platform``, ``-style``, ...) from it. Returns the event loop's
    exit code.
    """
    existing = QCoreApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    # An identifier (used for settings paths), so deliberately not translated.
    app.setApplicationName("Gespreksopname")

    window = MainWindow()
    window.show()
    return app.exec()
