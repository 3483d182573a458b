"""The WAV export against real readers: libsndfile (soundfile), ffprobe and our own reader."""

from __future__ import annotations

import io
import json
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from audio.copies import wavfile
from audio.copies.wavfile import WavInfo, iter_wav_data, read_wav, write_wav

RATE = 48000
INFO = {
    "ICMT": "Kopie voor de burger – gesprek van 3 maart",
    "ICOP": "© Gemeente Voorbeeld",
    "INAM": "Gesprek",
    "ISFT": "Gespreksopname",
    "ICRD": "2024-03-03",
}
GSOP = json.dumps({"recording_id": "d2c1f", "sha256": "ab" * 32}).encode()
assert len(GSOP) % 2 == 1  # the extra chunk needs a pad byte
FORMATS = [(2, 1), (3, 2), (3, 1)]  # (sample width, channels); 24-bit mono has odd data sizes


def samples(frames: int, channels: int, width: int, seed: int = 0) -> np.ndarray:
    """Random full-scale integer samples, shape (frames, channels), including both extremes."""
    bits = 8 * width
    rng = np.random.default_rng(seed)
    data = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), size=(frames, channels))
    if frames:
        data[0, 0] = -(1 << (bits - 1))
        data[-1, -1] = (1 << (bits - 1)) - 1
    return data.astype(np.int32)


def to_pcm(data: np.ndarray, width: int) -> bytes:
    """Little-endian packed PCM, independent of the module under test."""
    as_bytes = data.astype("<i4").reshape(-1).view(np.uint8).reshape(-1, 4)
    return as_bytes[:, :width].tobytes()


def blocks_of(raw: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(raw), size):
        yield raw[start : start + size]


def write_file(path: Path, raw: bytes, frames: int, channels: int, width: int, **kw: Any) -> int:
    with path.open("wb") as out:
        return write_wav(
            out,
            sample_rate=RATE,
            channels=channels,
            sample_width=width,
            frames=frames,
            blocks=blocks_of(raw, 1001),  # odd blocks: frames straddle block edges
            **kw,
        )


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


