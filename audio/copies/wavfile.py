"""WAV export: a streaming writer and a header reader for RIFF and RF64 (EBU Tech 3306).

The writer knows the number of frames up front, so every size is in the header before the first
sample and the file is written strictly front to back: `out` may be a pipe. Files whose RIFF size
would not fit in 32 bits become RF64 with a ds64 chunk. The reader parses the chunk list without
reading the audio; `iter_wav_data` then streams the samples. Both sides use the standard library
only, and the reader turns every kind of malformed input into ValueError.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

# A RIFF file whose RIFF size (file size minus 8) is above this becomes RF64. Tests lower it.
RF64_THRESHOLD = 0xFFFFFFFF
MAX_CHUNK_IN_MEMORY = 1 << 20  # the reader loads no single non-data chunk bigger than this

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
# KSDATAFORMAT_SUBTYPE_PCM, 00000001-0000-0010-8000-00aa00389b71, in its on-disk byte order.
KSDATAFORMAT_SUBTYPE_PCM = bytes.fromhex("0100000000001000800000aa00389b71")
# The subformat GUIDs share this tail; the first two bytes are the plain format tag.
_GUID_TAIL = KSDATAFORMAT_SUBTYPE_PCM[2:]
CHANNEL_MASKS = {1: 0x4, 2: 0x3}  # mono: front centre; stereo: front left and right

SAMPLE_WIDTHS = (2, 3)
_U32 = 0xFFFFFFFF
_RESERVED_IDS = (b"RIFF", b"RF64", b"BW64", b"fmt ", b"data", b"LIST", b"ds64", b"JUNK")

_CHUNK_HEADER = struct.Struct("<4sI")
_FMT_PCM = struct.Struct("<HHIIHH")
_FMT_EXTENSION = struct.Struct("<HHI16s")  # cbSize, valid bits, channel mask, subformat
_DS64 = struct.Struct("<QQQI")  # RIFF size, data size, sample count, table length


def _chunk(chunk_id: bytes, payload: bytes) -> bytes:
    """One whole chunk: header, payload and the pad byte an odd size needs."""
    return _CHUNK_HEADER.pack(chunk_id, len(payload)) + payload + b"\0" * (len(payload) % 2)


def _fmt_payload(sample_rate: int, channels: int, sample_width: int) -> bytes:
    """PCM for 16-bit; WAVE_FORMAT_EXTENSIBLE for 24-bit, which players expect above 16 bits."""
    block_align = channels * sample_width
    bits = 8 * sample_width
    if sample_width == 2:
        return _FMT_PCM.pack(
            WAVE_FORMAT_PCM, channels, sample_rate, sample_rate * block_align, block_align, bits
        )
    base = _FMT_PCM.pack(
        WAVE_FORMAT_EXTENSIBLE, channels, sample_rate, sample_rate * block_align, block_align, bits
    )
    mask = CHANNEL_MASKS.get(channels, 0)  # 0: no speaker positions claimed
    return base + _FMT_EXTENSION.pack(22, bits, mask, KSDATAFORMAT_SUBTYPE_PCM)


def _info_payload(info: Mapping[str, str]) -> bytes:
    """A LIST chunk's payload of type INFO: UTF-8 values, NUL-terminated."""
    body = bytearray(b"INFO")
    for key, value in info.items():
        raw_id = key.encode("ascii", "replace")
        if len(key) != 4 or not key.isascii() or not all(32 < c < 127 for c in raw_id):
            raise ValueError(f"bad INFO id {key!r}: four printable ASCII characters needed")
        if "\0" in value:
            raise ValueError(f"INFO value for {key} contains a NUL character")
        body += _chunk(raw_id, value.encode("utf-8") + b"\0")
    return bytes(body)


def _check_extra(chunk_id: bytes, payload: bytes) -> None:
    if len(chunk_id) != 4 or not all(32 <= c < 127 for c in chunk_id):
        raise ValueError(f"bad chunk id {chunk_id!r}: four printable ASCII bytes needed")
    if chunk_id in _RESERVED_IDS:
        raise ValueError(f"chunk id {chunk_id!r} is written by write_wav itself")
    if len(payload) > _U32:
        raise ValueError(f"chunk {chunk_id!r} is too big for a 32-bit size")


