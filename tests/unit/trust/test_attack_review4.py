"""Security review 4 (issue 14): Content Credentials (C2PA) and the verifier, attacked.

Breaks (these tests fail until fixed):
- An outsider replaces a lone file's manifest by one signed under their own CA, with a
  certificate carrying the installation certificate's serial number: `verify FILE` accepts it,
  because only the serial is compared (FORMAT.md: "made with the certificate in the seal").
- An outsider writes ~10 KB of arbitrary bytes into the COSE `pad` of a genuine manifest by
  spelling the CBOR key "pad" non-canonically (`78 03 'pad'`): c2pa still says Trusted, and the
  zero-padding scan (which looks for the bytes `63 'pad'`) never sees it.
- An insider (the installation's key) signs credentials whose `nl.gespreksopname.seal` names
  another recording, or claims cuts the seal does not have: a lone file verifies with them as
  "checked", and in a re-signed folder `verify` reports them intact and anchored.

Defended (regression tests): a non-zero byte in the canonically spelled pad, a second C2PA
chunk, the C2PA chunk in front of the seal, bytes after the manifest store in its chunk.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audio.copies import credentials
from audio.copies.verify import verify_copy
from audio.errors import IntegrityError
from audio.trust.certificates import certify, make_request
from desktop.cli import main
from policy.copies import export_copy
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org
from tests.unit.trust.test_verify_anyone import _recording

pytestmark = pytest.mark.skipif(not credentials.available(), reason="c2pa is not installed")


@pytest.fixture
def folder(laptop: Workspace, tmp_path: Path) -> Path:
    out = tmp_path / "usb"
    out.mkdir()
    return export_copy(laptop, _recording(laptop), out, "wav", recipient="A. Yilmaz")


def _chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(id, offset of the header, payload length) of every RIFF chunk."""
    found, pos = [], 12
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        found.append((data[pos : pos + 4], pos, length))
        pos += 8 + length + length % 2
    return found


def _riff(body: bytes) -> bytes:
    return body[:4] + (len(body) - 8).to_bytes(4, "little") + body[8:]


def _without_credentials(data: bytes) -> bytes:
    """The WAV as export wrote it before c2pa appended its chunk."""
    (offset,) = [at for cid, at, _ in _chunks(data) if cid == b"C2PA"]
    return _riff(data[:offset])


def _c2pa_chunk(data: bytes) -> bytes:
    ((offset, length),) = [(at, n) for cid, at, n in _chunks(data) if cid == b"C2PA"]
    return data[offset : offset + 8 + length + length % 2]


def _stripped(folder: Path, tmp_path: Path) -> Path:
    lone = tmp_path / "opname.wav"
    lone.write_bytes(_without_credentials((folder / "opname.wav").read_bytes()))
    assert verify_copy(lone, None).credentials == "none"  # still our sealed copy
    return lone


def _same_serial_certificate(laptop: Workspace, other: Org, key: Ed25519PrivateKey) -> bytes:
    """A certificate for the outsider's key, by the outsider's CA, with the installation's name
    and its certificate's serial number."""
    assert laptop.certificate is not None
    genuine = x509.load_pem_x509_certificate(laptop.certificate.encode("ascii"))
    name = "Laptop Burgerzaken"
    issued = x509.load_pem_x509_certificate(
        certify(make_request(key, name), other.authority, name, now=datetime.now(UTC))
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(issued.subject)
        .issuer_name(issued.issuer)
        .public_key(issued.public_key())
        .serial_number(genuine.serial_number)
        .not_valid_before(issued.not_valid_before_utc)
        .not_valid_after(issued.not_valid_after_utc)
    )
    for extension in issued.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    forged = builder.sign(other.authority.private_key, hashes.SHA256())
    return forged.public_bytes(serialization.Encoding.PEM)


def _resign(folder: Path, laptop: Workspace) -> None:
    """SHA256SUMS and its signature made again by the installation's key (the insider)."""
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("SHA256SUMS"))
    lines = [f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}" for n in names]
    sums = ("\n".join(lines) + "\n").encode()
    (folder / "SHA256SUMS").write_bytes(sums)
    (folder / "SHA256SUMS.sig").write_bytes(laptop.vault.signing_key.sign(sums))


