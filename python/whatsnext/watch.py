"""Waiting on WatchJobs: ``job.wait()`` and ``project.wait(until="done")``.

The server pushes every change to a project's jobs; a waiter re-reads the
state it waits on only when something changed, so waiting on a 10,000-job
sweep costs a handful of calls, not a poll per second. The stream gives no
sign of when the server has subscribed it, and reconnects after a server
restart may miss a change, so the state is also re-read every few seconds
(:data:`REFRESH_SECONDS`): a missed change costs at most that delay.
"""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Deque, Iterator, Optional

from ._proto.whatsnext.v1 import job_pb2
from .errors import Aborted, Cancelled, Internal, Unavailable, Unknown, WhatsNextError

if TYPE_CHECKING:
    from .client import Client
    from .jobs import Job

__all__ = ["JobEvent", "JobWatch", "ProjectChanges", "REFRESH_SECONDS"]

#: The longest a waiter goes without re-reading what it waits on.
REFRESH_SECONDS = 5.0
_EVENT_TYPES = {
    job_pb2.JOB_EVENT_TYPE_CREATED: "created",
    job_pb2.JOB_EVENT_TYPE_UPDATED: "updated",
    job_pb2.JOB_EVENT_TYPE_DELETED: "deleted",
}
# Stream failures that a reconnect may cure.
_TRANSIENT = (Unavailable, Internal, Unknown, Aborted)


@dataclass(frozen=True)
class JobEvent:
    """One change to a project's jobs.

    ``type`` is ``"created"``, ``"updated"`` or ``"deleted"``; ``job`` is the
    job after the change (for ``"deleted"`` only its id, project and name).
    """

    type: str
    job: "Job"


def _event(client: "Client", message: Any) -> JobEvent:
    from .jobs import Job

    return JobEvent(_EVENT_TYPES.get(message.type, "updated"), Job._from_message(client, message.job))


class JobWatch:
    """The changes to a project's jobs as they happen: iterate it; ``close()``
    (from any thread) or leaving its ``with`` block ends the stream."""

    def __init__(self, client: "Client", project_id: int) -> None:
        self._client = client
        connection = client._connection
        self._call = connection.stream(connection.jobs, "WatchJobs", job_pb2.WatchJobsRequest(project_id=project_id))
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[JobEvent]:
        try:
            for message in self._call:
                yield _event(self._client, message)
        except Cancelled:
            if not self._closed.is_set():
                raise

    def close(self) -> None:
        """Ends the stream; an iteration in progress stops."""
        self._closed.set()
        self._call.cancel()

    def __enter__(self) -> "JobWatch":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class ProjectChanges:
    """Follows a project's WatchJobs in a background thread, reconnecting
    after transient failures, and wakes a waiter on every accepted change.

    Use as a context manager; :meth:`wait` returns when something changed
    (or the timeout passed), and :meth:`take` hands over the accepted events.
    """

    def __init__(self, client: "Client", project_id: int, accept: Callable[[JobEvent], bool] = lambda _: True) -> None:
        self._client = client
        self._project_id = project_id
        self._accept = accept
        self._changed = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._events: Deque[JobEvent] = collections.deque()
        self._error: Optional[WhatsNextError] = None
        self._call: Any = None
        self._thread = threading.Thread(target=self._follow, name=f"whatsnext-watch-{project_id}", daemon=True)

    def __enter__(self) -> "ProjectChanges":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()
        self._thread.join(5)

    def wait(self, timeout: float) -> bool:
        """Blocks until a change or ``timeout`` seconds; True on a change. Raises the stream's lasting failure."""
        changed = self._changed.wait(max(0.0, timeout))
        self._changed.clear()
        if self._error is not None:
            raise self._error
        return changed

    def take(self) -> Iterator[JobEvent]:
        """The accepted events since the last take, oldest first."""
        while True:
            with self._lock:
                if not self._events:
                    return
                event = self._events.popleft()
            yield event

    def _follow(self) -> None:
        connection = self._client._connection
        failures = 0
        while not self._stopped.is_set():
            call = connection.stream(connection.jobs, "WatchJobs", job_pb2.WatchJobsRequest(project_id=self._project_id))
            with self._lock:
                self._call = call
            if self._stopped.is_set():
                call.cancel()
                return
            try:
                for message in call:
                    failures = 0
                    event = _event(self._client, message)
                    if self._accept(event):
                        with self._lock:
                            self._events.append(event)
                        self._changed.set()
            except Cancelled:
                if self._stopped.is_set():
                    return
            except _TRANSIENT:
                pass
            except WhatsNextError as error:
                self._error = error
                self._changed.set()
                return
            # The stream ended or failed for a reason a reconnect may cure (a
            # server restart): changes may have been missed, so wake the waiter.
            failures += 1
            self._changed.set()
            if self._stopped.wait(min(10.0, 0.5 * 2 ** min(failures, 5))):
                return


def deadline_after(timeout: Optional[float]) -> Optional[float]:
    """The monotonic time a wait of ``timeout`` seconds ends, None for no end."""
    if timeout is None:
        return None
    if timeout < 0:
        raise ValueError(f"timeout must be 0 or more seconds, got {timeout}")
    return time.monotonic() + timeout


def seconds_left(deadline: Optional[float]) -> float:
    """Seconds until ``deadline`` (REFRESH_SECONDS when there is none), at least 0."""
    if deadline is None:
        return REFRESH_SECONDS
    return max(0.0, deadline - time.monotonic())
