"""Verification by anyone (issue 13): a citizen's computer has no vault and the default policy.

A genuine copy of a certified installation is intact there: exit 0 with the organisation's CA,
the installation's public key or its fingerprint named, exit 3 (intact, key unknown here) with
nothing named. A copy sealed by any other key is never exit 0, and a changed one is exit 1.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from desktop.cli import main
from policy.copies import export_copy
from policy.policy import load_policy
from policy.rules import evaluate
from policy.sealed import session_document
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org, signed_policy
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import lawful

RATE = 48000


def _recording(workspace: Workspace, seconds: float = 1.0) -> str:
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.new_recording(sample_rate=RATE, channels=1, session=doc)
    t = np.arange(int(RATE * seconds)) / RATE
    writer.write((8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())
    writer.seal()
    return writer.recording_id


def _installation(folder: Path, org: Org | None, name: str = "Laptop Burgerzaken") -> Workspace:
    """A vault on an employee's laptop, enrolled with `org` under its signed policy."""
    folder.mkdir(parents=True)
    policy_file = signed_policy(folder, org) if org else None
    policy = load_policy(policy_file) if policy_file else load_policy(None)
    workspace = Workspace.create(folder / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    if org is not None:
        org.enroll(workspace, name)
        workspace = Workspace(workspace.vault, policy)  # as the next start sees it
    return workspace


@pytest.fixture
def copy(laptop: Workspace, tmp_path: Path) -> Path:
    out = tmp_path / "usb"
    out.mkdir()
    return export_copy(laptop, _recording(laptop), out, "wav", recipient="A. Yilmaz")


def verify(target: Path, *options: str) -> int:
    return main(["verify", str(target), *options])


def test_the_folder_carries_the_certificates(copy: Path, org: Org) -> None:
    assert (copy / "installatie.pem").is_file()
    assert (copy / "organisatie.pem").read_bytes() == org.ca_pem
    check = subprocess.run(
        ["openssl", "verify", "-CAfile", "organisatie.pem", "installatie.pem"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0 and "installatie.pem: OK" in check.stdout, check.stderr


def test_with_nothing_named_a_genuine_copy_is_intact_but_unknown(
    copy: Path, citizen: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(copy) == 3
    out = capsys.readouterr().out
    assert "INTACT, but sealed by a key this computer does not know" in out
    assert "Content Credentials (C2PA): intact; their signer is not anchored" in out
    assert "CHANGED" not in out
    for way in ("--ca organisatie.pem", "--key publickey.pem", "--fingerprint "):
        assert way in out


def test_with_the_organisations_ca_it_is_intact_and_names_the_installation(
    copy: Path, org: Org, citizen: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(copy, "--ca", str(org.certificate)) == 0
    out = capsys.readouterr().out
    assert "installation Laptop Burgerzaken of Gemeente Test" in out
    assert "Content Credentials (C2PA): intact, signed under a certificate authority" in out
    assert "Result: INTACT." in out
    # A lone file carries its certificate in its seal: the CA alone is enough for it too.
    assert verify(copy / "opname.wav", "--ca", str(org.certificate)) == 0


def test_the_ca_inside_the_folder_is_not_trusted_by_itself(
    copy: Path, citizen: Path, tmp_path: Path
) -> None:
    """organisatie.pem travels with the copy for openssl; trusting it would trust anyone."""
    assert verify(copy, "--ca", str(copy / "organisatie.pem")) == 0  # named: trusted
    assert verify(copy) == 3  # merely present: not


def test_with_the_public_key_or_the_fingerprint(
    copy: Path, laptop: Workspace, citizen: Path, tmp_path: Path
) -> None:
    key = tmp_path / "sleutel-van-de-gemeente.pem"
    key.write_text(laptop.vault.signing_key.public.pem())
    assert verify(copy, "--key", str(key)) == 0
    public = laptop.vault.signing_key.public
    printed = subprocess.run(
        f"openssl pkey -pubin -in {key} -outform DER | sha256sum",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    assert printed == public.fingerprint_hex
    assert verify(copy, "--fingerprint", printed) == 0
    colons = ":".join(printed[i : i + 2] for i in range(0, 64, 2)).upper()
    assert verify(copy, "--fingerprint", colons) == 0
    assert verify(copy, "--fingerprint", public.fingerprint) == 0
    other = hashlib.sha256(b"someone else").hexdigest()
    assert verify(copy, "--fingerprint", other) == 3


def test_a_copy_by_another_key_is_never_intact_and_trusted(
    tmp_path: Path, org: Org, copy: Path, citizen: Path
) -> None:
    """An uncertified laptop, and one certified by another organisation, make good-looking
    copies; with our CA named they stay 'unknown' (3), never 0."""
    stranger = _installation(tmp_path / "stranger", None)
    usb = tmp_path / "usb2"
    usb.mkdir()
    forged = export_copy(stranger, _recording(stranger), usb, "wav", "A. Yilmaz")
    assert verify(forged, "--ca", str(org.certificate)) == 3
    other_org = make_org(tmp_path / "other-org", "Gemeente Elders")
    elsewhere = _installation(tmp_path / "elsewhere", other_org, "Laptop Elders")
    theirs = export_copy(elsewhere, _recording(elsewhere), usb, "flac", "A. Yilmaz")
    assert verify(theirs, "--ca", str(org.certificate)) == 3
    assert verify(theirs, "--ca", str(other_org.certificate)) == 0
    # The stranger's folder with our installation's certificate put in: still not ours.
    shutil.copy(copy / "installatie.pem", forged / "installatie.pem")
    assert verify(forged, "--ca", str(org.certificate)) == 1  # not in SHA256SUMS: changed


def test_a_changed_copy_is_changed_whatever_is_trusted(copy: Path, org: Org, citizen: Path) -> None:
    audio = copy / "opname.wav"
    data = bytearray(audio.read_bytes())
    data[-100] ^= 1
    audio.write_bytes(bytes(data))
    assert verify(copy, "--ca", str(org.certificate)) == 1
    assert verify(copy) == 1


def test_bad_trust_options_are_usage_errors(
    copy: Path, citizen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    assert verify(copy, "--ca", str(junk)) == 2
    assert verify(copy, "--key", str(junk)) == 2
    assert verify(copy, "--fingerprint", "zz-not-hex!") == 2
    assert verify(copy, "--ca", str(tmp_path / "missing.pem")) == 2
    err = capsys.readouterr().err
    assert "is not a PEM certificate" in err and "is not a fingerprint" in err
