"""`gespreksopname devices` and `gespreksopname record`: the microphone from the command line."""

from __future__ import annotations

import contextlib
import math
import os
import queue
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from audio.sound.devices import DeviceError, list_input_devices
from desktop.cli.base import message
from desktop.cli.exits import Exit
from policy.display import clock, visible
from policy.recording import SessionRefused, start_recording
from policy.session import load_session

if TYPE_CHECKING:
    from desktop.cli.base import Cli
    from policy.recording import Recording
    from policy.workspace import Workspace


def devices(cli: Cli) -> int:
    found = list_input_devices()
    if not found:
        cli.say("devices.none")
        return Exit.USAGE
    for device in found:
        mark = "*" if device.is_default else " "
        print(
            f"{mark} {device.index:>3}  {visible(device.name)}  ({device.host_api}, "
            f"{device.max_channels} ch, {device.default_rate:.0f} Hz)"
        )
    return Exit.OK


def _db(value: float) -> str:
    return " -inf" if value == -math.inf else f"{value:5.1f}"


def _meter(peak: float, width: int = 20) -> str:
    filled = 0 if peak == -math.inf else max(0, min(width, round((peak + 60) / 60 * width)))
    return "#" * filled + "." * (width - filled)


def record(cli: Cli) -> int:
    session = load_session(Path(cli.args.session))
    workspace = cli.workspace()
    sample_format = "s24le" if cli.args.bits == 24 else "s16le"
    # A signal or a recorder event: look now. NB: a SimpleQueue, not an Event: its put() is
    # safe in a signal handler, which may interrupt the main thread inside Event's own lock.
    wake: queue.SimpleQueue[str] = queue.SimpleQueue()
    try:
        recording = start_recording(
            workspace,
            session,
            cli.args.device,
            channels=cli.args.channels,
            sample_format=sample_format,
            on_event=lambda event: wake.put(f"{event.kind}:{event.code}"),
        )
    except SessionRefused as exc:
        cli.say("decision.refused")
        for reason in exc.decision.reasons:  # a reason may quote a participant's name
            print(f"  - [{reason.rule_label(cli.lang)}] {visible(reason.text(cli.lang))}")
        return Exit.REFUSED
    except DeviceError as exc:
        cli.warn("cli.failed", message=message(exc, cli.lang))
        recording_id = getattr(exc, "recording_id", "")
        if recording_id:
            print(recording_id)
        return Exit.DEVICE

    def on_signal(*_: object) -> None:
        wake.put("signal")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    deadline = time.monotonic() + cli.args.duration if cli.args.duration else None
    stop_reason = "user"
    interactive = sys.stderr.isatty()
    # The status line four times a second on a terminal; otherwise only events (a warning, the
    # recording stopping by itself), signals and the duration wake us: each wake-up costs CPU
    # a plain recorder does not spend. The long tick is a safety net; on Windows before Python
    # 3.14 it is also how soon Ctrl-C is seen (a wait there cannot be interrupted).
    tick = 0.25 if interactive else 2.0 if os.name == "nt" else 30.0
    woken: set[str] = set()
    try:
        cli.warn("record.started", id=recording.recording_id)
        while "signal" not in woken:
            _report(cli, recording, interactive)
            # It stopped by itself (device lost, disk full): stop() below joins it.
            if "state:stopped" in woken or recording.recorder.wait(0):
                break
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                stop_reason = "duration"
                break
            with contextlib.suppress(queue.Empty):
                left = tick if deadline is None else min(tick, max(deadline - now, 0.0))
                woken.add(wake.get(timeout=left))
                while not wake.empty():
                    woken.add(wake.get_nowait())
        manifest = recording.stop(stop_reason)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _report(cli, recording, interactive)
    if interactive:
        print(file=sys.stderr)
    status = recording.status()
    if recording.audit_error is not None:  # sealed, but the audit trail could not be written
        cli.warn("cli.failed", message=message(recording.audit_error, cli.lang))
    cli.warn(
        "record.sealed",
        duration=clock(manifest.duration_s),
        state=cli.t(f"state.{manifest.state}"),
    )
    print(recording.recording_id)
    _send_to_archive(cli, workspace)
    if status.stop_reason == "device_lost":
        return Exit.DEVICE
    if status.stop_reason in ("disk_full", "write_failed") or recording.audit_error is not None:
        return Exit.DISK
    return Exit.OK


def _send_to_archive(cli: Cli, workspace: Workspace) -> None:
    """Once sealed, send the recording to the organisation's archive when one is in force; what
    cannot be sent now stays queued for `archive sync` or the app (never an error here)."""
    if workspace.policy.archive is None:
        return
    synced = workspace.sync_archive()
    cli.warn("archive.cli.synced", done=synced.done, left=synced.left)


def _report(cli: Cli, recording: Recording, interactive: bool) -> None:
    """The live status line (on a terminal) and every warning, the moment it happens."""
    for event in recording.events():
        if event.kind == "warning":
            if interactive:
                print(file=sys.stderr)
            data = {k: visible(v) if isinstance(v, str) else v for k, v in event.data.items()}
            cli.warn(f"warning.{event.code}", **data)
    if not interactive:
        return
    status = recording.status()
    state = cli.t(f"record.state.{status.state}")
    line = "\r" + cli.t(
        "record.line",
        state=state,
        time=clock(status.elapsed_s),
        meter=_meter(status.peak_dbfs),
        peak=_db(status.peak_dbfs),
        rms=_db(status.rms_dbfs),
    )
    if status.overflows:
        line += f"  overflows {status.overflows}"
    print(line, end="", file=sys.stderr, flush=True)
