"""Early deletion of a recording: the citizen withdraws consent or asks for erasure (AVG art. 17),
or the recording was made by mistake.

Two people decide. The employee states the reason; the Privacy Officer confirms with the
organisation's recovery key, proved by opening this recording's x25519 stanza with it. That key
is kept offline by the Privacy Officer, so the employee alone (who knows the vault passphrase,
and would know a second passphrase kept on the same laptop just as well) cannot delete a
recording before its term.

The local recording is destroyed as a purge does it: the trail's entry and the register's
"purged" first (under the state's lock, which also refuses a recording on hold), then the key
slot, then the files. A copy already in the organisation's archive is not touched here: under
COMPLIANCE lock nobody can delete it before its retain-until; it opens only with the offline
recovery key, and the Privacy Officer deletes it there (GOVERNANCE bypass) or lets it expire. The
deletion receipt for the citizen says so.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.container import layout as c
from audio.container.summary import summarize
from audio.encoding import parse_time
from audio.errors import GespreksError, IntegrityError, NoMatchingKey
from audio.vault.stanzas import X25519Identity
from audio.vault.state import PURGED, RECORDING, State
from policy import archiving
from policy.audit import AuditError
from policy.documents import long_date, render_pdf
from policy.inputs import check_length
from policy.sealed import retention_until
from resources.catalogue import text

if TYPE_CHECKING:
    from policy.workspace import Workspace


class ErasureRefused(GespreksError):
    """Early deletion is not allowed (the recording is on hold, the officer's key does not
    open it): nothing was written, nothing destroyed."""


@dataclass(frozen=True)
class Erasure:
    """What an early deletion did, for the receipt and the faces."""

    recording_id: str
    erased: str  # ISO 8601, UTC
    reason: str
    started: str  # when the conversation began (ISO 8601, UTC)
    archived: bool  # a copy is in the organisation's archive (and stays there, locked)
    lock_mode: str  # the archive's lock mode, when archived
    retain_until: datetime | None  # until when the archived copy is locked

    def destroyed(self, lang: str) -> str:
        return text("erase.destroyed", lang)

    def archive_note(self, lang: str) -> str:
        if not self.archived:
            return text("erase.not_archived", lang)
        until = long_date(self.retain_until.date(), lang) if self.retain_until else "-"
        key = "erase.archived_compliance" if self.lock_mode == "COMPLIANCE" else "erase.archived"
        return text(key, lang, until=until)


def prove_officer(path: Path, identity: X25519Identity) -> None:
    """The officer's recovery key must open this recording's x25519 stanza (the file key and
    the header's MAC); ErasureRefused otherwise."""
    try:
        with open(path, "rb") as handle:
            header = c.read_header(handle)
        c.unlock(header, [identity])
    except NoMatchingKey as exc:
        raise ErasureRefused("erase.wrong_key") from exc
    except IntegrityError as exc:
        raise ErasureRefused("erase.wrong_key") from exc


def erase_recording(
    workspace: Workspace, recording_id: str, reason: str, officer: X25519Identity
) -> Erasure:
    """Delete one recording before its term; see the module's docstring. Returns what was done."""
    check_length("hold_reason", reason)
    reason = reason.strip()
    if not reason:
        raise GespreksError("erase.no_reason")
    path = workspace.vault.vault.recording_path(recording_id)
    rid = path.stem
    state = workspace.vault.state.read()  # StateError: nothing is destroyed without a register
    entry = state.recordings.get(rid)
    if entry is None:
        raise IntegrityError("unregistered", None)
    if entry.hold is not None:
        raise ErasureRefused("erase.held", id=rid)
    if entry.state == RECORDING:  # being recorded, or waiting for `recover`
        raise ErasureRefused("erase.not_sealed", id=rid)
    _entries, problem = workspace.audit.read()
    if problem is not None:
        raise AuditError("audit.purge_refused", line=problem.line)
    if workspace.register_problem() is not None:
        raise AuditError("audit.purge_refused_register")
    in_force = {key.fingerprint for key in workspace.policy.recovery_keys}
    if officer.private.public.fingerprint not in in_force:
        # Only a recovery key the organisation's signed policy names is the second person: a
        # key pair of the employee's own, added to the header with the file key they hold,
        # would otherwise "confirm" their own deletion.
        raise ErasureRefused("erase.not_in_policy")
    prove_officer(path, officer)
    summary = summarize(path, workspace.vault.identities())
    started = summary.started
    until = retention_until(summary.manifest) if summary.manifest is not None else None
    known = workspace.archive_states().get(rid)
    archived = known is not None and known.state == "archived"
    settings = workspace.policy.archive
    mode = settings.lock_mode if settings is not None and archived else ""
    details: dict[str, Any] = {"reason": reason, "started": started, "archived": archived}
    if archived:
        details["archive_lock"] = mode
    workspace.audit.append("erased", rid, register=_mark_erased(rid), **details)
    workspace.vault.destroy_recording(rid)
    with contextlib.suppress(OSError):  # its public seal is public; no longer needed here
        (workspace.vault.root / archiving.SEALS / f"{rid}.seal.json").unlink()
    if not archived:
        archiving.forget_upload(workspace.vault, rid)  # never uploaded after its deletion
    return Erasure(
        recording_id=rid,
        erased=datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds"),
        reason=reason,
        started=started,
        archived=archived,
        lock_mode=mode,
        retain_until=until,
    )


def _mark_erased(recording_id: str) -> Any:
    """The register's change, made under the state's lock with the trail's entry: a hold put
    on meanwhile refuses it (nothing written)."""

    def change(state: State) -> None:
        entry = state.recordings.get(recording_id)
        if entry is None:
            raise IntegrityError("unregistered", None)
        if entry.hold is not None:
            raise ErasureRefused("erase.held", id=recording_id)
        state.recordings[recording_id] = replace(entry, state=PURGED)

    return change


def write_deletion_receipt(workspace: Workspace, erasure: Erasure, out: Path) -> None:
    """The citizen's confirmation (PDF, Dutch then English): the recording, the date, the
    reason, what was destroyed, what became of an archived copy, and the privacy contacts."""
    policy = workspace.policy
    sections: list[tuple[str, str]] = []
    erased = datetime.fromisoformat(erasure.erased).astimezone().date()
    started = datetime.fromtimestamp(parse_time(erasure.started)).date()
    for lang in ("nl", "en"):
        body = policy.text(
            "deletion_receipt",
            lang,
            recording_id=erasure.recording_id,
            date=long_date(erased, lang),
            conversation_date=long_date(started, lang),
            reason=erasure.reason,
            destroyed=erasure.destroyed(lang),
            archive=erasure.archive_note(lang),
        )
        sections.append((text("erase.heading", lang), body))
    title = text("erase.title", "nl", organisation=policy.organisation)
    render_pdf(out, title, sections, footer=text("erase.footer", "nl", id=erasure.recording_id))
