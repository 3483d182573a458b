"""The command line's parser and entry point: `gespreksopname <command>` (no command: the
window). Messages come from the catalogue (Dutch by default, English with --lang en or
LANG=en*); exit codes are `desktop.cli.exits.Exit` (listed by --help)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from audio.errors import GespreksError, IntegrityError
from desktop.cli.base import Cli
from desktop.cli.exits import Exit, help_text
from resources.catalogue import resolve_language, text


def _add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], t: Callable[[str], str]
) -> None:
    from desktop.cli import copy_commands as ccmd
    from desktop.cli import org_commands as ocmd
    from desktop.cli import policy_commands as pcmd
    from desktop.cli import record_commands as rcmd
    from desktop.cli import vault_commands as cmd

    def add(name: str, func: Callable[[Cli], int]) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(
            name, help=t(f"cli.{name}"), description=t(f"cli.{name}")
        )
        parser.set_defaults(func=func)
        return parser

    add("init", cmd.init)
    p = add("passwd", cmd.passwd)
    p.add_argument("--new-passphrase-file", metavar="FILE", help=t("cli.opt.new_passphrase_file"))
    add("key", cmd.key)
    p = add("list", cmd.list_recordings)
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    p = add("show", cmd.show)
    p.add_argument("id", metavar="ID", help=t("cli.opt.id"))
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    p = add("verify", cmd.verify)
    p.add_argument("target", metavar="TARGET", help=t("cli.opt.target"))
    p.add_argument("--deep", action="store_true", help=t("cli.opt.deep"))
    p.add_argument("--ca", metavar="FILE", action="append", default=[], help=t("cli.opt.ca_file"))
    p.add_argument("--key", metavar="FILE", action="append", default=[], help=t("cli.opt.key_file"))
    p.add_argument(
        "--fingerprint", metavar="FP", action="append", default=[], help=t("cli.opt.fingerprint")
    )
    p.add_argument(
        "--tsa-ca", metavar="FILE", action="append", default=[], help=t("cli.opt.tsa_ca")
    )
    p.add_argument("--keyless", action="store_true", help=t("cli.opt.keyless"))
    p.add_argument("--seal", metavar="FILE", help=t("cli.opt.seal"))
    add("recover", cmd.recover)
    p = add("export", ccmd.export)
    p.add_argument("id", metavar="ID", help=t("cli.opt.id"))
    p.add_argument("--to", metavar="DIR", required=True, help=t("cli.opt.export_to"))
    p.add_argument(
        "--format", choices=["wav", "flac", "mp3"], default="wav", help=t("cli.opt.export_format")
    )
    p.add_argument("--recipient", metavar="NAME", required=True, help=t("rule_c.opt_recipient"))
    p.add_argument("--representative-of", metavar="NAME", help=t("rule_c.opt_representative_of"))
    p.add_argument("--consent", metavar="CONSENT.toml", help=t("rule_c.opt_consent"))
    p = add("import", ccmd.import_copy)
    p.add_argument("file", metavar="FILE", help=t("cli.opt.import_file"))
    p.add_argument("session", metavar="SESSION.toml", help=t("cli.opt.session"))
    p.add_argument("--received-from", metavar="NAME", help=t("cli.opt.received_from"))
    p = add("derive", ccmd.derive)
    p.add_argument("id", metavar="ID", help=t("cli.opt.id"))
    p.add_argument(
        "--cut", metavar="START-END", action="append", required=True, help=t("cli.opt.cut")
    )
    p.add_argument("--consent", metavar="CONSENT.toml", required=True, help=t("cli.opt.consent"))
    add("devices", rcmd.devices)
    p = add("record", rcmd.record)
    p.add_argument("session", metavar="SESSION.toml", help=t("cli.opt.session"))
    p.add_argument("--device", metavar="NAME", help=t("cli.opt.device"))
    p.add_argument("--duration", metavar="SECONDS", type=float, help=t("cli.opt.duration"))
    p.add_argument("--channels", type=int, choices=[1, 2], default=1, help=t("cli.opt.channels"))
    p.add_argument("--bits", type=int, choices=[16, 24], default=16, help=t("cli.opt.bits"))
    p = add("policy", pcmd.show_policy)
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    p = add("check", pcmd.check)
    p.add_argument("session", metavar="SESSION.toml", help=t("cli.opt.session"))
    p = add("audit", pcmd.audit)
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    p.add_argument("--verify", action="store_true", help=t("cli.opt.audit_verify"))
    p.add_argument("--reanchor", action="store_true", help=t("cli.opt.audit_reanchor"))
    p = add("hold", pcmd.hold)
    p.add_argument("id", metavar="ID", help=t("cli.opt.id"))
    p.add_argument("--reason", required=True, help=t("cli.opt.hold_reason"))
    p = add("release", pcmd.release)
    p.add_argument("id", metavar="ID", help=t("cli.opt.id"))
    p.add_argument("--reason", default="", help=t("cli.opt.hold_reason"))
    p = add("purge", pcmd.purge)
    p.add_argument("--expired", action="store_true", required=True, help=t("cli.opt.expired"))
    p.add_argument("--dry-run", action="store_true", help=t("cli.opt.dry_run"))
    p = add("refuse", pcmd.refuse)
    p.add_argument("refusal", metavar="REFUSAL.toml", help=t("cli.opt.refusal"))
    p.add_argument("--out", metavar="FILE.pdf", help=t("cli.opt.letter_out"))
    p = add("org-init", ocmd.org_init)
    p.add_argument("--out", metavar="DIR", required=True, help=t("cli.opt.org_out"))
    p.add_argument("--name", metavar="NAME", help=t("cli.opt.org_name"))
    p.add_argument(
        "--passphrase-file", metavar="FILE", dest="org_passphrase_file", help=t("cli.opt.org_pass")
    )
    p = add("org-certify", ocmd.org_certify)
    p.add_argument("request", metavar="REQUEST", help=t("cli.opt.org_request"))
    p.add_argument("--ca-dir", metavar="DIR", required=True, help=t("cli.opt.ca_dir"))
    p.add_argument("--name", metavar="NAME", required=True, help=t("cli.opt.installation_name"))
    p.add_argument("--out", metavar="CERT", required=True, help=t("cli.opt.cert_out"))
    p.add_argument("--days", metavar="N", type=int, help=t("cli.opt.days"))
    p.add_argument(
        "--passphrase-file", metavar="FILE", dest="org_passphrase_file", help=t("cli.opt.org_pass")
    )
    p = add("org-sign-policy", ocmd.org_sign_policy)
    p.add_argument("policy_file", metavar="POLICY.toml", help=t("cli.opt.policy_to_sign"))
    p.add_argument("--ca-dir", metavar="DIR", required=True, help=t("cli.opt.ca_dir"))
    p.add_argument(
        "--passphrase-file", metavar="FILE", dest="org_passphrase_file", help=t("cli.opt.org_pass")
    )
    p = add("org-authorise-ca", ocmd.org_authorise_ca)
    p.add_argument("new_ca", metavar="NEWCA.pem", help=t("cli.opt.new_ca"))
    p.add_argument("--ca-dir", metavar="DIR", required=True, help=t("cli.opt.ca_dir"))
    p.add_argument(
        "--passphrase-file", metavar="FILE", dest="org_passphrase_file", help=t("cli.opt.org_pass")
    )
    p = add("timestamp", cmd.timestamp)
    p.add_argument("--pending", action="store_true", help=t("cli.opt.pending"))
    _add_archive_commands(sub, t)
    _add_citizen_commands(sub, t)
    _add_rights_commands(sub, t)
    p = add("enroll", ocmd.enroll_command)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--request", metavar="FILE", help=t("cli.opt.enrol_request"))
    what.add_argument("--cert", metavar="CERT", help=t("cli.opt.enrol_cert"))
    p.add_argument("--name", metavar="NAME", help=t("cli.opt.enrol_name"))
    p.add_argument("--ca", metavar="organisatie.pem", help=t("cli.opt.enrol_ca"))
    p.add_argument("--replace-ca", action="store_true", help=t("cli.opt.replace_ca"))
    p = add("recovery-keygen", cmd.recovery_keygen)
    p.add_argument("--out", metavar="FILE", required=True, help=t("cli.opt.key_out"))
    p.add_argument("--key-passphrase-file", metavar="FILE", help=t("cli.opt.key_passphrase"))
    p = add("recovery-open", cmd.recovery_open)
    p.add_argument("container", metavar="CONTAINER", help=t("cli.opt.container"))
    p.add_argument("--key", metavar="FILE", required=True, help=t("cli.opt.recovery_key"))
    p.add_argument("--key-passphrase-file", metavar="FILE", help=t("cli.opt.key_passphrase"))
    p.add_argument("--out", metavar="FILE.wav", help=t("cli.opt.wav_out"))
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    p.add_argument("--escrow", metavar="FILE", help=t("cli.opt.escrow_file"))
    p = add("recovery-audit", cmd.recovery_audit)
    p.add_argument("--key", metavar="FILE", required=True, help=t("cli.opt.recovery_key"))
    p.add_argument("--key-passphrase-file", metavar="FILE", help=t("cli.opt.key_passphrase"))
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    add("rewrap", cmd.rewrap)


def _add_archive_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], t: Callable[[str], str]
) -> None:
    """`gespreksopname archive ...`: the laptop's queue (status, sync) and the Privacy
    Officer's view of the organisation's archive."""
    from desktop.cli import archive_commands as acmd

    archive = sub.add_parser("archive", help=t("cli.archive"), description=t("cli.archive"))
    inner = archive.add_subparsers(dest="archive_command", metavar="ACTION", required=True)

    def add(name: str, func: Callable[[Cli], int]) -> argparse.ArgumentParser:
        key = f"cli.archive_{name}"
        parser: argparse.ArgumentParser = inner.add_parser(name, help=t(key), description=t(key))
        parser.set_defaults(func=func)
        return parser

    p = add("status", acmd.status)
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    add("sync", acmd.sync)
    acmd.add_officer_commands(add, t)


def _add_citizen_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], t: Callable[[str], str]
) -> None:
    """When the citizen records (issue 16): citizen-recording, rules-sheet, breach."""
    from desktop.cli import citizen_commands as zcmd
    from policy.breach import KINDS

    def add(name: str, func: Callable[[Cli], int]) -> argparse.ArgumentParser:
        key = f"citizen_cli.help_{name.replace('-', '_')}"
        parser: argparse.ArgumentParser = sub.add_parser(name, help=t(key), description=t(key))
        parser.set_defaults(func=func)
        return parser

    p = add("citizen-recording", zcmd.citizen_recording)
    p.add_argument("session", metavar="SESSION.toml", help=t("citizen_cli.opt_session"))
    p.add_argument("--rules-sheet", metavar="FILE.pdf", help=t("citizen_cli.opt_rules_sheet"))
    p = add("citizen-recordings", zcmd.list_citizen_recordings)
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help=t("cli.opt.json"))
    form.add_argument("--csv", action="store_true", help=t("citizen_cli.opt_csv"))
    p = add("rules-sheet", zcmd.rules_sheet)
    p.add_argument("--out", metavar="FILE.pdf", required=True, help=t("citizen_cli.opt_out"))
    p.add_argument(
        "--lang", dest="sheet_lang", choices=["nl", "en"], help=t("citizen_cli.opt_sheet_lang")
    )
    p = add("breach", zcmd.breach)
    p.add_argument("target", metavar="SESSION-OR-ID", help=t("citizen_cli.opt_target"))
    p.add_argument("--what", metavar="TEXT", required=True, help=t("citizen_cli.opt_what"))
    p.add_argument("--kind", choices=KINDS, default="other", help=t("citizen_cli.opt_kind"))
    p.add_argument("--when", metavar="TEXT", help=t("citizen_cli.opt_when"))
    p.add_argument("--reporter", metavar="NAME", help=t("citizen_cli.opt_reporter"))
    p.add_argument("--out", metavar="FILE", help=t("citizen_cli.opt_breach_out"))


def _add_rights_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], t: Callable[[str], str]
) -> None:
    """The citizen's rights (issue 16): erase (early deletion)."""
    from desktop.cli import rights_commands as rights

    p = sub.add_parser("erase", help=t("erase.cli"), description=t("erase.cli"))
    p.set_defaults(func=rights.erase)
    p.add_argument("id", metavar="ID", help=t("cli.opt.id"))
    p.add_argument("--reason", metavar="TEXT", required=True, help=t("erase.opt_reason"))
    p.add_argument(
        "--officer-key", metavar="officer.pem", required=True, help=t("erase.opt_officer_key")
    )
    p.add_argument("--key-passphrase-file", metavar="FILE", help=t("cli.opt.key_passphrase"))
    p.add_argument("--receipt", metavar="FILE.pdf", help=t("erase.opt_receipt"))


