"""Sealing what a crash left behind: everything that authenticates, marked "interrupted"."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audio import container as c
from audio.durable import fsync_directory
from audio.encoding import b64, iso_time
from audio.errors import IntegrityError
from audio.filelock import try_lock, unlock
from audio.keys import SigningKey
from audio.manifest import sign_manifest
from audio.stanzas import Identity
from audio.verify import Scan, scan

RECOVERING = ".recovering"


class InUse(Exception):
    """The container is locked by a live recording."""


def needs_recovery(path: Path, identities: Sequence[Identity]) -> bool:
    """True when the container has no final chunk (and is not being written right now)."""
    from audio.summary import summarize

    return summarize(path, identities).state == "open"


def recover(
    path: Path,
    identities: Sequence[Identity],
    signer: SigningKey,
    keep_dir: Path,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Seal an unsealed container in place; the original moves to `keep_dir`, untouched.

    Raises InUse when a writer holds the lock, IntegrityError when not even the start chunk
    authenticates (then nothing is changed), and returns the new manifest otherwise.
    """
    path = Path(path)
    with open(path, "rb") as probe:
        if not try_lock(probe):
            raise InUse(str(path))
        try:
            state = Scan(c.read_header(probe))
            try:
                scan(path, identities, into=state)
            except IntegrityError:
                pass
            else:
                raise IntegrityError("already_sealed")
            if state.start is None:
                raise IntegrityError("chunk", 0)
            manifest = _write_recovered(path, probe, state, identities, signer, clock)
        finally:
            unlock(probe)
    keep_dir.mkdir(parents=True, exist_ok=True)
    kept = keep_dir / path.name
    os.replace(path, kept)
    os.replace(path.with_name(path.name + RECOVERING), path)
    fsync_directory(keep_dir)
    fsync_directory(path.parent)
    return manifest


def _write_recovered(
    path: Path,
    original: Any,
    state: Scan,
    identities: Sequence[Identity],
    signer: SigningKey,
    clock: Callable[[], float],
) -> dict[str, Any]:
    assert state.start is not None
    file_key = c.unlock(state.header, identities)
    aead = AESGCM(c.payload_key(file_key, state.header.payload_nonce))
    start = state.start
    now = clock()
    last_time = iso_time(state.last_time_ms / 1000)
    manifest = {
        "type": "gespreksopname-manifest",
        "version": c.VERSION,
        "recording_id": state.header.recording_id,
        "payload_nonce": b64(state.header.payload_nonce),
        "state": "interrupted",
        "started": start["started"],
        "ended": last_time,
        "sample_rate": start["sample_rate"],
        "channels": start["channels"],
        "sample_format": start["sample_format"],
        "frames": state.frames,
        "duration_s": round(state.frames / start["sample_rate"], 3),
        "pcm_sha256": state.hasher.hexdigest(),
        "chunks": state.chunks,
        "session": start.get("session"),
        "events": state.events,
        "interrupted": {
            "last_good_chunk": state.chunks - 1,
            "last_good_time": last_time,
            "recovered_at": iso_time(now),
        },
    }
    body = sign_manifest(manifest, signer)
    target = path.with_name(path.name + RECOVERING)
    # A stale file from an earlier, unfinished recovery is ours to replace.
    with open(target, "wb") as out:
        original.seek(0)
        remaining = state.end
        while remaining:
            block = original.read(min(remaining, 1 << 20))
            if not block:
                raise IntegrityError("truncated", state.chunks)
            out.write(block)
            remaining -= len(block)
        out.write(
            c.encrypt_chunk(aead, state.chunks, c.FLAG_RECOVERED, c.MANIFEST, int(now * 1000), body)
        )
        out.flush()
        os.fsync(out.fileno())
    return manifest
