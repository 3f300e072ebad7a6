"""A job: one run of a task with its parameters, in a project's queue.

``Job(...)`` made by hand is a job to submit (the original library's way:
``project.append_queue(Job("a", "train", {"lr": 0.1}))``); the jobs that
``submit``, listings and ``get_job`` return are submitted ones, bound to the
client. A submitted job's fields are those of its last read: ``refresh()``
reads them again, ``wait()`` waits for a change. A job known only by its id
(from ``submit_many``) reads itself the first time a field is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Union

from ._proto.whatsnext.v1 import job_pb2
from .errors import NotFound
from .job_specs import DependencyRef, JobSpec, TaskRef
from .parameters import Parameters, from_struct, to_struct
from .statuses import JobStatus, StatusLike, job_statuses
from .timestamps import to_datetime
from .watch import REFRESH_SECONDS, ProjectChanges, deadline_after, seconds_left

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Job", "JobDependency", "JobDependencies"]

UntilLike = Union[str, JobStatus, Iterable[StatusLike]]


@dataclass(frozen=True)
class JobDependency:
    """A job another job waits for, with its status."""

    id: int
    name: str
    status: JobStatus


@dataclass(frozen=True)
class JobDependencies:
    """A job's dependencies: what it waits for, and whether it can still run."""

    dependencies: List[JobDependency]
    #: Every dependency is COMPLETED (the job is claimable as far as they go).
    all_completed: bool
    #: A dependency FAILED or was CANCELLED or BLOCKED, so this job is (or will be) BLOCKED.
    has_failed: bool


