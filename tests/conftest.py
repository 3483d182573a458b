"""Shared pytest setup for the whole suite."""

import os
from collections.abc import Iterator

import pytest

# Must run before anything imports Qt: tests never need (or have) a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.helpers.tsa import RunningTsa, start_tsa


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTsa]:
    """A real RFC 3161 time-stamping authority (`openssl ts` behind a local HTTP server), one
    per test module, stopped by its PID afterwards."""
    running = start_tsa(tmp_path_factory.mktemp("tsa"))
    try:
        yield running
    finally:
        running.stop()
