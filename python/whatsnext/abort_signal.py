"""A one-shot signal that a running job must stop, like JavaScript's AbortSignal.

Whoever learns that a job must stop (a heartbeat naming it cancelled, the
worker shutting down) fires it once; whatever runs the job (a process, a
function) has registered how to stop itself, and that runs right away.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, List, Optional

__all__ = ["AbortSignal"]

_log = logging.getLogger("whatsnext.worker")


class AbortSignal:
    """Fired at most once; callbacks run in the thread that fires it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: List[Callable[[], None]] = []
        self.reason: str = ""

    @property
    def aborted(self) -> bool:
        """True once fired."""
        return self._event.is_set()

    def abort(self, reason: str = "") -> bool:
        """Fires the signal and runs the callbacks; False when it had fired already."""
        with self._lock:
            if self._event.is_set():
                return False
            self.reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            _run(callback)
        return True

    def add_callback(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Runs ``callback`` when the signal fires (at once if it has); returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        _run(callback)
        return lambda: None

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the signal fires or ``timeout`` seconds pass; True when it fired."""
        return self._event.wait(timeout)

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


def _run(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # noqa: BLE001 - one failing stop must not keep the others from running
        _log.exception("stopping a job failed")
