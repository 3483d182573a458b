"""The organisation's CA through the command line, checked against the real openssl binary:
org-init, enroll --request, org-certify, enroll --cert, org-sign-policy, and what an unsigned or
foreign policy can no longer do (add a recovery recipient or a trusted key)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audio.container.layout import read_header
from audio.trust.certificates import certificate_fingerprint_hex, sign_policy
from audio.vault.keys import RecoveryPrivateKey
from audio.vault.stanzas import X25519Identity
from audio.vault.store import Vault
from desktop.cli import main
from policy.organisation import enrolment_status
from tests.helpers.organisation import ORG_PASSPHRASE, make_org, policy_text
from tests.unit.conftest import CLI_PASSPHRASE, FAST_KDF, pcm

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture
def env(cli_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GESPREKSOPNAME_ORG_PASSPHRASE", ORG_PASSPHRASE)
    return cli_vault


def _openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, timeout=30, check=False
    )


def _enrolled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """org-init, enroll --request, org-certify, enroll --cert: the CA folder."""
    ca = tmp_path / "ca"
    assert main(["org-init", "--out", str(ca), "--name", "Gemeente Test"]) == 0
    request = tmp_path / "aanvraag.pem"
    assert main(["enroll", "--request", str(request), "--name", "voorstel"]) == 0
    cert = tmp_path / "installatie.pem"
    args = ["org-certify", str(request), "--ca-dir", str(ca), "--name", "Laptop wijkteam Noord"]
    assert main([*args, "--out", str(cert), "--days", "30"]) == 0
    assert main(["enroll", "--cert", str(cert), "--ca", str(ca / "organisatie.pem")]) == 0
    capsys.readouterr()
    return ca


def test_the_whole_enrolment_and_openssl_agrees(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = tmp_path / "ca"
    assert main(["org-init", "--out", str(ca), "--name", "Gemeente Test"]) == 0
    out = capsys.readouterr().out
    fingerprint = _openssl(
        "x509", "-noout", "-fingerprint", "-sha256", "-in", ca / "organisatie.pem"
    )
    assert fingerprint.stdout.strip().split("=")[1] in out  # as openssl prints it
    assert oct((ca / "organisatie-key.pem").stat().st_mode & 0o777) == "0o600"
    assert b"ENCRYPTED" in (ca / "organisatie-key.pem").read_bytes()

    request = tmp_path / "aanvraag.pem"
    assert main(["enroll", "--request", str(request)]) == 0
    out = capsys.readouterr().out
    public = _openssl("req", "-in", request, "-noout", "-pubkey", "-verify")
    assert public.returncode == 0, public.stderr
    spki = tmp_path / "pub.pem"
    spki.write_text(public.stdout)
    digest = subprocess.run(
        f"openssl pkey -pubin -in {spki} -outform DER | sha256sum",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.split()[0]
    assert digest in out  # the key's fingerprint as openssl + sha256sum print it

    cert = tmp_path / "installatie.pem"
    args = ["org-certify", str(request), "--ca-dir", str(ca), "--name", "Laptop wijkteam Noord"]
    assert main([*args, "--out", str(cert)]) == 0
    assert "Laptop wijkteam Noord" in capsys.readouterr().out
    verified = _openssl("verify", "-CAfile", ca / "organisatie.pem", cert)
    assert verified.returncode == 0 and "OK" in verified.stdout, verified.stderr
    assert main([*args, "--out", str(cert)]) == 2  # never over an existing file

    assert main(["enroll", "--cert", str(cert), "--ca", str(ca / "organisatie.pem")]) == 0
    out = capsys.readouterr().out
    assert "Laptop wijkteam Noord" in out and digest in out
    status = enrolment_status(Vault.open(env).unlock(CLI_PASSPHRASE))
    assert status.enrolled and status.valid and status.installation == "Laptop wijkteam Noord"
    assert status.key.hex == digest
    # Enrolment is in the audit trail.
    assert main(["audit", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    (enrolled,) = [entry for entry in entries if entry["action"] == "enrolled"]
    assert enrolled["details"]["key_fingerprint"] == digest


def test_org_init_never_overwrites(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = tmp_path / "ca"
    assert main(["org-init", "--out", str(ca)]) == 0
    before = {p.name: p.read_bytes() for p in ca.iterdir()}
    assert main(["org-init", "--out", str(ca)]) == 2
    assert "bestaat al" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in ca.iterdir()} == before


def test_a_wrong_org_passphrase_is_a_clear_message(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = _enrolled(tmp_path, capsys)
    policy = tmp_path / "beleid.toml"
    policy.write_text(policy_text(None), encoding="utf-8")
    monkeypatch.setenv("GESPREKSOPNAME_ORG_PASSPHRASE", "verkeerd wachtwoord")
    assert main(["org-sign-policy", str(policy), "--ca-dir", str(ca)]) == 2
    err = capsys.readouterr().err
    assert "wachtwoord van de CA-sleutel is onjuist" in err and "Traceback" not in err
    assert not policy.with_name("beleid.toml.sig").exists()
    # From a file given after the command, in English.
    monkeypatch.delenv("GESPREKSOPNAME_ORG_PASSPHRASE")
    secret = tmp_path / "org.txt"
    secret.write_text("nog steeds fout\n")
    args = ["org-sign-policy", str(policy), "--ca-dir", str(ca), "--passphrase-file", str(secret)]
    assert main(["--lang", "en", *args]) == 2
    assert "passphrase of the CA key is wrong" in capsys.readouterr().err
    secret.write_text(ORG_PASSPHRASE + "\n")
    assert main(args) == 0


def test_a_certificate_for_another_key_is_refused(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = make_org(tmp_path / "ca")
    other = Vault.create(tmp_path / "other", CLI_PASSPHRASE, kdf=FAST_KDF)
    cert = org.certify(other, tmp_path / "ander.pem", "Andere laptop")
    ca = org.folder
    capsys.readouterr()
    assert main(["enroll", "--cert", str(cert), "--ca", str(ca / "organisatie.pem")]) == 2
    err = capsys.readouterr().err
    assert "voor een andere sleutel" in err and "Er is niets geïnstalleerd" in err
    assert not enrolment_status(Vault.open(env).unlock(CLI_PASSPHRASE)).enrolled


def test_a_certificate_from_another_ca_is_refused(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = _enrolled(tmp_path, capsys)
    stranger = make_org(tmp_path / "stranger")
    cert = stranger.certify(Vault.open(env).unlock(CLI_PASSPHRASE), tmp_path / "vreemd.pem")
    # Against our CA it does not chain; with its own CA it is another CA than the one pinned.
    assert main(["enroll", "--cert", str(cert), "--ca", str(ca / "organisatie.pem")]) == 2
    assert "niet uitgegeven door deze CA" in capsys.readouterr().err
    assert main(["enroll", "--cert", str(cert), "--ca", str(stranger.certificate)]) == 2
    assert "al ingeschreven bij Gemeente Test" in capsys.readouterr().err
    status = enrolment_status(Vault.open(env).unlock(CLI_PASSPHRASE))
    assert status.ca_name == "Gemeente Test"


def test_another_ca_replaces_the_pinned_one_only_with_its_consent(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CA rollover: --replace-ca with the passphrase alone is refused (an insider could
    otherwise pin a CA of their own); with NEWCA.pem.sig by the pinned CA it is accepted."""
    old = _enrolled(tmp_path, capsys)
    new = make_org(tmp_path / "nieuw", "Gemeente Test")  # even the same name
    cert = new.certify(Vault.open(env).unlock(CLI_PASSPHRASE), tmp_path / "nieuw-cert.pem")
    enrol = ["enroll", "--cert", str(cert), "--ca", str(new.certificate), "--replace-ca"]
    assert main(enrol) == 2
    assert "alleen vervangen met instemming van de huidige CA" in capsys.readouterr().err
    assert enrolment_status(Vault.open(env).unlock(CLI_PASSPHRASE)).ca_name == "Gemeente Test"
    rogue = make_org(tmp_path / "rogue", "Gemeente Test")  # its own "consent" does not count
    (tmp_path / "nieuw" / "organisatie.pem.sig").write_bytes(
        sign_policy(new.ca_pem, rogue.authority)
    )
    assert main(enrol) == 2
    capsys.readouterr()
    assert main(["org-authorise-ca", str(new.certificate), "--ca-dir", str(old)]) == 0
    assert main(enrol) == 0
    status = enrolment_status(Vault.open(env).unlock(CLI_PASSPHRASE))
    assert status.ca_fingerprint_hex == certificate_fingerprint_hex(new.ca_pem)


