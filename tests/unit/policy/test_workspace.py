"""The audit trail, holds, purge and refusals on a real vault with real recordings."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from audio.container.verify import verify
from audio.errors import NoMatchingKey
from audio.vault.store import KEYS, Vault
from policy.audit import AuditError, AuditLog
from policy.policy import Policy
from policy.refusal import REFUSALS, refusal_from_dict
from policy.rules import evaluate
from policy.sealed import session_document
from policy.workspace import Workspace
from tests.unit.conftest import FAST_KDF, PASSPHRASE, pcm
from tests.unit.policy.conftest import lawful

DAY = 86400.0


@pytest.fixture
def workspace(tmp_path: Path, policy: Policy) -> Workspace:
    return Workspace.create(tmp_path / "vault", PASSPHRASE, policy, kdf=FAST_KDF)


def record(workspace: Workspace, days_ago: float = 0.0) -> str:
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    started = time.time() - days_ago * DAY
    writer = workspace.vault.new_recording(
        sample_rate=48000, channels=1, session=doc, clock=lambda: started
    )
    writer.write(pcm(4800, 1))
    writer.seal()
    return writer.recording_id


def lines(workspace: Workspace) -> list[bytes]:
    return workspace.audit.path.read_bytes().splitlines(keepends=True)


def problem(workspace: Workspace) -> str | None:
    _entries, found = AuditLog(workspace.vault).read()
    return None if found is None else f"{found.what}@{found.line}"


def test_the_audit_trail_is_encrypted_chained_and_intact(workspace: Workspace) -> None:
    rid = record(workspace)
    workspace.hold(rid, "klacht van mevrouw Yilmaz")
    entries, found = workspace.audit.read()
    assert found is None
    assert [e.action for e in entries] == ["vault_created", "held"]
    assert entries[1].details["reason"] == "klacht van mevrouw Yilmaz"
    assert b"Yilmaz" not in workspace.audit.path.read_bytes()


@pytest.mark.parametrize("damage", ["change", "delete", "reorder", "truncate", "head", "insert"])
def test_every_change_to_the_audit_trail_is_found(workspace: Workspace, damage: str) -> None:
    rid = record(workspace)
    for reason in ("een", "twee", "drie"):
        workspace.hold(rid, reason)
    original = lines(workspace)
    changed = list(original)
    if damage == "change":
        doc = json.loads(changed[2])
        doc["seq"] = 7
        changed[2] = json.dumps(doc).encode() + b"\n"
    elif damage == "delete":
        del changed[1]
    elif damage == "reorder":
        changed[1], changed[2] = changed[2], changed[1]
    elif damage == "truncate":
        changed = changed[:-1]
    elif damage == "insert":
        changed.insert(1, changed[3])
    if damage == "head":  # the anchor (the vault's state) removed
        (workspace.vault.root / "state.enc").unlink()
    else:
        workspace.audit.path.write_bytes(b"".join(changed))
    assert problem(workspace) is not None


def test_cli_audit_verify_exit_codes(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main

    workspace.audit.append("unlocked")

    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(workspace.vault.root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    assert main(["audit", "--verify"]) == 0
    content = lines(workspace)
    # A line in the middle removed (a last line removed is put back from the vault's state).
    workspace.audit.path.write_bytes(b"".join([content[0], *content[2:]]))
    assert main(["audit", "--verify"]) == 1
    out = capsys.readouterr().out
    assert "AUDITSPOOR GEWIJZIGD: regel 2" in out


def test_purge_destroys_expired_recordings_but_not_held_ones(workspace: Workspace) -> None:
    old = record(workspace, days_ago=120)  # accurate_report: 90 days
    held = record(workspace, days_ago=120)
    fresh = record(workspace, days_ago=10)
    workspace.hold(held, "bezwaarprocedure loopt")
    old_path = workspace.vault.vault.recording_path(old)
    copy = old_path.read_bytes()  # a backup someone made
    expired = workspace.expired()
    assert [i.recording_id for i in expired] == [old]
    assert workspace.purge(expired) == [old]
    assert not old_path.exists()
    assert not (workspace.vault.root / KEYS / f"{old}.key").exists()
    backup = workspace.vault.root.parent / "backup.gesp"
    backup.write_bytes(copy)
    reopened = Vault.open(workspace.vault.root).unlock(PASSPHRASE)
    with pytest.raises(NoMatchingKey):  # the key was destroyed: no copy opens again
        verify(backup, reopened.identities(), {})
    remaining = {i.recording_id for i in workspace.recordings()}
    assert remaining == {held, fresh}
    entries, _ = workspace.audit.read()
    purged = [e for e in entries if e.action == "purged"]
    assert len(purged) == 1 and purged[0].recording_id == old and purged[0].actor
    workspace.release(held)
    assert [i.recording_id for i in workspace.expired()] == [held]


def test_purge_is_refused_when_the_audit_trail_was_changed(workspace: Workspace) -> None:
    rid = record(workspace, days_ago=120)
    workspace.hold(rid, "klacht")
    content = lines(workspace)
    workspace.audit.path.write_bytes(content[0])  # someone cut the trail
    with pytest.raises(AuditError):
        workspace.purge(workspace.expired())
    assert workspace.vault.vault.recording_path(rid).exists()


def test_refusal_is_stored_encrypted_with_a_letter(workspace: Workspace, tmp_path: Path) -> None:
    refusal = refusal_from_dict(
        {
            "citizen": "mevrouw A. Yilmaz",
            "employee": "J. de Vries",
            "date": "2026-11-28",
            "reasons": ["Het gesprek gaat over de veiligheid van een derde."],
            "alternative": "written_summary",
        }
    )
    letter = tmp_path / "brief.pdf"
    workspace.register_refusal(refusal, letter)
    assert letter.read_bytes().startswith(b"%PDF")
    stored = workspace.vault.root / REFUSALS / f"{refusal.id}.enc"
    assert b"Yilmaz" not in stored.read_bytes()
    assert workspace.vault.load_document(REFUSALS, refusal.id)["citizen"] == "mevrouw A. Yilmaz"
    entries, _ = workspace.audit.read()
    assert entries[-1].action == "refusal_registered"
