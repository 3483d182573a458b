"""Playing a sealed recording back, decrypted in memory only, for the player (slider, markers).

Opening authenticates the whole container as `verify` does (every chunk, the manifest and its
seal; trusting the signer is the caller's business) and keeps only an index of the audio chunks.
The audio is decrypted again, chunk by chunk, as it is played: a two-hour recording costs a few
seconds of audio in memory, and no plaintext ever reaches the disk.

Threads (after python-sounddevice's examples, as in `capture`):
- Callers (GUI, command line) only set what they want and return; they never wait on audio.
- One player thread decrypts a few chunks ahead into a short deque, opens, watches and closes
  the output stream, and notices the end, a lost device or a failing callback.
- PortAudio's callback only copies prepared bytes, writes silence when none are ready, and sets
  counters and flags.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from cryptography.exceptions import InvalidTag

from audio.container import layout as c
from audio.container.manifest import Event, Manifest
from audio.container.verify import Scan, _scan_chunks
from audio.errors import FormatError, IntegrityError
from audio.sound.capture import DTYPES
from audio.sound.devices import DeviceError, _sd, close_stream
from audio.vault.stanzas import Identity

AHEAD = 3  # chunks (at most a second each) decrypted ahead of the callback
BLOCK_SECONDS = 0.02  # callback period: how often the position moves and pause takes effect
LEAD_IN_BLOCKS = 3  # silence first: a new stream loses or ramps its first few milliseconds
TAIL_SECONDS = 0.25  # after the device's latency, before the last block has surely been heard
POLL_SECONDS = 0.02
WATCHDOG_SECONDS = 1.0
FIRST_CALLBACK_GRACE = 3.0  # an idle audio server may take a while to start calling back
PAUSE_RELEASE_SECONDS = 10.0  # paused this long: give the device back
STOP_TIMEOUT = 2.0

STATES = ("stopped", "playing", "paused", "finished")


@dataclass(frozen=True)
class OutputDevice:
    index: int
    name: str
    max_channels: int
    default_rate: float
    is_default: bool


def list_output_devices() -> list[OutputDevice]:
    sd = _sd()
    try:
        devices = sd.query_devices()
        default_output = sd.default.device[1]
    except Exception as exc:  # PortAudio errors are plain Exceptions of sounddevice
        raise DeviceError("error.device_query", reason=str(exc)) from exc
    return [
        OutputDevice(
            index=index,
            name=str(info["name"]),
            max_channels=int(info["max_output_channels"]),
            default_rate=float(info["default_samplerate"]),
            is_default=index == default_output,
        )
        for index, info in enumerate(devices)
        if info["max_output_channels"] > 0
    ]


def find_output_device(spec: int | str | None) -> OutputDevice:
    """The output named (exactly, else by a unique part of its name), numbered, or the default."""
    devices = list_output_devices()
    if not devices:
        raise DeviceError("error.unknown_device", device=spec or "-")
    if spec is None or spec == "":
        return next((d for d in devices if d.is_default), devices[0])
    if isinstance(spec, int) or spec.isdigit():
        for device in devices:
            if device.index == int(spec):
                return device
        raise DeviceError("error.unknown_device", device=spec)
    wanted = spec.casefold()
    exact = [d for d in devices if d.name.casefold() == wanted]
    partial = [d for d in devices if wanted in d.name.casefold()]
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    raise DeviceError("error.ambiguous_device" if partial else "error.unknown_device", device=spec)


@dataclass(frozen=True)
class _Span:
    """Where one audio chunk's ciphertext lies, and which frames it holds."""

    index: int
    offset: int
    length: int
    first_frame: int
    frames: int


class _IndexingStream(c.ChunkStream):
    """A ChunkStream that notes where each audio chunk lies, so it can be read again later."""

    def __init__(self, handle: IO[bytes], header: c.Header, file_key: bytes) -> None:
        super().__init__(handle, header, file_key)
        self.audio: list[tuple[int, int, int, int]] = []  # index, offset, length, body bytes

    def __iter__(self) -> Iterator[c.Chunk]:
        for chunk in super().__iter__():
            if chunk.kind == c.AUDIO:
                length = c.PLAIN_PREFIX.size + len(chunk.body) + c.TAG_SIZE
                self.audio.append((chunk.index, chunk.end - length, length, len(chunk.body)))
            yield chunk


