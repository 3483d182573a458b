"""Security review 3 of issue 13 (trust beyond the laptop): attacks by an outsider with the files,
an insider with the passphrase, and a citizen (or a forger) with only a copy.

Each test names the attacker, the attack and the claim it checks. A test that fails shows a
break (the claim does not hold as the code stands); a test that passes keeps a defence.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audio.copies.verify import verify_copy
from audio.trust.certificates import (
    certificate_fingerprint_hex,
    certify,
    colon_hex,
    load_authority,
    make_authority,
    make_request,
)
from audio.vault.keys import SigningKey
from desktop.cli import main
from policy import timestamping
from policy.copies import export_copy
from policy.enrolment import in_force
from policy.organisation import CA_CERTIFICATE, CA_KEY, enroll
from policy.policy import ProvenanceKind, load_policy, signature_path
from policy.workspace import Workspace
from tests.helpers.organisation import ORG_PASSPHRASE, Org, make_org, policy_text, signed_policy
from tests.helpers.tsa import CONFIG_FILE, RunningTsa, make_tsa_files
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.trust.test_timestamps_in_use import _record

RATE = 48000


# -- helpers ---------------------------------------------------------------------------------


def _installation(
    folder: Path, org: Org | None, name: str = "Laptop Burgerzaken", policy_file: Path | None = None
) -> Workspace:
    """A laptop's vault, enrolled with `org` under its signed policy."""
    folder.mkdir(parents=True)
    if policy_file is None and org is not None:
        policy_file = signed_policy(folder, org)
    policy = load_policy(policy_file)
    workspace = Workspace.create(folder / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    if org is not None:
        org.enroll(workspace, name)
        workspace = Workspace(workspace.vault, policy)  # as the next start sees it
    return workspace


def _export(workspace: Workspace, out: Path, rid: str | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    rid = rid or _record(workspace)
    return export_copy(workspace, rid, out, "wav", recipient="A. Yilmaz")


def _resign(folder: Path, key: SigningKey) -> None:
    """What anyone holding a signing key does after changing a folder: new SHA256SUMS and sig."""
    for name in ("SHA256SUMS", "SHA256SUMS.sig"):
        (folder / name).unlink(missing_ok=True)
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}"
        for p in sorted(folder.iterdir())
        if p.is_file()
    ]
    sums = ("\n".join(lines) + "\n").encode("utf-8")
    (folder / "SHA256SUMS").write_bytes(sums)
    (folder / "SHA256SUMS.sig").write_bytes(key.sign(sums))


def _citizen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A citizen's computer: no vault, no passphrase, the bundled policy, English."""
    home = tmp_path / "citizen"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(home / "no-vault"))
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE", raising=False)
    monkeypatch.delenv("GESPREKSOPNAME_POLICY", raising=False)
    _english(monkeypatch)


def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


def _on_laptop(monkeypatch: pytest.MonkeyPatch, workspace: Workspace, policy_file: Path) -> None:
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(workspace.vault.root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(policy_file))
    _english(monkeypatch)


