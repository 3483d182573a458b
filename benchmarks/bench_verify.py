"""`gespreksopname verify` of a two-hour 48 kHz stereo recording beside `openssl dgst -sha256`.

Run: .venv/bin/python benchmarks/bench_verify.py [--minutes 120] [--repeat 5] [--dir DIR]

Both run as fresh processes over the same container (page cache warm for both), alternating,
`--repeat` times; the medians are compared. Goals: wall time at most 1.15x openssl, CPU time
(user + sys of the process, every core counts) at most 1.5x, peak memory (max RSS) under 150 MB.

The whole is then taken apart, each part measured on its own (medians):
- interpreter start-up + imports: a fresh process that imports what `verify` imports and builds
  the command-line parser (and, beside it, a bare `python -c pass`);
- the unlock: `Vault.open(root).unlock(passphrase)` (Argon2id);
- Workspace.open's other work: `Workspace.open` minus the unlock (repair the trail, reconcile the
  register, append "unlocked" to the audit trail; each append also rewrites the vault's
  authenticated state file), with one audit append measured on its own;
- the verification itself: `audio.container.verify.verify`, and `Workspace.verify` (the same plus
  the register check and the "verified" audit entry).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio.container.verify import verify  # noqa: E402
from audio.vault.store import Vault  # noqa: E402
from policy.policy import load_policy  # noqa: E402
from policy.workspace import Workspace  # noqa: E402

RATE, CHANNELS = 48000, 2
PASSPHRASE = "benchmark passphrase"
WALL_GOAL, CPU_GOAL, MEMORY_GOAL_MB = 1.15, 1.5, 150
TIME = "/usr/bin/time"

# What `gespreksopname verify` imports before it starts working (the parser imports every
# command module); nothing is verified.
IMPORTS_ONLY = """
from desktop import cli
from resources.catalogue import resolve_language
cli.build_parser(resolve_language(None))
import policy.workspace, audio.container.verify
"""


def synthetic_second(index: int) -> bytes:
    """One second of a slowly changing stereo tone (not constant, so nothing compresses away)."""
    t = (np.arange(RATE) + index * RATE) / RATE
    left = 8000 * np.sin(2 * np.pi * 220 * t) + (index % 97)
    right = 6000 * np.sin(2 * np.pi * 330 * t)
    return np.column_stack([left, right]).astype("<i2").tobytes()


class Run:
    """Wall time, CPU time (user + sys, all threads) and peak RSS of one child process.

    The peak comes from /usr/bin/time (a small process), when there is one: a child of this
    large process would report this process's memory as its own peak (the high-water mark
    survives the exec). Its own start-up is in the wall and CPU time (a millisecond or so).
    """

    def __init__(self, command: list[str], env: dict[str, str], peak: Path | None) -> None:
        if peak is not None:
            command = [TIME, "-f", "%M", "-o", str(peak), *command]
        start = time.perf_counter()
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        self.wall = time.perf_counter() - start
        self.cpu = usage.ru_utime + usage.ru_stime
        code = os.waitstatus_to_exitcode(status)
        assert child.stderr is not None
        error = child.stderr.read().decode(errors="replace")
        child.stderr.close()
        assert code == 0, f"{command[:3]} exited {code}: {error}"
        kb = int(peak.read_text().split()[-1]) if peak is not None else usage.ru_maxrss
        self.peak_mb = kb / 1024


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def in_process(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `action` in this process."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_now()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_now() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def median_of(runs: list[Run]) -> tuple[float, float, float]:
    return (
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.peak_mb for r in runs),
    )


def row(name: str, wall: float, cpu: float, base_wall: float, base_cpu: float) -> str:
    return (
        f"  {name:<44} {wall:6.3f} s wall {wall / base_wall:5.2f}x   "
        f"{cpu:6.3f} s CPU {cpu / base_cpu:5.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the test vault")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="gesp-bench-verify-", dir=args.dir))
    try:
        policy = load_policy()
        workspace = Workspace.create(base / "vault", PASSPHRASE, policy)
        seconds = int(args.minutes * 60)
        blocks = [synthetic_second(i) for i in range(16)]
        writer = workspace.vault.new_recording(sample_rate=RATE, channels=CHANNELS)
        for second in range(seconds):
            writer.write(blocks[second % len(blocks)])
        writer.seal()
        path, size = writer.path, writer.path.stat().st_size
        print(
            f"recording: {args.minutes:g} min 48 kHz 16-bit stereo, container "
            f"{size / 1e9:.3f} GB; {os.cpu_count()} cores; medians of {args.repeat}"
        )

        # Byte code cached (in a temporary prefix) as an installed app has it.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            GESPREKSOPNAME_VAULT=str(workspace.vault.root),
            GESPREKSOPNAME_PASSPHRASE=PASSPHRASE,
            PYTHONPATH=str(ROOT),
            PYTHONPYCACHEPREFIX=str(base / "pycache"),
        )
        script = Path(sys.executable).with_name("gespreksopname")
        ours_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "desktop.cli"]
        ours_cmd += ["verify", str(path)]
        openssl_cmd = ["openssl", "dgst", "-sha256", str(path)]
        peak = base / "peak" if os.access(TIME, os.X_OK) else None
        Run(openssl_cmd, env, peak)  # warm the page cache (and our .pyc files) for both
        Run(ours_cmd, env, peak)
        ours, theirs, imports, bare = [], [], [], []
        for _ in range(args.repeat):
            theirs.append(Run(openssl_cmd, env, peak))
            ours.append(Run(ours_cmd, env, peak))
            imports.append(Run([sys.executable, "-c", IMPORTS_ONLY], env, peak))
            bare.append(Run([sys.executable, "-c", "pass"], env, peak))
        o_wall, o_cpu, o_peak = median_of(ours)
        t_wall, t_cpu, t_peak = median_of(theirs)
        i_wall, i_cpu, i_peak = median_of(imports)
        b_wall, b_cpu, _ = median_of(bare)

        root = workspace.vault.root
        # Alternating, so that their difference is not one of two medians taken apart.
        unlocks, opens = [], []
        for _ in range(args.repeat):
            unlocks.append(in_process(lambda: Vault.open(root).unlock(PASSPHRASE), 1))
            opens.append(in_process(lambda: Workspace.open(root, PASSPHRASE, policy), 1))
        unlock = statistics.median(u[0] for u in unlocks), statistics.median(u[1] for u in unlocks)
        opened = statistics.median(o[0] for o in opens), statistics.median(o[1] for o in opens)
        other = (
            statistics.median(o[0] - u[0] for o, u in zip(opens, unlocks, strict=True)),
            statistics.median(o[1] - u[1] for o, u in zip(opens, unlocks, strict=True)),
        )
        ws = Workspace.open(root, PASSPHRASE, policy)
        append = in_process(lambda: ws.log_if_anchored("unlocked"), args.repeat)
        identities = ws.vault.identities()
        trusted = ws.trusted("this installation")
        core = in_process(lambda: verify(path, identities, trusted), args.repeat)
        logged = in_process(lambda: ws.verify(path, "this installation"), args.repeat)

        print(f"\n{'':<46} {'wall':>13} {'vs openssl':>5}  {'CPU':>12} {'vs openssl':>5}")
        print(row("openssl dgst -sha256 (fresh process)", t_wall, t_cpu, t_wall, t_cpu))
        print(row("gespreksopname verify (fresh process)", o_wall, o_cpu, t_wall, t_cpu))
        print("  parts, each measured on its own:")
        print(row("  python -c pass (bare interpreter)", b_wall, b_cpu, t_wall, t_cpu))
        print(row("  interpreter start-up + imports", i_wall, i_cpu, t_wall, t_cpu))
        print(row("  unlock (Argon2id)", *unlock, t_wall, t_cpu))
        print(row("  Workspace.open minus the unlock", *other, t_wall, t_cpu))
        print(row("    of which one audit append", *append, t_wall, t_cpu))
        print(row("  verification itself (audio.container.verify)", *core, t_wall, t_cpu))
        print(row("  Workspace.verify (+ register, audit entry)", *logged, t_wall, t_cpu))
        parts = (i_wall + opened[0] + logged[0], i_cpu + opened[1] + logged[1])
        print(row("  sum of the parts", *parts, t_wall, t_cpu))
        print(
            f"\nratio wall {o_wall / t_wall:.2f} (goal <= {WALL_GOAL}), "
            f"CPU {o_cpu / t_cpu:.2f} (goal <= {CPU_GOAL}), "
            f"peak memory {o_peak:.0f} MB (goal < {MEMORY_GOAL_MB}; openssl {t_peak:.0f} MB, "
            f"imports alone {i_peak:.0f} MB)"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
