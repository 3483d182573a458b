"""The operations of the application on an unlocked vault, shared by the command line and GUI.

Each operation that matters lands in the audit log. No rule lives in the front ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audio.errors import GespreksError, IntegrityError, WriteError
from audio.recovery import InUse, recover
from audio.summary import Summary, summarize
from audio.vault import INTERRUPTED, UnlockedVault, Vault
from audio.verify import Report, verify
from policy.audit import AuditError, AuditLog, holds
from policy.inputs import check_length
from policy.passphrase import check_strength
from policy.policy import Policy
from policy.record import retention_until
from policy.refusal import REFUSALS, Refusal, write_letter
from policy.rules import Decision, evaluate
from policy.session import Session


@dataclass(frozen=True)
class RecordingInfo:
    path: Path
    summary: Summary | None
    error: GespreksError | None
    retention_until: datetime | None
    hold: str | None  # the reason, when on hold

    @property
    def recording_id(self) -> str:
        return self.summary.recording_id if self.summary else self.path.stem

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
    recording_id: str
    manifest: dict[str, Any] | None
    error: Exception | None


class Workspace:
    def __init__(self, vault: UnlockedVault, policy: Policy) -> None:
        self.vault = vault
        self.policy = policy
        self.audit = AuditLog(vault)

    @classmethod
    def create(cls, root: Path, passphrase: str, policy: Policy, **options: Any) -> Workspace:
        check_strength(passphrase, [policy.organisation])  # before anything is made
        workspace = cls(Vault.create(root, passphrase, **options), policy)
        workspace.audit.append("vault_created", fingerprint=workspace.fingerprint)
        return workspace

    @classmethod
    def open(cls, root: Path, passphrase: str, policy: Policy) -> Workspace:
        workspace = cls(Vault.open(root).unlock(passphrase), policy)
        workspace.audit.append("unlocked")
        return workspace

    @property
    def fingerprint(self) -> str:
        return self.vault.signing_key.public.fingerprint

    def change_passphrase(self, new_passphrase: str) -> None:
        check_strength(new_passphrase, [self.policy.organisation])  # before anything changes
        self.vault = self.vault.change_passphrase(new_passphrase)
        self.audit.append("passphrase_changed")

    def trusted(self, this_installation: str) -> dict[bytes, str]:
        """This installation's key and the installations the policy trusts."""
        trusted = {self.vault.signing_key.public.raw: this_installation}
        for entry in self.policy.trusted_keys:
            trusted.setdefault(entry.key.raw, entry.name)
        return trusted

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
    def recordings(self) -> list[RecordingInfo]:
        entries, _problem = self.audit.read()
        on_hold = holds(entries)
        out = []
        for path in self.vault.vault.recording_paths():
            try:
                summary = summarize(path, self.vault.identities())
            except GespreksError as exc:
                out.append(RecordingInfo(path, None, exc, None, on_hold.get(path.stem)))
                continue
            until = retention_until(summary.manifest) if summary.manifest else None
            out.append(RecordingInfo(path, summary, None, until, on_hold.get(path.stem)))
        return out

    def info(self, recording_id: str) -> RecordingInfo:
        path = self.vault.vault.recording_path(recording_id)
        return next(r for r in self.recordings() if r.path == path)

    def verify(self, path: Path, this_installation: str, sink: Any = None) -> Report:
        """Verify a container; the outcome (intact or what failed) goes into the audit log."""
        try:
            report = verify(path, self.vault.identities(), self.trusted(this_installation), sink)
        except IntegrityError as exc:
            self.audit.append("verified", None, file=path.name, result=exc.part, index=exc.index)
            raise
        self.audit.append("verified", report.recording_id, result="intact")
        return report

    def recover_all(self) -> list[RecoveryResult]:
        results = []
        for info in self.recordings():
            if info.summary is not None and info.summary.state != "open":
                continue
            try:
                manifest = recover(
                    info.path,
                    self.vault.identities(),
                    self.vault.signing_key,
                    self.vault.root / INTERRUPTED,
                )
            except (InUse, GespreksError) as exc:
                results.append(RecoveryResult(info.recording_id, None, exc))
                continue
            except OSError as exc:  # a full disk, say: the original is untouched
                error = WriteError("error.write_failed", reason=exc.strerror or str(exc))
                results.append(RecoveryResult(info.recording_id, None, error))
                continue
            self.audit.append(
                "recovered",
                manifest["recording_id"],
                frames=manifest["frames"],
                last_good_time=manifest["interrupted"]["last_good_time"],
            )
            results.append(RecoveryResult(manifest["recording_id"], manifest, None))
        return results

    # -- retention --------------------------------------------------------------------------
    def hold(self, recording_id: str, reason: str) -> str:
        check_length("hold_reason", reason)
        path = self.vault.vault.recording_path(recording_id)
        if not reason.strip():
            raise GespreksError("error.hold_reason")
        self.audit.append("held", path.stem, reason=reason.strip())
        return path.stem

    def release(self, recording_id: str, reason: str = "") -> str:
        check_length("release_reason", reason)
        path = self.vault.vault.recording_path(recording_id)
        self.audit.append("released", path.stem, reason=reason.strip())
        return path.stem

    def expired(self, now: datetime | None = None) -> list[RecordingInfo]:
        moment = now or datetime.now(UTC)
        return [info for info in self.recordings() if info.expired(moment)]

    def purge(self, infos: list[RecordingInfo]) -> list[str]:
        """Destroy recordings whose retention ended: the audit entry first, then the key, then
        the files. Refuses when the audit log does not verify (holds live in it)."""
        _entries, problem = self.audit.read()
        if problem is not None:
            raise AuditError("audit.purge_refused", line=problem.line)
        purged = []
        for info in infos:
            assert info.retention_until is not None and info.summary is not None
            self.audit.append(
                "purged",
                info.recording_id,
                retention_until=info.retention_until.isoformat(),
                started=info.summary.started,
            )
            self.vault.destroy_recording(info.recording_id)
            purged.append(info.recording_id)
        return purged

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
