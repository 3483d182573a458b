"""The placeholder main window shows its title and a readable message."""

from pytestqt.qtbot import QtBot

from desktop.main_window import MainWindow


def test_main_window_shows_title_and_message(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    assert window.windowTitle() == "Gespreksopname"

    label = window.status_label
    assert window.centralWidget() is label
    assert label.isVisible()
    assert label.text().strip()
    assert "gespreksopname --help" in label.text()
