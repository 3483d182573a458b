"""ID3 tags on a real MP3: what ffprobe and libsndfile make of them, and our own reader."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from audio.copies.id3 import READ_SIZE, Id3Tag, build_tag, read_tag

TEXTS = {"TIT2": "Gesprek met de burger", "TCOP": "© 2024 Gemeente Voorbeeld", "TSSE": "gsop"}
USER_TEXTS = {"recording_id": "3f1c0e9a", "sha256": "ab" * 32}
COMMENT = "Kopie voor de burger — niet verder verspreiden. Ünïcode ✓"


def ss(value: int) -> bytes:
    """Syncsafe, written out independently of the module under test."""
    return bytes([(value >> 21) & 0x7F, (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F])


def v23_frame(frame_id: bytes, body: bytes) -> bytes:
    return frame_id + len(body).to_bytes(4, "big") + b"\0\0" + body


def v24_frame(frame_id: bytes, body: bytes, flags: int = 0) -> bytes:
    return frame_id + ss(len(body)) + bytes([0, flags]) + body


LONG_TITLE = "Lange titel é " * 15  # over 127 bytes: a plain size, not a syncsafe one

# A v2.3 tag as older tools write it: latin-1 and UTF-16 with a BOM in both byte orders,
# a COMM with a description before the plain one, an unknown frame and padding.
V23_FRAMES = b"".join(
    [
        v23_frame(b"TIT2", b"\x00" + LONG_TITLE.encode("latin-1")),
        v23_frame(b"TPE1", b"\x01" + "Gemeente Ü".encode("utf-16") + b"\0\0"),
        v23_frame(b"TCOP", b"\x01\xfe\xff" + "© 2023".encode("utf-16-be")),
        v23_frame(b"TXXX", b"\x01" + "zaak".encode("utf-16") + b"\0\0" + "Z-123".encode("utf-16")),
        v23_frame(b"COMM", b"\x00eng" + b"iTunNORM\x00 0000 0001"),
        v23_frame(b"COMM", b"\x00eng\x00Opmerking \xe9\x00"),
        v23_frame(b"PRIV", b"owner\x00\x01\x02\x03"),
        v23_frame(b"TIT2", b"\x00second title is ignored"),
    ]
)
V23_TAG = b"ID3\x03\x00\x00" + ss(len(V23_FRAMES) + 100) + V23_FRAMES + bytes(100)
V23_EXPECTED = Id3Tag(
    texts={"TIT2": LONG_TITLE, "TPE1": "Gemeente Ü", "TCOP": "© 2023"},
    user_texts={"zaak": "Z-123"},
    comment="Opmerking é",
    size=len(V23_TAG),
)

# A v2.4 tag with the rarer parts: extended header, footer, UTF-16BE, a frame with
# unsynchronisation and a data length indicator, and a grouped frame.
V24_FRAMES = (
    b"\x00\x00\x00\x06\x01\x00"  # extended header: size 6, no flags
    + v24_frame(b"TIT2", b"\x02" + "Tïtel".encode("utf-16-be") + b"\0\0")
    + v24_frame(b"TALB", ss(3) + b"\x00\xff\x00\xe9", flags=0x03)  # "ÿé" in latin-1
    + v24_frame(b"TPE1", b"\x07" + b"\x03Groep", flags=0x40)  # group 7
    + v24_frame(b"TXXX", b"\x03sleutel\x00waarde\x00")
    + v24_frame(b"COMM", b"\x03nld" + b"beschrijving\x00eerste")  # has a description: skipped
    + v24_frame(b"COMM", b"\x03nld\x00tweede\x00")
)
V24_TAG = (
    b"ID3\x04\x00\x50" + ss(len(V24_FRAMES)) + V24_FRAMES + b"3DI\x04\x00\x50" + ss(len(V24_FRAMES))
)


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real MP3 from libsndfile (LAME): one second of a 440 Hz tone."""
    path = tmp_path_factory.mktemp("mp3") / "tone.mp3"
    tone = (np.sin(2 * np.pi * 440 * np.arange(48000) / 48000) * 12000).astype(np.int16)
    soundfile.write(path, tone, 48000, format="MP3")
    return path.read_bytes()


