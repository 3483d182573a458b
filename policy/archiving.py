"""The organisation's archive on the laptop's side: what goes there, when, and what it says.

When the organisation's signed policy names an archive (`[archive]`), every sealed recording
goes there as it is on disk (ciphertext: the archive never sees a key), locked until the end of
its retention term, with its public seal beside it; every anchored head of the audit trail goes
there as a locked object of its own; a hold sets a legal hold, a release lifts it. Nothing of
this ever blocks or loses anything: the work is queued in the vault (authenticated documents of
kind "archive", one per job), done in the background, retried with back-off, and continued
after a restart. A local recording is purged only once its archived copy is confirmed.

Object names (docs/FORMAT.md, "The archive"):
    <prefix>/<installation>/recordings/<id>.gesp        the container, byte for byte
    <prefix>/<installation>/recordings/<id>.seal.json   its public seal (signed)
    <prefix>/<installation>/recordings/<id>.tsr         the seal's RFC 3161 token, once granted
    <prefix>/<installation>/audit/<seq>.json            an anchored head of the audit trail
    <prefix>/<installation>/audit/<seq>.tsr             its token, once granted
    <prefix>/log/<time>-<action>-<id>.json              what the Privacy Officer did
"""

from __future__ import annotations

import contextlib
import os
import tomllib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from audio.encoding import canonical_json, iso_time, loads, parse_time
from audio.errors import GespreksError, IntegrityError, VaultError

if TYPE_CHECKING:
    from audio.archive.publicseal import PublicSeal
    from audio.archive.s3 import Archive, Stored
    from audio.vault.store import UnlockedVault
    from policy.policy import ArchiveSettings, Policy

KIND: Final = "archive"  # the kind of the vault documents
VERSION: Final = 1
SEALS: Final = "seals"  # the vault folder with each recording's public seal
ENV_ACCESS_KEY: Final = "AWS_ACCESS_KEY_ID"
ENV_SECRET_KEY: Final = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - the variable's name
ENV_CREDENTIALS_FILE: Final = "GESPREKSOPNAME_ARCHIVE_CREDENTIALS"
KEYRING_SERVICE: Final = "gespreksopname-archive"
CREDENTIALS_FILE: Final = "archive-credentials.toml"
#: Back-off after a failed attempt: 30 s, 1, 2, 4 ... minutes, at most an hour.
FIRST_RETRY: Final = 30.0
LAST_RETRY: Final = 3600.0
#: A recording without a retention term, or whose term already ended, is kept at least this
#: long in the archive (S3 refuses a retain-until date in the past).
MINIMUM_KEEP: Final = timedelta(days=1)
#: The trail's heads outlive every recording: kept for the longest retention term plus this.
HEAD_MARGIN: Final = timedelta(days=365)

SUBJECTS: Final = ("recording", "head", "hold", "release", "escrow")


# -- credentials ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = ""
    source: str = ""  # environment | keyring | file

    def __repr__(self) -> str:  # never the secret, not even in a traceback
        return f"Credentials(access_key={self.access_key!r}, source={self.source!r})"


def default_credentials_file() -> Path:
    """Where the IT department installs the archive's credentials when the policy names none."""
    if os.environ.get(ENV_CREDENTIALS_FILE):
        return Path(os.environ[ENV_CREDENTIALS_FILE])
    import platformdirs

    return Path(platformdirs.user_config_dir("gespreksopname", appauthor=False)) / CREDENTIALS_FILE


