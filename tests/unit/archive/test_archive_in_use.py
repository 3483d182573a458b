"""The archive at work (issue 15) against a real S3 server with Object Lock (SeaweedFS) and a
real TSA: a sealed recording goes there locked, with its public seal and the trail's heads; it
cannot be deleted or shortened with the app's credentials; holds become legal holds; the queue
survives a server that is down and an app that restarts; a local purge waits for the archive."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audio.archive.s3 import Archive, ArchiveError, whole_seconds
from desktop.cli import main
from policy import archiving
from policy.policy import load_policy
from policy.workspace import Workspace
from tests.helpers.s3server import RunningS3
from tests.unit.trust.test_timestamps_in_use import _record


def app_archive(s3: RunningS3, bucket: str) -> Archive:
    return Archive(s3.endpoint, bucket, s3.region, s3.app.access_key, s3.app.secret_key)


def keys(workspace: Workspace, rid: str) -> tuple[str, str]:
    settings = workspace.policy.archive
    assert settings is not None
    fp = workspace.fingerprint
    return archiving.container_key(settings, fp, rid), archiving.seal_key(settings, fp, rid)


def test_a_sealed_recording_goes_to_the_archive_locked_with_its_public_seal(
    laptop: Workspace, s3: RunningS3, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = _record(laptop)
    assert laptop.archive_states()[rid].state == "pending"
    assert main(["archive", "status"]) == 0
    assert "waiting for the archive" in capsys.readouterr().out
    assert main(["archive", "sync"]) == 0
    assert "2 done, 0 still waiting" in capsys.readouterr().out
    assert main(["archive", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [row["state"] for row in status["recordings"]] == ["archived"]

    container, seal = keys(laptop, rid)
    archive = app_archive(s3, bucket)
    info = archive.head(container)
    local = laptop.vault.vault.recording_path(rid).read_bytes()
    assert info.sha256 == hashlib.sha256(local).hexdigest()
    assert info.mode == "COMPLIANCE"
    retention_end = laptop.info(rid).retention_until  # the start plus the purpose's term
    assert retention_end is not None and retention_end > datetime.now(UTC) + timedelta(days=7)
    assert info.retain_until == whole_seconds(retention_end)
    # The archive's bytes are the container's bytes: ciphertext, no key.
    assert archive.get(container, limit=len(local)) == local
    public = json.loads(archive.get(seal))
    assert public["recording_id"] == rid
    assert public["container"]["sha256"] == info.sha256
    # The trail's head after the seal, and the tokens, are there too.
    assert laptop.policy.archive is not None
    listed = [item.key for item in archive.list(f"{laptop.policy.archive.prefix}/")]
    assert any("/audit/" in key and key.endswith(".json") for key in listed), listed
    assert any(key.endswith(f"{rid}.tsr") for key in listed), listed


def test_the_app_cannot_delete_or_shorten_an_archived_recording(
    laptop: Workspace, s3: RunningS3, bucket: str
) -> None:
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    container, _seal = keys(laptop, rid)
    archive = app_archive(s3, bucket)
    version = archive.head(container).version_id
    assert version is not None
    with pytest.raises(ArchiveError, match=r"^locked:"):
        archive.delete(container, version)
    with pytest.raises(ArchiveError, match=r"^locked:"):
        archive.extend_retention(container, datetime.now(UTC) + timedelta(days=2), version)
    assert archive.head(container, version).size > 0


def test_a_hold_becomes_a_legal_hold_and_a_release_lifts_it(
    laptop: Workspace, s3: RunningS3, bucket: str
) -> None:
    rid = _record(laptop)
    laptop.hold(rid, "Klacht bij de Nationale ombudsman")
    assert laptop.sync_archive().left == 0
    container, seal = keys(laptop, rid)
    archive = app_archive(s3, bucket)
    assert archive.head(container).legal_hold is True
    assert archive.head(seal).legal_hold is True
    assert laptop.archive_states()[rid].held
    laptop.release(rid, "Klacht afgehandeld")
    assert laptop.sync_archive().left == 0
    assert archive.head(container).legal_hold is False


def test_the_server_down_during_a_recording_and_back_later(
    laptop: Workspace, s3: RunningS3, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.stop()
    try:
        rid = _record(laptop)  # sealed and kept: the archive being down changes nothing
        synced = laptop.sync_archive(force=True)
        assert synced.left > 0
        assert isinstance(synced.problem, ArchiveError) and synced.problem.retryable
        assert main(["archive", "sync"]) == 1
        assert "cannot be reached" in capsys.readouterr().err
        assert laptop.archive_states()[rid].reason == "unreachable"
        job = next(j for j in archiving.jobs(laptop.vault) if j.subject == "recording")
        assert job.attempts >= 2 and job.next_try > datetime.now(UTC).timestamp()
        assert laptop.sync_archive().done == 0  # waiting out the back-off: not even tried
    finally:
        s3.start()
    assert main(["archive", "sync"]) == 0  # the queue drains
    assert laptop.archive_states()[rid].state == "archived"


def test_an_app_restarted_mid_upload_finishes_without_a_second_version(
    laptop: Workspace, s3: RunningS3, bucket: str, policy_file: Path
) -> None:
    """The container went up, then the app died before it noted so: the next start finds it
    there with the same hash and goes on (never a second version under the same name)."""
    rid = _record(laptop)
    uploader = laptop.archive_uploader()
    assert uploader is not None
    container, _seal = keys(laptop, rid)
    path = laptop.vault.vault.recording_path(rid)
    sha = archiving.sha256_hex(path)
    uploader.archive.put_locked(container, path, datetime.now(UTC) + timedelta(days=2), sha)
    restarted = Workspace(laptop.vault, load_policy(policy_file))
    assert restarted.sync_archive().left == 0
    assert len(app_archive(s3, bucket).versions(container)) == 1
    assert restarted.archive_states()[rid].state == "archived"


def test_wrong_credentials_and_a_missing_bucket_keep_the_queue(
    laptop: Workspace,
    s3: RunningS3,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rid = _record(laptop)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    assert main(["archive", "sync"]) == 1
    err = capsys.readouterr().err
    assert "credentials are missing or wrong" in err and "not-the-secret" not in err
    assert laptop.archive_states()[rid].reason == "credentials"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.app.secret_key)
    assert main(["archive", "sync"]) == 0
    assert laptop.archive_states()[rid].state == "archived"


def test_a_local_purge_waits_for_the_archive(laptop: Workspace, s3: RunningS3, bucket: str) -> None:
    rid = _record(laptop)
    info = laptop.info(rid)
    assert laptop.purge([info]) == []  # not archived yet: kept
    assert laptop.purge_waiting == {rid: "queued"}
    assert laptop.sync_archive().left == 0
    assert laptop.purge([laptop.info(rid)]) == [rid]


def test_list_show_and_purge_say_what_the_archive_holds(
    laptop: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = _record(laptop)
    assert main(["list"]) == 0
    assert "waiting for the archive (queued)" in capsys.readouterr().out
    assert main(["archive", "sync"]) == 0
    assert main(["show", rid]) == 0
    assert "Archive: in the archive" in capsys.readouterr().out
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["archive"] == {"state": "archived", "reason": "", "legal_hold": False}


def test_the_policy_command_shows_the_archive_in_force(
    laptop: Workspace, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy"]) == 0
    out = capsys.readouterr().out
    assert "Archive: http://127.0.0.1:" in out and f"bucket {bucket}, lock COMPLIANCE" in out


def test_a_purged_recording_is_gone_locally_but_kept_in_the_archive(
    laptop: Workspace, s3: RunningS3, bucket: str
) -> None:
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    assert laptop.purge([laptop.info(rid)]) == [rid]
    assert not (laptop.vault.root / "recordings" / f"{rid}.gesp").exists()
    assert not (laptop.vault.root / "seals" / f"{rid}.seal.json").exists()
    container, _seal = keys(laptop, rid)
    assert app_archive(s3, bucket).head(container).sha256 == laptop.archive_states()[rid].sha256
