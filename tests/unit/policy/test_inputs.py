"""Issue 11, item 8 (inputs) and item 7 (weak passphrases) in the core: the escaping of typed text
for terminals and documents, the size limits of every free-text field, the strength check."""

from __future__ import annotations

import json
import random

import pytest

from policy.display import visible, visible_json
from policy.inputs import COUNTS, LIMITS, InputTooLong, check_length
from policy.passphrase import WeakPassphrase, check_strength, strength
from policy.refusal import RefusalError, refusal_from_dict
from policy.session import SessionError, session_from_dict
from tests.unit.conftest import PASSPHRASE

NAMES = ["Şükrü Yılmaz", "Łukasz Wróbel", "Nguyễn Văn An", "Οδυσσέας", "Jöns-Åke", "O'Brien"]


def test_visible_escapes_controls_escape_sequences_and_bidi_but_not_names() -> None:
    """Failed on 684a8a0 (there was nothing that escaped)."""
    for name in NAMES:
        assert visible(name) == name
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("\u202etxt.exe\u2066\u2069\u200e\u200f\u061c") == (
        "\\u202etxt.exe\\u2066\\u2069\\u200e\\u200f\\u061c"
    )
    assert visible("x\x9b2J\x7f\x00") == "x\\x9b2J\\x7f\\x00"  # C1 CSI, DEL, NUL
    assert visible("een\ntwee\r\tdrie\u2028") == "een\\ntwee\\r\\tdrie\\u2028"
    assert visible("een\r\ntwee\x1b", lines=True) == "een\ntwee\\x1b"
    assert visible("\udcff") == "\\udcff"  # undecodable bytes from the command line
    assert visible(visible("\x1b\u202e")) == visible("\x1b\u202e")  # escaping twice is harmless


def test_visible_json_is_the_same_document_and_safe_to_print() -> None:
    doc = {"name": "Eve\x1b[31m\u202e\x85", "names": NAMES}
    text = visible_json(doc)
    assert not any(c in text for c in "\x1b\u202e\x85")
    assert json.loads(text) == doc
    assert "Şükrü" in text  # not ASCII-escaped


def document(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "initiator": "citizen",
        "participants": [{"name": "A. Yilmaz", "role": "citizen"}],
    }
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("changes", "setting", "limit"),
    [
        ({"participants": [{"name": "N" * 201, "role": "citizen"}]}, "participants[0].name", 200),
        ({"necessity": "x" * 2001}, "necessity", 2000),
        ({"case_number": "Z" * 101}, "case_number", 100),
        ({"purpose": "p" * 101}, "purpose", 100),
        ({"participants": [{"name": f"P{i}", "role": "citizen"} for i in range(51)]},
         "participants", 50),
    ],
)  # fmt: skip
def test_a_session_file_over_a_limit_names_the_setting_and_the_limit(
    changes: dict[str, object], setting: str, limit: int
) -> None:
    """Failed on 684a8a0: any length was accepted and sealed."""
    with pytest.raises(SessionError) as caught:
        session_from_dict(document(**changes), file="sessie.toml")
    for lang in ("nl", "en"):
        message = caught.value.message(lang)
        assert setting in message and str(limit) in message and "sessie.toml" in message
    at_limit = {
        key: value[:limit] if isinstance(value, str | list) else value
        for key, value in changes.items()
    }
    if setting.endswith("name"):
        at_limit = {"participants": [{"name": "N" * 200, "role": "citizen"}]}
    session_from_dict(document(**at_limit))


def test_a_quoted_value_in_an_error_is_short_and_escaped() -> None:
    with pytest.raises(SessionError) as caught:
        session_from_dict(document(location="\x1b[2J" + "x" * 10_000))
    message = caught.value.message("nl")
    assert "\x1b" not in message and "\\x1b[2J" in message and len(message) < 300


def refusal(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "citizen": "A. Yilmaz",
        "employee": "J. de Vries",
        "reasons": ["Het gesprek gaat over een derde."],
        "alternative": "written_summary",
    }
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"citizen": "C" * 201}, "citizen"),
        ({"employee": "E" * 201}, "employee"),
        ({"reasons": ["r" * 2001]}, "reasons[0]"),
        ({"reasons": [f"reden {i}" for i in range(21)]}, "reasons"),
        ({"alternative_note": "n" * 2001}, "alternative_note"),
        ({"case_number": "Z" * 101}, "case_number"),
    ],
)
def test_a_refusal_over_a_limit_is_refused(changes: dict[str, object], setting: str) -> None:
    """Failed on 684a8a0 (the GUI's refusal dialog goes through the same function)."""
    with pytest.raises(RefusalError) as caught:
        refusal_from_dict(refusal(**changes))
    assert f"'{setting}'" in caught.value.message("en")
    refusal_from_dict(refusal())


def test_check_length_names_the_field_in_both_languages() -> None:
    with pytest.raises(InputTooLong) as caught:
        check_length("hold_reason", "x" * (LIMITS["hold_reason"] + 1))
    assert "de reden om de opname langer te bewaren" in caught.value.message("nl")
    assert "the reason to keep the recording longer" in caught.value.message("en")
    assert "1000" in caught.value.message("en")
    check_length("hold_reason", "x" * LIMITS["hold_reason"])
    check_length("recipient", None)
    assert COUNTS["participants"] == 50


@pytest.mark.parametrize(
    "weak", ["1", "welkom01", "wachtwoord", "Welkom2024!", "gespreksopname2025", "qwertyuiop123"]
)
def test_weak_passphrases_are_refused_saying_what_is_strong_enough(weak: str) -> None:
    """Failed on 684a8a0: there was no check."""
    with pytest.raises(WeakPassphrase) as caught:
        check_strength(weak)
    assert "vijf willekeurig gekozen woorden" in caught.value.message("nl")
    assert "five words chosen at random" in caught.value.message("en")
    assert "12" in caught.value.message("en")


def test_the_organisations_name_is_guessed_first() -> None:
    assert strength("Gemeente Voorbeeldstad 2026").strong
    assert not strength("Gemeente Voorbeeldstad 2026", ["Gemeente Voorbeeldstad"]).strong


# Diceware-like words, Dutch and English (repeats allowed, as with dice).
WORDS = [
    word
    for line in (
        "appel fiets molen tulp regen drop kaas brug gracht zolder lamp vogel wolk trein boom",
        "paard zee duin klok raam deur stoel tafel boek pen schoen jas hoed kat hond muis vis",
        "eend vlag house river stone green table window paper garden music winter summer",
        "orange silver bread coffee water chair light yellow mountain pencil rabbit castle",
        "doctor village",
    )
    for word in line.split()
]


def test_five_random_words_and_the_test_passphrase_pass() -> None:
    check_strength(PASSPHRASE)
    rng = random.Random(11)
    for _ in range(100):
        words = [rng.choice(WORDS) for _ in range(5)]
        check_strength(rng.choice([" ", "-", ""]).join(words))
    check_strength("xK9#mq2Lp7vR")  # 12 random characters


def test_a_very_long_passphrase_is_checked_quickly() -> None:
    """zxcvbn refuses input over 72 characters; the check looks at the first 72."""
    check_strength("appel fiets molen tulp regen " * 1000)
    with pytest.raises(WeakPassphrase):
        check_strength("a" * 100_000)


def test_an_empty_passphrase_is_weak() -> None:
    assert not strength("").strong
    with pytest.raises(WeakPassphrase):
        check_strength("")