def ffprobe(path: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["/usr/bin/ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_tag_on_a_real_mp3(tmp_path: Path, mp3: bytes) -> None:
    assert read_tag(mp3) is None  # libsndfile wrote no tag of its own
    tag = build_tag(texts=TEXTS, user_texts=USER_TEXTS, comment=COMMENT)
    path = tmp_path / "copy.mp3"
    path.write_bytes(tag + mp3)

    probe = ffprobe(path)
    tags = probe["format"]["tags"]
    assert tags["comment"] == COMMENT
    assert tags["copyright"] == TEXTS["TCOP"]
    assert tags["title"] == TEXTS["TIT2"]
    assert tags["encoder"] == "gsop"
    assert tags["recording_id"] == USER_TEXTS["recording_id"]
    assert tags["sha256"] == USER_TEXTS["sha256"]
    assert probe["format"]["format_name"] == "mp3"
    (stream,) = probe["streams"]
    assert (stream["codec_name"], int(stream["sample_rate"])) == ("mp3", 48000)
    assert float(probe["format"]["duration"]) > 0.9

    # libsndfile skips the tag and decodes the same samples as without it.
    tagged, rate = soundfile.read(path, dtype="int16")
    (tmp_path / "plain.mp3").write_bytes(mp3)
    plain, _ = soundfile.read(tmp_path / "plain.mp3", dtype="int16")
    assert rate == 48000
    assert len(tagged) >= 48000
    assert np.array_equal(tagged, plain)

    with path.open("rb") as handle:
        parsed = read_tag(handle.read(READ_SIZE))
    assert parsed == Id3Tag(texts=TEXTS, user_texts=USER_TEXTS, comment=COMMENT, size=len(tag))
    assert path.read_bytes()[parsed.size :] == mp3


def test_v23_tag_by_hand(tmp_path: Path, mp3: bytes) -> None:
    assert read_tag(V23_TAG + mp3) == V23_EXPECTED
    # ffprobe agrees with the hand-built example (so the example itself is right).
    path = tmp_path / "v23.mp3"
    path.write_bytes(V23_TAG + mp3)
    tags = ffprobe(path)["format"]["tags"]
    assert (tags["title"], tags["artist"], tags["copyright"]) == (
        LONG_TITLE,
        "Gemeente Ü",
        "© 2023",
    )
    assert tags["zaak"] == "Z-123"
    assert tags["comment"] == "Opmerking é"


def test_v23_whole_tag_unsynchronisation() -> None:
    frames = v23_frame(b"TIT2", b"\x00\xff\xff" + b"a")
    unsynced = frames.replace(b"\xff", b"\xff\x00")
    tag = b"ID3\x03\x00\x80" + ss(len(unsynced)) + unsynced
    assert read_tag(tag) == Id3Tag({"TIT2": "ÿÿa"}, {}, None, len(tag))


def test_v24_rarer_parts(tmp_path: Path, mp3: bytes) -> None:
    parsed = read_tag(V24_TAG + mp3)
    assert parsed == Id3Tag(
        texts={"TIT2": "Tïtel", "TALB": "ÿé", "TPE1": "Groep"},
        user_texts={"sleutel": "waarde"},
        comment="tweede",
        size=len(V24_TAG),
    )
    path = tmp_path / "v24.mp3"
    path.write_bytes(V24_TAG + mp3)
    probe = ffprobe(path)
    assert probe["format"]["tags"]["title"] == "Tïtel"
    assert float(probe["format"]["duration"]) > 0.9


def test_layout_of_a_built_tag() -> None:
    tag = build_tag(texts={"TIT2": "é"}, user_texts={"a": "b"}, comment="c")
    frames = (
        b"TIT2" + ss(3) + b"\0\0\x03\xc3\xa9"
        + b"TXXX" + ss(4) + b"\0\0\x03a\0b"
        + b"COMM" + ss(6) + b"\0\0\x03nld\0c"
    )  # fmt: skip
    assert tag == b"ID3\x04\x00\x00" + ss(len(frames)) + frames
    assert build_tag() == b"ID3\x04\x00\x00\x00\x00\x00\x00"
    assert read_tag(build_tag()) == Id3Tag({}, {}, None, 10)


def test_syncsafe_sizes_over_127() -> None:
    value = "x" * 300
    tag = build_tag(texts={"TIT2": value})
    assert tag[6:10] == ss(311) and tag[14:18] == ss(301)
    assert read_tag(tag) == Id3Tag({"TIT2": value}, {}, None, len(tag))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"texts": {"TXXX": "x"}},
        {"texts": {"COMM": "x"}},
        {"texts": {"tit2": "x"}},
        {"texts": {"TIT": "x"}},
        {"texts": {"TÏT2": "x"}},
        {"texts": {"TIT2": "a\0b"}},
        {"user_texts": {"a\0": "b"}},
        {"comment": "\0"},
    ],
)
def test_build_refuses_what_would_not_read_back(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_tag(**kwargs)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"ID3", "truncated"),
        (b"ID3\x02\x00\x00\x00\x00\x00\x00", "version"),
        (b"ID3\x05\x00\x00\x00\x00\x00\x00", "version"),
        (b"ID3\x04\x00\x01\x00\x00\x00\x00", "flags"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x80", "syncsafe"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x20", "longer"),
        (b"ID3\x04\x00\x10" + ss(0) + b"3DX\x04\x00\x10" + ss(0), "footer"),
        (b"ID3\x04\x00\x00" + ss(10) + b"tit2" + ss(0) + b"\0\0", "frame id"),
        (b"ID3\x04\x00\x00" + ss(11) + b"TIT2" + ss(2) + b"\0\0\x03", "past the tag"),
        (b"ID3\x04\x00\x00" + ss(11) + b"TIT2" + ss(1) + b"\0\0\x09", "encoding"),
        (b"ID3\x04\x00\x00" + ss(10) + b"TIT2" + ss(0) + b"\0\0", "empty"),
        (b"ID3\x04\x00\x00" + ss(12) + b"TIT2" + ss(2) + b"\0\0\x03\xff", "utf-8"),
        (b"ID3\x04\x00\x00" + ss(13) + b"TXXX" + ss(3) + b"\0\0\x01\xff\xfe", "terminator"),
        (b"ID3\x04\x00\x00" + ss(13) + b"COMM" + ss(3) + b"\0\0\x03nl", "too short"),
        (b"ID3\x04\x00\x40" + ss(3) + b"\0\0\0", "extended"),
    ],
)
def test_malformed_tags_give_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        read_tag(data)