def _write_all(out: BinaryIO, data: bytes | memoryview) -> None:
    """Write everything, also to a raw stream that may accept only part of it."""
    view = memoryview(data)
    while view:
        written = out.write(view)
        if not written:
            raise OSError("the output accepted no bytes")
        view = view[written:]


def write_wav(
    out: BinaryIO,
    *,
    sample_rate: int,
    channels: int,
    sample_width: int,
    frames: int,
    blocks: Iterable[bytes | bytearray | memoryview],
    info: Mapping[str, str] = {},
    extra_chunks: Sequence[tuple[bytes, bytes]] = (),
) -> int:
    """Write a little-endian integer PCM WAV front to back and return the number of bytes written.

    `blocks` must deliver exactly frames * channels * sample_width bytes in total; otherwise
    ValueError is raised as soon as that shows (the output is then incomplete). `info` becomes a
    LIST/INFO chunk before the audio, `extra_chunks` follow the data chunk in the given order.
    """
    if sample_width not in SAMPLE_WIDTHS:
        raise ValueError(f"sample width must be one of {SAMPLE_WIDTHS}, not {sample_width}")
    if not 1 <= channels <= 0xFFFF or channels * sample_width > 0xFFFF:
        raise ValueError(f"unsupported channel count {channels}")
    if sample_rate < 1 or sample_rate * channels * sample_width > _U32:
        raise ValueError(f"unsupported sample rate {sample_rate}")
    if frames < 0:
        raise ValueError("frames must not be negative")
    for chunk_id, payload in extra_chunks:
        _check_extra(chunk_id, payload)

    data_size = frames * channels * sample_width
    front = _chunk(b"fmt ", _fmt_payload(sample_rate, channels, sample_width))
    if info:
        front += _chunk(b"LIST", _info_payload(info))
    tail = b"".join(_chunk(chunk_id, payload) for chunk_id, payload in extra_chunks)
    data_pad = data_size % 2
    riff_size = 4 + len(front) + _CHUNK_HEADER.size + data_size + data_pad + len(tail)

    if riff_size <= RF64_THRESHOLD:
        head = _CHUNK_HEADER.pack(b"RIFF", riff_size) + b"WAVE" + front
        head += _CHUNK_HEADER.pack(b"data", data_size)
    else:
        riff_size += _CHUNK_HEADER.size + _DS64.size  # the ds64 chunk itself, no table
        ds64 = _DS64.pack(riff_size, data_size, frames, 0)
        head = _CHUNK_HEADER.pack(b"RF64", _U32) + b"WAVE" + _chunk(b"ds64", ds64) + front
        head += _CHUNK_HEADER.pack(b"data", _U32)

    _write_all(out, head)
    written = 0
    for block in blocks:
        view = memoryview(block)
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        written += len(view)
        if written > data_size:
            raise ValueError(f"the blocks deliver more than {data_size} bytes ({frames} frames)")
        _write_all(out, view)
    if written != data_size:
        raise ValueError(f"the blocks delivered {written} of {data_size} bytes ({frames} frames)")
    _write_all(out, b"\0" * data_pad + tail)
    return 8 + riff_size


@dataclass(frozen=True)
class WavInfo:
    """What `read_wav` found: the format, where the audio is, and the other chunks.

    `format_tag` is the tag as written in the fmt chunk (1 or 0xFFFE with a PCM subformat).
    `data_offset` is an absolute position in the file; `chunks` holds every chunk other than
    fmt, data, LIST, ds64 and JUNK with its raw payload (the first one when an id repeats).
    `layout` lists every chunk in file order as (id, payload offset, payload size), for a
    caller that needs the file to be exactly a given sequence of chunks (not compared: it
    repeats what the other fields say).
    """

    sample_rate: int
    channels: int
    sample_width: int
    frames: int
    data_offset: int
    data_size: int
    format_tag: int
    info: dict[str, str]
    chunks: dict[bytes, bytes]
    layout: tuple[tuple[bytes, int, int], ...] = field(default=(), compare=False)


