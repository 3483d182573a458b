"""Verifying a citizen's copy: a lone exported audio file, or the whole exported folder.

Everything that is there is checked, and the first thing that does not hold is reported as an
IntegrityError naming it. Nothing here needs the vault or a passphrase: the copy carries its
seal, and the caller says which signing keys it trusts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audio import flacmeta
from audio.copyseal import WAV_CHUNK, from_text, open_record
from audio.errors import IntegrityError, UnsupportedVersion
from audio.export import array_to_pcm
from audio.id3 import read_tag
from audio.keys import RAW, RAW_PUB, VerifyKey
from audio.wavfile import iter_wav_data, read_wav

SUMS = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"
PUBLIC_KEY = "publickey.pem"
_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
BLOCK = 1 << 20


@dataclass(frozen=True)
class CopyReport:
    path: Path
    format: str
    record: dict[str, Any]
    signer: VerifyKey
    signer_name: str
    checked: list[str] = field(default_factory=list)  # catalogue keys copy.checked.<name>


def sniff(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    raise UnsupportedVersion("error.not_a_copy")


def _sha256_file(path: Path, start: int = 0, end: int | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = None if end is None else end - start
        while remaining is None or remaining > 0:
            block = handle.read(BLOCK if remaining is None else min(BLOCK, remaining))
            if not block:
                break
            digest.update(block)
            if remaining is not None:
                remaining -= len(block)
    return digest.hexdigest()


def _same(a: object, b: object) -> bool:
    return isinstance(a, str) and isinstance(b, str) and hmac.compare_digest(a, b)


def verify_copy(path: Path, trusted: Mapping[bytes, str], deep: bool = True) -> CopyReport:
    """Verify one exported audio file by the seal inside it (its name does not matter).

    `deep=False` checks the seal and the metadata but not the audio itself: for a file whose
    bytes the caller has already matched against signed checksums (an exported folder).
    """
    path = Path(path)
    fmt = sniff(path)
    checked: list[str] = []
    if fmt == "wav":
        record, key = _verify_wav(path, checked, deep)
    elif fmt == "flac":
        record, key = _verify_flac(path, checked, deep)
    else:
        record, key = _verify_mp3(path, checked, deep)
    if record.get("format") != fmt:
        raise IntegrityError("copy_format")
    name = trusted.get(key.raw)
    if name is None:
        raise IntegrityError("untrusted", None, fingerprint=key.fingerprint)
    checked.append("signer")
    return CopyReport(path, fmt, record, key, name, checked)


def _verify_wav(path: Path, checked: list[str], deep: bool) -> tuple[dict[str, Any], VerifyKey]:
    size = path.stat().st_size
    try:
        with open(path, "rb") as handle:
            info = read_wav(handle)
            payload = info.chunks.get(WAV_CHUNK)
            if payload is None:
                raise IntegrityError("copy_seal_missing")
            record, key = open_record(payload)
            checked.append("seal")
            hold = len(payload) + len(payload) % 2
            handle.seek(size - hold)
            if handle.read(hold) != payload + bytes(hold - len(payload)):
                raise IntegrityError("copy_file")  # the seal is the last chunk, zero-padded
            pcm = hashlib.sha256()
            for block in iter_wav_data(handle, info) if deep else ():
                pcm.update(block)
    except ValueError as exc:
        raise IntegrityError("copy_file") from exc
    shape = (info.sample_rate, info.channels, info.frames)
    if shape != (record["sample_rate"], record["channels"], record["frames"]):
        raise IntegrityError("copy_format")
    if not deep:
        return record, key
    if not _same(pcm.hexdigest(), record["pcm_sha256"]):
        raise IntegrityError("copy_audio")
    checked.append("samples")
    if not _same(_sha256_file(path, 0, size - hold), record["audio_sha256"]):
        raise IntegrityError("copy_file")
    checked.append("file")
    return record, key


def _verify_flac(path: Path, checked: list[str], deep: bool) -> tuple[dict[str, Any], VerifyKey]:
    with open(path, "rb") as handle:
        head = handle.read(BLOCK)
    try:
        layout = flacmeta.read_layout(head)
        kinds = [kind for kind, _body in layout.blocks]
        if kinds != [flacmeta.STREAMINFO, flacmeta.VORBIS_COMMENT]:
            raise ValueError("unexpected metadata blocks")
        tags = flacmeta.comments(layout.blocks[1][1])
    except ValueError as exc:
        raise IntegrityError("copy_file") from exc
    record, key = open_record(from_text(tags.get("comment")))
    checked.append("seal")
    expected = {
        "title": record.get("title"),
        "copyright": record.get("notice"),
        "software": "Gespreksopname",
        "comment": tags.get("comment"),
    }
    if tags != expected:
        raise IntegrityError("copy_file")
    digest = hashlib.sha256(layout.streaminfo)
    with open(path, "rb") as handle:
        handle.seek(layout.audio_offset)
        while block := handle.read(BLOCK):
            digest.update(block)
    if not _same(digest.hexdigest(), record["audio_sha256"]):
        raise IntegrityError("copy_audio")
    checked.append("file")
    if not deep:
        return record, key
    import soundfile

    try:
        with soundfile.SoundFile(path) as audio:
            shape = (audio.samplerate, audio.channels, audio.frames)
            if shape != (record["sample_rate"], record["channels"], record["frames"]):
                raise IntegrityError("copy_format")
            dtype = "int16" if record["sample_format"] == "s16le" else "int32"
            pcm = hashlib.sha256()
            for samples in audio.blocks(blocksize=65536, dtype=dtype, always_2d=True):
                pcm.update(array_to_pcm(samples, record["sample_format"]))
    except (RuntimeError, soundfile.LibsndfileError) as exc:  # undecodable: changed or damaged
        raise IntegrityError("copy_audio") from exc
    if not _same(pcm.hexdigest(), record["pcm_sha256"]):
        raise IntegrityError("copy_audio")
    checked.append("samples")
    return record, key


def _verify_mp3(path: Path, checked: list[str], deep: bool) -> tuple[dict[str, Any], VerifyKey]:
    with open(path, "rb") as handle:
        head = handle.read(BLOCK)
    try:
        tag = read_tag(head)
    except ValueError as exc:
        raise IntegrityError("copy_file") from exc
    if tag is None:
        raise IntegrityError("copy_seal_missing")
    record, key = open_record(from_text(tag.user_texts.get("gespreksopname-seal")))
    checked.append("seal")
    expected = {"TIT2": record.get("title"), "TCOP": record.get("notice"), "TSSE": "Gespreksopname"}
    if (
        tag.texts != expected
        or set(tag.user_texts) != {"gespreksopname-seal"}
        or tag.comment != record.get("notice")
    ):
        raise IntegrityError("copy_file")  # any other tag, or a changed one
    if not deep:
        return record, key
    if not _same(_sha256_file(path, tag.size), record["audio_sha256"]):
        raise IntegrityError("copy_audio")
    checked.append("stream")
    return record, key


@dataclass(frozen=True)
class FolderReport:
    folder: Path
    audio: CopyReport
    files: list[str]


def verify_folder(folder: Path, trusted: Mapping[bytes, str], deep: bool = False) -> FolderReport:
    """SHA256SUMS and its signature, every file listed, then the audio file's own seal.

    The audio file's bytes are pinned by the signed checksums, so by default its samples are not
    decoded again; `deep` also decodes them and matches them with the original's seal.
    """
    folder = Path(folder)
    if not (folder / SUMS).exists() and not any(folder.glob("opname.*")):
        raise UnsupportedVersion("error.not_a_copy_folder")
    try:
        sums = (folder / SUMS).read_bytes()
        signature = (folder / SIGNATURE).read_bytes()
        pem = (folder / PUBLIC_KEY).read_bytes()
    except FileNotFoundError as exc:
        raise IntegrityError("copy_missing", None, name=Path(str(exc.filename)).name) from exc
    try:
        public = serialization.load_pem_public_key(pem)
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError("not Ed25519")
        folder_key = VerifyKey(public.public_bytes(RAW, RAW_PUB))
    except (ValueError, TypeError) as exc:
        raise IntegrityError("copy_key") from exc
    if not folder_key.verify(signature, sums):
        raise IntegrityError("copy_sums_signature")
    listed: dict[str, str] = {}
    for line in sums.decode("utf-8", "replace").splitlines():
        match = _SUM_LINE.match(line)
        if not match or "/" in match.group(2) or match.group(2) in listed:
            raise IntegrityError("copy_sums")
        listed[match.group(2)] = match.group(1)
    for entry in folder.iterdir():
        if entry.is_symlink() or not entry.is_file():
            raise IntegrityError("copy_extra", None, name=entry.name)  # a copy holds files only
    present = {p.name for p in folder.iterdir()} - {SUMS, SIGNATURE}
    for name in sorted(present - set(listed)):
        raise IntegrityError("copy_extra", None, name=name)
    for name, expected in sorted(listed.items()):
        if not (folder / name).is_file():
            raise IntegrityError("copy_missing", None, name=name)
        if not _same(_sha256_file(folder / name), expected):
            raise IntegrityError("copy_changed", None, name=name)
    audio = [name for name in listed if Path(name).suffix in (".wav", ".flac", ".mp3")]
    if len(audio) != 1:
        raise IntegrityError("copy_sums")
    report = verify_copy(folder / audio[0], trusted, deep)
    if report.signer.raw != folder_key.raw:
        raise IntegrityError("copy_key")
    return FolderReport(folder, report, sorted(listed))
