"""The operations of the application on an unlocked vault, shared by the command line and GUI.

Each operation that matters lands in the audit log. No rule lives in the front ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.container import layout as c
from audio.container.manifest import Manifest
from audio.container.recovery import InUse
from audio.container.summary import Summary, summarize
from audio.container.verify import Report, verify
from audio.container.writer import ContainerWriter
from audio.durable import is_regular
from audio.errors import GespreksError, IntegrityError, NoMatchingKey, WriteError
from audio.vault import escrow
from audio.vault.state import (
    FINAL,
    MISSING,
    PURGED,
    RECORDING,
    SEALED,
    Registered,
    State,
    StateError,
)
from audio.vault.store import RECORDINGS, UnlockedVault
from audio.vault.store import Vault as Vault  # re-exported: the faces name the type
from policy.audit import AuditEntry, AuditError, AuditLog, Problem
from policy.display import clock, local_time, visible
from policy.inputs import check_length
from policy.passphrase import check_strength
from policy.policy import Policy
from policy.verification import trusted_keys
from resources.catalogue import text

if TYPE_CHECKING:
    from audio.sound.playback import Player
from audio.archive.s3 import ArchiveError
from policy import archiving, timestamping
from policy.enrolment import Enrolment, current_enrolment_or_none, in_force
from policy.refusal import REFUSALS, Refusal, write_letter
from policy.rules import Decision, evaluate
from policy.sealed import SealedSession, retention_until
from policy.session import Session


@dataclass(frozen=True)
class RecordingInfo:
    path: Path
    summary: Summary | None
    error: GespreksError | None
    retention_until: datetime | None
    hold: str | None  # the reason, when on hold
    registered: Registered | None = None  # what the register knows (None: not in it)

    @property
    def recording_id(self) -> str:
        return self.summary.recording_id if self.summary else self.path.stem

    @property
    def session(self) -> SealedSession:
        """The session it carries (sealed, or as the start names it); empty when unreadable."""
        return SealedSession.of(self.summary.session if self.summary else {})

    @property
    def state(self) -> str:
        """sealed / interrupted / open (needs recovery) / cut (the register knows it as
        sealed, but its end is gone) / unreadable."""
        if self.summary is None:
            return "unreadable"
        if self.summary.state == "open" and self.registered and self.registered.state in FINAL:
            return "cut"
        return self.summary.state

    def expired(self, now: datetime) -> bool:
        return (
            self.summary is not None
            and self.summary.state in ("sealed", "interrupted")
            and self.retention_until is not None
            and self.retention_until <= now
            and self.hold is None
        )


@dataclass(frozen=True)
class RecoveryResult:
    """One recording `recover_all` looked at: recovered (`manifest`), or why not (`error`)."""

    recording_id: str
    manifest: Manifest | None
    error: Exception | None

    @property
    def refused(self) -> bool:
        """Refused because it was changed (cut after sealing, not in the register) or the
        register is in doubt: what the command line reports with exit code 1."""
        return isinstance(self.error, IntegrityError | StateError)

    def describe(self, lang: str) -> str:
        """The result in words, the same for both faces (durations as h:mm:ss, local times)."""
        if self.manifest is not None:
            return text(
                "recover.done",
                lang,
                id=visible(self.recording_id),
                duration=clock(self.manifest.duration_s),
                time=local_time(self.manifest.last_good_time),
            )
        if isinstance(self.error, InUse):
            return text("recover.in_use", lang, id=visible(self.recording_id))
        reason = self.error.message(lang) if isinstance(self.error, GespreksError) else "-"
        return text("recover.failed", lang, id=visible(self.recording_id), reason=visible(reason))


def employee_name(enrolment: Enrolment | None) -> str | None:
    """The name the trail gives the employee: the installation certificate's common name, as
    the Privacy Officer certified it (`org-certify --name`); None while not enrolled."""
    if enrolment is None:
        return None
    from audio.trust.certificates import TrustError, installation_name

    try:
        return installation_name(enrolment.certificate) or None
    except (TrustError, ValueError):
        return None


def find_vault(root: Path) -> Vault:
    """The vault at `root`, still locked: a clear VaultError (none there, damaged, newer) before
    anyone is asked for a passphrase."""
    return Vault.open(root)


class Workspace:
    def __init__(self, vault: UnlockedVault, policy: Policy) -> None:
        self.vault = vault
        # Only a policy signed by the CA this installation was enrolled with puts recovery keys,
        # trusted keys and a time-stamping authority in force (policy.organisation).
        self.policy = in_force(vault, policy)
        self.audit = self._audit_log(vault)
        self.timestamp_problem: Exception | None = None  # the last round's, for the faces
        self.timestamps_granted = 0  # in this session (at start, after seals, on request)
        self.archive_problem: Exception | None = None  # the last archive round's, for the faces
        self._uploader: archiving.Uploader | None = None
        self.purge_waiting: dict[str, str] = {}  # the last purge's: kept for the archive, why
        # What the last trail check learnt from the archive: the line of the last head it
        # holds, or why it could not be asked (then only the local checks were made).
        self.archive_head: int | None = None
        self.archive_unchecked: Exception | None = None
        self.enrolment = current_enrolment_or_none(vault)
        # Every seal of an enrolled installation carries its certificate (issued by the CA).
        self.certificate = self.enrolment.certificate.decode("ascii") if self.enrolment else None
        self.audit.employee = employee_name(self.enrolment)

    def _audit_log(self, vault: UnlockedVault) -> AuditLog:
        """The trail of `vault`, telling this workspace of each entry, naming the employee."""
        log = AuditLog(vault)
        log.observer = self._after_entry
        log.employee = getattr(getattr(self, "audit", None), "employee", None)
        return log

    # -- escrow to the organisation's recovery keys (issue 16) ------------------------------------
    def keep_escrow(self) -> None:
        """Escrow the data keys (the trail, refusals, holds) to the recovery keys in force, and
        give every recording sealed before one of them an escrow stanza beside it; logged.
        Never raises: a full disk leaves it for the next unlock."""
        keys = self.policy.recovery_keys
        if not keys:
            return
        with contextlib.suppress(GespreksError, OSError):
            if escrow.ensure_escrow(self.vault, keys):
                self.log_if_anchored(
                    "keys_escrowed",
                    epochs=len(self.vault.data_keys),
                    recipients=[key.fingerprint for key in keys],
                )
        with contextlib.suppress(GespreksError, OSError):
            self.rewrap()

    def rewrap(self) -> dict[str, list[str]]:
        """`gespreksopname rewrap`: an escrow stanza beside every recording that lacks one of
        the recovery keys in force (no container is rewritten); each logged, and queued for
        the organisation's archive when one is in force."""
        done = escrow.rewrap_recordings(self.vault, self.policy.recovery_keys)
        for recording_id, added in done.items():
            self.log_if_anchored("rewrapped", recording_id, recipients=added)
            if self.policy.archive is not None:
                with contextlib.suppress(GespreksError, OSError, ValueError):
                    data = escrow.recording_escrow_path(self.vault.root, recording_id).read_bytes()
                    key = f"{recording_id}:{hashlib.sha256(data).hexdigest()[:16]}"
                    archiving.enqueue(self.vault, "escrow", key, recording_id)
        return done

    # -- timestamps ------------------------------------------------------------------------------
    def _after_entry(self, action: str, recording_id: str | None, seq: int, head: str) -> None:
        """Queue the timestamps an entry calls for (a seal; the trail's head after a seal, hold,
        release or purge) and send the queue. Never raises: a TSA that cannot be reached, or
        a full disk, leaves the request for later, and the recording stands."""
        if self.policy.archive is not None and action in timestamping.HEAD_ACTIONS:
            self._queue_archive(action, recording_id, seq)
        tsa = self.policy.timestamps
        if tsa is None or action not in timestamping.HEAD_ACTIONS:
            return
        try:
            if action in timestamping.SEAL_ACTIONS and recording_id is not None:
                self._queue_seal_stamp(recording_id)
            timestamping.queue(self.vault, "audit", str(seq), head)
            self.send_timestamps()
        except (GespreksError, OSError) as exc:
            self.timestamp_problem = exc

    # -- the organisation's archive ----------------------------------------------------------
    def _queue_archive(self, action: str, recording_id: str | None, seq: int) -> None:
        """Queue what the archive must get: a sealed recording, the trail's head, a hold or a
        release. Only queued here (never sent: a seal must not wait for the network); the
        faces drain the queue in the background (`sync_archive`). Never raises."""
        try:
            if action in timestamping.SEAL_ACTIONS and recording_id is not None:
                archiving.enqueue(self.vault, "recording", recording_id, recording_id)
            elif action in ("held", "released") and recording_id is not None:
                subject = "hold" if action == "held" else "release"
                archiving.enqueue(self.vault, subject, f"{recording_id}:{seq}", recording_id)
            archiving.enqueue(self.vault, "head", str(seq))
        except (GespreksError, OSError) as exc:
            self.archive_problem = exc

    def archive_uploader(self) -> archiving.Uploader | None:
        """The uploader for the archive in force; None when the policy names none."""
        settings = self.policy.archive
        if settings is None:
            return None
        if self._uploader is None or self._uploader.vault is not self.vault:
            self._uploader = archiving.Uploader(
                self.vault,
                self.policy,
                settings,
                self.certificate,
                verify=self._verify_for_archive,
                token=self._granted_token,
            )
        return self._uploader

    def sync_archive(self, *, force: bool = False) -> archiving.Synced:
        """Do the queued archive work now (`archive sync`, after a recording, in the window's
        background); what cannot be done stays queued, with its reason."""
        uploader = self.archive_uploader()
        if uploader is None:
            left = sum(job.pending for job in archiving.jobs(self.vault))
            return archiving.Synced(0, left)
        synced = uploader.run(force=force)
        self.archive_problem = synced.problem
        return synced

    def archive_states(self) -> dict[str, archiving.ArchiveState]:
        """Each recording's state in the archive (archived, pending and why)."""
        return archiving.states(self.vault, self.policy.archive is not None)

    def _verify_for_archive(self, path: Path, recording_id: str) -> Report:
        """The keyed check of the copy that goes to the archive: intact, sealed by this
        installation, and the very seal the register knows for `recording_id` (not logged: it
        is not a user's action)."""
        own = self.vault.signing_key.public
        report = verify(path, self.vault.identities(), {own.raw: "-"})
        entry = (self.register() or State()).recordings.get(recording_id)
        if (
            report.recording_id != recording_id
            or entry is None
            or entry.state not in FINAL
            or entry.seal_sha256 != report.seal_sha256
        ):
            raise IntegrityError("register", None, field="seal_sha256")
        return report

    def _granted_token(self, subject: str, key: str) -> bytes | None:
        with contextlib.suppress(GespreksError, ValueError, KeyError, TypeError):
            stamp = timestamping.load(self.vault, subject, key)
            if stamp is not None and stamp.token is not None:
                return stamp.token
        return None

    def _archive_says_sealed(self, recording_id: str) -> bool:
        """The archive holds a public seal for this recording (so it was sealed, whatever an
        older copy of the local state says). False when no archive is in force or reachable."""
        uploader = self.archive_uploader()
        if uploader is None:
            return False
        try:
            return uploader.archived_seal(recording_id) is not None
        except (ArchiveError, GespreksError):
            return False

    def _archive_head_problem(self, entries: list[AuditEntry]) -> Problem | None:
        """The trail must still hold the last head the archive keeps of it: a trail put back
        from an older copy (with its state) lacks it, or holds another line there."""
        uploader = self.archive_uploader()
        self.archive_head = None
        self.archive_unchecked = None
        if uploader is None:
            return None
        try:
            head = uploader.latest_head()
        except (ArchiveError, GespreksError) as exc:
            self.archive_unchecked = exc  # the local checks stand; the faces say it was not done
            return None
        if head is None:
            return None
        seq, line = head
        self.archive_head = seq
        if seq > len(entries) or entries[seq - 1].line_sha256 != hashlib.sha256(line).hexdigest():
            return Problem(seq, "archive_head")
        return None

    def _queue_seal_stamp(self, recording_id: str) -> None:
        """Queue the seal's timestamp, and note in the register that it was: from then on a
        missing timestamp document is a loss `verify` and `audit --verify` report."""
        with self.vault.state.locked() as state:
            entry = state.recordings.get(recording_id)
            if entry is None or not entry.seal_sha256:
                return
            timestamping.queue(self.vault, "seal", recording_id, entry.seal_sha256)
            state.recordings[recording_id] = replace(entry, timestamped=True)

    def send_timestamps(self, timeout: float = timestamping.SEND_TIMEOUT) -> timestamping.Sent:
        """Send what is queued to the policy's TSA (`timestamp --pending`, at start, after
        each seal); what cannot be sent stays queued."""
        sent = timestamping.send_pending(self.vault, self.policy.timestamps, timeout)
        self.timestamp_problem = sent.problem
        self.timestamps_granted += sent.granted
        return sent

    def timestamp_state(self) -> tuple[int, int]:
        """How many timestamps were taken, and how many wait in the queue."""
        every = timestamping.stamps(self.vault)
        waiting = sum(stamp.pending for stamp in every)
        return len(every) - waiting, waiting

    def seal_time(self, recording_id: str, seal_sha256: str, ended: str) -> timestamping.SealTime:
        """What the timestamps say about a seal (stamped, late, pending, none, mismatch)."""
        try:
            stamp = timestamping.load(self.vault, "seal", recording_id)
        except (GespreksError, ValueError, KeyError, TypeError):
            return timestamping.SealTime("damaged")
        tsa = self.policy.timestamps
        if stamp is None:
            entry = (self.register() or State()).recordings.get(recording_id)
            if entry is not None and entry.timestamped:
                return timestamping.SealTime("missing")
        return timestamping.judge_seal(
            stamp.token if stamp else None,
            seal_sha256,
            ended,
            tsa.ca_certificate if tsa else None,
            tsa.max_delay_minutes if tsa else timestamping.DEFAULT_MAX_DELAY,
            queued=stamp is not None,
        )

    def new_recording(self, **options: Any) -> ContainerWriter:
        """A new container in the vault, for the policy's recovery recipients, sealed with this
        installation's certificate when it is enrolled."""
        return self.vault.new_recording(
            recovery_keys=self.policy.recovery_keys, certificate=self.certificate, **options
        )

    @classmethod
    def create(cls, root: Path, passphrase: str, policy: Policy, **options: Any) -> Workspace:
        check_strength(passphrase, [policy.organisation])  # before anything is made
        workspace = cls(Vault.create(root, passphrase, **options), policy)
        workspace.audit.append("vault_created", fingerprint=workspace.fingerprint)
        return workspace

    @classmethod
    def open(
        cls, root: Path, passphrase: str, policy: Policy, *, send_timestamps: bool = True
    ) -> Workspace:
        """Unlock; repair a trail torn by a power cut and register seals a crash left
        unregistered (each logged), then log the unlock. A vault whose state is in doubt still
        opens: its recordings stay playable, but nothing is recovered or purged."""
        workspace = cls(Vault.open(root).unlock(passphrase), policy)
        workspace.audit.repair()
        workspace.reconcile()
        if workspace.vault.finished_rotation:  # a passwd cut short, finished by this unlock
            workspace.log_if_anchored("passphrase_changed", epoch=workspace.vault.epoch)
        workspace.log_if_anchored("unlocked")
        workspace.keep_escrow()
        # What an offline laptop queued; the window sends it from a worker instead.
        if send_timestamps and workspace.policy.timestamps is not None:
            with contextlib.suppress(GespreksError, OSError):
                workspace.send_timestamps(timeout=timestamping.START_TIMEOUT)
        return workspace

    def log_if_anchored(self, action: str, recording_id: str | None = None, **details: Any) -> None:
        """Log an action that only reads (unlocking, verifying) when the vault's state is there
        to anchor it; while it is in doubt, reading stays possible (`audit --verify` says
        why) and only actions that change something are refused."""
        with contextlib.suppress(StateError, OSError):
            self.audit.append(action, recording_id, **details)

    @property
    def fingerprint(self) -> str:
        return self.vault.signing_key.public.fingerprint

    def change_passphrase(self, new_passphrase: str) -> None:
        check_strength(new_passphrase, [self.policy.organisation])  # before anything changes
        self.vault = self.vault.change_passphrase(new_passphrase)
        self.audit = self._audit_log(self.vault)  # the trail goes on under the new data key
        self.audit.append("passphrase_changed", epoch=self.vault.epoch)
        self.keep_escrow()  # the new data key escrowed too

    def trusted(self, this_installation: str) -> dict[bytes, str]:
        """This installation's key and the installations the policy trusts."""
        return trusted_keys(self.vault.signing_key.public, self.policy, this_installation)

    def open_for_playback(self, recording_id: str, device: str | None = None) -> Player:
        """Open a recording for playback, authenticating every chunk first (about 0.4 s for an
        hour: a window runs it off its GUI thread), and log that it was played."""
        from audio.sound.playback import Player

        path = self.vault.vault.recording_path(recording_id)
        player = Player(path, self.vault.identities(), device or None)
        try:
            self.audit.append("played", recording_id)
        except BaseException:
            player.close()
            raise
        return player

    # -- the gate ---------------------------------------------------------------------------
    def check(self, session: Session) -> Decision:
        decision = evaluate(session, self.policy)
        self.audit.append(
            "session_checked",
            allowed=decision.allowed,
            reasons=[r.code for r in decision.reasons],
            policy_sha256=self.policy.sha256,
        )
        return decision

    # -- recordings -------------------------------------------------------------------------
    def register(self) -> State | None:
        """The vault's register and anchor, or None when they are in doubt."""
        return self.vault.state.read_or_none()

    def recordings(self) -> list[RecordingInfo]:
        state = self.register() or State()
        out = []
        for path in self.vault.vault.recording_paths():
            entry = state.recordings.get(path.stem)
            hold = None if entry is None else entry.hold
            try:
                summary = summarize(path, self.vault.identities())
            except GespreksError as exc:
                out.append(RecordingInfo(path, None, exc, None, hold, entry))
                continue
            until = retention_until(summary.manifest) if summary.manifest else None
            out.append(RecordingInfo(path, summary, None, until, hold, entry))
        return out

    def register_problem(self) -> Problem | None:
        """A recording on disk the register does not know, or one it knows as kept that is
        gone: then the register (or the recordings folder) was tampered with."""
        try:
            state = self.vault.state.read()
        except StateError:
            return Problem(0, "state_missing")
        on_disk = {path.stem for path in self.vault.vault.recording_paths()}
        if on_disk - set(state.recordings):
            return Problem(0, "unregistered")
        kept = {
            rid for rid, entry in state.recordings.items() if entry.state in (*FINAL, RECORDING)
        }
        if kept - on_disk:  # sealed, or crashed and waiting for recover: either way, gone
            return Problem(0, "missing_recording")
        return None

    def audit_problem(self) -> tuple[list[AuditEntry], Problem | None]:
        """The audit trail's entries and the first problem of the trail, its anchor or the
        register (None when all is intact): what `audit --verify` and the GUI report."""
        entries, problem = self.audit.read()
        return entries, (
            problem
            or self.register_problem()
            or self._trail_stamp_problem(entries)
            or self._archive_head_problem(entries)
        )

    def trail_time(self, entries: list[AuditEntry]) -> tuple[int, timestamping.SealTime] | None:
        """The latest timestamp of the trail's head that the trail still holds: its line number
        and what it says (stamped, or "mismatch" when that line is no longer the one stamped:
        the trail was rewritten). None when no head was timestamped yet."""
        latest = None
        for stamp in timestamping.stamps(self.vault):
            head = stamp.subject == "audit" and not stamp.pending and stamp.key.isdigit()
            if head and (latest is None or int(stamp.key) > int(latest.key)):
                latest = stamp
        if latest is None:
            return None
        seq = int(latest.key)
        if seq > len(entries) or entries[seq - 1].line_sha256 != latest.digest:
            return seq, timestamping.SealTime("mismatch")
        tsa = self.policy.timestamps
        ca = tsa.ca_certificate if tsa else None
        judged = timestamping.judge_seal(latest.token, latest.digest, latest.queued, ca, 1 << 30)
        return seq, judged

    def _trail_stamp_problem(self, entries: list[AuditEntry]) -> Problem | None:
        """A trail rewritten behind its timestamped head, or a seal's timestamp document that
        the register says was made and is gone."""
        found = self.trail_time(entries)
        if found is not None and found[1].state == "mismatch":
            return Problem(found[0], "timestamp")
        state = self.register()
        if state is not None:
            have = set(self.vault.document_ids(timestamping.KIND))
            for rid, entry in state.recordings.items():
                if entry.timestamped and timestamping.doc_id(self.vault, "seal", rid) not in have:
                    return Problem(0, "timestamp_missing")
        return None

    def reanchor(self) -> dict[str, int]:
        """The Privacy Officer's way out when the state, the trail or the register is in doubt
        (logged as `state_rebuilt`, with what was found).

        The trail is kept up to its last line that verifies in order; what follows is moved to
        `audit.log.damaged`, and the trail is anchored there. The register keeps what the
        state knew (when it can be read); what it lacks is rebuilt from the recordings and the
        trail: one the trail knows as sealed is never registered as being recorded again (cut
        short, it stays "cut"); one that verifies is registered with its seal; one that is
        gone is marked missing. Holds follow the trail where it speaks, else the old register.
        Refused when nothing is in doubt."""
        store = self.vault.state
        old = store.read_or_none()
        entries, trail_problem = self.audit.read()
        if old is not None and trail_problem is None and self.register_problem() is None:
            raise GespreksError("error.state_fine")
        state = State(recordings=dict(old.recordings) if old is not None else {})
        # Holds: the register's stand; the trail adds only what came after the register's anchor
        # (an older release in the trail never lifts a hold the register still has).
        holds_after = old.audit_seq if old is not None else 0
        sealed_in_trail, purged_in_trail, holds = _trail_facts(entries, holds_after)
        on_disk = {path.stem: path for path in self.vault.vault.recording_paths()}
        for rid, path in on_disk.items():
            known = state.recordings.get(rid)
            if known is not None and known.state != RECORDING:
                continue  # the register's own knowledge stands (a cut one stays cut)
            state.recordings[rid] = self._rebuilt_entry(rid, path, rid in sealed_in_trail)
        for rid in sealed_in_trail - set(on_disk):
            state.recordings.setdefault(rid, Registered(MISSING))
        for rid, entry in list(state.recordings.items()):
            if rid in purged_in_trail and rid not in on_disk:
                state.recordings[rid] = replace(entry, state=PURGED, hold=None)
            elif entry.state in (*FINAL, RECORDING) and rid not in on_disk:
                state.recordings[rid] = replace(entry, state=MISSING)
        for rid, reason in holds.items():
            if rid in state.recordings:
                state.recordings[rid] = replace(state.recordings[rid], hold=reason)
        with store.lock():
            now = store.read_or_none()
            if (now is None) != (old is None) or (now and old and now.generation != old.generation):
                raise StateError("error.state_busy")  # changed meanwhile: look again
            last = self.audit.keep_verified(len(entries))
            if last is not None:
                state.audit_seq = len(entries)
                state.audit_hash = hashlib.sha256(last).hexdigest()
                state.audit_line = last
            state.generation = old.generation if old is not None else 0
            store.write(state)
        found = {
            "lines": len(entries),
            "registered": sum(1 for rid in on_disk if rid in state.recordings),
            "unregistered": sum(1 for rid in on_disk if rid not in state.recordings),
            "missing": sum(1 for e in state.recordings.values() if e.state == MISSING),
            "holds": sum(1 for e in state.recordings.values() if e.hold),
        }
        self.audit.append("state_rebuilt", None, register=None, **found)
        return found

    def _rebuilt_entry(self, rid: str, path: Path, sealed_in_trail: bool) -> Registered:
        """What the register should say of a recording it lost, from the file and the trail."""
        try:
            if summarize(path, self.vault.identities()).state == "open":
                # Unsealed: being recorded, unless the trail saw it sealed (then it was cut).
                return Registered(SEALED if sealed_in_trail else RECORDING)
            report = verify(path, self.vault.identities(), self.trusted(""))
        except (GespreksError, OSError):
            return Registered(SEALED)  # damaged: never recovered, reported by verify
        if report.recording_id != rid or not is_regular(path):
            return Registered(SEALED)
        return Registered(RECORDING).sealed(report.manifest, report.seal_sha256)

    def reconcile(self) -> list[str]:
        """Register the seal of recordings that were sealed while registering failed (a crash
        or a full disk between the two): only after they verify completely. Logged."""
        state = self.register()
        if state is None:
            return []
        done = []
        for rid, entry in state.recordings.items():
            path = self.vault.root / RECORDINGS / f"{rid}{c.SUFFIX}"
            if entry.state != RECORDING or not path.is_file():
                continue
            try:
                if summarize(path, self.vault.identities()).state == "open":
                    continue
                report = verify(path, self.vault.identities(), self.trusted(""))
            except (GespreksError, OSError):
                continue  # shown as it is; `verify` names the problem
            if report.recording_id != rid or not is_regular(path):
                continue  # another recording in its place: `verify` says so
            try:
                self.vault.register_seal(report.manifest, report.seal_sha256)
            except GespreksError:
                continue
            self.audit.append("register_reconciled", rid, state=report.manifest.state)
            done.append(rid)
        return done

    def info(self, recording_id: str) -> RecordingInfo:
        path = self.vault.vault.recording_path(recording_id)
        return next(r for r in self.recordings() if r.path == path)

    def verify(self, path: Path, this_installation: str, sink: Any = None) -> Report:
        """Verify a container, and one of this vault's recordings also against the register;
        the outcome (intact or what failed) goes into the audit log."""
        try:
            try:
                report = verify(
                    path, self.vault.identities(), self.trusted(this_installation), sink
                )
            except NoMatchingKey:
                # One of ours, in our folder, that our key no longer opens: its header changed.
                entry = self._registered(path)
                if entry is None or entry.state == PURGED:
                    raise
                raise IntegrityError("header") from None
            self._check_register(path, report)
        except IntegrityError as exc:
            exc = self._register_says(path, exc)
            self.log_if_anchored("verified", None, file=path.name, result=exc.part, index=exc.index)
            raise exc from None
        self.log_if_anchored("verified", report.recording_id, result="intact")
        return report

    def _registered(self, path: Path) -> Registered | None:
        """The register's entry for a file in this vault's recordings folder (None elsewhere).
        IntegrityError when it is in the folder but the register is in doubt or lacks it."""
        folder = self.vault.root / RECORDINGS
        if Path(path).absolute().parent.resolve() != folder.resolve():
            return None
        if not is_regular(Path(path)):  # a symlink or other non-file in the folder
            raise IntegrityError("register", None, field="file")
        try:
            state = self.vault.state.read()
        except StateError as exc:
            raise IntegrityError("unregistered", None) from exc
        entry = state.recordings.get(Path(path).name.removesuffix(c.SUFFIX))
        if entry is None:
            raise IntegrityError("unregistered", None)
        return entry

    def _check_register(self, path: Path, report: Report) -> None:
        entry = self._registered(path)
        if entry is None:
            return
        if report.recording_id != Path(path).name.removesuffix(c.SUFFIX):
            raise IntegrityError("register", None, field="recording_id")
        if entry.state == RECORDING:
            return  # sealed but not yet registered: `reconcile` registers it after a verify
        manifest = report.manifest
        expected = {
            "state": (entry.state, manifest.state),
            "chunks": (entry.chunks, manifest.chunks),
            "frames": (entry.frames, manifest.frames),
            "pcm_sha256": (entry.pcm_sha256, manifest.pcm_sha256),
            "seal_sha256": (entry.seal_sha256, report.seal_sha256),
        }
        for name, (known, found) in expected.items():
            if known != found:
                raise IntegrityError("register", None, field=name)

    def _register_says(self, path: Path, exc: IntegrityError) -> IntegrityError:
        """A recording the register knows as sealed that now lacks its end was cut."""
        if exc.part != "truncated":
            return exc
        try:
            entry = self._registered(path)
        except IntegrityError as other:
            return other
        if entry is None or entry.state not in FINAL:
            return exc
        return IntegrityError("register_cut", exc.index, chunks=entry.chunks, frames=entry.frames)

    def recover_all(self) -> list[RecoveryResult]:
        """Seal what crashes left. Only recordings the register knows as being recorded are
        recovered; one it knows as sealed (now cut short) or does not know is refused, and
        every refusal is in the results."""
        results = []
        for info in self.recordings():
            if info.summary is not None and info.summary.state != "open":
                continue
            if self._archive_says_sealed(info.recording_id):
                refused = IntegrityError("archive_sealed", None)
                results.append(RecoveryResult(info.recording_id, None, refused))
                continue
            try:
                manifest = self.vault.recover(info.path)
            except (InUse, GespreksError) as exc:
                results.append(RecoveryResult(info.recording_id, None, exc))
                continue
            except OSError as exc:  # a full disk, say: the original is untouched
                error = WriteError("error.write_failed", reason=exc.strerror or str(exc))
                results.append(RecoveryResult(info.recording_id, None, error))
                continue
            self.audit.append(
                "recovered",
                manifest.recording_id,
                frames=manifest.frames,
                last_good_time=manifest.last_good_time,
            )
            results.append(RecoveryResult(manifest.recording_id, manifest, None))
        return results

    # -- retention --------------------------------------------------------------------------
    def hold(self, recording_id: str, reason: str) -> str:
        """Put a recording on hold: kept in the register (which purge obeys) and logged."""
        check_length("hold_reason", reason)
        path = self.vault.vault.recording_path(recording_id)
        if not reason.strip():
            raise GespreksError("error.hold_reason")
        self.audit.append(
            "held", path.stem, register=_set_hold(path.stem, reason.strip()), reason=reason.strip()
        )
        return path.stem

    def release(self, recording_id: str, reason: str = "") -> str:
        check_length("release_reason", reason)
        path = self.vault.vault.recording_path(recording_id)
        self.audit.append(
            "released", path.stem, register=_set_hold(path.stem, None), reason=reason.strip()
        )
        return path.stem

    def expired(self, now: datetime | None = None) -> list[RecordingInfo]:
        moment = now or datetime.now(UTC)
        return [info for info in self.recordings() if info.expired(moment)]

    def purge(self, infos: list[RecordingInfo]) -> list[str]:
        """Destroy recordings whose retention ended: the audit entry (and the register's
        "purged") first, then the key, then the files. Refuses while the trail or the register
        is in doubt (holds live in the register), and skips a recording on hold."""
        self.vault.state.read()  # StateError: its message says nothing is recovered or purged
        _entries, problem = self.audit.read()
        if problem is not None:
            raise AuditError("audit.purge_refused", line=problem.line)
        if self.register_problem() is not None:
            raise AuditError("audit.purge_refused_register")
        purged = []
        self.purge_waiting = {}
        for info in infos:
            assert info.retention_until is not None and info.summary is not None
            waiting = self._not_yet_archived(info.recording_id)
            if waiting is not None:
                self.purge_waiting[info.recording_id] = waiting
                continue  # kept until the archive holds it (or the policy names no archive)
            try:
                self.audit.append(
                    "purged",
                    info.recording_id,
                    register=_mark_purged(info.recording_id),
                    retention_until=info.retention_until.isoformat(),
                    started=info.summary.started,
                )
            except _OnHold:
                continue  # held since the list was made: checked under the state's lock
            self.vault.destroy_recording(info.recording_id)
            with contextlib.suppress(OSError):  # its public seal is public; no longer needed here
                (self.vault.root / archiving.SEALS / f"{info.recording_id}.seal.json").unlink()
            purged.append(info.recording_id)
        return purged

    def _not_yet_archived(self, recording_id: str) -> str | None:
        """Why a recording may not be purged yet because of the archive (None: it may): the
        archive in force must hold its container with the same SHA-256, as the archive itself
        confirms now."""
        uploader = self.archive_uploader()
        if uploader is None:
            return None
        known = self.archive_states().get(recording_id)
        if known is None or known.state != "archived" or not known.sha256:
            return known.reason if known is not None and known.reason else "queued"
        try:
            return None if uploader.confirmed(recording_id, known.sha256) else "changed"
        except ArchiveError as exc:
            return exc.code
        except GespreksError:
            return "local"

    # -- rule f -----------------------------------------------------------------------------
    def register_refusal(self, refusal: Refusal, letter: Path) -> None:
        """Keep the refusal encrypted in the vault, log it, and write the citizen's letter."""
        self.vault.store_document(REFUSALS, refusal.id, refusal.document())
        self.audit.append(
            "refusal_registered",
            None,
            refusal_id=refusal.id,
            alternative=refusal.alternative,
            at=time.time(),
        )
        write_letter(refusal, self.policy, letter)


