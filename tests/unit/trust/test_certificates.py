"""The organisation CA: issued certificates checked by our code and by the real openssl binary."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audio.trust.certificates import (
    DOCUMENT_SIGNING,
    Authority,
    TrustError,
    UnlockedAuthority,
    certificate_fingerprint_hex,
    certify,
    colon_hex,
    load_authority,
    make_authority,
    make_request,
    normalise_hex,
    public_key_matches,
    sign_policy,
    verify_installation,
    verify_policy,
)

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

PASSPHRASE = b"de sleutel van de privacy officer"
ORG = "Gemeente 's-Hertogenbosch"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
POLICY = b'[organisation]\nca_certificate = "organisatie.pem"\n'


@dataclass(frozen=True)
class Org:
    files: Authority
    unlocked: UnlockedAuthority


def _org(name: str = ORG, now: datetime = NOW) -> Org:
    files = make_authority(name, PASSPHRASE, now=now)
    return Org(files, load_authority(files.certificate_pem, files.key_pem, PASSPHRASE))


@pytest.fixture(scope="module")
def org() -> Org:
    return _org()


@pytest.fixture(scope="module")
def laptop() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def leaf(org: Org, laptop: Ed25519PrivateKey) -> bytes:
    return certify(make_request(laptop, "laptop-42"), org.unlocked, "Balie Stadhuis 1", now=NOW)


def _openssl(*args: str | Path, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", *map(str, args)], input=input, capture_output=True, check=False, timeout=30
    )


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _code(exc: pytest.ExceptionInfo[TrustError]) -> str:
    return exc.value.code


# The authority


def test_authority_is_a_p256_ca_with_an_encrypted_key(org: Org) -> None:
    ca = x509.load_pem_x509_certificate(org.files.certificate_pem)
    public_key = ca.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert ca.subject == ca.issuer
    assert ca.subject.rfc4514_string() == "O=Gemeente 's-Hertogenbosch,CN=Gemeente 's-Hertogenbosch"
    assert ca.not_valid_after_utc - ca.not_valid_before_utc == timedelta(days=3650, minutes=5)
    assert org.files.key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # it cannot be read without the passphrase
        serialization.load_pem_private_key(org.files.key_pem, password=None)


def test_openssl_reads_the_ca_and_its_key(org: Org, tmp_path: Path) -> None:
    ca = _write(tmp_path / "organisatie.pem", org.files.certificate_pem)
    key = _write(tmp_path / "organisatie-key.pem", org.files.key_pem)
    text = _openssl("x509", "-in", ca, "-noout", "-text").stdout.decode()
    assert "CA:TRUE, pathlen:0" in text
    assert "Certificate Sign, CRL Sign" in text
    good = _openssl("pkey", "-in", key, "-passin", "pass:" + PASSPHRASE.decode(), "-noout")
    assert good.returncode == 0, good.stderr
    bad = _openssl("pkey", "-in", key, "-passin", "pass:wrong", "-noout")
    assert bad.returncode != 0


def test_wrong_passphrase(org: Org) -> None:
    with pytest.raises(TrustError) as exc:
        load_authority(org.files.certificate_pem, org.files.key_pem, b"not the passphrase")
    assert _code(exc) == "wrong_passphrase"


def test_broken_authority_files(org: Org) -> None:
    with pytest.raises(TrustError) as exc:
        load_authority(b"-----BEGIN CERTIFICATE-----\nbroken\n", org.files.key_pem, PASSPHRASE)
    assert _code(exc) == "not_a_certificate"
    with pytest.raises(TrustError) as exc:
        load_authority(org.files.certificate_pem, org.files.key_pem[:100], PASSPHRASE)
    assert _code(exc) == "not_a_key"
    other = _org("Gemeente Elders")
    with pytest.raises(TrustError) as exc:
        load_authority(org.files.certificate_pem, other.files.key_pem, PASSPHRASE)
    assert _code(exc) == "wrong_key"


def test_a_leaf_is_not_an_authority(org: Org, leaf: bytes) -> None:
    with pytest.raises(TrustError) as exc:
        load_authority(leaf, org.files.key_pem, PASSPHRASE)
    assert _code(exc) == "not_a_ca"


def test_empty_passphrase_or_name_is_refused() -> None:
    with pytest.raises(TrustError) as exc:
        make_authority(ORG, b"")
    assert _code(exc) == "empty_passphrase"
    with pytest.raises(TrustError) as exc:
        make_authority("  ", PASSPHRASE)
    assert _code(exc) == "bad_name"
    with pytest.raises(TrustError) as exc:
        make_authority("x" * 65, PASSPHRASE)
    assert _code(exc) == "bad_name"


# Requests and certificates


def test_round_trip(org: Org, laptop: Ed25519PrivateKey, leaf: bytes) -> None:
    installation = verify_installation(leaf, org.files.certificate_pem, NOW + timedelta(days=30))
    assert installation.name == "Balie Stadhuis 1"  # the officer's name, not the request's
    assert installation.organisation == ORG
    assert installation.public_key == laptop.public_key().public_bytes_raw()
    assert installation.not_before == NOW - timedelta(minutes=5)
    assert installation.not_after == NOW + timedelta(days=825)
    assert installation.ca_fingerprint_hex == org.unlocked.fingerprint_hex
    assert public_key_matches(leaf, laptop.public_key())
    assert not public_key_matches(leaf, Ed25519PrivateKey.generate().public_key())


def test_certificate_extensions(org: Org, leaf: bytes) -> None:
    certificate = x509.load_pem_x509_certificate(leaf)
    ca = org.unlocked.certificate
    extensions = certificate.extensions
    constraints = extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING}
    aki = extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert certificate.issuer == ca.subject
    assert certificate.signature_hash_algorithm is not None
    assert certificate.signature_hash_algorithm.name == "sha256"


def test_openssl_shows_the_extensions(leaf: bytes, tmp_path: Path) -> None:
    path = _write(tmp_path / "installatie.pem", leaf)
    result = _openssl("x509", "-in", path, "-noout", "-text")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    for expected in (
        "X509v3 Basic Constraints: critical",
        "CA:FALSE",
        "X509v3 Key Usage: critical",
        "Digital Signature, Non Repudiation",
        "E-mail Protection",
        "1.3.6.1.5.5.7.3.36",  # documentSigning: OpenSSL 3.0 has no name for it
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "Subject: CN = Balie Stadhuis 1, O = Gemeente 's-Hertogenbosch",
        "ED25519",
    ):
        assert expected in text, expected


def test_openssl_verify_agrees(org: Org, laptop: Ed25519PrivateKey, tmp_path: Path) -> None:
    # Certified now, so that openssl checks it at today's date as it does by default.
    genuine = certify(make_request(laptop, "laptop"), org.unlocked, "Balie 2")
    ca = _write(tmp_path / "organisatie.pem", org.files.certificate_pem)
    cert = _write(tmp_path / "installatie.pem", genuine)
    result = _openssl("verify", "-CAfile", ca, cert)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip().endswith(": OK")


def test_openssl_verify_refuses_another_ca(laptop: Ed25519PrivateKey, tmp_path: Path) -> None:
    # An impostor with the same organisation name: only the key tells them apart.
    ours, impostor = _org(now=datetime.now(UTC)), _org(now=datetime.now(UTC))
    forged = certify(make_request(laptop, "laptop"), impostor.unlocked, "Balie 2")
    ca = _write(tmp_path / "organisatie.pem", ours.files.certificate_pem)
    cert = _write(tmp_path / "installatie.pem", forged)
    result = _openssl("verify", "-CAfile", ca, cert)
    assert result.returncode != 0
    assert b"OK" not in result.stdout
    own_ca = _write(tmp_path / "impostor.pem", impostor.files.certificate_pem)
    assert _openssl("verify", "-CAfile", own_ca, cert).returncode == 0  # the forgery itself is fine


def test_verify_installation_inside_and_outside_validity(org: Org, leaf: bytes) -> None:
    ca = org.files.certificate_pem
    verify_installation(leaf, ca, NOW)
    verify_installation(leaf, ca, NOW + timedelta(days=825) - timedelta(seconds=1))
    with pytest.raises(TrustError) as exc:
        verify_installation(leaf, ca, NOW - timedelta(hours=1))
    assert _code(exc) == "not_yet_valid"
    with pytest.raises(TrustError) as exc:
        verify_installation(leaf, ca, NOW + timedelta(days=826))
    assert _code(exc) == "expired"


def test_leaf_validity_ends_with_the_ca(laptop: Ed25519PrivateKey) -> None:
    short = make_authority(ORG, PASSPHRASE, days=30, now=NOW)
    unlocked = load_authority(short.certificate_pem, short.key_pem, PASSPHRASE)
    cert = certify(make_request(laptop, "laptop"), unlocked, "Balie 3", now=NOW)
    assert verify_installation(cert, short.certificate_pem, NOW).not_after == NOW + timedelta(
        days=30
    )
    with pytest.raises(TrustError) as exc:
        certify(make_request(laptop, "l"), unlocked, "Balie 3", now=NOW + timedelta(days=31))
    assert _code(exc) == "expired"


def test_verify_installation_refuses_another_ca(laptop: Ed25519PrivateKey, leaf: bytes) -> None:
    same_name = _org()
    with pytest.raises(TrustError) as exc:
        verify_installation(leaf, same_name.files.certificate_pem, NOW)
    assert _code(exc) == "untrusted"
    other_name = _org("Gemeente Elders")
    with pytest.raises(TrustError) as exc:
        verify_installation(leaf, other_name.files.certificate_pem, NOW)
    assert _code(exc) == "untrusted"


def test_verify_installation_refuses_a_tampered_certificate(org: Org, leaf: bytes) -> None:
    der = bytearray(x509.load_pem_x509_certificate(leaf).public_bytes(serialization.Encoding.DER))
    name = der.find(b"Balie Stadhuis 1")
    assert name > 0
    der[name : name + 5] = b"Balio"  # the name, inside the signed part
    tampered = x509.load_der_x509_certificate(bytes(der)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(TrustError) as exc:
        verify_installation(tampered, org.files.certificate_pem, NOW)
    assert _code(exc) == "bad_signature"


def test_verify_installation_refuses_a_ca_as_leaf(org: Org) -> None:
    with pytest.raises(TrustError) as exc:
        verify_installation(org.files.certificate_pem, org.files.certificate_pem, NOW)
    assert _code(exc) == "wrong_usage"


def test_verify_installation_needs_a_ca(leaf: bytes) -> None:
    with pytest.raises(TrustError) as exc:
        verify_installation(leaf, leaf, NOW)
    assert _code(exc) == "not_a_ca"
    with pytest.raises(TrustError) as exc:
        verify_installation(b"nonsense", leaf, NOW)
    assert _code(exc) == "not_a_certificate"


def _hand_made_leaf(
    org: Org, *, ca: bool = False, usage: str = "digital_signature", eku: str = "EMAIL_PROTECTION"
) -> bytes:
    """A leaf signed by our CA with the extensions chosen by the test, not by `certify`."""
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    flags[usage] = True
    ca_cert = org.unlocked.certificate
    public_key = Ed25519PrivateKey.generate().public_key()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Hand")]))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**flags), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([getattr(x509.oid.ExtendedKeyUsageOID, eku)]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(org.unlocked.private_key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )


def test_a_leaf_for_sealing_needs_the_right_usages(org: Org) -> None:
    ca = org.files.certificate_pem
    verify_installation(_hand_made_leaf(org), ca, NOW)  # emailProtection alone is enough
    for wrong in (
        _hand_made_leaf(org, ca=True),
        _hand_made_leaf(org, usage="key_encipherment"),
        _hand_made_leaf(org, eku="CLIENT_AUTH"),
    ):
        with pytest.raises(TrustError) as exc:
            verify_installation(wrong, ca, NOW)
        assert _code(exc) == "wrong_usage"


def test_request_with_a_broken_signature_is_refused(org: Org, laptop: Ed25519PrivateKey) -> None:
    request = make_request(laptop, "laptop")
    der = bytearray(x509.load_pem_x509_csr(request).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte of the Ed25519 signature
    broken = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    assert x509.load_pem_x509_csr(broken).is_signature_valid is False
    with pytest.raises(TrustError) as exc:
        certify(broken, org.unlocked, "Balie 4", now=NOW)
    assert _code(exc) == "bad_signature"
    certify(request, org.unlocked, "Balie 4", now=NOW)  # the untouched request passes


def test_request_that_is_not_one_or_not_ed25519(org: Org) -> None:
    with pytest.raises(TrustError) as exc:
        certify(b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n", org.unlocked, "Balie", now=NOW)
    assert _code(exc) == "bad_request"
    ecdsa = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "ecdsa")]))
        .sign(ecdsa, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    with pytest.raises(TrustError) as exc:
        certify(request, org.unlocked, "Balie", now=NOW)
    assert _code(exc) == "bad_request"


def test_openssl_reads_the_request(laptop: Ed25519PrivateKey, tmp_path: Path) -> None:
    path = _write(tmp_path / "verzoek.pem", make_request(laptop, "laptop-42"))
    result = _openssl("req", "-in", path, "-noout", "-verify", "-subject")
    assert result.returncode == 0, result.stderr
    assert b"laptop-42" in result.stdout


# Fingerprints


def test_key_fingerprint_is_what_openssl_and_sha256sum_print(
    org: Org, leaf: bytes, tmp_path: Path
) -> None:
    cert = _write(tmp_path / "installatie.pem", leaf)
    public_pem = _openssl("x509", "-in", cert, "-pubkey", "-noout")
    assert public_pem.returncode == 0, public_pem.stderr
    der = _openssl("pkey", "-pubin", "-outform", "DER", input=public_pem.stdout)
    assert der.returncode == 0, der.stderr
    sha256sum = subprocess.run(
        ["sha256sum"], input=der.stdout, capture_output=True, check=True, timeout=30
    )
    printed = sha256sum.stdout.decode().split()[0]
    installation = verify_installation(leaf, org.files.certificate_pem, NOW)
    assert installation.fingerprint_hex == printed
    assert installation.fingerprint_hex != hashlib.sha256(installation.public_key).hexdigest()


def test_ca_fingerprint_is_what_openssl_prints(org: Org, leaf: bytes, tmp_path: Path) -> None:
    ca = _write(tmp_path / "organisatie.pem", org.files.certificate_pem)
    result = _openssl("x509", "-in", ca, "-noout", "-fingerprint", "-sha256")
    assert result.returncode == 0, result.stderr
    printed = result.stdout.decode().strip()  # "sha256 Fingerprint=AB:CD:..."
    installation = verify_installation(leaf, org.files.certificate_pem, NOW)
    assert installation.ca_fingerprint_colons == printed.split("=", 1)[1]
    assert normalise_hex(printed) == installation.ca_fingerprint_hex
    assert certificate_fingerprint_hex(org.files.certificate_pem) == installation.ca_fingerprint_hex


def test_hex_forms() -> None:
    assert colon_hex("ab01ff") == "AB:01:FF"
    assert normalise_hex("AB:01:FF") == "ab01ff"
    assert normalise_hex("ab 01 ff\n") == "ab01ff"
    for bad in ("", "abc", "zz", "AB:0G"):
        with pytest.raises(ValueError):
            normalise_hex(bad)


# The signed policy


def test_policy_signature_round_trip(org: Org) -> None:
    signature = sign_policy(POLICY, org.unlocked)
    verify_policy(POLICY, signature, org.files.certificate_pem)
    with pytest.raises(TrustError) as exc:
        verify_policy(POLICY + b"\n", signature, org.files.certificate_pem)
    assert _code(exc) == "bad_signature"
    with pytest.raises(TrustError) as exc:
        verify_policy(POLICY, b"not a signature", org.files.certificate_pem)
    assert _code(exc) == "bad_signature"
    other = _org("Gemeente Elders")
    with pytest.raises(TrustError) as exc:
        verify_policy(POLICY, sign_policy(POLICY, other.unlocked), org.files.certificate_pem)
    assert _code(exc) == "bad_signature"


def test_openssl_dgst_checks_the_policy_signature(org: Org, tmp_path: Path) -> None:
    policy = _write(tmp_path / "POLICY.toml", POLICY)
    signature = _write(tmp_path / "POLICY.toml.sig", sign_policy(POLICY, org.unlocked))
    ca = _write(tmp_path / "organisatie.pem", org.files.certificate_pem)
    public = _openssl("x509", "-in", ca, "-pubkey", "-noout")
    assert public.returncode == 0, public.stderr
    public_key = _write(tmp_path / "organisatie-pub.pem", public.stdout)

    def dgst() -> subprocess.CompletedProcess[bytes]:
        return _openssl("dgst", "-sha256", "-verify", public_key, "-signature", signature, policy)

    accepted = dgst()
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == b"Verified OK"
    policy.write_bytes(POLICY.replace(b"organisatie.pem", b"aanvaller.pem"))
    rejected = dgst()
    assert rejected.returncode != 0
    assert b"Verification failure" in rejected.stdout + rejected.stderr
