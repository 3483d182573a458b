"""Early deletion: the reason, the Privacy Officer's recovery key as the second person, refused
for a held recording, the key slot and files destroyed, "erased" in the trail, and a deletion
receipt for the citizen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from audio.vault.keys import RecoveryPrivateKey, RecoveryPublicKey
from audio.vault.state import PURGED
from desktop.cli import main
from policy.erasure import ErasureRefused, erase_recording, write_deletion_receipt
from policy.policy import load_policy
from policy.recovery_key import X25519Identity, make_recovery_key
from policy.rules import evaluate
from policy.sealed import session_document
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org, signed_policy
from tests.unit.conftest import CLI_PASSPHRASE, FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import lawful

RATE = 48000
OFFICER_SECRET = "groene olifant drinkt koude thee"


def recording(workspace: Workspace, officer: RecoveryPublicKey) -> str:
    """A sealed recording encrypted to this vault and to the officer's recovery key."""
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.vault.new_recording(
        sample_rate=RATE, channels=1, session=doc, recovery_keys=[officer]
    )
    t = np.arange(RATE // 4) / RATE
    writer.write((8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())
    writer.seal()
    return writer.recording_id


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def officer_policy(folder: Path, org: Org, officer: RecoveryPublicKey) -> Path:
    """The organisation's signed policy naming the Privacy Officer's recovery key."""
    folder.mkdir(parents=True, exist_ok=True)
    return signed_policy(folder, org, ("recovery = []", f'recovery = ["""{officer.pem()}"""]'))


@pytest.fixture
def officer() -> RecoveryPrivateKey:
    return RecoveryPrivateKey.generate()


@pytest.fixture
def workspace(tmp_path: Path, officer: RecoveryPrivateKey) -> Workspace:
    """An enrolled laptop under the organisation's signed policy, which names the officer's key
    (only a key that policy puts in force can confirm an early deletion)."""
    org = make_org(tmp_path / "org")
    file = officer_policy(tmp_path / "beleid", org, officer.public)
    made = Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(file), kdf=FAST_KDF)
    org.enroll(made)
    workspace = Workspace(made.vault, load_policy(file))
    assert [k.fingerprint for k in workspace.policy.recovery_keys] == [officer.public.fingerprint]
    return workspace


def test_the_officers_key_erases_and_the_trail_says_so(
    workspace: Workspace, officer: RecoveryPrivateKey, tmp_path: Path
) -> None:
    rid = recording(workspace, officer.public)
    slot = workspace.vault.key.slot_path(rid)
    path = workspace.vault.vault.recording_path(rid)
    assert slot.exists() and path.exists()
    erasure = erase_recording(
        workspace, rid, "Toestemming ingetrokken door mevrouw Yilmaz", X25519Identity(officer)
    )
    assert not slot.exists() and not path.exists()
    state = workspace.vault.state.read()
    assert state.recordings[rid].state == PURGED
    entries, problem = workspace.audit_problem()
    assert problem is None  # the register and the trail agree: erased counts as purged
    last = entries[-1]
    assert last.action == "erased" and last.recording_id == rid
    assert last.details["reason"] == "Toestemming ingetrokken door mevrouw Yilmaz"
    assert not erasure.archived
    # The citizen's receipt says what, when, why, and whom to ask (Dutch and English).
    receipt = tmp_path / "bevestiging.pdf"
    write_deletion_receipt(workspace, erasure, receipt)
    said = pdf_text(receipt)
    for part in (
        "Bevestiging van verwijdering",
        "Confirmation of deletion",
        rid,
        "Reden: Toestemming ingetrokken door mevrouw Yilmaz",
        "Reason: Toestemming ingetrokken",
        "Wat is vernietigd: de sleutel van de opname",
        "What was destroyed: the recording's key",
        "Er stond geen kopie in het archief",
        "privacy@s-hertogenbosch.nl",
        "fg@s-hertogenbosch.nl",
        "Privacy Officer",
    ):
        assert part in said, part


def test_a_wrong_key_or_a_hold_refuses_and_destroys_nothing(
    workspace: Workspace, officer: RecoveryPrivateKey
) -> None:
    rid = recording(workspace, officer.public)
    path = workspace.vault.vault.recording_path(rid)
    stranger = RecoveryPrivateKey.generate()
    with pytest.raises(ErasureRefused) as wrong:
        erase_recording(workspace, rid, "wissing gevraagd", X25519Identity(stranger))
    assert "herstelsleutel uit het ondertekende beleid" in wrong.value.message("nl")
    # Encrypted to the stranger's key too (as an employee can add a key of their own to the
    # header): still not the policy's key, still refused.
    own = recording(workspace, stranger.public)
    with pytest.raises(ErasureRefused):
        erase_recording(workspace, own, "wissing gevraagd", X25519Identity(stranger))
    workspace.hold(rid, "klacht in behandeling")
    with pytest.raises(ErasureRefused) as held:
        erase_recording(workspace, rid, "wissing gevraagd", X25519Identity(officer))
    assert "hold" in held.value.message("en")
    assert path.exists() and workspace.vault.key.slot_path(rid).exists()
    entries, _ = workspace.audit.read()
    assert not any(e.action == "erased" for e in entries)
    workspace.release(rid, "klacht afgehandeld")
    erase_recording(workspace, rid, "wissing gevraagd", X25519Identity(officer))
    assert not path.exists()


def test_a_recording_without_the_officers_stanza_is_refused(
    workspace: Workspace, officer: RecoveryPrivateKey
) -> None:
    """Made before a recovery key was in force: the officer's key cannot confirm."""
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.vault.new_recording(sample_rate=RATE, channels=1, session=doc)
    writer.write(bytes(960))
    writer.seal()
    with pytest.raises(ErasureRefused) as refused:
        erase_recording(
            workspace, writer.recording_id, "per vergissing opgenomen", X25519Identity(officer)
        )
    assert refused.value.key == "erase.wrong_key"


def test_erase_on_the_command_line(
    cli_vault: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "officer.txt"
    secret.write_text(OFFICER_SECRET, encoding="utf-8")
    key = tmp_path / "herstel.pem"
    public = make_recovery_key(key, OFFICER_SECRET)
    other = tmp_path / "ander.pem"
    make_recovery_key(other, OFFICER_SECRET)
    org = make_org(tmp_path / "org")
    file = officer_policy(tmp_path / "beleid", org, public)
    monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(file))
    org.enroll(Workspace.open(cli_vault, CLI_PASSPHRASE, load_policy(file)))
    workspace = Workspace.open(cli_vault, CLI_PASSPHRASE, load_policy(file))
    rid = recording(workspace, public)
    held = recording(workspace, public)
    workspace.hold(held, "bezwaarprocedure")
    base = ["erase", "--reason", "Toestemming ingetrokken", "--key-passphrase-file", str(secret)]
    capsys.readouterr()
    assert main([*base, held, "--officer-key", str(key)]) == 3  # on hold
    assert "hold" in capsys.readouterr().err
    assert main([*base, rid, "--officer-key", str(other)]) == 3  # not the officer's key
    assert workspace.vault.vault.recording_path(rid).exists()
    assert main(["erase", rid, "--officer-key", str(key)]) == 2  # --reason is required
    receipt = tmp_path / "verwijderd.pdf"
    assert main([*base, rid, "--officer-key", str(key), "--receipt", str(receipt)]) == 0
    out = capsys.readouterr().out
    assert rid in out and "verwijderd" in out
    assert not (cli_vault / "recordings" / f"{rid}.gesp").exists()
    assert (cli_vault / "recordings" / f"{held}.gesp").exists()  # the held one stays
    assert "Toestemming ingetrokken" in pdf_text(receipt)
    assert main(["audit", "--json"]) == 0
    trail = json.loads(capsys.readouterr().out)
    erased = [e for e in trail if e["action"] == "erased"]
    assert len(erased) == 1 and erased[0]["recording_id"] == rid
    assert main(["audit", "--verify"]) == 0
