"""The Privacy Officer's work on the organisation's archive: list, verify, restore, hold,
release and purge, with the archive's credentials and the organisation's policy file (no vault).

The officer's computer need not be enrolled: the policy counts when it is signed by the CA it
names (provenance "signed") or is in force ("organisation"); anything else is refused, since
its archive settings and recovery keys could be anyone's.

What is authoritative in the archive is the FIRST version of every object: a later version under
the same name (written by an insider with the program's credentials, say) is reported as
"replaced" and never used. Nothing here prints; the command line says it in words.

Object names: see policy/archiving.py.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from audio.encoding import canonical_json, iso_time, loads, parse_time
from audio.errors import GespreksError, IntegrityError
from policy import archiving

if TYPE_CHECKING:
    from audio.archive.publicseal import PublicSeal
    from audio.archive.s3 import Archive, ObjectInfo
    from audio.container.verify import Report
    from policy.policy import ArchiveSettings, Declared, Policy

LOG_TYPE: Final = "gespreksopname-archive-log"
HEAD_TYPE: Final = "gespreksopname-audit-head"
CONTAINER_SUFFIX: Final = ".gesp"
SEAL_SUFFIX: Final = ".seal.json"
TOKEN_SUFFIX: Final = ".tsr"  # noqa: S105 - a file name suffix
#: Requests in flight at once (HEADs and small GETs): a listing of thousands stays quick.
WORKERS: Final = 8
#: A log object is kept at least this long when the policy has no purpose with a longer term.
LOG_MINIMUM: Final = timedelta(days=365)

#: What `verify_archive` can find, as `Problem.code` (catalogue archive.officer.problem.<code>).
PROBLEMS: Final = (
    "missing_container",
    "missing_seal",
    "seal_unreadable",
    "seal_signature",
    "seal_other_installation",
    "seal_other_recording",
    "metadata_changed",
    "content_changed",
    "unlocked",
    "replaced",
    "token_mismatch",
    "head_unreadable",
    "unreadable",
)

T = TypeVar("T")
R = TypeVar("R")


class ArchiveFailure(GespreksError):
    """An archive failure (audio.archive.s3.ArchiveError) in the officer's words; never the
    server's own text, which may quote a request."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__("archive.officer.archive_error", code=code)

    def message(self, lang: str = "nl") -> str:
        from resources.catalogue import text

        reason = text(f"archive.reason.{self.code}", lang)
        return text(self.key, lang, reason=reason)


@contextlib.contextmanager
def archive_errors() -> Iterator[None]:
    """Turn an ArchiveError into an ArchiveFailure (a GespreksError the command line shows)."""
    from audio.archive.s3 import ArchiveError

    try:
        yield
    except ArchiveError as exc:
        raise ArchiveFailure(exc.code) from exc


# -- the officer's policy ----------------------------------------------------------------------
@dataclass(frozen=True)
class OfficerPolicy:
    """What the officer's policy file names, accepted because the organisation's CA signed it."""

    policy: Policy
    settings: ArchiveSettings
    declared: Declared

    @property
    def longest_term(self) -> timedelta:
        days = max((p.retention_days for p in self.policy.purposes), default=0)
        return max(timedelta(days=days), LOG_MINIMUM)

    @property
    def tsa_ca(self) -> bytes | None:
        stamps = self.declared.timestamps
        return stamps.ca_certificate if stamps is not None else None


def officer_policy(policy: Policy) -> OfficerPolicy:
    """The archive settings (and keys) of the officer's policy: in force, or named by a policy
    signed by the CA it names. GespreksError otherwise (unsigned, foreign, no archive)."""
    from policy.policy import ProvenanceKind

    if not (policy.provenance.in_force or policy.provenance.kind is ProvenanceKind.SIGNED):
        raise GespreksError(
            "archive.officer.policy_not_signed",
            path=str(policy.path),
            kind=policy.provenance.kind.value,
        )
    declared = policy.declared
    settings = policy.archive or declared.archive
    if settings is None:
        raise GespreksError("archive.officer.no_archive", path=str(policy.path))
    return OfficerPolicy(policy, settings, declared)


def load_officer_policy(path: Path | None) -> OfficerPolicy:
    from policy.policy import load_policy

    return officer_policy(load_policy(path))