def _insider_embed(
    laptop: Workspace, path: Path, facts: Mapping[str, object], **options: object
) -> None:
    assert laptop.certificate is not None
    credentials.embed(
        path,
        "wav",
        laptop.vault.signing_key.sign,
        laptop.certificate.encode("ascii"),
        facts,
        None,
        **options,  # type: ignore[arg-type]
    )


# Attacker 1: an outsider holding the files.


def test_outsider_credentials_under_another_ca_with_the_same_serial_are_a_change(
    laptop: Workspace, folder: Path, org: Org, tmp_path: Path, citizen: Path
) -> None:
    """BREAK. The seal does not cover the manifest; _check_credentials accepts any manifest that
    c2pa finds Valid (trust not judged) whose certificate has the seal certificate's serial and
    whose assertion repeats copy id and signer. An outsider can therefore put claims of their
    own (another recording, an edit with cuts) into a genuine lone file.
    Fix: compare the whole signing certificate (DER, or at least issuer + serial + public key)
    with the one in the seal, and the whole assertion with seal_facts(record)."""
    lone = _stripped(folder, tmp_path)
    record = verify_copy(lone, None).record
    key = Ed25519PrivateKey.generate()
    other = make_org(tmp_path / "other", "Gemeente Anders")
    facts = credentials.seal_facts(record) | {"recording_id": "een-andere-opname"}
    cuts = {"derived_from": {"recording_id": "een-andere-opname", "cuts": [[0.0, 30.0]]},
            "consent": {"announced": True, "agreed": []}}  # fmt: skip
    credentials.embed(lone, "wav", key.sign, _same_serial_certificate(laptop, other, key),
                      facts, None, edit=cuts)  # fmt: skip
    found = credentials.read(lone, None)
    assert found.state == "Valid" and found.issuer == "Gemeente Anders"
    with pytest.raises(IntegrityError):
        verify_copy(lone, None)
    assert main(["verify", str(lone), "--ca", str(org.certificate)]) == 1


def test_outsider_bytes_in_the_cose_pad_under_a_non_canonical_key_are_a_change(
    folder: Path, org: Org, tmp_path: Path
) -> None:
    """BREAK. The COSE signature's unprotected `pad` is covered by no hash. _manifest_store finds
    it by the bytes 63 'pad' (canonical CBOR); spelled 78 03 'pad' (a text string with a one-byte
    length, equally valid CBOR) with its byte string one shorter, the box keeps its size, c2pa
    still reads the manifest as Trusted, and ~10 KB of attacker bytes ride along unseen.
    Fix: decode the COSE_Sign1 (e.g. cbor2), require the unprotected header to be exactly
    {"pad": zeros} (and pad2) and the CBOR to re-encode to the same bytes (canonical)."""
    data = bytearray((folder / "opname.wav").read_bytes())
    at = bytes(data).find(b"\xa1\x63pad\x59") + 1
    assert at > 0
    length = int.from_bytes(data[at + 5 : at + 7], "big")
    assert length > 100 and not data[at + 7 : at + 7 + length].strip(b"\0")
    smuggled = (b"ATTACKER DATA " * length)[: length - 1]
    data[at : at + 7 + length] = b"\x78\x03pad\x59" + (length - 1).to_bytes(2, "big") + smuggled
    evil = tmp_path / "opname.wav"
    evil.write_bytes(bytes(data))
    assert credentials.read(evil, org.ca_pem).state == "Trusted"  # c2pa does not mind
    with pytest.raises(IntegrityError):
        verify_copy(evil, None)


def test_defended_a_non_zero_byte_in_the_canonical_pad_is_a_change(
    folder: Path, tmp_path: Path
) -> None:
    data = bytearray((folder / "opname.wav").read_bytes())
    at = bytes(data).find(b"\xa1\x63pad\x59") + 1
    data[at + 7 + 10] = 0x41
    evil = tmp_path / "opname.wav"
    evil.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        verify_copy(evil, None)


