"""A task: what a project's jobs run (a command template, or a Python
function a worker registers under the task's name) and what they need."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, Optional

from ._proto.whatsnext.v1 import task_pb2
from .timestamps import to_datetime

if TYPE_CHECKING:
    from .client import Client
    from .jobs import Job

__all__ = ["Task"]


class Task:
    """A task of a project, as last read from the server."""

    def __init__(self, client: "Client", message: task_pb2.Task) -> None:
        self._client = client
        self._message = message

    def __repr__(self) -> str:
        return f"Task(id={self.id}, name={self.name!r}, command_template={self.command_template!r}, cpus={self.cpus}, accelerators={self.accelerators})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Task) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("task", self.id))

    @property
    def id(self) -> int:
        """The task's id."""
        return int(self._message.id)

    @property
    def project_id(self) -> int:
        """The id of the task's project."""
        return int(self._message.project_id)

    @property
    def name(self) -> str:
        """The task's name, unique within its project."""
        return self._message.name

    @property
    def command_template(self) -> str:
        """The command a worker runs, with ``{param}`` placeholders; empty for tasks run as Python functions."""
        return self._message.command_template

    @property
    def cpus(self) -> int:
        """CPUs a job of this task needs."""
        return self._message.required_cpu

    @property
    def accelerators(self) -> int:
        """Accelerators (GPUs) a job of this task needs."""
        return self._message.required_accelerators

    @property
    def create_time(self) -> Optional[datetime]:
        """When the task was created (UTC)."""
        return to_datetime(self._message, "create_time")

    @property
    def update_time(self) -> Optional[datetime]:
        """When the task last changed (UTC)."""
        return to_datetime(self._message, "update_time")

    def refresh(self) -> "Task":
        """Reads the task again; returns it."""
        connection = self._client._connection
        self._message = connection.call(connection.tasks, "GetTask", task_pb2.GetTaskRequest(id=self.id), read=True).task
        return self

    def update(
        self,
        *,
        name: Optional[str] = None,
        command_template: Optional[str] = None,
        cpus: Optional[int] = None,
        accelerators: Optional[int] = None,
    ) -> "Task":
        """Changes what is given; jobs claimed afterwards see the change."""
        request = task_pb2.UpdateTaskRequest(id=self.id)
        if name is not None:
            request.name = name
        if command_template is not None:
            request.command_template = command_template
        if cpus is not None:
            request.required_cpu = cpus
        if accelerators is not None:
            request.required_accelerators = accelerators
        connection = self._client._connection
        self._message = connection.call(connection.tasks, "UpdateTask", request).task
        return self

    def delete(self) -> None:
        """Deletes the task and all its jobs."""
        connection = self._client._connection
        connection.call(connection.tasks, "DeleteTask", task_pb2.DeleteTaskRequest(id=self.id))

    def submit(self, params: Optional[Dict[str, Any]] = None, **options: Any) -> "Job":
        """Submits one job of this task; the options are those of ``Project.submit``."""
        from .projects import submit_job

        return submit_job(self._client, self.project_id, self, params, **options)
