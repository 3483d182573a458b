"""A process that records synthetic audio in real time into a vault, for crash tests.

Usage: python -m tests.helpers.slow_writer VAULT PASSPHRASE
Prints "id <recording id>" once, then "frames <n>" after every block it handed to the writer,
until it is killed. The audio is `expected_pcm(n)`, so a test can check what survived.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from audio.vault.store import Vault

RATE = 48000
BLOCK = 480  # 10 ms, as a capture callback would deliver


def expected_pcm(frames: int) -> bytes:
    """Stereo s16le: a ramp in the left channel, its negation in the right."""
    ramp = (np.arange(frames, dtype=np.int64) % 65536 - 32768).astype(np.int16)
    return np.column_stack([ramp, -ramp - 1]).astype("<i2").tobytes()


def main(root: str, passphrase: str) -> None:
    vault = Vault.open(Path(root)).unlock(passphrase)
    writer = vault.new_recording(sample_rate=RATE, channels=2, session={"version": 1})
    print("id", writer.recording_id, flush=True)
    audio = expected_pcm(RATE * 600)
    frame = 4
    handed = 0
    begin = time.monotonic()
    while True:
        writer.write(audio[handed * frame : (handed + BLOCK) * frame])
        handed += BLOCK
        print("frames", handed, flush=True)
        delay = begin + handed / RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
