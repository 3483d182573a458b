"""ID3v2 tags for MP3 export: a v2.4 writer and a reader for v2.3 and v2.4 tags.

The writer makes the small tag a citizen's copy needs: text frames, TXXX frames and one COMM
frame, all UTF-8. The reader understands what common tools write at the start of an MP3 and
raises ValueError for anything malformed. `read_frames` lists a v2.4 tag's frames exactly as
stored, for comparing a copy's tag with the one `build_tag` wrote. All use the standard library
only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

HEADER_SIZE = 10
MAX_TAG_SIZE = (1 << 28) - 1  # the largest size a syncsafe 28-bit field can hold
# The tags this module writes are small: the first MiB of a file always holds them whole.
READ_SIZE = 1 << 20
COMMENT_LANGUAGE = b"nld"

_UTF8 = 3
_FRAME_ID = re.compile(rb"[A-Z0-9]{4}")
_ENCODINGS = {0: "latin-1", 1: "utf-16", 2: "utf-16-be", 3: "utf-8"}

# Header flags.
_UNSYNC, _EXTENDED, _EXPERIMENTAL, _FOOTER = 0x80, 0x40, 0x20, 0x10
# Frame format flags, v2.4 and v2.3.
_V4_GROUPING, _V4_COMPRESSED, _V4_ENCRYPTED, _V4_UNSYNC, _V4_LENGTH = 0x40, 0x08, 0x04, 0x02, 0x01
_V3_COMPRESSED, _V3_ENCRYPTED, _V3_GROUPING = 0x80, 0x40, 0x20


def syncsafe(value: int) -> bytes:
    """A 28-bit number in four bytes of seven bits each, as ID3v2.4 sizes are written."""
    if not 0 <= value <= MAX_TAG_SIZE:
        raise ValueError(f"size {value} does not fit in a syncsafe integer")
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def unsyncsafe(raw: bytes) -> int:
    """The number in a four-byte syncsafe field; ValueError when a byte has its top bit set."""
    if len(raw) != 4 or any(byte & 0x80 for byte in raw):
        raise ValueError("bad syncsafe integer")
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def _text(value: str, what: str) -> bytes:
    if "\0" in value:
        raise ValueError(f"{what} contains a NUL character")
    return value.encode("utf-8")


def _frame(frame_id: str, body: bytes) -> bytes:
    return frame_id.encode("ascii") + syncsafe(len(body)) + b"\0\0" + body


def build_tag(
    *,
    texts: Mapping[str, str] = {},
    user_texts: Mapping[str, str] = {},
    comment: str | None = None,
) -> bytes:
    """An ID3v2.4 tag with UTF-8 text frames, TXXX frames and a COMM frame (language "nld").

    `texts` maps text frame ids such as "TIT2" or "TCOP" to their value; `user_texts` maps TXXX
    descriptions to values. No unsynchronisation and no padding: the tag is exactly its frames.
    """
    frames = bytearray()
    for frame_id, value in texts.items():
        if not _FRAME_ID.fullmatch(frame_id.encode("ascii", "replace")) or frame_id[0] != "T":
            raise ValueError(f"bad text frame id {frame_id!r}")
        if frame_id == "TXXX":
            raise ValueError("TXXX frames come from user_texts")
        frames += _frame(frame_id, bytes([_UTF8]) + _text(value, frame_id))
    for description, value in user_texts.items():
        body = _text(description, "TXXX description") + b"\0" + _text(value, "TXXX value")
        frames += _frame("TXXX", bytes([_UTF8]) + body)
    if comment is not None:
        body = COMMENT_LANGUAGE + b"\0" + _text(comment, "comment")  # empty description
        frames += _frame("COMM", bytes([_UTF8]) + body)
    return b"ID3\x04\x00\x00" + syncsafe(len(frames)) + bytes(frames)


@dataclass(frozen=True)
class Id3Tag:
    """A tag's text frames, TXXX frames and comment; `size` is where the MP3 audio starts.

    `comment` is the first COMM frame with an empty description. When a frame id or TXXX
    description repeats, the first one counts.
    """

    texts: dict[str, str]
    user_texts: dict[str, str]
    comment: str | None
    size: int


@dataclass(frozen=True)
class RawFrame:
    """One frame as stored: its id, its two flag bytes as a number, and its body untouched."""

    frame_id: str
    flags: int
    body: bytes


@dataclass(frozen=True)
class RawTag:
    """A v2.4 tag as stored: header flags, frames in file order, the bytes after the last frame
    (padding), and `size`, where the tag ends."""

    flags: int
    frames: list[RawFrame]
    padding: bytes
    size: int


def read_frames(data: bytes) -> RawTag | None:
    """The frames of the ID3v2.4 tag at the start of `data` exactly as stored, or None when
    there is no tag.

    Nothing is interpreted or undone (no unsynchronisation, no decompression, no skipping): this
    is for checking that a tag is byte for byte the one we wrote. Anything that is not a plain
    v2.4 tag which `data` holds whole, with well-formed frame headers, raises ValueError. Every
    byte after the last frame is `padding`, whatever it holds.
    """
    if not data.startswith(b"ID3"):
        return None
    if len(data) < HEADER_SIZE:
        raise ValueError("truncated ID3 header")
    if data[3:5] != b"\x04\x00":
        raise ValueError(f"not ID3v2.4.0 (2.{data[3]}.{data[4]})")
    flags = data[5]
    if flags:
        raise ValueError("ID3 header flags set")
    end = HEADER_SIZE + unsyncsafe(data[6:10])
    if end > len(data):
        raise ValueError("the ID3 tag is longer than the data given")
    frames: list[RawFrame] = []
    pos = HEADER_SIZE
    while end - pos >= HEADER_SIZE and data[pos] != 0:
        frame_id = data[pos : pos + 4]
        if not _FRAME_ID.fullmatch(frame_id):
            raise ValueError("bad ID3 frame id")
        size = unsyncsafe(data[pos + 4 : pos + 8])
        frame_flags = int.from_bytes(data[pos + 8 : pos + 10], "big")
        pos += HEADER_SIZE
        if size > end - pos:
            raise ValueError("ID3 frame runs past the tag")
        frames.append(RawFrame(frame_id.decode("ascii"), frame_flags, data[pos : pos + size]))
        pos += size
    return RawTag(flags=flags, frames=frames, padding=data[pos:end], size=end)


def _resync(data: bytes) -> bytes:
    """Undo unsynchronisation: every 0xFF 0x00 was 0xFF."""
    return data.replace(b"\xff\x00", b"\xff")


def _split(encoding: int, body: bytes) -> tuple[bytes, bytes]:
    """Split at the first terminator of the encoding: one NUL, or two on a UTF-16 boundary."""
    if encoding in (1, 2):
        for index in range(0, len(body) - 1, 2):
            if body[index : index + 2] == b"\0\0":
                return body[:index], body[index + 2 :]
        raise ValueError("missing UTF-16 terminator")
    first, separator, rest = body.partition(b"\0")
    if not separator:
        raise ValueError("missing terminator")
    return first, rest


def _decode(encoding: int, raw: bytes) -> str:
    if encoding in (1, 2) and len(raw) % 2:
        raw = raw[:-1]  # a stray byte from a sloppy writer, or a lone NUL terminator
    try:
        text = raw.decode(_ENCODINGS[encoding])
    except UnicodeDecodeError as exc:
        raise ValueError(f"text is not valid {_ENCODINGS[encoding]}") from exc
    return text.rstrip("\0")


def _encoding(body: bytes) -> int:
    if not body:
        raise ValueError("empty text frame")
    if body[0] not in _ENCODINGS:
        raise ValueError(f"unknown text encoding {body[0]}")
    return body[0]


def _skip_extended_header(major: int, frames: bytes) -> int:
    """The offset of the first frame behind the extended header."""
    if len(frames) < 4:
        raise ValueError("truncated extended header")
    if major == 4:
        size = unsyncsafe(frames[:4])  # includes its own size field
        if size < 6:
            raise ValueError("bad extended header size")
        offset = size
    else:
        offset = 4 + int.from_bytes(frames[:4], "big")  # excludes its own size field
    if offset > len(frames):
        raise ValueError("extended header runs past the tag")
    return offset


def read_tag(data: bytes) -> Id3Tag | None:
    """Parse the ID3v2.3 or v2.4 tag at the start of `data`, or None when there is none.

    `data` must hold the whole tag: pass the first READ_SIZE bytes of the file, which is enough
    for tags `build_tag` makes. A malformed tag, or one longer than `data`, raises ValueError.
    """
    if not data.startswith(b"ID3"):
        return None
    if len(data) < HEADER_SIZE:
        raise ValueError("truncated ID3 header")
    major, revision, flags = data[3], data[4], data[5]
    if major not in (3, 4) or revision == 0xFF:
        raise ValueError(f"unsupported ID3 version 2.{major}")
    known = _UNSYNC | _EXTENDED | _EXPERIMENTAL | (_FOOTER if major == 4 else 0)
    if flags & ~known:
        raise ValueError("unknown ID3 header flags")
    body_size = unsyncsafe(data[6:10])
    total = HEADER_SIZE + body_size + (HEADER_SIZE if flags & _FOOTER else 0)
    if total > len(data):
        raise ValueError("the ID3 tag is longer than the data given")
    if flags & _FOOTER and data[HEADER_SIZE + body_size : HEADER_SIZE + body_size + 3] != b"3DI":
        raise ValueError("missing ID3 footer")

    frames = data[HEADER_SIZE : HEADER_SIZE + body_size]
    if major == 3 and flags & _UNSYNC:
        frames = _resync(frames)  # v2.3: the whole tag; sizes refer to the restored bytes
    pos = _skip_extended_header(major, frames) if flags & _EXTENDED else 0

    texts: dict[str, str] = {}
    user_texts: dict[str, str] = {}
    comment: str | None = None
    while len(frames) - pos >= HEADER_SIZE and frames[pos] != 0:  # a NUL starts the padding
        frame_id = frames[pos : pos + 4]
        if not _FRAME_ID.fullmatch(frame_id):
            raise ValueError("bad ID3 frame id")
        raw_size = frames[pos + 4 : pos + 8]
        size = unsyncsafe(raw_size) if major == 4 else int.from_bytes(raw_size, "big")
        format_flags = frames[pos + 9]
        pos += HEADER_SIZE
        if size > len(frames) - pos:
            raise ValueError("ID3 frame runs past the tag")
        body = frames[pos : pos + size]
        pos += size
        name = frame_id.decode("ascii")

        if major == 4:
            if format_flags & (_V4_COMPRESSED | _V4_ENCRYPTED):
                continue  # not needed for the frames read here
            extra = (1 if format_flags & _V4_GROUPING else 0) + (
                4 if format_flags & _V4_LENGTH else 0
            )
            if format_flags & _V4_UNSYNC or flags & _UNSYNC:
                body = _resync(body[extra:])
            else:
                body = body[extra:]
        else:
            if format_flags & (_V3_COMPRESSED | _V3_ENCRYPTED):
                continue
            body = body[1:] if format_flags & _V3_GROUPING else body

        if name == "TXXX":
            encoding = _encoding(body)
            raw_description, raw_value = _split(encoding, body[1:])
            description = _decode(encoding, raw_description)
            user_texts.setdefault(description, _decode(encoding, raw_value))
        elif name[0] == "T":
            encoding = _encoding(body)
            texts.setdefault(name, _decode(encoding, body[1:]))
        elif name == "COMM":
            encoding = _encoding(body)
            if len(body) < 4:
                raise ValueError("COMM frame is too short")
            raw_description, raw_text = _split(encoding, body[4:])
            if comment is None and not _decode(encoding, raw_description):
                comment = _decode(encoding, raw_text)
    return Id3Tag(texts=texts, user_texts=user_texts, comment=comment, size=total)
