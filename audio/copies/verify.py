"""Verifying a citizen's copy: a lone exported audio file, or the whole exported folder.

Everything that is there is checked, and the first thing that does not hold is reported as an
IntegrityError naming it. Nothing here needs the vault or a passphrase: the copy carries its
seal, and the caller says which signing keys it trusts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding

from audio.copies import flacmeta
from audio.copies.credentials import GEOB_PREFIX
from audio.copies.credentials import WAV_CHUNK as C2PA_CHUNK
from audio.copies.export import array_to_pcm
from audio.copies.id3 import HEADER_SIZE, READ_SIZE, RawFrame, read_frames, syncsafe, unsyncsafe
from audio.copies.seal import (
    FLAC_KEYS,
    ID3_FRAMES,
    SEAL_DESCRIPTION,
    SOFTWARE,
    TEXT_PREFIX,
    WAV_CHUNK,
    CopyRecord,
    flac_head,
    flac_tags,
    from_text,
    id3_tag,
    open_record,
    wav_info,
)
from audio.copies.wavfile import fmt_payload, info_payload, iter_wav_data, read_wav
from audio.errors import IntegrityError, UnsupportedVersion
from audio.vault.keys import RAW, RAW_PUB, VerifyKey

SUMS = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"
PUBLIC_KEY = "publickey.pem"
INSTALLATION_CERTIFICATE = "installatie.pem"  # when the installation is enrolled
ORGANISATION_CERTIFICATE = "organisatie.pem"  # the CA that certified it
SEAL_TIMESTAMP = "zegel.tsr"  # the RFC 3161 timestamp of the original seal, once taken
TSA_CERTIFICATE = "tsa.pem"  # the time-stamping authority's CA certificate
_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
BLOCK = 1 << 20


@dataclass(frozen=True)
class CopyReport:
    path: Path
    format: str
    record: CopyRecord
    signer_name: str  # "" when the caller judges the signer itself
    checked: list[str] = field(default_factory=list)  # catalogue keys copy.checked.<name>
    # The file's Content Credentials (C2PA): "none"; "checked" (c2pa read the manifest as
    # valid, made with the seal's certificate and naming this copy); "unchecked" (there is a
    # manifest, but c2pa is not installed here or the check was not deep).
    credentials: str = "none"

    @property
    def signer(self) -> VerifyKey:
        return self.record.signer


def sniff(path: Path) -> str:
    """The copy's format by its magic. A file without a known magic that still carries a trace
    of our seal is a copy whose first bytes were changed: IntegrityError, not "not a copy"."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3" and _flac_behind_id3(path):
        return "flac"  # a FLAC copy with Content Credentials: c2pa's ID3 tag in front
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if _carries_a_seal(path):
        raise IntegrityError("copy_file")
    raise UnsupportedVersion("error.not_a_copy")


