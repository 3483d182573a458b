"""`gespreksopname archive ...`: what this laptop's queue holds for the organisation's archive
(status, sync), and the Privacy Officer's commands on the archive itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desktop.cli.base import Cli, print_json
from desktop.cli.exits import Exit
from policy.display import visible

if TYPE_CHECKING:
    import argparse


def status(cli: Cli) -> int:
    """Per sealed recording: in the archive, or waiting for it and why."""
    workspace = cli.workspace()
    settings = workspace.policy.archive
    states = workspace.archive_states()
    rows: list[dict[str, Any]] = []
    for info in workspace.recordings():
        rid = info.recording_id
        if info.state not in ("sealed", "interrupted"):
            rows.append({"id": rid, "state": "local", "reason": info.state})
            continue
        found = states.get(rid)
        if settings is None:
            state = found.state if found is not None else "none"
            rows.append({"id": rid, "state": state, "reason": ""})
            continue
        if found is None:  # sealed before the archive was in force: queue it now
            from policy import archiving

            archiving.enqueue(workspace.vault, "recording", rid, rid)
            rows.append({"id": rid, "state": "pending", "reason": "queued"})
            continue
        rows.append({"id": rid, "state": found.state, "reason": found.reason, "held": found.held})
    waiting = sum(row["state"] == "pending" for row in rows)
    if cli.args.json:
        print_json(
            {
                "archive": None
                if settings is None
                else {"endpoint": settings.endpoint, "bucket": settings.bucket},
                "recordings": rows,
                "pending": waiting,
            }
        )
        return Exit.OK
    if settings is None:
        cli.say("archive.cli.none_in_force")
    else:
        cli.say("archive.cli.in_force", endpoint=settings.endpoint, bucket=settings.bucket)
    for row in rows:
        state = cli.t(f"archive.state.{row['state']}")
        if row["state"] == "pending" and row["reason"]:
            state += " (" + cli.t(f"archive.reason.{row['reason']}") + ")"
        if row.get("held"):
            state += ", " + cli.t("archive.cli.held")
        cli.say("archive.cli.row", id=visible(row["id"]), state=state)
    cli.say("archive.cli.summary", pending=waiting, total=len(rows))
    return Exit.OK


def sync(cli: Cli) -> int:
    """Do the queued work now, ignoring the back-off: exit 0 when the queue is empty after it,
    1 when some work remains (the reason is shown; it stays queued)."""
    workspace = cli.workspace()
    if workspace.policy.archive is None:
        cli.say("archive.cli.none_in_force")
        return Exit.OK
    synced = workspace.sync_archive(force=True)
    if synced.problem is not None:
        from policy.archiving import describe_error

        cli.warn("cli.failed", message=visible(describe_error(synced.problem, cli.lang)))
    cli.say("archive.cli.synced", done=synced.done, left=synced.left)
    return Exit.OK if synced.left == 0 else Exit.CHANGED


def add_officer_commands(
    add: Callable[[str, Callable[[Cli], int]], argparse.ArgumentParser],
    t: Callable[[str], str],
) -> None:
    """The Privacy Officer's commands on the archive itself (list, verify, restore, hold,
    release, purge): see desktop/cli/archive_officer.py."""
    from desktop.cli import archive_officer

    archive_officer.add_commands(add, t)


__all__ = ["add_officer_commands", "status", "sync"]
