"""The signed policy: only a policy signed by the CA this installation is enrolled with puts
recovery recipients, trusted keys and a time-stamping authority in force; every documented key
form loads; the new [organisation] and [timestamps] settings are validated."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from audio.vault.keys import RecoveryPrivateKey, SigningKey
from policy.enrolment import apply_provenance, in_force
from policy.organisation import enrolment_status
from policy.policy import PolicyError, ProvenanceKind, load_policy
from policy.workspace import Workspace
from tests.helpers.organisation import DEFAULT_POLICY, make_org, policy_text, signed_policy
from tests.unit.conftest import FAST_KDF, PASSPHRASE


def _spki_base64(pem: str) -> str:
    """A PEM public key without its BEGIN and END lines: the base64 of its DER."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def _keys(recovery: str, trusted: str) -> tuple[str, str]:
    return (
        "recovery = []",
        f'recovery = ["""{recovery}"""]\n[[keys.trusted]]\nname = "Laptop 7"\n'
        f'public_key = """{trusted}"""\n',
    )


def test_the_default_policy_is_the_programs() -> None:
    policy = load_policy(DEFAULT_POLICY)
    assert policy.provenance.kind is ProvenanceKind.DEFAULT
    assert policy.declared.empty and policy.ignored.empty
    assert policy.summary("en")["provenance"]["kind"] == "default"


# -- every documented key form loads ----------------------------------------------------------


def test_the_trusted_key_example_in_the_default_policy_loads(tmp_path: Path) -> None:
    """The example was bare SPKI base64, which the loader refused as 'not a valid key'."""
    source = DEFAULT_POLICY.read_text(encoding="utf-8")
    example = re.search(r"# \[\[keys\.trusted\]\]\n# name = .*\n# public_key = \"(.*)\"", source)
    assert example is not None
    shown = example.group(1)
    assert shown.endswith("...")
    key = SigningKey.generate().public
    real = _spki_base64(key.pem())
    assert real.startswith(shown.removesuffix("..."))  # the example shows this form
    block = example.group(0).replace("# ", "").replace(shown, real)
    file = tmp_path / "policy.toml"
    file.write_text(source.replace("recovery = []", f"recovery = []\n{block}\n", 1), "utf-8")
    assert load_policy(file).declared.trusted_keys[0].key == key


@pytest.mark.parametrize("form", ["pem", "spki_base64", "raw_base64"])
def test_every_documented_key_form_loads(tmp_path: Path, form: str) -> None:
    recovery = RecoveryPrivateKey.generate().public
    installation = SigningKey.generate().public
    shown = {
        "pem": (recovery.pem(), installation.pem()),
        "spki_base64": (_spki_base64(recovery.pem()), _spki_base64(installation.pem())),
        "raw_base64": (
            base64.b64encode(recovery.raw).decode(),
            base64.b64encode(installation.raw).decode(),
        ),
    }[form]
    file = tmp_path / "policy.toml"
    file.write_text(policy_text(None, _keys(*shown)), encoding="utf-8")
    declared = load_policy(file).declared
    assert declared.recovery_keys == (recovery,)
    assert declared.trusted_keys[0].key == installation


