"""Rule b: an edit only when announced and agreed by every participant, as a new recording.

The original stays untouched. The derived recording's sealed manifest names the original's
seal (id and audio hash), the parts cut out, and the consent that allowed it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.container import layout as c
from audio.container.manifest import Manifest
from audio.container.summary import summarize
from audio.container.verify import verify
from audio.errors import GespreksError
from policy.inputs import check_count, check_length
from policy.schema import Checker, DocumentError, read_toml
from policy.sealed import SealedSession
from policy.session import CONSENT_METHODS

if TYPE_CHECKING:
    from policy.workspace import Workspace

_TIME = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$")


class ConsentError(DocumentError):
    """A consent file cannot be read, is not valid, or does not cover every participant."""


@dataclass(frozen=True)
class Consent:
    announced: bool
    date: str
    description: str
    agreed: dict[str, str]  # participant name -> method

    def document(self) -> dict[str, Any]:
        return {
            "announced": self.announced,
            "date": self.date,
            "description": self.description,
            "participants": [{"name": n, "method": m} for n, m in self.agreed.items()],
        }


def parse_time(value: str) -> float:
    """ "90", "1:30", "0:01:30.5" -> seconds."""
    match = _TIME.match(value.strip())
    if not match:
        raise GespreksError("error.cut_time", value=value)
    parts = [p for p in match.groups() if p is not None]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def parse_cut(value: str) -> tuple[float, float]:
    start, sep, end = value.partition("-")
    if not sep:
        raise GespreksError("error.cut_time", value=value)
    cut = (parse_time(start), parse_time(end))
    if cut[1] <= cut[0]:
        raise GespreksError("error.cut_order", value=value)
    return cut


def load_consent(file: Path) -> Consent:
    doc, source = read_toml(Path(file), ConsentError)
    check = Checker(source, str(file), ConsentError)
    check.table(doc, [], {"announced", "date", "description", "participants"})
    agreed: dict[str, str] = {}
    for index, entry in enumerate(check.get(doc, ["participants"], list)):
        where: list[str | int] = ["participants", index]
        if not isinstance(entry, dict):
            raise check.fail("type", where, expected="tabel/table")
        check.table(entry, where, {"name", "agreed", "method"})
        if check.get(entry, [*where, "agreed"], bool):
            method = check.choice(entry, [*where, "method"], CONSENT_METHODS)
            agreed[check.text(entry, [*where, "name"]).strip()] = method
    when = check.get(doc, ["date"], (date, str))
    return Consent(
        announced=check.get(doc, ["announced"], bool),
        date=when.isoformat() if isinstance(when, date) else when,
        description=check.text(doc, ["description"]),
        agreed=agreed,
    )


def derive_recording(
    workspace: Workspace, recording_id: str, cuts: list[tuple[float, float]], consent: Consent
) -> Manifest:
    """Make the edited version; refused unless the edit was announced and all agreed."""
    # The consent is sealed into the new recording: its text within limits, like a session's.
    check_length("consent_description", consent.description)
    check_count("participants", consent.agreed)
    for name in consent.agreed:
        check_length("participant_name", name)
    path = workspace.vault.vault.recording_path(recording_id)
    summary = summarize(path, workspace.vault.identities())
    original = summary.manifest
    if original is None or original.sample_format == c.FILE_FORMAT:
        raise GespreksError("error.derive_source", id=recording_id)
    names = SealedSession.of(original.session).participants
    missing = [name for name in names if name not in consent.agreed]
    if not consent.announced or missing or not names:
        raise GespreksError(
            "error.derive_consent", missing=", ".join(missing) or "-", announced=consent.announced
        )
    rate = original.sample_rate
    duration = original.frames / rate
    ranges = sorted((round(a * rate), round(b * rate)) for a, b in cuts)
    overlapping = any(b > next_a for (_, b), (next_a, _) in itertools.pairwise(ranges))
    if overlapping or (ranges and ranges[-1][1] > original.frames):
        raise GespreksError("error.cut_range", duration=round(duration, 3))
    document = dict(original.session)
    document["kind"] = "derived"
    document["derived_from"] = {
        "recording_id": original.recording_id,
        "pcm_sha256": original.pcm_sha256,
        "signer": original.fingerprint,
        "cuts": [[a / rate, b / rate] for a, b in ranges],
        "cut_frames": [[a, b] for a, b in ranges],
    }
    document["consent"] = consent.document()
    writer = workspace.new_recording(
        sample_rate=rate,
        channels=original.channels,
        sample_format=original.sample_format,
        session=document,
    )
    frame_size = c.frame_size(original.sample_format, original.channels)
    position = 0

    def keep(block: memoryview) -> None:
        nonlocal position
        count = len(block) // frame_size
        start = 0
        for a, b in ranges:
            lo, hi = max(a - position, 0), min(b - position, count)
            if lo < hi:
                if lo > start:
                    writer.write(block[start * frame_size : lo * frame_size])
                start = max(start, hi)
        if start < count:
            writer.write(block[start * frame_size :])
        position += count

    try:
        verify(path, workspace.vault.identities(), workspace.trusted("-"), keep)
        manifest = writer.seal()
    except BaseException:
        writer.close()
        workspace.vault.destroy_recording(writer.recording_id)  # nothing half-made remains
        raise
    workspace.audit.append(
        "derived",
        manifest.recording_id,
        original=original.recording_id,
        cuts=[[a / rate, b / rate] for a, b in ranges],
        consent_date=consent.date,
    )
    return manifest
