"""The policy file: the default loads; malformed files give errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio.keys import RecoveryPrivateKey, SigningKey
from policy.policy import PolicyError, load_policy


def test_default_policy_loads() -> None:
    policy = load_policy()
    assert policy.organisation == "Gemeente 's-Hertogenbosch"
    assert len(policy.sha256) == 64


def test_keys_are_read(tmp_path: Path) -> None:
    recovery = RecoveryPrivateKey.generate().public
    installation = SigningKey.generate().public
    file = tmp_path / "policy.toml"
    file.write_text(
        'schema_version = 1\n[organisation]\nname = "Gemeente Oss"\n[keys]\n'
        f'recovery = ["""{recovery.pem()}"""]\n'
        f'[[keys.trusted]]\nname = "Laptop 7"\npublic_key = """{installation.pem()}"""\n'
    )
    policy = load_policy(file)
    assert policy.recovery_keys == (recovery,)
    assert policy.trusted_keys[0].name == "Laptop 7"
    assert policy.trusted_keys[0].key == installation


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("schema_version = ", "geen geldige TOML"),
        ('[organisation]\nname = "x"\n', "ontbreekt 'schema_version'"),
        ("schema_version = 2\n[organisation]\nname = 'x'\n", "schemaversie 2"),
        ("schema_version = 1\n", "ontbreekt 'organisation'"),
        (
            "schema_version = 1\n[organisation]\nname = 3\n",
            "'organisation.name' een verkeerd soort waarde",
        ),
        ("schema_version = true\n", "'schema_version' een verkeerd soort waarde"),
        (
            "schema_version = 1\n[organisation]\nname = 'x'\n[keys]\nrecovery = ['abc']\n",
            "is 'keys.recovery[0]' geen geldige sleutel",
        ),
        (
            "schema_version = 1\n[organisation]\nname = 'x'\n[[keys.trusted]]\nname = 'a'\n",
            "ontbreekt 'keys.trusted[0].public_key'",
        ),
    ],
)
def test_malformed_policy_names_the_problem(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "policy.toml"
    file.write_text(content)
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    assert message in caught.value.message("nl")
    assert str(file) in caught.value.message("en")


def test_unreadable_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "missing.toml")
    assert "Kan het beleidsbestand" in caught.value.message("nl")