def connect(officer: OfficerPolicy) -> Archive:
    """A client for the archive with the officer's credentials (environment, keyring, file)."""
    return archiving.connect(officer.settings)


# -- what the archive holds ----------------------------------------------------------------------
@dataclass
class Recording:
    """One recording's objects in the archive: every version of each, oldest first."""

    installation: str
    recording_id: str
    container: list[ObjectInfo] = field(default_factory=list)
    seal: list[ObjectInfo] = field(default_factory=list)
    token: list[ObjectInfo] = field(default_factory=list)


@dataclass
class Contents:
    """The archive's objects, grouped: recordings and audit heads per installation."""

    recordings: list[Recording]
    heads: dict[str, list[ObjectInfo]]  # key -> versions, oldest first
    other: dict[str, list[ObjectInfo]]  # anything else (the officer's log, head tokens)


def _oldest_first(found: list[ObjectInfo]) -> list[ObjectInfo]:
    from audio.archive.s3 import _EPOCH

    found.reverse()  # S3 lists the newest version first
    return sorted(found, key=lambda info: info.last_modified or _EPOCH)


def scan(archive: Archive, settings: ArchiveSettings, installation: str | None = None) -> Contents:
    """Every version under the organisation's prefix (or one installation's), a page at a time."""
    if installation is not None:
        prefix = archiving.installation_prefix(settings, installation)
    else:
        prefix = f"{settings.prefix}/"
    versions: dict[str, list[ObjectInfo]] = {}
    for info in archive.list(prefix, versions=True):
        versions.setdefault(info.key, []).append(info)
    recordings: dict[tuple[str, str], Recording] = {}
    heads: dict[str, list[ObjectInfo]] = {}
    other: dict[str, list[ObjectInfo]] = {}
    root = f"{settings.prefix}/"
    for key, found in versions.items():
        ordered = _oldest_first(found)
        parts = key[len(root) :].split("/")
        if len(parts) == 3 and parts[1] == "recordings":
            fp, _, name = parts
            for suffix, slot in (
                (CONTAINER_SUFFIX, "container"),
                (SEAL_SUFFIX, "seal"),
                (TOKEN_SUFFIX, "token"),
            ):
                if name.endswith(suffix) and len(name) > len(suffix):
                    rid = name[: -len(suffix)]
                    entry = recordings.setdefault((fp, rid), Recording(fp, rid))
                    setattr(entry, slot, ordered)
                    break
            else:
                other[key] = ordered
        elif len(parts) == 3 and parts[1] == "audit" and parts[2].endswith(".json"):
            heads[key] = ordered
        else:
            other[key] = ordered
    listed = sorted(recordings.values(), key=lambda r: (r.installation, r.recording_id))
    return Contents(listed, heads, other)


def _parallel(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`work` on every item, a few at a time, results in the items' order."""
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(work, items))


def _first(archive: Archive, versions: list[ObjectInfo]) -> ObjectInfo:
    """The HEAD of the first version (the authoritative one)."""
    first = versions[0]
    return archive.head(first.key, first.version_id)


def _read_seal(archive: Archive, versions: list[ObjectInfo]) -> PublicSeal:
    from audio.archive.publicseal import MAX_SIZE, PublicSeal

    first = versions[0]
    return PublicSeal.parse(archive.get(first.key, first.version_id, MAX_SIZE))


def _token_time(token: bytes, seal: PublicSeal, tsa_ca: bytes | None) -> tuple[datetime, bool]:
    """The token's time, and whether it was checked against the seal and the TSA's CA (when
    no CA is known, the time as the token says it, unchecked). TimestampError / ValueError
    when the token does not fit."""
    from audio.trust.timestamps import verify_token

    if tsa_ca is not None:
        return verify_token(token, bytes.fromhex(seal.seal_sha256), tsa_ca).time, True
    from rfc3161_client import decode_timestamp_response

    moment = decode_timestamp_response(token).tst_info.gen_time
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC), False


