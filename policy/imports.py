"""Rule a, the other direction: keep the recording a citizen hands over, exactly as received.

The file's bytes go into an encrypted container unchanged (format "file"), sealed with what we
know: received from whom, when, and its SHA-256. The seal vouches only for what was received,
not for how the citizen made or kept it, and says so.

Both faces (`gespreksopname import` and the app's import dialog) call `import_recording`, so the
checks are the same: the file must be an audio recording (`check_import_file`: one a sound
library can read, or one whose first bytes are those of an audio container a phone or recorder
makes) of at most 8 GB; the conversation passes the policy's gate (`policy.rules.evaluate`,
logged as `session_checked`; refused: `ImportRefused`, nothing stored); a write that fails (a full
disk) leaves nothing behind (`importing.disk`).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.container import layout as c
from audio.container.manifest import Manifest
from audio.encoding import iso_time
from audio.errors import GespreksError, WriteError
from policy.inputs import check_length
from policy.session import Session
from resources.catalogue import text

if TYPE_CHECKING:
    from policy.rules import Decision

if TYPE_CHECKING:
    from policy.workspace import Workspace

MAX_IMPORT = 8 * 1024**3

# The first bytes of the audio containers phones and recorders write that a sound library may
# not read (M4A/AAC, AMR, WMA, WebM...): (offset, bytes). Anything else that no sound library
# reads either is not a recording (a document, a photo, a zip) and is refused.
AUDIO_MAGIC: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),  # MP4 family: .m4a, .mp4, .3gp, .aac in MP4
    (0, b"ID3"),  # MP3 with a tag
    (0, b"RIFF"),  # WAV
    (0, b"RF64"),  # WAV above 4 GB
    (0, b"OggS"),  # Ogg Vorbis / Opus
    (0, b"fLaC"),
    (0, b"#!AMR"),  # voice memos of older phones
    (0, b"caff"),  # Apple Core Audio
    (0, b"FORM"),  # AIFF
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),  # ASF: .wma
)


class ImportRefused(GespreksError):
    """The conversation does not pass the policy's gate: `decision` holds every reason, and
    nothing was stored (the check itself is logged as `session_checked`)."""

    key = "importing.refused"

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__()

    def message(self, lang: str = "nl") -> str:
        reasons = "\n".join(f"- {reason.text(lang)}" for reason in self.decision.reasons)
        return text(self.key, lang) + "\n" + reasons


def _media_info(path: Path) -> dict[str, Any]:
    """What the file is, if an audio library can tell (a citizen's phone may use anything)."""
    import soundfile

    try:
        info = soundfile.info(str(path))
    except Exception:  # unknown formats are kept all the same
        return {"decodable": False}
    return {
        "decodable": True,
        "format": info.format,
        "subtype": info.subtype,
        "sample_rate": info.samplerate,
        "channels": info.channels,
        "duration_s": round(float(info.duration), 3),
    }


def _looks_like_audio(head: bytes) -> bool:
    if any(head[at : at + len(magic)] == magic for at, magic in AUDIO_MAGIC):
        return True
    # An MPEG audio frame (MP3, or AAC in ADTS) starts with eleven bits set.
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


def check_import_file(file: Path) -> dict[str, Any]:
    """The checks on the file alone, before anything is asked or written: a regular file of at
    most 8 GB that is an audio recording. Returns what a sound library can tell of it."""
    file = Path(file)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise GespreksError("error.cannot_read", path=str(file), reason=exc.strerror) from exc
    if not file.is_file() or size > MAX_IMPORT:
        raise GespreksError("error.import_file", path=str(file))
    media = _media_info(file)
    if not media["decodable"]:
        try:
            with open(file, "rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            raise GespreksError("error.cannot_read", path=str(file), reason=exc.strerror) from exc
        if not _looks_like_audio(head):
            raise GespreksError("importing.not_audio", name=file.name)
    return media


def import_recording(
    workspace: Workspace,
    file: Path,
    session: Session,
    received_from: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> Manifest:
    """Store a received recording byte for byte; returns the sealed manifest. `progress` is
    told the fraction stored after each block (whatever it raises stops the import, and
    nothing is kept)."""
    check_length("received_from", received_from)  # before anything is written
    file = Path(file)
    media = check_import_file(file)
    size = file.stat().st_size
    decision = workspace.check(session)  # the gate, as for our own recordings (logged)
    if not decision.allowed:
        raise ImportRefused(decision)
    purpose = workspace.policy.purpose(session.purpose)
    if purpose is None:  # retention follows the purpose, as for our own recordings
        raise GespreksError("error.import_purpose", purpose=session.purpose or "-")
    citizens = [p.name for p in session.participants if p.role != "employee"]
    giver = received_from or (citizens[0] if citizens else "")
    if not giver:
        raise GespreksError("error.import_from")
    digest = hashlib.sha256()
    record = {
        "version": 1,
        "kind": "import",
        "received_from": giver,
        "received_at": iso_time(time.time()),
        "file_name": file.name,
        "file_size": size,
        "media": media,
        "statement": "vouches only for the bytes received, not for how they were made",
        "session": session.document(),
        "decision": decision.document(),
        "organisation": workspace.policy.organisation,
        "purpose": {
            "id": purpose.id,
            "labels": purpose.labels,
            "retention_days": purpose.retention_days,
        },
    }
    try:
        writer = workspace.new_recording(
            sample_rate=1,
            channels=1,
            sample_format=c.FILE_FORMAT,
            session=record,
            duration_s=float(media.get("duration_s", 0.0)),
        )
    except OSError as exc:  # a full disk before the first byte
        raise GespreksError("importing.disk", reason=exc.strerror or str(exc)) from exc
    done = 0
    try:
        with open(file, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                writer.write(block)
                done += len(block)
                if progress is not None:
                    progress(done / size if size else 1.0)
        manifest = writer.seal()
    except BaseException as exc:  # a read or write error, or the user cancelled: keep nothing
        with contextlib.suppress(GespreksError, OSError):
            writer.close()
        workspace.vault.destroy_recording(writer.recording_id)
        if isinstance(exc, WriteError):  # a full disk, a vault that cannot be written
            reason = str(exc.params.get("reason", ""))
            raise GespreksError("importing.disk", reason=reason) from exc
        if isinstance(exc, OSError):
            raise GespreksError("error.cannot_read", path=str(file), reason=exc.strerror) from exc
        raise
    assert manifest.pcm_sha256 == digest.hexdigest()
    workspace.audit.append(
        "imported",
        writer.recording_id,
        received_from=giver,
        file_sha256=digest.hexdigest(),
        size=size,
    )
    return manifest