def _tsa_policy(folder: Path, org: Org, url: str, tsa_ca: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(tsa_ca, folder / "tsa.pem")
    text = policy_text(org) + (
        f'\n[timestamps]\nurl = "{url}"\nca_certificate = "tsa.pem"\nmax_delay_minutes = 60\n'
    )
    file = folder / "beleid.toml"
    file.write_text(text, encoding="utf-8")
    org.sign(file)
    return file


def _offline_token(tsa_dir: Path, digest_hex: str, work: Path) -> bytes:
    """A TimeStampResp for `digest_hex` from the TSA whose files make_tsa_files wrote in
    `tsa_dir`, made with openssl directly (no server needed: whoever holds a TSA key can)."""
    query, reply = work / "q.tsq", work / "r.tsr"
    subprocess.run(
        ["openssl", "ts", "-query", "-digest", digest_hex, "-sha256", "-cert", "-out", str(query)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *("openssl", "ts", "-reply", "-config", str(tsa_dir / CONFIG_FILE)),
            *("-queryfile", str(query), "-out", str(reply)),
        ],
        check=True,
        capture_output=True,
    )
    return reply.read_bytes()


def _readme_commands(folder: Path) -> list[str]:
    """Every command the English part of LEESMIJ prints, as printed."""
    readme = (folder / "LEESMIJ.txt").read_text(encoding="utf-8")
    english = readme[readme.index("How to check this copy") :]
    found = []
    for line in english.splitlines():
        match = re.match(r"^\s*(?:\d+\.\s+)?((?:sha256sum|openssl) .*)$", line)
        if match:
            found.append(match.group(1))
    return found


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return make_org(tmp_path / "org")


# -- 2. the insider: re-pinning the CA -------------------------------------------------------


def test_insider_cannot_repin_to_own_ca_and_put_own_tsa_in_force(
    tmp_path: Path, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attacker: an insider with the passphrase (no CA key, no TSA). Attack: make a CA of their
    own named like the municipality's, certify the installation's key with it, `enroll --cert
    ... --ca own.pem --replace-ca`, and sign a policy of their own naming their own TSA (which
    they can run with a clock set back) and recovery key. Claim (FORMAT, threat model): the
    insider cannot "make their own policy name recovery keys, trusted keys or a TSA (only a
    policy signed by the CA the installation is enrolled with can; the vault pins that CA)".
    BREAK: --replace-ca needs only the passphrase, so the pin is the insider's to move."""
    laptop = _installation(tmp_path / "laptop", org)
    genuine_policy = laptop.policy.path
    rogue = make_org(tmp_path / "rogue", "Gemeente Test")  # same name as the real CA
    cert = rogue.certify(laptop.vault, tmp_path / "rogue-cert.pem", "Laptop Burgerzaken")
    tsa_ca = make_tsa_files(tmp_path / "rogue-tsa", "Test TSA")
    rogue_policy = _tsa_policy(tmp_path / "rogue-policy", rogue, "http://127.0.0.1:9/", tsa_ca)
    _on_laptop(monkeypatch, laptop, genuine_policy)
    main(["enroll", "--cert", str(cert), "--ca", str(rogue.certificate), "--replace-ca"])
    judged = in_force(laptop.vault, load_policy(rogue_policy))
    assert judged.timestamps is None, "the insider's own TSA is in force"
    assert judged.provenance.kind is not ProvenanceKind.ORGANISATION


# -- 2./3. a forged folder that passes every LEESMIJ command ---------------------------------


def test_forged_folder_cannot_pass_leesmij_while_printing_the_municipalitys_fingerprint(
    tmp_path: Path, org: Org
) -> None:
    """Attacker: a forger with a key and a CA of their own (no CA key of the municipality).
    Attack: export a copy from their own vault certified by their own CA, then make
    organisatie.pem a bundle: the municipality's genuine CA certificate first, their own CA
    second; re-sign SHA256SUMS. `openssl verify -CAfile organisatie.pem installatie.pem` trusts
    every certificate in the bundle, while `openssl x509 -in organisatie.pem -fingerprint`
    prints only the first: the genuine, published fingerprint. Claim (FORMAT, "The citizen's
    copy"; threat model): what anchors the files is the published CA fingerprint; LEESMIJ's
    checks, run as printed, must not all pass on a folder the municipality did not make while
    the fingerprint they print is the municipality's. BREAK."""
    rogue = make_org(tmp_path / "rogue", "Gemeente Test")
    forger = _installation(tmp_path / "forger", rogue, "Laptop Burgerzaken")
    folder = _export(forger, tmp_path / "usb")
    (folder / "organisatie.pem").write_bytes(org.ca_pem + rogue.ca_pem)
    readme = folder / "LEESMIJ.txt"
    genuine = colon_hex(certificate_fingerprint_hex(org.ca_pem))
    theirs = colon_hex(certificate_fingerprint_hex(rogue.ca_pem))
    readme.write_text(readme.read_text(encoding="utf-8").replace(theirs, genuine), "utf-8")
    _resign(folder, forger.vault.signing_key)

    results = []
    for command in _readme_commands(folder):
        ran = subprocess.run(
            ["bash", "-c", command], cwd=folder, capture_output=True, text=True, check=False
        )
        results.append((command, ran.returncode, ran.stdout))
    assert results, "LEESMIJ prints no commands"
    all_pass = all(code == 0 for _c, code, _o in results)
    printed = [out for c, _code, out in results if "-fingerprint -sha256" in c]
    shows_genuine = any(genuine in out for out in printed)
    assert not (all_pass and shows_genuine), results


def test_verify_with_the_bundled_organisatie_pem_does_not_trust_the_forger(
    tmp_path: Path, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attacker: the forger above. Attack: the citizen follows the advice and names the
    folder's organisatie.pem (whose printed fingerprint is the municipality's) with --ca.
    Claim: verify never says 0 for a copy sealed by a key no named CA certified. Defended:
    only the first certificate of the file is taken as the CA."""
    rogue = make_org(tmp_path / "rogue", "Gemeente Test")
    forger = _installation(tmp_path / "forger", rogue, "Laptop Burgerzaken")
    folder = _export(forger, tmp_path / "usb")
    (folder / "organisatie.pem").write_bytes(org.ca_pem + rogue.ca_pem)
    _resign(folder, forger.vault.signing_key)
    _citizen(tmp_path, monkeypatch)
    assert main(["verify", str(folder), "--ca", str(folder / "organisatie.pem")]) == 3


# -- 3./2. the folder's own tsa.pem ----------------------------------------------------------


def test_a_timestamp_from_a_tsa_the_folder_brings_is_not_reported_as_the_tsas_word(
    tmp_path: Path, org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attacker: an insider holding the installation's signing key (or anyone forging a copy),
    no TSA. Attack: run a TSA of their own (any clock, any name: here the same name as the
    organisation's TSA), stamp the seal the copy record names, put zegel.tsr and their tsa.pem
    in the folder, re-sign SHA256SUMS. On a citizen's computer (no TSA policy in force) verify
    takes the folder's tsa.pem as the anchor and prints "sealed at <time> according to CN=Test
    TSA" -- the same words as for the real TSA -- and exit 0. Claim (FORMAT): "the citizen's
    copy carries the seal's token, so the proof is also outside the laptop"; a result
    anchored only in the folder must say so (e.g. name tsa.pem's fingerprint), never read as
    the TSA's word. BREAK."""
    laptop = _installation(tmp_path / "laptop", org)
    folder = _export(laptop, tmp_path / "usb")
    assert not (folder / "zegel.tsr").exists()  # no TSA in force: the copy has none
    record = verify_copy(folder / "opname.wav", None).record
    assert record.seal_sha256
    fake_dir = tmp_path / "fake-tsa"
    fake_ca = make_tsa_files(fake_dir, "Test TSA")
    (folder / "zegel.tsr").write_bytes(_offline_token(fake_dir, record.seal_sha256, tmp_path))
    shutil.copy(fake_ca, folder / "tsa.pem")
    _resign(folder, laptop.vault.signing_key)
    _citizen(tmp_path, monkeypatch)
    code = main(["verify", str(folder), "--ca", str(org.certificate)])
    out = capsys.readouterr().out
    assert code == 0, out  # the copy itself is genuine and certified
    line = next((x for x in out.splitlines() if "Timestamp:" in x), "")
    fingerprint = certificate_fingerprint_hex(fake_ca.read_bytes())
    anchored_by_name = fingerprint in line.replace(":", "").lower()
    assert "sealed at" not in line or anchored_by_name, line


def test_a_token_for_another_digest_does_not_match(
    tmp_path: Path, org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attacker: an insider holding the signing key. Attack: put in a copy a genuine-looking
    token made for another seal (another recording's). Claim: verify reports "DOES NOT MATCH
    this seal", never "sealed at". Defended."""
    laptop = _installation(tmp_path / "laptop", org)
    folder = _export(laptop, tmp_path / "usb")
    fake_dir = tmp_path / "tsa-files"
    ca = make_tsa_files(fake_dir, "Test TSA")
    (folder / "zegel.tsr").write_bytes(_offline_token(fake_dir, "ab" * 32, tmp_path))
    shutil.copy(ca, folder / "tsa.pem")
    _resign(folder, laptop.vault.signing_key)
    _citizen(tmp_path, monkeypatch)
    main(["verify", str(folder), "--ca", str(org.certificate)])
    out = capsys.readouterr().out
    assert "DOES NOT MATCH" in out and "sealed at" not in out, out


# -- 2. an expired certificate and the copy's own `exported` --------------------------------


def test_an_expired_certificate_does_not_make_a_backdated_copy_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attacker: whoever holds the signing key of an installation whose certificate has long
    expired (a retired laptop, an old vault.json with its old passphrase). Attack: make a copy
    today with the clock set back so that the record's `exported` falls inside the
    certificate's validity. verify checks the chain at `exported`, a time the signer writes
    itself, so the copy is "certified by a CA you trust" (exit 0) years after the certificate
    ended. Claim (FORMAT): "never 0 for a copy sealed by a key no named CA certified" -- a
    certificate's end must end what it certifies; the copy's own claim of when it was made is
    no trusted time. BREAK."""
    past = datetime.now(UTC) - timedelta(days=3 * 365)
    made = make_authority("Gemeente Test", ORG_PASSPHRASE.encode(), now=past)
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / CA_CERTIFICATE).write_bytes(made.certificate_pem)
    (folder / CA_KEY).write_bytes(made.key_pem)
    authority = load_authority(made.certificate_pem, made.key_pem, ORG_PASSPHRASE.encode())
    org = Org(folder, authority, made.certificate_pem)
    laptop_dir = tmp_path / "laptop"
    laptop_dir.mkdir()
    policy_file = signed_policy(laptop_dir, org)
    policy = load_policy(policy_file)
    workspace = Workspace.create(laptop_dir / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    issued = past + timedelta(days=1)
    request = make_request(workspace.vault.signing_key.private, "Laptop Oud")
    cert = tmp_path / "oud.pem"
    cert.write_bytes(certify(request, authority, "Laptop Oud", days=30, now=issued))
    enroll(workspace, cert, org.ca_pem, now=issued + timedelta(hours=1))
    workspace = Workspace(workspace.vault, policy)
    backdated = (issued + timedelta(days=2)).timestamp()
    rid = _record(workspace, clock=backdated - time.time())  # the clock set back for both
    monkeypatch.setattr("policy.copies.time", types.SimpleNamespace(time=lambda: backdated))
    copy = _export(workspace, tmp_path / "usb", rid)
    monkeypatch.undo()
    _citizen(tmp_path, monkeypatch)
    code = main(["verify", str(copy), "--ca", str(org.certificate)])
    out = capsys.readouterr().out
    said = "\n".join(out.splitlines()[1:]).lower()  # not the "Checking <path>" line
    assert code != 0 or "expired" in said, out


# -- 3. whose certificate, which CA ----------------------------------------------------------


def test_a_certificate_of_installation_a_on_a_seal_by_key_b_is_not_trusted(
    tmp_path: Path, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attacker: a forger with a key of their own. Attack: put installation A's genuine
    certificate into their seals and copy records (and installatie.pem). Claim: a certificate
    counts only when it names the very key that sealed. Defended (exit 3)."""
    laptop = _installation(tmp_path / "laptop", org)
    stranger = _installation(tmp_path / "stranger", None)
    stranger.certificate = laptop.certificate
    folder = _export(stranger, tmp_path / "usb")
    shutil.copy(_export(laptop, tmp_path / "usb2") / "installatie.pem", folder)
    shutil.copy(org.certificate, folder / "organisatie.pem")
    _resign(folder, stranger.vault.signing_key)
    _citizen(tmp_path, monkeypatch)
    assert main(["verify", str(folder), "--ca", str(org.certificate)]) == 3


def test_a_leaf_or_a_same_named_ca_given_with_ca_is_no_anchor(
    tmp_path: Path, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attacker: a forger with a CA of their own named exactly like the municipality's.
    Attack: the citizen is talked into naming the installation certificate itself with --ca,
    or the forger's same-named CA is checked against our seals. Claim: never 0 for a copy no
    named CA certified. Defended."""
    rogue = make_org(tmp_path / "rogue", "Gemeente Test")
    forger = _installation(tmp_path / "forger", rogue, "Laptop Burgerzaken")
    folder = _export(forger, tmp_path / "usb")
    _citizen(tmp_path, monkeypatch)
    assert main(["verify", str(folder), "--ca", str(org.certificate)]) == 3
    assert main(["verify", str(folder), "--ca", str(folder / "installatie.pem")]) != 0


# -- 2. the policy's signature ---------------------------------------------------------------


def test_a_policy_signature_replayed_onto_another_policy_puts_nothing_in_force(
    tmp_path: Path, org: Org
) -> None:
    """Attacker: an insider with a genuinely signed policy. Attack: copy its .sig beside a
    policy of their own that names a TSA of theirs. Claim: only a policy signed by the enrolled
    CA puts a TSA in force. Defended."""
    laptop = _installation(tmp_path / "laptop", org)
    tsa_ca = make_tsa_files(tmp_path / "rogue-tsa", "Test TSA")
    own = _tsa_policy(tmp_path / "own", org, "http://127.0.0.1:9/", tsa_ca)
    genuine_sig = signature_path(laptop.policy.path).read_bytes()
    signature_path(own).write_bytes(genuine_sig)
    judged = in_force(laptop.vault, load_policy(own))
    assert judged.provenance.kind is ProvenanceKind.FOREIGN
    assert judged.timestamps is None and judged.recovery_keys == ()


# -- 1. the outsider: deleting what the TSA said ---------------------------------------------


def test_deleting_a_seals_timestamp_is_found(
    tmp_path: Path,
    org: Org,
    tsa: RunningTsa,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attacker: someone with the vault folder but not the passphrase. Attack: delete the
    timestamp documents (timestamp/<uuid>.enc) of a recording that was timestamped. `verify`
    then says only "not timestamped" (as for a recording no TSA ever saw) and `audit --verify`
    exits 0. Claim (FORMAT, threat model): the outsider "can destroy ... That is found, not
    prevented: `audit --verify` exits 1"; a seal taken under a TSA in force whose token is gone
    must not read like one never stamped. BREAK."""
    policy_file = _tsa_policy(tmp_path / "beleid", org, tsa.url, tsa.ca_pem_path)
    policy = load_policy(policy_file)
    made = Workspace.create(tmp_path / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    org.enroll(made, "Laptop Wijkteam")
    workspace = Workspace(made.vault, policy)
    assert workspace.policy.timestamps is not None
    rid = _record(workspace)
    assert workspace.timestamp_state() == (2, 0)
    _on_laptop(monkeypatch, workspace, policy_file)
    assert main(["verify", rid]) == 0
    assert "sealed at" in capsys.readouterr().out
    for doc in (workspace.vault.root / timestamping.KIND).glob("*.enc"):
        doc.unlink()  # no passphrase needed
    main(["verify", rid])
    shown = capsys.readouterr().out
    audited = main(["audit", "--verify"])
    capsys.readouterr()
    assert audited == 1 or "Timestamp: not timestamped" not in shown, shown
