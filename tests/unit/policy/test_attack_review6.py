"""Attack review 6 (issue 16): rule c's basis in the copy, early deletion with the officer's key,
the escrow and the opening log. A test marked xfail(strict) is a break that still works."""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import pytest

from audio.container import layout as c
from audio.vault.keys import RecoveryPrivateKey
from audio.vault.stanzas import X25519Identity, X25519Recipient
from desktop.cli import main
from policy.erasure import ErasureRefused, erase_recording
from policy.policy import load_policy
from policy.rules import evaluate
from policy.sealed import session_document
from policy.traces import OPENING_LOG
from policy.workspace import Workspace
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import DEFAULT, lawful
from tests.unit.policy.test_traces import Setup

RATE = 48000


def _sealed(workspace: Workspace, officer: RecoveryPrivateKey | None = None) -> str:
    session = lawful()  # participants: J. de Vries (employee), A. Yilmaz (citizen)
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    keys = [officer.public] if officer is not None else []
    writer = workspace.vault.new_recording(
        sample_rate=RATE, channels=1, session=doc, recovery_keys=keys
    )
    t = np.arange(RATE // 4) / RATE
    writer.write((8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())
    writer.seal()
    return writer.recording_id


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(DEFAULT), kdf=FAST_KDF)


@pytest.fixture
def setup(cli_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return Setup(cli_vault, tmp_path, monkeypatch)


# -- 2. the insider: early deletion without the Privacy Officer -----------------------------------
def test_an_insider_cannot_erase_with_a_stanza_of_their_own(workspace: Workspace) -> None:
    officer = RecoveryPrivateKey.generate()
    rid = _sealed(workspace, officer)
    path = workspace.vault.vault.recording_path(rid)
    # The insider: the passphrase gives the file key; a stanza for their own key goes in.
    own = RecoveryPrivateKey.generate()
    data = path.read_bytes()
    with open(path, "rb") as handle:
        header = c.read_header(handle)
    file_key = c.unlock(header, workspace.vault.identities())
    extra = X25519Recipient(own.public).wrap(file_key, rid, secrets.token_bytes)
    forged = c.encode_header(file_key, rid, header.payload_nonce, [*header.stanzas, extra])
    path.write_bytes(forged + data[header.size :])
    with pytest.raises(ErasureRefused):
        erase_recording(workspace, rid, "per ongeluk opgenomen", X25519Identity(own))
    assert path.exists()


def test_a_recording_still_being_recorded_is_not_erased(workspace: Workspace) -> None:
    officer = RecoveryPrivateKey.generate()
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.vault.new_recording(
        sample_rate=RATE, channels=1, session=doc, recovery_keys=[officer.public]
    )
    writer.write(bytes(9600))
    with pytest.raises(ErasureRefused):
        erase_recording(workspace, writer.recording_id[:8], "wissing", X25519Identity(officer))
    assert workspace.vault.vault.recording_path(writer.recording_id).exists()


def test_a_held_recording_is_not_erased_by_its_id_prefix(workspace: Workspace) -> None:
    officer = RecoveryPrivateKey.generate()
    rid = _sealed(workspace, officer)
    workspace.hold(rid, "klacht")
    with pytest.raises(ErasureRefused):
        erase_recording(workspace, rid[:4], "wissing", X25519Identity(officer))
    assert workspace.vault.vault.recording_path(rid).exists()


# -- 1. the outsider: the opening log ------------------------------------------------------------
def test_the_opening_log_does_not_follow_a_planted_symlink(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.with_recovery()
    container = setup.record(setup.open())
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    victim = tmp_path / "elders" / ".bashrc"
    victim.parent.mkdir()
    victim.write_text("# the officer's own file\n")
    (out_dir / OPENING_LOG).symlink_to(victim)
    out = out_dir / "opname.wav"
    main(["recovery-open", str(container), *setup.key_args(), "--out", str(out)])
    assert victim.read_text() == "# the officer's own file\n"


# -- 1 and 3. the copy's basis -------------------------------------------------------------------
def _export(setup: Setup, tmp_path: Path, recipient: str, *extra: str) -> Path:
    workspace = setup.open()
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.new_recording(sample_rate=RATE, channels=1, session=doc)
    writer.write(bytes(9600))
    writer.seal()
    target = tmp_path / "kopie"
    target.mkdir(exist_ok=True)
    args = ["export", writer.recording_id, "--to", str(target), "--recipient", recipient]
    assert main([*args, *extra]) == 0
    (folder,) = [p for p in target.iterdir() if not p.name.startswith(".")]
    return folder


def test_a_genuine_copy_verifies_and_says_for_whom_and_why(
    setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _export(setup, tmp_path, "A. Yilmaz")
    monkeypatch.delenv("GESPREKSOPNAME_VAULT")
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(tmp_path / "geen-kluis"))
    assert main(["verify", str(folder)]) == 3
    assert main(["verify", str(folder), "--ca", str(setup.org.certificate)]) == 0
    readme = (folder / "LEESMIJ.txt").read_text(encoding="utf-8")
    assert "A. Yilmaz" in readme


def test_an_outsider_cannot_strip_or_change_the_basis(setup: Setup, tmp_path: Path) -> None:
    folder = _export(setup, tmp_path, "A. Yilmaz")
    audio = folder / "opname.wav"
    data = audio.read_bytes()
    assert b'"basis":{"kind":"participant"}' in data
    # Same length, so the chunk sizes still hold: only the signature can tell.
    changed = data.replace(b'"kind":"participant"', b'"kind":"consent"    ')
    lone = tmp_path / "los.wav"
    lone.write_bytes(changed)
    assert main(["verify", str(lone)]) == 1
    stripped = data.replace(b'"basis":{"kind":"participant"},', b"")
    lone.write_bytes(stripped)
    assert main(["verify", str(lone)]) == 1
