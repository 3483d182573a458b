"""The policy file: the default loads; every malformed file names the setting and its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio.vault.keys import RecoveryPrivateKey, SigningKey
from policy.policy import Policy, PolicyError, load_policy
from tests.unit.policy.conftest import DEFAULT, policy_file


def test_default_policy(policy: Policy) -> None:
    assert policy.organisation == "Gemeente 's-Hertogenbosch"
    assert {p.id for p in policy.purposes} >= {"hearing", "citizen_request"}
    for purpose in policy.purposes:
        assert "legitimate_interests" not in purpose.legal_bases
        assert purpose.label("nl") and purpose.label("en")
    for lang in ("nl", "en"):
        letter = policy.text("refusal_letter", lang, citizen="X", reasons="- r", alternative="y")
        assert "{" not in letter.replace("{date}", "").replace("{employee}", "")
    assert "Privacy Officer" in policy.contact_lines()
    summary = policy.summary("en")
    assert {"id", "label", "legal_bases", "retention_days", "case_number_required"} <= set(
        summary["purposes"][0]
    )


def test_announcement_covers_the_rules(policy: Policy) -> None:
    """Who records, why, a copy for each, no editing, private listening only (rules a-c)."""
    nl = policy.text("announcement", "nl", employee="J. de Vries", purpose="P", retention_days=9)
    for phrase in ("J. de Vries", "P", "kopie", "bewerkt", "huiselijke", "toestemming"):
        assert phrase in nl
    en = policy.text("announcement", "en", employee="J. de Vries", purpose="P", retention_days=9)
    for phrase in ("copy", "edited", "private", "consent"):
        assert phrase in en


def test_keys_are_read(tmp_path: Path) -> None:
    recovery = RecoveryPrivateKey.generate().public
    installation = SigningKey.generate().public
    file = policy_file(
        tmp_path,
        "recovery = []",
        f'recovery = ["""{recovery.pem()}"""]\n[[keys.trusted]]\nname = "Laptop 7"\n'
        f'public_key = """{installation.pem()}"""\n',
    )
    policy = load_policy(file)
    # Read, but not in force: the file is not signed by an organisation (test_signed_policy).
    assert policy.declared.recovery_keys == (recovery,)
    assert policy.declared.trusted_keys[0].name == "Laptop 7"
    assert policy.declared.trusted_keys[0].key == installation
    assert policy.recovery_keys == () and policy.trusted_keys == ()


def line_of(file: Path, needle: str) -> int:
    return [n for n, line in enumerate(file.read_text().splitlines(), 1) if needle in line][-1]


@pytest.mark.parametrize(
    ("old", "new", "message", "needle"),
    [
        (
            "retention_days = 730",
            'retention_days = "lang"',
            "'purposes[0].retention_days' moet een getal/number zijn",
            'retention_days = "lang"',
        ),
        (
            "retention_days = 365\ncase",
            "retention_days = 0\ncase",
            "'purposes[1].retention_days' moet tussen 1 en 36500",
            "retention_days = 0",
        ),
        (
            'legal_bases = ["public_task"]',
            'legal_bases = ["legitimate_interests"]',
            "gerechtvaardigd belang",
            'legal_bases = ["legitimate_interests"]',
        ),
        (
            'legal_bases = ["public_task"]',
            'legal_bases = ["public task"]',
            "'public task' is geen geldige waarde voor 'purposes[2].legal_bases[0]'",
            "public task",
        ),
        (
            'id = "complaint"',
            'id = "hearing"',
            "'hearing' komt twee keer voor",
            'id = "hearing"\nl',
        ),
        (
            'case_number_required = false\n\n[[purposes]]\nid = "citizen_request"',
            'case_number_reqired = false\n\n[[purposes]]\nid = "citizen_request"',
            "'purposes[2].case_number_reqired' is onbekend",
            "case_number_reqired",
        ),
        ('name = "Gemeente', 'naam = "Gemeente', "'organisation.naam' is onbekend", "naam ="),
        ("schema_version = 1", "schema_version = 2", "schemaversie 2", "schema_version"),
        (
            "schema_version = 1",
            "schema_version = true",
            "'schema_version' moet een getal",
            "schema_version",
        ),
        (
            "recovery = []",
            'recovery = ["abc"]',
            "'keys.recovery[0]' is geen geldige sleutel",
            "recovery =",
        ),
        (
            "[alternatives.listen_only]",
            "[alternatives.listen]",
            "'alternatives.listen' is onbekend",
            "[alternatives.listen]",
        ),
        (
            "The purpose is: {purpose}.",
            "The purpose is: {purpose.",
            "ongeldige plaatshouder",
            "announcement =",
        ),
    ],
)
def test_malformed_policy_names_setting_and_line(
    tmp_path: Path, old: str, new: str, message: str, needle: str
) -> None:
    file = policy_file(tmp_path, old, new)
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    text = caught.value.message("nl")
    assert message in text
    first = needle.split("\n")[0]
    assert f"regel {line_of(file, first)}:" in text or "schemaversie" in text
    assert str(file) in caught.value.message("en")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("schema_version = ", "geen geldige TOML"),
        ("", "'schema_version' ontbreekt"),
        ("schema_version = 1\n", "'organisation' ontbreekt"),
    ],
)
def test_broken_policy_files(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "policy.toml"
    file.write_text(content)
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    assert message in caught.value.message("nl")


def test_unreadable_and_non_utf8_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "missing.toml")
    assert "Kan '" in caught.value.message("nl")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(DEFAULT.read_text().encode("utf-8").replace("ö".encode(), b"\xf6"))
    with pytest.raises(PolicyError) as caught:
        load_policy(latin)
    assert "UTF-8" in caught.value.message("nl")
