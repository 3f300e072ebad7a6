"""A project: a named queue with its tasks and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._proto.whatsnext.v1 import job_pb2, project_pb2, task_pb2
from .errors import AlreadyExists
from .job_specs import DependencyRef, JobSpec, TaskRef, batch_request_items, expand_grid, spec_from_mapping, task_oneof
from .jobs import Job, _job_ids
from .paging import iterate_pages
from .parameters import to_struct
from .queue_stats import QueueStats
from .statuses import ProjectStatus, StatusLike, job_statuses
from .tasks import Task
from .timestamps import to_datetime
from .watch import REFRESH_SECONDS, JobWatch, ProjectChanges, deadline_after, seconds_left

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Project", "submit_job"]


def submit_job(
    client: "Client",
    project_id: int,
    task: TaskRef,
    params: Optional[Mapping[str, Any]] = None,
    *,
    name: str = "",
    priority: int = 0,
    depends_on: Iterable[Union[int, Job]] = (),
    max_attempts: int = 0,
    idempotency_key: str = "",
) -> Job:
    """One CreateJob call; the Job it answers with."""
    spec = JobSpec(task=task, name=name, parameters=dict(params or {}), priority=priority, max_attempts=max_attempts, idempotency_key=idempotency_key).checked("job")
    request = job_pb2.CreateJobRequest(
        project_id=project_id,
        name=spec.name,
        parameters=to_struct(spec.parameters),
        priority=spec.priority,
        depends_on=_job_ids(depends_on),
        max_attempts=spec.max_attempts,
        idempotency_key=spec.idempotency_key,
    )
    kind, value = task_oneof(spec.task)
    setattr(request, kind, value)
    response = client._connection.call(client._connection.jobs, "CreateJob", request)
    return Job._from_message(client, response.job)


class Project:
    """A project as last read from the server, with everything done to its queue."""

    def __init__(self, client: "Client", message: project_pb2.Project) -> None:
        self._client = client
        self._message = message

    def __repr__(self) -> str:
        return f"Project(id={self.id}, name={self.name!r}, status={self.status.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Project) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("project", self.id))

    # --- fields -----------------------------------------------------------

    @property
    def client(self) -> "Client":
        """The client the project was read through."""
        return self._client

    @property
    def id(self) -> int:
        """The project's id."""
        return int(self._message.id)

    @property
    def name(self) -> str:
        """The project's name, unique among projects."""
        return self._message.name

    @property
    def description(self) -> str:
        """What the project is for."""
        return self._message.description

    @property
    def status(self) -> ProjectStatus:
        """ACTIVE, or ARCHIVED (refuses new jobs, hidden from listings)."""
        return ProjectStatus.from_number(self._message.status)

    @property
    def create_time(self) -> Optional[datetime]:
        """When the project was created (UTC)."""
        return to_datetime(self._message, "create_time")

    @property
    def update_time(self) -> Optional[datetime]:
        """When the project last changed (UTC)."""
        return to_datetime(self._message, "update_time")

    # --- the project itself -----------------------------------------------

    def refresh(self) -> "Project":
        """Reads the project again; returns it."""
        connection = self._client._connection
        request = project_pb2.GetProjectRequest(id=self.id)
        self._message = connection.call(connection.projects, "GetProject", request, read=True).project
        return self

    def update(self, *, name: Optional[str] = None, description: Optional[str] = None) -> "Project":
        """Renames the project or changes its description."""
        return self._update(project_pb2.UpdateProjectRequest(id=self.id), name=name, description=description)

    def archive(self) -> "Project":
        """Archives the project: it refuses new jobs and leaves listings (jobs already queued still run)."""
        return self._update(project_pb2.UpdateProjectRequest(id=self.id, status=ProjectStatus.ARCHIVED.number))

    def unarchive(self) -> "Project":
        """Makes an archived project active again."""
        return self._update(project_pb2.UpdateProjectRequest(id=self.id, status=ProjectStatus.ACTIVE.number))

    def _update(self, request: project_pb2.UpdateProjectRequest, *, name: Optional[str] = None, description: Optional[str] = None) -> "Project":
        if name is not None:
            request.name = name
        if description is not None:
            request.description = description
        connection = self._client._connection
        self._message = connection.call(connection.projects, "UpdateProject", request).project
        return self

    def delete(self) -> None:
        """Deletes the project with all its tasks and jobs."""
        connection = self._client._connection
        connection.call(connection.projects, "DeleteProject", project_pb2.DeleteProjectRequest(id=self.id))

    # --- tasks ------------------------------------------------------------

    def create_task(
        self,
        name: str,
        command_template: str = "",
        *,
        cpus: int = 0,
        accelerators: int = 0,
        exist_ok: bool = False,
    ) -> Task:
        """Creates a task. ``command_template`` is what a command worker runs
        (``"python train.py --lr {lr}"``); leave it empty for tasks a Python
        worker runs as functions. With ``exist_ok`` an existing task of that
        name is returned unchanged instead of raising AlreadyExists."""
        request = task_pb2.CreateTaskRequest(
            project_id=self.id, name=name, command_template=command_template, required_cpu=cpus, required_accelerators=accelerators
        )
        connection = self._client._connection
        try:
            return Task(self._client, connection.call(connection.tasks, "CreateTask", request).task)
        except AlreadyExists:
            if not exist_ok:
                raise
            return self.get_task(name)

    def get_task(self, name: str) -> Task:
        """The task of that name; raises NotFound."""
        connection = self._client._connection
        request = task_pb2.GetTaskRequest(project_id=self.id, name=name)
        return Task(self._client, connection.call(connection.tasks, "GetTask", request, read=True).task)

    def tasks(self, *, page_size: int = 100) -> Iterator[Task]:
        """Every task of the project, page by page as you iterate."""
        connection = self._client._connection

        def page(token: str) -> Tuple[List[Task], str]:
            request = task_pb2.ListTasksRequest(project_id=self.id, page_size=page_size, page_token=token)
            response = connection.call(connection.tasks, "ListTasks", request, read=True)
            return [Task(self._client, t) for t in response.tasks], response.next_page_token

        return iterate_pages(page)

    # --- jobs -------------------------------------------------------------

    def submit(
        self,
        task: TaskRef,
        params: Optional[Mapping[str, Any]] = None,
        *,
        name: str = "",
        priority: int = 0,
        depends_on: Iterable[Union[int, Job]] = (),
        max_attempts: int = 0,
        idempotency_key: str = "",
    ) -> Job:
        """Submits one job of ``task`` (a name, id or Task) with ``params``.

        ``depends_on`` lists jobs (or ids) that must complete first;
        ``max_attempts`` > 1 retries failures automatically; a second submit
        with the same ``idempotency_key`` returns the first job.
        """
        return submit_job(
            self._client,
            self.id,
            task,
            params,
            name=name,
            priority=priority,
            depends_on=depends_on,
            max_attempts=max_attempts,
            idempotency_key=idempotency_key,
        )

    def submit_many(self, jobs: Iterable[Union[Job, Mapping[str, Any]]]) -> List[Job]:
        """Submits many jobs in one all-or-nothing call (at most 10,000).

        Each item is a ``Job(...)`` or a dict with ``task`` and optionally
        ``name``, ``parameters``, ``priority``, ``depends_on``,
        ``max_attempts``, ``idempotency_key``. ``depends_on`` may name earlier
        items of the same call. Returns the jobs in order (``Job`` items are
        given their ids); their status is read when first asked for.
        """
        specs: List[Tuple[JobSpec, Optional[Job]]] = []
        for index, item in enumerate(jobs):
            where = f"jobs[{index}]"
            if isinstance(item, Job):
                if item.submitted:
                    raise ValueError(f"{where}: job {item.id} is submitted already")
                assert item._spec is not None
                specs.append((item._spec.checked(where), item))
            elif isinstance(item, Mapping):
                specs.append((spec_from_mapping(item, where), None))
            else:
                raise TypeError(f"{where} must be a Job or a dict, got {type(item).__name__}")
        return self._submit_specs(specs)

    def submit_grid(
        self,
        task: TaskRef,
        grid: Mapping[str, Sequence[Any]],
        *,
        params: Optional[Mapping[str, Any]] = None,
        name_template: Optional[str] = None,
        depends_on: Iterable[DependencyRef] = (),
        priority: int = 0,
        max_attempts: int = 0,
    ) -> List[Job]:
        """One job per combination of the grid's values, in one call.

        ``submit_grid("train", {"lr": [0.1, 0.01], "seed": [1, 2, 3]})`` makes
        6 jobs named ``train-lr=0.1-seed=1`` … (or after ``name_template``,
        e.g. ``"lr{lr}-s{seed}"``), as a batch file's ``grid:`` does.
        ``params`` are defaults under every combination; ``depends_on`` (job
        ids or Jobs) applies to every job.
        """
        task_name = self._task_name(task)
        dependencies = list(depends_on)
        specs = [
            (JobSpec(task=task, name=name, parameters=parameters, priority=priority, depends_on=list(dependencies), max_attempts=max_attempts).checked(f"grid job {name}"), None)
            for name, parameters in expand_grid(task_name, grid, params, name_template)
        ]
        return self._submit_specs(specs)

    def _task_name(self, task: TaskRef) -> str:
        if isinstance(task, Task):
            return task.name
        if isinstance(task, str):
            return task
        connection = self._client._connection
        return connection.call(connection.tasks, "GetTask", task_pb2.GetTaskRequest(id=int(task)), read=True).task.name

    def _submit_specs(self, specs: Sequence[Tuple[JobSpec, Optional[Job]]]) -> List[Job]:
        if not specs:
            return []
        items = batch_request_items(specs)
        connection = self._client._connection
        request = job_pb2.BatchCreateJobsRequest(project_id=self.id, jobs=items)
        response = connection.call(connection.jobs, "BatchCreateJobs", request)
        out: List[Job] = []
        for (spec, given), job_id in zip(specs, response.job_ids):
            if given is not None:
                given._bind(self._client, int(job_id))
                out.append(given)
            else:
                out.append(Job._from_id(self._client, int(job_id), spec))
        return out

    def jobs(
        self,
        status: Optional[Union[StatusLike, Iterable[StatusLike]]] = None,
        *,
        task: Optional[str] = None,
        page_size: int = 100,
    ) -> Iterator[Job]:
        """The project's jobs (by id), optionally only those in ``status`` (one or several) or of ``task``."""
        statuses = [s.number for s in job_statuses(status)]
        connection = self._client._connection

        def page(token: str) -> Tuple[List[Job], str]:
            request = job_pb2.ListJobsRequest(project_id=self.id, statuses=statuses, task_name=task or "", page_size=page_size, page_token=token)
            response = connection.call(connection.jobs, "ListJobs", request, read=True)
            return [Job._from_message(self._client, j) for j in response.jobs], response.next_page_token

        return iterate_pages(page)

    def stats(self) -> QueueStats:
        """Jobs per status, and active and registered workers."""
        connection = self._client._connection
        request = job_pb2.GetQueueStatsRequest(project_id=self.id)
        return QueueStats.from_message(connection.call(connection.jobs, "GetQueueStats", request, read=True))

    def wait(self, until: str = "done", timeout: Optional[float] = None) -> QueueStats:
        """Waits until no job is pending, queued or running; returns the final stats.

        Follows WatchJobs, so it returns moments after the last job ends;
        raises TimeoutError after ``timeout`` seconds.
        """
        if until != "done":
            raise ValueError(f'until must be "done", got {until!r}')
        deadline = deadline_after(timeout)
        with ProjectChanges(self._client, self.id) as changes:
            while True:
                stats = self.stats()
                if stats.done:
                    return stats
                left = seconds_left(deadline)
                if deadline is not None and left <= 0:
                    raise TimeoutError(
                        f"project {self.name} still has {stats.pending} pending, {stats.queued} queued and {stats.running} running jobs after {timeout} s"
                    )
                changes.wait(min(left, REFRESH_SECONDS))
                for _ in changes.take():
                    pass

    def watch(self) -> JobWatch:
        """Every change to the project's jobs as it happens: ``with project.watch() as changes: for event in changes: ...``."""
        return JobWatch(self._client, self.id)

    def clear_queue(self) -> int:
        """Deletes the project's PENDING jobs; returns how many."""
        connection = self._client._connection
        return int(connection.call(connection.jobs, "ClearQueue", job_pb2.ClearQueueRequest(project_id=self.id)).deleted)

    # --- the original library's names -------------------------------------

    def append_queue(self, job: Job) -> Job:
        """Submits a ``Job(...)`` (the original library's name); the job gets its id and is returned."""
        if not isinstance(job, Job):
            raise TypeError(f"append_queue takes a whatsnext.Job, got {type(job).__name__}")
        return self.submit_many([job])[0]

    def extend_queue(self, jobs: Iterable[Job]) -> List[Job]:
        """Submits several ``Job(...)`` in one call (the original library's name for :meth:`submit_many`)."""
        return self.submit_many(list(jobs))