# -- list ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One archived recording as the officer's list shows it."""

    recording_id: str
    installation: str
    size: int | None
    sha256: str | None
    state: str | None  # sealed | interrupted (from the public seal)
    ended: str | None  # when it ended and was sealed (public seal)
    timestamp: str | None  # the TSA's time of the seal's token, when the archive holds one
    timestamp_checked: bool  # that time was checked against the seal and the TSA's CA
    retain_until: str | None
    legal_hold: bool
    versions: int  # of the container: more than one is a problem (see verify)
    problem: str | None = None  # why some fields are missing (an unreadable seal, say)

    def document(self) -> dict[str, Any]:
        return {
            "id": self.recording_id,
            "installation": self.installation,
            "size": self.size,
            "sha256": self.sha256,
            "state": self.state,
            "sealed": self.ended,
            "timestamp": self.timestamp,
            "timestamp_checked": self.timestamp_checked,
            "retain_until": self.retain_until,
            "legal_hold": self.legal_hold,
            "versions": self.versions,
            "problem": self.problem,
        }


def list_recordings(
    archive: Archive,
    settings: ArchiveSettings,
    installation: str | None = None,
    tsa_ca: bytes | None = None,
) -> list[Row]:
    """Every installation's archived recordings (or one installation's), sorted by installation
    and recording id: one listing of versions, then per recording one HEAD and one or two GETs."""
    contents = scan(archive, settings, installation)
    return _parallel(lambda rec: _row(archive, rec, tsa_ca), contents.recordings)


def _row(archive: Archive, rec: Recording, tsa_ca: bytes | None) -> Row:
    from audio.archive.s3 import ArchiveError

    size = sha = state = ended = stamp = until = None
    checked = hold = False
    problem = None
    try:
        if rec.container:
            info = _first(archive, rec.container)
            size, sha, hold = info.size, info.sha256, bool(info.legal_hold)
            until = iso_time(info.retain_until.timestamp()) if info.retain_until else None
        else:
            problem = "missing_container"
        if rec.seal:
            seal = _read_seal(archive, rec.seal)
            state, ended = seal.state, seal.ended
            if rec.token:
                first = rec.token[0]
                token = archive.get(first.key, first.version_id)
                with contextlib.suppress(GespreksError, ValueError):
                    moment, checked = _token_time(token, seal, tsa_ca)
                    stamp = iso_time(moment.timestamp())
        elif problem is None:
            problem = "missing_seal"
    except IntegrityError:
        problem = "seal_unreadable"
    except ArchiveError as exc:
        problem = f"archive_{exc.code}"
    return Row(
        rec.recording_id,
        rec.installation,
        size,
        sha,
        state,
        ended,
        stamp,
        checked,
        until,
        hold,
        len(rec.container),
        problem,
    )


