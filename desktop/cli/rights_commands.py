"""`gespreksopname erase`: early deletion of a recording (the citizen's rights, issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from audio.errors import GespreksError
from desktop.cli.exits import Exit

if TYPE_CHECKING:
    from desktop.cli.base import Cli
    from policy.recovery_key import X25519Identity


def _officer_identity(cli: Cli) -> X25519Identity:
    """The Privacy Officer's recovery private key, opened with its passphrase (a file, or asked)."""
    from policy.recovery_key import recovery_identity

    try:
        data = Path(cli.args.officer_key).read_bytes()
    except OSError as exc:
        raise GespreksError(
            "error.cannot_read", path=cli.args.officer_key, reason=exc.strerror
        ) from exc
    secret = ""
    if cli.args.key_passphrase_file:
        secret = cli.read_secret_file(cli.args.key_passphrase_file)
    elif b"ENCRYPTED" in data:
        secret = cli.prompt("erase.prompt_key_passphrase")
    return recovery_identity(data, secret, cli.args.officer_key)


def erase(cli: Cli) -> int:
    from policy.erasure import ErasureRefused, erase_recording, write_deletion_receipt

    receipt = Path(cli.args.receipt) if cli.args.receipt else None
    if receipt is not None and receipt.exists():
        raise GespreksError("error.file_exists", path=str(receipt))
    if not cli.args.reason.strip():
        raise GespreksError("erase.no_reason")
    workspace = cli.workspace()
    identity = _officer_identity(cli)
    try:
        erasure = erase_recording(workspace, cli.args.id, cli.args.reason, identity)
    except ErasureRefused as exc:
        cli.warn("cli.failed", message=exc.message(cli.lang))
        return Exit.REFUSED
    cli.say("erase.done", id=erasure.recording_id)
    print(erasure.archive_note(cli.lang))
    if receipt is not None:
        write_deletion_receipt(workspace, erasure, receipt)
        cli.say("erase.receipt_written", path=str(receipt))
    return Exit.OK
