"""Reading a whole container: verification of the seal, and the scan that recovery builds on."""

from __future__ import annotations

import hashlib
import hmac
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audio.container import layout as c
from audio.container.manifest import Manifest, open_manifest
from audio.encoding import b64
from audio.errors import IntegrityError
from audio.vault.keys import VerifyKey
from audio.vault.stanzas import Identity

# Gets each audio chunk's body once it authenticated; the view is valid during the call only
# (its buffer is reused for a later chunk): a sink that keeps audio copies it.
AudioSink = Callable[[memoryview], None]


class BackgroundSha256:
    """SHA-256 on a worker thread, so hashing (the slowest step) overlaps reading and decrypting.

    NB: `update` hands the block to the worker; call `finish()` before `hexdigest()`.
    """

    def __init__(self, depth: int = 16) -> None:
        self.depth = depth
        self._hash = hashlib.sha256()
        self._queue: queue.Queue[memoryview | None] = queue.Queue(depth)
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            self._hash.update(block)

    def update(self, block: memoryview) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
            self._thread.start()
        self._queue.put(block)

    def finish(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        self.finish()
        return self._hash.hexdigest()


@dataclass
class Scan:
    """What has been read and authenticated so far; complete when `manifest` is set."""

    header: c.Header
    start: dict[str, Any] | None = None
    frame_size: int = 0
    frames: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    chunks: int = 0  # authenticated chunks before the manifest
    last_time_ms: int = 0
    end: int = 0  # file offset after the last authenticated chunk
    manifest: Manifest | None = None
    seal_sha256: str = ""  # of the manifest chunk's body: what the vault's register keeps
    hasher: BackgroundSha256 = field(default_factory=BackgroundSha256)


def _check_start(doc: dict[str, Any]) -> int:
    """The frame size the start chunk announces; IntegrityError if it is not a valid start."""
    fmt, channels, rate = doc.get("sample_format"), doc.get("channels"), doc.get("sample_rate")
    if fmt not in c.SAMPLE_WIDTHS or channels not in (1, 2) or not isinstance(rate, int):
        raise IntegrityError("chunk", 0)
    if fmt == c.FILE_FORMAT and (channels, rate) != (1, 1):
        raise IntegrityError("chunk", 0)
    if not isinstance(doc.get("started"), str) or not isinstance(doc.get("recording_id"), str):
        raise IntegrityError("chunk", 0)
    return c.frame_size(str(fmt), int(channels))


def scan(
    path: Path,
    identities: Sequence[Identity],
    sink: AudioSink | None = None,
    into: Scan | None = None,
) -> Scan:
    """Authenticate every chunk in order, hashing the audio, up to and including the manifest.

    `sink` receives each audio chunk after it authenticated. On failure IntegrityError is raised
    and `into` (if given) holds everything that did authenticate: recovery uses that.
    """
    with open(path, "rb") as handle:
        header = c.read_header(handle)
        file_key = c.unlock(header, identities)
        state = into if into is not None else Scan(header)
        state.header = header
        state.end = header.size
        try:
            # A block is hashed before `depth + 2` more chunks are read: at most `depth` wait in
            # the queue and one is being hashed. So the stream may reuse that many buffers.
            stream = c.ChunkStream(handle, header, file_key, reuse=state.hasher.depth + 2)
            return _scan_chunks(stream, state, sink)
        finally:
            state.hasher.finish()


def _scan_chunks(stream: c.ChunkStream, state: Scan, sink: AudioSink | None) -> Scan:
    header = state.header
    for chunk in stream:
        if chunk.kind == c.START:
            doc = chunk.json()
            state.frame_size = _check_start(doc)
            if doc["recording_id"] != header.recording_id:
                raise IntegrityError("chunk", 0)
            state.start = doc
        elif chunk.kind == c.AUDIO:
            if not chunk.body or len(chunk.body) % state.frame_size:
                raise IntegrityError("chunk", chunk.index)
            state.hasher.update(chunk.body)
            state.frames += len(chunk.body) // state.frame_size
            if sink is not None:
                sink(chunk.body)
        elif chunk.kind == c.EVENT:
            state.events.append(chunk.json())
        else:
            body = bytes(chunk.body)
            state.manifest = open_manifest(body, chunk.index)
            state.seal_sha256 = hashlib.sha256(body).hexdigest()
            _check_manifest(state, chunk)
            state.end = chunk.end
            return state
        state.chunks += 1
        state.last_time_ms = chunk.time_ms
        state.end = chunk.end
    raise AssertionError("ChunkStream ends with a final chunk or raises")  # pragma: no cover


def _check_manifest(state: Scan, chunk: c.Chunk) -> None:
    """The signed manifest must describe exactly what was read."""
    assert state.manifest is not None and state.start is not None
    manifest, start = state.manifest.document, state.start
    recovered = chunk.flag == c.FLAG_RECOVERED
    expected = {
        "type": "gespreksopname-manifest",
        "version": c.VERSION,
        "recording_id": state.header.recording_id,
        "payload_nonce": b64(state.header.payload_nonce),
        "state": "interrupted" if recovered else "sealed",
        "started": start["started"],
        "sample_rate": start["sample_rate"],
        "channels": start["channels"],
        "sample_format": start["sample_format"],
        "frames": state.frames,
        "pcm_sha256": state.hasher.hexdigest(),
        "chunks": state.chunks,
        "session": start.get("session"),
        "events": state.events,
    }
    for key, value in expected.items():
        if key == "pcm_sha256":
            found = manifest.get(key)
            same = isinstance(found, str) and hmac.compare_digest(found, str(value))
        else:
            same = manifest.get(key) == value
        if not same:
            raise IntegrityError("manifest", chunk.index, field=key)
    if (manifest.get("interrupted") is not None) != recovered:
        raise IntegrityError("manifest", chunk.index, field="interrupted")


@dataclass(frozen=True)
class Report:
    """The outcome of a successful verification."""

    path: Path
    manifest: Manifest
    signer_name: str
    chunks: int
    seal_sha256: str

    @property
    def recording_id(self) -> str:
        return self.manifest.recording_id

    @property
    def signer(self) -> VerifyKey:
        return self.manifest.signer


def verify(
    path: Path,
    identities: Sequence[Identity],
    trusted: Mapping[bytes, str],
    sink: AudioSink | None = None,
) -> Report:
    """Verify a container completely; IntegrityError says which part failed.

    `trusted` maps raw Ed25519 public keys to a name ("this installation", an installation the
    policy lists). A valid seal by any other key is reported as untrusted.
    """
    state = scan(path, identities, sink)
    assert state.manifest is not None
    signer = state.manifest.signer
    name = trusted.get(signer.raw)
    if name is None:
        raise IntegrityError("untrusted", None, fingerprint=signer.fingerprint)
    return Report(Path(path), state.manifest, name, state.chunks, state.seal_sha256)


def iter_audio(path: Path, identities: Sequence[Identity]) -> Iterator[bytes]:
    """The audio chunks' bodies in order, each authenticated as it is read (for a second pass
    after `verify`; the caller compares the hash of what it got with the verified manifest)."""
    with open(path, "rb") as handle:
        header = c.read_header(handle)
        file_key = c.unlock(header, identities)
        for chunk in c.ChunkStream(handle, header, file_key):
            if chunk.kind == c.AUDIO:
                yield bytes(chunk.body)
