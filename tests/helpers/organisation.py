"""An organisation for tests: a CA in a folder, a policy it signed, a vault enrolled with it.

Only a policy signed by the CA an installation is enrolled with can name recovery recipients and
trusted keys; tests that need either make an organisation here instead of weakening that rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from audio.trust.certificates import (
    UnlockedAuthority,
    certify,
    load_authority,
    make_authority,
    make_request,
    sign_policy,
)
from audio.vault.store import UnlockedVault
from policy.organisation import CA_CERTIFICATE, CA_KEY, enroll
from policy.policy import signature_path
from policy.workspace import Workspace
from resources import path as resource_path

ORG_PASSPHRASE = "blauwe olifant danst op het dak"
DEFAULT_POLICY = resource_path("policy", "default.toml")


@dataclass(frozen=True)
class Org:
    folder: Path  # holds organisatie.pem and organisatie-key.pem, as org-init makes them
    authority: UnlockedAuthority
    ca_pem: bytes

    @property
    def certificate(self) -> Path:
        return self.folder / CA_CERTIFICATE

    def certify(self, vault: UnlockedVault, out: Path, name: str = "Laptop test") -> Path:
        """An installation certificate for this vault's key, as org-certify writes it."""
        request = make_request(vault.signing_key.private, name)
        out.write_bytes(certify(request, self.authority, name, now=datetime.now(UTC)))
        return out

    def enroll(self, workspace: Workspace, name: str = "Laptop test") -> None:
        """Enrol the workspace's vault with this CA, as `enroll --cert` does."""
        cert = self.certify(workspace.vault, self.folder / f"{name}.pem", name)
        enroll(workspace, cert, self.ca_pem)

    def sign(self, policy: Path) -> Path:
        """Write POLICY.sig, as org-sign-policy does."""
        target = signature_path(policy)
        target.write_bytes(sign_policy(policy.read_bytes(), self.authority))
        return target


def make_org(folder: Path, name: str = "Gemeente Test") -> Org:
    """A new CA in `folder` (made fast: no passphrase strength check)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = make_authority(name, ORG_PASSPHRASE.encode())
    (folder / CA_CERTIFICATE).write_bytes(made.certificate_pem)
    (folder / CA_KEY).write_bytes(made.key_pem)
    authority = load_authority(made.certificate_pem, made.key_pem, ORG_PASSPHRASE.encode())
    return Org(folder, authority, made.certificate_pem)


def policy_text(org: Org | None = None, *replacements: tuple[str, str]) -> str:
    """The default policy with text replaced and, given an organisation, naming its CA inline."""
    source = DEFAULT_POLICY.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new, 1)
    if org is not None:
        anchor = "[organisation.contacts]"
        pem = org.ca_pem.decode("ascii")
        source = source.replace(anchor, f'ca_certificate = """{pem}"""\n\n{anchor}', 1)
    return source


def signed_policy(
    folder: Path, org: Org, *replacements: tuple[str, str], name: str = "beleid.toml"
) -> Path:
    """A policy naming `org`'s CA, with the replacements made, signed by `org`."""
    file = folder / name
    file.write_text(policy_text(org, *replacements), encoding="utf-8")
    org.sign(file)
    return file
