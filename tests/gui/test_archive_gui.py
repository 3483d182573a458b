"""The organisation's archive in the window (issue 15), with real widgets against a real S3 server
with Object Lock (SeaweedFS) and a real TSA: each recording's archive state in the list, the
queue drained in the background (at start, after a seal, every minute, "Send now"), never on the
GUI thread and never two rounds at once, and the settings page showing the archive in force."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.gui import i18n
from desktop.gui.archive_view import INTERVAL_MS, ArchivePage, Round
from desktop.gui.main_window import MainWindow
from desktop.gui.recordings_panel import ARCHIVE_COLUMN
from desktop.gui.settings import Settings
from desktop.gui.settings_dialog import SettingsDialog
from policy import archiving
from policy.policy import load_policy
from policy.workspace import Workspace
from tests.helpers.s3server import RunningS3
from tests.helpers.virtual_mic import VirtualMic
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import lawful
from tests.unit.trust.test_timestamps_in_use import _record


@pytest.fixture
def dutch(qapp: QApplication) -> Iterator[QApplication]:
    """The product's default language, for the widgets and the core's messages alike."""
    assert i18n.install(qapp, "nl")
    yield qapp
    assert i18n.install(qapp, "nl")


def archive_cell(window: MainWindow, recording_id: str) -> str:
    table = window.recordings.table
    for row in range(table.rowCount()):
        item = table.item(row, ARCHIVE_COLUMN)
        if item is not None and item.data(Qt.ItemDataRole.UserRole) == recording_id:
            return item.text()
    raise AssertionError(f"{recording_id} is not listed")


def window_for(qtbot: QtBot, workspace: Workspace, settings: Settings) -> MainWindow:
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()
    return window


def finish_round(qtbot: QtBot, window: MainWindow, rounds: int) -> Round:
    sync = window.archive_sync
    qtbot.waitUntil(lambda: sync.rounds >= rounds and not sync.running, timeout=30000)
    assert sync.last is not None
    return sync.last


def test_a_recording_waits_then_the_background_round_puts_it_in_the_archive(
    qtbot: QtBot, dutch: QApplication, laptop: Workspace, settings: Settings
) -> None:
    rid = _record(laptop)
    window = window_for(qtbot, laptop, settings)
    assert not window.recordings.table.isColumnHidden(ARCHIVE_COLUMN)
    assert archive_cell(window, rid) == "wacht op archief (in de wachtrij)"
    # Which thread syncs: the real sync, noted on the way.
    threads: list[str] = []
    real_sync = laptop.sync_archive

    def noting(*, force: bool = False) -> archiving.Synced:
        threads.append(threading.current_thread().name)
        return real_sync(force=force)

    laptop.sync_archive = noting  # type: ignore[method-assign]
    job = window.start_archive()
    assert job is not None
    assert window.archive_sync.timer.isActive()
    assert window.archive_sync.timer.interval() == INTERVAL_MS == 60_000
    assert window.start_archive() is None  # never two at once: this one runs after the first
    result = finish_round(qtbot, window, 2)
    assert threads == ["gespreksopname-job"] * 2
    assert result.problem is None and result.waiting == 0
    assert archive_cell(window, rid) == "in het archief"
    assert "alles verstuurd" in window.archive_status.text()
    window.recordings.table.selectRow(0)
    details = window.recordings.details.toPlainText()
    assert "Archief: in het archief" in details
    assert result.states[rid].sha256 in details
    # The timer's round (every minute; sooner here) runs off the GUI thread too.
    window.archive_sync.timer.setInterval(50)
    finish_round(qtbot, window, 3)
    window.archive_sync.timer.stop()
    assert set(threads) == {"gespreksopname-job"} and len(threads) >= 3


def test_the_server_down_shows_why_and_the_window_stays_responsive(
    qtbot: QtBot, dutch: QApplication, laptop: Workspace, settings: Settings, s3: RunningS3
) -> None:
    s3.stop()
    try:
        rid = _record(laptop)
        window = window_for(qtbot, laptop, settings)
        # The GUI thread's event loop ticks every 10 ms while the round runs: no long gap.
        ticks: list[float] = []
        ticker = QTimer()
        ticker.setInterval(10)
        ticker.timeout.connect(lambda: ticks.append(time.monotonic()))
        ticker.start()
        assert window.start_archive() is not None
        result = finish_round(qtbot, window, 1)
        qtbot.wait(50)
        ticker.stop()
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert gaps and max(gaps) < 0.5, max(gaps)
        assert result.problem is not None
        cell = archive_cell(window, rid)
        assert cell.startswith("wacht op archief (het archief is niet bereikbaar"), cell
        assert window.archive_status.text() == "Archief: 1 opname(n) wachten"
        assert "niet bereikbaar" in window.archive_status.toolTip()
        page = ArchivePage(laptop, window.archive_sync)
        qtbot.addWidget(page)
        assert "niet bereikbaar" in page.fields["problem"].text()
        assert "1 opname(n)" in page.fields["queue"].text()
    finally:
        s3.start()
    # Back: "Send now" sends without waiting out the back-off.
    page.send.click()
    assert not page.send.isEnabled()  # a round is running; the button waits for it
    finish_round(qtbot, window, 2)
    assert archive_cell(window, rid) == "in het archief"
    assert page.send.isEnabled()
    assert page.fields["problem"].text() == "geen"
    assert page.fields["queue"].text() == "er wacht niets: alles staat in het archief"


def test_the_settings_page_shows_the_archive_in_force_and_the_queue(
    qtbot: QtBot,
    dutch: QApplication,
    laptop: Workspace,
    settings: Settings,
    s3: RunningS3,
    bucket: str,
) -> None:
    _record(laptop)
    _record(laptop)
    window = window_for(qtbot, laptop, settings)
    window.open_settings()
    dialog = window.settings_dialog
    assert isinstance(dialog, SettingsDialog) and dialog.tabs is not None
    assert dialog.tabs.tabText(1) == "Archief"
    page = dialog.archive
    assert isinstance(page, ArchivePage)
    fields = {key: label.text() for key, label in page.fields.items()}
    assert fields["endpoint"] == s3.endpoint
    assert fields["bucket"] == bucket
    assert fields["lock_mode"].startswith("COMPLIANCE")
    assert laptop.fingerprint in fields["prefix"]
    # Opening the page looks at the queue at once (off the GUI thread): two recordings wait.
    # The round sends them too, so "waiting" is read before it, from the vault.
    assert window.archive_sync.running
    result = finish_round(qtbot, window, 1)
    assert result.waiting == 0
    assert page.fields["credentials"].text() == "uit de omgeving (AWS_ACCESS_KEY_ID)"
    assert page.fields["queue"].text() == "er wacht niets: alles staat in het archief"
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert s3.app.secret_key not in shown and s3.app.access_key not in shown
    dialog.reject()


def test_a_round_asked_for_during_one_runs_right_after_it(
    qtbot: QtBot, laptop: Workspace, settings: Settings
) -> None:
    """Never two rounds at once: one asked for while one runs (a seal during an upload) is
    done right after it, not left waiting for the next minute."""
    rid, rid2 = _record(laptop), _record(laptop)
    window = window_for(qtbot, laptop, settings)
    sync = window.archive_sync
    busy: list[int] = []
    at_once = [0]
    real_sync = laptop.sync_archive

    def counting(*, force: bool = False) -> archiving.Synced:
        busy.append(1)
        at_once[0] = max(at_once[0], len(busy))
        try:
            time.sleep(0.2)  # long enough for the requests below to find it running
            return real_sync(force=force)
        finally:
            busy.pop()

    laptop.sync_archive = counting  # type: ignore[method-assign]
    assert window.sync_archive() is not None
    assert window.sync_archive() is None
    assert window.sync_archive(force=True) is None
    assert sync.running
    finish_round(qtbot, window, 2)
    qtbot.wait(100)
    assert sync.rounds == 2 and at_once == [1]  # the two asked for during it: one round more
    states = laptop.archive_states()
    assert states[rid].state == states[rid2].state == "archived"


def test_a_sealed_recording_goes_to_the_archive_in_the_background(
    qtbot: QtBot, laptop: Workspace, settings: Settings, mic: VirtualMic
) -> None:
    """Recorded in the window: sealing starts a round; the list shows it in the archive."""
    settings.microphone = "gespreksopname_test"
    window = window_for(qtbot, laptop, settings)
    with qtbot.waitSignal(window.recording_started, timeout=10000):
        window.start(lawful())
    panel = window.panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.recording.recorder.first_block.is_set(), timeout=5000)
    qtbot.wait(300)
    with qtbot.waitSignal(window.recording_finished, timeout=10000) as finished:
        panel.finish("user")
    rid = finished.args[0].recording_id
    assert window.archive_sync.running  # the seal started a round
    finish_round(qtbot, window, 1)
    assert laptop.archive_states()[rid].state == "archived"
    assert archive_cell(window, rid) in ("in het archief", "in the archive")


def test_no_archive_in_force_shows_no_column_and_syncs_nothing(
    qtbot: QtBot, dutch: QApplication, settings: Settings, tmp_path: Path
) -> None:
    policy = load_policy()
    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    _record(workspace)
    window = window_for(qtbot, workspace, settings)
    assert window.recordings.table.isColumnHidden(ARCHIVE_COLUMN)
    assert window.start_archive() is None
    assert not window.archive_sync.timer.isActive()
    page = window.archive_page()
    qtbot.addWidget(page)
    assert isinstance(page, ArchivePage)
    assert page.summary.text().startswith("Er is geen archief van kracht")
    assert not page.fields and not window.archive_sync.running
