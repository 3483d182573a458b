"""Rule a and b: the citizen's copy, checked with the real standard tools; import; edits."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np
import pytest
import soundfile

from audio.copies import flacmeta
from audio.copies.verify import verify_copy, verify_folder
from audio.errors import GespreksError, IntegrityError
from audio.vault.keys import SigningKey
from policy.copies import export_copy
from policy.derive import Consent, derive_recording
from policy.imports import import_recording
from policy.policy import Policy
from policy.rules import evaluate
from policy.sealed import SealedSession, session_document
from policy.workspace import Workspace
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import lawful

RATE = 48000


@pytest.fixture
def workspace(tmp_path: Path, policy: Policy) -> Workspace:
    return Workspace.create(tmp_path / "vault", PASSPHRASE, policy, kdf=FAST_KDF)


def tone(seconds: float, channels: int = 1) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    left = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    return np.column_stack([left, left // 2]) if channels == 2 else left.reshape(-1, 1)


def record(workspace: Workspace, audio: np.ndarray, sample_format: str = "s16le") -> str:
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.vault.new_recording(
        sample_rate=RATE, channels=audio.shape[1], sample_format=sample_format, session=doc
    )
    if sample_format == "s16le":
        writer.write(audio.astype("<i2").tobytes())
    else:
        wide = audio.astype(np.int32) << 8
        packed = np.stack([(wide >> s) & 0xFF for s in (0, 8, 16)], axis=-1).astype(np.uint8)
        writer.write(packed.tobytes())
    writer.seal()
    return writer.recording_id


def trusted(workspace: Workspace) -> dict[bytes, str]:
    return workspace.trusted("this installation")


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("fmt", "channels", "sample_format"),
    [
        ("wav", 1, "s16le"),
        ("wav", 2, "s24le"),
        ("flac", 2, "s16le"),
        ("flac", 1, "s24le"),
        ("mp3", 1, "s16le"),
    ],
)
def test_an_exported_folder_passes_the_standard_tools(
    workspace: Workspace, tmp_path: Path, fmt: str, channels: int, sample_format: str
) -> None:
    audio = tone(1.5, channels)
    rid = record(workspace, audio, sample_format)
    usb = tmp_path / "usb"
    usb.mkdir()
    folder = export_copy(workspace, rid, usb, fmt, recipient="A. Yilmaz")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            "LEESMIJ.txt",
            "SHA256SUMS",
            "SHA256SUMS.sig",
            "controleer.html",
            "gegevens.json",
            "ontvangstbewijs.pdf",
            "publickey.pem",
            f"opname.{fmt}",
        ]
    )
    # Every file of the copy alike: the receipt is not private to this computer's user.
    assert len({(p.stat().st_mode & 0o777) for p in folder.iterdir()}) == 1
    sums = run(["sha256sum", "-c", "SHA256SUMS"], folder)
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 6, sums.stdout
    signature = run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "publickey.pem",
            "-rawin",
            "-in",
            "SHA256SUMS",
            "-sigfile",
            "SHA256SUMS.sig",
        ],
        folder,
    )
    assert "Signature Verified Successfully" in signature.stdout, signature.stderr
    probe = run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", f"opname.{fmt}"],
        folder,
    )
    info = json.loads(probe.stdout)
    stream = info["streams"][0]
    assert int(stream["sample_rate"]) == RATE and stream["channels"] == channels
    assert abs(float(info["format"]["duration"]) - 1.5) < 0.1
    tags = {k.lower(): v for k, v in info["format"].get("tags", {}).items()}
    assert "huiselijke kring" in tags.get("copyright", tags.get("comment", ""))
    decoded, rate = soundfile.read(folder / f"opname.{fmt}", dtype="int16", always_2d=True)
    assert rate == RATE and decoded.shape[1] == channels
    if fmt != "mp3":  # lossless: the samples as recorded
        assert np.array_equal(decoded, audio.astype(np.int16))
    report = verify_folder(folder, trusted(workspace))
    assert report.audio.record.recipient == "A. Yilmaz"
    readme = (folder / "LEESMIJ.txt").read_text()
    assert "sha256sum -c SHA256SUMS" in readme and "Copy of an audio recording" in readme
    assert "A. Yilmaz" in readme and "huiselijke kring" in readme
    entries, _ = workspace.audit.read()
    assert entries[-1].action == "exported"
    assert entries[-1].details["recipient"] == "A. Yilmaz"


@pytest.fixture
def exported(workspace: Workspace, tmp_path: Path) -> dict[str, Path]:
    rid = record(workspace, tone(0.5))
    out = {}
    for fmt in ("wav", "flac", "mp3"):
        target = tmp_path / fmt
        target.mkdir()
        out[fmt] = export_copy(workspace, rid, target, fmt, "A. Yilmaz")
    return out


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_a_lone_renamed_file_verifies(
    workspace: Workspace, exported: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    lone = tmp_path / f"van-de-gemeente-{fmt}.bin"
    shutil.copy(exported[fmt] / f"opname.{fmt}", lone)
    report = verify_copy(lone, trusted(workspace))
    assert report.format == fmt


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_flipping_any_byte_of_any_file_is_reported(
    workspace: Workspace, exported: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    folder = exported[fmt]
    rng = np.random.default_rng(7)
    for file in sorted(folder.iterdir()):
        data = file.read_bytes()
        for offset in {0, len(data) // 2, len(data) - 1, int(rng.integers(len(data)))}:
            copy = tmp_path / f"copy-{file.name}-{offset}"
            shutil.copytree(folder, copy)
            changed = bytearray(data)
            changed[offset] ^= 0x01
            (copy / file.name).write_bytes(bytes(changed))
            with pytest.raises((IntegrityError, GespreksError)):
                verify_folder(copy, trusted(workspace))
            shutil.rmtree(copy)


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_changed_samples_in_a_lone_file_are_reported(
    workspace: Workspace, exported: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    """Re-encode the audio with one sample changed: only the samples differ, no byte flip."""
    audio, rate = soundfile.read(exported[fmt] / f"opname.{fmt}", dtype="int16")
    audio[1000] += 1
    lone = tmp_path / f"edited.{fmt}"
    if fmt == "flac":  # the same metadata blocks, newly encoded frames
        encoded = tmp_path / "encoded.flac"
        soundfile.write(encoded, audio, rate, format="FLAC", subtype="PCM_16")
        original = flacmeta.read_layout((exported[fmt] / "opname.flac").read_bytes())
        fresh = flacmeta.read_layout(encoded.read_bytes())
        lone.write_bytes(
            b"fLaC"
            + flacmeta.block(0, fresh.streaminfo, False)
            + flacmeta.block(4, original.blocks[1][1], True)
            + encoded.read_bytes()[fresh.audio_offset :]
        )
    else:
        data = bytearray((exported[fmt] / "opname.wav").read_bytes())
        start = data.index(b"data") + 8 + 2 * 1000
        data[start : start + 2] = int(audio[1000]).to_bytes(2, "little", signed=True)
        lone.write_bytes(bytes(data))
    with pytest.raises(IntegrityError) as caught:
        verify_copy(lone, trusted(workspace))
    assert caught.value.part == "copy_audio"


def test_a_copy_sealed_by_an_unknown_key_is_reported(
    workspace: Workspace, exported: dict[str, Path]
) -> None:
    stranger = {SigningKey.generate().public.raw: "someone else"}
    with pytest.raises(IntegrityError) as caught:
        verify_folder(exported["wav"], stranger)
    assert caught.value.part == "untrusted"


def test_a_full_target_leaves_no_half_copy(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = record(workspace, tone(2.0))
    usb = tmp_path / "usb"
    usb.mkdir()
    import audio.copies.export
    import audio.copies.wavfile

    real = audio.copies.wavfile.write_wav

    def full(out: BinaryIO, **kwargs: Any) -> Any:
        class Full:
            """The copy's file on a disk that fills up after 50 kB (write is all it needs)."""

            def __init__(self) -> None:
                self.written = 0

            def write(self, data: bytes) -> int:
                self.written += len(data)
                if self.written > 50_000:
                    raise OSError(28, "No space left on device")
                return out.write(data)

        return real(cast(BinaryIO, Full()), **kwargs)

    monkeypatch.setattr(audio.copies.export, "write_wav", full)
    with pytest.raises(GespreksError) as caught:
        export_copy(workspace, rid, usb, "wav", "A. Yilmaz")
    assert "No space left" in caught.value.message("en")
    assert list(usb.iterdir()) == []


