"""Issue 11, item 8 and the weak passphrases of item 7, where the user meets them: the command line.

Free text has size limits checked before anything is written; names, notes, reasons and a copy's
recipient are shown escaped (never acted on by a terminal or a PDF reader) but kept as entered;
a weak passphrase is refused at `init` and `passwd` with what would be strong enough.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from desktop.cli import main
from policy.policy import load_policy
from policy.rules import evaluate
from policy.sealed import session_document
from policy.session import Participant
from policy.workspace import Workspace
from tests.helpers.organisation import make_org, signed_policy
from tests.unit.conftest import CLI_PASSPHRASE, FAST_KDF, pcm
from tests.unit.policy.conftest import lawful

PASSPHRASE = CLI_PASSPHRASE
# An ANSI colour, a title-setting OSC sequence, a right-to-left override and an isolate.
NASTY = "Eve \x1b[31mRood\x1b[0m \x1b]0;pwned\x07\u202egnp.exe\u2066"
RAW = ("\x1b", "\x07", "\u202e", "\u2066")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the vault with its bytes: 'nothing was written' means this is unchanged."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def env(cli_vault: Path) -> Path:
    return cli_vault


def session_toml(citizen: str, *, consent: bool = True) -> str:
    return (
        'initiator = "citizen"\nlocation = "office"\npurpose = "citizen_request"\n'
        'legal_basis = "consent"\nannouncement_read = true\n\n'
        '[[participants]]\nname = "J. de Vries"\nrole = "employee"\nconsent = true\n'
        'consent_method = "verbal"\n\n'
        f'[[participants]]\nname = {json.dumps(citizen)}\nrole = "citizen"\n'
        f'consent = {"true" if consent else "false"}\nconsent_method = "verbal"\n'
    )


def make_recording(root: Path, name: str, note: str) -> str:
    """A sealed recording whose session names `name` (made through the core, as the GUI does)."""
    workspace = Workspace.open(root, PASSPHRASE, load_policy())
    session = dataclasses.replace(
        lawful(),
        participants=(
            Participant("J. de Vries", "employee", True, "verbal"),
            Participant(name, "citizen", True, "verbal"),
        ),
    )
    record = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.vault.new_recording(sample_rate=48000, channels=1, session=record)
    writer.write(pcm(4800, channels=1))
    writer.add_event("marker", note)
    writer.seal()
    return writer.recording_id


def assert_escaped(text: str) -> None:
    for char in RAW:
        assert char not in text, f"{char!r} reached the output raw"
    assert "\\x1b[31m" in text and "\\u202e" in text


# -- size limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["import", "check", "record"])
def test_a_huge_participant_name_is_refused_and_nothing_is_written(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A 17 MiB name gave a recording that could never be read or purged (failed on 684a8a0:
    `import` made it and exited 0). Now the session file is refused (exit 2) with the setting,
    its line and the limit, before the vault is even unlocked."""
    session = tmp_path / "sessie.toml"
    session.write_text(session_toml("A" * (17 << 20)), encoding="utf-8")
    received = tmp_path / "ontvangen.m4a"
    received.write_bytes(b"audio van de burger")
    before = snapshot(env)
    capsys.readouterr()
    args = {
        "import": ["import", str(received), str(session)],
        "check": ["check", str(session)],
        "record": ["record", str(session), "--duration", "1"],
    }[command]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "participants[1].name" in err and "200" in err and "te lang" in err
    assert len(err) < 1000  # the name itself is not printed
    assert snapshot(env) == before
    assert not list(env.rglob("*.gesp"))


