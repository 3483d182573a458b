"""The missing traces (issue 16): recovery-open leaves `recovery_opened` in the vault's trail and
in an opening log beside the output; the actor is the OS account; the trail and the refusals
are escrowed to the recovery key; recordings made before a recovery key are rewrapped."""

from __future__ import annotations

import hashlib
import json
import pwd
import shutil
from pathlib import Path

import pytest

from audio.errors import NoMatchingKey
from audio.vault.escrow import ESCROW_FILE, EscrowError, open_escrow, recording_escrow_path
from audio.vault.keys import RecoveryPrivateKey
from desktop.cli import main
from policy.policy import load_policy
from policy.recovery_key import recovery_identity, verify_with
from policy.refusal import Refusal
from policy.traces import OPENING_LOG, verify_opening_log
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org, signed_policy
from tests.unit.conftest import CLI_PASSPHRASE, pcm

OFFICER_SECRET = "wachtwoord van de privacy officer"
NEW_PASSPHRASE = "groene kikker zwemt in de vijver bij het stadhuis"


def _account() -> str:
    import os

    return pwd.getpwuid(os.getuid()).pw_name


class Setup:
    """A vault made with `init`, enrolled with an organisation; a recovery key pair whose
    public half a signed policy names (put in force by `with_recovery`)."""

    def __init__(self, root: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.tmp, self.monkeypatch = root, tmp, monkeypatch
        self.org: Org = make_org(tmp / "ca")
        private = RecoveryPrivateKey.generate()
        self.key = tmp / "herstel.pem"
        self.key.write_bytes(private.pem(OFFICER_SECRET.encode()))
        self.secret = tmp / "officer.txt"
        self.secret.write_text(OFFICER_SECRET)
        self.public = private.public
        self.identity = recovery_identity(self.key.read_bytes(), OFFICER_SECRET, "herstel.pem")
        workspace = self.open()
        self.org.enroll(workspace, "J. de Vries")

    def open(self, passphrase: str = CLI_PASSPHRASE) -> Workspace:
        return Workspace.open(self.root, passphrase, load_policy())

    def with_recovery(self) -> None:
        replacement = ("recovery = []", f'recovery = ["""{self.public.pem()}"""]')
        policy = signed_policy(self.tmp, self.org, replacement)
        self.monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(policy))

    def record(self, workspace: Workspace, seed: int = 0) -> Path:
        writer = workspace.new_recording(sample_rate=48000, channels=2)
        writer.write(pcm(4800, seed=seed))
        writer.seal()
        return Path(writer.path)

    def key_args(self) -> list[str]:
        return ["--key", str(self.key), "--key-passphrase-file", str(self.secret)]