def _set_hold(recording_id: str, reason: str | None) -> Any:
    def change(state: State) -> None:
        entry = state.recordings.get(recording_id)
        if entry is None:
            raise IntegrityError("unregistered", None)
        state.recordings[recording_id] = replace(entry, hold=reason)

    return change


class _OnHold(Exception):
    """The recording is on hold: nothing is written, nothing destroyed."""


def _mark_purged(recording_id: str) -> Any:
    def change(state: State) -> None:
        entry = state.recordings.get(recording_id, Registered(PURGED))
        if entry.hold is not None:
            raise _OnHold(recording_id)
        state.recordings[recording_id] = replace(entry, state=PURGED)

    return change


# Trail entries that show a recording was sealed (so it is never "being recorded" again).
_SEALED_ACTIONS = (
    "recording_sealed",
    "recording_interrupted",
    "recovered",
    "register_reconciled",
    "imported",
    "derived",
)


def _trail_facts(
    entries: list[AuditEntry], holds_after: int = 0
) -> tuple[set[str], set[str], dict[str, str | None]]:
    """From the trail: ids seen sealed, ids purged, and each id's last hold or release among
    the lines after `holds_after` (what the register, when it could be read, did not see)."""
    sealed: set[str] = set()
    purged: set[str] = set()
    holds: dict[str, str | None] = {}
    for entry in entries:
        if entry.action in ("held", "released") and entry.seq <= holds_after:
            continue
        rid = entry.recording_id
        if rid is None:
            continue
        action = entry.action
        if action in _SEALED_ACTIONS:
            sealed.add(rid)
        elif action in ("purged", "erased"):  # erased: deleted early (policy.erasure)
            purged.add(rid)
        elif action == "held":
            holds[rid] = str(entry.details.get("reason", ""))
        elif action == "released":
            holds[rid] = None
    return sealed, purged, holds
