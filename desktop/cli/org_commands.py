"""Commands about the organisation's CA: making it, certifying installations, signing the policy
(on the privacy officer's computer), and enrolling an installation with it (on a laptop)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from audio.errors import GespreksError
from desktop.cli.exits import Exit
from policy.display import visible
from policy.environment import ENV_ORG_PASSPHRASE
from policy.policy import signature_path

if TYPE_CHECKING:
    from desktop.cli.base import Cli


def _org_passphrase(cli: Cli, *, new: bool = False) -> str:
    """The CA key's passphrase: the environment, --passphrase-file (of the command), a prompt."""
    if os.environ.get(ENV_ORG_PASSPHRASE):
        return os.environ[ENV_ORG_PASSPHRASE]
    if cli.args.org_passphrase_file:
        return cli.read_secret_file(cli.args.org_passphrase_file)
    if not sys.stdin.isatty():
        raise GespreksError("org.no_passphrase", env=ENV_ORG_PASSPHRASE)
    if new:
        return cli.new_secret("prompt.org_passphrase")
    return cli.prompt("prompt.org_passphrase")


def org_init(cli: Cli) -> int:
    from policy.organisation import init_authority

    out = Path(cli.args.out)
    name = cli.args.name or cli.policy().organisation
    made = init_authority(out, name, _org_passphrase(cli, new=True))
    cli.say("org.init_done", certificate=str(made.certificate), keyfile=str(made.key))
    cli.say("org.ca", name=made.info.name, fingerprint=made.info.fingerprint_colons)
    cli.say("org.keep_offline")
    return Exit.OK


def org_certify(cli: Cli) -> int:
    from policy.organisation import certify_request, open_authority

    authority = open_authority(Path(cli.args.ca_dir), _org_passphrase(cli))
    issued = certify_request(
        Path(cli.args.request), authority, cli.args.name, Path(cli.args.out), cli.args.days
    )
    installation = issued.installation
    cli.say("org.certified", name=installation.name, path=str(issued.path))
    cli.say("org.key", hex=issued.key.hex, short=issued.key.short)
    cli.say("org.valid_until", date=installation.not_after.date().isoformat())
    cli.say("org.ca", name=issued.authority.name, fingerprint=issued.authority.fingerprint_colons)
    cli.say("org.certify_next", path=str(issued.path))
    return Exit.OK


def org_sign_policy(cli: Cli) -> int:
    from policy.organisation import CA_CERTIFICATE, open_authority, sign_policy_file

    authority = open_authority(Path(cli.args.ca_dir), _org_passphrase(cli))
    signed = sign_policy_file(Path(cli.args.policy_file), authority)
    cli.say("org.policy_signed", path=str(signed.signature))
    cli.say("policy.hash", sha256=signed.policy.sha256)
    cli.say("org.ca", name=signed.authority.name, fingerprint=signed.authority.fingerprint_colons)
    if not signed.names_ca:
        cli.warn("org.policy_names_no_ca", file=CA_CERTIFICATE)
    return Exit.OK


def org_authorise_ca(cli: Cli) -> int:
    """On the Privacy Officer's computer, with the current CA: consent to a new CA."""
    from policy.organisation import authorise_ca, open_authority

    authority = open_authority(Path(cli.args.ca_dir), _org_passphrase(cli))
    target = authorise_ca(Path(cli.args.new_ca), authority)
    cli.say("org.ca_authorised", path=str(target))
    return Exit.OK


def enroll_command(cli: Cli) -> int:
    from policy.organisation import enroll, read_certificate_file, write_request

    if cli.args.request:
        workspace = cli.workspace()
        name = cli.args.name or socket.gethostname() or "Gespreksopname"
        request = write_request(workspace.vault, Path(cli.args.request), name)
        cli.say("enrol.request_written", path=str(request.path), name=request.name)
        cli.say("org.key", hex=request.key.hex, short=request.key.short)
        cli.say("enrol.request_next", path=str(request.path))
        return Exit.OK
    ca = read_certificate_file(Path(cli.args.ca)) if cli.args.ca else None
    workspace = cli.workspace()
    if ca is None:
        ca = cli.policy().organisation_ca
    authorisation = None
    if cli.args.replace_ca and cli.args.ca:
        consent = signature_path(Path(cli.args.ca))  # NEWCA.pem.sig, by the pinned CA
        authorisation = consent.read_bytes() if consent.is_file() else None
    status = enroll(
        workspace,
        Path(cli.args.cert),
        ca,
        replace_ca=cli.args.replace_ca,
        ca_authorisation=authorisation,
    )
    cli.say("enrol.done")
    for line in status.lines(cli.lang):
        print("  " + visible(line))
    cli.say("enrol.policy", text=workspace.policy.provenance.describe(cli.lang))
    return Exit.OK
