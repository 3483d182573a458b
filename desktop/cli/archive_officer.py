"""The Privacy Officer's commands on the organisation's archive (list, verify, restore, hold,
release, purge): with the archive's credentials, and the recovery key where content is needed.

No vault is needed: the policy (--policy or GESPREKSOPNAME_POLICY) must be the one the
organisation's CA signed; the archive's credentials come as for the laptops (environment, OS
keyring, credentials file). The work is done in policy/archive_officer.py; this says it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from audio.errors import GespreksError
from desktop.cli.base import Cli, print_json
from desktop.cli.exits import Exit
from policy import archive_officer as officer_core
from policy.display import local_time, visible

if TYPE_CHECKING:
    import argparse

    from policy.archive_officer import OfficerPolicy, Problem, Row


def _officer(cli: Cli) -> OfficerPolicy:
    return officer_core.officer_policy(cli.policy())


def list_command(cli: Cli) -> int:
    """Every installation's archived recordings (or one installation's)."""
    officer = _officer(cli)
    with officer_core.archive_errors():
        archive = officer_core.connect(officer)
        rows = officer_core.list_recordings(
            archive, officer.settings, cli.args.installation, officer.tsa_ca
        )
    if cli.args.json:
        print_json([row.document() for row in rows])
        return Exit.OK
    cli.say(
        "archive.officer.in_archive",
        endpoint=officer.settings.endpoint,
        bucket=officer.settings.bucket,
    )
    for row in rows:
        _say_row(cli, row)
    installations = len({row.installation for row in rows})
    cli.say("archive.officer.list_summary", count=len(rows), installations=installations)
    return Exit.OK


def _say_row(cli: Cli, row: Row) -> None:
    unknown = cli.t("archive.officer.unknown")
    cli.say("archive.officer.row", id=visible(row.recording_id), installation=row.installation)
    if row.timestamp is None:
        stamp = cli.t("archive.officer.no_timestamp")
    elif row.timestamp_checked:
        stamp = local_time(row.timestamp)
    else:
        stamp = cli.t("archive.officer.unchecked", time=local_time(row.timestamp))
    hold = "archive.officer.hold_on" if row.legal_hold else "archive.officer.hold_off"
    cli.say(
        "archive.officer.row_details",
        sealed=local_time(row.ended) if row.ended else unknown,
        timestamp=stamp,
        until=local_time(row.retain_until) if row.retain_until else unknown,
        hold=cli.t(hold),
    )
    if row.problem is not None:
        cli.say("archive.officer.row_problem", problem=_problem_text(cli, row.problem, ""))


def _problem_text(cli: Cli, code: str, detail: str) -> str:
    if code.startswith("archive_"):
        return cli.t(f"archive.reason.{code.removeprefix('archive_')}")
    return cli.t(f"archive.officer.problem.{code}", detail=visible(detail))


def verify_command(cli: Cli) -> int:
    """Exit 0 when everything is present, as sealed, locked and never replaced; 1 otherwise."""
    officer = _officer(cli)
    deep = not cli.args.quick
    cli.say("archive.officer.checking_deep" if deep else "archive.officer.checking_quick")
    with officer_core.archive_errors():
        archive = officer_core.connect(officer)
        verified = officer_core.verify_archive(
            archive,
            officer.settings,
            cli.args.installation,
            deep=deep,
            tsa_ca=officer.tsa_ca,
            officer=officer,
        )
    for problem in verified.problems:
        _say_problem(cli, problem)
    if verified.intact:
        cli.say("archive.officer.intact", recordings=verified.recordings, heads=verified.heads)
        return Exit.OK
    cli.say(
        "archive.officer.problems",
        count=len(verified.problems),
        recordings=verified.recordings,
        heads=verified.heads,
    )
    return Exit.CHANGED


def _say_problem(cli: Cli, problem: Problem) -> None:
    if problem.recording_id is not None:
        where = cli.t(
            "archive.officer.where_recording",
            id=visible(problem.recording_id),
            installation=problem.installation or "?",
        )
    else:
        where = cli.t("archive.officer.where_object", installation=problem.installation or "?")
    cli.say(
        "archive.officer.problem_line",
        where=where,
        problem=_problem_text(cli, problem.code, problem.detail),
        name=visible(problem.key),
    )


def restore_command(cli: Cli) -> int:
    """A recording back from the archive, opened with the organisation's recovery key."""
    from desktop.cli.vault_commands import render_recording

    officer = _officer(cli)
    key_file = Path(cli.args.key)
    try:
        pem = key_file.read_bytes()
    except OSError as exc:
        raise GespreksError("error.cannot_read", path=cli.args.key, reason=exc.strerror) from exc
    secret = ""
    if cli.args.key_passphrase_file:
        secret = cli.read_secret_file(cli.args.key_passphrase_file)
    elif b"ENCRYPTED" in pem:
        secret = cli.prompt("prompt.key_passphrase")
    out = Path(cli.args.out)
    container = Path(cli.args.container) if cli.args.container else None
    with officer_core.archive_errors():
        archive = officer_core.connect(officer)
        try:
            restored = officer_core.restore(
                archive,
                officer,
                cli.args.id,
                pem,
                secret,
                out,
                key_name=cli.args.key,
                container=container,
            )
        except OSError as exc:
            raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc
    code = render_recording(cli, restored.report)
    cli.say(
        "archive.officer.restored",
        id=visible(restored.recording_id),
        installation=restored.installation,
        path=str(out),
    )
    if restored.container is not None:
        cli.say("archive.officer.container_kept", path=str(restored.container))
    return code


