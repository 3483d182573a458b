"""Content Credentials (C2PA) on a certified installation's copies (issue 14).

A genuine copy reads as Trusted in c2pa with the organisation's CA (not with none, nor another
CA), and Invalid or unreadable after one changed audio byte; our own strict verifier still finds
the copy intact with its credentials, and changed after any flip, the manifest included.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audio.copies import credentials
from audio.copies.id3 import unsyncsafe
from audio.copies.verify import verify_copy
from audio.errors import IntegrityError
from policy.copies import export_copy
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org
from tests.helpers.tsa import start_tsa
from tests.unit.trust.test_verify_anyone import _installation, _recording

FORMATS = ("wav", "flac", "mp3")


def _copy(laptop: Workspace, tmp_path: Path, fmt: str) -> Path:
    """The audio file of a real exported copy, on its own."""
    out = tmp_path / f"usb-{fmt}"
    out.mkdir()
    folder = export_copy(laptop, _recording(laptop), out, fmt, recipient="A. Yilmaz")
    lone = tmp_path / f"opname.{fmt}"
    shutil.copyfile(folder / f"opname.{fmt}", lone)
    return lone


def _embed(
    laptop: Workspace, path: Path, fmt: str, tsa_url: str | None = None, **options: object
) -> bool:
    record = verify_copy(path, None).record
    assert laptop.certificate is not None
    return credentials.embed(
        path,
        fmt,
        laptop.vault.signing_key.sign,
        laptop.certificate.encode("ascii"),
        credentials.seal_facts(record),
        tsa_url,
        **options,  # type: ignore[arg-type]
    )


def _probe(path: Path) -> dict[str, str]:
    shown = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=sample_rate,duration", "-of", "json",
         str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    stream: dict[str, str] = json.loads(shown.stdout)["streams"][0]
    return stream


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _manifest_offset(path: Path) -> int:
    """Where the manifest store (the JUMBF superbox) starts in the file."""
    return path.read_bytes().index(b"jumb") - 4


def _audio_offset(path: Path, fmt: str) -> int:
    """A byte in the middle of the audio."""
    data = path.read_bytes()
    if fmt == "wav":
        return data.index(b"data") + 8 + 40000
    if fmt == "flac":
        return data.index(b"fLaC") + (len(data) - data.index(b"fLaC")) // 2
    tag_end = 10 + unsyncsafe(data[6:10])  # our ID3 tag, which ends with c2pa's GEOB frame
    return (tag_end + len(data)) // 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_genuine_copy_is_trusted_with_the_organisations_ca(
    laptop: Workspace, org: Org, tmp_path: Path, fmt: str
) -> None:
    path = _copy(laptop, tmp_path, fmt)
    before = _probe(path)
    assert _embed(laptop, path, fmt) is False  # no TSA: no timestamp

    found = credentials.read(path, org.ca_pem)
    assert found.state == "Trusted", found
    assert (found.signer, found.issuer) == ("Laptop Burgerzaken", "Gemeente Test")
    assert [a["action"] for a in found.actions] == ["c2pa.created"]
    assert found.actions[0]["digitalSourceType"] == credentials.DIGITAL_CAPTURE
    record = verify_copy(path, None).record
    assert found.seal is not None and found.seal["copy_id"] == record.copy_id
    assert found.seal["audio_sha256"] == record.audio_sha256
    assert found.timestamp == "none"

    # Not trusted without the organisation's CA, nor with another organisation's.
    assert credentials.read(path, None).state == "Valid"
    other = make_org(tmp_path / "other", "Gemeente Anders")
    assert credentials.read(path, other.ca_pem).state == "Valid"

    # Our own seal still holds, byte for byte, and players still read the file.
    report = verify_copy(path, None)
    assert report.credentials == "checked"
    assert {"seal", "file"} <= set(report.checked) or "stream" in report.checked
    assert verify_copy(path, None, deep=False).credentials == "checked"  # the manifest too
    after = _probe(path)
    assert after["sample_rate"] == before["sample_rate"] == "48000"
    assert float(after["duration"]) == pytest.approx(float(before["duration"]), abs=0.05)


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_changed_audio_byte_is_invalid_and_changed(
    laptop: Workspace, org: Org, tmp_path: Path, fmt: str
) -> None:
    path = _copy(laptop, tmp_path, fmt)
    _embed(laptop, path, fmt)
    _flip(path, _audio_offset(path, fmt))
    try:
        state = credentials.read(path, org.ca_pem).state
    except credentials.CredentialsDamaged:
        state = "damaged"
    assert state in ("Invalid", "damaged")
    with pytest.raises(IntegrityError):
        verify_copy(path, None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_changed_manifest_is_a_changed_copy(
    laptop: Workspace, org: Org, tmp_path: Path, fmt: str
) -> None:
    path = _copy(laptop, tmp_path, fmt)
    _embed(laptop, path, fmt)
    start = _manifest_offset(path)
    damaged = tmp_path / f"damaged.{fmt}"
    for offset in (start, start + 5, start + 200, start + 2000):
        shutil.copyfile(path, damaged)
        _flip(damaged, offset)
        with pytest.raises(IntegrityError):
            verify_copy(damaged, None)
    shutil.copyfile(path, damaged)
    _flip(damaged, start + 5)  # the superbox's type: c2pa cannot read the structure
    with pytest.raises(credentials.CredentialsDamaged):
        credentials.read(damaged, org.ca_pem)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_sampled_flip_is_found(laptop: Workspace, tmp_path: Path, fmt: str) -> None:
    path = _copy(laptop, tmp_path, fmt)
    _embed(laptop, path, fmt)
    data = path.read_bytes()
    flipped = tmp_path / f"flipped.{fmt}"
    for offset in range(0, len(data), 397):
        changed = bytearray(data)
        changed[offset] ^= 0x01
        flipped.write_bytes(bytes(changed))
        with pytest.raises(IntegrityError):
            verify_copy(flipped, None)


def test_another_chunk_beside_the_credentials_is_a_change(
    laptop: Workspace, tmp_path: Path
) -> None:
    path = _copy(laptop, tmp_path, "wav")
    _embed(laptop, path, "wav")
    data = bytearray(path.read_bytes())
    extra = b"JUNK" + (4).to_bytes(4, "little") + b"\0\0\0\0"
    data[4:8] = (int.from_bytes(data[4:8], "little") + len(extra)).to_bytes(4, "little")
    path.write_bytes(bytes(data) + extra)
    with pytest.raises(IntegrityError):
        verify_copy(path, None)


def test_the_seal_is_timestamped_by_the_policys_tsa(
    laptop: Workspace, org: Org, tmp_path: Path
) -> None:
    path = _copy(laptop, tmp_path, "wav")
    with start_tsa(tmp_path / "tsa") as tsa:
        assert _embed(laptop, path, "wav", tsa.url) is True
    found = credentials.read(path, org.ca_pem)
    assert found.state == "Trusted"
    assert found.timestamp == "untrusted"  # the TSA's CA is no trust anchor for the reader
    assert found.signed_at is not None
    assert verify_copy(path, None).credentials == "checked"


def test_a_tsa_out_of_reach_does_not_stop_the_export(
    laptop: Workspace, org: Org, tmp_path: Path
) -> None:
    path = _copy(laptop, tmp_path, "flac")
    assert _embed(laptop, path, "flac", "http://127.0.0.1:9/") is False
    found = credentials.read(path, org.ca_pem)
    assert found.state == "Trusted" and found.timestamp == "none"


def test_an_edited_version_says_what_was_cut(laptop: Workspace, org: Org, tmp_path: Path) -> None:
    """A copy of an edited version (derive) carries c2pa.edited with the cuts and the consent,
    the original as its parent; credentials that claim an edit on an unedited copy are a
    change."""
    from policy.derive import Consent, derive_recording

    rid = _recording(laptop, 2.0)
    agreed = {"J. de Vries": "verbal", "A. Yilmaz": "written"}
    consent = Consent(True, "2026-11-28", "deel over de buurman", agreed)
    derived = derive_recording(laptop, rid, [(0.25, 0.5)], consent)
    out = tmp_path / "usb"
    out.mkdir()
    path = export_copy(laptop, derived.recording_id, out, "mp3", "A. Yilmaz") / "opname.mp3"
    found = credentials.read(path, org.ca_pem)
    assert found.state == "Trusted"
    edited = [a for a in found.actions if a["action"] == "c2pa.edited"]
    assert edited and edited[0]["parameters"]["cuts"] == [[0.25, 0.5]]
    assert "A. Yilmaz" in json.dumps(edited[0]["parameters"]["consent"])
    assert found.ingredients and found.ingredients[0]["relationship"] == "parentOf"
    assert found.seal is not None and found.seal["edit"]["original"] == rid
    assert verify_copy(path, None).credentials == "checked"

    plain = _copy(laptop, tmp_path, "mp3")
    claimed = {"derived_from": {"recording_id": rid, "cuts": [[0.25, 0.5]]}, "consent": {}}
    _embed(laptop, plain, "mp3", edit=claimed)
    with pytest.raises(IntegrityError):
        verify_copy(plain, None)


def test_an_enrolled_installation_exports_with_credentials_and_another_without(
    laptop: Workspace, org: Org, tmp_path: Path
) -> None:
    """export_copy signs the credentials itself when the installation has a certificate; an
    installation that is not enrolled has none to sign with, and its copy carries none."""
    path = _copy(laptop, tmp_path, "wav")
    assert credentials.read(path, org.ca_pem).state == "Trusted"
    assert verify_copy(path, None).credentials == "checked"
    plain = _installation(tmp_path / "plain", None)
    lone = _copy(plain, tmp_path / "plain", "wav")
    assert credentials.read(lone, org.ca_pem).state == "none"
    assert verify_copy(lone, None).credentials == "none"


def test_without_c2pa_the_copy_stays_as_it_was(
    laptop: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _copy(laptop, tmp_path, "wav")
    before = path.read_bytes()
    monkeypatch.setitem(sys.modules, "c2pa", None)  # import c2pa raises ImportError
    assert not credentials.available()
    with pytest.raises(credentials.CredentialsUnavailable):
        _embed(laptop, path, "wav")
    assert path.read_bytes() == before
    assert list(tmp_path.glob(".opname*")) == []