def test_the_ca_can_come_from_the_policy(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    org = make_org(tmp_path / "ca")
    policy = tmp_path / "beleid.toml"
    source = policy_text(None).replace(
        "[organisation.contacts]",
        'ca_certificate = "ca/organisatie.pem"\n\n[organisation.contacts]',
    )
    policy.write_text(source, encoding="utf-8")
    cert = org.certify(Vault.open(env).unlock(CLI_PASSPHRASE), tmp_path / "installatie.pem")
    assert main(["enroll", "--cert", str(cert)]) == 2  # the default policy names no CA
    assert "Geen CA-certificaat" in capsys.readouterr().err
    assert main(["--policy", str(policy), "enroll", "--cert", str(cert)]) == 0
    assert enrolment_status(Vault.open(env).unlock(CLI_PASSPHRASE)).enrolled


def test_org_sign_policy_is_checked_by_openssl_and_a_change_makes_it_foreign(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = _enrolled(tmp_path, capsys)
    policy = tmp_path / "beleid.toml"
    shutil.copy(ca / "organisatie.pem", tmp_path / "organisatie.pem")
    source = policy_text(None).replace(
        "[organisation.contacts]", 'ca_certificate = "organisatie.pem"\n\n[organisation.contacts]'
    )
    policy.write_text(source, encoding="utf-8")
    assert main(["org-sign-policy", str(policy), "--ca-dir", str(ca)]) == 0
    signature = tmp_path / "beleid.toml.sig"
    assert signature.is_file()
    command = (
        f"openssl dgst -sha256 -verify <(openssl x509 -in {ca / 'organisatie.pem'} -pubkey "
        f"-noout) -signature {signature} {policy}"
    )
    check = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0 and "Verified OK" in check.stdout, check.stderr
    capsys.readouterr()
    assert main(["--policy", str(policy), "policy", "--json"]) == 0
    provenance = json.loads(capsys.readouterr().out)["provenance"]
    assert provenance["kind"] == "organisation" and provenance["in_force"]

    policy.write_text(source.replace("retention_days = 90", "retention_days = 91", 1), "utf-8")
    check = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert check.returncode != 0
    assert main(["--policy", str(policy), "policy"]) == 0
    out = capsys.readouterr().out
    assert "NIET het beleid van uw organisatie" in out and "gewijzigd" in out


def test_an_invalid_policy_or_one_naming_another_ca_is_not_signed(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = _enrolled(tmp_path, capsys)
    broken = tmp_path / "kapot.toml"
    broken.write_text(policy_text(None, ("schema_version = 1", "schema_version = 7")))
    assert main(["org-sign-policy", str(broken), "--ca-dir", str(ca)]) == 2
    other = make_org(tmp_path / "ander")
    naming = tmp_path / "ander.toml"
    naming.write_text(policy_text(other), encoding="utf-8")
    assert main(["org-sign-policy", str(naming), "--ca-dir", str(ca)]) == 2
    assert "noemt een andere CA" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.sig"))


# -- what an unsigned or foreign policy cannot do ------------------------------------------------


SESSION = (
    'initiator = "citizen"\nlocation = "office"\npurpose = "citizen_request"\n'
    'legal_basis = "consent"\nannouncement_read = true\n\n'
    '[[participants]]\nname = "J. de Vries"\nrole = "employee"\nconsent = true\n'
    'consent_method = "verbal"\n\n'
    '[[participants]]\nname = "A. Yilmaz"\nrole = "citizen"\nconsent = true\n'
    'consent_method = "verbal"\n'
)


def _import(tmp_path: Path, policy: Path, name: str) -> tuple[str, list[dict[str, object]]]:
    """Import a file through the command line under `policy`: its id and its stanzas."""
    received = tmp_path / f"{name}.m4a"
    received.write_bytes(b"\x00\x00\x00\x20ftypM4A " + name.encode() * 100)
    session = tmp_path / "sessie.toml"
    session.write_text(SESSION, encoding="utf-8")
    vault = Vault.open(Path(str(tmp_path / "vault")))
    before = set(vault.recording_paths())
    assert main(["--policy", str(policy), "import", str(received), str(session)]) == 0
    (path,) = set(vault.recording_paths()) - before
    with open(path, "rb") as handle:
        header = read_header(handle)
    return header.recording_id, header.stanzas


@pytest.mark.parametrize("signer", ["unsigned", "another CA", "changed after signing"])
def test_only_our_organisation_can_add_a_recovery_recipient(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], signer: str
) -> None:
    ca = _enrolled(tmp_path, capsys)
    officer = RecoveryPrivateKey.generate()
    keys = ("recovery = []", f'recovery = ["""{officer.public.pem()}"""]')
    identity = X25519Identity(officer)
    # Signed by our organisation: the new recording's key is wrapped to the recovery key too.
    ours = tmp_path / "ons-beleid.toml"
    ours.write_text(policy_text(None, keys), encoding="utf-8")
    assert main(["org-sign-policy", str(ours), "--ca-dir", str(ca)]) == 0
    rid, stanzas = _import(tmp_path, ours, "ons")
    assert len(stanzas) == 2
    assert any(identity.addressed(stanza, rid) for stanza in stanzas)
    # Anyone else's policy: the recording is only for the vault.
    theirs = tmp_path / "hun-beleid.toml"
    theirs.write_text(policy_text(None, keys), encoding="utf-8")
    if signer == "another CA":
        make_org(tmp_path / "ander").sign(theirs)
    elif signer == "changed after signing":
        assert main(["org-sign-policy", str(theirs), "--ca-dir", str(ca)]) == 0
        theirs.write_text(theirs.read_text("utf-8") + "\n# nog iets\n", encoding="utf-8")
    capsys.readouterr()
    rid, stanzas = _import(tmp_path, theirs, "hun")
    assert len(stanzas) == 1
    assert not any(identity.addressed(stanza, rid) for stanza in stanzas)
    # The policy command says so.
    assert main(["--policy", str(theirs), "policy"]) == 0
    out = capsys.readouterr().out
    assert "NIET" in out and "Genegeerd" in out and "1 herstelsleutel(s)" in out


def _copy_by_another_installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An exported folder sealed by another installation (another vault)."""
    other = tmp_path / "andere-laptop"
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(other))
    assert main(["init"]) == 0
    vault = Vault.open(other).unlock(CLI_PASSPHRASE)
    session = {"version": 1, "session": {"participants": [{"name": "A. Yilmaz"}]}}
    writer = vault.new_recording(sample_rate=48000, channels=1, session=session)
    writer.write(pcm(4800, channels=1))
    writer.seal()
    usb = tmp_path / "usb"
    assert main(["export", writer.recording_id, "--to", str(usb), "--recipient", "A. Yilmaz"]) == 0
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(tmp_path / "vault"))
    return next(usb.iterdir())


@pytest.mark.parametrize("signed", [True, False])
def test_only_our_organisation_can_add_a_trusted_key(
    env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signed: bool,
) -> None:
    ca = _enrolled(tmp_path, capsys)
    folder = _copy_by_another_installation(tmp_path, monkeypatch)
    other = Vault.open(tmp_path / "andere-laptop").unlock(CLI_PASSPHRASE).signing_key.public
    trusting = 'recovery = []\n[[keys.trusted]]\nname = "Andere laptop"\n'
    trusting += f'public_key = """{other.pem()}"""\n'
    policy = tmp_path / "beleid.toml"
    policy.write_text(policy_text(None, ("recovery = []", trusting)), encoding="utf-8")
    if signed:
        assert main(["org-sign-policy", str(policy), "--ca-dir", str(ca)]) == 0
    capsys.readouterr()
    code = main(["--policy", str(policy), "verify", str(folder)])
    out = capsys.readouterr().out
    if signed:
        assert code == 0 and "Andere laptop" in out
    else:
        assert code != 0 and "Andere laptop" not in out
