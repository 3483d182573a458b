"""A quick look at a container for lists: its start record and, if sealed, its manifest.

Reads only the first and the last chunk (it walks the length prefixes to find the last), so a
two-hour recording is listed in milliseconds. Full verification is `audio.container.verify`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audio.container import layout as c
from audio.container.manifest import JsonObject, Manifest, Start, open_manifest
from audio.errors import IntegrityError
from audio.vault.stanzas import Identity

_LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class Summary:
    recording_id: str
    state: str  # sealed | interrupted | open (not sealed: being written, or needs recover)
    start: Start
    manifest: Manifest | None

    @property
    def started(self) -> str:
        return self.start.started

    @property
    def session(self) -> JsonObject:
        """The session sealed in the manifest, or, before sealing, the one the start names."""
        return self.manifest.session if self.manifest is not None else self.start.session

    @property
    def duration_s(self) -> float | None:
        return None if self.manifest is None else self.manifest.duration_s


def summarize(path: Path, identities: Sequence[Identity]) -> Summary:
    with open(path, "rb") as handle:
        header = c.read_header(handle)
        file_key = c.unlock(header, identities)
        size = handle.seek(0, os.SEEK_END)
        offset, index, last = header.size, 0, None
        while offset + _LENGTH.size <= size:
            handle.seek(offset)
            (length,) = _LENGTH.unpack(handle.read(_LENGTH.size))
            if offset + _LENGTH.size + length > size:
                break
            if not c.MIN_CIPHERTEXT <= length <= c.MAX_CHUNK + c.MIN_FINAL:
                raise IntegrityError("chunk", index)  # not a chunk: no walk through a hole
            last = (index, offset + _LENGTH.size, length)
            offset += _LENGTH.size + length
            index += 1
        stream = c.ChunkStream(handle, header, file_key)
        first = next(iter(stream))
        try:
            start = Start.parse(first.json())
        except ValueError as exc:
            raise IntegrityError("chunk", 0) from exc
        if last is None or offset != size or last[0] == 0:
            return Summary(header.recording_id, "open", start, None)
        index, position, length = last
        handle.seek(position)
        ciphertext = handle.read(length)
    final = c.decrypt_final(file_key, header.payload_nonce, index, ciphertext)
    if final is not None:
        _flag, plain = final
        kind = plain[0]
        if kind != c.MANIFEST:
            raise IntegrityError("chunk", index)
        manifest = open_manifest(plain[c.PLAIN_PREFIX.size :], index)
        return Summary(header.recording_id, manifest.state, start, manifest)
    return Summary(header.recording_id, "open", start, None)
