"""An exclusive advisory lock on an open file, so `recover` never touches a live recording."""

from __future__ import annotations

import contextlib
import sys
from typing import IO

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _locking(handle: IO[bytes], mode: int) -> None:
        # msvcrt locks from the current position: lock byte 0 and put the position back.
        position = handle.tell()
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), mode, 1)
        finally:
            handle.seek(position)

    def try_lock(handle: IO[bytes]) -> bool:
        try:
            _locking(handle, msvcrt.LK_NBLCK)
        except OSError:
            return False
        return True

    def unlock(handle: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            _locking(handle, msvcrt.LK_UNLCK)

else:
    import fcntl

    def try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def unlock(handle: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def lock_exclusive(handle: IO[bytes]) -> None:
    """Lock a file we just created; failing means someone else holds it."""
    if not try_lock(handle):
        raise OSError("the file is locked by another process")