def _read_exact(f: BinaryIO, size: int, what: str) -> bytes:
    if size > MAX_CHUNK_IN_MEMORY:
        raise ValueError(f"{what} chunk is too big ({size} bytes)")
    data = f.read(size)
    if len(data) != size:
        raise ValueError(f"file ends inside the {what} chunk")
    return data


def _parse_ds64(payload: bytes) -> tuple[int, int, dict[bytes, int]]:
    """RIFF size, data size and the table of other 64-bit chunk sizes."""
    if len(payload) < _DS64.size:
        raise ValueError("ds64 chunk is too short")
    riff_size, data_size, _samples, table_length = _DS64.unpack_from(payload)
    if len(payload) < _DS64.size + 12 * table_length:
        raise ValueError("ds64 table is longer than its chunk")
    table: dict[bytes, int] = {}
    for index in range(table_length):
        chunk_id, size = struct.unpack_from("<4sQ", payload, _DS64.size + 12 * index)
        table.setdefault(chunk_id, size)
    return riff_size, data_size, table


def _parse_fmt(payload: bytes) -> tuple[int, int, int, int]:
    """Format tag, channels, sample rate and sample width of an integer PCM fmt chunk."""
    if len(payload) < _FMT_PCM.size:
        raise ValueError("fmt chunk is too short")
    tag, channels, rate, _byte_rate, block_align, bits = _FMT_PCM.unpack_from(payload)
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(payload) < _FMT_PCM.size + _FMT_EXTENSION.size:
            raise ValueError("extensible fmt chunk is too short")
        _cb_size, _valid_bits, _mask, subformat = _FMT_EXTENSION.unpack_from(payload, _FMT_PCM.size)
        if subformat != KSDATAFORMAT_SUBTYPE_PCM:
            raise ValueError("unsupported extensible subformat (only integer PCM)")
    elif tag != WAVE_FORMAT_PCM:
        raise ValueError(f"unsupported format tag 0x{tag:04x} (only integer PCM)")
    if channels < 1 or rate < 1:
        raise ValueError("fmt chunk has no channels or no sample rate")
    if not 8 <= bits <= 32:
        raise ValueError(f"unsupported bits per sample {bits}")
    width = (bits + 7) // 8
    if block_align != channels * width:
        raise ValueError("fmt block align does not match channels and sample width")
    return tag, channels, rate, width


def _parse_info(payload: bytes) -> dict[str, str]:
    """The INFO entries of a LIST chunk's payload (after the list type)."""
    info: dict[str, str] = {}
    pos = 0
    while pos < len(payload):
        if len(payload) - pos < _CHUNK_HEADER.size:
            if payload[pos:].strip(b"\0"):
                raise ValueError("INFO list ends inside an entry header")
            break
        raw_id, size = _CHUNK_HEADER.unpack_from(payload, pos)
        pos += _CHUNK_HEADER.size
        if size > len(payload) - pos:
            raise ValueError("INFO entry runs past its list")
        if not all(32 <= c < 127 for c in raw_id):
            raise ValueError("INFO entry has a bad id")
        raw = payload[pos : pos + size].split(b"\0", 1)[0]
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("latin-1")  # older writers use a Windows code page
        info.setdefault(raw_id.decode("ascii"), value)
        pos += size + size % 2
    return info


