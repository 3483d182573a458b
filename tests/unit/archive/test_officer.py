"""The Privacy Officer's commands on the organisation's archive (issue 15), against a real S3
server with Object Lock (SeaweedFS) and a real TSA: list across installations, verify (and find a
byte changed behind S3's back, or a second version written under a recording's name), restore a
lost laptop's recording with the recovery key, hold and release, purge what has expired."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audio.archive.s3 import Archive
from audio.vault.keys import RecoveryPrivateKey
from desktop.cli import main
from policy import archiving
from policy.policy import ArchiveSettings, load_policy
from policy.workspace import Workspace
from tests.helpers.organisation import Org, policy_text
from tests.helpers.s3server import RunningS3
from tests.helpers.tsa import RunningTsa
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.trust.test_timestamps_in_use import _record


def app_archive(s3: RunningS3, bucket: str) -> Archive:
    return Archive(s3.endpoint, bucket, s3.region, s3.app.access_key, s3.app.secret_key)


def settings_of(policy_file: Path) -> ArchiveSettings:
    settings = load_policy(policy_file).declared.archive
    assert settings is not None
    return settings


def officer_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, s3: RunningS3, policy_file: Path
) -> None:
    """The officer's computer: the archive's credentials and the signed policy, no vault."""
    monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(policy_file))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.app.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.app.secret_key)
    monkeypatch.setenv("GESPREKSOPNAME_ARCHIVE_CREDENTIALS", str(tmp_path / "none.toml"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


def another_laptop(root: Path, org: Org, policy_file: Path, name: str) -> Workspace:
    """A second employee's laptop under the same signed policy, enrolled."""
    policy = load_policy(policy_file)
    made = Workspace.create(root, PASSPHRASE, policy, kdf=FAST_KDF)
    org.enroll(made, name)
    workspace = Workspace(made.vault, policy)
    assert workspace.policy.archive is not None
    return workspace


