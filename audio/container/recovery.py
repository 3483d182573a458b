"""Sealing what a crash left behind: everything that authenticates, marked "interrupted"."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from audio.container import layout as c
from audio.container.manifest import Manifest, sign_manifest
from audio.container.summary import summarize
from audio.container.verify import Scan, scan
from audio.container.writer import SealCallback
from audio.durable import fsync_directory, make_directory
from audio.encoding import b64, iso_time
from audio.errors import IntegrityError
from audio.filelock import try_lock, unlock
from audio.vault.keys import SigningKey
from audio.vault.stanzas import Identity

RECOVERING = ".recovering"


class InUse(Exception):
    """The container is locked by a live recording."""


def recover(
    path: Path,
    identities: Sequence[Identity],
    signer: SigningKey,
    keep_dir: Path,
    clock: Callable[[], float] = time.time,
    on_sealed: SealCallback | None = None,
    certificate: str | None = None,
) -> Manifest:
    """Seal an unsealed container in place; the original is kept in `keep_dir`, untouched.

    Only what a crash leaves is recovered: a stream that stops without its final chunk (cut
    short, or ending in a torn chunk). A sealed file that was changed, data after the seal, or a
    recording that was recovered before are refused (IntegrityError), and nothing changes.
    Raises InUse when a writer holds the lock. Returns the new manifest; `on_sealed` gets it
    with the SHA-256 of the manifest chunk's body once the sealed file is in place.
    """
    path = Path(path)
    kept = keep_dir / path.name
    temp = path.with_name(path.name + RECOVERING)
    with open(path, "rb") as probe:
        if not try_lock(probe):
            raise InUse(str(path))
        try:
            if summarize(path, identities).state != "open":
                raise IntegrityError("already_sealed")
            if kept.exists() and not os.path.samefile(kept, path):
                # Recovered once already: sealing it again would reuse the recovery nonce.
                raise IntegrityError("recovered_before")
            state = Scan(c.read_header(probe))
            try:
                scan(path, identities, into=state)
            except IntegrityError as exc:
                if exc.part not in ("truncated", "chunk"):
                    raise  # not what a crash leaves
            if state.start is None:
                raise IntegrityError("chunk", 0)
            try:
                manifest, body = _write_recovered(
                    temp, probe, state, identities, signer, clock, certificate
                )
            except BaseException:
                temp.unlink(missing_ok=True)  # a full disk: leave nothing half-written
                raise
        finally:
            unlock(probe)
    # Keep the original under a second name first, then put the sealed file in its place: a
    # crash between the steps leaves the original where it was, to be recovered again.
    make_directory(keep_dir)
    if not kept.exists():
        try:
            os.link(path, kept)
        except OSError:
            shutil.copy2(path, kept)
        fsync_directory(keep_dir)
    os.replace(temp, path)
    fsync_directory(path.parent)
    if on_sealed is not None:
        on_sealed(manifest, hashlib.sha256(body).hexdigest())
    return manifest


def _write_recovered(
    target: Path,
    original: Any,
    state: Scan,
    identities: Sequence[Identity],
    signer: SigningKey,
    clock: Callable[[], float],
    certificate: str | None,
) -> tuple[Manifest, bytes]:
    assert state.start is not None
    file_key = c.unlock(state.header, identities)
    start = state.start
    now = clock()
    last_time = iso_time(state.last_time_ms / 1000)
    doc = {
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
    if certificate is not None:
        doc["certificate"] = certificate
    manifest, body = sign_manifest(doc, signer)
    # A stale file from an earlier, unfinished recovery is ours to replace.
    target.unlink(missing_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        original.seek(0)
        remaining = state.end
        while remaining:
            block = original.read(min(remaining, 1 << 20))
            if not block:
                raise IntegrityError("truncated", state.chunks)
            out.write(block)
            remaining -= len(block)
        # A fresh seal salt: even if this file is cut and recovered again and again, each
        # final chunk is encrypted under a key of its own (no nonce is ever reused).
        out.write(
            c.encrypt_final_chunk(
                file_key,
                state.header.payload_nonce,
                state.chunks,
                c.FLAG_RECOVERED,
                int(now * 1000),
                body,
                secrets.token_bytes(c.SEAL_SALT_SIZE),
            )
        )
        out.flush()
        os.fsync(out.fileno())
    return manifest, body
