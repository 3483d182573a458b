"""At start the window sends what an offline laptop queued, from a worker, not the GUI thread."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.gui.main_window import MainWindow
from desktop.gui.settings import Settings
from policy.policy import load_policy
from policy.timestamping import Sent
from policy.workspace import Workspace
from tests.helpers.organisation import make_org, policy_text
from tests.helpers.tsa import start_tsa
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.trust.test_timestamps_in_use import _record


def test_queued_timestamps_are_sent_off_the_gui_thread(
    qtbot: QtBot, settings: Settings, tmp_path: Path
) -> None:
    org = make_org(tmp_path / "org")
    tsa = start_tsa(tmp_path / "tsa")
    try:
        shutil.copy(tsa.ca_pem_path, tmp_path / "tsa.pem")
        file = tmp_path / "beleid.toml"
        file.write_text(
            policy_text(org)
            + f'\n[timestamps]\nurl = "{tsa.url}"\nca_certificate = "tsa.pem"\n'
            + "max_delay_minutes = 60\n",
            encoding="utf-8",
        )
        org.sign(file)
        policy = load_policy(file)
        made = Workspace.create(tmp_path / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
        org.enroll(made, "Laptop balie")
        tsa.pause()  # offline: the seal's timestamp waits in the queue
        _record(Workspace(made.vault, policy))
        tsa.resume()
        # The unlock as the window does it: nothing is sent on this (the GUI) thread.
        workspace = Workspace.open(tmp_path / "vault", PASSPHRASE, policy, send_timestamps=False)
        assert workspace.timestamp_state()[1] == 2
        window = MainWindow(workspace, settings)
        qtbot.addWidget(window)
        senders: list[str] = []
        send = workspace.send_timestamps

        def spy(timeout: float = 5.0) -> Sent:  # which thread sends, then the real send
            senders.append(threading.current_thread().name)
            return send(timeout)

        workspace.send_timestamps = spy  # type: ignore[method-assign]
        job = window.send_queued_timestamps()
        assert job is not None
        qtbot.waitUntil(lambda: workspace.timestamp_state()[1] == 0, timeout=10000)
        assert job.wait()
        assert senders == ["gespreksopname-job"]
    finally:
        tsa.stop()
