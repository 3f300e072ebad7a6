"""What a job's Python function prints, kept for its report.

A command's output comes from its pipes; a function shares the worker's
``sys.stdout`` and ``sys.stderr`` with every other job. While a worker runs,
both are wrapped so that text written by a job's thread also goes to that
job's tail, and everything still reaches the terminal as before.

Only the job's own thread is followed: output of threads the function starts,
of subprocesses, and of logging handlers created before the worker started
(they hold the original stream) is not in the tail.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional, TextIO

from .output_tail import OutputTail

__all__ = ["capturing_output", "route_thread_output"]

_lock = threading.Lock()
_users = 0
_installed: Dict[str, "_RoutedStream"] = {}
_routes: Dict[int, OutputTail] = {}


class _RoutedStream:
    """A text stream that copies writes of routed threads into their tails."""

    def __init__(self, original: Optional[TextIO]) -> None:
        self._original = original

    def write(self, text: str) -> int:
        tail = _routes.get(threading.get_ident())
        if tail is not None and text:
            tail.push(text.encode("utf-8", "replace"))
        if self._original is None:
            return len(text)
        return self._original.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._original is not None:
            self._original.flush()

    def __getattr__(self, name: str) -> Any:
        # encoding, fileno, isatty, buffer …: whatever the real stream has.
        if self._original is None:
            raise AttributeError(name)
        return getattr(self._original, name)


@contextmanager
def capturing_output() -> Iterator[None]:
    """Wraps sys.stdout and sys.stderr while any worker runs (nested and concurrent uses share one wrapping)."""
    global _users
    with _lock:
        _users += 1
        if _users == 1:
            for name in ("stdout", "stderr"):
                current = getattr(sys, name)
                routed = _RoutedStream(current)
                _installed[name] = routed
                setattr(sys, name, routed)
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                for name, routed in list(_installed.items()):
                    # Someone may have replaced it since (pytest's capture); leave theirs in place.
                    if getattr(sys, name) is routed:
                        setattr(sys, name, routed._original)
                _installed.clear()


@contextmanager
def route_thread_output(tail: OutputTail) -> Iterator[None]:
    """Copies what the calling thread writes to sys.stdout/sys.stderr into ``tail``."""
    ident = threading.get_ident()
    _routes[ident] = tail
    try:
        yield
    finally:
        _routes.pop(ident, None)