def find_credentials(settings: ArchiveSettings) -> Credentials | None:
    """The archive's credentials: the S3 environment variables, else the OS keyring (service
    "gespreksopname-archive", names "access_key_id" and "secret_access_key"), else a TOML file
    (`access_key_id`, `secret_access_key`: the policy's `credentials_file`, else
    GESPREKSOPNAME_ARCHIVE_CREDENTIALS, else archive-credentials.toml in the user's config
    folder). None when there are none; GespreksError when the file is there but unusable."""
    access, secret = os.environ.get(ENV_ACCESS_KEY), os.environ.get(ENV_SECRET_KEY)
    if access and secret:
        return Credentials(access, secret, "environment")
    found = _from_keyring()
    if found is not None:
        return found
    file = settings.credentials_file or default_credentials_file()
    if not file.exists():
        return None
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
        access, secret = doc["access_key_id"], doc["secret_access_key"]
        if not (isinstance(access, str) and isinstance(secret, str) and access and secret):
            raise ValueError("empty")
    except (OSError, UnicodeError, ValueError, KeyError, tomllib.TOMLDecodeError) as exc:
        # Never quote the file's content: it holds the secret.
        raise GespreksError("archive.credentials_file", file=str(file)) from exc
    return Credentials(access, secret, "file")


def _from_keyring() -> Credentials | None:
    try:
        import keyring

        access = keyring.get_password(KEYRING_SERVICE, "access_key_id")
        secret = keyring.get_password(KEYRING_SERVICE, "secret_access_key")
    except Exception:
        return None
    if access and secret:
        return Credentials(access, secret, "keyring")
    return None


def connect(settings: ArchiveSettings, credentials: Credentials | None = None) -> Archive:
    """A client for the archive; ArchiveError("credentials") when none are found."""
    from audio.archive.s3 import Archive, ArchiveError

    credentials = credentials or find_credentials(settings)
    if credentials is None:
        raise ArchiveError("credentials", "no archive credentials on this computer")
    return Archive(
        settings.endpoint,
        settings.bucket,
        settings.region,
        credentials.access_key,
        credentials.secret_key,
        settings.lock_mode,
    )


# -- object names --------------------------------------------------------------------------------
def installation_prefix(settings: ArchiveSettings, installation: str) -> str:
    return f"{settings.prefix}/{installation}/"


def container_key(settings: ArchiveSettings, installation: str, recording_id: str) -> str:
    return f"{installation_prefix(settings, installation)}recordings/{recording_id}.gesp"


def seal_key(settings: ArchiveSettings, installation: str, recording_id: str) -> str:
    return f"{installation_prefix(settings, installation)}recordings/{recording_id}.seal.json"


def token_key(settings: ArchiveSettings, installation: str, recording_id: str) -> str:
    return f"{installation_prefix(settings, installation)}recordings/{recording_id}.tsr"


def escrow_key(settings: ArchiveSettings, installation: str, recording_id: str, sha: str) -> str:
    """A rewrap's escrow file (keys/<id>.escrow) beside the container: named by its hash,
    since a later rewrap (another recovery key) makes a new one and nothing is overwritten."""
    prefix = installation_prefix(settings, installation)
    return f"{prefix}recordings/{recording_id}.{sha[:16]}.escrow"


def head_key(settings: ArchiveSettings, installation: str, seq: int) -> str:
    return f"{installation_prefix(settings, installation)}audit/{seq:010d}.json"


def head_token_key(settings: ArchiveSettings, installation: str, seq: int) -> str:
    return f"{installation_prefix(settings, installation)}audit/{seq:010d}.tsr"


def log_key(settings: ArchiveSettings, moment: datetime, action: str, name: str) -> str:
    return f"{settings.prefix}/log/{moment:%Y%m%dT%H%M%S%fZ}-{action}-{name}.json"


