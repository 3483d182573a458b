"""The command line, as a user runs it: real vault, real files, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audio.vault.store import Vault
from desktop.cli import main
from policy.enrolment import in_force
from policy.policy import load_policy
from policy.workspace import Workspace
from tests.helpers.organisation import make_org, signed_policy
from tests.unit.conftest import FAST_KDF, pcm

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def env(cli_vault: Path) -> Path:
    return cli_vault


def make_recording(root: Path, frames: int = 4800, seal: bool = True) -> str:
    vault = Vault.open(root).unlock("paars konijn fietst langs de gracht")
    writer = vault.new_recording(sample_rate=48000, channels=2, session={"version": 1})
    writer.write(pcm(frames))
    writer.add_event("marker", "toestemming op de band")
    if seal:
        writer.seal()
    else:
        writer.close()
    return writer.recording_id


def test_init_key_list_show(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["key"]) == 0
    out = capsys.readouterr().out
    assert "BEGIN PUBLIC KEY" in out and "Vingerafdruk:" in out
    rid = make_recording(env)
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == rid and rows[0]["state"] == "sealed" and rows[0]["duration_s"] == 0.1
    assert {"id", "started", "duration_s", "state"} <= set(rows[0])
    assert main(["list"]) == 0
    assert "verzegeld" in capsys.readouterr().out
    assert main(["show", rid[:8]]) == 0
    out = capsys.readouterr().out
    assert "toestemming op de band" in out and "0:00:00" in out
    assert main(["--lang", "en", "show", rid, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["manifest"]["frames"] == 4800


def test_verify_exit_codes(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rid = make_recording(env)
    path = Vault.open(env).recording_path(rid)
    assert main(["verify", rid]) == 0
    assert "ONGESCHONDEN" in capsys.readouterr().out
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    tampered = path.with_name("tampered.gesp")
    tampered.write_bytes(bytes(data))
    assert main(["--lang", "en", "verify", str(tampered)]) == 1
    out = capsys.readouterr().out
    assert "CHANGED OR INVALID" in out and "Part " in out
    assert main(["verify", str(env / "missing.gesp")]) == 2
    (env / "junk.gesp").write_bytes(b"hello")
    assert main(["verify", str(env / "junk.gesp")]) == 2
    assert "geen opname of kopie van Gespreksopname" in capsys.readouterr().out


def test_wrong_passphrase(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_recording(env)
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", "fout")
    before = (env / "vault.json").read_bytes()
    assert main(["list"]) == 2
    assert "wachtwoord is onjuist" in capsys.readouterr().err
    assert (env / "vault.json").read_bytes() == before


def test_passwd_from_files(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = make_recording(env)
    new = tmp_path / "new.txt"
    new.write_text("nieuwe zin voor de kluis van vandaag\n")
    assert main(["passwd", "--new-passphrase-file", str(new)]) == 0
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    assert main(["--passphrase-file", str(new), "verify", rid]) == 0


def test_recover_from_the_command_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rid = make_recording(env, frames=9600, seal=False)
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["state"] == "open"
    assert main(["verify", rid]) == 1
    assert main(["recover"]) == 0
    assert "hersteld" in capsys.readouterr().out
    assert main(["verify", rid]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["state"] == "interrupted" and row["duration_s"] == 0.2
    assert main(["recover"]) == 0
    assert "geen onderbroken opnamen" in capsys.readouterr().out


def test_recovery_key_round_trip(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "officer.txt"
    secret.write_text("wachtwoord van de privacy officer")
    key = tmp_path / "herstel.pem"
    assert main(["recovery-keygen", "--out", str(key), "--key-passphrase-file", str(secret)]) == 0
    public = capsys.readouterr().out.split("-----BEGIN PUBLIC KEY-----")[1]
    public = "-----BEGIN PUBLIC KEY-----" + public.split("-----END PUBLIC KEY-----")[0]
    public += "-----END PUBLIC KEY-----\n"
    # Recovery recipients and trusted installations count only in a policy signed by the
    # organisation whose CA the installation is enrolled with.
    org = make_org(tmp_path / "ca")
    workspace = Workspace.open(env, "paars konijn fietst langs de gracht", load_policy())
    org.enroll(workspace, "Laptop wijkteam")
    unlocked = workspace.vault
    installation = unlocked.signing_key.public.pem()
    trusted = f'[[keys.trusted]]\nname = "Laptop wijkteam"\npublic_key = """{installation}"""\n'
    policy = signed_policy(
        tmp_path, org, ("recovery = []", f'recovery = ["""{public}"""]\n{trusted}')
    )
    monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(policy))
    judged = in_force(unlocked, load_policy())  # what the Workspace holds
    assert len(judged.recovery_keys) == 1
    writer = unlocked.new_recording(
        sample_rate=48000, channels=2, recovery_keys=judged.recovery_keys
    )
    writer.write(pcm(4800))
    writer.seal()
    # The passphrase is lost: the officer opens the recording with the offline key, on their
    # own computer, enrolled with the organisation too (its vault is what pins the CA).
    officer = tmp_path / "officer-vault"
    officer_workspace = Workspace.create(
        officer, "oranje giraffe leest de krant", load_policy(), kdf=FAST_KDF
    )
    org.enroll(officer_workspace, "Privacy Officer")
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(officer))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", "oranje giraffe leest de krant")
    wav = tmp_path / "opname.wav"
    args = ["recovery-open", str(writer.path), "--key", str(key), "--key-passphrase-file"]
    assert main([*args, str(secret), "--out", str(wav)]) == 0
    assert "ONGESCHONDEN" in capsys.readouterr().out
    import soundfile

    data, rate = soundfile.read(wav, dtype="int16")
    assert rate == 48000 and data.shape == (4800, 2)
    assert data.tobytes() == pcm(4800)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("fout")
    assert main([*args, str(wrong)]) == 2


def test_entry_point_in_a_fresh_process(env: Path) -> None:
    """The installed command, from a clean environment, in English."""
    command = [sys.executable, "-m", "desktop.cli", "--lang", "en", "list", "--json"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    unknown = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "frobnicate"], cwd=ROOT, capture_output=True
    )
    assert unknown.returncode == 2


def test_bad_passphrase_file_does_not_echo_it(
    env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "latin1.txt"
    secret.write_bytes("geheim-café".encode("latin-1"))
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    assert main(["--passphrase-file", str(secret), "list"]) == 2
    err = capsys.readouterr().err
    assert "UTF-8" in err and "caf" not in err and "0xe9" not in err


def test_directory_as_a_file_is_a_clear_error(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path)]) == 2
    assert "geen kopie van Gespreksopname" in capsys.readouterr().out
    key = tmp_path / "dir.pem"
    key.mkdir()
    assert main(["recovery-open", str(tmp_path), "--key", str(key)]) == 2
    assert "Traceback" not in capsys.readouterr().err
