"""Write and verify a two-hour 48 kHz 16-bit stereo recording; time openssl on the same file.

Run: .venv/bin/python benchmarks/bench_container.py [--minutes 120] [--dir DIR]

Prints the write rate, the verify time of `gespreksopname verify` (a fresh process, unlock
included) next to `openssl dgst -sha256` over the same container, their ratio (goal: at most
1.3), and the peak memory (max RSS) of the verify process (goal: under 150 MB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio.container.verify import verify  # noqa: E402
from audio.vault.store import Vault  # noqa: E402

RATE, CHANNELS = 48000, 2
PASSPHRASE = "benchmark passphrase"


def synthetic_second(index: int) -> bytes:
    """One second of a slowly changing stereo tone (not constant, so nothing compresses away)."""
    t = (np.arange(RATE) + index * RATE) / RATE
    left = 8000 * np.sin(2 * np.pi * 220 * t) + (index % 97)
    right = 6000 * np.sin(2 * np.pi * 330 * t)
    return np.column_stack([left, right]).astype("<i2").tobytes()


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall time, exit code and peak RSS in kB of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the test vault")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="gesp-bench-", dir=args.dir))
    try:
        vault = Vault.create(base / "vault", PASSPHRASE)
        seconds = int(args.minutes * 60)
        blocks = [synthetic_second(i) for i in range(16)]
        start = time.perf_counter()
        writer = vault.new_recording(sample_rate=RATE, channels=CHANNELS)
        for second in range(seconds):
            writer.write(blocks[second % len(blocks)])
        writer.seal()
        write_time = time.perf_counter() - start
        size = writer.path.stat().st_size
        audio_bytes = seconds * RATE * CHANNELS * 2
        print(
            f"recording: {args.minutes:g} min, {audio_bytes / 1e9:.3f} GB of PCM, "
            f"container {size / 1e9:.3f} GB"
        )
        print(
            f"write:  {write_time:6.2f} s  ({audio_bytes / write_time / 1e6:.0f} MB/s, "
            f"{seconds / write_time:.0f}x real time)"
        )

        env = dict(
            os.environ,
            GESPREKSOPNAME_VAULT=str(vault.root),
            GESPREKSOPNAME_PASSPHRASE=PASSPHRASE,
            PYTHONPATH=str(ROOT),
        )
        verify_cmd = [sys.executable, "-m", "desktop.cli", "verify", str(writer.path)]
        openssl_cmd = ["openssl", "dgst", "-sha256", str(writer.path)]
        run_measured(openssl_cmd, env)  # warm the page cache for both
        ours, theirs, peaks = [], [], []
        for _ in range(args.repeat):
            elapsed, code, _peak = run_measured(openssl_cmd, env)
            assert code == 0
            theirs.append(elapsed)
            elapsed, code, peak = run_measured(verify_cmd, env)
            assert code == 0, "verify failed"
            ours.append(elapsed)
            peaks.append(peak)
        core = []
        trusted = {vault.signing_key.public.raw: "this installation"}
        for _ in range(args.repeat):
            start = time.perf_counter()
            verify(writer.path, vault.identities(), trusted)
            core.append(time.perf_counter() - start)
        unlock = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            Vault.open(vault.root).unlock(PASSPHRASE)
            unlock.append(time.perf_counter() - start)
        ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
        core_s = statistics.median(core)
        print(
            f"verify (gespreksopname verify, fresh process): {ours_s:6.2f} s  "
            f"({size / ours_s / 1e9:.2f} GB/s)"
        )
        print(
            f"openssl dgst -sha256 (same file):              {theirs_s:6.2f} s  "
            f"({size / theirs_s / 1e9:.2f} GB/s)"
        )
        print(f"ratio verify/openssl: {ours_s / theirs_s:.2f}  (goal <= 1.3)")
        print(
            f"  of which fixed: vault unlock (Argon2id) {statistics.median(unlock):.2f} s; "
            f"the verification itself {core_s:.2f} s = {core_s / theirs_s:.2f}x openssl"
        )
        print(f"verify peak memory (max RSS): {max(peaks) / 1024:.0f} MB  (goal < 150 MB)")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