def test_import_keeps_the_bytes_exactly(workspace: Workspace, tmp_path: Path) -> None:
    phone = tmp_path / "Opname 12.m4a"
    phone.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(range(256)) * 40)
    manifest = import_recording(workspace, phone, lawful())
    blocks: list[bytes] = []
    from audio.container.verify import verify

    path = workspace.vault.vault.recording_path(manifest.recording_id)
    verify(
        path, workspace.vault.identities(), trusted(workspace), lambda b: blocks.append(bytes(b))
    )
    assert b"".join(blocks) == phone.read_bytes()
    assert manifest.session["received_from"] == "A. Yilmaz"
    assert manifest.session["kind"] == "import"
    assert b"ftypM4A" not in path.read_bytes()
    with pytest.raises(GespreksError):
        export_copy(workspace, manifest.recording_id, tmp_path, "wav", "A. Yilmaz")


def test_an_edit_needs_everyones_consent(workspace: Workspace, tmp_path: Path) -> None:
    audio = tone(3.0)
    rid = record(workspace, audio)
    partial = Consent(True, "2026-11-28", "deel over de buurman", {"J. de Vries": "verbal"})
    with pytest.raises(GespreksError) as caught:
        derive_recording(workspace, rid, [(1.0, 1.5)], partial)
    assert "A. Yilmaz" in caught.value.message("nl")
    unannounced = Consent(
        False, "2026-11-28", "x", {"J. de Vries": "verbal", "A. Yilmaz": "written"}
    )
    with pytest.raises(GespreksError):
        derive_recording(workspace, rid, [(1.0, 1.5)], unannounced)
    before = workspace.vault.vault.recording_path(rid).read_bytes()
    consent = Consent(
        True,
        "2026-11-28",
        "deel over de buurman",
        {"J. de Vries": "verbal", "A. Yilmaz": "written"},
    )
    manifest = derive_recording(workspace, rid, [(1.0, 1.5), (2.0, 2.25)], consent)
    assert workspace.vault.vault.recording_path(rid).read_bytes() == before
    assert manifest.frames == len(audio) - int(0.75 * RATE)
    derived = SealedSession.of(manifest.session)
    assert derived.derived_from == rid and derived.derived_cuts == ((1.0, 1.5), (2.0, 2.25))
    usb = tmp_path / "usb"
    usb.mkdir()
    folder = export_copy(workspace, manifest.recording_id, usb, "flac", "A. Yilmaz")
    report = verify_folder(folder, trusted(workspace))
    assert report.audio.record.derived_from == rid
    decoded, _ = soundfile.read(folder / "opname.flac", dtype="int16")
    kept = np.concatenate([audio[:48000, 0], audio[72000:96000, 0], audio[108000:, 0]])
    assert np.array_equal(decoded, kept)


