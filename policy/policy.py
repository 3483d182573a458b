"""The organisation's policy file: who we are, which keys we trust, which recovery keys we use.

The file is TOML (`resources/policy/default.toml` is the default). It is validated on load; every
problem names the key, so an IT department can fix the file without a programmer.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audio.errors import GespreksError
from audio.keys import RecoveryPublicKey, VerifyKey
from resources import path as resource_path

SCHEMA_VERSION = 1
ENV_POLICY = "GESPREKSOPNAME_POLICY"


class PolicyError(GespreksError):
    """The policy file cannot be read or is not valid; `params` name the file, key and problem."""


@dataclass(frozen=True)
class TrustedKey:
    name: str
    key: VerifyKey


@dataclass(frozen=True)
class Policy:
    path: Path
    sha256: str
    organisation: str
    key_publication: str
    recovery_keys: tuple[RecoveryPublicKey, ...] = ()
    trusted_keys: tuple[TrustedKey, ...] = field(default_factory=tuple)


def default_policy_path() -> Path:
    configured = os.environ.get(ENV_POLICY)
    return Path(configured) if configured else resource_path("policy", "default.toml")


def _require(table: dict[str, Any], key: str, kind: type, where: str, file: str) -> Any:
    if key not in table:
        raise PolicyError("error.policy_missing", file=file, setting=f"{where}{key}")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise PolicyError("error.policy_type", file=file, setting=f"{where}{key}")
    return value


def load_policy(file: Path | None = None) -> Policy:
    """Read and validate a policy file (the default one when `file` is None)."""
    file = Path(file) if file is not None else default_policy_path()
    name = str(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise PolicyError("error.policy_unreadable", file=name, reason=exc.strerror) from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError("error.policy_syntax", file=name, reason=str(exc)) from exc
    version = _require(doc, "schema_version", int, "", name)
    if version != SCHEMA_VERSION:
        raise PolicyError("error.policy_version", file=name, version=version)
    org = _require(doc, "organisation", dict, "", name)
    keys = doc.get("keys", {})
    if not isinstance(keys, dict):
        raise PolicyError("error.policy_type", file=name, setting="keys")
    recovery: list[RecoveryPublicKey] = []
    for index, text in enumerate(keys.get("recovery", [])):
        try:
            recovery.append(RecoveryPublicKey.from_text(str(text)))
        except ValueError as exc:
            raise PolicyError(
                "error.policy_key", file=name, setting=f"keys.recovery[{index}]"
            ) from exc
    trusted: list[TrustedKey] = []
    for index, entry in enumerate(keys.get("trusted", [])):
        where = f"keys.trusted[{index}]."
        if not isinstance(entry, dict):
            raise PolicyError("error.policy_type", file=name, setting=where.rstrip("."))
        label = _require(entry, "name", str, where, name)
        try:
            key = VerifyKey.from_text(_require(entry, "public_key", str, where, name))
        except ValueError as exc:
            raise PolicyError("error.policy_key", file=name, setting=f"{where}public_key") from exc
        trusted.append(TrustedKey(label, key))
    return Policy(
        path=file,
        sha256=hashlib.sha256(raw).hexdigest(),
        organisation=_require(org, "name", str, "organisation.", name),
        key_publication=str(org.get("key_publication", "")),
        recovery_keys=tuple(recovery),
        trusted_keys=tuple(trusted),
    )
