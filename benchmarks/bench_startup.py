"""GUI cold start to the main window shown, side by side with a bare PySide6 window with a table.

Run: .venv/bin/python benchmarks/bench_startup.py [--repeat 7] [--recordings 5]

Each start is a fresh process; ours and the bare window alternate, `--repeat` times, and the
medians are compared. Ours is the real entry point (`desktop.cli.main([])`, as `gespreksopname`
without a command runs it) on a vault with a few recordings; the unlock dialog is filled in
programmatically the moment it is shown. A start ends when the main window's Show event arrives
(for both; the process then exits). Wall time is measured by this process from the spawn, CPU
time (user + sys, all threads) by the child at that moment.

The unlock (`UnlockDialog.try_unlock`: Argon2id and the rest of Workspace.open) is reported
apart and taken out of ours. Goal: ours without the unlock at most 2x the bare window.
Qt runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise (e.g. xcb with Xvfb).
Python byte code is cached (in a temporary PYTHONPYCACHEPREFIX) as an installed app has it.
"""

from __future__ import annotations

import argparse
import json
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

from policy.policy import load_policy  # noqa: E402
from policy.workspace import Workspace  # noqa: E402

PASSPHRASE = "benchmark passphrase"
GOAL = 2.0

# Both children start with this: report the first Show event of the window named by argv[1]
# (CPU so far, and what the unlock took) as one JSON line, then exit at once.
PROBE = """
import json, os, resource, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

UNLOCK = {"wall": 0.0, "cpu": 0.0}

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

def unlock(dialog):
    wall, start = time.perf_counter(), cpu()
    dialog.passphrase.setText(os.environ["BENCH_PASSPHRASE"])
    dialog.try_unlock()
    UNLOCK["wall"], UNLOCK["cpu"] = time.perf_counter() - wall, cpu() - start

class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Show:
            name = type(watched).__name__
            if name == "UnlockDialog":
                QTimer.singleShot(0, lambda: unlock(watched))
            elif name == sys.argv[1]:
                print(json.dumps({"cpu": cpu(), "unlock": UNLOCK}), flush=True)
                os._exit(0)
        return False

probe = Probe()
app = QApplication(sys.argv[:1])
app.installEventFilter(probe)
"""

BARE = (
    PROBE
    + """
from PySide6.QtWidgets import QMainWindow, QTableWidget, QTableWidgetItem
window = QMainWindow()
table = QTableWidget(5, 6)
for row in range(5):
    for column in range(6):
        table.setItem(row, column, QTableWidgetItem(f"{row}.{column}"))
window.setCentralWidget(table)
window.resize(1100, 720)
window.show()
app.exec()
"""
)

# `gespreksopname` loads the command line (whose parser imports the command modules) before
# Qt; so does this, as PySide6 makes every later import dearer (it scans each module's source).
OURS = (
    """
import desktop.cli
from resources.catalogue import resolve_language
desktop.cli.build_parser(resolve_language(None))
"""
    + PROBE
    + """
desktop.cli.main([])
"""
)


class Start:
    """One fresh process until its main window is shown."""

    def __init__(self, script: str, window: str, env: dict[str, str]) -> None:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", script, window],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None and child.stderr is not None
        line = child.stdout.readline()
        self.wall = time.perf_counter() - start
        child.wait()
        error = child.stderr.read().decode(errors="replace")
        child.stdout.close()
        child.stderr.close()
        assert line, f"{window} was never shown: {error}"
        report = json.loads(line)
        self.cpu = float(report["cpu"])
        self.unlock_wall = float(report["unlock"]["wall"])
        self.unlock_cpu = float(report["unlock"]["cpu"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--recordings", type=int, default=5, help="short recordings in the vault")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="gesp-bench-startup-"))
    try:
        workspace = Workspace.create(base / "vault", PASSPHRASE, load_policy())
        second = bytes(48000 * 2)
        for _ in range(args.recordings):
            writer = workspace.vault.new_recording(sample_rate=48000, channels=1)
            for _second in range(10):
                writer.write(second)
            writer.seal()
        (base / "home").mkdir()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            HOME=str(base / "home"),
            XDG_CONFIG_HOME=str(base / "home" / ".config"),
            PYTHONPYCACHEPREFIX=str(base / "pycache"),
            PYTHONPATH=str(ROOT),
            GESPREKSOPNAME_VAULT=str(workspace.vault.root),
            BENCH_PASSPHRASE=PASSPHRASE,
        )
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        Start(BARE, "QMainWindow", env)  # warm the caches (files, byte code) for both
        Start(OURS, "MainWindow", env)
        bare, ours = [], []
        for _ in range(args.repeat):
            bare.append(Start(BARE, "QMainWindow", env))
            ours.append(Start(OURS, "MainWindow", env))
        b_wall = statistics.median(s.wall for s in bare)
        b_cpu = statistics.median(s.cpu for s in bare)
        o_wall = statistics.median(s.wall for s in ours)
        o_cpu = statistics.median(s.cpu for s in ours)
        u_wall = statistics.median(s.unlock_wall for s in ours)
        u_cpu = statistics.median(s.unlock_cpu for s in ours)
        n_wall = statistics.median(s.wall - s.unlock_wall for s in ours)
        n_cpu = statistics.median(s.cpu - s.unlock_cpu for s in ours)
        print(
            f"platform {env['QT_QPA_PLATFORM']}, {os.cpu_count()} cores, "
            f"{args.recordings} recordings in the vault; medians of {args.repeat} fresh starts\n"
        )
        print(f"  {'':<40} {'wall':>8} {'ratio':>6} {'CPU':>8} {'ratio':>6}")
        for name, wall, cpu in (
            ("bare PySide6 window with a table", b_wall, b_cpu),
            ("gespreksopname, main window shown", o_wall, o_cpu),
            ("  of which the unlock (Workspace.open)", u_wall, u_cpu),
            ("  without the unlock", n_wall, n_cpu),
        ):
            ratios = f"{wall / b_wall:5.2f}x {cpu:7.3f}s {cpu / b_cpu:5.2f}x"
            print(f"  {name:<40} {wall:7.3f}s {ratios}")
        print(
            f"\nratio without the unlock {n_wall / b_wall:.2f} (goal <= {GOAL}); "
            f"with it {o_wall / b_wall:.2f}"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
