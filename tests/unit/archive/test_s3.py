"""audio/archive/s3.py against a real S3 server with Object Lock (SeaweedFS: tests/helpers).

One server for the module (it starts in about a second); the test that stops it starts it again.
Everything the program does is done with the app's credentials, as on an employee's laptop.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audio.archive.s3 import Archive, ArchiveError, sha256_file, whole_seconds
from tests.helpers.s3server import Credentials, RunningS3, free_ports, make_locked_bucket, start_s3

BUCKET = "gespreksopname"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningS3]:
    began = time.monotonic()
    running = start_s3(tmp_path_factory.mktemp("s3"))
    try:
        make_locked_bucket(running, BUCKET)
        print(
            f"\nseaweedfs ready in {running.start_seconds:.2f} s ({time.monotonic() - began:.2f})"
        )
        yield running
    finally:
        running.stop()
        print(f"\nseaweedfs stopped in {running.stop_seconds:.2f} s")


def archive_for(
    server: RunningS3,
    credentials: Credentials | None = None,
    bucket: str = BUCKET,
    **options: Any,
) -> Archive:
    credentials = credentials or server.app
    return Archive(
        server.endpoint,
        bucket,
        server.region,
        credentials.access_key,
        credentials.secret_key,
        **options,
    )


@pytest.fixture
def archive(server: RunningS3) -> Archive:
    assert server.running
    return archive_for(server)


def write(path: Path, data: bytes) -> tuple[Path, str]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def tomorrow() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


def refused(code: str) -> Any:
    return pytest.raises(ArchiveError, match=f"^{code}:")


def test_a_file_locked_until_tomorrow_cannot_be_deleted_or_shortened(
    server: RunningS3, archive: Archive, tmp_path: Path
) -> None:
    file, digest = write(tmp_path / "a.gesp", os.urandom(100_000))
    until = tomorrow()
    stored = archive.put_locked("inst/a.gesp", file, until, digest)
    assert stored.version_id
    assert (stored.size, stored.sha256, stored.mode) == (100_000, digest, "COMPLIANCE")
    assert stored.retain_until == whole_seconds(until)
    assert not stored.multipart

    info = archive.head("inst/a.gesp")
    assert info.version_id == stored.version_id
    assert info.retain_until == whole_seconds(until)
    assert (info.mode, info.legal_hold, info.sha256) == ("COMPLIANCE", False, digest)

    with refused("locked") as deleted:
        archive.delete("inst/a.gesp", stored.version_id)
    assert deleted.value.code == "locked" and not deleted.value.retryable
    with refused("locked"):
        archive.extend_retention("inst/a.gesp", until - timedelta(hours=1))
    # Nor can COMPLIANCE become GOVERNANCE, which an administrator could then bypass.
    governance = archive_for(server, mode="GOVERNANCE")
    with refused("locked"):
        governance.extend_retention("inst/a.gesp", until + timedelta(days=1))
    assert archive.head("inst/a.gesp").retain_until == whole_seconds(until)

    archive.extend_retention("inst/a.gesp", until + timedelta(days=30))
    assert archive.head("inst/a.gesp").retain_until == whole_seconds(until + timedelta(days=30))
    with refused("locked"):
        archive.extend_retention("inst/a.gesp", until + timedelta(days=29))


def test_the_admin_cannot_delete_a_locked_version_either(
    server: RunningS3, archive: Archive
) -> None:
    stored = archive.put_bytes_locked("inst/admin.json", b"{}", tomorrow())
    admin = archive_for(server, server.admin)
    with refused("locked"):
        admin.delete("inst/admin.json", stored.version_id)


def test_the_hash_matches_after_upload_and_a_changed_file_does_not(
    archive: Archive, tmp_path: Path
) -> None:
    data = os.urandom(50_000)
    file, digest = write(tmp_path / "b.gesp", data)
    archive.put_locked("inst/b.gesp", file, tomorrow(), digest)
    assert archive.matches("inst/b.gesp", digest)
    assert archive.head("inst/b.gesp").checksum_sha256 is not None  # the server checked it too

    changed = bytearray(data)
    changed[1234] ^= 1
    file.write_bytes(changed)
    assert not archive.matches("inst/b.gesp", sha256_file(file))
    # A file that is not what the caller hashed is not uploaded at all.
    with refused("changed"):
        archive.put_locked("inst/c.gesp", file, tomorrow(), digest)
    with refused("not_found"):
        archive.head("inst/c.gesp")


def test_a_legal_hold_blocks_deletion_after_the_retention_ended(archive: Archive) -> None:
    until = datetime.now(UTC) + timedelta(seconds=2)
    held = archive.put_bytes_locked("inst/held.json", b"held", until)
    free = archive.put_bytes_locked("inst/free.json", b"free", until)
    archive.set_legal_hold("inst/held.json", True)
    assert archive.head("inst/held.json").legal_hold is True
    with refused("locked"):
        archive.delete("inst/free.json", free.version_id)

    time.sleep(max(0.0, (held.retain_until - datetime.now(UTC)).total_seconds()) + 1.1)
    with refused("locked"):
        archive.delete("inst/held.json", held.version_id)
    archive.delete("inst/free.json", free.version_id)  # expired, not held: a purge may
    with refused("not_found"):
        archive.head("inst/free.json", free.version_id)

    archive.set_legal_hold("inst/held.json", False, held.version_id)
    assert archive.head("inst/held.json").legal_hold is False
    archive.delete("inst/held.json", held.version_id)
    with refused("not_found"):
        archive.head("inst/held.json")


def test_listing_goes_by_pages(archive: Archive) -> None:
    keys = [f"many/{n:04d}.json" for n in range(250)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: archive.put_bytes_locked(key, key.encode(), tomorrow()), keys))
    calls: list[str] = []
    archive._client.meta.events.register(
        "before-call.s3.*", lambda model, **_: calls.append(model.name)
    )

    listed = list(archive.list("many/", page_size=100))
    assert [info.key for info in listed] == keys
    assert all(info.size == 14 and info.last_modified is not None for info in listed)
    assert calls == ["ListObjectsV2"] * 3

    calls.clear()
    versions = list(archive.list("many/", page_size=100, versions=True))
    assert sorted(info.key for info in versions) == keys
    assert all(info.version_id and info.is_latest for info in versions)
    assert calls == ["ListObjectVersions"] * 3


def test_a_large_file_goes_up_in_parts_and_is_verified(archive: Archive, tmp_path: Path) -> None:
    file, digest = write(tmp_path / "big.gesp", os.urandom(20 * 1024 * 1024))
    began = time.monotonic()
    stored = archive.put_locked("inst/big.gesp", file, tomorrow(), digest)
    print(f"\n20 MB multipart upload and check: {time.monotonic() - began:.2f} s")
    assert stored.multipart
    assert stored.size == 20 * 1024 * 1024
    info = archive.head("inst/big.gesp")
    assert info.sha256 == digest and info.version_id == stored.version_id
    assert info.checksum_sha256 is not None and info.checksum_sha256.endswith("-3")  # per part
    with refused("locked"):
        archive.delete("inst/big.gesp", stored.version_id)


def test_a_large_file_that_is_not_what_was_hashed_is_not_uploaded(
    archive: Archive, tmp_path: Path
) -> None:
    file, _ = write(tmp_path / "big2.gesp", os.urandom(17 * 1024 * 1024))
    with refused("changed"):
        archive.put_locked("inst/big2.gesp", file, tomorrow(), "00" * 32)
    with refused("not_found"):
        archive.head("inst/big2.gesp")


def test_wrong_credentials_are_told_apart(server: RunningS3, tmp_path: Path) -> None:
    file, digest = write(tmp_path / "d.gesp", b"d")
    wrong_secret = archive_for(server, Credentials(server.app.access_key, "not the secret"))
    unknown_key = archive_for(server, Credentials("nobody", "nothing"))
    for archive in (wrong_secret, unknown_key):
        with refused("credentials"):
            archive.put_locked("inst/d.gesp", file, tomorrow(), digest)
        with refused("credentials"):
            archive.head("inst/a.gesp")
        with refused("credentials"):
            list(archive.list("inst/"))


def test_a_missing_bucket_is_told_apart(server: RunningS3, tmp_path: Path) -> None:
    file, digest = write(tmp_path / "e.gesp", b"e")
    archive = archive_for(server, bucket="no-such-bucket")
    with refused("no_bucket") as error:
        archive.put_locked("inst/e.gesp", file, tomorrow(), digest)
    assert not error.value.retryable
    with refused("no_bucket"):
        archive.head("inst/e.gesp")
    with refused("no_bucket"):
        list(archive.list("inst/"))
    with refused("no_bucket"):
        archive.check_bucket()


def test_a_bucket_without_object_lock_is_refused(server: RunningS3) -> None:
    server.client(server.admin).create_bucket(Bucket="plain")
    with refused("no_lock"):
        archive_for(server, server.admin, bucket="plain").check_bucket()
    archive_for(server, server.admin).check_bucket()
    with refused("no_lock"):
        archive_for(server, bucket="plain").put_bytes_locked("inst/f.json", b"f", tomorrow())
    # The app may write locked objects but not read a bucket's lock configuration.
    with refused("denied"):
        archive_for(server).check_bucket()


def test_nothing_listening_is_unreachable_at_once() -> None:
    (port,) = free_ports(1)
    archive = Archive(f"http://127.0.0.1:{port}", BUCKET, "us-east-1", "k", "s")
    began = time.monotonic()
    with refused("unreachable") as error:
        archive.head("inst/a.gesp")
    assert error.value.retryable
    assert time.monotonic() - began < 5


def test_the_server_down_and_back(server: RunningS3, archive: Archive, tmp_path: Path) -> None:
    before = archive.put_bytes_locked("inst/before.json", b"before", tomorrow())
    server.stop()
    print(f"\nseaweedfs stopped in {server.stop_seconds:.2f} s")
    file, digest = write(tmp_path / "g.gesp", b"recorded while offline")
    try:
        began = time.monotonic()
        with refused("unreachable") as error:
            archive.put_locked("inst/g.gesp", file, tomorrow(), digest)
        assert error.value.retryable
        with refused("unreachable"):
            list(archive.list("inst/"))
        assert time.monotonic() - began < 8
    finally:
        server.start()
    print(f"seaweedfs back in {server.start_seconds:.2f} s")
    stored = archive.put_locked("inst/g.gesp", file, tomorrow(), digest)
    assert archive.matches("inst/g.gesp", digest, stored.version_id)
    assert archive.head("inst/before.json").version_id == before.version_id
