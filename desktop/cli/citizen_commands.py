"""When the citizen records (issue 16): register the conversation, the register for the privacy
officer, the rules sheet alone, and a breach of the rules reported to the privacy contacts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from audio.errors import GespreksError
from desktop.cli.base import Cli, print_json
from desktop.cli.exits import Exit
from policy.breach import new_report, recipients, report_breach, which_conversation
from policy.citizen import (
    citizen_recordings,
    load_citizen_recording,
    register_citizen_recording,
    register_csv,
    write_rules_sheet,
)


def _new_file(path: str | None) -> Path | None:
    """An output file that must not exist yet (a letter is never overwritten)."""
    if path is None:
        return None
    out = Path(path)
    if out.exists():
        raise GespreksError("error.file_exists", path=str(out))
    return out


def _written(out: Path, write: Callable[[], None]) -> None:
    try:
        write()
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc


def citizen_recording(cli: Cli) -> int:
    """Register a conversation the citizen records; exit 2 when the file is invalid."""
    record = load_citizen_recording(Path(cli.args.session))
    sheet = _new_file(cli.args.rules_sheet)
    workspace = cli.workspace()
    try:
        register_citizen_recording(workspace, record, sheet)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(sheet), reason=exc.strerror) from exc
    cli.say("citizen_cli.registered", id=record.id)
    if not record.announced:
        cli.warn("citizen_cli.not_announced")
    if record.refused:
        cli.say(
            "citizen_cli.refused",
            alternative=workspace.policy.alternative(record.alternative, cli.lang),
        )
    if sheet is not None:
        cli.say("citizen_cli.sheet_written", path=str(sheet))
    return Exit.OK


def list_citizen_recordings(cli: Cli) -> int:
    """The register of conversations citizens recorded, for the privacy officer."""
    records = citizen_recordings(cli.workspace())
    if cli.args.json:
        print_json([record.document() for record in records])
        return Exit.OK
    if cli.args.csv:
        print(register_csv(records), end="")
        return Exit.OK
    if not records:
        cli.say("citizen_cli.none")
    for record in records:
        cli.say(
            "citizen_cli.line",
            id=record.id[:8],
            date=record.date,
            decision=cli.t(f"citizen_cli.decision_{record.decision}"),
            announced=cli.t("citizen_cli.yes" if record.announced else "citizen_cli.no"),
            recorder=record.recorder,
            case=record.case_number or "-",
        )
    return Exit.OK


def rules_sheet(cli: Cli) -> int:
    """The rules sheet alone (no vault needed)."""
    out = _new_file(cli.args.out)
    assert out is not None
    policy = cli.policy()
    lang = cli.args.sheet_lang or cli.lang
    _written(out, lambda: write_rules_sheet(policy, out, lang=lang))
    cli.say("citizen_cli.sheet_written", path=str(out))
    return Exit.OK


def breach(cli: Cli) -> int:
    """Report a breach of the rules to the privacy contacts: the trail, and a PDF or e-mail
    text (printed when no --out is given)."""
    out = _new_file(cli.args.out)
    workspace = cli.workspace()
    conversation = which_conversation(workspace, cli.args.target)
    report = new_report(
        conversation, cli.args.kind, cli.args.what, cli.args.when or "", cli.args.reporter or ""
    )
    try:
        report_breach(workspace, report, out)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc
    cli.say("breach.reported", id=report.id, recipients="; ".join(recipients(workspace.policy)))
    if out is not None:
        cli.say("breach.written", path=str(out))
    else:
        from policy.breach import email_text
        from policy.display import visible

        print(visible(email_text(report, workspace.policy), lines=True))
    return Exit.OK