@pytest.fixture(params=[False, True], ids=["riff", "rf64"])
def rf64(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param:
        monkeypatch.setattr(wavfile, "RF64_THRESHOLD", 64)
    return bool(request.param)


@pytest.mark.parametrize(("width", "channels"), FORMATS)
def test_real_readers_see_exactly_what_was_written(
    tmp_path: Path, rf64: bool, width: int, channels: int
) -> None:
    frames = 4801
    data = samples(frames, channels, width)
    raw = to_pcm(data, width)
    path = tmp_path / "copy.wav"
    written = write_file(
        path, raw, frames, channels, width, info=INFO, extra_chunks=[(b"gsop", GSOP)]
    )
    assert written == path.stat().st_size
    assert path.read_bytes()[:4] == (b"RF64" if rf64 else b"RIFF")

    # libsndfile: the samples, bit for bit (int32 output is left-aligned).
    decoded, rate = soundfile.read(path, dtype="int32", always_2d=True)
    assert rate == RATE
    assert np.array_equal(decoded, data << (32 - 8 * width))
    major = "RF64" if rf64 else "WAV" if width == 2 else "WAVEX"  # WAVEX: the extensible fmt
    assert soundfile.info(str(path)).format == major

    # ffprobe: codec, rate, channels, duration and the INFO tags.
    probe = ffprobe(path)
    (stream,) = probe["streams"]
    assert stream["codec_name"] == ("pcm_s16le" if width == 2 else "pcm_s24le")
    assert int(stream["sample_rate"]) == RATE
    assert stream["channels"] == channels
    assert float(stream["duration"]) == pytest.approx(frames / RATE, abs=1e-6)
    if width == 3:  # the channel mask of the extensible header
        assert stream["channel_layout"] == ("mono" if channels == 1 else "stereo")
    assert probe["format"]["format_name"] == "wav"
    assert probe["format"]["tags"]["comment"] == INFO["ICMT"]
    assert probe["format"]["tags"]["copyright"] == INFO["ICOP"]

    # Our own reader.
    with path.open("rb") as handle:
        info = read_wav(handle)
        assert info == WavInfo(
            sample_rate=RATE,
            channels=channels,
            sample_width=width,
            frames=frames,
            data_offset=info.data_offset,
            data_size=len(raw),
            format_tag=1 if width == 2 else 0xFFFE,
            info=INFO,
            chunks={b"gsop": GSOP},
        )
        assert path.read_bytes()[info.data_offset : info.data_offset + len(raw)] == raw
        assert b"".join(iter_wav_data(handle, info, block_size=4096)) == raw
        assert all(len(block) <= 7 for block in iter_wav_data(handle, info, block_size=7))


def test_layout_of_riff_and_rf64(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sizes in the header as the specs say, computed before any audio was written."""
    raw = to_pcm(samples(3, 1, 3), 3)  # 9 bytes: odd, so the data chunk is padded
    out = io.BytesIO()
    size = write_wav(
        out,
        sample_rate=RATE,
        channels=1,
        sample_width=3,
        frames=3,
        blocks=[raw],
        extra_chunks=[(b"gsop", b"x")],
    )
    riff = out.getvalue()
    assert size == len(riff)
    assert riff[:12] == b"RIFF" + struct.pack("<I", len(riff) - 8) + b"WAVE"
    fmt = riff[12:60]
    assert fmt[:8] == b"fmt " + struct.pack("<I", 40)
    tag, channels, rate, byte_rate, align, bits, cb, valid, mask = struct.unpack_from(
        "<HHIIHHHHI", fmt, 8
    )
    assert (tag, channels, rate, byte_rate, align, bits) == (0xFFFE, 1, RATE, RATE * 3, 3, 24)
    assert (cb, valid, mask) == (22, 24, 0x4)
    assert fmt[32:] == bytes.fromhex("0100000000001000800000aa00389b71")
    assert riff[60:68] == b"data" + struct.pack("<I", 9)
    assert riff[68:] == raw + b"\0" + b"gsop" + struct.pack("<I", 1) + b"x\0"

    monkeypatch.setattr(wavfile, "RF64_THRESHOLD", len(riff) - 9)
    out = io.BytesIO()
    write_wav(
        out,
        sample_rate=RATE,
        channels=1,
        sample_width=3,
        frames=3,
        blocks=[raw],
        extra_chunks=[(b"gsop", b"x")],
    )
    rf64 = out.getvalue()
    assert len(rf64) == len(riff) + 36
    assert rf64[:12] == b"RF64\xff\xff\xff\xffWAVE"
    assert rf64[12:20] == b"ds64" + struct.pack("<I", 28)
    assert struct.unpack_from("<QQQI", rf64, 20) == (len(rf64) - 8, 9, 3, 0)
    assert rf64[48:96] == fmt
    assert rf64[96:104] == b"data\xff\xff\xff\xff"
    assert rf64[104:] == riff[68:]


def test_stereo_mask_and_16_bit_plain_pcm() -> None:
    out = io.BytesIO()
    write_wav(out, sample_rate=8000, channels=2, sample_width=3, frames=0, blocks=[])
    assert struct.unpack_from("<I", out.getvalue(), 12 + 8 + 20)[0] == 0x3
    out = io.BytesIO()
    write_wav(out, sample_rate=8000, channels=2, sample_width=2, frames=0, blocks=[])
    assert out.getvalue()[12:36] == b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 8000, 32000, 4, 16)


class Pipe(io.RawIOBase):
    """A non-seekable sink that takes at most five bytes per write, like a busy pipe."""

    def __init__(self) -> None:
        self.received = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(memoryview(data)[:5])
        self.received += chunk
        return len(chunk)


def test_writes_front_to_back_to_a_pipe() -> None:
    data = samples(100, 2, 2)
    raw = to_pcm(data, 2)
    pipe = Pipe()
    assert not pipe.seekable()
    # A 2-D int16 view and an empty block are accepted too.
    blocks: list[bytes | bytearray | memoryview] = [
        memoryview(raw).cast("h", [100, 2]),
        bytearray(),
    ]
    size = write_wav(
        pipe,  # type: ignore[arg-type]
        sample_rate=RATE,
        channels=2,
        sample_width=2,
        frames=100,
        blocks=blocks,
        info={"ICMT": "via pipe"},
        extra_chunks=[(b"gsop", GSOP)],
    )
    assert size == len(pipe.received)
    info = read_wav(io.BytesIO(bytes(pipe.received)))
    assert (info.frames, info.info, info.chunks) == (100, {"ICMT": "via pipe"}, {b"gsop": GSOP})
    assert b"".join(iter_wav_data(io.BytesIO(bytes(pipe.received)), info)) == raw


def test_zero_frames(tmp_path: Path, rf64: bool) -> None:
    path = tmp_path / "empty.wav"
    write_file(path, b"", 0, 2, 3, info={"ICMT": "leeg"}, extra_chunks=[(b"gsop", GSOP)])
    decoded, rate = soundfile.read(path, dtype="int32")
    assert (decoded.size, rate) == (0, RATE)
    probe = ffprobe(path)
    assert probe["streams"][0]["channels"] == 2
    assert probe["format"]["tags"]["comment"] == "leeg"
    with path.open("rb") as handle:
        info = read_wav(handle)
        assert (info.frames, info.data_size, info.chunks) == (0, 0, {b"gsop": GSOP})
        assert list(iter_wav_data(handle, info)) == []


@pytest.mark.parametrize("delta", [-1, 1, -4096])
def test_length_mismatch_raises(delta: int) -> None:
    raw = to_pcm(samples(1000, 2, 3), 3)
    with pytest.raises(ValueError, match="bytes"):
        write_wav(
            io.BytesIO(),
            sample_rate=RATE,
            channels=2,
            sample_width=3,
            frames=1000,
            blocks=blocks_of(raw + bytes(delta) if delta > 0 else raw[:delta], 512),
        )


def test_excess_is_caught_while_streaming() -> None:
    """An endless source stops at the first block beyond the declared length."""

    def endless() -> Iterator[bytes]:
        while True:
            yield bytes(600)

    out = io.BytesIO()
    with pytest.raises(ValueError, match="more than"):
        write_wav(out, sample_rate=RATE, channels=1, sample_width=2, frames=1000, blocks=endless())
    assert len(out.getvalue()) <= 44 + 2000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sample_width": 4},
        {"sample_width": 1},
        {"channels": 0},
        {"sample_rate": 0},
        {"frames": -1},
        {"info": {"ICMTX": "x"}},
        {"info": {"ICM\u00e9": "x"}},
        {"info": {"ICMT": "a\0b"}},
        {"extra_chunks": [(b"data", b"")]},
        {"extra_chunks": [(b"LIST", b"")]},
        {"extra_chunks": [(b"abc", b"")]},
    ],
)
def test_bad_arguments(kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {"sample_rate": RATE, "channels": 1, "sample_width": 2, "frames": 0}
    args.update(kwargs)
    with pytest.raises(ValueError):
        write_wav(io.BytesIO(), blocks=[], **args)


def chunk(chunk_id: bytes, payload: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) % 2)


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


FMT16 = chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))


def test_reader_handles_foreign_layouts() -> None:
    """Chunks before fmt, odd sizes, repeats, JUNK, a non-INFO LIST and data in the middle."""
    audio = bytes(range(10))
    data = riff(
        chunk(b"JUNK", bytes(27)),
        chunk(b"bext", b"first"),
        FMT16,
        chunk(b"LIST", b"adtl" + chunk(b"labl", b"xyz")),
        chunk(b"data", audio),
        chunk(b"bext", b"second"),
        chunk(b"LIST", b"INFO" + chunk(b"ICMT", b"caf\xe9\0") + chunk(b"INAM", b"n\xc3\xa9")),
        chunk(b"odd!", b"abc"),
    )
    handle = io.BytesIO(b"prefix" + data)
    handle.seek(6)
    info = read_wav(handle)
    assert info.data_offset == 6 + data.index(audio)
    assert (info.frames, info.sample_width, info.format_tag) == (5, 2, 1)
    assert info.info == {"ICMT": "café", "INAM": "né"}  # latin-1 fallback, then UTF-8
    assert info.chunks == {b"bext": b"first", b"odd!": b"abc"}
    assert b"".join(iter_wav_data(handle, info, 3)) == audio


def test_one_mib_chunk_limit() -> None:
    limit = wavfile.MAX_CHUNK_IN_MEMORY
    assert read_wav(io.BytesIO(riff(FMT16, chunk(b"big ", bytes(limit)), chunk(b"data", b""))))
    with pytest.raises(ValueError, match="too big"):
        read_wav(io.BytesIO(riff(FMT16, chunk(b"big ", bytes(limit + 1)), chunk(b"data", b""))))
    # Skipped chunks may be any size: JUNK and a repeat are never loaded.
    ok = riff(FMT16, chunk(b"JUNK", bytes(limit + 1)), chunk(b"data", b""))
    assert read_wav(io.BytesIO(ok)).chunks == {}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "too short"),
        (b"RIFX\x04\0\0\0WAVE", "not a RIFF"),
        (riff(FMT16), "no data"),
        (riff(chunk(b"data", b"")), "no fmt"),
        (riff(FMT16, chunk(b"data", b"abc")), "whole number"),
        (riff(FMT16, FMT16, chunk(b"data", b"")), "two fmt"),
        (riff(chunk(b"fmt ", bytes(10)), chunk(b"data", b"")), "too short"),
        (riff(chunk(b"fmt ", struct.pack("<HHIIHH", 3, 1, 8000, 32000, 4, 32))), "format tag"),
        (riff(FMT16, chunk(b"data", b"")) + b"extra", None),  # trailing bytes outside RIFF
        (riff(FMT16, chunk(b"data", bytes(4)))[:-1], "shorter than its RIFF"),
        (riff(FMT16, chunk(b"LIST", b"INFO" + b"ICMT\xff\0\0\0x"), chunk(b"data", b"")), "INFO"),
        (b"RF64\xff\xff\xff\xffWAVE" + FMT16 + chunk(b"data", b""), "ds64"),
    ],
)
def test_malformed_input_gives_a_reason(data: bytes, reason: str | None) -> None:
    if reason is None:
        assert read_wav(io.BytesIO(data)).frames == 0
        return
    with pytest.raises(ValueError, match=reason):
        read_wav(io.BytesIO(data))


def test_file_that_shrinks_after_reading_the_header(tmp_path: Path) -> None:
    path = tmp_path / "copy.wav"
    raw = to_pcm(samples(500, 2, 2), 2)
    write_file(path, raw, 500, 2, 2)
    with path.open("rb") as handle:
        info = read_wav(handle)
    with path.open("r+b") as handle:
        handle.truncate(info.data_offset + 100)
    with path.open("rb") as handle, pytest.raises(ValueError, match="ends inside the data"):
        b"".join(iter_wav_data(handle, info, 64))
    with path.open("rb") as handle, pytest.raises(ValueError, match="shorter"):
        read_wav(handle)


def _valid_files() -> list[bytes]:
    files = []
    for threshold in (wavfile.RF64_THRESHOLD, 0):
        with mock.patch.object(wavfile, "RF64_THRESHOLD", threshold):
            out = io.BytesIO()
            write_wav(
                out,
                sample_rate=RATE,
                channels=2,
                sample_width=3,
                frames=7,
                blocks=[to_pcm(samples(7, 2, 3), 3)],
                info={"ICMT": "x", "INAM": "yz"},
                extra_chunks=[(b"gsop", GSOP[:9]), (b"abcd", b"")],
            )
            files.append(out.getvalue())
    return files


VALID = _valid_files()


def read_all(data: bytes) -> None:
    """What a caller does: parse, then stream the audio. Only ValueError may escape."""
    handle = io.BytesIO(data)
    try:
        info = read_wav(handle)
        total = sum(len(block) for block in iter_wav_data(handle, info, 5))
    except ValueError:
        return
    assert total == info.data_size == info.frames * info.channels * info.sample_width
    assert info.data_offset + info.data_size <= len(data)


@settings(deadline=None, max_examples=200)
@given(which=st.sampled_from(VALID), cut=st.integers(min_value=0, max_value=200))
def test_truncation_raises_only_value_error(which: bytes, cut: int) -> None:
    read_all(which[: min(cut, len(which))])


@settings(deadline=None, max_examples=200)
@given(
    which=st.sampled_from(VALID),
    flips=st.lists(
        st.tuples(st.integers(min_value=0, max_value=199), st.integers(1, 255)),
        min_size=1,
        max_size=4,
    ),
)
def test_flipped_bytes_raise_only_value_error(which: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(which)
    for index, mask in flips:
        data[index % len(data)] ^= mask
    read_all(bytes(data))


@settings(deadline=None, max_examples=200)
@given(tail=st.binary(max_size=200))
def test_arbitrary_chunks_raise_only_value_error(tail: bytes) -> None:
    read_all(b"RIFF" + struct.pack("<I", len(tail) + 4) + b"WAVE" + tail)
    read_all(b"RF64\xff\xff\xff\xffWAVE" + tail)


@pytest.mark.parametrize(("frames", "magic"), [(1431655744, b"RIFF"), (1431655746, b"RF64")])
def test_default_threshold_at_four_gib(frames: int, magic: bytes) -> None:
    """Only the header is written (no audio follows), so the 4 GiB edge is cheap to reach."""
    out = io.BytesIO()
    with pytest.raises(ValueError, match="delivered 0 of"):
        write_wav(out, sample_rate=RATE, channels=1, sample_width=3, frames=frames, blocks=[])
    head = out.getvalue()
    data_size = 3 * frames
    assert head[:4] == magic
    if magic == b"RIFF":  # 60 header bytes before the audio, no pad: exactly 4 bytes under
        assert struct.unpack_from("<I", head, 4)[0] == 60 + data_size == 0xFFFFFFFF - 3
        assert head[-8:] == b"data" + struct.pack("<I", data_size)
    else:  # as RIFF it would have been 0xFFFFFFFF + 3; ds64 adds 36 bytes
        riff_size, size, count, table = struct.unpack_from("<QQQI", head, 20)
        assert (riff_size, size, count, table) == (96 + data_size, data_size, frames, 0)
        assert head[-8:] == b"data\xff\xff\xff\xff"
        with pytest.raises(ValueError, match="shorter than its RIFF"):
            read_wav(io.BytesIO(head))