def build_parser(lang: str) -> argparse.ArgumentParser:
    def t(key: str) -> str:
        return text(key, lang)

    parser = argparse.ArgumentParser(
        prog="gespreksopname",
        description=t("cli.description"),
        epilog=text("cli.exit_codes", lang, codes=help_text()),
    )
    parser.add_argument("--vault", metavar="DIR", help=t("cli.opt.vault"))
    parser.add_argument("--passphrase-file", metavar="FILE", help=t("cli.opt.passphrase_file"))
    parser.add_argument("--policy", metavar="FILE", help=t("cli.opt.policy"))
    parser.add_argument("--lang", choices=["nl", "en"], help=t("cli.opt.lang"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_commands(sub, t)
    return parser


def _language(argv: Sequence[str]) -> str:
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return resolve_language(argv[index + 1])
        if arg.startswith("--lang="):
            return resolve_language(arg.split("=", 1)[1])
    return resolve_language(None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _language(argv)
    parser = build_parser(lang)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own message; keep our exit code scheme
        return Exit.OK if exc.code == 0 else Exit.USAGE
    if args.command is None:
        from desktop.gui.app import run_gui

        return run_gui(sys.argv[:1])
    cli = Cli(args, lang)
    try:
        return int(args.func(cli))
    except IntegrityError as exc:
        cli.warn("cli.failed", message=exc.message(lang))
        return Exit.CHANGED
    except GespreksError as exc:
        cli.warn("cli.failed", message=exc.message(lang))
        return Exit.USAGE
    except KeyboardInterrupt:
        cli.warn("cli.interrupted")
        return 130
    except BrokenPipeError:  # output piped into `head`, say: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.OK
    except OSError as exc:  # a file or disk problem nobody turned into a message yet
        name = exc.filename if exc.filename is not None else "-"
        cli.warn("cli.failed", message=text("error.os", lang, path=name, reason=exc.strerror))
        return Exit.USAGE


if __name__ == "__main__":
    sys.exit(main())
