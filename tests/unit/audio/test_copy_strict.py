"""Strict copies: a lone WAV, FLAC or MP3 verifies only with exactly the metadata `export` wrote.

A sweep flips bytes all over a real copy of each format and every flip must be reported; then
each weakness found on 684a8a0 (issue 11, item 5) is tried through `gespreksopname verify FILE`
as a citizen would meet it. The bad files are made here byte by byte, without tag libraries.
"""

from __future__ import annotations

import json
import shutil
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from audio.copies.seal import TEXT_PREFIX, as_text
from audio.copies.verify import verify_copy
from audio.encoding import canonical_json
from audio.errors import IntegrityError
from desktop.cli import main
from policy.copies import export_copy
from policy.policy import load_policy
from policy.workspace import Workspace
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import DEFAULT
from tests.unit.policy.test_copies import record, tone

FORMATS = ("wav", "flac", "mp3")
DENSE = 4096  # every byte of the first and the last 4 KiB is flipped
STRIDE = 61  # and every 61st byte in between


@dataclass(frozen=True)
class Copies:
    workspace: Workspace
    recording_id: str
    vault: Path
    trusted: dict[bytes, str]
    files: dict[str, bytes]  # the exported audio file of each format, as written


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Copies:
    root = tmp_path_factory.mktemp("strict")
    workspace = Workspace.create(root / "vault", PASSPHRASE, load_policy(DEFAULT), kdf=FAST_KDF)
    rid = record(workspace, tone(0.1))
    files = {}
    for fmt in FORMATS:
        target = root / fmt
        target.mkdir()
        folder = export_copy(workspace, rid, target, fmt, recipient="A. Yilmaz")
        files[fmt] = (folder / f"opname.{fmt}").read_bytes()
    trusted = workspace.trusted("this installation")
    return Copies(workspace, rid, root / "vault", trusted, files)


@pytest.fixture
def cli_env(copies: Copies, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(copies.vault))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("GESPREKSOPNAME_POLICY", raising=False)
    yield


# --- the sweep -------------------------------------------------------------------------------


