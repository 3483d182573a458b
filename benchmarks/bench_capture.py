"""Capture cost, side by side with parecord on the same virtual microphone, in one run.

Run: .venv/bin/python benchmarks/bench_capture.py [--seconds 60] [--memory-minutes 10]

Prints: CPU time of `gespreksopname record` and of `parecord` recording the same microphone
for the same time (goal: at most 2x), the time from starting a recording (vault unlocked) to the
first captured block (goal: within 300 ms), and memory over a long recording (goal: growth
under 10 MB). Needs pulseaudio and pacat (`make test` installs them).
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import virtual_mic  # noqa: E402

PASSPHRASE = "benchmark passphrase"
SESSION = ROOT / "docs" / "examples" / "session.toml"


def cpu_seconds(process: subprocess.Popen[bytes]) -> tuple[float, int]:
    _pid, _status, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--memory-minutes", type=float, default=10.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gesp-bench-capture-"))
    os.environ.update(virtual_mic.environment(folder))
    os.environ.pop("PULSE_SERVER", None)
    mic = virtual_mic.VirtualMic(folder).start()
    try:
        from policy.policy import load_policy
        from policy.recording import start_recording
        from policy.session import load_session
        from policy.workspace import Workspace

        workspace = Workspace.create(folder / "vault", PASSPHRASE, load_policy())
        env = dict(
            os.environ,
            GESPREKSOPNAME_VAULT=str(workspace.vault.root),
            GESPREKSOPNAME_PASSPHRASE=PASSPHRASE,
        )

        # 1. Time to the first block, after unlock (in-process, as the GUI does it).
        firsts = []
        for _ in range(5):
            start = time.perf_counter()
            recording = start_recording(workspace, load_session(SESSION), "gespreksopname_test")
            recording.recorder.first_block.wait(5)
            firsts.append(time.perf_counter() - start)
            recording.stop()
        print(
            f"start to first block (after unlock): median {statistics.median(firsts) * 1000:.0f}"
            f" ms, worst {max(firsts) * 1000:.0f} ms  (goal <= 300 ms)"
        )

        # 2. CPU for the same seconds, both recording the same microphone at the same time.
        ours = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desktop.cli",
                "record",
                str(SESSION),
                "--device",
                "gespreksopname_test",
                "--duration",
                str(args.seconds),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert ours.stderr is not None
        ours.stderr.readline()  # "recording started": start-up and unlock are behind us
        at_start = process_cpu(ours.pid)
        theirs = subprocess.Popen(
            [
                "parecord",
                "-d",
                f"{mic.sink}.monitor",
                "--rate=48000",
                "--channels=1",
                "--format=s16le",
                "--file-format=wav",
                str(folder / "parecord.wav"),
            ],
            env=dict(env, PULSE_SERVER=mic.server),
        )
        time.sleep(args.seconds)
        theirs.terminate()
        their_cpu, _ = cpu_seconds(theirs)
        our_cpu, _ = cpu_seconds(ours)
        steady = our_cpu - at_start
        print(
            f"CPU for {args.seconds:g} s of recording: gespreksopname record {our_cpu:.2f} s in "
            f"all ({at_start:.2f} s of it start-up: interpreter, Argon2id unlock, PortAudio "
            f"device scan; {steady:.2f} s recording), parecord {their_cpu:.2f} s"
        )
        print(
            f"  ratio recording/parecord {steady / max(their_cpu, 1e-3):.2f}, with start-up "
            f"{our_cpu / max(their_cpu, 1e-3):.2f}  (goal <= 2)"
        )

        # 3. Memory over a long recording, sampled every 10 s.
        if args.memory_minutes > 0:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "desktop.cli",
                    "record",
                    str(SESSION),
                    "--device",
                    "gespreksopname_test",
                    "--duration",
                    str(args.memory_minutes * 60),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            samples = []
            while process.poll() is None:
                status = Path(f"/proc/{process.pid}/status")
                for line in status.read_text().splitlines() if status.exists() else []:
                    if line.startswith("VmRSS:"):
                        samples.append(int(line.split()[1]) / 1024)
                time.sleep(10)
            settled = samples[3:] or samples
            print(
                f"memory over {args.memory_minutes:g} min: {settled[0]:.1f} MB after 30 s, "
                f"max {max(settled):.1f} MB, growth {max(settled) - settled[0]:.1f} MB "
                f"(goal < 10 MB)"
            )
    finally:
        mic.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
