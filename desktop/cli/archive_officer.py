"""The Privacy Officer's commands on the organisation's archive (list, verify, restore, hold,
release, purge): with the archive's credentials, and the recovery key where content is needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop.cli.base import Cli

if TYPE_CHECKING:
    import argparse


def add_commands(
    add: Callable[[str, Callable[[Cli], int]], argparse.ArgumentParser],
    t: Callable[[str], str],
) -> None:
    """Register the officer's commands (none yet)."""
