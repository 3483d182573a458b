"""Every message exists in Dutch and English with the same placeholders; language selection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resources.catalogue import keys, placeholders, resolve_language, text

ROOT = Path(__file__).resolve().parents[3]


def test_both_languages_have_the_same_messages() -> None:
    assert keys("nl") == keys("en")
    for key in keys("nl"):
        assert placeholders(text(key, "nl")) <= placeholders(_raw(key, "nl")) | set()
        assert placeholders(_raw(key, "nl")) == placeholders(_raw(key, "en")), key


def _raw(key: str, lang: str) -> str:
    from resources.catalogue import _catalogue

    return _catalogue(lang)[key]


def test_every_key_used_in_the_code_exists() -> None:
    pattern = re.compile(
        r'"((?:error|integrity|cli|prompt|init|passwd|key|list|show|verify|'
        r'recover|recovery|state|event|export|import|derive|copy|verify_copy|devices|record|warning|player|policy|check|audit|hold|purge|decision|refusal|reason|rule|document|trust|provenance|org|enrol)\.[a-z_.-]+)"'
    )
    used = set()
    for folder in ("audio", "policy", "desktop"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text()))
    files = {"audit.log", "state.enc", "state.lock"}  # file names, not messages
    missing = {key for key in used - files if key not in keys("nl")}
    assert not missing


@pytest.mark.parametrize(
    ("requested", "env", "expected"),
    [
        (None, {}, "nl"),
        (None, {"LANG": "en_GB.UTF-8"}, "en"),
        ("en", {"LANG": "nl_NL"}, "en"),
        (None, {"LC_ALL": "nl_NL", "LANG": "en_US"}, "nl"),
        (None, {"LANG": "C"}, "nl"),
        ("nl", {"LANG": "en_US"}, "nl"),
    ],
)
def test_language_selection(
    monkeypatch: pytest.MonkeyPatch, requested: str | None, env: dict[str, str], expected: str
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert resolve_language(requested) == expected


def test_placeholders_are_filled() -> None:
    assert text("error.no_vault", "en", path="/x") == (
        "There is no vault in '/x' yet. Create one with 'gespreksopname init', "
        "or choose another with --vault."
    )