def hold_command(cli: Cli) -> int:
    officer = _officer(cli)
    with officer_core.archive_errors():
        archive = officer_core.connect(officer)
        logged = officer_core.hold(archive, officer, cli.args.id, cli.args.reason)
    cli.say("archive.officer.held", id=visible(cli.args.id), reason=cli.args.reason, log=logged.key)
    return Exit.OK


def release_command(cli: Cli) -> int:
    officer = _officer(cli)
    with officer_core.archive_errors():
        archive = officer_core.connect(officer)
        logged = officer_core.release(archive, officer, cli.args.id, cli.args.reason)
    cli.say("archive.officer.released", id=visible(cli.args.id), log=logged.key)
    return Exit.OK


def purge_command(cli: Cli) -> int:
    officer = _officer(cli)
    with officer_core.archive_errors():
        archive = officer_core.connect(officer)
        purged = officer_core.purge_expired(archive, officer)
    for entry in purged.deleted:
        cli.say("archive.officer.purged_item", name=visible(entry["key"]))
    cli.say(
        "archive.officer.purged",
        deleted=len(purged.deleted),
        held=len(purged.held),
        locked=len(purged.locked),
    )
    if purged.unlocked:
        cli.say("archive.officer.purge_unlocked", count=len(purged.unlocked))
    cli.say("archive.officer.logged", log=purged.log.key)
    return Exit.OK


def add_commands(
    add: Callable[[str, Callable[[Cli], int]], argparse.ArgumentParser],
    t: Callable[[str], str],
) -> None:
    """Register the officer's commands under `gespreksopname archive`."""
    p = add("list", list_command)
    p.add_argument("--installation", metavar="FP", help=t("cli.opt.archive_installation"))
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    p = add("verify", verify_command)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help=t("cli.opt.archive_all"))
    which.add_argument("--installation", metavar="FP", help=t("cli.opt.archive_installation"))
    p.add_argument("--quick", action="store_true", help=t("cli.opt.archive_quick"))
    p = add("restore", restore_command)
    p.add_argument("id", metavar="ID", help=t("cli.opt.archive_id"))
    p.add_argument("--key", metavar="officer.pem", required=True, help=t("cli.opt.recovery_key"))
    p.add_argument("--key-passphrase-file", metavar="FILE", help=t("cli.opt.key_passphrase"))
    p.add_argument("--out", metavar="FILE.wav", required=True, help=t("cli.opt.archive_out"))
    p.add_argument("--container", metavar="FILE", help=t("cli.opt.archive_container"))
    p = add("hold", hold_command)
    p.add_argument("id", metavar="ID", help=t("cli.opt.archive_id"))
    p.add_argument("--reason", required=True, help=t("cli.opt.archive_reason"))
    p = add("release", release_command)
    p.add_argument("id", metavar="ID", help=t("cli.opt.archive_id"))
    p.add_argument("--reason", default="", help=t("cli.opt.archive_reason"))
    p = add("purge", purge_command)
    p.add_argument(
        "--expired", action="store_true", required=True, help=t("cli.opt.archive_expired")
    )
