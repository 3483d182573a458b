"""Issue 11, item 7: the first-run dialog refuses a weak passphrase, saying what is strong enough,
in the dialog's language, and accepts a strong one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.gui import i18n
from desktop.gui.vault_dialogs import FirstRunDialog
from policy.policy import load_policy

WEAK = "wachtwoord123"  # long enough for the old rule of 10 characters, easily guessed
STRONG = "molen tulp fiets regen drop"  # five random words


def test_the_first_run_dialog_refuses_a_weak_passphrase_and_accepts_a_strong_one(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Failed on 684a8a0: "wachtwoord123" was accepted and the vault was made with it."""
    assert i18n.language() == "nl"
    root = tmp_path / "vault"
    dialog = FirstRunDialog(root, load_policy())
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.first, WEAK)
    qtbot.keyClicks(dialog.second, WEAK)
    assert not dialog.create_button.isEnabled()
    assert "te makkelijk te raden" in dialog.error.text()
    assert "vijf willekeurig gekozen woorden" in dialog.error.text()
    dialog.create_vault()  # as if the button were pressed anyway: the core refuses too
    assert dialog.workspace is None and not root.exists()
    assert "te makkelijk te raden" in dialog.error.text()

    dialog.first.setText(STRONG)
    assert "te makkelijk" not in dialog.error.text()  # now only the repeat differs
    assert not dialog.create_button.isEnabled()
    dialog.second.setText(STRONG)
    assert dialog.create_button.isEnabled() and not dialog.error.text()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.workspace is not None and root.exists()


def test_the_refusal_is_in_english_when_the_app_is(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication
) -> None:
    """Failed on 684a8a0 (no such message)."""
    assert i18n.install(qapp, "en")
    try:
        dialog = FirstRunDialog(tmp_path / "vault", load_policy())
        qtbot.addWidget(dialog)
        dialog.first.setText("welkom01")
        assert "at least five words chosen at random" in dialog.error.text()
    finally:
        assert i18n.install(qapp, "nl")
