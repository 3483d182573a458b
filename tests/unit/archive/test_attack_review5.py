"""Attack review 5 (issue 15): the organisation's archive, the public seal and `verify --keyless`
attacked by an outsider with the files, an insider with the passphrase and the app's archive
credentials, and a citizen with only a copy. Every test runs against the real S3 server with
Object Lock and the real TSA of tests/unit/archive/conftest.py.

A test marked xfail(strict=True, reason="BREAK: ...") is an attack that succeeds today: it fails
while the attack works and passes once the code is fixed (then the mark goes)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audio.archive.publicseal import PublicSeal
from audio.archive.s3 import Archive
from audio.encoding import canonical_json, iso_time
from audio.trust.certificates import certify, make_request
from audio.vault.keys import SigningKey
from audio.vault.store import RECORDINGS
from desktop.cli import main
from policy import archiving
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org
from tests.helpers.s3server import RunningS3
from tests.unit.conftest import pcm
from tests.unit.policy.test_attack_review import cut_manifest_and_last_audio
from tests.unit.trust.test_timestamps_in_use import _record


# -- helpers -----------------------------------------------------------------------------------
def _archive(s3: RunningS3, bucket: str) -> Archive:
    return Archive(s3.endpoint, bucket, s3.region, s3.app.access_key, s3.app.secret_key)


def _keys(workspace: Workspace, rid: str) -> tuple[str, str, str]:
    settings = workspace.policy.archive
    assert settings is not None
    fp = workspace.fingerprint
    return (
        archiving.container_key(settings, fp, rid),
        archiving.seal_key(settings, fp, rid),
        archiving.token_key(settings, fp, rid),
    )


def _seal_doc(file: Path) -> dict[str, Any]:
    doc = json.loads(file.read_bytes())
    assert isinstance(doc, dict)
    return doc


def _resign(doc: dict[str, Any], key: SigningKey, **changes: Any) -> bytes:
    """The public seal `doc` with `changes`, signed by `key` (the signer's own key put in)."""
    seal = PublicSeal.parse(canonical_json(doc))
    fields = {**seal.__dict__, **changes}
    del fields["public_key"], fields["signature"]
    return PublicSeal.make(key, **fields).encode()


def _thief_certificate(thief: Org, key: SigningKey) -> str:
    """A certificate from the thief's own CA for the thief's key, with our installation's name."""
    request = make_request(key.private, "Laptop Wijkteam")
    return certify(request, thief.authority, "Laptop Wijkteam", now=datetime.now(UTC)).decode()


def _flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


@pytest.fixture
def sealed(laptop: Workspace, tmp_path: Path) -> tuple[str, Path, Path]:
    """A recording in the archive; its container, public seal and token copied to a USB stick."""
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    container = usb / f"{rid}.gesp"
    shutil.copy(laptop.vault.vault.recording_path(rid), container)
    shutil.copy(laptop.vault.root / "seals" / f"{rid}.seal.json", usb)
    token = laptop._granted_token("seal", rid)
    assert token is not None
    (usb / f"{rid}.tsr").write_bytes(token)
    return rid, container, usb / f"{rid}.seal.json"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A citizen's (or anyone's) computer: no vault, no passphrase, the bundled policy."""
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(tmp_path / "no-vault"))
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE", raising=False)
    monkeypatch.delenv("GESPREKSOPNAME_POLICY", raising=False)


def _verify(args: list[str], timeout: float = 60.0) -> int:
    """`main(args)` in a thread, so that a hang (a FIFO opened for reading) fails the test."""
    result: list[int | BaseException] = []

    def run() -> None:
        try:
            result.append(main(args))
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"verify hung on {args}"
    outcome = result[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


# == 1. An outsider with the files ===============================================================
@pytest.mark.parametrize(
    "change",
    ["extra_field", "duplicate_field", "spaces", "escaped", "key_order", "trailing_newline"],
)
def test_outsider_a_seal_not_in_its_one_canonical_form_is_refused(
    sealed: tuple[str, Path, Path], change: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """HELD: every byte of the seal is fixed by its content (canonical JSON, known fields)."""
    _rid, container, seal_file = sealed
    data = seal_file.read_bytes()
    doc = _seal_doc(seal_file)
    if change == "extra_field":
        data = canonical_json({**doc, "note": "x"})
    elif change == "duplicate_field":
        data = data[:-1] + b',"state":"sealed"}'
    elif change == "spaces":
        data = json.dumps(doc, sort_keys=True).encode()
    elif change == "escaped":
        data = data.replace(b'"sealed"', b'"\\u0073ealed"')
    elif change == "key_order":
        data = json.dumps(dict(reversed(doc.items())), separators=(",", ":")).encode()
    else:
        data += b"\n"
    assert data != seal_file.read_bytes()
    seal_file.write_bytes(data)
    assert _verify(["verify", "--keyless", str(container)]) == 1
    assert "public seal" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["huge", "fifo", "directory", "dev_zero", "binary", "deep"])
def test_outsider_a_hostile_seal_file_gives_a_clear_answer(
    sealed: tuple[str, Path, Path],
    kind: str,
    elsewhere: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """HELD: a seal that is huge (sparse, 4 GiB), a FIFO, a directory, a link to /dev/zero,
    binary or absurdly nested is never INTACT, never a hang or a traceback (on a computer
    without the vault: on the laptop the vault's own copy of the seal is used instead)."""
    _rid, container, seal_file = sealed
    seal_file.unlink()
    if kind == "huge":
        with seal_file.open("wb") as handle:
            handle.truncate(4 << 30)
    elif kind == "fifo":
        os.mkfifo(seal_file)
    elif kind == "directory":
        seal_file.mkdir()
    elif kind == "dev_zero":
        seal_file.symlink_to("/dev/zero")
    elif kind == "binary":
        seal_file.write_bytes(os.urandom(3000))
    else:
        seal_file.write_bytes(b"[" * 60000 + b"]" * 60000)
    for args in (
        ["verify", "--keyless", str(container)],
        ["verify", "--keyless", str(container), "--seal", str(seal_file)],
    ):
        assert _verify(args) in (1, 2)
        out = capsys.readouterr()
        assert "Traceback" not in out.err and "INTACT" not in out.out


@pytest.mark.parametrize("kind", ["fifo", "directory", "dev_zero"])
def test_outsider_a_container_that_is_not_a_file_gives_a_clear_answer(
    sealed: tuple[str, Path, Path], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """HELD: a container path that is a FIFO, a directory or a device neither hangs nor passes."""
    _rid, container, _seal = sealed
    container.unlink()
    if kind == "fifo":
        os.mkfifo(container)
    elif kind == "directory":
        container.mkdir()
    else:
        container.symlink_to("/dev/zero")
    assert _verify(["verify", "--keyless", str(container)]) in (1, 2)
    assert "INTACT" not in capsys.readouterr().out


def test_outsider_a_seal_re_signed_by_their_own_key_is_never_intact(
    sealed: tuple[str, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """HELD: changed bytes under a seal the outsider signed with a key (and a certificate from a
    CA) of their own: exit 3 on the laptop and with the organisation's CA; never 0."""
    _rid, container, seal_file = sealed
    data = _flip(container.read_bytes(), len(container.read_bytes()) // 2)
    container.write_bytes(data)
    thief = make_org(tmp_path / "thief")
    key = SigningKey.generate()
    doc = _seal_doc(seal_file)
    seal_file.write_bytes(
        _resign(
            doc,
            key,
            container_sha256=hashlib.sha256(data).hexdigest(),
            container_size=len(data),
            certificate=_thief_certificate(thief, key),
        )
    )
    assert _verify(["verify", "--keyless", str(container)]) == 3
    assert "does not know" in capsys.readouterr().out


def test_outsider_another_recordings_bytes_under_a_renamed_file_are_refused(
    laptop: Workspace, sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """HELD: another genuine recording renamed to this one's name, with this one's seal."""
    _rid, container, _seal = sealed
    other = _record(laptop)
    shutil.copy(laptop.vault.vault.recording_path(other), container)
    assert _verify(["verify", "--keyless", str(container)]) == 1
    assert "another recording" in capsys.readouterr().out


def test_outsider_a_seal_whose_end_is_not_a_time_gives_a_clear_answer(
    laptop: Workspace, sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """BREAK: the outsider signs a seal with a key of their own for the genuine container, its
    genuine seal hash and token beside it, and `ended` that is not a time: the token verifies
    against the TSA in force, then parse_time raises ValueError out of the command."""
    _rid, container, seal_file = sealed
    seal_file.write_bytes(_resign(_seal_doc(seal_file), SigningKey.generate(), ended="gisteren"))
    try:
        code = _verify(["verify", "--keyless", str(container)])
    except ValueError as exc:
        pytest.fail(f"verify --keyless crashed: {exc!r}")
    assert code in (1, 3)


def test_outsider_a_planted_kept_seal_does_not_become_the_archives(
    laptop: Workspace, s3: RunningS3, bucket: str
) -> None:
    """BREAK: malware (no passphrase) writes seals/<id>.seal.json, signed by a key of its own,
    naming the container's true hash and an end of retention of its choosing (today). The
    uploader takes it as the seal it made earlier: the archive gets a seal by a foreign key and
    keeps the container only MINIMUM_KEEP (a day) instead of its retention term."""
    rid = _record(laptop)
    path = laptop.vault.vault.recording_path(rid)
    data = path.read_bytes()
    foreign = SigningKey.generate()
    planted = PublicSeal.make(
        foreign,
        recording_id=rid,
        container_sha256=hashlib.sha256(data).hexdigest(),
        container_size=len(data),
        seal_sha256="00" * 32,
        state="sealed",
        ended=iso_time(datetime.now(UTC).timestamp()),
        retain_until=iso_time(datetime.now(UTC).timestamp()),
        certificate=None,
    )
    (laptop.vault.root / "seals").mkdir(exist_ok=True)
    (laptop.vault.root / "seals" / f"{rid}.seal.json").write_bytes(planted.encode())
    laptop.sync_archive(force=True)
    container_key, seal_key, _token = _keys(laptop, rid)
    archive = _archive(s3, bucket)
    seal = PublicSeal.parse(archive.get_first(seal_key))
    assert seal.public_key == laptop.vault.signing_key.public.raw
    retention_end = laptop.info(rid).retention_until
    assert retention_end is not None
    held_until = archive.first_version(container_key)
    info = archive.head(container_key, held_until.version_id)
    assert info.retain_until is not None
    assert info.retain_until >= retention_end - timedelta(seconds=1)


def test_outsider_a_kept_seal_with_a_retention_that_is_not_a_time_does_not_crash_the_uploader(
    laptop: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """BREAK: the same planted seal with retain_until = "morgen": Uploader.retain_until calls
    parse_time on it and the ValueError escapes Uploader.run (it catches ArchiveError,
    GespreksError and OSError), so `archive sync` and the window's background sync crash."""
    rid = _record(laptop)
    data = laptop.vault.vault.recording_path(rid).read_bytes()
    planted = PublicSeal.make(
        SigningKey.generate(),
        recording_id=rid,
        container_sha256=hashlib.sha256(data).hexdigest(),
        container_size=len(data),
        seal_sha256="00" * 32,
        state="sealed",
        ended="morgen",
        retain_until="morgen",
        certificate=None,
    )
    (laptop.vault.root / "seals").mkdir(exist_ok=True)
    (laptop.vault.root / "seals" / f"{rid}.seal.json").write_bytes(planted.encode())
    try:
        main(["archive", "sync"])
    except ValueError as exc:
        pytest.fail(f"archive sync crashed: {exc!r}")
    assert laptop.archive_states()[rid].state == "archived"


def test_outsider_racing_the_uploader_cannot_get_other_bytes_signed_and_archived(
    laptop: Workspace, s3: RunningS3, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BREAK: the uploader verifies the container with its keys, then reads the file again to
    hash it for the public seal and the upload. Whoever can write the vault folder (malware,
    no passphrase) swaps the file in between: the installation signs a public seal for the
    swapped bytes and the archive locks them as the recording; the genuine one never gets
    there. (The swap is made at the moment a concurrent writer would make it.)"""
    rid = _record(laptop)
    path = laptop.vault.vault.recording_path(rid)
    genuine = path.read_bytes()
    verify_for_archive = Workspace._verify_for_archive

    def racing(self: Workspace, file: Path, recording_id: str) -> Any:
        report = verify_for_archive(self, file, recording_id)
        file.write_bytes(_flip(genuine, len(genuine) // 2))  # right after the check
        return report

    monkeypatch.setattr(Workspace, "_verify_for_archive", racing)
    laptop.sync_archive(force=True)
    container_key, seal_key, _token = _keys(laptop, rid)
    archive = _archive(s3, bucket)
    try:
        first = archive.first_version(container_key)
    except Exception:
        return
    archived = archive.get(container_key, first.version_id, limit=len(genuine) + 1)
    assert archived == genuine, "the archive locked bytes the uploader never verified"
    assert PublicSeal.parse(archive.get_first(seal_key)).container_sha256 == (
        hashlib.sha256(genuine).hexdigest()
    )


# == 2. An insider with the passphrase and the app's archive credentials =========================
def test_insider_cannot_write_over_or_delete_the_archived_container(
    laptop: Workspace, s3: RunningS3, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """HELD (as far as S3 goes): a new version under the same name and a delete marker do not
    touch the first, locked version; the public seal the laptop reads back is the first one;
    `recover` and `verify --keyless` of the genuine copy still work. What the app's credentials
    must allow (a new version, a delete marker) cannot be prevented: the officer's `archive
    verify` must report a container key with more than one version, or whose latest is not the
    first, and a delete marker (see the report)."""
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    container_key, seal_key, _token = _keys(laptop, rid)
    client = s3.client(s3.app)
    genuine = laptop.vault.vault.recording_path(rid).read_bytes()
    first_seal = _archive(s3, bucket).get_first(seal_key)
    client.put_object(
        Bucket=bucket,
        Key=container_key,
        Body=b"fake",
        Metadata={"sha256": hashlib.sha256(genuine).hexdigest()},
    )
    client.put_object(Bucket=bucket, Key=seal_key, Body=b"{}")
    archive = _archive(s3, bucket)
    first = archive.first_version(container_key)
    assert archive.get(container_key, first.version_id, limit=len(genuine)) == genuine
    assert archive.get_first(seal_key) == first_seal
    assert laptop.archive_uploader() is not None
    uploader = laptop.archive_uploader()
    assert uploader is not None and uploader.archived_seal(rid) is not None
    client.delete_object(Bucket=bucket, Key=seal_key)  # a delete marker: allowed
    assert uploader.archived_seal(rid) is not None  # still found (versions, not the listing)


def test_insider_an_object_planted_before_the_upload_is_not_taken_for_the_recording(
    laptop: Workspace, s3: RunningS3, bucket: str
) -> None:
    """BREAK: before the first sync the insider puts, with the app's credentials, other bytes
    under the container's name, locked for a day, with user metadata sha256 = the genuine
    container's hash (metadata is whatever the writer says). Uploader._put_once takes the
    archive's `sha256` metadata for the bytes' hash, so the job is done without uploading;
    Uploader.confirmed trusts the same metadata, so the local recording is then purged. The
    archive holds nothing of it (and after a day not even the fake)."""
    rid = _record(laptop)
    container_key, _seal, _token = _keys(laptop, rid)
    genuine = laptop.vault.vault.recording_path(rid).read_bytes()
    s3.client(s3.app).put_object(
        Bucket=bucket,
        Key=container_key,
        Body=b"not the recording",
        Metadata={"sha256": hashlib.sha256(genuine).hexdigest()},
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1),
    )
    laptop.sync_archive(force=True)
    purged = laptop.purge([laptop.info(rid)])  # its retention need not have ended for this
    archive = _archive(s3, bucket)
    first = archive.first_version(container_key)
    holds = archive.get(container_key, first.version_id, limit=len(genuine) + 1) == genuine
    assert holds or purged == [], "purged locally, while the archive holds other bytes"
    assert laptop.archive_states()[rid].state != "archived" or holds


def _rolled_back(laptop: Workspace, capsys: pytest.CaptureFixture[str]) -> tuple[str, bytes]:
    """tests/unit/archive/test_rollback.py's attack: an older state and trail put back, the
    recording cut, everything local that remembers the seal deleted. Returns the recording's id
    and the old trail."""
    root = laptop.vault.root
    writer = laptop.new_recording(sample_rate=48000, channels=1, session={"version": 1})
    writer.write(pcm(48000 * 3, 1))
    old_state, old_trail = (root / "state.enc").read_bytes(), (root / "audit.log").read_bytes()
    writer.seal()
    rid = writer.recording_id
    laptop.audit.append("recording_sealed", rid)
    assert main(["archive", "sync"]) == 0
    capsys.readouterr()
    (root / "state.enc").write_bytes(old_state)
    (root / "audit.log").write_bytes(old_trail)
    cut_manifest_and_last_audio(root / RECORDINGS / f"{rid}.gesp")
    for folder in ("timestamp", "archive", "seals"):
        shutil.rmtree(root / folder)
    return rid, old_trail


def test_insider_a_rollback_is_still_found_with_the_archive(
    laptop: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """HELD: the rollback the archive was built to find, deleting the queue and seals/ too."""
    _rolled_back(laptop, capsys)
    assert main(["audit", "--verify"]) == 1
    assert main(["recover"]) == 1


def test_insider_a_fake_head_that_sorts_last_does_not_hide_a_rollback(
    laptop: Workspace, s3: RunningS3, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The insider adds (cannot delete) one object: audit/9999999999.json naming seq 1 and the
    trail's genuine first line. latest_head takes it for the last head, so `audit --verify`
    no longer sees the rollback."""
    _rid, old_trail = _rolled_back(laptop, capsys)
    settings = laptop.policy.archive
    assert settings is not None
    first_line = old_trail.split(b"\n")[0].decode("utf-8")
    fake = {
        "type": "gespreksopname-audit-head",
        "version": 1,
        "installation": laptop.fingerprint,
        "seq": 1,
        "line": first_line,
    }
    _archive(s3, bucket).put_bytes_locked(
        archiving.head_key(settings, laptop.fingerprint, 9_999_999_999),
        canonical_json(fake),
        datetime.now(UTC) + timedelta(days=1),
    )
    assert main(["audit", "--verify"]) == 1
    assert "older copy of the trail" in capsys.readouterr().out


def test_insider_a_delete_marker_does_not_hide_the_latest_head(
    laptop: Workspace, s3: RunningS3, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The insider puts delete markers on every head the older trail does not hold; the
    locked versions stay, but the plain listing no longer shows them."""
    _rid, old_trail = _rolled_back(laptop, capsys)
    settings = laptop.policy.archive
    assert settings is not None
    kept = old_trail.count(b"\n")
    client = s3.client(s3.app)
    prefix = f"{archiving.installation_prefix(settings, laptop.fingerprint)}audit/"
    for info in _archive(s3, bucket).list(prefix):
        if info.key.endswith(".json") and int(info.key.rsplit("/", 1)[1][:10]) > kept:
            client.delete_object(Bucket=bucket, Key=info.key)
    assert main(["audit", "--verify"]) == 1
    assert "older copy of the trail" in capsys.readouterr().out


def test_insider_a_different_seal_written_first_blocks_the_upload_visibly(
    laptop: Workspace, s3: RunningS3, bucket: str
) -> None:
    """HELD: a seal of the insider's making put first (a plain put, no matching metadata) makes
    the upload a conflict ("changed") that stays pending, so nothing is purged locally."""
    rid = _record(laptop)
    _container, seal_key, _token = _keys(laptop, rid)
    s3.client(s3.app).put_object(Bucket=bucket, Key=seal_key, Body=b'{"type":"x"}')
    laptop.sync_archive(force=True)
    assert laptop.archive_states()[rid].state == "pending"
    assert laptop.archive_states()[rid].reason == "changed"
    assert laptop.purge([laptop.info(rid)]) == []


def test_insider_a_re_signed_seal_for_other_bytes_is_not_intact_and_timestamped(
    laptop: Workspace, sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The insider holds the signing key: they change the container (same id in its header)
    and sign a public seal naming the new bytes, the genuine seal hash and end, and put the
    genuine token beside it. Keyless, the token seems to vouch for the changed bytes; the
    keyed `verify` finds the change, the keyless one says INTACT, timestamped on time."""
    _rid, container, seal_file = sealed
    data = _flip(container.read_bytes(), len(container.read_bytes()) // 2)
    container.write_bytes(data)
    seal_file.write_bytes(
        _resign(
            _seal_doc(seal_file),
            laptop.vault.signing_key,
            container_sha256=hashlib.sha256(data).hexdigest(),
            container_size=len(data),
        )
    )
    code = main(["verify", "--keyless", str(container)])
    out = capsys.readouterr().out
    # A limit of checking without a key, said where the timestamp is shown (FORMAT.md says it
    # too); the keyed check finds the change.
    assert code != 0 or "cannot show that these bytes are that seal's" in out, out
    assert main(["verify", str(container)]) == 1


# == 3. A citizen with only the copy ==============================================================
def test_citizen_a_genuine_container_is_unknown_signer_without_the_ca_and_intact_with_it(
    sealed: tuple[str, Path, Path], org: Org, elsewhere: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """HELD: on a computer without the vault: 3 without --ca, 0 with the organisation's CA, never
    1 for a genuine container (the token beside it is only trusted with --tsa-ca)."""
    _rid, container, _seal = sealed
    assert _verify(["verify", "--keyless", str(container)]) == 3
    assert "does not know" in capsys.readouterr().out
    assert _verify(["verify", "--keyless", str(container), "--ca", str(org.certificate)]) == 0


def test_citizen_a_seal_by_another_ca_is_never_intact(
    sealed: tuple[str, Path, Path],
    org: Org,
    tmp_path: Path,
    elsewhere: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """HELD: a seal re-signed by a thief's key certified by the thief's CA (same names): 3 with
    the organisation's CA named, 3 without; only the thief's own CA would make it 0."""
    _rid, container, seal_file = sealed
    thief = make_org(tmp_path / "thief")
    key = SigningKey.generate()
    seal_file.write_bytes(
        _resign(
            _seal_doc(seal_file),
            key,
            certificate=_thief_certificate(thief, key),
        )
    )
    assert _verify(["verify", "--keyless", str(container)]) == 3
    assert _verify(["verify", "--keyless", str(container), "--ca", str(org.certificate)]) == 3
    capsys.readouterr()


def test_citizen_copy_checks_are_unchanged_by_the_archive(
    laptop: Workspace,
    org: Org,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """HELD: a citizen's copy folder made on the archived laptop verifies as before elsewhere:
    3 without the CA, 0 with it, 1 for a changed byte."""
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    usb = tmp_path / "kopie"
    assert main(["export", rid, "--to", str(usb), "--recipient", "A. Yilmaz"]) == 0
    folder = next(usb.iterdir())
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(tmp_path / "no-vault"))
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    monkeypatch.delenv("GESPREKSOPNAME_POLICY")
    assert _verify(["verify", str(folder)]) == 3
    assert _verify(["verify", str(folder), "--ca", str(org.certificate)]) == 0
    audio = max(folder.iterdir(), key=lambda p: p.stat().st_size)
    audio.write_bytes(_flip(audio.read_bytes(), len(audio.read_bytes()) // 2))
    assert _verify(["verify", str(folder), "--ca", str(org.certificate)]) == 1
    capsys.readouterr()
