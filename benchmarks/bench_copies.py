"""Export a 1-hour recording to FLAC beside sox, and verify the folder beside the standard tools.

Run: .venv/bin/python benchmarks/bench_copies.py [--minutes 60]

Goals: FLAC export at most 1.2x `sox in.wav out.flac` on the same audio; verifying the exported
folder at most 1.5x `sha256sum -c SHA256SUMS` plus `openssl pkeyutl -verify` together.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio.copies.verify import verify_folder  # noqa: E402
from policy.copies import export_copy  # noqa: E402
from policy.policy import load_policy  # noqa: E402
from policy.workspace import Workspace  # noqa: E402

RATE = 48000


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="gesp-bench-copies-"))
    try:
        workspace = Workspace.create(base / "vault", "benchmark passphrase", load_policy())
        seconds = int(args.minutes * 60)
        rng = np.random.default_rng(1)
        # Speech-like: a tone with noise, so FLAC has real work to do.
        t = np.arange(RATE) / RATE
        blocks = [
            ((3000 * np.sin(2 * np.pi * (180 + 20 * i) * t)) + rng.normal(0, 300, RATE))
            .astype("<i2")
            .tobytes()
            for i in range(8)
        ]
        writer = workspace.vault.new_recording(sample_rate=RATE, channels=1)
        for second in range(seconds):
            writer.write(blocks[second % len(blocks)])
        writer.seal()
        wav = base / "same-audio.wav"
        with open(wav, "wb") as out:
            from audio.copies.wavfile import write_wav

            write_wav(
                out,
                sample_rate=RATE,
                channels=1,
                sample_width=2,
                frames=seconds * RATE,
                blocks=(blocks[s % len(blocks)] for s in range(seconds)),
            )
        print(f"recording: {args.minutes:g} min mono 48 kHz 16-bit")

        usb = base / "usb"
        usb.mkdir()
        start = time.perf_counter()
        folder = export_copy(workspace, writer.recording_id, usb, "flac")
        ours = time.perf_counter() - start
        sox = timed(["sox", str(wav), str(base / "sox.flac")])
        print(f"export to FLAC (verify, encode, seal, receipt, sums): {ours:6.2f} s")
        print(f"sox same-audio.wav -> flac:                           {sox:6.2f} s")
        print(f"ratio {ours / sox:.2f}  (goal <= 1.2)")

        start = time.perf_counter()
        verify_folder(folder, workspace.trusted("this installation"))
        ours = time.perf_counter() - start
        sums = timed(["sha256sum", "-c", "SHA256SUMS"], folder)
        ssl = timed(
            [
                "openssl",
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "publickey.pem",
                "-rawin",
                "-in",
                "SHA256SUMS",
                "-sigfile",
                "SHA256SUMS.sig",
            ],
            folder,
        )
        start = time.perf_counter()
        verify_folder(folder, workspace.trusted("this installation"), deep=True)
        deep = time.perf_counter() - start
        print(
            f"verify the exported folder:          {ours:6.2f} s "
            f"(--deep, decoding every sample again: {deep:.2f} s)"
        )
        print(f"sha256sum -c + openssl pkeyutl:      {sums + ssl:6.2f} s")
        print(f"ratio {ours / (sums + ssl):.2f}  (goal <= 1.5)")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
