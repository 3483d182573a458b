"""The environment variables both faces read, each named once."""

from __future__ import annotations

from audio.vault.store import ENV_VAULT, default_location
from policy.policy import ENV_POLICY

ENV_PASSPHRASE = "GESPREKSOPNAME_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
ENV_LANG = "GESPREKSOPNAME_LANG"
# The passphrase of the organisation's CA key (org-init, org-certify, org-sign-policy).
ENV_ORG_PASSPHRASE = "GESPREKSOPNAME_ORG_PASSPHRASE"  # noqa: S105 - the variable's name

__all__ = [
    "ENV_LANG",
    "ENV_ORG_PASSPHRASE",
    "ENV_PASSPHRASE",
    "ENV_POLICY",
    "ENV_VAULT",
    "default_location",
]