def test_metadata_changes_are_reported(
    workspace: Workspace, exported: dict[str, Path], tmp_path: Path
) -> None:
    """A tag added or changed in FLAC or MP3, the WAV pad byte, a folder inside the copy."""
    from audio.copies.id3 import build_tag, read_tag

    flac = (exported["flac"] / "opname.flac").read_bytes()
    layout = flacmeta.read_layout(flac)
    tags = flacmeta.comments(layout.blocks[1][1])
    for change in ({"artist": "iemand"}, {"title": "Gesprek van 1999-01-01"}):
        edited = tmp_path / "edited.flac"
        edited.write_bytes(
            b"fLaC"
            + flacmeta.block(0, layout.streaminfo, False)
            + flacmeta.block(4, flacmeta.comment_block({**tags, **change}), True)
            + flac[layout.audio_offset :]
        )
        with pytest.raises(IntegrityError):
            verify_copy(edited, trusted(workspace))
    mp3 = (exported["mp3"] / "opname.mp3").read_bytes()
    tag = read_tag(mp3)
    assert tag is not None
    retitled = build_tag(
        texts={**tag.texts, "TIT2": "Gesprek van 1999-01-01"},
        user_texts=tag.user_texts,
        comment=tag.comment,
    )
    edited = tmp_path / "edited.mp3"
    edited.write_bytes(retitled + mp3[tag.size :])
    with pytest.raises(IntegrityError):
        verify_copy(edited, trusted(workspace))
    wav = bytearray((exported["wav"] / "opname.wav").read_bytes())
    if len(wav) % 2 == 0 and wav[-1] == 0:  # an odd seal leaves a pad byte at the very end
        wav[-1] = 0x7F
        edited = tmp_path / "edited.wav"
        edited.write_bytes(bytes(wav))
        with pytest.raises(IntegrityError):
            verify_copy(edited, trusted(workspace))
    (exported["wav"] / "bewerkt").mkdir()
    with pytest.raises(IntegrityError):
        verify_folder(exported["wav"], trusted(workspace))