def test_a_key_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    installation = SigningKey.generate().public.pem()
    file = tmp_path / "policy.toml"
    # An installation (Ed25519) key where a recovery (X25519) key belongs.
    file.write_text(policy_text(None, _keys(installation, installation)), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    assert "keys.recovery[0]" in caught.value.message("en")


# -- provenance -------------------------------------------------------------------------------


def test_an_unsigned_policy_names_keys_but_none_are_in_force(tmp_path: Path) -> None:
    recovery = RecoveryPrivateKey.generate().public
    installation = SigningKey.generate().public
    file = tmp_path / "policy.toml"
    file.write_text(policy_text(None, _keys(recovery.pem(), installation.pem())), "utf-8")
    org = make_org(tmp_path / "ca")
    for pinned in (None, org.ca_pem):  # unenrolled, or enrolled with any CA
        policy = apply_provenance(load_policy(file), pinned)
        assert policy.provenance.kind is ProvenanceKind.UNSIGNED
        assert policy.recovery_keys == () and policy.trusted_keys == ()
        assert policy.ignored.recovery_keys == (recovery,)
        assert policy.ignored.trusted_keys[0].key == installation
        summary = policy.summary("nl")
        assert summary["recovery_keys"] == [] and summary["trusted_keys"] == []
        assert summary["ignored"]["recovery_keys"] == [recovery.fingerprint]
        assert "NIET ondertekend" in policy.provenance.describe("nl")


def test_a_policy_signed_by_our_ca_puts_its_keys_in_force(tmp_path: Path) -> None:
    recovery = RecoveryPrivateKey.generate().public
    installation = SigningKey.generate().public
    org = make_org(tmp_path / "ca", "Gemeente Test")
    file = signed_policy(tmp_path, org, _keys(recovery.pem(), installation.pem()))
    loaded = load_policy(file)
    # Without an enrolment to compare with: signed, but nothing in force.
    assert loaded.provenance.kind is ProvenanceKind.SIGNED
    assert loaded.provenance.signer_name == "Gemeente Test"
    assert loaded.recovery_keys == ()
    policy = apply_provenance(loaded, org.ca_pem)
    assert policy.provenance.kind is ProvenanceKind.ORGANISATION
    assert policy.provenance.signer_fingerprint == org.authority.fingerprint_hex
    assert policy.provenance.sha256 == policy.sha256
    assert policy.recovery_keys == (recovery,)
    assert policy.trusted_keys[0].key == installation
    assert policy.ignored.empty
    # Judging again changes nothing; judging without the pin takes the keys away again.
    assert apply_provenance(policy, org.ca_pem).recovery_keys == (recovery,)
    assert apply_provenance(policy, None).recovery_keys == ()


def test_a_policy_signed_by_another_ca_is_foreign(tmp_path: Path) -> None:
    recovery = RecoveryPrivateKey.generate().public
    ours = make_org(tmp_path / "ours", "Gemeente Test")
    theirs = make_org(tmp_path / "theirs", "Iemand Anders")
    file = signed_policy(
        tmp_path, theirs, _keys(recovery.pem(), SigningKey.generate().public.pem())
    )
    policy = apply_provenance(load_policy(file), ours.ca_pem)
    assert policy.provenance.kind is ProvenanceKind.FOREIGN
    assert policy.provenance.problem == "other_ca"
    assert policy.provenance.signer_name == "Iemand Anders"
    assert policy.recovery_keys == () and policy.trusted_keys == ()
    assert "andere CA" in policy.provenance.describe("nl")
    # The same file, judged by an installation enrolled with its signer, is that organisation's.
    assert apply_provenance(load_policy(file), theirs.ca_pem).recovery_keys == (recovery,)


def test_a_changed_signed_policy_is_foreign(tmp_path: Path) -> None:
    recovery = RecoveryPrivateKey.generate().public
    org = make_org(tmp_path / "ca")
    file = signed_policy(tmp_path, org, _keys(recovery.pem(), SigningKey.generate().public.pem()))
    assert apply_provenance(load_policy(file), org.ca_pem).provenance.in_force
    file.write_text(file.read_text("utf-8").replace("retention_days = 90", "retention_days = 91"))
    for pinned in (org.ca_pem, None):
        policy = apply_provenance(load_policy(file), pinned)
        assert policy.provenance.kind is ProvenanceKind.FOREIGN
        assert policy.provenance.problem == "bad_signature"
        assert policy.recovery_keys == ()
    # A signature file that is no signature at all.
    file.with_name(file.name + ".sig").write_bytes(b"\x00" * 5000)
    assert apply_provenance(load_policy(file), org.ca_pem).provenance.problem == "bad_signature"


def test_the_workspace_policy_follows_the_vaults_enrolment(tmp_path: Path) -> None:
    recovery = RecoveryPrivateKey.generate().public
    org = make_org(tmp_path / "ca")
    file = signed_policy(tmp_path, org, _keys(recovery.pem(), SigningKey.generate().public.pem()))
    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(file), kdf=FAST_KDF)
    assert in_force(workspace.vault, workspace.policy).recovery_keys == ()  # not enrolled
    assert not enrolment_status(workspace.vault).enrolled
    org.enroll(workspace)
    assert workspace.policy.recovery_keys == (recovery,)
    assert in_force(workspace.vault, load_policy(file)).recovery_keys == (recovery,)
    status = enrolment_status(workspace.vault)
    assert status.enrolled and status.valid and status.ca_name == "Gemeente Test"
    assert status.ca_fingerprint_hex == org.authority.fingerprint_hex
    # A damaged enrolment pins nothing: fail closed.
    (enrolment,) = (workspace.vault.root / "enrolment").iterdir()
    data = bytearray(enrolment.read_bytes())
    data[-1] ^= 1
    enrolment.write_bytes(bytes(data))
    assert in_force(workspace.vault, load_policy(file)).recovery_keys == ()
    assert enrolment_status(workspace.vault).damaged


# -- [organisation] and [timestamps] ------------------------------------------------------------


TSA = '[timestamps]\nurl = "http://tsa.example/tsa"\nca_certificate = "{ca}"\n{extra}\n'


def _with_timestamps(tmp_path: Path, ca: str, extra: str = "") -> Path:
    file = tmp_path / "policy.toml"
    source = policy_text(None).replace(
        "[[purposes]]", TSA.format(ca=ca, extra=extra) + "\n[[purposes]]", 1
    )
    file.write_text(source, encoding="utf-8")
    return file


