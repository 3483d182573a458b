"""Shared pytest setup for the whole suite."""

import os

# Must run before anything imports Qt: tests never need (or have) a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
