"""The metadata blocks of a FLAC file: read them, and put our own Vorbis comment block in.

A copy's FLAC carries exactly two blocks: STREAMINFO and one VORBIS_COMMENT with our tags (the
seal among them). The seal covers STREAMINFO and every audio frame byte for byte, so a change
anywhere in the file, metadata included, is found.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

STREAMINFO, PADDING, VORBIS_COMMENT = 0, 1, 4
VENDOR = b"Gespreksopname"
BLOCK_NAMES = {
    0: "STREAMINFO",
    1: "PADDING",
    2: "APPLICATION",
    3: "SEEKTABLE",
    4: "VORBIS_COMMENT",
    5: "CUESHEET",
    6: "PICTURE",
}


@dataclass(frozen=True)
class FlacLayout:
    streaminfo: bytes  # the block's body
    blocks: list[tuple[int, bytes]]  # (type, body) in file order
    audio_offset: int  # where the frames start


def read_layout(data: bytes) -> FlacLayout:
    """Parse the metadata blocks at the start of `data`; ValueError when it is not sound FLAC."""
    if data[:4] != b"fLaC":
        raise ValueError("not FLAC")
    offset, blocks = 4, []
    while True:
        if offset + 4 > len(data):
            raise ValueError("metadata cut short")
        head = data[offset]
        length = int.from_bytes(data[offset + 1 : offset + 4], "big")
        body = data[offset + 4 : offset + 4 + length]
        if len(body) != length:
            raise ValueError("metadata cut short")
        blocks.append((head & 0x7F, body))
        offset += 4 + length
        if head & 0x80:
            break
    if not blocks or blocks[0][0] != STREAMINFO:
        raise ValueError("no STREAMINFO first")
    return FlacLayout(blocks[0][1], blocks, offset)


def comments(body: bytes) -> dict[str, str]:
    """A VORBIS_COMMENT body as {lower-case key: value}; ValueError when malformed or doubled."""
    try:
        (vendor_length,) = struct.unpack_from("<I", body, 0)
        position = 4 + vendor_length
        (count,) = struct.unpack_from("<I", body, position)
        position += 4
        out: dict[str, str] = {}
        for _ in range(count):
            (length,) = struct.unpack_from("<I", body, position)
            entry = body[position + 4 : position + 4 + length].decode("utf-8")
            position += 4 + length
            key, _, value = entry.partition("=")
            if key.lower() in out or not _:
                raise ValueError("a doubled or malformed comment")
            out[key.lower()] = value
    except (struct.error, UnicodeDecodeError) as exc:
        raise ValueError("malformed comments") from exc
    if position != len(body):
        raise ValueError("bytes after the comments")
    return out


def entries(body: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """A VORBIS_COMMENT body exactly as stored: the vendor string and every (key, value) in
    file order, keys in their own case, repeats kept. ValueError when it cannot be read whole."""
    try:
        (vendor_length,) = struct.unpack_from("<I", body, 0)
        vendor = body[4 : 4 + vendor_length]
        if len(vendor) != vendor_length:
            raise ValueError("vendor string cut short")
        position = 4 + vendor_length
        (count,) = struct.unpack_from("<I", body, position)
        position += 4
        out: list[tuple[str, str]] = []
        for _ in range(count):
            (length,) = struct.unpack_from("<I", body, position)
            raw = body[position + 4 : position + 4 + length]
            if len(raw) != length:
                raise ValueError("comment cut short")
            position += 4 + length
            key, separator, value = raw.decode("utf-8").partition("=")
            if not separator:
                raise ValueError("a comment without '='")
            out.append((key, value))
    except (struct.error, UnicodeDecodeError) as exc:
        raise ValueError("malformed comments") from exc
    if position != len(body):
        raise ValueError("bytes after the comments")
    return vendor, out


def comment_block(tags: dict[str, str]) -> bytes:
    entries = [f"{k}={v}".encode() for k, v in tags.items()]
    return (
        struct.pack("<I", len(VENDOR))
        + VENDOR
        + struct.pack("<I", len(entries))
        + b"".join(struct.pack("<I", len(e)) + e for e in entries)
    )


def block(kind: int, body: bytes, last: bool) -> bytes:
    if len(body) >= 1 << 24:
        raise ValueError("metadata block too large")
    return bytes([kind | (0x80 if last else 0)]) + len(body).to_bytes(3, "big") + body