def test_defended_a_second_c2pa_chunk_is_a_change(folder: Path, tmp_path: Path) -> None:
    data = (folder / "opname.wav").read_bytes()
    evil = tmp_path / "opname.wav"
    evil.write_bytes(_riff(data + _c2pa_chunk(data)))
    with pytest.raises(IntegrityError):
        verify_copy(evil, None)


def test_defended_the_c2pa_chunk_in_front_of_the_seal_is_a_change(
    folder: Path, tmp_path: Path
) -> None:
    data = (folder / "opname.wav").read_bytes()
    chunk = _c2pa_chunk(data)
    plain = _without_credentials(data)
    ((seal_at, _),) = [(at, n) for cid, at, n in _chunks(plain) if cid == b"gsop"]
    evil = tmp_path / "opname.wav"
    evil.write_bytes(_riff(plain[:seal_at] + chunk + plain[seal_at:]))
    with pytest.raises(IntegrityError):
        verify_copy(evil, None)


def test_defended_bytes_after_the_manifest_store_in_its_chunk_are_a_change(
    folder: Path, tmp_path: Path
) -> None:
    data = (folder / "opname.wav").read_bytes()
    chunk = _c2pa_chunk(data)
    body = chunk[8 : 8 + int.from_bytes(chunk[4:8], "little")] + b"\0\0\0\0"
    evil = tmp_path / "opname.wav"
    evil.write_bytes(
        _riff(_without_credentials(data) + b"C2PA" + len(body).to_bytes(4, "little") + body)
    )
    with pytest.raises(IntegrityError):
        verify_copy(evil, None)


# Attacker 2: an insider holding the passphrase (the installation's key and certificate).


@pytest.mark.parametrize("claim", ["another recording", "cuts the seal does not have"])
def test_insider_credentials_that_contradict_the_seal_are_a_change(
    laptop: Workspace, folder: Path, tmp_path: Path, claim: str
) -> None:
    """BREAK. Only copy_id and signer of nl.gespreksopname.seal are compared with the seal; the
    recording id, pcm/audio hashes, the original's seal and the actions (c2pa.created vs
    c2pa.edited with its cuts) are not, so Content Credentials may tell a C2PA viewer another
    story than our seal while `verify FILE` says "checked".
    Fix: require the assertion to equal seal_facts(record) (plus the edit derived from
    record.original.derived_from) and the actions to be exactly what _manifest would write."""
    lone = _stripped(folder, tmp_path)
    record = verify_copy(lone, None).record
    facts = credentials.seal_facts(record)
    if claim == "another recording":
        _insider_embed(laptop, lone, facts | {"recording_id": "een-andere-opname",
                                              "pcm_sha256": "00" * 32})  # fmt: skip
    else:
        edit = {"derived_from": {"recording_id": record.recording_id, "cuts": [[0.1, 0.5]]},
                "consent": {"announced": True, "agreed": ["niemand"]}}  # fmt: skip
        _insider_embed(laptop, lone, facts, edit=edit)
    with pytest.raises(IntegrityError):
        verify_copy(lone, None)


def test_insider_folder_whose_credentials_name_another_copy_is_not_intact(
    laptop: Workspace, folder: Path, org: Org, tmp_path: Path, citizen: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """BREAK. In a folder the audio is checked with deep=False, so the manifest's assertion is
    never compared with the seal (only c2pa's state is read): credentials of another copy,
    re-signed into the folder's checksums, read "intact, signed under a certificate authority".
    Fix: compare the assertion with the seal in a folder too (it costs no audio hashing)."""
    audio = folder / "opname.wav"
    record = verify_copy(audio, None).record
    plain = tmp_path / "plain.wav"
    plain.write_bytes(_without_credentials(audio.read_bytes()))
    facts = credentials.seal_facts(record) | {"copy_id": "00000000-0000-0000-0000-000000000000",
                                              "recording_id": "een-andere-opname"}  # fmt: skip
    _insider_embed(laptop, plain, facts)
    shutil.copyfile(plain, audio)
    _resign(folder, laptop)
    assert credentials.read(audio, org.ca_pem).state == "Trusted"
    code = main(["verify", str(folder), "--ca", str(org.certificate)])
    out = capsys.readouterr().out
    assert code == 1, out
