"""The command line: `gespreksopname <command>`. It calls the same core functions as the GUI.

Messages come from the catalogue (Dutch by default, English with --lang en or LANG=en*).
Exit codes: `desktop.exits.Exit` (listed by --help).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from audio.errors import GespreksError, IntegrityError
from desktop.exits import Exit, help_text
from policy.environment import ENV_PASSPHRASE
from resources.catalogue import resolve_language, text


class Cli:
    """Shared state of one invocation: language, options and how to ask for a passphrase."""

    def __init__(self, args: argparse.Namespace, lang: str) -> None:
        self.args = args
        self.lang = lang
        self._policy: Any = None

    def t(self, key: str, **params: object) -> str:
        """A message with its values shown escaped (a path or name typed by someone else
        cannot act on the terminal); escaping twice changes nothing."""
        from policy.display import visible

        shown = {k: visible(v, lines=True) if isinstance(v, str) else v for k, v in params.items()}
        return text(key, self.lang, **shown)

    def say(self, key: str, **params: object) -> None:
        print(self.t(key, **params))

    def warn(self, key: str, **params: object) -> None:
        print(self.t(key, **params), file=sys.stderr)

    # -- passphrases ------------------------------------------------------------------------
    def read_secret_file(self, file: str) -> str:
        try:
            value = Path(file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise GespreksError("error.passphrase_file", file=file, reason=exc.strerror) from exc
        except UnicodeError as exc:  # never echo the offending bytes: they are the secret
            raise GespreksError("error.passphrase_encoding", file=file) from exc
        if not value:
            raise GespreksError("error.empty_passphrase")
        return value

    def prompt(self, key: str) -> str:
        if not sys.stdin.isatty():
            raise GespreksError("error.no_passphrase", env=ENV_PASSPHRASE)
        return getpass.getpass(self.t(key))

    def passphrase(self, *, twice: bool = False) -> str:
        """The vault passphrase: the environment, --passphrase-file, or a prompt."""
        if os.environ.get(ENV_PASSPHRASE):
            return os.environ[ENV_PASSPHRASE]
        if self.args.passphrase_file:
            return self.read_secret_file(self.args.passphrase_file)
        return self.new_secret("prompt.passphrase") if twice else self.prompt("prompt.passphrase")

    def new_secret(self, prompt_key: str, file: str | None = None) -> str:
        """A new secret from a file, or asked twice."""
        if file:
            return self.read_secret_file(file)
        first = self.prompt(prompt_key)
        if self.prompt("prompt.repeat") != first:
            raise GespreksError("error.passphrases_differ")
        if not first:
            raise GespreksError("error.empty_passphrase")
        return first

    # -- vault and policy -------------------------------------------------------------------
    def vault_root(self) -> Path:
        from policy.environment import default_location

        return Path(self.args.vault).expanduser() if self.args.vault else default_location()

    def open_vault(self) -> Any:
        from policy.workspace import find_vault

        return find_vault(self.vault_root())

    def policy(self) -> Any:
        from policy.policy import load_policy

        if self._policy is None:
            self._policy = load_policy(Path(self.args.policy) if self.args.policy else None)
        return self._policy

    def workspace(self) -> Any:
        """Unlock the vault (the passphrase is asked for only after the vault is found)."""
        from policy.workspace import Workspace

        root = self.vault_root()
        self.open_vault()  # a clear error before asking for a passphrase
        return Workspace.open(root, self.passphrase(), self.policy())


def _add_commands(sub: Any, t: Callable[[str], str]) -> None:
    from desktop import commands as cmd
    from desktop import copy_commands as ccmd
    from desktop import policy_commands as pcmd
    from desktop import record_commands as rcmd

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
    add("recover", cmd.recover)
    p = add("export", ccmd.export)
    p.add_argument("id", metavar="ID", help=t("cli.opt.id"))
    p.add_argument("--to", metavar="DIR", required=True, help=t("cli.opt.export_to"))
    p.add_argument(
        "--format", choices=["wav", "flac", "mp3"], default="wav", help=t("cli.opt.export_format")
    )
    p.add_argument("--recipient", metavar="NAME", help=t("cli.opt.recipient"))
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
    p = add("recovery-keygen", cmd.recovery_keygen)
    p.add_argument("--out", metavar="FILE", required=True, help=t("cli.opt.key_out"))
    p.add_argument("--key-passphrase-file", metavar="FILE", help=t("cli.opt.key_passphrase"))
    p = add("recovery-open", cmd.recovery_open)
    p.add_argument("container", metavar="CONTAINER", help=t("cli.opt.container"))
    p.add_argument("--key", metavar="FILE", required=True, help=t("cli.opt.recovery_key"))
    p.add_argument("--key-passphrase-file", metavar="FILE", help=t("cli.opt.key_passphrase"))
    p.add_argument("--out", metavar="FILE.wav", help=t("cli.opt.wav_out"))
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))


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
        from desktop.app import run_gui

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