@pytest.fixture
def setup(cli_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return Setup(cli_vault, tmp_path, monkeypatch)


def _audit(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    entries: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return entries


def test_recovery_open_is_logged_in_the_trail_and_beside_the_output(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.with_recovery()
    container = setup.record(setup.open())
    out = tmp_path / "uit" / "opname.wav"
    out.parent.mkdir()
    assert main(["recovery-open", str(container), *setup.key_args(), "--out", str(out)]) == 0
    assert OPENING_LOG in capsys.readouterr().out
    opened = [e for e in _audit(capsys) if e["action"] == "recovery_opened"]
    assert len(opened) == 1
    details = opened[0]["details"]
    assert isinstance(details, dict)
    assert opened[0]["recording_id"] == container.stem
    assert details["key"] == setup.public.fingerprint and details["result"] == "intact"
    assert details["output_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert opened[0]["actor"] == _account() and opened[0]["employee"] == "J. de Vries"
    # The opening log beside the WAV: chained, authenticated with the recovery key.
    log = out.parent / OPENING_LOG
    lines, broken = verify_opening_log(log, setup.identity)
    assert broken is None and len(lines) == 1
    line = lines[0]
    assert line["action"] == "recovery_opened" and line["recording_id"] == container.stem
    assert line["account"] == _account() and line["key"] == setup.public.fingerprint
    assert line["output_sha256"] == details["output_sha256"]
    assert line["container_sha256"] == hashlib.sha256(container.read_bytes()).hexdigest()
    # A second opening, only verifying (no --out): logged in the current folder, chained.
    setup.monkeypatch.chdir(out.parent)
    assert main(["recovery-open", str(container), *setup.key_args()]) == 0
    lines, broken = verify_opening_log(log, setup.identity)
    assert broken is None and [x["seq"] for x in lines] == [1, 2]
    assert (
        lines[1]["output"] is None
        and lines[1]["prev"] == hashlib.sha256(log.read_bytes().split(b"\n")[0]).hexdigest()
    )
    assert len([e for e in _audit(capsys) if e["action"] == "recovery_opened"]) == 2
    # An edited line is found.
    text = log.read_text().replace('"result":"intact"', '"result":"changed"', 1)
    log.write_text(text)
    assert verify_opening_log(log, setup.identity)[1] == 1


def test_recovery_open_without_the_vault_still_leaves_the_log(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.with_recovery()
    container = setup.record(setup.open())
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    copy = elsewhere / container.name
    shutil.copy(container, copy)
    setup.monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    setup.monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(tmp_path / "geen-kluis"))
    out = elsewhere / "opname.wav"
    # The signer is unknown here (no vault, no trusted key): still opened, and logged.
    assert main(["recovery-open", str(copy), *setup.key_args(), "--out", str(out)]) == 1
    assert not out.exists()
    lines, broken = verify_opening_log(elsewhere / OPENING_LOG, setup.identity)
    assert broken is None and len(lines) == 1 and lines[0]["recording_id"] == container.stem
    assert lines[0]["result"] == "changed" and lines[0]["output"] is None


def test_the_actor_is_the_os_account_not_the_environment(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.monkeypatch.setenv("USER", "mallory")
    setup.monkeypatch.setenv("LOGNAME", "mallory")
    setup.monkeypatch.setenv("USERNAME", "mallory")
    setup.open().hold(setup.record(setup.open()).stem, "Bezwaar")
    entries = _audit(capsys)
    held = [e for e in entries if e["action"] == "held"]
    assert held and all(e["actor"] == _account() for e in entries)
    assert "mallory" not in json.dumps(entries)
    assert held[-1]["employee"] == "J. de Vries"  # the certificate's CN
    assert main(["audit"]) == 0
    assert f"{_account()} (J. de Vries)" in capsys.readouterr().out


def test_the_officer_reads_trail_refusals_and_holds_with_the_recovery_key_alone(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.with_recovery()
    workspace = setup.open()
    assert (setup.root / ESCROW_FILE).is_file()
    container = setup.record(workspace)
    workspace.hold(container.stem, "Klacht bij de Ombudsman")
    refusal = Refusal(
        citizen="A. Yilmaz",
        employee="J. de Vries",
        reasons=("Er is een dreiging geuit.",),
        alternative="written_summary",
        date="2026-03-02",
        id="0b6a3c1e-2f4d-4a5b-8c9d-0e1f2a3b4c5d",
    )
    workspace.register_refusal(refusal, tmp_path / "brief.pdf")
    # The passphrase is forgotten: only the recovery key.
    setup.monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    capsys.readouterr()
    args = ["--vault", str(setup.root), "recovery-audit", *setup.key_args()]
    assert main([*args, "--json"]) == 0
    read = json.loads(capsys.readouterr().out)
    actions = [entry["action"] for entry in read["entries"]]
    assert {"vault_created", "held", "refusal_registered", "keys_escrowed"} <= set(actions)
    assert read["problem"] is None
    assert read["holds"] == {container.stem: "Klacht bij de Ombudsman"}
    assert [r["citizen"] for r in read["refusals"]] == ["A. Yilmaz"]
    assert read["refusals"][0]["reasons"] == ["Er is een dreiging geuit."]
    assert read["installation"] == workspace.fingerprint
    assert main(["--lang", "en", *args]) == 0
    shown = capsys.readouterr().out
    assert "Refusals: 1" in shown and "Klacht bij de Ombudsman" in shown
    # A line changed in the trail is reported (exit 1); the escrow itself is signed.
    log = setup.root / "audit.log"
    lines = log.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"seq":3', b'"seq":4')
    log.write_bytes(b"\n".join(lines))
    assert main([*args, "--json"]) == 1
    escrow = setup.root / ESCROW_FILE
    escrow.write_bytes(escrow.read_bytes().replace(b'"epochs":1', b'"epochs":2'))
    with pytest.raises(EscrowError):
        open_escrow(setup.root, setup.identity)
    # Another recovery key opens nothing.
    other = RecoveryPrivateKey.generate()
    other_identity = recovery_identity(other.pem(None), "", "ander.pem")
    escrow.write_bytes(escrow.read_bytes().replace(b'"epochs":2', b'"epochs":1'))
    with pytest.raises(EscrowError) as caught:
        open_escrow(setup.root, other_identity)
    assert caught.value.key == "error.escrow_not_for_key"


def test_a_passphrase_change_keeps_the_escrow_valid(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.with_recovery()
    workspace = setup.open()
    assert open_escrow(setup.root, setup.identity).data_keys == workspace.vault.data_keys
    workspace.change_passphrase(NEW_PASSPHRASE)
    container = setup.record(workspace)
    workspace.hold(container.stem, "Na de wachtwoordwijziging")  # under the new data key
    escrowed = open_escrow(setup.root, setup.identity)
    assert len(escrowed.data_keys) == 2 and escrowed.data_keys == workspace.vault.data_keys
    setup.monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    capsys.readouterr()
    args = ["--vault", str(setup.root), "recovery-audit", *setup.key_args(), "--json"]
    assert main(args) == 0
    read = json.loads(capsys.readouterr().out)
    assert read["holds"] == {container.stem: "Na de wachtwoordwijziging"}
    assert "passphrase_changed" in [e["action"] for e in read["entries"]]


def test_a_recording_made_before_the_recovery_key_opens_with_it_after_rewrap(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = setup.record(setup.open())  # no recovery key in force yet
    sealed_bytes = before.read_bytes()
    trusted = {setup.open().vault.signing_key.public.raw: "laptop"}
    with pytest.raises(NoMatchingKey):
        verify_with(before, setup.identity, trusted)
    setup.with_recovery()
    workspace = setup.open()  # the unlock rewraps
    escrow = recording_escrow_path(setup.root, before.stem)
    assert escrow.is_file()
    assert before.read_bytes() == sealed_bytes  # the sealed container is never rewritten
    report = verify_with(before, setup.identity, trusted)
    assert report.manifest.recording_id == before.stem
    rewrapped = [e for e in _audit(capsys) if e["action"] == "rewrapped"]
    assert [e["recording_id"] for e in rewrapped] == [before.stem]
    assert main(["rewrap"]) == 0  # nothing left to do, and said so
    assert "0 opname" in capsys.readouterr().out
    assert escrow.read_bytes() == recording_escrow_path(setup.root, before.stem).read_bytes()
    # A copy elsewhere opens with the escrow file named on the command line.
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    copy = elsewhere / "kopie.gesp"
    shutil.copy(before, copy)
    with pytest.raises(NoMatchingKey):
        verify_with(copy, setup.identity, trusted)
    out = elsewhere / "opname.wav"
    args = ["recovery-open", str(copy), *setup.key_args(), "--escrow", str(escrow)]
    assert main([*args, "--out", str(out)]) == 0
    assert out.is_file()
    # An escrow file for another recording is refused; a recording made now needs none.
    setup.monkeypatch.chdir(elsewhere)  # where the opening log of a run without --out goes
    after = setup.record(workspace, seed=1)
    assert not recording_escrow_path(setup.root, after.stem).exists()
    assert main(["recovery-open", str(after), *setup.key_args(), "--escrow", str(escrow)]) == 2
    # Purging the recording removes its escrow file with its key slot.
    workspace.vault.destroy_recording(before.stem)
    assert not escrow.exists()