def _flac_behind_id3(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(HEADER_SIZE)
        try:
            size = unsyncsafe(head[6:10])
        except ValueError:
            return False
        handle.seek(HEADER_SIZE + size)
        return handle.read(4) == b"fLaC"


# The manifest store's JUMBF description box: its size, "jumd", the C2PA UUID, toggles, "c2pa".
_STORE_DESCRIPTION = (
    b"\x00\x00\x00\x1ejumd"
    + b"c2pa"
    + bytes.fromhex("0011001080 0000aa00389b71".replace(" ", ""))
    + b"\x03c2pa\x00"
)


def _manifest_store(data: bytes) -> bool:
    """Exactly one JUMBF superbox (a C2PA manifest store), filling `data`, whose padding (the
    COSE signature's `pad` fields, which no hash covers) is all zero bytes, as c2pa writes it."""
    if not (len(data) > 8 and int.from_bytes(data[:4], "big") == len(data)):
        return False
    if data[4:8] != b"jumb" or data[8:38] != _STORE_DESCRIPTION:
        return False
    for key in (b"\x63pad", b"\x64pad2"):
        at = data.find(key)
        while at >= 0:
            start = at + len(key)
            kind = data[start] if start < len(data) else 0
            if 0x40 <= kind <= 0x57:
                length, start = kind - 0x40, start + 1
            elif 0x58 <= kind <= 0x5B:
                width = 1 << (kind - 0x58)
                length = int.from_bytes(data[start + 1 : start + 1 + width], "big")
                start += 1 + width
            else:
                return False
            if data[start : start + length].strip(b"\0") or start + length > len(data):
                return False
            at = data.find(key, start + length)
    return True


def _c2pa_frame(frame: RawFrame) -> bool:
    """The GEOB frame c2pa writes into an ID3v2.4 tag: no flags, its MIME type, file name and
    description, then one manifest store."""
    return (
        frame.frame_id == "GEOB"
        and frame.flags == 0
        and frame.body.startswith(GEOB_PREFIX)
        and _manifest_store(frame.body[len(GEOB_PREFIX) :])
    )


# Traces of a copy: the seal's text prefix (FLAC comment, ID3 TXXX), our name as the software
# (ID3 TSSE, FLAC vendor and comment, WAV INFO) and the seal's JSON (WAV, at the end). Every copy
# has at least two in different places, so no single changed byte wipes them all out.
_TRACES = (TEXT_PREFIX.encode("ascii"), SOFTWARE.encode("ascii"))
_SEAL_JSON = b'"type":"gespreksopname-copy"'


def _has_traces(head: bytes) -> bool:
    return any(trace in head for trace in _TRACES)


def _carries_a_seal(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(BLOCK)
        size = handle.seek(0, 2)
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    return _has_traces(head) or _SEAL_JSON in tail


def _label(value: str | bytes) -> str:
    """A name read from the file, safe to show: printable ASCII, anything else escaped."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    shown = "".join(ch if " " <= ch <= "~" else f"\\u{ord(ch):04x}" for ch in text[:40])
    return shown + ("..." if len(text) > 40 else "")


def _changed(item: str, ours: bool = True) -> IntegrityError:
    """The metadata is not what export wrote. In a file with no trace of our seal at all, the
    plain finding is that it has none."""
    return (
        IntegrityError("copy_tags", None, item=item)
        if ours
        else IntegrityError("copy_seal_missing")
    )


def _byte_at(handle: BinaryIO, offset: int) -> bytes:
    handle.seek(offset)
    return handle.read(1)


def _sha256_file(path: Path, start: int = 0, end: int | None = None, prefix: bytes = b"") -> str:
    """SHA-256 of `prefix` followed by the file's bytes from `start` to `end`."""
    digest = hashlib.sha256(prefix)
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


def _added_tag(path: Path, start: int) -> IntegrityError | None:
    """After the audio's hash failed: name a tag put behind the audio (ID3v1, APEv2, Lyrics3,
    an appended ID3v2) or, in an MP3, a second ID3v2 tag in front of the stream."""
    with open(path, "rb") as handle:
        handle.seek(start)
        front = handle.read(3)
        size = handle.seek(0, 2)
        handle.seek(max(start, size - 256))
        tail = handle.read()
    if front == b"ID3":
        return _changed("ID3v2")
    if tail[-10:-7] == b"3DI":
        return _changed("ID3v2")
    if b"APETAGEX" in (tail[-32:-24], tail[-160:-152]):
        return _changed("APEv2")
    if b"LYRICS200" in tail or b"LYRICSEND" in tail:
        return _changed("Lyrics3")
    if len(tail) >= 128 and tail[-128:-125] == b"TAG":
        return _changed("ID3v1")
    return None


def verify_copy(path: Path, trusted: Mapping[bytes, str] | None, deep: bool = True) -> CopyReport:
    """Verify one exported audio file by the seal inside it (its name does not matter).

    The file must be exactly what `export` wrote: the seal in its canonical form, the metadata
    around it byte for byte (nothing added, removed, repeated or rewritten), then the audio the
    seal names. `deep=False` checks the seal and the metadata but not the audio itself: for a
    file whose bytes the caller has already matched against signed checksums (an exported
    folder).
    """
    path = Path(path)
    fmt = sniff(path)
    checked: list[str] = []
    found: list[bool] = []  # whether the file carries Content Credentials
    if fmt == "wav":
        record = _verify_wav(path, checked, deep, found)
    elif fmt == "flac":
        record = _verify_flac(path, checked, deep, found)
    else:
        record = _verify_mp3(path, checked, deep, found)
    # The manifest must be the seal's own, also when the caller pinned the bytes (a folder's
    # signed checksums): whoever signed those could have put any manifest in.
    credentials = _check_credentials(path, fmt, record) if found else "none"
    if trusted is None:  # the caller judges the signer (policy.verification)
        return CopyReport(path, fmt, record, "", checked, credentials)
    name = trusted.get(record.signer.raw)
    if name is None:
        raise IntegrityError("untrusted", None, fingerprint=record.signer.fingerprint)
    checked.append("signer")
    return CopyReport(path, fmt, record, name, checked, credentials)


def _check_credentials(path: Path, fmt: str, record: CopyRecord) -> str:
    """The manifest's bytes are not covered by the seal: c2pa checks them (its claim signature
    and its hash of the rest of the file), and they must be the seal's own. A manifest c2pa
    cannot read, or finds invalid, or made with another certificate or for another copy is a
    change. Without c2pa here: "unchecked"."""
    from audio.copies import credentials

    try:
        found = credentials.read(path, None, fmt)
    except credentials.CredentialsUnavailable:
        return "unchecked"
    except credentials.CredentialsDamaged as exc:
        raise _changed("C2PA") from exc
    if record.certificate is None or found.state not in ("Valid", "Trusted"):
        raise _changed("C2PA")  # trust is the caller's to judge; validity is not
    try:
        ours = x509.load_pem_x509_certificate(record.certificate.encode("ascii"))
    except ValueError as exc:
        raise _changed("C2PA") from exc
    leaves = _signing_certificates(path.read_bytes())
    if not leaves or any(leaf != ours.public_bytes(Encoding.DER) for leaf in leaves):
        raise _changed("C2PA")  # signed under another certificate than the seal's
    if dict(found.seal or {}) != _expected_assertion(record, found.seal or {}):
        raise _changed("C2PA")  # the credentials tell another story than the seal
    names = [str(action.get("action")) for action in found.actions]
    expected = ["c2pa.opened", "c2pa.edited"] if record.derived_from else ["c2pa.created"]
    if names != expected:
        raise _changed("C2PA")
    return "checked"


def _expected_assertion(record: CopyRecord, found: Mapping[str, object]) -> dict[str, object]:
    """Our assertion as export writes it for this copy: the seal's facts, and for an edited
    version what it was cut from (its cuts and consent as sealed in the original's session,
    which the copy record names by id and cuts)."""
    from audio.copies.credentials import seal_facts

    expected: dict[str, object] = dict(seal_facts(record))
    if record.derived_from:
        edit = found.get("edit")
        if not isinstance(edit, Mapping) or edit.get("original") != record.derived_from:
            return {**expected, "edit": "(missing or for another original)"}
        cuts = [list(cut) for cut in record.derived_cuts]
        if [list(cut) for cut in edit.get("cuts") or ()] != cuts:
            return {**expected, "edit": "(other cuts)"}
        expected["edit"] = dict(edit)
    return expected


def _jumbf(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The boxes in data[start:end]: (type, payload start, payload end)."""
    at = start
    while at + 8 <= end:
        size, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8]
        head = 8
        if size == 1:
            size, head = int.from_bytes(data[at + 8 : at + 16], "big"), 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            raise ValueError("a box runs past its parent")
        yield kind, at + head, at + size
        at += size


def _signing_certificates(data: bytes) -> list[bytes]:
    """The leaf certificate (DER) of every COSE signature in the file's manifest store. Each
    signature must be exactly as c2pa writes it: a COSE_Sign1 in canonical CBOR whose
    unprotected header holds only zero padding and a timestamp, so no byte that no hash covers
    can carry anything else."""
    found: list[bytes] = []
    store = data.find(b"jumb" + _STORE_DESCRIPTION[:4])
    if store < 4:
        return found

    def walk(start: int, end: int) -> None:
        label = b""
        for kind, begin, stop in _jumbf(data, start, end):
            if kind == b"jumd":
                label = data[begin + 17 : stop].split(b"\0", 1)[0]
            elif kind == b"jumb":
                walk(begin, stop)
            elif kind == b"cbor" and label == b"c2pa.signature":
                found.append(_cose_leaf(data[begin:stop]))

    size = int.from_bytes(data[store - 4 : store], "big")
    try:
        walk(store + 4, store - 4 + size)
    except (ValueError, IndexError) as exc:
        raise _changed("C2PA") from exc
    return found


def _cose_leaf(raw: bytes) -> bytes:
    import cbor2

    try:
        sign1 = cbor2.loads(raw)
        if cbor2.dumps(sign1) != raw:
            raise ValueError("not in canonical CBOR")
        value = sign1.value if isinstance(sign1, cbor2.CBORTag) and sign1.tag == 18 else sign1
        protected, unprotected, _payload, _signature = value
        header = cbor2.loads(protected)
        chain = header[33]
        leaf = chain[0] if isinstance(chain, list) else chain
        allowed = {"pad", "pad2", "sigTst", "sigTst2"}
        if not isinstance(unprotected, Mapping) or not set(unprotected) <= allowed:
            raise ValueError("unexpected unprotected header")
        for name in ("pad", "pad2"):
            if bytes(unprotected.get(name, b"")).strip(b"\0"):
                raise ValueError("padding that is not zero")
        return bytes(leaf)
    except (ValueError, TypeError, KeyError, IndexError, cbor2.CBORDecodeError) as exc:
        raise _changed("C2PA") from exc


def _open(payload: bytes, fmt: str) -> CopyRecord:
    record = open_record(payload)
    if record.format != fmt:
        raise IntegrityError("copy_format")
    return record


_WIDTHS = {"s16le": 2, "s24le": 3}


def _verify_wav(path: Path, checked: list[str], deep: bool, found: list[bool]) -> CopyRecord:
    """RIFF (RF64 when large) with exactly fmt, LIST/INFO, data and our seal chunk, in that
    order, then (RIFF only) at most one C2PA chunk, ending the file; the seal covers every byte
    before its own payload as export wrote them (the RIFF size without the C2PA chunk)."""
    size = path.stat().st_size
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
            # As written; the hash covers it (less the C2PA chunk that was appended).
            riff_size = int.from_bytes(handle.read(4), "little")
            handle.seek(0)
            info = read_wav(handle)
            ids = [chunk_id for chunk_id, _offset, _size in info.layout]
            expected = [b"fmt ", b"LIST", b"data", WAV_CHUNK]
            if magic != b"RIFF":
                expected.insert(0, b"ds64")
            elif ids[-1:] == [C2PA_CHUNK]:
                expected.append(C2PA_CHUNK)  # Content Credentials, after the seal
            if ids != expected:
                ours = WAV_CHUNK in ids or _carries_a_seal(path)
                wrong = next((a for a, b in zip(ids, expected, strict=False) if a != b), None)
                if wrong is None:  # one list is the start of the other: extra, or missing
                    wrong = ids[len(expected)] if len(ids) > len(expected) else expected[len(ids)]
                raise _changed("RIFF " + _label(wrong), ours)
            chunks = {chunk_id: (offset, length) for chunk_id, offset, length in info.layout}
            offset, length = chunks[WAV_CHUNK]
            hold = length + length % 2
            end = size  # where the seal chunk ends: the file's end, or the C2PA chunk's start
            if C2PA_CHUNK in chunks:
                c2pa_offset, c2pa_length = chunks[C2PA_CHUNK]
                c2pa_hold = c2pa_length + c2pa_length % 2
                if c2pa_offset + c2pa_hold != size:
                    raise IntegrityError("copy_file")  # the C2PA chunk is last
                if not _manifest_store(info.chunks[C2PA_CHUNK]) or (
                    c2pa_length % 2 and _byte_at(handle, c2pa_offset + c2pa_length) != b"\0"
                ):
                    raise _changed("RIFF C2PA")
                end = c2pa_offset - 8
                riff_size -= 8 + c2pa_hold
                found.append(True)
            if offset + hold != end:
                raise IntegrityError("copy_file")  # the seal chunk is last, nothing after it
            payload = info.chunks[WAV_CHUNK]
            if length % 2 and _byte_at(handle, offset + length) != b"\0":
                raise _changed("RIFF " + _label(WAV_CHUNK))
            record = _open(payload, "wav")
            checked.append("seal")
            width = _WIDTHS[record.sample_format]
            shape = (info.sample_rate, info.channels, info.sample_width, info.frames)
            if shape != (record.sample_rate, record.channels, width, record.frames):
                raise IntegrityError("copy_format")
            handle.seek(chunks[b"fmt "][0])
            if handle.read(chunks[b"fmt "][1]) != fmt_payload(*shape[:3]):
                raise _changed("RIFF fmt")
            list_offset, list_length = chunks[b"LIST"]
            handle.seek(list_offset)
            want = info_payload(wav_info(record.title, record.notice))
            if handle.read(list_length) != want:
                raise _changed("RIFF LIST/INFO")
            if info.data_size % 2:
                handle.seek(info.data_offset + info.data_size)
                if handle.read(1) != b"\0":
                    raise _changed("RIFF data")
            pcm = hashlib.sha256()
            for block in iter_wav_data(handle, info) if deep else ():
                pcm.update(block)
    except ValueError as exc:
        raise IntegrityError("copy_file") from exc
    if not deep:
        return record
    if not _same(pcm.hexdigest(), record.pcm_sha256):
        raise IntegrityError("copy_audio")
    checked.append("samples")
    # The file up to the seal's payload as export wrote it: in a RIFF, the RIFF size it had
    # before the C2PA chunk was appended (an RF64 carries no C2PA chunk: nothing to undo).
    head = b"RIFF" + riff_size.to_bytes(4, "little") if magic == b"RIFF" else b""
    if not _same(_sha256_file(path, len(head), offset, head), record.audio_sha256):
        raise IntegrityError("copy_file")
    checked.append("file")
    return record


def _verify_flac(path: Path, checked: list[str], deep: bool, found: list[bool]) -> CopyRecord:
    """Exactly STREAMINFO and our VORBIS_COMMENT (our vendor string, our keys in our order, each
    once), then the frames; the seal covers STREAMINFO and every frame byte. In front of `fLaC`
    at most c2pa's ID3v2.4 tag, holding exactly one GEOB frame with the Content Credentials."""
    with open(path, "rb") as handle:
        head = handle.read(BLOCK)
        start = _c2pa_tag(head) if head[:3] == b"ID3" else 0
        if start:
            found.append(True)
            handle.seek(start)
            head = handle.read(BLOCK)
    ours = _has_traces(head)
    try:
        layout = flacmeta.read_layout(head)
    except ValueError as exc:
        raise IntegrityError("copy_file" if ours else "copy_seal_missing") from exc
    kinds = [kind for kind, _body in layout.blocks]
    for index, kind in enumerate(kinds):
        if index > 1 or kind != (flacmeta.STREAMINFO, flacmeta.VORBIS_COMMENT)[index]:
            raise _changed("FLAC " + flacmeta.BLOCK_NAMES.get(kind, f"block {kind}"), ours)
    if len(kinds) != 2:
        raise _changed("FLAC VORBIS_COMMENT", ours)
    try:
        vendor, entries = flacmeta.entries(layout.blocks[1][1])
    except ValueError as exc:
        raise _changed("FLAC VORBIS_COMMENT", ours) from exc
    if vendor != flacmeta.VENDOR:
        raise _changed("FLAC vendor", ours)
    keys = [name for name, _value in entries]
    for name in keys:
        if name not in FLAC_KEYS or keys.count(name) > 1:
            raise _changed("FLAC " + _label(name), ours)
    for name in FLAC_KEYS:
        if name not in keys:
            raise _changed("FLAC " + name, ours)
    if tuple(keys) != FLAC_KEYS:
        raise _changed("FLAC comment order", ours)
    payload = from_text(dict(entries)["comment"])
    record = _open(payload, "flac")
    checked.append("seal")
    tags = flac_tags(record.title, record.notice, payload)
    for name, value in entries:
        if value != tags[name]:
            raise _changed("FLAC " + name)
    if head[: layout.audio_offset] != flac_head(
        layout.streaminfo, record.title, record.notice, payload
    ):
        raise _changed("FLAC metadata")
    digest = hashlib.sha256(layout.streaminfo)
    with open(path, "rb") as handle:
        handle.seek(start + layout.audio_offset)
        while block := handle.read(BLOCK):
            digest.update(block)
    if not _same(digest.hexdigest(), record.audio_sha256):
        raise _added_tag(path, start + layout.audio_offset) or IntegrityError("copy_audio")
    checked.append("file")
    if not deep:
        return record
    import soundfile

    try:
        with soundfile.SoundFile(path) as audio:
            shape = (audio.samplerate, audio.channels, audio.frames)
            if shape != (record.sample_rate, record.channels, record.frames):
                raise IntegrityError("copy_format")
            dtype = "int16" if record.sample_format == "s16le" else "int32"
            pcm = hashlib.sha256()
            for samples in audio.blocks(blocksize=65536, dtype=dtype, always_2d=True):
                pcm.update(array_to_pcm(samples, record.sample_format))
    except (RuntimeError, soundfile.LibsndfileError) as exc:  # undecodable: changed or damaged
        raise IntegrityError("copy_audio") from exc
    if not _same(pcm.hexdigest(), record.pcm_sha256):
        raise IntegrityError("copy_audio")
    checked.append("samples")
    return record


def _c2pa_tag(head: bytes) -> int:
    """The size of the ID3v2.4 tag c2pa puts in front of a FLAC: header flags 0, exactly one
    GEOB frame with the manifest store, no padding. Anything else there is a change."""
    try:
        tag = read_frames(head)
    except ValueError as exc:
        raise _changed("ID3v2") from exc
    if (
        tag is None
        or head[:6] != b"ID3\x04\x00\x00"
        or len(tag.frames) != 1
        or not _c2pa_frame(tag.frames[0])
        or tag.padding
    ):
        raise _changed("ID3v2")
    return tag.size


def _verify_mp3(path: Path, checked: list[str], deep: bool, found: list[bool]) -> CopyRecord:
    """One ID3v2.4 tag of exactly our frames (TIT2, TCOP, TSSE, TXXX seal, COMM; each once, in
    that order, no flags, our encodings and descriptions, no padding), then at most c2pa's GEOB
    frame with the Content Credentials, then the MP3 stream the seal names, with nothing behind
    it."""
    with open(path, "rb") as handle:
        head = handle.read(READ_SIZE)
    ours = _has_traces(head)
    try:
        tag = read_frames(head)
    except ValueError as exc:
        raise _changed("ID3v2", ours) from exc
    if tag is None:
        raise _changed("ID3v2", ours)  # a bare stream: a seal only if our tag was cut off
    end = tag.size  # where our frames end: the tag's end, or the GEOB frame's start
    if tag.frames and _c2pa_frame(tag.frames[-1]):
        end -= HEADER_SIZE + len(tag.frames[-1].body)
        tag = type(tag)(tag.flags, tag.frames[:-1], tag.padding, tag.size)
        found.append(True)
    ids = [frame.frame_id for frame in tag.frames]
    for frame in tag.frames:
        if frame.frame_id not in ID3_FRAMES or ids.count(frame.frame_id) > 1 or frame.flags:
            raise _changed("ID3v2 " + frame.frame_id, ours)
    for frame_id in ID3_FRAMES:
        if frame_id not in ids:
            raise _changed("ID3v2 " + frame_id, ours)
    if tuple(ids) != ID3_FRAMES:
        raise _changed("ID3v2 frame order", ours)
    if tag.padding:
        raise _changed("ID3v2 padding", ours)
    seal = tag.frames[ids.index("TXXX")].body
    prefix = b"\x03" + SEAL_DESCRIPTION.encode("ascii") + b"\0"
    if not seal.startswith(prefix):
        raise _changed("ID3v2 TXXX", ours)
    try:
        payload = from_text(seal[len(prefix) :].decode("ascii"))
    except UnicodeDecodeError as exc:
        raise IntegrityError("copy_seal") from exc
    record = _open(payload, "mp3")
    checked.append("seal")
    built = id3_tag(record.title, record.notice, payload)
    # Our tag as export wrote it: the same header, its size without the GEOB frame.
    if head[:6] + syncsafe(end - HEADER_SIZE) + head[HEADER_SIZE:end] != built:
        expected = read_frames(built)
        for frame, want in zip(tag.frames, expected.frames if expected else [], strict=False):
            if frame != want:
                raise _changed("ID3v2 " + frame.frame_id)  # its encoding, description or text
        raise _changed("ID3v2")
    if not deep:
        return record
    if not _same(_sha256_file(path, tag.size), record.audio_sha256):
        raise _added_tag(path, tag.size) or IntegrityError("copy_audio")
    checked.append("stream")
    return record


@dataclass(frozen=True)
class FolderReport:
    folder: Path
    audio: CopyReport
    files: list[str]


def verify_folder(
    folder: Path, trusted: Mapping[bytes, str] | None, deep: bool = False
) -> FolderReport:
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
