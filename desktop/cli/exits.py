"""The command line's exit codes, defined once (listed in `--help` and the README)."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0  # done; a verification found the file intact
    CHANGED = 1  # a verification found a change (or something was refused as changed)
    USAGE = 2  # a usage error, unreadable input, a wrong passphrase
    REFUSED = 3  # the policy does not allow this session (check, record)
    UNKNOWN_SIGNER = 3  # verify: intact, but sealed by a key this computer does not know
    DEVICE = 4  # the microphone could not be opened or vanished
    DISK = 5  # the disk is full or not writable while recording


def help_text() -> str:
    """The codes for `--help`: "0 ok, 1 changed, ..., 3 refused / unknown signer, ..."."""
    names: dict[int, list[str]] = {}
    for name, member in Exit.__members__.items():  # aliases too: 3 means one thing per command
        names.setdefault(member.value, []).append(name.lower().replace("_", " "))
    return ", ".join(f"{value} {' / '.join(each)}" for value, each in names.items())