def test_the_recovery_key_gives_back_an_imported_recording_as_the_original_file(
    tmp_path: Path,
) -> None:
    """recovery-open --out of an imported recording wrote the file's bytes as 1 Hz PCM in a WAV
    (on 80b243f); the Privacy Officer now gets the citizen's original file, byte for byte, and
    a recording of our own as a WAV that real readers open."""
    import soundfile

    from audio.vault.keys import RecoveryPrivateKey
    from audio.vault.stanzas import X25519Identity
    from policy.policy import load_policy
    from policy.recovery_key import extract
    from tests.helpers.organisation import make_org, signed_policy

    officer = RecoveryPrivateKey.generate()
    pem = officer.public.pem()
    # A recovery recipient counts only in a policy signed by the organisation the vault is
    # enrolled with.
    org = make_org(tmp_path / "ca")
    file = signed_policy(tmp_path, org, ("recovery = []", f'recovery = ["""{pem}"""]'))
    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, load_policy(file), kdf=FAST_KDF)
    org.enroll(workspace)
    policy = workspace.policy
    assert policy.recovery_keys == (officer.public,)
    phone = tmp_path / "Opname 12.m4a"
    phone.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(range(256)) * 40)
    imported = import_recording(workspace, phone, lawful())
    writer = workspace.vault.new_recording(
        sample_rate=RATE, channels=2, recovery_keys=policy.recovery_keys
    )
    writer.write(tone(1.0, channels=2).astype("<i2").tobytes())
    writer.seal()
    own = writer.recording_id
    identity = X25519Identity(officer)
    trust = trusted(workspace)
    vault = workspace.vault.vault
    original = tmp_path / "terug.m4a"
    extract(vault.recording_path(imported.recording_id), identity, trust, original)
    assert original.read_bytes() == phone.read_bytes()
    wav = tmp_path / "opname.wav"
    extract(vault.recording_path(own), identity, trust, wav)
    data, rate = soundfile.read(wav, dtype="int16")
    assert rate == RATE and data.shape == (RATE, 2)
    assert np.array_equal(data, tone(1.0, channels=2))
    with pytest.raises(GespreksError):  # never overwrites
        extract(vault.recording_path(own), identity, trust, wav)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
