"""Rule a, the other direction: keep the recording a citizen hands over, exactly as received.

The file's bytes go into an encrypted container unchanged (format "file"), sealed with what we
know: received from whom, when, and its SHA-256. The seal vouches only for what was received,
not for how the citizen made or kept it, and says so.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.container import layout as c
from audio.container.manifest import Manifest
from audio.encoding import iso_time
from audio.errors import GespreksError
from policy.inputs import check_length
from policy.session import Session

if TYPE_CHECKING:
    from policy.workspace import Workspace

MAX_IMPORT = 8 * 1024**3


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


def import_recording(
    workspace: Workspace, file: Path, session: Session, received_from: str | None = None
) -> Manifest:
    """Store a received recording byte for byte; returns the sealed manifest."""
    check_length("received_from", received_from)  # before anything is written
    file = Path(file)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise GespreksError("error.cannot_read", path=str(file), reason=exc.strerror) from exc
    if not file.is_file() or size > MAX_IMPORT:
        raise GespreksError("error.import_file", path=str(file))
    purpose = workspace.policy.purpose(session.purpose)
    if purpose is None:  # retention follows the purpose, as for our own recordings
        raise GespreksError("error.import_purpose", purpose=session.purpose or "-")
    citizens = [p.name for p in session.participants if p.role != "employee"]
    giver = received_from or (citizens[0] if citizens else "")
    if not giver:
        raise GespreksError("error.import_from")
    media = _media_info(file)
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
        "organisation": workspace.policy.organisation,
        "purpose": {
            "id": purpose.id,
            "labels": purpose.labels,
            "retention_days": purpose.retention_days,
        },
    }
    writer = workspace.new_recording(
        sample_rate=1,
        channels=1,
        sample_format=c.FILE_FORMAT,
        session=record,
        duration_s=float(media.get("duration_s", 0.0)),
    )
    try:
        with open(file, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                writer.write(block)
        manifest = writer.seal()
    except OSError as exc:
        writer.close()
        workspace.vault.destroy_recording(writer.recording_id)
        raise GespreksError("error.cannot_read", path=str(file), reason=exc.strerror) from exc
    assert manifest.pcm_sha256 == digest.hexdigest()
    workspace.audit.append(
        "imported",
        writer.recording_id,
        received_from=giver,
        file_sha256=digest.hexdigest(),
        size=size,
    )
    return manifest
