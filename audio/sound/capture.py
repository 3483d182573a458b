"""Recording from a real microphone straight into the sealed container, behind the policy gate.

Threads (after python-sounddevice's own examples):
- PortAudio's callback only copies the block and appends it, with its status flags, to a
  deque (`deque.append` is atomic: no lock, no wake-up of another thread).
- One writer thread wakes a few times a second (see WAKE_*), drains the deque into
  the container, measures the level, and watches the input's health: overflows, no callbacks (a
  device gone, a hung audio server), long digital silence, free disk. Commands (pause, resume,
  marker, stop) travel through the same deque, in order with the audio, so the container is only
  ever touched by this one thread and a marker lands on the exact frame.
- Callers (command line, GUI) read `status()` and drain `events()`; they never wait on audio.

Waking rarely matters: on a laptop (and on a virtual machine even more) every wake-up of a
thread costs far more than the work it does on 0.1 s of audio. See benchmarks/bench_capture.py.
"""

from __future__ import annotations

import contextlib
import math
import queue
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from audio.container.manifest import Manifest
from audio.container.writer import ContainerWriter
from audio.errors import GespreksError, WriteError
from audio.sound.awake import KeepAwake
from audio.sound.devices import DeviceError, InputDevice, _sd, choose_rate, close_stream

DTYPES = {"s16le": "int16", "s24le": "int24"}
# Ten callbacks a second from PortAudio. Each costs more (waking PortAudio's thread, taking
# the GIL, sounddevice's wrapper) than copying its audio; 0.2 s blocks save about a quarter of
# a recording's CPU but bring the first block (the meter moving) to ~0.2-0.3 s after start.
BLOCK_SECONDS = 0.1
# How often the writer thread wakes by itself: with every block while somebody watches (a
# live meter), once a second when nobody does (one round then encrypts, writes and fsyncs the
# last second). A command (pause, marker, stop) wakes it at once. The watchdog below sees a
# silent input within 0.6 s (watched) or 1.5 s.
WAKE_WATCHED_SECONDS = BLOCK_SECONDS
WAKE_SECONDS = 1.0
WATCHED_SECONDS = 1.0  # "watched": status() was asked within this time
FIRST_WAKE_SECONDS = 0.02  # until the first block, so that its arrival is known at once
WATCHDOG_SECONDS = 0.5  # no callback for this long: the input is gone (five blocks)
DISK_CHECK_SECONDS = 5.0  # free disk; a write error stops the recording at once anyway
SILENCE_SECONDS = 30.0
STOP_TIMEOUT = 2.0
FIRST_BLOCK_GRACE = 3.0  # an idle audio server may take up to ~2 s to deliver the first block
MIN_FREE_SECONDS = 15 * 60  # refuse to start with room for less than this
LOW_DISK_SECONDS = 10 * 60  # warn while recording below this; stop and seal at a quarter


class Approval(Protocol):
    """What the policy layer hands over: an allowed decision (see policy.rules.Decision)."""

    @property
    def allowed(self) -> bool: ...

    def document(self) -> dict[str, Any]: ...


class RecordingRefused(GespreksError):
    """The policy did not allow this recording; no microphone was opened."""

    key = "error.recording_refused"


@dataclass(frozen=True)
class CaptureEvent:
    kind: str  # state | warning | marker | sealed
    code: str  # recording, paused, stopped / overflow, device_lost, silence, disk_low, ...
    time: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Status:
    state: str = "idle"  # idle | recording | paused | stopping | stopped
    recording_id: str = ""
    frames: int = 0  # frames in the container (pauses excluded)
    sample_rate: int = 0
    overflows: int = 0
    warnings: tuple[str, ...] = ()
    stop_reason: str = ""  # user | duration | device_lost | disk_full | write_failed
    sample_format: str = "s16le"
    latest_audio: bytes = field(default=b"", repr=False)  # taken in at the latest round

    @property
    def elapsed_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    # The input level is measured when somebody looks, once per status: a recording nobody
    # watches (the command line without a terminal) pays nothing for a meter.
    @cached_property
    def _levels(self) -> tuple[float, float]:
        return levels(self.latest_audio, self.sample_format)

    @property
    def peak_dbfs(self) -> float:
        return self._levels[0]

    @property
    def rms_dbfs(self) -> float:
        return self._levels[1]


