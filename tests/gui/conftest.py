"""GUI tests: real widgets, offscreen; the virtual microphone of the capture tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop.gui.settings import Settings
from tests.capture.conftest import mic, mic_folder, speech  # noqa: F401 - shared fixtures

# The archive's: a real S3 server with Object Lock, an enrolled laptop (issue 15); the TSA is
# tests/conftest.py's.
from tests.unit.archive.conftest import (  # noqa: F401 - shared fixtures
    bucket,
    laptop,
    org,
    policy_file,
    s3,
)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings in a private file, never the user's."""
    qt = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    yield Settings(qt)
    qt.sync()


@pytest.fixture(autouse=True)
def no_thread_left_behind(qapp: object) -> Iterator[None]:
    """After each GUI test no thread of ours is still running."""
    import threading

    yield
    # A worker that has handed back its result may still be returning from its function for a
    # moment (on a busy machine, a while): give each a few seconds to end, then none may run.
    for thread in threading.enumerate():
        if thread.name.startswith("gespreksopname"):
            thread.join(timeout=5.0)
    ours = [
        t for t in threading.enumerate() if t.name.startswith("gespreksopname") and t.is_alive()
    ]
    assert not ours, ours
