"""What every command shares: the invocation (`Cli`: language, options, the passphrase, the
vault and policy it works on) and how results and errors are printed safely."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.errors import GespreksError
from policy.display import visible, visible_json
from policy.environment import ENV_PASSPHRASE
from resources.catalogue import text

if TYPE_CHECKING:
    import argparse

    from policy.policy import Policy
    from policy.workspace import Vault, Workspace


class Cli:
    """Shared state of one invocation: language, options and how to ask for a passphrase."""

    def __init__(self, args: argparse.Namespace, lang: str) -> None:
        self.args = args
        self.lang = lang
        self._policy: Policy | None = None

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

    def open_vault(self) -> Vault:
        from policy.workspace import find_vault

        return find_vault(self.vault_root())

    def policy(self) -> Policy:
        from policy.policy import load_policy

        if self._policy is None:
            self._policy = load_policy(Path(self.args.policy) if self.args.policy else None)
        return self._policy

    def workspace(self) -> Workspace:
        """Unlock the vault (the passphrase is asked for only after the vault is found). From
        then on `policy()` is the policy as judged against the CA this vault is enrolled with:
        only a policy that CA signed puts recovery keys, trusted keys and a TSA in force."""
        from policy.enrolment import in_force
        from policy.workspace import Workspace

        root = self.vault_root()
        self.open_vault()  # a clear error before asking for a passphrase
        workspace = Workspace.open(root, self.passphrase(), self.policy())
        workspace.policy = in_force(workspace.vault, workspace.policy)
        self._policy = workspace.policy
        return workspace

    def workspace_if_given(self) -> Workspace | None:
        """The unlocked vault when there is one and its passphrase is given without asking
        (environment or --passphrase-file); None otherwise."""
        from audio.errors import VaultError

        if not (os.environ.get(ENV_PASSPHRASE) or self.args.passphrase_file):
            return None
        try:
            self.open_vault()
        except VaultError:
            return None
        return self.workspace()


def print_json(doc: Any) -> None:
    """JSON in which control and bidi characters are JSON escapes (the same when parsed)."""
    print(visible_json(doc))


def message(error: BaseException, lang: str) -> str:
    """An error in words, safe to print (it may quote a name or a value from a file)."""
    words = error.message(lang) if isinstance(error, GespreksError) else str(error)
    return visible(words, lines=True)
