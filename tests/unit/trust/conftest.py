"""Fixtures of the trust tests: an organisation, a laptop enrolled with it, a citizen's computer."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org
from tests.unit.trust.test_verify_anyone import _installation


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return make_org(tmp_path / "org")


@pytest.fixture
def laptop(tmp_path: Path, org: Org) -> Workspace:
    """An employee's laptop, enrolled with `org` under its signed policy."""
    return _installation(tmp_path / "laptop", org)


@pytest.fixture
def citizen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A citizen's computer: no vault, no passphrase, the bundled policy, English."""
    home = tmp_path / "citizen"
    home.mkdir()
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(home / "no-vault"))
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE", raising=False)
    monkeypatch.delenv("GESPREKSOPNAME_POLICY", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    return home