def levels(block: bytes, sample_format: str) -> tuple[float, float]:
    """Peak and RMS of a block in dBFS (-inf for digital silence)."""
    import numpy as np  # here, not at the top: a recording nobody watches never needs it

    if sample_format == "s16le":
        samples = np.frombuffer(block, dtype="<i2").astype(np.float32)
        full_scale = 32768.0
    else:
        raw = np.frombuffer(block, dtype=np.uint8).reshape(-1, 3)
        # The top two bytes as a signed 16-bit value are precise enough for a meter.
        samples = raw[:, 1:].copy().view("<i2").reshape(-1).astype(np.float32)
        full_scale = 32768.0
    if samples.size == 0:
        return -math.inf, -math.inf
    peak = float(np.max(np.abs(samples))) / full_scale
    # NB: not np.dot: that goes to BLAS, whose worker threads spin after each call and cost a
    # recording far more CPU than the sum itself.
    rms = math.sqrt(float(np.square(samples).sum(dtype=np.float64)) / samples.size) / full_scale
    return (
        20 * math.log10(peak) if peak > 0 else -math.inf,
        20 * math.log10(rms) if rms > 0 else -math.inf,
    )


_AUDIO, _COMMAND, _STOP = 0, 1, 2


class Recorder:
    """One recording from one input device into one container.

    The gate is here, in the core: without an allowed `approval` the constructor raises
    RecordingRefused before anything touches PortAudio.
    """

    def __init__(
        self,
        approval: Approval,
        device: InputDevice,
        open_writer: Callable[[int, int, str], ContainerWriter],
        *,
        channels: int = 1,
        sample_format: str = "s16le",
        disk_path: Path | None = None,
        watchdog_s: float = WATCHDOG_SECONDS,
        silence_s: float = SILENCE_SECONDS,
        on_event: Callable[[CaptureEvent], None] | None = None,
    ) -> None:
        if approval is None or approval.allowed is not True:
            raise RecordingRefused()
        if sample_format not in DTYPES:
            raise GespreksError("error.sample_format", sample_format=sample_format)
        self.approval = approval
        self.device = device
        self.channels = min(channels, device.max_channels)
        self.sample_format = sample_format
        self._open_writer = open_writer
        self._disk_path = disk_path
        self._watchdog_s = watchdog_s
        self._silence_s = silence_s
        self._on_event = on_event
        # Audio from the callback and commands from callers, in arrival order.
        self._inbox: deque[tuple[int, Any, Any]] = deque()
        self._watched = 0.0  # when status() was last asked (monotonic)
        # The writer's alarm clock: it sleeps by acquiring this held lock with a timeout (one C
        # call, unlike Event.wait); a command releases it to wake the writer at once.
        self._alarm = threading.Lock()
        self._alarm.acquire()
        self._stop_commanded = False
        self._events: queue.Queue[CaptureEvent] = queue.Queue()
        self._status = Status()
        self._stream: Any = None
        self._writer: ContainerWriter | None = None
        self._thread: threading.Thread | None = None
        self._awake = KeepAwake()
        self._manifest: Manifest | None = None
        self._error: BaseException | None = None
        # Written by the PortAudio callback, read by the writer thread (NB: plain attribute
        # stores are atomic in CPython; no lock is taken in the callback).
        self._last_callback = 0.0
        self._callbacks = 0
        self._callback_failed = False
        self._stream_finished = threading.Event()
        self._first_block = threading.Event()
        self._paused = False

    # -- public API (any thread) --------------------------------------------------------------
    def status(self) -> Status:
        self._watched = time.monotonic()
        return self._status

    def events(self) -> list[CaptureEvent]:
        """Events since the last call, oldest first."""
        out = []
        with contextlib.suppress(queue.Empty):
            while True:
                out.append(self._events.get_nowait())
        return out

    @property
    def recording_id(self) -> str:
        return self._writer.recording_id if self._writer else ""

    @property
    def first_block(self) -> threading.Event:
        """Set when the first audio block has arrived."""
        return self._first_block

    def start(self) -> None:
        """Pre-flight, create the container, open the microphone and start recording."""
        sd = _sd()
        dtype = DTYPES[self.sample_format]
        rate = choose_rate(self.device, self.channels, dtype)
        self._preflight_clock()
        self._preflight_disk(rate)
        self._writer = self._open_writer(rate, self.channels, self.sample_format)
        self._status = Status(
            state="recording",
            recording_id=self._writer.recording_id,
            sample_rate=rate,
            sample_format=self.sample_format,
        )
        try:
            self._stream = sd.RawInputStream(
                device=self.device.index,
                samplerate=rate,
                channels=self.channels,
                dtype=dtype,
                blocksize=int(rate * BLOCK_SECONDS),
                callback=self._callback,
                finished_callback=self._stream_finished.set,
            )
            self._last_callback = time.monotonic()
            self._stream.start()
        except Exception as exc:
            self._abandon_stream()
            self._writer.add_event("warning", "device_open_failed")
            self._manifest = self._writer.seal()
            self._status = replace(self._status, state="stopped", stop_reason="device_lost")
            raise DeviceError(
                "error.device_open", device=self.device.name, reason=str(exc)
            ) from exc
        self._awake.__enter__()
        self._thread = threading.Thread(target=self._run, name="gespreksopname-writer", daemon=True)
        self._thread.start()
        self._emit("state", "recording")

    def _send(self, kind: int, name: str, note: str | None = None) -> None:
        self._inbox.append((kind, name, note))
        with contextlib.suppress(RuntimeError):  # already released: the writer wakes anyway
            self._alarm.release()

    def pause(self) -> None:
        self._send(_COMMAND, "pause")

    def resume(self) -> None:
        self._send(_COMMAND, "resume")

    def marker(self, note: str | None = None) -> None:
        self._send(_COMMAND, "marker", note)

    def stop(self, reason: str = "user") -> Manifest:
        """Stop and seal; returns the manifest. Never blocks on a hung audio system."""
        if self._thread is not None and self._thread.is_alive():
            self._send(_STOP, reason)
            self._thread.join()
        if self._manifest is not None:
            return self._manifest
        if isinstance(self._error, GespreksError):
            raise self._error
        raise WriteError("error.write_failed", reason=str(self._error or "not started"))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the recording has stopped by itself (device lost, disk full)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the PortAudio callback ---------------------------------------------------------------
    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        # NB: runs on PortAudio's thread. Copy, hand over with the flags; nothing else.
        try:
            self._last_callback = time.monotonic()
            self._inbox.append((_AUDIO, bytes(indata), status))  # flags: read by the writer
        except Exception:  # sounddevice would swallow it and stop calling us
            self._callback_failed = True

    # -- the writer thread ----------------------------------------------------------------------
    def _emit(self, kind: str, code: str, **data: Any) -> None:
        event = CaptureEvent(kind, code, time.time(), data)
        self._events.put(event)
        if self._on_event is not None:
            with contextlib.suppress(Exception):
                self._on_event(event)

    def _warn(self, code: str, **data: Any) -> None:
        if code not in self._status.warnings:
            self._status = replace(self._status, warnings=(*self._status.warnings, code))
        self._emit("warning", code, **data)

    def _run(self) -> None:
        assert self._writer is not None
        writer = self._writer
        self._paused = False
        self._zero_frames = 0
        self._silence_warned = False
        self._zeros = b""  # a block of digital silence, as long as the blocks that come
        next_disk_check = 0.0
        stop_reason = ""
        frame_size = self.channels * (2 if self.sample_format == "s16le" else 3)
        rate = self._status.sample_rate
        try:
            while not stop_reason:
                # Not an Event: each wake-up of a Python thread costs far more than the work,
                # and Condition.wait's Python code alone costs more than the audio handling.
                self._alarm.acquire(timeout=self._wake_interval())
                stop_reason = self._drain(writer, frame_size, rate)
                now = time.monotonic()
                if (
                    not stop_reason
                    and writer.frames > writer.frames_on_disk
                    and (now - self._last_callback > 2 * BLOCK_SECONDS)
                ):
                    writer.flush()  # no audio for a while: make what came durable
                if not stop_reason and self._input_lost(now):
                    stop_reason = "device_lost"
                    self._warn("device_lost", after=round(now - self._last_callback, 2))
                if now >= next_disk_check and self._disk_path is not None:
                    next_disk_check = now + DISK_CHECK_SECONDS
                    stop_reason = stop_reason or self._check_disk(rate, frame_size)
        except WriteError:
            stop_reason = "write_failed"
            self._warn("write_failed")
        except BaseException as exc:  # keep the recording: seal what is there, then report
            self._error = exc
            stop_reason = stop_reason or "write_failed"
        finally:
            self._finish(stop_reason or "user")

    def _wake_interval(self) -> float:
        if not self._first_block.is_set():
            return FIRST_WAKE_SECONDS
        if time.monotonic() - self._watched < WATCHED_SECONDS:
            return WAKE_WATCHED_SECONDS
        return WAKE_SECONDS

    def _drain(self, writer: ContainerWriter, frame_size: int, rate: int) -> str:
        """Everything in the inbox, in order: blocks are checked and written, commands apply
        between them. Returns a stop reason when a stop command came."""
        inbox = self._inbox
        run: list[bytes] = []  # blocks to write, since the last command
        latest = b""
        overflows = 0
        stop_reason = ""
        try:
            while inbox:
                kind, payload, extra = inbox.popleft()
                if kind == _AUDIO:
                    latest = payload
                    if extra and extra.input_overflow:  # extra: PortAudio's status flags
                        overflows += 1
                    self._check_silence(payload, frame_size, rate)
                    if not self._paused:
                        run.append(payload)
                    continue
                if run:  # written a run at a time, not joined: no copy, one fsync
                    writer.write(*run)
                    run = []
                if kind == _STOP:
                    self._stop_commanded = True
                    stop_reason = str(payload)
                    break
                self._paused = self._command(writer, payload, extra, self._paused)
            if run:
                writer.write(*run)
        finally:  # also when writing failed: what came in is counted and shown
            if latest:
                self._first_block.set()
                total = self._status.overflows + overflows
                self._status = replace(
                    self._status, frames=writer.frames, latest_audio=latest, overflows=total
                )
                if overflows:
                    self._warn("overflow", count=total)
        return stop_reason

    def _check_silence(self, block: bytes, frame_size: int, rate: int) -> None:
        """Long stretches of exact digital zeros: a dead or muted input."""
        if len(self._zeros) != len(block):
            self._zeros = bytes(len(block))
        # NB: compared, not counted: unequal at the first sound, so nearly free.
        if block != self._zeros:
            self._zero_frames, self._silence_warned = 0, False
            return
        self._zero_frames += len(block) // frame_size
        if self._zero_frames >= self._silence_s * rate and not self._silence_warned:
            self._silence_warned = True
            self._warn("silence", seconds=round(self._zero_frames / rate))

    def _input_lost(self, now: float) -> bool:
        """The stream ended by itself, the callback failed, or no callback came for a while:
        PortAudio may report nothing when a device or the audio server goes away."""
        limit = self._watchdog_s if self._first_block.is_set() else FIRST_BLOCK_GRACE
        return (
            self._callback_failed
            or self._stream_finished.is_set()
            or now - self._last_callback > limit
        )

    def _command(self, writer: ContainerWriter, name: str, note: Any, paused: bool) -> bool:
        if name == "pause" and not paused:
            writer.add_event("pause")
            self._status = replace(self._status, state="paused")
            self._emit("state", "paused")
            return True
        if name == "resume" and paused:
            writer.add_event("resume")
            self._status = replace(self._status, state="recording")
            self._emit("state", "recording")
            return False
        if name == "marker":
            event = writer.add_event("marker", note)
            self._emit("marker", "marker", note=note, frame=event["frame"])
        return paused

    def _check_disk(self, rate: int, frame_size: int) -> str:
        assert self._disk_path is not None
        free = shutil.disk_usage(self._disk_path).free
        per_second = rate * frame_size
        if free < per_second * LOW_DISK_SECONDS / 4:
            self._warn("disk_full", free_mb=free // 1_000_000)
            return "disk_full"
        if free < per_second * LOW_DISK_SECONDS:
            self._warn("disk_low", free_mb=free // 1_000_000, minutes=int(free / per_second / 60))
        return ""

    def _finish(self, reason: str) -> None:
        try:
            self._seal(reason)
        except BaseException as exc:  # e.g. close() failing on a network drive after the seal
            self._error = self._error or exc
            self._status = replace(self._status, state="stopped", stop_reason=reason)
            self._emit("state", "stopped", reason=reason)

    def _seal(self, reason: str) -> None:
        self._status = replace(self._status, state="stopping", stop_reason=reason)
        self._abandon_stream()
        self._awake.release()
        writer = self._writer
        assert writer is not None
        # After a stop command the recording ends where the command was given: later audio is
        # not part of it. When the recording ends by itself (device lost, disk full), audio the
        # callback already handed over still belongs to it.
        with contextlib.suppress(WriteError):
            while self._inbox:
                kind, payload, _extra = self._inbox.popleft()
                keep = not (self._paused or self._stop_commanded or writer.failed)
                if kind == _AUDIO and keep:
                    writer.write(payload)
        try:
            if reason not in ("user", "duration"):
                with contextlib.suppress(WriteError):
                    writer.add_event("warning", reason)
            self._manifest = writer.seal()
        except WriteError as exc:
            self._error = exc
        self._status = replace(self._status, state="stopped", frames=writer.frames_on_disk)
        self._emit("state", "stopped", reason=reason)
        if self._manifest is not None:
            self._emit("sealed", self._manifest.state, recording_id=writer.recording_id)

    def _abandon_stream(self) -> None:
        """Stop the stream on a helper thread: a hung audio server must not hang us."""
        stream, self._stream = self._stream, None
        if stream is not None and not close_stream(
            stream, STOP_TIMEOUT, "gespreksopname-stream-close"
        ):
            self._warn("audio_system_hung")

    def _preflight_clock(self) -> None:
        """A clock far off makes every timestamp of the seal wrong: refuse to start."""
        year = time.gmtime().tm_year
        if not 2024 <= year <= 2100:
            raise GespreksError("error.clock", year=year)

    def _preflight_disk(self, rate: int) -> None:
        if self._disk_path is None:
            return
        frame_size = self.channels * (2 if self.sample_format == "s16le" else 3)
        free = shutil.disk_usage(self._disk_path).free
        need = rate * frame_size * MIN_FREE_SECONDS
        if free < need:
            raise GespreksError(
                "error.disk_preflight", free_mb=free // 1_000_000, need_mb=need // 1_000_000
            )


def probe_level(device: InputDevice, seconds: float = 0.5, channels: int = 1) -> float:
    """Pre-flight: open the device briefly and return the peak level in dBFS (-inf: the input
    delivers exact digital zeros, a muted or dead microphone)."""
    sd = _sd()
    rate = choose_rate(device, channels, "int16")
    try:
        data = sd.rec(
            int(rate * seconds),
            samplerate=rate,
            channels=channels,
            dtype="int16",
            device=device.index,
            blocking=True,
        )
    except Exception as exc:
        raise DeviceError("error.device_open", device=device.name, reason=str(exc)) from exc
    return levels(data.tobytes(), "s16le")[0]
