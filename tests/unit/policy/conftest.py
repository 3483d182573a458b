"""Fixtures for policy tests: the default policy and a lawful session to vary."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.policy import Policy, load_policy
from policy.session import Participant, Session
from resources import path as resource_path

DEFAULT = resource_path("policy", "default.toml")


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(DEFAULT)


def lawful() -> Session:
    """A municipality-initiated office conversation that the default policy allows."""
    return Session(
        initiator="municipality",
        location="office",
        purpose="accurate_report",
        legal_basis="public_task",
        necessity="Eerdere gesprekken leidden tot verschil over wat is afgesproken.",
        alternatives_considered=("written_summary", "representative"),
        announcement_read=True,
        participants=(
            Participant("J. de Vries", "employee", True, "verbal"),
            Participant("A. Yilmaz", "citizen", True, "verbal"),
        ),
    )


def policy_file(tmp_path: Path, old: str, new: str) -> Path:
    """The default policy with one piece of text replaced."""
    source = DEFAULT.read_text(encoding="utf-8")
    assert old in source, old
    file = tmp_path / "policy.toml"
    file.write_text(source.replace(old, new, 1), encoding="utf-8")
    return file