# -- verify --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Something wrong in the archive: `code` is one of PROBLEMS."""

    code: str
    key: str
    recording_id: str | None = None
    installation: str | None = None
    detail: str = ""

    def document(self) -> dict[str, Any]:
        return {
            "problem": self.code,
            "key": self.key,
            "id": self.recording_id,
            "installation": self.installation,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Verified:
    recordings: int
    heads: int
    problems: list[Problem]
    deep: bool

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_archive(
    archive: Archive,
    settings: ArchiveSettings,
    installation: str | None = None,
    *,
    deep: bool = True,
    tsa_ca: bytes | None = None,
    now: datetime | None = None,
    officer: OfficerPolicy | None = None,
) -> Verified:
    """Check every recording and audit head: present, sealed by its installation, the first
    version's metadata (and with `deep`, its bytes) as sealed, locked at least until the end of
    its retention, and never replaced; with `officer`, also sealed by an installation the
    organisation certified (its CA) or its policy lists."""
    moment = now or datetime.now(UTC)
    contents = scan(archive, settings, installation)
    problems: list[Problem] = []
    found = _parallel(
        lambda rec: _verify_recording(archive, rec, deep, tsa_ca, moment, officer),
        contents.recordings,
    )
    for each in found:
        problems.extend(each)
    heads = sorted(contents.heads.items())
    for each in _parallel(lambda item: _verify_head(archive, settings, *item, moment), heads):
        problems.extend(each)
    return Verified(len(contents.recordings), len(heads), problems, deep)


def _verify_recording(
    archive: Archive,
    rec: Recording,
    deep: bool,
    tsa_ca: bytes | None,
    moment: datetime,
    officer: OfficerPolicy | None = None,
) -> list[Problem]:
    from audio.archive.s3 import ArchiveError

    def problem(code: str, key: str, detail: str = "") -> Problem:
        return Problem(code, key, rec.recording_id, rec.installation, detail)

    problems: list[Problem] = []
    if not rec.container:
        key = (rec.seal or rec.token)[0].key
        problems.append(problem("missing_container", key.rsplit("/", 1)[0]))
    if not rec.seal:
        key = (rec.container or rec.token)[0].key
        problems.append(problem("missing_seal", key.rsplit("/", 1)[0]))
    for versions in (rec.container, rec.seal, rec.token):
        if len(versions) > 1:
            problems.append(problem("replaced", versions[0].key, str(len(versions))))
    try:
        seal = None
        if rec.seal:
            seal_info = _first(archive, rec.seal)
            if not seal_info.locked_at(moment):
                problems.append(problem("unlocked", seal_info.key))
            try:
                seal = _read_seal(archive, rec.seal)
            except IntegrityError:
                problems.append(problem("seal_unreadable", seal_info.key))
        if seal is not None:
            seal_key = rec.seal[0].key
            if not seal.signature_valid():
                problems.append(problem("seal_signature", seal_key))
                seal = None
            else:
                if seal.installation != rec.installation:
                    problems.append(problem("seal_other_installation", seal_key, seal.installation))
                if seal.recording_id != rec.recording_id:
                    problems.append(problem("seal_other_recording", seal_key, seal.recording_id))
                if officer is not None and seal.public_key not in _trusted(officer, seal):
                    problems.append(problem("untrusted", seal_key, seal.installation))
        if rec.container:
            info = _first(archive, rec.container)
            if not info.locked_at(moment):
                problems.append(problem("unlocked", info.key))
            if seal is not None and seal.retain_until is not None and not info.legal_hold:
                sealed_until = datetime.fromtimestamp(parse_time(seal.retain_until), UTC)
                if info.retain_until is None or info.retain_until < sealed_until:
                    problems.append(problem("lock_short", info.key, seal.retain_until))
            if seal is not None:
                if info.size != seal.container_size or info.sha256 != seal.container_sha256:
                    problems.append(problem("metadata_changed", info.key))
                if deep:
                    changed = _content_problem(archive, info, seal)
                    if changed is not None:
                        problems.append(problem("content_changed", info.key, changed))
        if rec.token and seal is not None and tsa_ca is not None:
            first = rec.token[0]
            try:
                _token_time(archive.get(first.key, first.version_id), seal, tsa_ca)
            except (GespreksError, ValueError) as exc:
                problems.append(problem("token_mismatch", first.key, type(exc).__name__))
    except ArchiveError as exc:
        key = (rec.container or rec.seal or rec.token)[0].key
        problems.append(problem("unreadable", key, exc.code))
    return problems


def _content_problem(archive: Archive, info: ObjectInfo, seal: PublicSeal) -> str | None:
    """Download the first version and check it against the public seal: None when it is the
    sealed container byte for byte, else what differs (IntegrityError's part)."""
    from audio.archive.publicseal import check_container
    from audio.archive.s3 import ArchiveError
    from audio.errors import UnsupportedVersion

    with tempfile.TemporaryDirectory(prefix="gesp-verify-") as folder:
        file = Path(folder) / "container.gesp"
        try:
            archive.download(info.key, file, info.version_id)
        except ArchiveError as exc:
            if exc.code != "changed":
                raise
            return "checksum"  # the client found the bytes differ from the stored checksum
        try:
            check_container(file, seal)
        except IntegrityError as exc:
            return exc.part
        except UnsupportedVersion:
            return "header"
    return None


def _verify_head(
    archive: Archive,
    settings: ArchiveSettings,
    key: str,
    versions: list[ObjectInfo],
    moment: datetime,
) -> list[Problem]:
    from audio.archive.s3 import ArchiveError

    installation = key[len(settings.prefix) + 1 :].split("/", 1)[0]
    problems: list[Problem] = []
    if len(versions) > 1:
        problems.append(Problem("replaced", key, None, installation, str(len(versions))))
    try:
        info = _first(archive, versions)
        if not info.locked_at(moment):
            problems.append(Problem("unlocked", key, None, installation))
        doc = loads(archive.get(key, info.version_id))
        name = key.rsplit("/", 1)[1].removesuffix(".json")
        good = (
            isinstance(doc, dict)
            and doc.get("type") == HEAD_TYPE
            and doc.get("installation") == installation
            and isinstance(doc.get("seq"), int)
            and f"{doc['seq']:010d}" == name
            and isinstance(doc.get("line"), str)
        )
        if not good:
            problems.append(Problem("head_unreadable", key, None, installation))
    except ValueError:
        problems.append(Problem("head_unreadable", key, None, installation))
    except ArchiveError as exc:
        problems.append(Problem("unreadable", key, None, installation, exc.code))
    return problems


# -- finding one recording -----------------------------------------------------------------------
def find_recording(archive: Archive, settings: ArchiveSettings, recording_id: str) -> Recording:
    """The recording `recording_id` under whichever installation holds it."""
    if not recording_id or "/" in recording_id:
        raise GespreksError("archive.officer.not_found", id=recording_id)
    found = [r for r in scan(archive, settings).recordings if r.recording_id == recording_id]
    if not found:
        raise GespreksError("archive.officer.not_found", id=recording_id)
    if len(found) > 1:
        raise GespreksError(
            "archive.officer.ambiguous",
            id=recording_id,
            installations=", ".join(r.installation for r in found),
        )
    return found[0]


# -- restore -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Restored:
    recording_id: str
    installation: str
    report: Report
    out: Path
    container: Path | None


def restore(
    archive: Archive,
    officer: OfficerPolicy,
    recording_id: str,
    key_pem: bytes,
    key_passphrase: str,
    out: Path,
    *,
    key_name: str = "",
    container: Path | None = None,
) -> Restored:
    """A lost laptop's recording back: the container's FIRST version downloaded beside `out`,
    checked against its public seal (no key needed), then opened with the organisation's
    recovery key, verified and its audio written to `out` (never overwritten). With
    `container`, the downloaded container is kept there too."""
    from audio.archive.publicseal import check_container
    from policy.recovery_key import extract, recovery_identity

    for target in (out, container):
        if target is not None and target.exists():
            raise GespreksError("error.file_exists", path=str(target))
    identity = recovery_identity(key_pem, key_passphrase, key_name)
    rec = find_recording(archive, officer.settings, recording_id)
    if not rec.container:
        raise GespreksError("archive.officer.restore_incomplete", id=recording_id)
    if not rec.seal:
        raise GespreksError("archive.officer.restore_incomplete", id=recording_id)
    seal = _read_seal(archive, rec.seal)
    if not seal.signature_valid():
        raise IntegrityError("public_seal")
    if seal.installation != rec.installation or seal.recording_id != recording_id:
        raise GespreksError(
            "archive.officer.seal_mismatch", id=recording_id, installation=rec.installation
        )
    trusted = _trusted(officer, seal)
    first = rec.container[0]
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".gesp.part", dir=out.parent)
    os.close(fd)
    temp = Path(name)
    try:
        archive.download(first.key, temp, first.version_id)
        check_container(temp, seal)
        report = extract(temp, identity, trusted, out)
        if container is not None:
            os.link(temp, container)
    except FileExistsError as exc:
        raise GespreksError("error.file_exists", path=str(container)) from exc
    finally:
        temp.unlink(missing_ok=True)
    return Restored(recording_id, rec.installation, report, out, container)