# -- the queue -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One piece of work for the archive, kept in the vault until it is done (and after)."""

    doc_id: str
    subject: str  # recording | head | hold | release | escrow
    key: str  # the recording id, or the trail's line number for a head
    queued: str
    recording_id: str | None = None
    attempts: int = 0
    next_try: float = 0.0  # seconds since the epoch
    error: str | None = None  # the last failure's code (audio.archive.s3.CODES)
    done: str | None = None  # when the archive confirmed it
    objects: tuple[dict[str, Any], ...] = ()  # what the archive holds: key, version, sha256
    token_sent: bool = False  # the seal's (or head's) timestamp token is in the archive too
    reason: str = ""  # of a hold

    @property
    def pending(self) -> bool:
        return self.done is None

    def document(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "subject": self.subject,
            "key": self.key,
            "queued": self.queued,
            "recording_id": self.recording_id,
            "attempts": self.attempts,
            "next_try": self.next_try,
            "error": self.error,
            "done": self.done,
            "objects": list(self.objects),
            "token_sent": self.token_sent,
            "reason": self.reason,
        }

    @classmethod
    def parse(cls, doc_id: str, doc: dict[str, Any]) -> Job:
        if doc.get("version") != VERSION or doc.get("subject") not in SUBJECTS:
            raise ValueError("not an archive job")
        return cls(
            doc_id=doc_id,
            subject=str(doc["subject"]),
            key=str(doc["key"]),
            queued=str(doc["queued"]),
            recording_id=None if doc.get("recording_id") is None else str(doc["recording_id"]),
            attempts=int(doc.get("attempts", 0)),
            next_try=float(doc.get("next_try", 0.0)),
            error=None if doc.get("error") is None else str(doc["error"]),
            done=None if doc.get("done") is None else str(doc["done"]),
            objects=tuple(dict(item) for item in doc.get("objects") or ()),
            token_sent=bool(doc.get("token_sent", False)),
            reason=str(doc.get("reason") or ""),
        )


def _doc_id(vault: UnlockedVault, subject: str, key: str) -> str:
    name = f"gespreksopname:{vault.vault.vault_id}:archive:{subject}:{key}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def jobs(vault: UnlockedVault) -> list[Job]:
    """Every job that authenticates, in the order it was queued."""
    found = []
    for doc_id in vault.document_ids(KIND):
        try:
            found.append(Job.parse(doc_id, vault.load_document(KIND, doc_id)))
        except (VaultError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda job: (job.queued, job.subject != "recording"))


def find(vault: UnlockedVault, subject: str, key: str) -> Job | None:
    """One job by what it is for (its document id follows from that), without reading the
    others; None when there is none or it does not authenticate."""
    doc_id = _doc_id(vault, subject, key)
    try:
        return Job.parse(doc_id, vault.load_document(KIND, doc_id))
    except (OSError, VaultError, ValueError, KeyError, TypeError):
        return None


def enqueue(
    vault: UnlockedVault, subject: str, key: str, recording_id: str | None = None, reason: str = ""
) -> Job:
    """Queue a job (once: queuing the same job again keeps the first)."""
    existing = find(vault, subject, key)
    if existing is not None:
        return existing
    doc_id = _doc_id(vault, subject, key)
    job = Job(doc_id, subject, key, iso_time(_now().timestamp()), recording_id, reason=reason)
    vault.store_document(KIND, doc_id, job.document())
    return job


def forget_upload(vault: UnlockedVault, recording_id: str) -> None:
    """Drop a recording's upload that has not been done (the recording was erased early)."""
    job = find(vault, "recording", recording_id)
    if job is not None and job.pending:
        (vault.root / KIND / f"{job.doc_id}.enc").unlink(missing_ok=True)


def _save(vault: UnlockedVault, job: Job) -> Job:
    vault.store_document(KIND, job.doc_id, job.document())
    return job