def tamper(s3: RunningS3, bucket: str, key: str, version_id: str, at: int) -> None:
    """Change one byte of a stored version behind S3's back: the filer port says which volume
    file holds it, the volume server overwrites that file's bytes in place (the object's
    metadata, hash and lock stay as they were; only reading the bytes can tell)."""
    path = f"/buckets/{bucket}/{key}.versions/v_{version_id}?metadata=true"
    with urllib.request.urlopen(s3.filer_url + path, timeout=10) as response:
        entry = json.loads(response.read())
    chunk = next(c for c in entry["chunks"] if int(c.get("offset", 0)) <= at)
    volume = f"http://127.0.0.1:{s3.ports['volume.port']}/{chunk['file_id']}"
    with urllib.request.urlopen(volume, timeout=10) as response:
        data = bytearray(response.read())
    data[at - int(chunk.get("offset", 0))] ^= 0x01
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + bytes(data)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        volume,
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def test_list_shows_every_installation_and_filters_by_one(
    laptop: Workspace,
    org: Org,
    policy_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = _record(laptop)
    assert laptop.sync_archive().left == 0
    other = another_laptop(tmp_path / "vault2", org, policy_file, "Laptop Burgerzaken")
    second = _record(other)
    assert other.sync_archive().left == 0

    assert main(["archive", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {first, second}
    assert by_id[first]["installation"] == laptop.fingerprint
    assert by_id[second]["installation"] == other.fingerprint
    for row in rows:
        assert row["sealed"] and row["retain_until"] and row["legal_hold"] is False
        assert row["timestamp"] is not None and row["timestamp_checked"] is True
        assert row["versions"] == 1 and row["problem"] is None

    assert main(["archive", "list", "--installation", other.fingerprint, "--json"]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == [second]
    assert main(["archive", "list"]) == 0
    out = capsys.readouterr().out
    assert first in out and second in out and other.fingerprint in out
    assert "2 recording(s) from 2 installation(s)." in out


def test_verify_passes_then_finds_one_changed_byte(
    laptop: Workspace,
    s3: RunningS3,
    bucket: str,
    policy_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rid = _record(laptop)
    untouched = _record(laptop)
    assert laptop.sync_archive().left == 0
    assert main(["archive", "verify", "--all"]) == 0
    assert "INTACT: 2 recording(s)" in capsys.readouterr().out

    key = archiving.container_key(settings_of(policy_file), laptop.fingerprint, rid)
    info = app_archive(s3, bucket).head(key)
    assert info.version_id is not None
    tamper(s3, bucket, key, info.version_id, info.size // 2)
    # The archive's own metadata still says the sealed hash: only the bytes tell.
    assert main(["archive", "verify", "--quick"]) == 0
    capsys.readouterr()
    assert main(["archive", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"recording {rid} of installation {laptop.fingerprint}" in out
    assert "CHANGED" in out and untouched not in out
    assert "1 problem(s)" in out


def test_a_second_version_under_a_recordings_name_is_reported_replaced(
    laptop: Workspace,
    s3: RunningS3,
    bucket: str,
    policy_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    key = archiving.container_key(settings_of(policy_file), laptop.fingerprint, rid)
    insider = app_archive(s3, bucket)  # the program's credentials, as an insider has them
    insider.put_bytes_locked(key, b"other bytes", datetime.now(UTC) + timedelta(days=2))
    assert len(insider.versions(key)) == 2

    assert main(["archive", "verify"]) == 1
    out = capsys.readouterr().out
    assert "new version under this name (2 versions)" in out and rid in out
    assert "CHANGED" not in out  # the first version, the authoritative one, is intact
    assert main(["archive", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["versions"] == 2


def recovery_policy(
    folder: Path, org: Org, s3: RunningS3, bucket: str, tsa: RunningTsa, public_pem: str
) -> Path:
    """The organisation's signed policy naming the archive, the TSA and the recovery key."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(tsa.ca_pem_path, folder / "tsa.pem")
    text = policy_text(org, ("recovery = []", f'recovery = ["""{public_pem}"""]'))
    text += f'\n[timestamps]\nurl = "{tsa.url}"\nca_certificate = "tsa.pem"\n'
    text += (
        f'\n[archive]\nendpoint = "{s3.endpoint}"\nbucket = "{bucket}"\n'
        f'region = "{s3.region}"\nlock_mode = "COMPLIANCE"\n'
    )
    file = folder / "beleid.toml"
    file.write_text(text, encoding="utf-8")
    org.sign(file)
    return file


def test_restore_a_lost_laptops_recording_with_the_recovery_key(
    org: Org,
    s3: RunningS3,
    bucket: str,
    tsa: RunningTsa,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "officer.txt"
    secret.write_text("wachtwoord van de privacy officer", encoding="utf-8")
    private = RecoveryPrivateKey.generate()
    key = tmp_path / "officer.pem"
    key.write_bytes(private.pem(b"wachtwoord van de privacy officer"))
    policy_file = recovery_policy(tmp_path / "beleid", org, s3, bucket, tsa, private.public.pem())
    officer_env(monkeypatch, tmp_path, s3, policy_file)
    root = tmp_path / "vault"
    laptop = another_laptop(root, org, policy_file, "Laptop Wijkteam")
    assert len(laptop.policy.recovery_keys) == 1
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    original = tmp_path / "original.gesp"
    shutil.copy(laptop.vault.vault.recording_path(rid), original)

    # What recovery-open gives for the original container, while the laptop still exists.
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    expected = tmp_path / "expected.wav"
    args = ["recovery-open", str(original), "--key", str(key)]
    assert main([*args, "--key-passphrase-file", str(secret), "--out", str(expected)]) == 0
    capsys.readouterr()

    # The laptop is lost: its vault and passphrase are gone.
    shutil.rmtree(root)
    monkeypatch.delenv("GESPREKSOPNAME_VAULT")
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    restored, kept = tmp_path / "terug.wav", tmp_path / "terug.gesp"
    args = ["archive", "restore", rid, "--key", str(key), "--key-passphrase-file", str(secret)]
    assert main([*args, "--out", str(restored), "--container", str(kept)]) == 0
    out = capsys.readouterr().out
    assert f"Recording {rid} of installation {laptop.fingerprint} restored" in out
    assert restored.read_bytes() == expected.read_bytes()
    assert kept.read_bytes() == original.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    # Never overwritten; a wrong key passphrase is a usage error and writes nothing.
    assert main([*args, "--out", str(restored)]) == 2
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("fout", encoding="utf-8")
    again = tmp_path / "again.wav"
    bad = ["archive", "restore", rid, "--key", str(key), "--key-passphrase-file", str(wrong)]
    assert main([*bad, "--out", str(again)]) == 2
    assert not again.exists()
    assert "officer" not in capsys.readouterr().err.lower().replace("officer.pem", "")


def test_a_hold_blocks_purge_after_retention_and_the_purge_is_logged(
    s3: RunningS3,
    bucket: str,
    policy_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    officer_env(monkeypatch, tmp_path, s3, policy_file)
    settings = settings_of(policy_file)
    archive = app_archive(s3, bucket)
    soon = datetime.now(UTC) + timedelta(seconds=3)
    keys: dict[str, list[str]] = {}
    for rid in ("held-one", "free-one"):
        container = archiving.container_key(settings, "TEST-INSTALLATION", rid)
        seal = archiving.seal_key(settings, "TEST-INSTALLATION", rid)
        archive.put_bytes_locked(container, f"container {rid}".encode(), soon)
        archive.put_bytes_locked(seal, f"seal {rid}".encode(), soon)
        keys[rid] = [container, seal]
    assert main(["archive", "hold", "held-one", "--reason", "Klacht bij de ombudsman"]) == 0
    out = capsys.readouterr().out
    assert "Legal hold set on recording held-one" in out
    assert archive.head(keys["held-one"][0]).legal_hold is True

    # Still locked: nothing is deleted.
    assert main(["archive", "purge", "--expired"]) == 0
    assert "Deleted 0 object version(s)" in capsys.readouterr().out
    while datetime.now(UTC) < soon + timedelta(seconds=1.5):
        time.sleep(0.2)
    assert main(["archive", "purge", "--expired"]) == 0
    out = capsys.readouterr().out
    assert "Deleted 2 object version(s)" in out and "kept 2 under a legal hold" in out
    remaining = {info.key for info in archive.list(f"{settings.prefix}/", versions=True)}
    assert set(keys["held-one"]) <= remaining
    assert not set(keys["free-one"]) & remaining
    logs = sorted(key for key in remaining if key.startswith(f"{settings.prefix}/log/"))
    assert [key.rsplit("/", 1)[1].split("-")[1] for key in logs] == ["hold", "purge", "purge"]
    purge_log = json.loads(archive.get(logs[-1]))
    assert purge_log["action"] == "purge" and purge_log["officer"]
    assert sorted(item["key"] for item in purge_log["deleted"]) == sorted(keys["free-one"])
    hold_log = json.loads(archive.get(logs[0]))
    assert hold_log["recording_id"] == "held-one"
    assert hold_log["reason"] == "Klacht bij de ombudsman"
    assert archive.head(logs[0]).retain_until is not None

    # Released, the expired recording goes at the next purge.
    assert main(["archive", "release", "held-one", "--reason", "Afgehandeld"]) == 0
    capsys.readouterr()
    assert main(["archive", "purge", "--expired"]) == 0
    assert "Deleted 2 object version(s)" in capsys.readouterr().out
    remaining = {info.key for info in archive.list(f"{settings.prefix}/", versions=True)}
    assert not set(keys["held-one"]) & remaining


def test_an_unsigned_policy_is_refused(
    s3: RunningS3,
    bucket: str,
    policy_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    unsigned = policy_file.with_name("unsigned.toml")
    unsigned.write_bytes(policy_file.read_bytes())
    officer_env(monkeypatch, tmp_path, s3, unsigned)
    assert main(["archive", "list"]) == 2
    assert "is not signed by the organisation's CA" in capsys.readouterr().err


def test_a_recording_by_an_uncertified_key_and_a_short_lock_are_reported(
    laptop: Workspace,
    s3: RunningS3,
    bucket: str,
    policy_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An insider with the program's credentials puts a recording of their own in the archive:
    a container sealed by a key the organisation never certified, locked only for a day, in an
    installation folder named after that key. `archive verify` names both."""
    from audio.archive.publicseal import PublicSeal, container_digest
    from audio.encoding import iso_time
    from audio.vault.keys import SigningKey

    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    own = SigningKey.generate()
    fake = tmp_path / "fake.gesp"
    shutil.copy(laptop.vault.vault.recording_path(rid), fake)
    sha, size = container_digest(fake)
    term = datetime.now(UTC) + timedelta(days=365)
    seal = PublicSeal.make(
        own,
        recording_id=rid,
        container_sha256=sha,
        container_size=size,
        seal_sha256="0" * 64,
        state="sealed",
        ended=iso_time(time.time()),
        retain_until=iso_time(term.timestamp()),
        certificate=None,
    )
    settings = settings_of(policy_file)
    insider = app_archive(s3, bucket)
    until = datetime.now(UTC) + timedelta(days=1)
    insider.put_locked(archiving.container_key(settings, own.public.fingerprint, rid), fake,
                       until, sha)  # fmt: skip
    insider.put_bytes_locked(
        archiving.seal_key(settings, own.public.fingerprint, rid), seal.encode(), until
    )
    assert main(["archive", "verify", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "the organisation did not certify" in out, out
    assert "locked for a shorter time than its retention term" in out, out
