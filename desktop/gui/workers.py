"""Long work (export, verify, purge) off the GUI thread, reporting back by signals.

NB: the work runs on a Python thread; it emits private signals that Qt queues to this object,
which lives in the GUI thread and re-emits the public ones there. So whatever is connected to
`progressed`, `succeeded` or `failed` (lambdas too) runs in the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot


class Cancelled(Exception):
    """Raised inside a job when the user pressed Cancel."""


class Job(QObject):
    """Runs `work(job)` off the GUI thread. `work` may call `job.report(fraction)`, which also
    raises Cancelled once `cancel()` was called."""

    progressed = Signal(float)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()
    _worker_progress = Signal(float)
    _worker_done = Signal(bool, object)

    def __init__(self, work: Callable[[Job], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gespreksopname-job", daemon=True)
        self._worker_progress.connect(self._on_progress)
        self._worker_done.connect(self._on_done)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def report(self, fraction: float) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self._worker_progress.emit(fraction)

    def _run(self) -> None:
        try:
            result = self._work(self)
        except BaseException as exc:  # reported to the GUI thread, never lost
            self._worker_done.emit(False, exc)
        else:
            self._worker_done.emit(True, result)

    @Slot(float)
    def _on_progress(self, fraction: float) -> None:
        self.progressed.emit(fraction)

    @Slot(bool, object)
    def _on_done(self, ok: bool, value: object) -> None:
        (self.succeeded if ok else self.failed).emit(value)
        self.finished.emit()

    def wait(self, seconds: float = 30.0) -> bool:
        self._thread.join(seconds)
        return not self._thread.is_alive()