def _now() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure in a row."""
    return float(min(LAST_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1)))


# -- the state per recording ---------------------------------------------------------------------
@dataclass(frozen=True)
class ArchiveState:
    """What the archive holds of one recording, as the queue knows it."""

    state: str  # archived | pending | none (no archive in force) | local (not sealed yet)
    reason: str = ""  # the last failure's code, or "queued", or "waiting" (a hold waits)
    sha256: str = ""  # the archived container's SHA-256
    held: bool = False  # the archive's legal hold is on

    def describe(self, lang: str) -> str:
        from resources.catalogue import text

        said = text(f"archive.state.{self.state}", lang)
        if self.state == "pending" and self.reason:
            said += " (" + text(f"archive.reason.{self.reason}", lang) + ")"
        return said


def states(vault: UnlockedVault, in_force: bool) -> dict[str, ArchiveState]:
    """The archive state of every recording the queue knows (by recording id)."""
    every = jobs(vault)
    found: dict[str, ArchiveState] = {}
    for job in every:
        if job.subject != "recording":
            continue
        if job.pending:
            reason = job.error or "queued"
            found[job.key] = ArchiveState("pending", reason)
        else:
            sha = str(job.objects[0].get("sha256", "")) if job.objects else ""
            found[job.key] = ArchiveState("archived", sha256=sha)
    for job in every:  # a hold or release still to be applied keeps the recording pending
        rid = job.recording_id
        if job.subject in ("hold", "release") and rid in found:
            current = found[rid]
            if job.pending and current.state == "archived":
                found[rid] = replace(current, state="pending", reason=job.error or "waiting")
            elif not job.pending:
                found[rid] = replace(current, held=job.subject == "hold")
    if not in_force:
        return {rid: s for rid, s in found.items() if s.state == "archived"}
    return found


# -- the work ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Synced:
    """What one round did: jobs done, jobs left, and the problem that stopped it (if any)."""

    done: int
    left: int
    problem: Exception | None = None


class Uploader:
    """Does the queued work against the archive for one unlocked vault.

    `verify` is the workspace's keyed check of a container (it must be the one the register
    knows before the installation signs a public seal for it); `seal_token` gives a granted
    timestamp token of a seal or a trail line (None while there is none).
    """

    def __init__(
        self,
        vault: UnlockedVault,
        policy: Policy,
        settings: ArchiveSettings,
        certificate: str | None,
        verify: Any,
        token: Any,
        archive: Archive | None = None,
    ) -> None:
        self.vault = vault
        self.policy = policy
        self.settings = settings
        self.certificate = certificate
        self._verify = verify
        self._token = token
        self._archive = archive
        self.installation = vault.signing_key.public.fingerprint

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = connect(self.settings)
        return self._archive

    def run(self, *, force: bool = False) -> Synced:
        """Do every pending job in order; with `force`, also those still waiting out their
        back-off. A failure that may pass (offline, server error) ends the round; one that
        needs somebody (credentials, bucket) ends it too, with its code kept on the job."""
        from audio.archive.s3 import ArchiveError

        done = 0
        pending = [job for job in jobs(self.vault) if job.pending]
        moment = _now().timestamp()
        for number, job in enumerate(pending):
            if not force and job.next_try > moment:
                continue
            try:
                finished = self._do(job)
            except ArchiveError as exc:
                attempts = job.attempts + 1
                _save(
                    self.vault,
                    replace(
                        job,
                        attempts=attempts,
                        error=exc.code,
                        next_try=_now().timestamp() + backoff(attempts),
                    ),
                )
                return Synced(done, len(pending) - number, exc)
            except (GespreksError, OSError) as exc:
                _save(self.vault, replace(job, attempts=job.attempts + 1, error="local"))
                return Synced(done, len(pending) - number, exc)
            if finished:
                done += 1
        with contextlib.suppress(ArchiveError, GespreksError, OSError):
            self._send_tokens()
        left = sum(job.pending for job in jobs(self.vault))
        return Synced(done, left)

    # -- one job -----------------------------------------------------------------------------
    def _do(self, job: Job) -> bool:
        if job.subject == "recording":
            return self._upload_recording(job)
        if job.subject == "head":
            return self._upload_head(job)
        if job.subject == "escrow":
            return self._upload_escrow(job)
        return self._apply_hold(job)

    def _upload_recording(self, job: Job) -> bool:
        """Verify, hash and upload one and the same private copy of the container, so that
        nothing swapping the file in the vault meanwhile gets other bytes signed or archived."""
        import hashlib

        from audio.archive.publicseal import container_digest
        from audio.archive.s3 import ArchiveError

        rid = job.key
        source = self.vault.vault.recording_path(rid)
        staging = self.vault.root / KIND / f".{rid}.upload"
        try:
            # The hash is taken of the bytes as they are copied; the copy is verified; then it
            # must still have that hash, and the upload hashes what it sends against it again.
            digest, size = hashlib.sha256(), 0
            fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with source.open("rb") as handle, os.fdopen(fd, "wb") as out:
                while block := handle.read(1 << 20):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
            sha256 = digest.hexdigest()
            report = self._verify(staging, rid)  # IntegrityError: not the registered seal
            if container_digest(staging) != (sha256, size):
                raise ArchiveError("changed", f"{rid}: the container changed while it was checked")
            seal = self._public_seal(rid, report, sha256, size)
            until = self.retain_until(seal)
            key = container_key(self.settings, self.installation, rid)
            stored = self._put_once(key, until, sha256, file=staging)
        finally:
            staging.unlink(missing_ok=True)
        skey = seal_key(self.settings, self.installation, rid)
        stored_seal = self._put_once(skey, until, data=seal.encode())
        objects = (_object(stored), _object(stored_seal))
        _save(self.vault, replace(job, done=_stamp(), error=None, objects=objects))
        return True

    def _put_once(
        self,
        key: str,
        until: datetime,
        sha256: str = "",
        *,
        data: bytes | None = None,
        file: Path | None = None,
    ) -> Stored:
        """Upload unless the archive already holds this very object (an upload a crash or a
        restart interrupted after the archive confirmed it). Other bytes under the same name
        are never overwritten: that is a conflict the Privacy Officer must see."""
        from audio.archive.s3 import ArchiveError, Stored

        if data is not None:
            sha256 = _sha256(data)
        if not self.archive.versions(key):  # a delete marker alone hides nothing
            if data is not None:
                return self.archive.put_bytes_locked(key, data, until)
            assert file is not None
            return self.archive.put_locked(key, file, until, sha256)
        # Already there: adopted only when its first version holds these very bytes, as the
        # server computed them (never the `sha256` metadata, which whoever wrote it chose),
        # and is locked as the policy says.
        first = self.archive.first_version(key)
        head = self.archive.head(key, first.version_id)
        if not self._same_bytes(key, head, sha256, data, file):
            raise ArchiveError("changed", f"{key} is already in the archive with other bytes")
        if head.mode != self.settings.lock_mode or head.retain_until is None:
            raise ArchiveError("changed", f"{key} is already in the archive, not locked")
        assert head.version_id is not None
        return Stored(
            key, head.version_id, head.size, sha256, head.retain_until, head.mode or "", False
        )

    def _same_bytes(
        self, key: str, head: Any, sha256: str, data: bytes | None, file: Path | None
    ) -> bool:
        """The archived version holds exactly these bytes: a small object read back whole,
        a container by the checksum the server computed on upload, else downloaded and hashed."""
        import base64
        import tempfile

        if head.size != (len(data) if data is not None else file.stat().st_size if file else -1):
            return False
        if data is not None:
            return self.archive.get(key, head.version_id, limit=len(data)) == data
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
        if head.checksum_sha256 == checksum:
            return True
        with tempfile.TemporaryDirectory(dir=self.vault.root / KIND) as folder:
            target = Path(folder) / "check"
            self.archive.download(key, target, head.version_id)
            return sha256_hex(target) == sha256

    def _public_seal(self, rid: str, report: Any, sha256: str, size: int) -> PublicSeal:
        """The recording's public seal, signed now, kept in the vault (`seals/<id>.seal.json`)."""
        from audio.archive.publicseal import SUFFIX, PublicSeal
        from policy.sealed import retention_until

        folder = self.vault.root / SEALS
        file = folder / f"{rid}{SUFFIX}"
        # Always made anew from the verified report (Ed25519 is deterministic: the same seal
        # gives the same bytes); a file in seals/ is never trusted, only written.
        manifest = report.manifest
        until = retention_until(manifest)
        seal = PublicSeal.make(
            self.vault.signing_key,
            recording_id=rid,
            container_sha256=sha256,
            container_size=size,
            seal_sha256=report.seal_sha256,
            state=manifest.state,
            ended=manifest.ended,
            retain_until=iso_time(until.timestamp()) if until is not None else None,
            certificate=self.certificate,
        )
        from audio.durable import write_atomic

        folder.mkdir(exist_ok=True)
        write_atomic(file, seal.encode())
        return seal

    def retain_until(self, seal: PublicSeal) -> datetime:
        """The end of the recording's retention term, at least a day from now."""
        floor = _now() + MINIMUM_KEEP
        if seal.retain_until is None:
            return floor + timedelta(days=self.longest_term())
        return max(datetime.fromtimestamp(parse_time(seal.retain_until), UTC), floor)

    def longest_term(self) -> int:
        return max((p.retention_days for p in self.policy.purposes), default=365)

    def _upload_head(self, job: Job) -> bool:
        seq = int(job.key)
        line = self._trail_line(seq)
        if line is None:
            raise IntegrityError("archive_head", None, seq=seq)
        doc = {
            "type": "gespreksopname-audit-head",
            "version": 1,
            "installation": self.installation,
            "seq": seq,
            "line": line.decode("utf-8"),
        }
        data = canonical_json(doc)
        until = _now() + timedelta(days=self.longest_term()) + HEAD_MARGIN
        key = head_key(self.settings, self.installation, seq)
        stored = self._put_once(key, until, data=data)
        _save(self.vault, replace(job, done=_stamp(), error=None, objects=(_object(stored),)))
        return True

    def _upload_escrow(self, job: Job) -> bool:
        """A rewrap's escrow file as it is now (a newer one has its own job); kept as long as
        a head. Gone (the recording purged): nothing left to send."""
        from audio.vault.escrow import recording_escrow_path

        rid = job.recording_id or job.key.split(":")[0]
        try:
            data = recording_escrow_path(self.vault.root, rid).read_bytes()
        except FileNotFoundError:
            _save(self.vault, replace(job, done=_stamp(), error=None))
            return True
        until = _now() + timedelta(days=self.longest_term()) + HEAD_MARGIN
        key = escrow_key(self.settings, self.installation, rid, _sha256(data))
        stored = self._put_once(key, until, data=data)
        _save(self.vault, replace(job, done=_stamp(), error=None, objects=(_object(stored),)))
        return True

    def _trail_line(self, seq: int) -> bytes | None:
        """The trail's line number `seq` as it is in audit.log (signed; its entry encrypted)."""
        from policy.audit import LOG_FILE

        try:
            with (self.vault.root / LOG_FILE).open("rb") as handle:
                for number, line in enumerate(handle, start=1):
                    if number == seq:
                        return line.rstrip(b"\n")
        except OSError:
            return None
        return None

    def _apply_hold(self, job: Job) -> bool:
        """Set or lift the legal hold on an archived recording (its container and seal); a
        recording not archived yet waits (the hold goes on once it is)."""
        rid = job.recording_id or ""
        upload = find(self.vault, "recording", rid)
        if upload is None:
            _save(self.vault, replace(job, done=_stamp(), error=None))  # nothing to hold there
            return True
        if upload.pending:
            return False
        for item in upload.objects:
            self.archive.set_legal_hold(
                str(item["key"]), job.subject == "hold", str(item["version_id"])
            )
        _save(self.vault, replace(job, done=_stamp(), error=None))
        return True

    def _send_tokens(self) -> None:
        """Put each granted timestamp token of an archived seal or head beside it."""
        for job in jobs(self.vault):
            if job.pending or job.token_sent or job.subject not in ("recording", "head"):
                continue
            token = self._token("seal" if job.subject == "recording" else "audit", job.key)
            if token is None:
                continue
            if job.subject == "recording":
                key = token_key(self.settings, self.installation, job.key)
            else:
                key = head_token_key(self.settings, self.installation, int(job.key))
            self._put_once(key, _until(job), data=token)
            _save(self.vault, replace(job, token_sent=True))

    # -- checks against the archive ----------------------------------------------------------
    def confirmed(self, recording_id: str, sha256: str) -> bool:
        """The archive holds this recording's container as the upload left it: the version the
        upload recorded is the first under its name, has the SHA-256 it had then and is locked
        in the policy's mode (or held). Asked of the archive itself: what a local purge waits
        for."""
        upload = find(self.vault, "recording", recording_id)
        if upload is None or upload.pending or not upload.objects:
            return False
        recorded = upload.objects[0]
        key = container_key(self.settings, self.installation, recording_id)
        if recorded.get("key") != key or recorded.get("sha256") != sha256:
            return False
        first = self.archive.first_version(key)
        if first.version_id != recorded.get("version_id"):
            return False
        info = self.archive.head(key, first.version_id)
        locked = info.mode == self.settings.lock_mode and info.locked_at(_now())
        return info.size == recorded.get("size") and (locked or bool(info.legal_hold))

    def archived_seal(self, recording_id: str) -> PublicSeal | None:
        """The public seal the archive holds for a recording (its first version), or None."""
        from audio.archive.publicseal import PublicSeal
        from audio.archive.s3 import ArchiveError

        key = seal_key(self.settings, self.installation, recording_id)
        try:
            data = self.archive.get_first(key)
        except ArchiveError as exc:
            if exc.code == "not_found":
                return None
            raise
        return PublicSeal.parse(data)

    def latest_head(self) -> tuple[int, bytes] | None:
        """The last anchored head of this installation's trail in the archive: (seq, line).
        Every version counts (a delete marker hides nothing); a head counts only when its name
        is its own number and it names this installation, so an object planted under a later
        name cannot stand in for the real last head."""
        prefix = f"{installation_prefix(self.settings, self.installation)}audit/"
        best: tuple[int, bytes] | None = None
        for info in self.archive.list(prefix, versions=True):
            name = info.key.removeprefix(prefix)
            if not name.endswith(".json") or not name.removesuffix(".json").isdigit():
                continue
            seq = int(name.removesuffix(".json"))
            if best is not None and seq <= best[0]:
                continue
            try:
                doc = loads(self.archive.get(info.key, info.version_id))
                if doc.get("installation") != self.installation or doc.get("seq") != seq:
                    continue
                best = (seq, str(doc["line"]).encode("utf-8"))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
        return best