def test_limits_name_the_field_in_english_too(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed on 684a8a0: a reason of 5000 characters was written into the audit trail."""
    rid = make_recording(env, "A. Yilmaz", "toestemming")
    capsys.readouterr()
    assert main(["--lang", "en", "hold", rid, "--reason", "x" * 5000]) == 2
    err = capsys.readouterr().err
    assert "the reason to keep the recording longer" in err and "1000" in err
    assert main(["audit", "--json"]) == 0
    actions = [entry["action"] for entry in json.loads(capsys.readouterr().out)]
    assert "held" not in actions


def test_a_too_long_recipient_makes_no_copy(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed on 684a8a0: any recipient went into the sealed copy and the audit trail."""
    rid = make_recording(env, "A. Yilmaz", "toestemming")
    out = tmp_path / "usb"
    out.mkdir()
    capsys.readouterr()
    assert main(["export", rid, "--to", str(out), "--recipient", "B" * 201]) == 2
    err = capsys.readouterr().err
    assert "de ontvanger van de kopie" in err and "200" in err
    assert not list(out.iterdir())


def test_a_refusal_with_a_too_long_reason_writes_no_letter(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed on 684a8a0: reasons of any length went into the vault and the letter."""
    refusal = tmp_path / "weigering.toml"
    refusal.write_text(
        'citizen = "A. Yilmaz"\nemployee = "J. de Vries"\nalternative = "written_summary"\n'
        f'reasons = ["{"r" * 2001}"]\n',
        encoding="utf-8",
    )
    letter = tmp_path / "brief.pdf"
    before = snapshot(env)
    assert main(["refuse", str(refusal), "--out", str(letter)]) == 2
    err = capsys.readouterr().err
    assert "reasons[0]" in err and "2000" in err
    assert not letter.exists() and snapshot(env) == before


# -- shown escaped, kept as entered ---------------------------------------------------------------


def test_escape_codes_in_names_are_shown_escaped_in_show_and_audit(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed on 684a8a0: the escape sequences and U+202E reached the terminal raw."""
    rid = make_recording(env, NASTY, f"notitie {NASTY}")
    assert main(["hold", rid, "--reason", f"klacht {NASTY}"]) == 0
    capsys.readouterr()
    assert main(["show", rid]) == 0
    out = capsys.readouterr().out
    assert_escaped(out)
    assert out.count("\\u202e") == 3  # the name, the marker's note and the hold's reason
    assert main(["audit"]) == 0
    assert_escaped(capsys.readouterr().out)
    # The stored value is kept as entered: JSON escapes it, and gives it back unchanged.
    assert main(["show", rid, "--json"]) == 0
    raw = capsys.readouterr().out
    for char in RAW:
        assert char not in raw
    doc = json.loads(raw)
    assert doc["participants"][1] == NASTY and doc["hold"] == f"klacht {NASTY}"
    assert main(["audit", "--json"]) == 0
    raw = capsys.readouterr().out
    assert "\u202e" not in raw
    assert any(e["details"].get("reason") == f"klacht {NASTY}" for e in json.loads(raw))


def test_a_name_in_a_refusal_reason_of_check_is_shown_escaped(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed on 684a8a0: `check` printed the name in 'has not consented' raw."""
    session = tmp_path / "sessie.toml"
    session.write_text(session_toml(NASTY, consent=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(session)]) == 3
    assert_escaped(capsys.readouterr().out)


def pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is missing")
    run = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return run.stdout.decode("utf-8")


def test_the_copy_shows_names_and_recipient_escaped_everywhere(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LEESMIJ.txt, the receipt and `verify` on any machine (failed on 684a8a0: all raw)."""
    rid = make_recording(env, NASTY, "toestemming")
    usb = tmp_path / "usb"
    usb.mkdir()
    recipient = NASTY  # the citizen who took part (rule c)
    assert main(["export", rid, "--to", str(usb), "--recipient", recipient]) == 0
    folder = next(usb.iterdir())
    readme = (folder / "LEESMIJ.txt").read_text(encoding="utf-8")
    assert_escaped(readme)
    assert readme.count("\\u202e") == 4  # name and recipient, in Dutch and in English
    receipt = pdf_text(folder / "ontvangstbewijs.pdf")
    assert_escaped(receipt)
    assert "Rood" in receipt and "gnp.exe" in receipt
    # Another machine, enrolled with the organisation, whose signed policy trusts this
    # installation (only an organisation-signed policy can name trusted keys).
    capsys.readouterr()
    assert main(["key"]) == 0
    pem = capsys.readouterr().out.split("-----END PUBLIC KEY-----")[0] + "-----END PUBLIC KEY-----"
    trusting = f'recovery = []\n\n[[keys.trusted]]\nname = "Wijkteam"\npublic_key = """{pem}"""\n'
    org = make_org(tmp_path / "ca")
    policy = signed_policy(tmp_path, org, ("recovery = []", trusting))
    other = tmp_path / "other-machine"
    org.enroll(Workspace.create(other, PASSPHRASE, load_policy(), kdf=FAST_KDF), "Officer")
    monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(policy))
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(other))
    assert main(["verify", str(folder)]) == 0
    out = capsys.readouterr().out
    assert_escaped(out)
    assert "ONGESCHONDEN" in out


def test_a_refusal_letter_shows_names_escaped(env: Path, tmp_path: Path) -> None:
    """Failed on 684a8a0: the citizen's name went into the letter raw."""
    refusal = tmp_path / "weigering.toml"
    refusal.write_text(
        f'citizen = {json.dumps(NASTY)}\nemployee = "J. de Vries"\n'
        f'alternative = "written_summary"\nreasons = [{json.dumps("reden " + NASTY)}]\n',
        encoding="utf-8",
    )
    letter = tmp_path / "brief.pdf"
    assert main(["refuse", str(refusal), "--out", str(letter)]) == 0
    text = pdf_text(letter)
    assert_escaped(text)
    assert text.count("\\u202e") == 4  # name and reason, in Dutch and in English


# -- weak passphrases -----------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["1", "welkom01", "wachtwoord"])
def test_init_refuses_a_weak_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], weak: str
) -> None:
    """Failed on 684a8a0: `init` made a vault with the passphrase "1"."""
    root = tmp_path / "vault"
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", weak)
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert "te makkelijk te raden" in err and "vijf willekeurig gekozen woorden" in err
    assert not root.exists()
    assert main(["--lang", "en", "init"]) == 2
    assert "at least five words chosen at random" in capsys.readouterr().err


def test_passwd_refuses_a_weak_passphrase_and_keeps_the_old_one(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed on 684a8a0: `passwd` accepted "welkom01"."""
    rid = make_recording(env, "A. Yilmaz", "toestemming")
    weak = tmp_path / "nieuw.txt"
    weak.write_text("welkom01\n")
    capsys.readouterr()
    assert main(["passwd", "--new-passphrase-file", str(weak)]) == 2
    assert "te makkelijk te raden" in capsys.readouterr().err
    assert main(["verify", rid]) == 0  # the old passphrase still opens the vault
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", "welkom01")
    assert main(["list"]) == 2
    assert "wachtwoord is onjuist" in capsys.readouterr().err