def sweep_positions(size: int) -> list[int]:
    dense = set(range(min(DENSE, size))) | set(range(max(0, size - DENSE), size))
    return sorted(dense | set(range(DENSE, max(DENSE, size - DENSE), STRIDE)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_flipped_byte_is_reported(copies: Copies, tmp_path: Path, fmt: str) -> None:
    """One flipped bit at a time (bit `position % 8`, so every bit of the header and the seal is
    tried somewhere): each must be reported as a change, never verify, never "not a copy"."""
    data = copies.files[fmt]
    target = tmp_path / f"geflipt.{fmt}"
    target.write_bytes(data)
    assert verify_copy(target, copies.trusted).format == fmt
    positions = sweep_positions(len(data))
    parts: Counter[str] = Counter()
    missed: list[tuple[int, str]] = []
    started = time.monotonic()
    with open(target, "r+b") as handle:  # flipped in place and put back: no file per flip
        for position in positions:
            handle.seek(position)
            handle.write(bytes([data[position] ^ 1 << (position % 8)]))
            handle.flush()
            try:
                verify_copy(target, copies.trusted)
            except IntegrityError as exc:
                parts[exc.part] += 1
                if exc.part == "copy_seal_missing":  # it is there, only changed
                    missed.append((position, exc.part))
            except Exception as exc:  # anything else is a miss, named below
                missed.append((position, repr(exc)))
            else:
                missed.append((position, "verified as intact"))
            handle.seek(position)
            handle.write(data[position : position + 1])
    assert target.read_bytes() == data
    elapsed = time.monotonic() - started
    print(f"{fmt}: {len(positions)} of {len(data)} bytes flipped in {elapsed:.1f} s: {dict(parts)}")
    assert not missed, missed[:20]
    assert len(positions) >= min(len(data), 2 * DENSE)


# --- crafting bad files ----------------------------------------------------------------------


def ss(value: int) -> bytes:
    """A syncsafe integer, written out independently of audio.copies.id3."""
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def unss(raw: bytes) -> int:
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def frame(frame_id: bytes, body: bytes, flags: int = 0) -> bytes:
    return frame_id + ss(len(body)) + flags.to_bytes(2, "big") + body


def split_mp3(data: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Our tag's frames as (id, body) and the MP3 stream behind the tag."""
    assert data[:6] == b"ID3\x04\x00\x00"
    end = 10 + unss(data[6:10])
    frames, pos = [], 10
    while pos < end:
        size = unss(data[pos + 4 : pos + 8])
        frames.append((data[pos : pos + 4], data[pos + 10 : pos + 10 + size]))
        pos += 10 + size
    return frames, data[end:]


def mp3_with(
    data: bytes, frames: list[bytes] | None = None, padding: bytes = b"", first: bytes = b""
) -> bytes:
    """The copy's MP3 with `first` in front of our frames, `frames` behind them, and padding."""
    ours, stream = split_mp3(data)
    body = first + b"".join(frame(i, b) for i, b in ours) + b"".join(frames or []) + padding
    return b"ID3\x04\x00\x00" + ss(len(body)) + body + stream


def split_flac(data: bytes) -> tuple[bytes, str, list[tuple[str, str]], bytes]:
    """STREAMINFO, vendor, comments, and the frames of our two-block FLAC."""
    assert data[:4] == b"fLaC" and data[4] == 0
    info_end = 8 + int.from_bytes(data[5:8], "big")
    assert data[info_end] == 0x84
    end = info_end + 4 + int.from_bytes(data[info_end + 1 : info_end + 4], "big")
    body = data[info_end + 4 : end]
    (vendor_length,) = struct.unpack_from("<I", body, 0)
    vendor = body[4 : 4 + vendor_length].decode()
    pos = 4 + vendor_length
    (count,) = struct.unpack_from("<I", body, pos)
    pos += 4
    comments = []
    for _ in range(count):
        (length,) = struct.unpack_from("<I", body, pos)
        key, _, value = body[pos + 4 : pos + 4 + length].decode().partition("=")
        comments.append((key, value))
        pos += 4 + length
    return data[8:info_end], vendor, comments, data[end:]


def flac_with(
    data: bytes,
    vendor: str | None = None,
    comments: list[tuple[str, str]] | None = None,
    extra_blocks: bytes = b"",
) -> bytes:
    streaminfo, our_vendor, our_comments, frames = split_flac(data)
    raw_vendor = (our_vendor if vendor is None else vendor).encode()
    entries = [f"{k}={v}".encode() for k, v in (our_comments if comments is None else comments)]
    body = struct.pack("<I", len(raw_vendor)) + raw_vendor + struct.pack("<I", len(entries))
    body += b"".join(struct.pack("<I", len(e)) + e for e in entries)
    last = 0x00 if extra_blocks else 0x80
    return (
        b"fLaC"
        + b"\x00"
        + len(streaminfo).to_bytes(3, "big")
        + streaminfo
        + bytes([0x04 | last])
        + len(body).to_bytes(3, "big")
        + body
        + extra_blocks
        + frames
    )


def seal_of(fmt: str, data: bytes) -> bytes:
    if fmt == "wav":
        start = data.rindex(b"gsop") + 8
        length = int.from_bytes(data[start - 4 : start], "little")
        return data[start : start + length]
    if fmt == "flac":
        value = dict(split_flac(data)[2])["comment"]
    else:
        txxx = dict(split_mp3(data)[0])[b"TXXX"]
        value = txxx.split(b"\0", 1)[1].decode()
    import base64

    return base64.b64decode(value[len(TEXT_PREFIX) :])


def with_seal(fmt: str, data: bytes, payload: bytes) -> bytes:
    """The copy with another seal payload in place of its own (WAV: of the same length)."""
    if fmt == "wav":
        old = seal_of(fmt, data)
        assert len(payload) == len(old)
        start = data.rindex(b"gsop") + 8
        return data[:start] + payload + data[start + len(old) :]
    if fmt == "flac":
        comments = [(k, as_text(payload) if k == "comment" else v) for k, v in split_flac(data)[2]]
        return flac_with(data, comments=comments)
    ours, stream = split_mp3(data)
    frames = [
        (i, b"\x03gespreksopname-seal\0" + as_text(payload).encode() if i == b"TXXX" else b)
        for i, b in ours
    ]
    body = b"".join(frame(i, b) for i, b in frames)
    return b"ID3\x04\x00\x00" + ss(len(body)) + body + stream


# --- through the command line ----------------------------------------------------------------


def verify_cli(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--lang", "en", "verify", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def assert_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, data: bytes, says: str
) -> None:
    lone = tmp_path / f"van-de-gemeente.{fmt}"
    lone.write_bytes(data)
    code, out = verify_cli(lone, capsys)
    assert code == 1, out
    assert "CHANGED OR INVALID" in out and says in out, out
    assert "INTACT" not in out.replace("CHANGED OR INVALID", "")


METADATA = "metadata was changed"
SEAL = "seal in the file was changed"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_untouched_copy_verifies_on_the_command_line(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    lone = tmp_path / f"kopie.{fmt}"
    lone.write_bytes(copies.files[fmt])
    code, out = verify_cli(lone, capsys)
    assert code == 0, out
    assert "INTACT" in out


def test_mp3_with_a_second_title_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second TIT2 behind ours (other players show the last one). Failed on 684a8a0."""
    second = frame(b"TIT2", b"\x03Gesprek van 1999-01-01")
    bad = mp3_with(copies.files["mp3"], [second])
    assert_changed(tmp_path, capsys, "mp3", bad, f"{METADATA} (ID3v2 TIT2)")


@pytest.mark.parametrize(
    ("frame_id", "body"),
    [
        (b"WXXX", b"\x03\0https://example.org/de-echte-versie"),
        (b"USLT", b"\x03nld\0Wat er volgens iemand anders is gezegd."),
        (b"COMM", b"\x03nldsamenvatting\0Bewerkte versie, niet het origineel."),
    ],
    ids=["WXXX", "USLT", "COMM-with-description"],
)
def test_mp3_with_an_added_frame_is_changed(
    copies: Copies,
    cli_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    frame_id: bytes,
    body: bytes,
) -> None:
    """A frame export does not write: a link, lyrics, a comment with a description. Failed on
    684a8a0."""
    bad = mp3_with(copies.files["mp3"], [frame(frame_id, body)])
    assert_changed(tmp_path, capsys, "mp3", bad, f"{METADATA} (ID3v2 {frame_id.decode()})")


def test_mp3_with_a_compressed_title_first_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A zlib-compressed TIT2 before ours: ffmpeg shows it as the title, the old reader skipped
    it. Failed on 684a8a0."""
    text = b"\x03Gesprek over iets anders"
    compressed = frame(b"TIT2", ss(len(text)) + zlib.compress(text), flags=0x0009)
    bad = mp3_with(copies.files["mp3"], first=compressed)
    assert_changed(tmp_path, capsys, "mp3", bad, f"{METADATA} (ID3v2 TIT2)")


def test_mp3_with_junk_in_the_padding_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Padding that starts with a NUL but hides other bytes. Failed on 684a8a0."""
    bad = mp3_with(copies.files["mp3"], padding=bytes(16) + b"verborgen tekst" + bytes(16))
    assert_changed(tmp_path, capsys, "mp3", bad, f"{METADATA} (ID3v2 padding)")


def test_mp3_with_zero_padding_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Export writes no padding; even harmless zeros are not what it wrote. Failed on 684a8a0."""
    bad = mp3_with(copies.files["mp3"], padding=bytes(64))
    assert_changed(tmp_path, capsys, "mp3", bad, f"{METADATA} (ID3v2 padding)")


@pytest.mark.parametrize(
    ("tail", "item"),
    [
        (b"TAG" + b"Andere titel".ljust(30, b"\0") + bytes(95), "ID3v1"),
        (
            b"APETAGEX" + struct.pack("<IIII", 2000, 32, 0, 0x80000000) + bytes(8),
            "APEv2",
        ),
    ],
    ids=["ID3v1", "APEv2"],
)
def test_mp3_with_a_tag_at_the_end_is_changed(
    copies: Copies,
    cli_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    tail: bytes,
    item: str,
) -> None:
    """A tag behind the stream is named as changed metadata (684a8a0 said: changed audio)."""
    assert_changed(tmp_path, capsys, "mp3", copies.files["mp3"] + tail, f"{METADATA} ({item})")


def test_flac_with_another_vendor_string_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any vendor string used to pass. Failed on 684a8a0."""
    bad = flac_with(copies.files["flac"], vendor="reference libFLAC 1.4.3 20230623")
    assert_changed(tmp_path, capsys, "flac", bad, f"{METADATA} (FLAC vendor)")


def test_flac_with_upper_case_keys_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """TITLE for title and so on: the old reader folded the case. Failed on 684a8a0."""
    comments = [(k.upper(), v) for k, v in split_flac(copies.files["flac"])[2]]
    bad = flac_with(copies.files["flac"], comments=comments)
    assert_changed(tmp_path, capsys, "flac", bad, f"{METADATA} (FLAC TITLE)")


def test_flac_with_a_repeated_key_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Our keys as written, then an upper-case repeat of one (most players show the repeat)."""
    comments = [*split_flac(copies.files["flac"])[2], ("TITLE", "Gesprek van 1999-01-01")]
    bad = flac_with(copies.files["flac"], comments=comments)
    assert_changed(tmp_path, capsys, "flac", bad, f"{METADATA} (FLAC TITLE)")


@pytest.mark.parametrize(
    ("kind", "body", "item"),
    [(1, bytes(64), "PADDING"), (6, b"\0\0\0\3" + bytes(28), "PICTURE")],
    ids=["PADDING", "PICTURE"],
)
def test_flac_with_another_block_is_changed(
    copies: Copies,
    cli_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: int,
    body: bytes,
    item: str,
) -> None:
    """Only STREAMINFO and our VORBIS_COMMENT (684a8a0 already refused these; kept so)."""
    block = bytes([0x80 | kind]) + len(body).to_bytes(3, "big") + body
    bad = flac_with(copies.files["flac"], extra_blocks=block)
    assert_changed(tmp_path, capsys, "flac", bad, f"{METADATA} (FLAC {item})")


def riff(data: bytes) -> bytes:
    """The RIFF size fixed up for the new length."""
    return data[:4] + struct.pack("<I", len(data) - 8) + data[8:]


def wav_extra_before_seal(data: bytes) -> bytes:
    at = data.rindex(b"gsop")
    return riff(data[:at] + b"bext" + struct.pack("<I", 4) + b"abcd" + data[at:])


def wav_extra_after_seal(data: bytes) -> bytes:
    return riff(data + b"JUNK" + struct.pack("<I", 6) + b"rommel")


def wav_info_entry_added(data: bytes) -> bytes:
    at = data.index(b"LIST")
    (size,) = struct.unpack_from("<I", data, at + 4)
    entry = b"IART" + struct.pack("<I", 7) + b"iemand\0" + b"\0"
    body = data[at + 8 : at + 8 + size] + entry
    return riff(data[:at] + b"LIST" + struct.pack("<I", len(body)) + body + data[at + 8 + size :])


@pytest.mark.parametrize(
    ("change", "item"),
    [
        (wav_extra_before_seal, "RIFF bext"),
        (wav_extra_after_seal, "RIFF JUNK"),
        (wav_info_entry_added, "RIFF LIST/INFO"),
    ],
    ids=["chunk-before-seal", "chunk-after-seal", "INFO-entry"],
)
def test_wav_with_other_chunks_is_changed(
    copies: Copies,
    cli_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[bytes], bytes],
    item: str,
) -> None:
    """Another chunk, or another INFO entry, RIFF size fixed up. 684a8a0 reported these too,
    as a changed file (its hash covers the WAV); now they are named as changed metadata."""
    assert_changed(tmp_path, capsys, "wav", change(copies.files["wav"]), f"{METADATA} ({item})")


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
def test_a_seal_with_an_extra_key_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """An extra key next to "record" and "signature", still canonical JSON: the seal was parsed
    and the rest ignored. Failed on 684a8a0."""
    doc = json.loads(seal_of(fmt, copies.files[fmt]))
    payload = canonical_json({**doc, "opmerking": "ingekort op verzoek"})
    assert_changed(tmp_path, capsys, fmt, with_seal(fmt, copies.files[fmt], payload), SEAL)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_seal_with_reordered_keys_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """The same seal with "signature" before "record" (same length, same meaning), not in its
    canonical form. Failed on 684a8a0."""
    payload = seal_of(fmt, copies.files[fmt])
    doc = json.loads(payload)
    reordered = json.dumps(
        {"signature": doc["signature"], "record": doc["record"]},
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=False,
    ).encode()
    reordered = reordered.replace(
        json.dumps(doc["record"], separators=(",", ":"), ensure_ascii=False).encode(),
        canonical_json(doc["record"]),
    )
    assert reordered != payload and json.loads(reordered) == doc
    bad = with_seal(fmt, copies.files[fmt], reordered)
    assert_changed(tmp_path, capsys, fmt, bad, SEAL)


def test_a_seal_with_spare_base64_bits_is_changed(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The signature's last base64 digit with its unused bits set: the same bytes, another
    spelling, so canonical JSON alone does not see it. Failed on 684a8a0."""
    payload = seal_of("wav", copies.files["wav"])
    signature = json.loads(payload)["signature"]
    assert signature.endswith("==")  # 64 bytes: the last digit carries 2 bits, 4 spare
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(signature[-3])
    spelled = signature[:-3] + alphabet[last | 0x01] + "=="
    if spelled == signature:
        spelled = signature[:-3] + alphabet[last & ~0x01] + "=="
    bad = with_seal(
        "wav", copies.files["wav"], payload.replace(signature.encode(), spelled.encode())
    )
    assert_changed(tmp_path, capsys, "wav", bad, SEAL)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_copy_with_a_changed_magic_is_changed_not_unknown(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """The first byte changed: still recognisably our copy (its seal is in it), so "changed"
    (exit 1), not "not a copy" (exit 2) as on 684a8a0."""
    data = bytearray(copies.files[fmt])
    data[0] ^= 0x20
    assert_changed(tmp_path, capsys, fmt, bytes(data), "changed outside the audio")


def test_files_that_are_not_copies_stay_so(
    copies: Copies, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Strictness does not make a stranger's file "changed": no seal, or not a copy at all."""
    _tags, stream = split_mp3(copies.files["mp3"])
    plain = tmp_path / "podcast.mp3"
    plain.write_bytes(b"ID3\x03\x00\x00" + ss(20) + frame(b"TIT2", b"\x00Podcast") + bytes(3))
    plain.write_bytes(plain.read_bytes() + stream)
    code, out = verify_cli(plain, capsys)
    assert code == 1 and "has no Gespreksopname seal" in out, out
    junk = tmp_path / "notities.txt"
    junk.write_bytes(b"geen opname")
    code, out = verify_cli(junk, capsys)
    assert code == 2, out


def test_every_exported_file_verifies_alone(copies: Copies, tmp_path: Path) -> None:
    """The strict checks hold for every file export makes, also when copied elsewhere."""
    for fmt in FORMATS:
        lone = tmp_path / f"opname.{fmt}"
        lone.write_bytes(copies.files[fmt])
        report = verify_copy(lone, copies.trusted)
        assert report.record.recipient == "A. Yilmaz"
        assert "seal" in report.checked and "signer" in report.checked
        shutil.copy(lone, tmp_path / f"kopie-{fmt}.bin")
        assert verify_copy(tmp_path / f"kopie-{fmt}.bin", copies.trusted).format == fmt


def test_an_rf64_copy_verifies_and_its_flips_are_reported(
    copies: Copies, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The large-file layout (RF64 with ds64 first), made small by lowering the threshold."""
    import audio.copies.wavfile

    monkeypatch.setattr(audio.copies.wavfile, "RF64_THRESHOLD", 1000)
    folder = export_copy(copies.workspace, copies.recording_id, tmp_path, "wav", "A. Yilmaz")
    data = (folder / "opname.wav").read_bytes()
    assert data[:4] == b"RF64" and data[12:16] == b"ds64"
    lone = tmp_path / "groot.wav"
    lone.write_bytes(data)
    assert verify_copy(lone, copies.trusted).format == "wav"
    for position in range(0, 200):  # the headers: RF64, ds64, fmt, LIST
        changed = bytearray(data)
        changed[position] ^= 0xFF
        lone.write_bytes(changed)
        with pytest.raises(IntegrityError):
            verify_copy(lone, copies.trusted)


def test_the_strict_readers_keep_what_the_lenient_ones_hide() -> None:
    """read_frames keeps repeats, flags and padding as stored; flacmeta.entries keeps the case
    and repeats of keys and the vendor string."""
    from audio.copies import flacmeta
    from audio.copies.id3 import read_frames

    body = frame(b"TIT2", b"\x03a") + frame(b"TIT2", b"\x03b", flags=0x0009) + b"\0\0x"
    tag = read_frames(b"ID3\x04\x00\x00" + ss(len(body)) + body + b"stream")
    assert tag is not None
    assert [(f.frame_id, f.flags, f.body) for f in tag.frames] == [
        ("TIT2", 0, b"\x03a"),
        ("TIT2", 9, b"\x03b"),
    ]
    assert tag.padding == b"\0\0x" and tag.size == 10 + len(body)
    assert read_frames(b"no tag") is None
    for bad in (b"ID3\x03\x00\x00" + ss(0), b"ID3\x04\x00\x40" + ss(0), b"ID3\x04\x00\x00" + ss(9)):
        with pytest.raises(ValueError):
            read_frames(bad)
    entries = [b"title=a", b"TITLE=b", b"Title=c"]
    block = struct.pack("<I", 3) + b"abc" + struct.pack("<I", len(entries))
    block += b"".join(struct.pack("<I", len(e)) + e for e in entries)
    assert flacmeta.entries(block) == (b"abc", [("title", "a"), ("TITLE", "b"), ("Title", "c")])
    for bad in (block + b"x", block[:-1], block.replace(b"Title=c", b"Title_c")):
        with pytest.raises(ValueError):
            flacmeta.entries(bad)
