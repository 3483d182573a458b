"""The archive's settings in the policy and its credentials on the laptop (issue 15): only the
organisation's signed policy puts an archive in force; the credentials come from the S3
environment variables, else the OS keyring, else the credentials file, and never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio.errors import GespreksError
from policy import archiving
from policy.policy import ArchiveSettings, PolicyError, load_policy
from tests.helpers.organisation import Org, policy_text

ARCHIVE = '\n[archive]\nendpoint = "https://s3.example.nl"\nbucket = "gespreksopname"\n'


def settings(credentials_file: Path | None = None) -> ArchiveSettings:
    return ArchiveSettings(
        "https://s3.example.nl",
        "b-1",
        "us-east-1",
        "COMPLIANCE",
        "gespreksopname",
        credentials_file,
    )


def test_the_defaults_and_the_ignored_archive_of_an_unsigned_policy(tmp_path: Path) -> None:
    file = tmp_path / "beleid.toml"
    file.write_text(policy_text() + ARCHIVE, encoding="utf-8")
    policy = load_policy(file)
    assert policy.archive is None  # not signed by our organisation: not in force
    declared = policy.declared.archive
    assert declared is not None
    assert (declared.lock_mode, declared.region, declared.prefix) == (
        "COMPLIANCE",
        "us-east-1",
        "gespreksopname",
    )
    assert policy.summary("en")["ignored"]["archive"]["bucket"] == "gespreksopname"


def test_a_signed_policy_names_the_archive(tmp_path: Path, org: Org) -> None:
    file = tmp_path / "beleid.toml"
    file.write_text(policy_text(org) + ARCHIVE + 'lock_mode = "GOVERNANCE"\n', encoding="utf-8")
    org.sign(file)
    policy = load_policy(file).under(org.ca_pem)
    assert policy.archive is not None and policy.archive.lock_mode == "GOVERNANCE"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('bucket = "Not_A_Bucket"', "is not an S3 bucket name"),
        ('lock_mode = "SOMETIMES"', "choose from: COMPLIANCE, GOVERNANCE"),
        ('endpoint = "ftp://x"', "is not a web address"),
        ('prefix = "a/b"', "is not a valid value for 'archive.prefix'"),
        ("unknown = 1", "is unknown"),
    ],
)
def test_a_malformed_archive_setting_is_named_with_its_line(
    tmp_path: Path, line: str, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    key = line.split(" = ")[0]
    body = "\n".join(row for row in ARCHIVE.splitlines() if not row.startswith(f"{key} ="))
    file = tmp_path / "beleid.toml"
    file.write_text(policy_text() + body + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    said = caught.value.message("en")
    assert words in said and "line" in said, said


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GESPREKSOPNAME_ARCHIVE_CREDENTIALS", str(tmp_path / "archive.toml"))
    # keyrings.alt's file keyring: a real backend (this machine has no Secret Service).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "archive.toml"


def test_credentials_in_the_documented_order(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert archiving.find_credentials(settings()) is None
    clean.write_text('access_key_id = "file-id"\nsecret_access_key = "file-secret"\n')
    found = archiving.find_credentials(settings())
    assert found is not None and (found.access_key, found.source) == ("file-id", "file")
    import keyring

    keyring.get_keyring()  # the backend named by PYTHON_KEYRING_BACKEND
    keyring.set_password(archiving.KEYRING_SERVICE, "access_key_id", "ring-id")
    keyring.set_password(archiving.KEYRING_SERVICE, "secret_access_key", "ring-secret")
    found = archiving.find_credentials(settings())
    assert found is not None and (found.access_key, found.source) == ("ring-id", "keyring")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "env-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    found = archiving.find_credentials(settings())
    assert found is not None and (found.access_key, found.source) == ("env-id", "environment")
    assert "env-secret" not in repr(found)


def test_a_broken_credentials_file_is_named_and_its_content_never_shown(
    clean: Path, tmp_path: Path
) -> None:
    named = tmp_path / "it" / "s3.toml"
    named.parent.mkdir()
    named.write_text('access_key_id = "id"\nsecret_access_key = "geheim-123\n')  # torn quote
    with pytest.raises(GespreksError) as caught:
        archiving.find_credentials(settings(named))
    said = caught.value.message("en")
    assert str(named) in said and "geheim-123" not in said
