"""Session files: valid ones parse; malformed ones are clear errors, never allowed."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audio.errors import GespreksError
from policy.policy import Policy
from policy.rules import evaluate
from policy.session import SessionError, load_session, session_from_dict

GOOD = """\
initiator = "municipality"
location = "home"
purpose = "hearing"
legal_basis = "public_task"
necessity = "Het verslag van de hoorzitting moet woordelijk kloppen."
alternatives_considered = ["written_summary"]
announcement_read = true
case_number = "Z-2026-000123"
camera_present = true
camera_announced = true
camera_action = "moved"
video = false

[[participants]]
name = "J. de Vries"
role = "employee"
consent = true
consent_method = "verbal"

[[participants]]
name = "A. Yilmaz"
role = "citizen"
consent = true
consent_method = "written"
"""


def test_a_good_session_file_is_allowed(tmp_path: Path, policy: Policy) -> None:
    file = tmp_path / "session.toml"
    file.write_text(GOOD)
    session = load_session(file)
    assert session.participants[1].consent_method == "written"
    assert evaluate(session, policy).allowed
    assert session.document()["version"] == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('location = "home"', 'location = "tuin"', "'tuin' is geen geldige waarde voor 'location'"),
        ("video = false", 'video = "nee"', "'video' moet een true/false"),
        ("announcement_read = true", "announcement_red = true", "'announcement_red' is onbekend"),
        ('role = "citizen"', 'role = "burger"', "'participants[1].role'"),
        ('name = "A. Yilmaz"', 'name = ""', "'participants[1].name' mag niet leeg"),
        (
            'alternatives_considered = ["written_summary"]',
            "alternatives_considered = [1]",
            "'alternatives_considered[0]' moet een tekst",
        ),
        (
            'consent = true\nconsent_method = "written"',
            'consent = 1\nconsent_method = "written"',
            "'participants[1].consent' moet een true/false",
        ),
    ],
)
def test_malformed_session_names_setting_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    file = tmp_path / "session.toml"
    assert old in GOOD
    file.write_text(GOOD.replace(old, new))
    with pytest.raises(SessionError) as caught:
        load_session(file)
    assert message in caught.value.message("nl")
    assert "regel " in caught.value.message("nl") and "line " in caught.value.message("en")


toml_scalars = st.one_of(
    st.booleans(), st.integers(-5, 5), st.text(max_size=8), st.sampled_from(["home", "verbal"])
)
values = st.recursive(
    toml_scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "role", "consent", "x"]), children, max_size=3)
    ),
    max_leaves=6,
)
keys_ = st.sampled_from(
    [
        "initiator",
        "location",
        "purpose",
        "legal_basis",
        "necessity",
        "alternatives_considered",
        "announcement_read",
        "case_number",
        "camera_present",
        "camera_announced",
        "video",
        "participants",
        "camera_action",
        "unexpected",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(keys_, values, max_size=8))
def test_generated_sessions_never_crash_and_never_pass_unchecked(
    policy: Policy, doc: dict[str, Any]
) -> None:
    try:
        session = session_from_dict(doc)
    except GespreksError as exc:
        assert exc.message("nl") and exc.message("en")
        return
    decision = evaluate(session, policy)
    if decision.allowed:  # only a complete, lawful session can be allowed
        assert session.announcement_read and session.participants and not session.video
        assert all(p.consent and p.consent_method for p in session.participants)


@settings(max_examples=200, deadline=None)
@given(source=st.text(max_size=200))
def test_arbitrary_text_is_a_clear_error_or_a_session(
    tmp_path_factory: pytest.TempPathFactory, source: str
) -> None:
    file = tmp_path_factory.mktemp("s") / "session.toml"
    file.write_text(source, encoding="utf-8")
    try:
        tomllib.loads(source)
    except tomllib.TOMLDecodeError:
        with pytest.raises(SessionError):
            load_session(file)
        return
    try:
        load_session(file)
    except SessionError as exc:
        assert str(file) in exc.message("en")