def test_no_tag() -> None:
    assert read_tag(b"") is None
    assert read_tag(b"ID") is None
    assert read_tag(b"\xff\xfb\x90\x00") is None


VALID = [
    build_tag(texts=TEXTS, user_texts=USER_TEXTS, comment=COMMENT) + b"\xff\xfb",
    V23_TAG,
    V24_TAG,
]


def read_only_value_error(data: bytes) -> None:
    try:
        tag = read_tag(data)
    except ValueError:
        return
    assert tag is None or 10 <= tag.size <= len(data)


@settings(deadline=None, max_examples=200)
@given(
    which=st.sampled_from(VALID),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=4),
    cut=st.none() | st.integers(0, 600),
)
def test_corrupt_tags_raise_only_value_error(
    which: bytes, flips: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(which if cut is None else which[:cut])
    for index, mask in flips:
        if data:
            data[index % len(data)] ^= mask
    read_only_value_error(bytes(data))


@settings(deadline=None, max_examples=200)
@given(version=st.sampled_from([b"\x03", b"\x04"]), body=st.binary(max_size=300))
def test_arbitrary_frames_raise_only_value_error(version: bytes, body: bytes) -> None:
    read_only_value_error(b"ID3" + version + b"\x00\x00" + ss(len(body)) + body)


no_nul = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"))


@settings(deadline=None, max_examples=200)
@given(
    texts=st.dictionaries(st.sampled_from(["TIT2", "TCOP", "TPE1", "TALB", "TDRC"]), no_nul),
    user_texts=st.dictionaries(no_nul, no_nul, max_size=4),
    comment=st.none() | no_nul,
)
def test_round_trip(texts: dict[str, str], user_texts: dict[str, str], comment: str | None) -> None:
    tag = build_tag(texts=texts, user_texts=user_texts, comment=comment)
    assert read_tag(tag + b"\xff\xfb") == Id3Tag(texts, user_texts, comment, len(tag))