def read_wav(f: BinaryIO) -> WavInfo:
    """Parse a RIFF or RF64 WAV from the current position of the seekable `f`.

    Reads every chunk header, loads the small chunks and skips the audio. Malformed or truncated
    input raises ValueError with a short reason.
    """
    start = f.tell()
    file_end = f.seek(0, os.SEEK_END)
    f.seek(start)
    head = f.read(12)
    if len(head) < 12:
        raise ValueError("file is too short for a WAV header")
    magic, riff_size = _CHUNK_HEADER.unpack_from(head)
    if magic not in (b"RIFF", b"RF64", b"BW64") or head[8:12] != b"WAVE":
        raise ValueError("not a RIFF/RF64 WAVE file")
    rf64 = magic != b"RIFF"
    table: dict[bytes, int] = {}
    ds64_data_size: int | None = None

    pos = start + 12
    end: int | None = None if rf64 else start + 8 + riff_size
    fmt: tuple[int, int, int, int] | None = None
    data: tuple[int, int] | None = None
    info: dict[str, str] = {}
    chunks: dict[bytes, bytes] = {}
    layout: list[tuple[bytes, int, int]] = []
    first = True
    while True:
        if end is not None and end > file_end:
            raise ValueError("file is shorter than its RIFF size says")
        limit = end if end is not None else file_end
        if limit - pos < _CHUNK_HEADER.size:
            if limit - pos > 1:  # one byte is tolerated: a final pad byte counted in the size
                raise ValueError("RIFF ends inside a chunk header")
            break
        f.seek(pos)
        raw_header = f.read(_CHUNK_HEADER.size)
        if len(raw_header) != _CHUNK_HEADER.size:
            raise ValueError("file ends inside a chunk header")
        chunk_id, size = _CHUNK_HEADER.unpack(raw_header)
        pos += _CHUNK_HEADER.size
        if rf64 and first:
            if chunk_id != b"ds64":
                raise ValueError("RF64 file does not start with a ds64 chunk")
            riff64, ds64_data_size, table = _parse_ds64(_read_exact(f, size, "ds64"))
            end = start + 8 + (riff64 if riff_size == _U32 else riff_size)
        if rf64 and size == _U32:
            if chunk_id == b"data" and ds64_data_size is not None:
                size = ds64_data_size
            elif chunk_id in table:
                size = table[chunk_id]
        first = False
        if size > (end if end is not None else file_end) - pos:
            raise ValueError(f"chunk {chunk_id!r} runs past the end of the file")
        layout.append((chunk_id, pos, size))
        if chunk_id == b"fmt ":
            if fmt is not None:
                raise ValueError("two fmt chunks")
            fmt = _parse_fmt(_read_exact(f, size, "fmt"))
        elif chunk_id == b"data":
            if data is not None:
                raise ValueError("two data chunks")
            data = (pos, size)
        elif chunk_id == b"LIST":
            payload = _read_exact(f, size, "LIST")
            if payload[:4] == b"INFO":
                for key, value in _parse_info(payload[4:]).items():
                    info.setdefault(key, value)
        elif chunk_id not in (b"ds64", b"JUNK") and chunk_id not in chunks:
            chunks[chunk_id] = _read_exact(f, size, repr(chunk_id))
        pos += size + size % 2

    if fmt is None:
        raise ValueError("no fmt chunk")
    if data is None:
        raise ValueError("no data chunk")
    tag, channels, rate, width = fmt
    data_offset, data_size = data
    if data_size % (channels * width):
        raise ValueError("data size is not a whole number of frames")
    return WavInfo(
        sample_rate=rate,
        channels=channels,
        sample_width=width,
        frames=data_size // (channels * width),
        data_offset=data_offset,
        data_size=data_size,
        format_tag=tag,
        info=info,
        chunks=chunks,
        layout=tuple(layout),
    )


def fmt_payload(sample_rate: int, channels: int, sample_width: int) -> bytes:
    """The fmt chunk's payload `write_wav` writes for this shape (to compare a file with)."""
    return _fmt_payload(sample_rate, channels, sample_width)


def info_payload(info: Mapping[str, str]) -> bytes:
    """The LIST chunk's payload (list type INFO and its entries) `write_wav` writes for `info`."""
    return _info_payload(info)


def iter_wav_data(f: BinaryIO, info: WavInfo, block_size: int = 1 << 20) -> Iterator[bytes]:
    """Yield the bytes of the data chunk in blocks of at most `block_size`; ValueError if short."""
    if block_size < 1:
        raise ValueError("block size must be positive")
    f.seek(info.data_offset)
    remaining = info.data_size
    while remaining:
        block = f.read(min(block_size, remaining))
        if not block:
            raise ValueError("file ends inside the data chunk")
        remaining -= len(block)
        yield block
