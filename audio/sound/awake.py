"""Keep the computer awake while recording (best effort, per platform) and let it sleep after."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from types import TracebackType


class KeepAwake:
    """Inhibits idle sleep: systemd-inhibit (Linux), caffeinate (macOS),
    SetThreadExecutionState (Windows). Silently does nothing where none is available."""

    def __init__(self, why: str = "Gespreksopname neemt op / is recording") -> None:
        self.why = why
        self._process: subprocess.Popen[bytes] | None = None
        self._windows = False

    @property
    def active(self) -> bool:
        return self._windows or (self._process is not None and self._process.poll() is None)

    def __enter__(self) -> KeepAwake:
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows only
                import ctypes

                es_continuous, es_system_required = 0x80000000, 0x00000001
                ctypes.windll.kernel32.SetThreadExecutionState(  # type: ignore[attr-defined]
                    es_continuous | es_system_required
                )
                self._windows = True
            elif sys.platform == "darwin" and shutil.which("caffeinate"):  # pragma: no cover
                self._process = subprocess.Popen(
                    ["caffeinate", "-i", "-w", str(os.getpid())], stdin=subprocess.DEVNULL
                )
            elif shutil.which("systemd-inhibit"):
                self._process = subprocess.Popen(
                    [
                        "systemd-inhibit",
                        "--what=idle:sleep",
                        "--who=Gespreksopname",
                        f"--why={self.why}",
                        "--mode=block",
                        "sleep",
                        "infinity",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
        except OSError:
            self._process = None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def release(self) -> None:
        if self._windows:  # pragma: no cover - Windows only
            import ctypes

            ctypes.windll.kernel32.SetThreadExecutionState(0x80000000)  # type: ignore[attr-defined]
            self._windows = False
        if self._process is not None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(2)
            if self._process.poll() is None:
                self._process.kill()
            self._process = None