def test_timestamps_and_the_organisation_ca_are_read(tmp_path: Path) -> None:
    org = make_org(tmp_path / "ca", "Gemeente Test")
    (tmp_path / "tsa.pem").write_bytes(org.ca_pem)  # any certificate will do for loading
    extra = "max_delay_minutes = 30"
    source = _with_timestamps(tmp_path, "tsa.pem", extra).read_text("utf-8")
    source = source.replace(
        "[organisation.contacts]",
        'ca_certificate = "ca/organisatie.pem"\n'
        'publication_url = "https://www.example.nl/ca"\n\n[organisation.contacts]',
    )
    file = tmp_path / "policy.toml"
    file.write_text(source, encoding="utf-8")
    unsigned = load_policy(file)
    assert unsigned.organisation_ca == org.ca_pem
    assert unsigned.publication_url == "https://www.example.nl/ca"
    assert unsigned.named_authority is not None
    assert unsigned.named_authority.name == "Gemeente Test"
    assert unsigned.timestamps is None  # not in force: unsigned
    assert unsigned.ignored.timestamps is not None
    assert unsigned.ignored.timestamps.max_delay_minutes == 30
    org.sign(file)
    signed = apply_provenance(load_policy(file), org.ca_pem)
    assert signed.timestamps is not None
    assert signed.timestamps.url == "http://tsa.example/tsa"
    assert signed.timestamps.ca_certificate == org.ca_pem
    assert signed.summary("en")["timestamps"] == {
        "url": "http://tsa.example/tsa",
        "max_delay_minutes": 30,
    }


def test_the_delay_has_a_default(tmp_path: Path) -> None:
    org = make_org(tmp_path / "ca")
    pem = org.ca_pem.decode()
    file = _with_timestamps(tmp_path, "x").read_text("utf-8").replace('"x"', f'"""{pem}"""')
    (tmp_path / "p.toml").write_text(file, encoding="utf-8")
    declared = load_policy(tmp_path / "p.toml").declared.timestamps
    assert declared is not None and declared.max_delay_minutes == 60


@pytest.mark.parametrize(
    ("ca", "extra", "message"),
    [
        ("missing.pem", "", "kan het certificaat 'missing.pem' voor 'timestamps.ca_certificate'"),
        ("not-a-cert.pem", "", "'timestamps.ca_certificate' is geen certificaat"),
        ("tsa.pem", "max_delay_minutes = 0", "'timestamps.max_delay_minutes' moet tussen 1"),
        ("tsa.pem", 'max_delay_minutes = "60"', "'timestamps.max_delay_minutes' moet een getal"),
        ("tsa.pem", "proxy = 1", "'timestamps.proxy' is onbekend"),
    ],
)
def test_bad_timestamp_settings_name_the_setting(
    tmp_path: Path, ca: str, extra: str, message: str
) -> None:
    (tmp_path / "tsa.pem").write_bytes(make_org(tmp_path / "ca").ca_pem)
    (tmp_path / "not-a-cert.pem").write_text("hallo")
    with pytest.raises(PolicyError) as caught:
        load_policy(_with_timestamps(tmp_path, ca, extra))
    assert message in caught.value.message("nl")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('publication_url = "ftp://example.nl"', "is geen webadres"),
        ('publication_url = "https://"', "is geen webadres"),
        ('ca_certificate = "leaf.pem"', "'organisation.ca_certificate' is geen CA-certificaat"),
    ],
)
def test_bad_organisation_settings_name_the_setting(
    tmp_path: Path, setting: str, message: str
) -> None:
    org = make_org(tmp_path / "ca")
    org.certify(
        Workspace.create(tmp_path / "v", PASSPHRASE, load_policy(), kdf=FAST_KDF).vault,
        tmp_path / "leaf.pem",
    )
    file = tmp_path / "policy.toml"
    text = policy_text(None).replace(
        "[organisation.contacts]", f"{setting}\n\n[organisation.contacts]"
    )
    file.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    assert message in caught.value.message("nl")


def test_the_documented_examples_in_the_default_policy_load(tmp_path: Path) -> None:
    """[organisation] ca_certificate and publication_url, and the [timestamps] block, as the
    comments in default.toml show them, with the files they name beside the policy."""
    org = make_org(tmp_path / "ca")
    (tmp_path / "organisatie.pem").write_bytes(org.ca_pem)
    (tmp_path / "tsa.pem").write_bytes(org.ca_pem)
    source = DEFAULT_POLICY.read_text(encoding="utf-8")
    for line in (
        '# ca_certificate = "organisatie.pem"',
        '# publication_url = "https://www.s-hertogenbosch.nl/gespreksopname"',
        "# [timestamps]",
        '# url = "http://tsa.example/tsa"',
        '# ca_certificate = "tsa.pem"',
        "# max_delay_minutes = 60",
    ):
        assert line in source, line
        source = source.replace(line, line.removeprefix("# "), 1)
    file = tmp_path / "policy.toml"
    file.write_text(source, encoding="utf-8")
    org.sign(file)
    policy = apply_provenance(load_policy(file), org.ca_pem)
    assert policy.organisation_ca == org.ca_pem
    assert policy.publication_url == "https://www.s-hertogenbosch.nl/gespreksopname"
    assert policy.timestamps is not None and policy.timestamps.max_delay_minutes == 60