def _until(job: Job) -> datetime:
    until = job.objects[0].get("retain_until") if job.objects else None
    if isinstance(until, str):
        return max(datetime.fromtimestamp(parse_time(until), UTC), _now() + MINIMUM_KEEP)
    return _now() + MINIMUM_KEEP


def _object(stored: Stored) -> dict[str, Any]:
    return {
        "key": stored.key,
        "version_id": stored.version_id,
        "sha256": stored.sha256,
        "size": stored.size,
        "retain_until": iso_time(stored.retain_until.timestamp()),
    }


def sha256_hex(path: Path) -> str:
    """The SHA-256 (hex) of a file."""
    from audio.archive.publicseal import container_digest

    return container_digest(path)[0]


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _stamp() -> str:
    return iso_time(_now().timestamp())


def describe_error(error: Exception, lang: str) -> str:
    """An archive failure in the user's words (never a secret: botocore's text is not shown)."""
    from audio.archive.s3 import ArchiveError
    from resources.catalogue import text

    if isinstance(error, ArchiveError):
        return text(f"archive.reason.{error.code}", lang)
    if isinstance(error, GespreksError):
        return error.message(lang)
    return str(error)


__all__ = [
    "KIND",
    "ArchiveState",
    "Credentials",
    "Job",
    "Synced",
    "Uploader",
    "connect",
    "enqueue",
    "find_credentials",
    "jobs",
    "states",
]