class Job:
    """A job of a project's queue, or one to submit.

    To submit: ``Job(name, task, parameters, priority, depends_on=[...],
    max_attempts=..., idempotency_key=...)`` then ``project.append_queue(job)``
    or ``project.submit_many([...])``, which give it its id.
    """

    def __init__(
        self,
        name: str = "",
        task: TaskRef = "",
        parameters: Optional[Dict[str, Any]] = None,
        priority: int = 0,
        *,
        depends_on: Optional[Iterable[DependencyRef]] = None,
        depends: Optional[Iterable[DependencyRef]] = None,
        max_attempts: int = 0,
        idempotency_key: str = "",
    ) -> None:
        if depends is not None and depends_on is not None:
            raise TypeError("give depends_on or depends (its old name), not both")
        deps = depends_on if depends_on is not None else depends
        self._client: Optional["Client"] = None
        self._id: Optional[int] = None
        self._message: Optional[job_pb2.Job] = None
        self._spec: Optional[JobSpec] = JobSpec(
            task=task,
            name=name,
            parameters=dict(parameters or {}),
            priority=priority,
            depends_on=list(deps or []),
            max_attempts=max_attempts,
            idempotency_key=idempotency_key,
        )

    # --- construction by the package -------------------------------------

    @classmethod
    def _from_message(cls, client: "Client", message: job_pb2.Job) -> "Job":
        job = cls.__new__(cls)
        job._client = client
        job._id = int(message.id)
        job._message = message
        job._spec = None
        return job

    @classmethod
    def _from_id(cls, client: "Client", job_id: int, spec: Optional[JobSpec] = None) -> "Job":
        job = cls.__new__(cls)
        job._client = client
        job._id = int(job_id)
        job._message = None
        job._spec = spec
        return job

    def _bind(self, client: "Client", job_id: int, message: Optional[job_pb2.Job] = None) -> None:
        self._client = client
        self._id = int(job_id)
        self._message = message

    # --- identity ---------------------------------------------------------

    @property
    def id(self) -> Optional[int]:
        """The job's id; None until it is submitted."""
        return self._id

    @property
    def submitted(self) -> bool:
        """True once the server knows the job."""
        return self._id is not None

    @property
    def client(self) -> "Client":
        """The client the job was read or submitted through."""
        return self._bound()[0]

    def __repr__(self) -> str:
        if self._id is None:
            return f"Job(name={self.name!r}, task={self._spec.task if self._spec else ''!r}, not submitted)"
        if self._message is None:
            return f"Job(id={self._id})"
        return f"Job(id={self._id}, name={self.name!r}, task={self.task!r}, status={self.status.value!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Job):
            return NotImplemented
        if self._id is None or other._id is None:
            return self is other
        return self._id == other._id

    def __hash__(self) -> int:
        return hash(self._id) if self._id is not None else id(self)

    # --- fields -----------------------------------------------------------

    @property
    def name(self) -> str:
        """The job's name (may be empty); unique names let batches depend on each other by name."""
        if self._message is None and self._spec is not None:
            return self._spec.name
        return self._loaded().name

    @property
    def task(self) -> str:
        """The name of the job's task."""
        if self._message is None and self._spec is not None:
            from .tasks import Task

            task = self._spec.task
            if isinstance(task, str):
                return task
            if isinstance(task, Task):
                return task.name
            if not self.submitted:
                return str(task)
        return self._loaded().task_name

    @property
    def parameters(self) -> Parameters:
        """The job's parameters (a copy: change them with ``update(parameters=...)``)."""
        if self._message is None and self._spec is not None:
            return dict(self._spec.parameters)
        return from_struct(self._loaded().parameters)

    @property
    def priority(self) -> int:
        """Higher runs first; FIFO by id within a priority."""
        if self._message is None and self._spec is not None:
            return self._spec.priority
        return self._loaded().priority

    @property
    def depends_on(self) -> List[int]:
        """Ids of the jobs that must be COMPLETED before this one runs."""
        return [int(i) for i in self._loaded().depends_on]

    @property
    def depends(self) -> List[int]:
        """The original library's name for :attr:`depends_on`."""
        return self.depends_on

    @property
    def max_attempts(self) -> int:
        """Attempts allowed before the job stays FAILED."""
        if self._message is None and self._spec is not None and not self.submitted:
            return self._spec.max_attempts
        return self._loaded().max_attempts

    @property
    def project_id(self) -> int:
        """The id of the job's project."""
        return int(self._loaded().project_id)

    @property
    def task_id(self) -> int:
        """The id of the job's task."""
        return int(self._loaded().task_id)

    @property
    def status(self) -> JobStatus:
        """The status as of the last read (see ``refresh`` and ``wait``)."""
        return JobStatus.from_number(self._loaded().status)

    @property
    def done(self) -> bool:
        """True when the job is COMPLETED, FAILED, BLOCKED or CANCELLED (as of the last read)."""
        return self.status.done

    @property
    def attempts(self) -> int:
        """Attempts started so far."""
        return self._loaded().attempts

    @property
    def worker_id(self) -> str:
        """The worker holding the job while QUEUED or RUNNING; the last one after."""
        return self._loaded().worker_id

    @property
    def command(self) -> str:
        """The command the worker reported when it started the job."""
        return self._loaded().command

    @property
    def exit_code(self) -> Optional[int]:
        """The command's exit status, when it ended with one."""
        message = self._loaded()
        return message.exit_code if message.HasField("exit_code") else None

    @property
    def message(self) -> str:
        """How the job ended (``exited with code 1``, ``returned 0.93``), or why it was released or cancelled."""
        return self._loaded().message

    @property
    def output_tail(self) -> str:
        """The last lines of the job's output (stdout and stderr, or what its function printed and its traceback)."""
        return self._loaded().output_tail

    @property
    def idempotency_key(self) -> str:
        """The key that makes a second submit of the same job return the first."""
        return self._loaded().idempotency_key

    @property
    def command_template(self) -> str:
        """The task's command template (filled in for a claimed job)."""
        return self._loaded().command_template

    @property
    def required_cpu(self) -> int:
        """CPUs the job's task needs (filled in for a claimed job)."""
        return self._loaded().required_cpu

    @property
    def required_accelerators(self) -> int:
        """Accelerators the job's task needs (filled in for a claimed job)."""
        return self._loaded().required_accelerators

    @property
    def create_time(self) -> Optional[datetime]:
        """When the job was submitted (UTC)."""
        return to_datetime(self._loaded(), "create_time")

    @property
    def update_time(self) -> Optional[datetime]:
        """When the job last changed (UTC)."""
        return to_datetime(self._loaded(), "update_time")

    @property
    def start_time(self) -> Optional[datetime]:
        """When the job last started (UTC)."""
        return to_datetime(self._loaded(), "start_time")

    @property
    def finish_time(self) -> Optional[datetime]:
        """When the job last ended (UTC)."""
        return to_datetime(self._loaded(), "finish_time")

    @property
    def lease_expire_time(self) -> Optional[datetime]:
        """When the worker's lease ends unless it heartbeats (UTC)."""
        return to_datetime(self._loaded(), "lease_expire_time")

    @property
    def not_before_time(self) -> Optional[datetime]:
        """Not claimable before this time (retry backoff), when set (UTC)."""
        return to_datetime(self._loaded(), "not_before_time")

    # --- actions ----------------------------------------------------------

    def refresh(self) -> "Job":
        """Reads the job again; returns it."""
        client, job_id = self._bound()
        response = client._connection.call(client._connection.jobs, "GetJob", job_pb2.GetJobRequest(id=job_id), read=True)
        self._message = response.job
        return self

    def wait(self, timeout: Optional[float] = None, until: UntilLike = "done") -> "Job":
        """Waits until the job is done (COMPLETED, FAILED, BLOCKED or CANCELLED); returns it, refreshed.

        ``until`` may name statuses instead (``"running"``, ``["pending",
        "running"]``): the wait then ends when the job reaches one of them or
        is done, since a done job gets nowhere by itself. Follows the
        project's WatchJobs; raises TimeoutError after ``timeout`` seconds.
        """
        client, job_id = self._bound()
        wanted = None if until == "done" else set(job_statuses(until))  # type: ignore[arg-type]

        def reached(status: JobStatus) -> bool:
            return status.done or (wanted is not None and status in wanted)

        deadline = deadline_after(timeout)
        if self._message is None:
            self.refresh()
        assert self._message is not None
        project_id = int(self._message.project_id)
        with ProjectChanges(client, project_id, accept=lambda event: event.job.id == job_id) as changes:
            self.refresh()
            while True:
                if reached(self.status):
                    return self
                left = seconds_left(deadline)
                if deadline is not None and left <= 0:
                    raise TimeoutError(f"job {job_id} is still {self.status.value} after {timeout} s")
                if changes.wait(min(left, REFRESH_SECONDS)):
                    for event in changes.take():
                        if event.type == "deleted":
                            raise NotFound(f"job {job_id} was deleted while waiting for it")
                        self._message = event.job._message
                        if reached(self.status):
                            return self
                else:
                    self.refresh()

    def retry(self) -> "Job":
        """Returns a FAILED, BLOCKED or CANCELLED job to PENDING (and unblocks dependents blocked only by it)."""
        client, job_id = self._bound()
        self._message = client._connection.call(client._connection.jobs, "RetryJob", job_pb2.RetryJobRequest(id=job_id)).job
        return self

    def cancel(self, reason: str = "") -> "Job":
        """Cancels a PENDING, QUEUED, RUNNING or BLOCKED job; a running job's worker stops it within a heartbeat."""
        client, job_id = self._bound()
        request = job_pb2.CancelJobRequest(id=job_id, reason=reason)
        self._message = client._connection.call(client._connection.jobs, "CancelJob", request).job
        return self

    def delete(self) -> None:
        """Deletes the job."""
        client, job_id = self._bound()
        client._connection.call(client._connection.jobs, "DeleteJob", job_pb2.DeleteJobRequest(id=job_id))

    def update(
        self,
        *,
        priority: Optional[int] = None,
        parameters: Optional[Dict[str, Any]] = None,
        depends_on: Optional[Iterable[Union[int, "Job"]]] = None,
    ) -> "Job":
        """Changes what is given: the priority, the parameters (replaced whole), the dependencies (replaced; ``[]`` removes them)."""
        client, job_id = self._bound()
        request = job_pb2.UpdateJobRequest(id=job_id)
        if priority is not None:
            request.priority = priority
        if parameters is not None:
            request.parameters.CopyFrom(to_struct(parameters))
        if depends_on is not None:
            request.depends_on.SetInParent()
            request.depends_on.ids.extend(_job_ids(depends_on))
        self._message = client._connection.call(client._connection.jobs, "UpdateJob", request).job
        return self

    def dependencies(self) -> JobDependencies:
        """The jobs this one waits for, with their statuses."""
        client, job_id = self._bound()
        response = client._connection.call(
            client._connection.jobs, "GetJobDependencies", job_pb2.GetJobDependenciesRequest(id=job_id), read=True
        )
        return JobDependencies(
            dependencies=[JobDependency(int(d.id), d.name, JobStatus.from_number(d.status)) for d in response.dependencies],
            all_completed=response.all_completed,
            has_failed=response.has_failed,
        )

    # --- internals --------------------------------------------------------

    def _bound(self) -> "tuple[Client, int]":
        if self._client is None or self._id is None:
            raise RuntimeError(
                f"job {self.name or '(unnamed)'!s} is not submitted yet: pass it to project.submit_many() or project.append_queue() first"
            )
        return self._client, self._id

    def _loaded(self) -> job_pb2.Job:
        if self._message is None:
            self._bound()
            self.refresh()
        assert self._message is not None
        return self._message


def _job_ids(items: Iterable[Union[int, Job]]) -> List[int]:
    ids: List[int] = []
    for item in items:
        if isinstance(item, Job):
            if item.id is None:
                raise ValueError(f"job {item.name!r} is not submitted yet, so nothing can depend on it")
            ids.append(item.id)
        elif isinstance(item, bool) or not isinstance(item, int):
            raise TypeError(f"depends_on must list job ids or Jobs, got {item!r}")
        else:
            ids.append(item)
    return ids