def _authenticated_index(
    path: Path, identities: Sequence[Identity]
) -> tuple[_IndexingStream, Scan]:
    """Read the container once, authenticating everything, as `verify.scan` does."""
    with open(path, "rb") as handle:
        header = c.read_header(handle)
        file_key = c.unlock(header, identities)
        stream = _IndexingStream(handle, header, file_key)
        state = Scan(header)
        try:
            _scan_chunks(stream, state, None)
        finally:
            state.hasher.finish()
    return stream, state


class Player:
    """One sealed recording, played on one output device.

    `state` is stopped, playing, paused or finished; `position` is in frames. Every method returns
    at once: the player thread does the work, and `last_error` says when the device failed.
    Opening a long recording reads all of it (seconds for hours): do that off the GUI thread.
    """

    def __init__(
        self, path: Path, identities: Sequence[Identity], device: int | str | None = None
    ) -> None:
        self.path = Path(path)
        self.device = device
        stream, scan = _authenticated_index(self.path, identities)
        assert scan.start is not None and scan.manifest is not None
        self._start, self._manifest = scan.start, scan.manifest
        if self.sample_format not in DTYPES:
            raise FormatError("error.not_playable")
        self._aead = stream.aead
        self._frame_size = scan.frame_size
        self._spans: list[_Span] = []
        first = 0
        for index, offset, length, size in stream.audio:
            frames = size // self._frame_size
            self._spans.append(_Span(index, offset, length, first, frames))
            first += frames
        self._firsts = [span.first_frame for span in self._spans]
        self._blocksize = max(1, round(self.sample_rate * BLOCK_SECONDS))
        self._silence = bytes(self._blocksize * self._frame_size)

        self._lock = threading.Lock()  # between callers and the player thread; never the callback
        self._state = "stopped"
        self._broken: str | None = None  # the file failed to read or authenticate later on
        self._closing = False
        self._wake = threading.Event()
        self.last_error: str | None = None
        # NB: shared with the callback without a lock. Each is one attribute store (atomic in
        # CPython): `_target` and `_running` are written under `_lock`, `_heard`, `_ended` and the
        # counters by the callback alone. The generation in `_target` and in every block lets
        # the callback tell what was meant before a seek from what is meant after it.
        self._target = (0, 0)
        self._heard = (-1, 0)
        self._running = False
        self._ended = -1  # the generation whose end the callback has reached
        self._blocks: deque[tuple[int, int, memoryview | None]] = deque()
        self._callbacks = 0
        self._underruns = 0
        self._last_callback = 0.0
        self._callback_failed = False
        self._lead_in = 0
        # The callback's own: the block it is copying from.
        self._cb_generation = -1
        self._cb_first = 0
        self._cb_data: memoryview | None = None
        self._cb_offset = 0
        # The player thread's own.
        self._stream: Any = None
        self._stream_done = threading.Event()
        self._fed_generation = -1
        self._next_span = 0
        self._skip_to = 0
        self._fed_end = False
        self._tail: tuple[int, float] | None = None
        self._paused_since: float | None = None
        self._thread = threading.Thread(target=self._run, name="gespreksopname-player", daemon=True)
        self._thread.start()

    # -- what the recording is ------------------------------------------------------------------
    @property
    def frames(self) -> int:
        return int(self._manifest.frames)

    @property
    def sample_rate(self) -> int:
        return int(self._start["sample_rate"])

    @property
    def channels(self) -> int:
        return int(self._start["channels"])

    @property
    def sample_format(self) -> str:
        return str(self._start["sample_format"])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    @property
    def events(self) -> tuple[Event, ...]:
        """Markers, pauses and warnings from the signed manifest, each with its `frame`."""
        return self._manifest.events

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    # -- where playback is ----------------------------------------------------------------------
    @property
    def position(self) -> int:
        """The frame handed to the device last (it is heard about one device latency later)."""
        generation, frame = self._target
        heard_generation, heard = self._heard
        return heard if heard_generation == generation else frame

    @property
    def state(self) -> str:
        return self._state

    @property
    def underruns(self) -> int:
        """Blocks the device got (partly) silence for, or reported an underflow in."""
        return self._underruns

    # -- control (any thread; nothing here waits on audio) ------------------------------------
    def play(self) -> None:
        with self._lock:
            if self._closing or self._state == "playing":
                return
            if self._broken is not None:
                self.last_error = self._broken
                return
            if self._state == "finished" or self.position >= self.frames:
                self._target = (self._target[0] + 1, 0)
            self.last_error = None
            self._state = "playing"
            self._running = True
        self._wake.set()

    def pause(self) -> None:
        with self._lock:
            if self._state == "playing":
                self._state = "paused"
                self._running = False
        self._wake.set()

    def seek(self, frame: int) -> None:
        """Continue from `frame` (clamped to the recording), playing or not."""
        frame = max(0, min(int(frame), self.frames))
        with self._lock:
            self._target = (self._target[0] + 1, frame)
            if self._state == "finished":
                self._state = "paused"
        self._wake.set()

    def stop(self) -> None:
        """Stop, give the device back and rewind (as QMediaPlayer.stop does)."""
        with self._lock:
            self._state = "stopped"
            self._running = False
            self._target = (self._target[0] + 1, 0)
        self._wake.set()

    def close(self) -> None:
        """Stop and end the player thread; waits at most a few seconds, even on a hung device."""
        self.stop()
        self._closing = True
        self._wake.set()
        self._thread.join(2 * STOP_TIMEOUT)

    def __enter__(self) -> Player:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the PortAudio callback ---------------------------------------------------------------
    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        # NB: runs on PortAudio's thread. Copy prepared bytes, write silence, set flags; nothing
        # else (no file, no decryption, no lock, no logging).
        try:
            self._callbacks += 1
            self._last_callback = time.monotonic()
            if status.output_underflow:
                self._underruns += 1
            size = len(outdata)
            if not self._running or self._lead_in > 0:
                self._lead_in = max(0, self._lead_in - 1)
                outdata[:] = self._silence if size == len(self._silence) else bytes(size)
                return
            generation = self._target[0]
            if self._cb_generation != generation:
                self._cb_generation, self._cb_data = generation, None
            filled = 0
            while filled < size:
                data = self._cb_data
                if data is None or self._cb_offset >= len(data):
                    try:
                        block = self._blocks.popleft()
                    except IndexError:
                        break
                    block_generation, first, data = block
                    if block_generation < generation:
                        continue  # from before a seek
                    if block_generation > generation:
                        self._blocks.appendleft(block)  # from a seek after this call began
                        break
                    if data is None:
                        self._ended = generation
                        self._cb_data = None
                        break
                    self._cb_data, self._cb_first, self._cb_offset = data, first, 0
                take = min(size - filled, len(data) - self._cb_offset)
                outdata[filled : filled + take] = data[self._cb_offset : self._cb_offset + take]
                self._cb_offset += take
                filled += take
                self._heard = (generation, self._cb_first + self._cb_offset // self._frame_size)
            if filled < size:
                outdata[filled:] = bytes(size - filled)
                if self._ended != generation:
                    self._underruns += 1
        except Exception:  # sounddevice would swallow it and stop calling us
            self._callback_failed = True

    # -- the player thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                while not self._closing:
                    self._wake.wait(POLL_SECONDS)
                    self._wake.clear()
                    if self._broken is None:
                        try:
                            self._feed(handle)
                        except IntegrityError:
                            self._break("integrity")
                        except OSError:
                            self._break("read_failed")
                    self._drive()
        except OSError:
            self._break("read_failed")
        except Exception:  # a bug here must not leave a player that says "playing" forever
            self._break("playback_failed")
        finally:
            self._release_stream()

    def _feed(self, handle: IO[bytes]) -> None:
        """Keep AHEAD chunks decrypted from the wanted position on; start over after a seek."""
        generation, frame = self._target
        if generation != self._fed_generation:
            self._blocks.clear()
            self._fed_generation, self._skip_to, self._fed_end = generation, frame, False
            self._next_span = max(0, bisect.bisect_right(self._firsts, frame) - 1)
        while not self._fed_end and len(self._blocks) < AHEAD:
            if self._target[0] != generation:
                return  # a newer seek: the next round starts over
            if self._next_span >= len(self._spans):
                self._blocks.append((generation, self.frames, None))
                self._fed_end = True
                return
            span = self._spans[self._next_span]
            self._next_span += 1
            skip = max(0, self._skip_to - span.first_frame)
            if skip >= span.frames:
                continue
            body = self._decrypt(handle, span)
            self._blocks.append(
                (generation, span.first_frame + skip, body[skip * self._frame_size :])
            )

    def _decrypt(self, handle: IO[bytes], span: _Span) -> memoryview:
        """The audio of one chunk, authenticated again: the file may have changed since."""
        handle.seek(span.offset)
        ciphertext = handle.read(span.length)
        try:
            plain = self._aead.decrypt(c.chunk_nonce(span.index, c.FLAG_MORE), ciphertext, None)
        except InvalidTag:
            raise IntegrityError("chunk", span.index) from None
        body = memoryview(plain)[c.PLAIN_PREFIX.size :]
        if plain[0] != c.AUDIO or len(body) != span.frames * self._frame_size:
            raise IntegrityError("chunk", span.index)
        return body

    def _drive(self) -> None:
        """Open, watch and close the output stream to match the wanted state."""
        state, now = self._state, time.monotonic()
        if state == "playing" and self._stream is None and self._broken is None:
            self._open_stream()
        elif state in ("stopped", "finished") or self._closing:
            self._release_stream()
        if state == "paused":
            self._paused_since = self._paused_since or now
            if now - self._paused_since > PAUSE_RELEASE_SECONDS:
                self._release_stream()
        else:
            self._paused_since = None
        if self._stream is not None:
            self._watch(now)

    def _open_stream(self) -> None:
        sd = _sd()
        done = threading.Event()
        try:
            device = find_output_device(self.device)
            stream = sd.RawOutputStream(
                device=device.index,
                samplerate=self.sample_rate,
                channels=self.channels,
                dtype=DTYPES[self.sample_format],
                blocksize=self._blocksize,
                callback=self._callback,
                finished_callback=done.set,
            )
        except DeviceError as exc:
            self._fail(exc.key.removeprefix("error."))
            return
        except Exception:  # PortAudio errors are plain Exceptions of sounddevice
            self._fail("device_open_failed")
            return
        self._stream, self._stream_done = stream, done
        self._lead_in = LEAD_IN_BLOCKS
        self._callbacks = 0
        self._callback_failed = False
        self._last_callback = time.monotonic()
        self._tail = None
        try:
            stream.start()
        except Exception:
            self._fail("device_open_failed")

    def _watch(self, now: float) -> None:
        """End of the recording, a failing callback, a stream that ended or went quiet."""
        limit = WATCHDOG_SECONDS if self._callbacks else FIRST_CALLBACK_GRACE
        if self._callback_failed:
            self._fail("callback_failed")
        elif self._stream_done.is_set() or now - self._last_callback > limit:
            self._fail("device_lost")
        elif self._state == "playing" and self._ended == self._target[0]:
            generation = self._ended
            if self._tail is None or self._tail[0] != generation:
                self._tail = (generation, now)
            elif now - self._tail[1] >= self._latency() + TAIL_SECONDS:
                with self._lock:
                    if self._state == "playing" and self._target[0] == generation:
                        self._state = "finished"
                        self._running = False
                self._release_stream()

    def _latency(self) -> float:
        try:
            return float(self._stream.latency)
        except Exception:  # a stream that failed meanwhile: assume a generous latency
            return 0.5

    def _fail(self, code: str) -> None:
        """The device failed: keep the position, stop playing, say why."""
        with self._lock:
            self.last_error = code
            if self._state == "playing":
                self._state = "paused"
            self._running = False
        self._release_stream()

    def _break(self, code: str) -> None:
        """The file failed: never play from it again."""
        self._broken = code
        self._blocks.clear()
        self._fail(code)

    def _release_stream(self) -> None:
        """Close the stream on a helper thread: a hung audio server must not hang us."""
        stream, self._stream = self._stream, None
        if stream is not None and not close_stream(
            stream, STOP_TIMEOUT, "gespreksopname-player-close"
        ):
            self.last_error = self.last_error or "audio_system_hung"
