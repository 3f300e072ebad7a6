"""Test helpers for workers: run one in a thread for the length of a block,
and wait for a condition by polling it (for states no event announces)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List

import whatsnext


@contextmanager
def running(worker: whatsnext.Worker, **run_options: Any) -> Iterator[List[whatsnext.WorkerSummary]]:
    """Runs ``worker.run(**run_options)`` in a thread; at the end of the block
    stops it (if it has not ended) and requires it to end. The summary lands in the yielded list."""
    result: List[whatsnext.WorkerSummary] = []
    failure: Dict[str, BaseException] = {}

    def run() -> None:
        try:
            result.append(worker.run(**run_options))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failure["error"] = error

    thread = threading.Thread(target=run, name="test-worker", daemon=True)
    thread.start()
    try:
        yield result
    finally:
        if thread.is_alive():
            worker.stop("test over")
        thread.join(120)
    assert not thread.is_alive(), "the worker did not stop"
    if "error" in failure:
        raise failure["error"]


def eventually(condition: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    """Polls ``condition`` until it returns something truthy (returned), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
