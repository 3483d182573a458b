"""What the policy layer seals into a recording, and the retention that follows from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from audio.encoding import parse_time
from policy.policy import Policy
from policy.rules import Decision
from policy.session import Session

RECORD_VERSION = 1


def session_record(session: Session, decision: Decision, policy: Policy) -> dict[str, Any]:
    """The opaque, versioned session document of the manifest: the session, the decision and a
    snapshot of the purpose (so retention does not change when the policy file changes)."""
    purpose = policy.purpose(session.purpose)
    return {
        "version": RECORD_VERSION,
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


def retention_until(manifest: dict[str, Any]) -> datetime | None:
    """The end of retention of a sealed recording: its start plus its purpose's term.

    None when the recording has no purpose (it is then never purged automatically).
    """
    record = manifest.get("session")
    if not isinstance(record, dict) or not isinstance(record.get("purpose"), dict):
        return None
    days = record["purpose"].get("retention_days")
    if not isinstance(days, int):
        return None
    started = datetime.fromtimestamp(parse_time(manifest["started"]), UTC)
    return started + timedelta(days=days)


def purpose_label(manifest: dict[str, Any] | None, lang: str) -> str:
    record = (manifest or {}).get("session")
    if isinstance(record, dict) and isinstance(record.get("purpose"), dict):
        labels = record["purpose"].get("labels", {})
        return str(labels.get(lang) or labels.get("nl") or record["purpose"].get("id", ""))
    return ""


def participant_names(manifest: dict[str, Any] | None) -> list[str]:
    record = (manifest or {}).get("session")
    if isinstance(record, dict) and isinstance(record.get("session"), dict):
        return [str(p.get("name", "")) for p in record["session"].get("participants", [])]
    return []
