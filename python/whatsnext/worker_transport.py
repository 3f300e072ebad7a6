"""Every call a worker makes to the server, in one place.

The worker runtime decides what to run and when; this class only says it to
the server: register, heartbeat, claim (FetchJob), start, finish, release,
deactivate. A different transport (a bidirectional worker stream, live
output) replaces this class without touching the runtime.

Reports (start, finish, release) are tried again while the server is
Unavailable, rate limits or answers Aborted (a conflict the database broke),
since losing one leaves a job leased until the
worker stops; other refusals are returned to the runtime.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple, TypeVar

import grpc

from ._proto.whatsnext.v1 import job_pb2, worker_pb2
from .connection import Connection, PendingCall
from .errors import Aborted, ResourceExhausted, Unavailable, WhatsNextError
from .output_tail import DEFAULT_TAIL_BYTES, last_bytes
from .outcomes import RunOutcome
from .resources import FreeResources

__all__ = ["Registration", "WorkerTransport", "PendingFetch", "REPORT_ATTEMPTS"]

_log = logging.getLogger("whatsnext.worker")

#: Tries of a report (start, finish, release) while the server is Unavailable.
REPORT_ATTEMPTS = 5
#: Added to FetchJob's wait for its deadline: the server answers at the end of the wait.
_FETCH_DEADLINE_MARGIN_SECONDS = 30.0
#: Time one send of output may take before it counts as failed (and is tried again).
_APPEND_TIMEOUT_SECONDS = 10.0

T = TypeVar("T")


@dataclass(frozen=True)
class Registration:
    """What RegisterWorker granted."""

    worker_id: str
    lease_seconds: int
    #: How often to heartbeat (the server's advice, else a third of the lease).
    heartbeat_seconds: float


class PendingFetch:
    """A FetchJob in flight; cancel() abandons it (only while the worker stops:
    jobs the server claimed meanwhile are released when the worker deactivates)."""

    def __init__(self, call: PendingCall) -> None:
        self._call = call

    def cancel(self) -> None:
        """Abandons the claim; result() raises grpc.FutureCancelledError."""
        self._call.cancel()

    def result(self) -> List[job_pb2.Job]:
        """The claimed jobs (possibly none); raises WhatsNextError or grpc.FutureCancelledError."""
        return list(self._call.result().jobs)


class WorkerTransport:
    """The worker's calls over unary RPCs of WorkerService."""

    def __init__(self, connection: Connection, project_id: int) -> None:
        self._connection = connection
        self._project_id = project_id
        self.worker_id = ""

    def register(
        self,
        *,
        worker_id: Optional[str],
        name: str,
        entity: str,
        description: str,
        cpus: Optional[int],
        accelerators: Optional[int],
    ) -> Registration:
        """Registers (or re-registers under ``worker_id``) and remembers the id the server gives."""
        request = worker_pb2.RegisterWorkerRequest(id=worker_id or "", name=name, entity=entity, description=description)
        if cpus is not None:
            request.available_cpu = cpus
        if accelerators is not None:
            request.available_accelerators = accelerators
        response = self._connection.call(self._connection.workers, "RegisterWorker", request)
        self.worker_id = response.worker.id
        lease = response.lease_seconds or 60
        heartbeat = response.heartbeat_interval_seconds or max(1, lease // 3)
        return Registration(worker_id=self.worker_id, lease_seconds=lease, heartbeat_seconds=float(heartbeat))

    def heartbeat(self) -> List[int]:
        """Extends the worker's leases; returns the ids of its jobs that were cancelled."""
        request = worker_pb2.HeartbeatRequest(worker_id=self.worker_id)
        response = self._connection.call(self._connection.workers, "Heartbeat", request)
        return [int(i) for i in response.cancelled_job_ids]

    def fetch(self, free: FreeResources, max_jobs: int, wait_seconds: int) -> PendingFetch:
        """Starts claiming up to ``max_jobs`` jobs that fit ``free``, waiting up to ``wait_seconds`` for one."""
        request = worker_pb2.FetchJobRequest(
            worker_id=self.worker_id, project_id=self._project_id, wait_seconds=wait_seconds, max_jobs=max_jobs
        )
        if free.cpu is not None:
            request.available_cpu = free.cpu
        if free.accelerators is not None:
            request.available_accelerators = free.accelerators
        call = self._connection.future(
            self._connection.workers, "FetchJob", request, timeout=wait_seconds + _FETCH_DEADLINE_MARGIN_SECONDS
        )
        return PendingFetch(call)

    def start(self, job_id: int, command: str) -> None:
        """Reports that the job started with ``command``; raises WhatsNextError when the server refuses."""
        request = worker_pb2.StartJobRequest(job_id=job_id, worker_id=self.worker_id, command=command)
        self._retrying(lambda: self._connection.call(self._connection.workers, "StartJob", request))

    def finish(self, job_id: int, outcome: RunOutcome) -> bool:
        """Reports how the job ended; False (logged) when that could not be stored."""
        request = worker_pb2.FinishJobRequest(
            job_id=job_id,
            worker_id=self.worker_id,
            success=outcome.success,
            message=outcome.message,
            output_tail=last_bytes(outcome.output_tail, DEFAULT_TAIL_BYTES),
        )
        if outcome.exit_code is not None:
            request.exit_code = outcome.exit_code
        return self._report(lambda: self._connection.call(self._connection.workers, "FinishJob", request), f"report job {job_id} finished")

    def append_output(self, job_id: int, attempt: int, seq: int, pieces: List[Tuple[str, str]]) -> None:
        """Adds pieces (stream, text) to the attempt's output; raises WhatsNextError when the server refuses."""
        streams = {"stdout": job_pb2.OUTPUT_STREAM_STDOUT, "stderr": job_pb2.OUTPUT_STREAM_STDERR, "notice": job_pb2.OUTPUT_STREAM_NOTICE}
        request = worker_pb2.AppendJobOutputRequest(
            job_id=job_id,
            worker_id=self.worker_id,
            attempt=attempt,
            seq=seq,
            chunks=[job_pb2.OutputChunk(stream=streams[stream], text=text) for stream, text in pieces],
        )
        self._connection.call(self._connection.workers, "AppendJobOutput", request, timeout=_APPEND_TIMEOUT_SECONDS)

    def release(self, job_id: int, reason: str) -> bool:
        """Hands the job back to the queue without using an attempt; False (logged) when refused."""
        request = worker_pb2.ReleaseJobRequest(job_id=job_id, worker_id=self.worker_id, reason=reason)
        return self._report(lambda: self._connection.call(self._connection.workers, "ReleaseJob", request), f"release job {job_id}")

    def deactivate(self) -> bool:
        """Marks the worker inactive; the server returns whatever it still holds to the queue."""
        request = worker_pb2.DeactivateWorkerRequest(worker_id=self.worker_id)
        return self._report(lambda: self._connection.call(self._connection.workers, "DeactivateWorker", request), "deactivate the worker")

    def _report(self, action: Callable[[], object], what: str) -> bool:
        try:
            self._retrying(action)
            return True
        except WhatsNextError as error:
            _log.error("could not %s: %s", what, error)
            return False

    def _retrying(self, action: Callable[[], T]) -> T:
        for attempt in range(1, REPORT_ATTEMPTS + 1):
            try:
                return action()
            except (Unavailable, ResourceExhausted, Aborted) as error:
                if attempt >= REPORT_ATTEMPTS:
                    raise
                delay = error.retry_after if error.retry_after is not None else 0.25 * 2**attempt
                time.sleep(min(delay, 10.0))
        raise AssertionError("unreachable")  # pragma: no cover


def is_cancelled_fetch(error: BaseException) -> bool:
    """True for the exception a cancelled fetch raises."""
    return isinstance(error, grpc.FutureCancelledError)
