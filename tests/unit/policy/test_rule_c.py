"""Rule c for the municipality: a copy goes to a participant or their representative; to anyone
else only with the recorded consent of every party, and the copy says on which basis."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from audio.copies.verify import verify_folder
from audio.vault.keys import VerifyKey
from desktop.cli import main
from policy.copies import CopyRefused, copy_basis, export_copy, same_person
from policy.derive import load_consent
from policy.policy import load_policy
from policy.rules import evaluate
from policy.sealed import session_document
from policy.workspace import Workspace
from tests.unit.conftest import CLI_PASSPHRASE, FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import DEFAULT, lawful

RATE = 48000


def consent_file(folder: Path, names: list[str]) -> Path:
    lines = [
        "announced = true",
        'date = "2026-03-02"',
        'description = "Kopie voor de advocaat van mevrouw Yilmaz"',
    ]
    for name in names:
        lines += ["", "[[participants]]", f"name = {json.dumps(name)}", "agreed = true",
                  'method = "written"']  # fmt: skip
    file = folder / "toestemming.toml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def _recording(workspace: Workspace) -> str:
    session = lawful()  # participants: J. de Vries (employee), A. Yilmaz (citizen)
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.new_recording(sample_rate=RATE, channels=1, session=doc)
    t = np.arange(RATE // 2) / RATE
    writer.write((8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())
    writer.seal()
    return writer.recording_id


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(DEFAULT), kdf=FAST_KDF)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_names_compare_as_people_write_them() -> None:
    assert same_person("A. Yilmaz", "  a.   YILMAZ ")
    assert same_person("Şükrü Öztürk", "şükrü öztürk")
    assert not same_person("A. Yilmaz", "B. Yilmaz")
    assert not same_person("", "")


def test_the_basis_follows_rule_c(tmp_path: Path) -> None:
    people = ("J. de Vries", "A. Yilmaz")
    assert copy_basis(people, "a. yilmaz").kind == "participant"
    acting = copy_basis(people, "mr. B. Bakker", representative_of="A. YILMAZ")
    assert acting.kind == "representative" and acting.represents == "A. Yilmaz"
    with pytest.raises(CopyRefused) as refused:
        copy_basis(people, "De Telegraaf")
    assert "Regel c" in refused.value.message("nl") and "De Telegraaf" in refused.value.message()
    with pytest.raises(CopyRefused):  # a representative of someone who did not take part
        copy_basis(people, "mr. B. Bakker", representative_of="C. Jansen")
    partial = load_consent(consent_file(tmp_path, ["A. Yilmaz"]))
    with pytest.raises(CopyRefused) as missing:
        copy_basis(people, "De Telegraaf", consent=partial)
    assert "J. de Vries" in missing.value.message("en")
    (tmp_path / "toestemming.toml").unlink()
    full = load_consent(consent_file(tmp_path, ["j. de vries", "A. Yilmaz"]))
    assert copy_basis(people, "De Telegraaf", consent=full).kind == "consent"
    with pytest.raises(CopyRefused):  # nobody named: no basis can be shown
        copy_basis((), "A. Yilmaz", consent=full)
    with pytest.raises(CopyRefused):
        copy_basis(people, "  ")


def test_a_copy_for_someone_else_needs_everyones_consent(
    workspace: Workspace, tmp_path: Path
) -> None:
    rid = _recording(workspace)
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(CopyRefused):
        export_copy(workspace, rid, usb, "wav", "Buurvrouw Jansen")
    assert list(usb.iterdir()) == []  # nothing written
    consent = load_consent(consent_file(tmp_path, ["J. de Vries", "A. Yilmaz"]))
    folder = export_copy(workspace, rid, usb, "wav", "Buurvrouw Jansen", consent=consent)
    report = verify_folder(folder, {workspace.vault.signing_key.public.raw: "laptop"}).audio
    assert report.record is not None
    basis = report.record.basis
    assert basis is not None and basis["kind"] == "consent"
    assert basis["consent"]["parties"] == ["A. Yilmaz", "J. de Vries"]
    readme = (folder / "LEESMIJ.txt").read_text(encoding="utf-8")
    assert "Grondslag (regel c): geen deelnemer: alle partijen stemden in" in readme
    assert "Basis (rule c): not a participant: every party consented" in readme
    receipt = " ".join(pdf_text(folder / "ontvangstbewijs.pdf").split())
    assert "Grondslag (regel c)" in receipt and "Buurvrouw Jansen" in receipt
    entries, _ = workspace.audit.read()
    exported = [e for e in entries if e.action == "exported"][-1]
    logged = exported.details["basis"]
    assert isinstance(logged, dict) and logged["kind"] == "consent"
    data = json.loads((folder / "gegevens.json").read_text(encoding="utf-8"))
    assert data["basis"].startswith("geen deelnemer") and data["basis_en"].startswith("not a")


def test_a_representative_is_recorded_as_such(workspace: Workspace, tmp_path: Path) -> None:
    rid = _recording(workspace)
    folder = export_copy(
        workspace, rid, tmp_path, "flac", "mr. B. Bakker", representative_of="a. yilmaz"
    )
    report = verify_folder(folder, {workspace.vault.signing_key.public.raw: "laptop"}).audio
    assert report.record is not None and report.record.basis == {
        "kind": "representative",
        "represents": "A. Yilmaz",
    }
    readme = (folder / "LEESMIJ.txt").read_text(encoding="utf-8")
    assert "vertegenwoordiger van A. Yilmaz, deelnemer aan het gesprek" in readme


def test_the_receipt_states_the_rights_and_contacts(workspace: Workspace, tmp_path: Path) -> None:
    rid = _recording(workspace)
    folder = export_copy(workspace, rid, tmp_path, "wav", "A. Yilmaz")
    receipt = " ".join(pdf_text(folder / "ontvangstbewijs.pdf").split())
    for said in (
        "Uw rechten",
        "inzage",
        "rectificatie",
        "wissing",
        "bezwaar",
        "beperking",
        "Autoriteit Persoonsgegevens",
        "Your rights",
        "erasure",
        "object",
        "privacy@s-hertogenbosch.nl",
        "fg@s-hertogenbosch.nl",
        "Grondslag (regel c): deelnemer aan het gesprek",
        "Basis (rule c): a participant in the conversation",
    ):
        assert said in receipt, said


def test_the_command_line_refuses_with_exit_3(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = Workspace.open(cli_vault, CLI_PASSPHRASE, load_policy(DEFAULT))
    rid = _recording(workspace)
    usb = tmp_path / "usb"
    usb.mkdir()
    assert main(["export", rid, "--to", str(usb)]) == 2  # --recipient is required
    capsys.readouterr()
    assert main(["export", rid, "--to", str(usb), "--recipient", "De Telegraaf"]) == 3
    err = capsys.readouterr().err
    assert "Regel c" in err and "--consent" in err
    assert list(usb.iterdir()) == []
    consent = consent_file(tmp_path, ["J. de Vries", "A. Yilmaz"])
    args = ["export", rid, "--to", str(usb), "--recipient", "De Telegraaf"]
    assert main([*args, "--consent", str(consent)]) == 0
    assert main(["export", rid, "--to", str(usb), "--recipient", " a. yilmaz "]) == 0
    args = ["export", rid, "--to", str(usb), "--recipient", "mr. Bakker"]
    assert main([*args, "--representative-of", "A. Yilmaz"]) == 0
    assert len(list(usb.iterdir())) == 3


def test_an_old_copy_without_a_basis_still_verifies() -> None:
    """Copies made before the record carried `basis` verify as before (None)."""
    from audio.copies.seal import CopyRecord

    record = {
        "copy_id": "c", "recording_id": "r", "exported": "2026-01-01T00:00:00Z",
        "started": "2026-01-01T00:00:00Z", "duration_s": 1.0, "format": "wav",
        "sample_rate": RATE, "channels": 1, "sample_format": "s16le", "frames": RATE,
        "pcm_sha256": "0" * 64, "audio_sha256": "0" * 64, "title": "", "notice": "",
    }  # fmt: skip
    parsed = CopyRecord.parse(record, VerifyKey(bytes(32)))
    assert parsed.basis is None


def test_check_tells_the_citizens_rights(
    cli_vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The announcement's rights, as `check` prints them with an allowed session."""
    example = Path(__file__).parents[3] / "docs" / "examples" / "session.toml"
    capsys.readouterr()
    assert main(["check", str(example)]) == 0
    out = capsys.readouterr().out
    assert "Uw rechten (AVG)" in out and "Autoriteit Persoonsgegevens" in out
    assert "privacy@s-hertogenbosch.nl" in out
    assert main(["--lang", "en", "check", str(example)]) == 0
    assert "Your rights (GDPR)" in capsys.readouterr().out
