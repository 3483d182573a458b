"""`gespreksopname export`, `import` and `derive`: copies both ways, and consented edits."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.exits import Exit

if TYPE_CHECKING:
    from desktop.cli.base import Cli


def export(cli: Cli) -> int:
    from policy.copies import CopyRefused, export_copy
    from policy.derive import load_consent

    consent = load_consent(Path(cli.args.consent)) if cli.args.consent else None
    workspace = cli.workspace()
    interactive = sys.stderr.isatty()
    shown = [-1]

    def progress(fraction: float) -> None:
        percent = int(fraction * 100)
        if interactive and percent != shown[0]:
            shown[0] = percent
            print(f"\r{cli.t('export.progress', percent=percent)}", end="", file=sys.stderr)

    try:
        folder = export_copy(
            workspace,
            cli.args.id,
            Path(cli.args.to),
            cli.args.format,
            cli.args.recipient or "",
            progress,
            representative_of=cli.args.representative_of or "",
            consent=consent,
        )
    except CopyRefused as exc:  # rule c: exit 3, nothing written
        cli.warn("cli.failed", message=exc.message(cli.lang))
        return Exit.REFUSED
    if interactive:
        print(file=sys.stderr)
    cli.say("export.done", folder=str(folder))
    print(folder)
    return Exit.OK


def import_copy(cli: Cli) -> int:
    from policy.display import visible
    from policy.imports import ImportRefused, check_import_file, import_recording
    from policy.session import load_session

    session = load_session(Path(cli.args.session))
    check_import_file(Path(cli.args.file))  # a wrong file is refused before the vault opens
    workspace = cli.workspace()
    try:
        manifest = import_recording(
            workspace, Path(cli.args.file), session, received_from=cli.args.received_from
        )
    except ImportRefused as exc:  # the same gate as `record`: exit 3, nothing stored
        cli.say("importing.refused")
        for reason in exc.decision.reasons:  # a reason may quote a participant's name
            print(f"  - [{reason.rule_label(cli.lang)}] {visible(reason.text(cli.lang))}")
        return Exit.REFUSED
    cli.say("import.done", id=manifest.recording_id, sha=manifest.pcm_sha256)
    print(manifest.recording_id)
    return Exit.OK


def derive(cli: Cli) -> int:
    from policy.derive import derive_recording, load_consent, parse_cut
    from policy.sealed import SealedSession

    cuts = [parse_cut(value) for value in cli.args.cut]
    consent = load_consent(Path(cli.args.consent))
    manifest = derive_recording(cli.workspace(), cli.args.id, cuts, consent)
    cli.say(
        "derive.done",
        id=manifest.recording_id,
        original=SealedSession.of(manifest.session).derived_from,
    )
    print(manifest.recording_id)
    return Exit.OK
