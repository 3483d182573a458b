"""The Dutch translation of the widget texts: complete, with the same placeholders as the English
source, up to date with the code (a new `self.tr(...)` without a Dutch text fails the suite), the
compiled .qm matching the .ts, and real widgets switching between Dutch and English."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.gui import i18n
from desktop.gui.vault_dialogs import UnlockDialog
from policy.policy import load_policy

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "gespreksopname_nl.ts"
PLACEHOLDER = re.compile(r"%(\d+)")
# Symbols that lead a state text ("● RECORDING") and must lead its translation too.
STATE_SYMBOLS = "●‖■"
# Entries lupdate keeps for strings no longer in the code; lrelease leaves them out.
DROPPED = {"vanished", "obsolete"}


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    comment: str
    translations: tuple[str, ...]  # one, or the numerus forms
    kind: str  # the translation's type: "" when finished, "unfinished", "vanished", ...

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.context, self.source, self.comment)

    def where(self) -> str:
        return f"[{self.context}] {self.source!r}"


def read_ts(path: Path) -> list[Message]:
    messages = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None, f"{path}: a message without <translation>"
            forms = [f.text or "" for f in translation.iter("numerusform")]
            messages.append(
                Message(
                    context=name,
                    source=message.findtext("source") or "",
                    comment=message.findtext("comment") or "",
                    translations=tuple(forms) if forms else (translation.text or "",),
                    kind=translation.get("type", ""),
                )
            )
    return messages


def live(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.kind not in DROPPED]


def placeholders(text: str) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(text)))


def lupdate() -> str | None:
    """The venv's pyside6-lupdate (next to this Python), else one on PATH."""
    return shutil.which("pyside6-lupdate", path=str(Path(sys.executable).parent)) or shutil.which(
        "pyside6-lupdate"
    )


@pytest.fixture
def dutch_afterwards(qapp: QApplication) -> Iterator[QApplication]:
    """Whatever a test installs, Dutch (the product's default) is installed again afterwards."""
    yield qapp
    assert i18n.install(qapp, "nl")


def test_every_message_has_a_finished_dutch_translation() -> None:
    messages = live(read_ts(TS))
    assert messages, f"{TS} has no messages"
    problems = []
    for m in messages:
        if m.kind == "unfinished":
            problems.append(f"{m.where()}: unfinished")
            continue
        for text in m.translations:
            if not text.strip():
                problems.append(f"{m.where()}: empty translation")
            elif placeholders(text) != placeholders(m.source):
                problems.append(f"{m.where()}: placeholders differ in {text!r}")
            elif m.source[:1] in STATE_SYMBOLS and text[:2] != m.source[:2]:
                problems.append(f"{m.where()}: leading symbol lost in {text!r}")
    assert not problems, "\n".join(problems)


def test_no_message_appears_twice() -> None:
    keys = [m.key for m in live(read_ts(TS))]
    assert len(keys) == len(set(keys))


def test_every_string_in_the_code_has_a_translation(tmp_path: Path) -> None:
    """lupdate on today's desktop/gui/*.py finds nothing that the committed .ts lacks."""
    tool = lupdate()
    if tool is None:
        message = "pyside6-lupdate is missing, so new widget texts cannot be checked"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    fresh = tmp_path / "fresh_nl.ts"
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "desktop" / "gui").glob("*.py"))
    command = [tool, *sources, "-ts", str(fresh), "-source-language", "en"]
    command += ["-target-language", "nl", "-no-obsolete", "-silent"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    found = live(read_ts(fresh))
    assert found, "lupdate found no texts in desktop/gui/*.py"
    translated = {m.key for m in live(read_ts(TS)) if m.kind == ""}
    missing = [m.where() for m in found if m.key not in translated]
    assert not missing, (
        "Widget texts without a Dutch translation; run `make translations`, fill in each "
        f"unfinished entry of {TS.relative_to(ROOT)}, then `make translations` again:\n"
        + "\n".join(missing)
    )


def test_compiled_qm_matches_the_ts(dutch_afterwards: QApplication) -> None:
    """The .qm the app loads was made from the current .ts (lrelease was not forgotten)."""
    assert i18n.install(dutch_afterwards, "nl"), "gespreksopname_nl.qm is missing or unreadable"
    stale = []
    for m in live(read_ts(TS)):
        if m.kind or len(m.translations) != 1:
            continue
        shown = QCoreApplication.translate(m.context, m.source, m.comment or None)
        if shown != m.translations[0]:
            stale.append(f"{m.where()}: .qm gives {shown!r}, .ts says {m.translations[0]!r}")
    assert not stale, "Run `make translations`:\n" + "\n".join(stale)


def test_widgets_follow_the_installed_language(
    qtbot: QtBot, tmp_path: Path, dutch_afterwards: QApplication
) -> None:
    app = dutch_afterwards
    policy = load_policy()
    texts = {m.source: m.translations[0] for m in read_ts(TS) if m.context == "UnlockDialog"}

    assert i18n.install(app, "nl")
    dutch = UnlockDialog(tmp_path, policy)
    qtbot.addWidget(dutch)
    assert dutch.windowTitle() == texts["Unlock Gespreksopname"] != "Unlock Gespreksopname"
    assert dutch.unlock.text() == texts["Unlock"] != "Unlock"

    assert i18n.install(app, "en")
    assert i18n.language() == "en"
    english = UnlockDialog(tmp_path, policy)
    qtbot.addWidget(english)
    assert english.windowTitle() == "Unlock Gespreksopname"
    assert english.unlock.text() == "Unlock"

    assert i18n.install(app, "nl")
    assert i18n.language() == "nl"
    again = UnlockDialog(tmp_path, policy)
    qtbot.addWidget(again)
    assert again.windowTitle() == texts["Unlock Gespreksopname"]
