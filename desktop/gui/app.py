"""The desktop app: first run or unlock, recover interrupted recordings, then the main window."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from audio.errors import GespreksError
from desktop.gui import i18n
from desktop.gui.settings import Settings
from policy.environment import ENV_LANG, ENV_VAULT
from policy.policy import Policy, load_policy
from policy.workspace import Workspace


def open_workspace(root: Path, settings: Settings, policy: Policy) -> Workspace | None:
    """First run creates the vault; later starts unlock it. None when the user cancels."""
    from desktop.gui.vault_dialogs import FirstRunDialog, UnlockDialog

    if not (root / "vault.json").exists():
        first = FirstRunDialog(root, policy)
        if not first.exec() or first.workspace is None:
            return None
        settings.microphone = first.microphone.device
        return first.workspace
    unlock = UnlockDialog(root, policy)
    if not unlock.exec():
        return None
    return unlock.workspace


def report_recovery(workspace: Workspace) -> str:
    """Seal what a crash interrupted, and say so: the same `recover` and the same words as the
    command line (a recording being recorded elsewhere, or refused as changed, included)."""
    return "\n".join(result.describe(i18n.language()) for result in workspace.recover_all())


def run_gui(argv: list[str]) -> int:
    """Show the app and run the Qt event loop until it closes."""
    existing = QCoreApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName("Gespreksopname")
    app.setOrganizationName("Gespreksopname")
    settings = Settings()
    i18n.install(app, os.environ.get(ENV_LANG) or settings.language)
    # The environment (as for the command line) wins over the setting, for this run only.
    root = Path(os.environ.get(ENV_VAULT) or settings.vault)
    try:
        policy = load_policy(settings.policy)
    except GespreksError as exc:
        QMessageBox.critical(None, "Gespreksopname", exc.message(i18n.language()))
        return 2
    workspace = open_workspace(root, settings, policy)
    if workspace is None:
        return 0
    from desktop.gui.main_window import MainWindow

    window = MainWindow(workspace, settings)
    window.show()
    window.send_queued_timestamps()
    window.start_archive()
    recovered = report_recovery(workspace)
    if recovered:
        window.recordings.reload()
        window.sync_archive()  # what the recovery sealed goes to the archive too
        title = QCoreApplication.translate("MainWindow", "Interrupted recordings")
        QMessageBox.information(window, title, recovered)
    return app.exec()
