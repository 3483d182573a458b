"""Writing files so they survive a crash: fsync the data, then the directory entry."""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

_BINARY = getattr(os, "O_BINARY", 0)


def fsync_directory(directory: Path) -> None:
    """Make a new or renamed directory entry durable (a no-op where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_directory(directory: Path) -> None:
    """Create a private directory (and parents) durably: its entry is fsynced in its parent."""
    if directory.is_dir():
        return
    make_directory(directory.parent)
    directory.mkdir(mode=0o700, exist_ok=True)
    fsync_directory(directory.parent)


def write_durably(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Create a small private file and make it durable before anything depends on it.

    With `exclusive`, an existing file is an error (FileExistsError) and is left untouched.
    """
    make_directory(path.parent)
    mode = os.O_EXCL if exclusive else os.O_TRUNC
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | mode | _BINARY, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    fsync_directory(path.parent)


def write_atomic(path: Path, data: bytes, *, private: bool = True) -> None:
    """Replace a small file so it is either the old or the new one, never half. Private (0600)
    unless it is meant for others, such as a document in a citizen's copy (then the umask's)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    mode = 0o600 if private else 0o666
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. A FIFO, device, directory or
    symlink, or a larger file, is an OSError (never a hang or an endless read); a missing file
    is FileNotFoundError."""
    flags = os.O_RDONLY | _BINARY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit:
            raise OSError(errno.EFBIG, "file too large", str(path))
        chunks, remaining = [], limit + 1
        while remaining > 0:
            block = os.read(fd, min(remaining, 1 << 20))
            if not block:
                break
            chunks.append(block)
            remaining -= len(block)
        data = b"".join(chunks)
        if len(data) > limit:
            raise OSError(errno.EFBIG, "file too large", str(path))
        return data
    finally:
        os.close(fd)


def is_regular(path: Path) -> bool:
    """True for a regular file that is not a symlink."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
