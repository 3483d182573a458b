"""Fixtures of the archive tests: a real S3 server with Object Lock (SeaweedFS) and a real TSA,
one each per test module, and an employee's laptop enrolled under a signed policy naming both."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy.policy import load_policy
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org, policy_text
from tests.helpers.s3server import RunningS3, make_locked_bucket, start_s3
from tests.helpers.tsa import RunningTsa
from tests.unit.conftest import FAST_KDF, PASSPHRASE


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningS3]:
    running = start_s3(tmp_path_factory.mktemp("s3"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def bucket(s3: RunningS3) -> str:
    """A fresh bucket with Object Lock for each test (its objects can never be deleted)."""
    name = f"gesp-{uuid.uuid4().hex[:12]}"
    if not s3.running:
        s3.start()
    make_locked_bucket(s3, name)
    return name


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return make_org(tmp_path / "org")


def archive_policy(
    folder: Path, org: Org, s3: RunningS3, bucket: str, tsa: RunningTsa | None = None
) -> Path:
    """The organisation's policy naming the archive (and the TSA), signed by its CA."""
    folder.mkdir(parents=True, exist_ok=True)
    text = policy_text(org)
    if tsa is not None:
        shutil.copy(tsa.ca_pem_path, folder / "tsa.pem")
        text += f'\n[timestamps]\nurl = "{tsa.url}"\nca_certificate = "tsa.pem"\n'
    text += (
        f'\n[archive]\nendpoint = "{s3.endpoint}"\nbucket = "{bucket}"\n'
        f'region = "{s3.region}"\nlock_mode = "COMPLIANCE"\n'
    )
    file = folder / "beleid.toml"
    file.write_text(text, encoding="utf-8")
    org.sign(file)
    return file


@pytest.fixture
def policy_file(tmp_path: Path, org: Org, s3: RunningS3, bucket: str, tsa: RunningTsa) -> Path:
    return archive_policy(tmp_path / "beleid", org, s3, bucket, tsa)


@pytest.fixture
def laptop(
    tmp_path: Path,
    org: Org,
    policy_file: Path,
    s3: RunningS3,
    monkeypatch: pytest.MonkeyPatch,
) -> Workspace:
    """An employee's laptop, enrolled, with the app's archive credentials in the environment
    and the command line pointed at its vault and policy."""
    policy = load_policy(policy_file)
    root = tmp_path / "vault"
    made = Workspace.create(root, PASSPHRASE, policy, kdf=FAST_KDF)
    org.enroll(made, "Laptop Wijkteam")
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(policy_file))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.app.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.app.secret_key)
    monkeypatch.setenv("GESPREKSOPNAME_ARCHIVE_CREDENTIALS", str(tmp_path / "none.toml"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    workspace = Workspace(made.vault, policy)  # as the next start sees it: enrolled
    assert workspace.policy.archive is not None, workspace.policy.provenance
    return workspace
