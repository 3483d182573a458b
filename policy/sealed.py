"""What the policy layer seals into a recording, and the retention that follows from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from audio.container.manifest import JsonObject
from audio.container.manifest import Manifest as Manifest  # re-exported: the faces name it
from audio.encoding import parse_time
from policy.policy import Policy
from policy.rules import Decision
from policy.session import Session

SESSION_VERSION = 1


def session_document(session: Session, decision: Decision, policy: Policy) -> dict[str, object]:
    """The opaque, versioned session document of the manifest: the session, the decision and a
    snapshot of the purpose (so retention does not change when the policy file changes)."""
    purpose = policy.purpose(session.purpose)
    return {
        "version": SESSION_VERSION,
        "session": session.document(),
        "decision": decision.document(),
        "organisation": policy.organisation,
        "purpose": None
        if purpose is None
        else {
            "id": purpose.id,
            "labels": purpose.labels,
            "retention_days": purpose.retention_days,
        },
    }


@dataclass(frozen=True)
class SealedSession:
    """The session document a recording carries, read once for the faces and the copies.

    Everything is optional: a recording made by hand (tests, an imported file) may carry less.
    """

    kind: str  # "recorded", "import" (a file a citizen handed over) or "derived" (an edit)
    purpose_id: str
    purpose_labels: Mapping[str, str]
    retention_days: int | None
    participants: tuple[str, ...]
    derived_from: str | None  # the original recording's id, for an edited version
    derived_cuts: tuple[tuple[float, float], ...]  # what the edit took out, in seconds
    received_from: str  # who handed over an imported recording
    location: str  # where the conversation took place (a code from the session), or ""
    document: JsonObject

    @classmethod
    def of(cls, doc: JsonObject) -> SealedSession:
        purpose = doc.get("purpose")
        purpose = purpose if isinstance(purpose, dict) else {}
        labels = purpose.get("labels")
        days = purpose.get("retention_days")
        session = doc.get("session")
        people = session.get("participants") if isinstance(session, dict) else None
        derived = doc.get("derived_from")
        return cls(
            kind=str(doc.get("kind") or "recorded"),
            purpose_id=str(purpose.get("id") or ""),
            purpose_labels={str(k): str(v) for k, v in labels.items()}
            if isinstance(labels, dict)
            else {},
            retention_days=days if type(days) is int else None,
            participants=tuple(str(p.get("name", "")) for p in people or () if isinstance(p, dict)),
            derived_from=str(derived.get("recording_id"))
            if isinstance(derived, dict) and derived.get("recording_id")
            else None,
            derived_cuts=tuple(
                (float(a), float(b))
                for a, b in (derived.get("cuts") or () if isinstance(derived, dict) else ())
            ),
            received_from=str(doc.get("received_from") or ""),
            location=str(session.get("location") or "") if isinstance(session, dict) else "",
            document=doc,
        )

    def purpose_label(self, lang: str) -> str:
        return self.purpose_labels.get(lang) or self.purpose_labels.get("nl") or self.purpose_id


def retention_until(manifest: Manifest) -> datetime | None:
    """The end of retention of a sealed recording: its start plus its purpose's term.

    None when the recording has no purpose (it is then never purged automatically).
    """
    days = SealedSession.of(manifest.session).retention_days
    if days is None:
        return None
    started = datetime.fromtimestamp(parse_time(manifest.started), UTC)
    return started + timedelta(days=days)
