"""Writes one recording straight into its encrypted container, crash-safe.

Audio arrives as PCM blocks from any source (capture, import, tests). The writer cuts it into
chunks of at most one second, fsyncs at least once per `flush_interval`, and on `seal()` appends
the signed manifest. A crash leaves a container that `recovery` can seal.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audio.container import layout as c
from audio.container.manifest import Manifest, sign_manifest
from audio.durable import fsync_directory
from audio.encoding import b64, canonical_json, iso_time
from audio.errors import FormatError, WriteError
from audio.filelock import lock_exclusive, unlock
from audio.vault.keys import SigningKey
from audio.vault.stanzas import FILE_KEY_SIZE, RandomBytes, Recipient

SOFTWARE = "gespreksopname 0.1.0"
EVENT_KINDS = ("pause", "resume", "marker", "warning")  # warning: why a recording stopped
SAMPLE_RATES = range(8000, 384001)
# Told of a seal: the manifest and the SHA-256 of the manifest chunk's body (the register's).
SealCallback = Callable[[Manifest, str], None]


class ContainerWriter:
    """Encrypts and appends audio and events to a new container; `seal()` finishes it.

    NB: not thread-safe. Capture gives it one writer thread; the audio callback never calls it.
    """

    def __init__(
        self,
        path: Path,
        *,
        recipients: Sequence[Recipient],
        signer: SigningKey,
        sample_rate: int,
        channels: int,
        sample_format: str = "s16le",
        session: Mapping[str, object] | None = None,
        recording_id: str | None = None,
        flush_interval: float = 1.0,
        chunk_frames: int | None = None,
        clock: Callable[[], float] = time.time,
        random_bytes: RandomBytes = os.urandom,
        duration_s: float | None = None,
        on_sealed: SealCallback | None = None,
        certificate: str | None = None,
    ) -> None:
        if sample_format not in c.SAMPLE_WIDTHS:
            raise FormatError("error.sample_format", sample_format=sample_format)
        if sample_format == c.FILE_FORMAT:
            if (channels, sample_rate) != (1, 1):
                raise FormatError("error.audio_shape", channels=channels, sample_rate=sample_rate)
        elif channels not in (1, 2) or sample_rate not in SAMPLE_RATES:
            raise FormatError("error.audio_shape", channels=channels, sample_rate=sample_rate)
        if not recipients:
            raise ValueError("a recording needs at least one recipient")
        self.path = Path(path)
        self._certificate = certificate  # the installation's certificate (PEM), when enrolled
        self.recording_id = recording_id or str(uuid.UUID(bytes=random_bytes(16), version=4))
        self.sample_rate = sample_rate
        self.channels = channels
        self.sample_format = sample_format
        self.frame_size = c.frame_size(sample_format, channels)
        default_chunk = 192000 if sample_format == c.FILE_FORMAT else sample_rate
        self.chunk_bytes = (chunk_frames or default_chunk) * self.frame_size
        if self.chunk_bytes > c.MAX_CHUNK:
            raise FormatError("error.audio_shape", channels=channels, sample_rate=sample_rate)
        self.flush_interval = flush_interval
        self._duration_s = duration_s  # for a kept file, whose frames are bytes
        self.session = dict(session) if session is not None else None  # JSON, opaque here
        self._signer = signer
        self._clock = clock
        self._hash = hashlib.sha256()
        # Audio is gathered straight into the plaintext of its chunk (after room for the
        # prefix) and encrypted into a second fixed buffer: a recording allocates nothing per
        # chunk (on a virtual machine fresh pages cost more CPU than the encryption).
        self._plain = bytearray(c.PLAIN_PREFIX.size + self.chunk_bytes)
        # NB: audio is copied in through a memoryview: assigning to a bytearray's slice first
        # copies the source into a new bytearray.
        self._plain_view = memoryview(self._plain)
        self._sealed_chunk = bytearray(4 + len(self._plain) + c.TAG_SIZE)
        self._fill = 0  # audio bytes gathered in _plain
        self._events: list[dict[str, Any]] = []
        self._frames = 0
        self._index = 0
        self._sealed = False
        self._failed: WriteError | None = None
        self._good_end = 0
        self._last_time_ms = 0

        file_key = random_bytes(FILE_KEY_SIZE)
        self._payload_nonce = random_bytes(16)
        stanzas = [r.wrap(file_key, self.recording_id, random_bytes) for r in recipients]
        header = c.encode_header(file_key, self.recording_id, self._payload_nonce, stanzas)
        self._aead = AESGCM(c.payload_key(file_key, self._payload_nonce))
        self._file_key = file_key  # for the final chunk's one-time key
        self._on_sealed = on_sealed
        self.register_error: Exception | None = None  # telling `on_sealed` failed
        self._random_bytes = random_bytes

        self.started = clock()
        self._start_doc = {
            "recording_id": self.recording_id,
            "started": iso_time(self.started),
            "sample_rate": sample_rate,
            "channels": channels,
            "sample_format": sample_format,
            "session": self.session,
            "software": SOFTWARE,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(
            self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600
        )
        self._file = os.fdopen(fd, "wb", buffering=0)
        try:
            lock_exclusive(self._file)
            self._file.write(header)
            self._good_end = len(header)
            self._emit(c.START, canonical_json(self._start_doc))
            self._sync()
            fsync_directory(self.path.parent)
        except BaseException:
            self._file.close()
            raise

    @property
    def frames(self) -> int:
        """Frames handed to the writer so far (buffered or on disk)."""
        return self._frames + self._fill // self.frame_size

    @property
    def frames_on_disk(self) -> int:
        return self._frames

    def _emit(self, kind: int, body: bytes, flag: int = c.FLAG_MORE) -> None:
        """Encrypt and append one chunk. Only a chunk written in full counts: after a failed or
        short write the writer stops (a retry would reuse the chunk's nonce)."""
        if self._failed is not None:
            raise WriteError(self._failed.key, **self._failed.params)
        time_ms = int(self._clock() * 1000)
        self._write_framed(
            memoryview(c.encrypt_chunk(self._aead, self._index, flag, kind, time_ms, body)),
            time_ms,
        )

    def _write_framed(self, framed: memoryview, time_ms: int) -> None:
        try:
            while framed:
                written = self._file.write(framed)
                if not written:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                framed = framed[written:]
        except OSError as exc:
            raise self._fail(exc) from exc
        self._index += 1
        self._good_end = self._file.tell()
        self._last_time_ms = time_ms

    def _fail(self, exc: OSError) -> WriteError:
        # Keep our own copy without a traceback: that would pin buffers of the failed write.
        self._failed = WriteError("error.write_failed", reason=exc.strerror or str(exc))
        return WriteError("error.write_failed", reason=exc.strerror or str(exc))

    def _emit_audio(self) -> None:
        """Encrypt and append the gathered audio as one chunk."""
        if self._failed is not None:
            raise WriteError(self._failed.key, **self._failed.params)
        time_ms = int(self._clock() * 1000)
        prefix = c.PLAIN_PREFIX.size
        c.PLAIN_PREFIX.pack_into(self._plain, 0, c.AUDIO, time_ms)
        end = prefix + self._fill
        plain = self._plain_view
        framed = c.encrypt_chunk_into(
            self._aead, self._index, c.FLAG_MORE, plain[:end], self._sealed_chunk
        )
        with framed:
            self._write_framed(framed, time_ms)
        self._hash.update(plain[prefix:end])
        self._frames += self._fill // self.frame_size
        self._fill = 0

    def _sync(self) -> None:
        try:
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise self._fail(exc) from exc
        self._last_sync = time.monotonic()

    @property
    def failed(self) -> WriteError | None:
        """The write error that stopped this writer, if any."""
        return self._failed

    def write(self, *blocks: bytes | bytearray | memoryview) -> None:
        """Append interleaved little-endian PCM in the container's sample format: one block or
        several in a row, made durable together (a due fsync comes after the last)."""
        if self._sealed:
            raise FormatError("error.sealed")
        views = [memoryview(block).cast("B") for block in blocks]
        if any(len(data) % self.frame_size for data in views):
            raise FormatError("error.partial_frame", frame_size=self.frame_size)
        prefix = c.PLAIN_PREFIX.size
        for data in views:
            while data:
                take = min(len(data), self.chunk_bytes - self._fill)
                start = prefix + self._fill
                self._plain_view[start : start + take] = data[:take]
                self._fill += take
                data = data[take:]
                if self._fill == self.chunk_bytes:
                    self._emit_audio()
        if time.monotonic() - self._last_sync >= self.flush_interval:
            self.flush()

    def flush(self) -> None:
        """Encrypt what is buffered and make it durable (fsync)."""
        if self._fill:
            self._emit_audio()
        self._sync()

    def add_event(self, kind: str, note: str | None = None) -> dict[str, Any]:
        """Record a pause, resume or marker at the current position; durable at once."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        if self._fill:
            self._emit_audio()
        event = {"kind": kind, "frame": self._frames, "time": iso_time(self._clock()), "note": note}
        self._emit(c.EVENT, canonical_json(event))
        self._events.append(event)
        self._sync()
        return event

    def seal(self) -> Manifest:
        """Write the signed manifest as the final chunk and close. Returns the manifest.

        After a write error (a full disk, say) it seals what is on disk instead, marked
        "interrupted" at the last chunk written in full; see `_seal_after_failure`.
        """
        if self._failed is not None:
            return self._seal_after_failure()
        if self._fill:
            try:
                self._emit_audio()
            except WriteError:
                return self._seal_after_failure()
        manifest, body = sign_manifest(self._manifest("sealed"), self._signer)
        try:
            time_ms = int(self._clock() * 1000)
            chunk = self._final_chunk(c.FLAG_SEALED, time_ms, body)
            self._write_framed(memoryview(chunk), time_ms)
            self._sync()
        except WriteError:
            return self._seal_after_failure()
        self._sealed = True
        self.close()
        self._tell_sealed(manifest, body)
        return manifest

    def _tell_sealed(self, manifest: Manifest, body: bytes) -> None:
        """The seal is on disk; a failure to register it (a full disk, a locked state) must
        not undo that: it is kept, and the vault's reconcile registers the seal later."""
        if self._on_sealed is None:
            return
        try:
            self._on_sealed(manifest, hashlib.sha256(body).hexdigest())
        except Exception as exc:  # any failure: the sealed file stands
            self.register_error = exc

    def _seal_after_failure(self) -> Manifest:
        """Cut off a torn chunk and append a manifest marked interrupted (final flag 0x02, under
        a one-time key of its own). If even that fails, the file is left for `recover`, which
        seals the same audio once there is space."""
        self._fill = 0  # audio that never reached the disk
        now = self._clock()
        doc = self._manifest("interrupted")
        doc["interrupted"] = {
            "last_good_chunk": self._index - 1,
            "last_good_time": iso_time(self._last_time_ms / 1000),
            "recovered_at": iso_time(now),
        }
        manifest, body = sign_manifest(doc, self._signer)
        chunk = self._final_chunk(c.FLAG_RECOVERED, int(now * 1000), body)
        try:
            self._file.truncate(self._good_end)
            self._file.seek(self._good_end)
            written = self._file.write(chunk)
            if written != len(chunk):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.fsync(self._file.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                self._file.truncate(self._good_end)
            self.close()
            raise WriteError("error.write_failed", reason=exc.strerror or str(exc)) from exc
        self._sealed = True
        self.close()
        self._tell_sealed(manifest, body)
        return manifest

    def _final_chunk(self, flag: int, time_ms: int, body: bytes) -> bytes:
        """The manifest chunk under a one-time key from a fresh seal salt (FORMAT.md)."""
        salt = self._random_bytes(c.SEAL_SALT_SIZE)
        return c.encrypt_final_chunk(
            self._file_key, self._payload_nonce, self._index, flag, time_ms, body, salt
        )

    def _manifest(self, state: str) -> dict[str, Any]:
        doc = {
            "type": "gespreksopname-manifest",
            "version": c.VERSION,
            "recording_id": self.recording_id,
            "payload_nonce": b64(self._payload_nonce),
            "state": state,
            "started": self._start_doc["started"],
            "ended": iso_time(self._clock()),
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "sample_format": self.sample_format,
            "frames": self._frames,
            "duration_s": (
                round(self._duration_s, 3)
                if self._duration_s is not None
                else round(self._frames / self.sample_rate, 3)
            ),
            "pcm_sha256": self._hash.hexdigest(),
            "chunks": self._index,
            "session": self.session,
            "events": self._events,
            "interrupted": None,
        }
        if self._certificate is not None:
            doc["certificate"] = self._certificate
        return doc

    def close(self) -> None:
        """Close without sealing (what a crash would leave); `recover` can seal it later."""
        if self._file.closed:
            return
        try:
            if not self._sealed and self._failed is None:
                self.flush()
        finally:
            unlock(self._file)
            self._file.close()

    def __enter__(self) -> ContainerWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and not self._sealed:
            self.seal()
        else:
            self.close()