def _trusted(officer: OfficerPolicy, seal: PublicSeal) -> dict[bytes, str]:
    """The keys whose seals the officer trusts: the installations the policy lists, and the
    installation of this seal when its certificate chains to the organisation's CA (at the
    time it was sealed) and is for the key that signed the public seal."""
    from audio.trust.certificates import TrustError, verify_installation

    trusted = {entry.key.raw: entry.name for entry in officer.declared.trusted_keys}
    ca = officer.policy.organisation_ca
    if seal.certificate is not None and ca is not None:
        with contextlib.suppress(TrustError, ValueError):
            at = datetime.fromtimestamp(parse_time(seal.ended), UTC)
            installation = verify_installation(seal.certificate.encode("ascii"), ca, at)
            if installation.public_key == seal.public_key:
                trusted.setdefault(seal.public_key, installation.name)
    return trusted


# -- hold, release -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Logged:
    key: str
    document: dict[str, Any]


def officer_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some service contexts
        return "?"


def write_log(
    archive: Archive,
    officer: OfficerPolicy,
    action: str,
    name: str,
    doc: dict[str, Any],
    moment: datetime | None = None,
) -> Logged:
    """What the officer did, as a locked object under `<prefix>/log/`, kept for the policy's
    longest retention term (at least a year)."""
    moment = moment or datetime.now(UTC)
    full = {
        "type": LOG_TYPE,
        "version": 1,
        "action": action,
        "time": iso_time(moment.timestamp()),
        "officer": officer_name(),
        **doc,
    }
    key = archiving.log_key(officer.settings, moment.astimezone(UTC), action, name)
    archive.put_bytes_locked(key, canonical_json(full), moment + officer.longest_term)
    return Logged(key, full)


