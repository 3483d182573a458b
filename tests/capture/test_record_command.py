"""`gespreksopname record` as a process: SIGTERM, SIGKILL then recover, a full disk, memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policy.workspace import Workspace
from tests.helpers.virtual_mic import VirtualMic
from tests.unit.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
SESSION = ROOT / "docs" / "examples" / "session.toml"


def command_env(workspace: Workspace) -> dict[str, str]:
    return dict(
        os.environ,
        GESPREKSOPNAME_VAULT=str(workspace.vault.root),
        GESPREKSOPNAME_PASSPHRASE=PASSPHRASE,
        LANG="nl_NL.UTF-8",
    )


def record_process(
    workspace: Workspace, *extra: str, preexec: Callable[[], object] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop.cli",
            "record",
            str(SESSION),
            "--device",
            "gespreksopname_test",
            *extra,
        ],
        cwd=ROOT,
        env=command_env(workspace),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
    )


def cli_json(workspace: Workspace, *args: str) -> object:
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        cwd=ROOT,
        env=command_env(workspace),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def listed(workspace: Workspace) -> list[dict[str, Any]]:
    """The recordings as `list --json` gives them: one JSON object each."""
    rows = cli_json(workspace, "list", "--json")
    assert isinstance(rows, list) and all(isinstance(row, dict) for row in rows), rows
    return rows


def wait_for_start(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "gestart" in line, line


def test_duration_and_sigterm_seal_and_print_the_id(mic: VirtualMic, workspace: Workspace) -> None:
    done = record_process(workspace, "--duration", "1.5")
    out, err = done.communicate(timeout=30)
    assert done.returncode == 0, err
    first = out.strip().splitlines()[-1]
    stopped = record_process(workspace)
    wait_for_start(stopped)
    time.sleep(1.5)
    stopped.send_signal(signal.SIGTERM)
    out, err = stopped.communicate(timeout=30)
    assert stopped.returncode == 0, err
    second = out.strip().splitlines()[-1]
    rows = {row["id"]: row for row in listed(workspace)}
    assert rows[first]["state"] == rows[second]["state"] == "sealed"
    assert 1.3 <= rows[first]["duration_s"] <= 1.8
    assert rows[second]["duration_s"] >= 1.0


def test_sigkill_while_recording_then_recover(mic: VirtualMic, workspace: Workspace) -> None:
    process = record_process(workspace)
    wait_for_start(process)
    started = time.monotonic()
    time.sleep(3.5)
    os.kill(process.pid, signal.SIGKILL)
    elapsed = time.monotonic() - started
    process.wait(10)
    rows = listed(workspace)
    assert [row["state"] for row in rows] == ["open"]
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "recover"],
        cwd=ROOT,
        env=command_env(workspace),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "hersteld" in result.stdout, result.stdout
    (row,) = listed(workspace)
    assert row["state"] == "interrupted"
    # At most about one second lost (plus the time the first block took to arrive).
    assert elapsed - 1.3 <= row["duration_s"] <= elapsed, (elapsed, row["duration_s"])
    verified = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "verify", row["id"]],
        cwd=ROOT,
        env=command_env(workspace),
        capture_output=True,
    )
    assert verified.returncode == 0


def _limit_file_size() -> None:
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))


def test_a_write_failure_stops_and_seals_what_was_written(
    mic: VirtualMic, workspace: Workspace
) -> None:
    # No --duration: the recording ending by itself must wake the command at once (its
    # fallback tick without a terminal is 30 s).
    process = record_process(workspace, preexec=_limit_file_size)
    started = time.monotonic()
    out, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 15, "the command did not notice the recording end"
    assert process.returncode == 5, err
    assert "Schrijven naar de schijf is mislukt" in err
    recording_id = out.strip().splitlines()[-1]
    (row,) = listed(workspace)
    assert row["id"] == recording_id and row["state"] == "interrupted"
    assert 3.0 <= row["duration_s"] <= 4.5  # 400 kB of 96 kB/s


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ten_minutes_with_constant_memory(mic: VirtualMic, workspace: Workspace) -> None:
    process = record_process(workspace, "--duration", "600")
    wait_for_start(process)
    samples = []
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        for line in status.read_text().splitlines() if status.exists() else []:
            if line.startswith("VmRSS:"):
                samples.append(int(line.split()[1]))
        time.sleep(5)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    settled = samples[6:]  # after the first 30 s
    growth_mb = (max(settled) - settled[0]) / 1024
    assert growth_mb < 10, (growth_mb, samples)