def hold(archive: Archive, officer: OfficerPolicy, recording_id: str, reason: str) -> Logged:
    """Set a legal hold on the recording's container, seal and token (their first versions)."""
    return _set_hold(archive, officer, recording_id, reason, on=True)


def release(archive: Archive, officer: OfficerPolicy, recording_id: str, reason: str) -> Logged:
    """Lift the legal hold; the retention term still runs until its date."""
    return _set_hold(archive, officer, recording_id, reason, on=False)


def _set_hold(
    archive: Archive, officer: OfficerPolicy, recording_id: str, reason: str, *, on: bool
) -> Logged:
    rec = find_recording(archive, officer.settings, recording_id)
    objects = []
    for versions in (rec.container, rec.seal, rec.token):
        if versions:
            first = versions[0]
            archive.set_legal_hold(first.key, on, first.version_id)
            objects.append({"key": first.key, "version_id": first.version_id})
    action = "hold" if on else "release"
    doc = {
        "recording_id": recording_id,
        "installation": rec.installation,
        "reason": reason,
        "objects": objects,
    }
    return write_log(archive, officer, action, recording_id, doc)


# -- purge ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Purged:
    deleted: list[dict[str, str]]
    held: list[dict[str, str]]
    locked: list[dict[str, str]]  # retention still running (or the archive refused)
    unlocked: list[dict[str, str]]  # neither retention nor hold: kept, for the officer to see
    log: Logged


def purge_expired(archive: Archive, officer: OfficerPolicy, now: datetime | None = None) -> Purged:
    """Delete every version whose retention has ended and that has no legal hold; keep (and
    report) the rest. One log object names what this run deleted."""
    from audio.archive.s3 import ArchiveError

    moment = now or datetime.now(UTC)
    every = [
        info
        for info in archive.list(f"{officer.settings.prefix}/", versions=True)
        if info.version_id is not None
    ]
    heads = _parallel(lambda info: archive.head(info.key, info.version_id), every)
    deleted: list[dict[str, str]] = []
    held: list[dict[str, str]] = []
    locked: list[dict[str, str]] = []
    unlocked: list[dict[str, str]] = []
    for info in heads:
        assert info.version_id is not None
        entry = {"key": info.key, "version_id": info.version_id}
        if info.legal_hold:
            held.append(entry)
        elif info.retain_until is None:
            unlocked.append(entry)
        elif info.retain_until > moment:
            locked.append(entry)
        else:
            try:
                archive.delete(info.key, info.version_id)
            except ArchiveError as exc:
                if exc.code != "locked":
                    raise
                locked.append(entry)
                continue
            deleted.append(entry)
    doc = {
        "deleted": deleted,
        "kept_held": len(held),
        "kept_locked": len(locked),
        "kept_unlocked": len(unlocked),
    }
    log = write_log(archive, officer, "purge", "expired", doc, moment)
    return Purged(deleted, held, locked, unlocked, log)


__all__ = [
    "PROBLEMS",
    "ArchiveFailure",
    "Contents",
    "Logged",
    "OfficerPolicy",
    "Problem",
    "Purged",
    "Recording",
    "Restored",
    "Row",
    "Verified",
    "archive_errors",
    "connect",
    "find_recording",
    "hold",
    "list_recordings",
    "load_officer_policy",
    "officer_policy",
    "purge_expired",
    "release",
    "restore",
    "scan",
    "verify_archive",
    "write_log",
]
