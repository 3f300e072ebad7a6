"""Job and project statuses as Python enums, with their protobuf numbers.

The values are the lowercase names the CLI prints (``"pending"``,
``"completed"``), so ``JobStatus("failed")`` and ``status == "failed"`` work.
"""

from __future__ import annotations

import enum
from typing import Dict, FrozenSet, Iterable, List, Optional, Union

from ._proto.whatsnext.v1 import common_pb2

__all__ = ["JobStatus", "ProjectStatus", "job_statuses"]


class JobStatus(str, enum.Enum):
    """Where a job is in its life. PENDING → QUEUED (claimed) → RUNNING →
    COMPLETED or FAILED; BLOCKED when a dependency failed or was cancelled;
    CANCELLED by a person."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value

    @property
    def done(self) -> bool:
        """True when nothing more happens to the job unless someone acts
        (retries it, or a dependency of a BLOCKED job): not PENDING, QUEUED or RUNNING."""
        return self in _DONE

    @property
    def number(self) -> int:
        """The protobuf enum number (``JOB_STATUS_…``)."""
        return _JOB_NUMBER[self]

    @classmethod
    def from_number(cls, number: int) -> "JobStatus":
        """The status for a protobuf enum number; ValueError for one this client does not know."""
        for status, value in _JOB_NUMBER.items():
            if value == number:
                return status
        raise ValueError(f"unknown job status number {number} (a newer server?)")


_DONE: FrozenSet[JobStatus] = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.BLOCKED, JobStatus.CANCELLED})
_JOB_NUMBER: Dict[JobStatus, int] = {
    JobStatus.PENDING: common_pb2.JOB_STATUS_PENDING,
    JobStatus.QUEUED: common_pb2.JOB_STATUS_QUEUED,
    JobStatus.RUNNING: common_pb2.JOB_STATUS_RUNNING,
    JobStatus.COMPLETED: common_pb2.JOB_STATUS_COMPLETED,
    JobStatus.FAILED: common_pb2.JOB_STATUS_FAILED,
    JobStatus.BLOCKED: common_pb2.JOB_STATUS_BLOCKED,
    JobStatus.CANCELLED: common_pb2.JOB_STATUS_CANCELLED,
}


class ProjectStatus(str, enum.Enum):
    """Whether a project takes new work: archived projects refuse new jobs and are hidden from listings."""

    ACTIVE = "active"
    ARCHIVED = "archived"

    def __str__(self) -> str:
        return self.value

    @property
    def number(self) -> int:
        """The protobuf enum number (``PROJECT_STATUS_…``)."""
        return common_pb2.PROJECT_STATUS_ACTIVE if self is ProjectStatus.ACTIVE else common_pb2.PROJECT_STATUS_ARCHIVED

    @classmethod
    def from_number(cls, number: int) -> "ProjectStatus":
        """The status for a protobuf enum number."""
        if number == common_pb2.PROJECT_STATUS_ARCHIVED:
            return ProjectStatus.ARCHIVED
        return ProjectStatus.ACTIVE


StatusLike = Union[JobStatus, str]


def job_statuses(statuses: Optional[Union[StatusLike, Iterable[StatusLike]]]) -> List[JobStatus]:
    """Normalises a status, a name (``"failed"``, ``"FAILED"``) or several into a list; ValueError names a bad one."""
    if statuses is None:
        return []
    items: Iterable[StatusLike] = [statuses] if isinstance(statuses, (str, JobStatus)) else statuses
    out: List[JobStatus] = []
    for item in items:
        if isinstance(item, JobStatus):
            out.append(item)
            continue
        name = str(item).strip().lower()
        if name.startswith("job_status_"):
            name = name[len("job_status_") :]
        try:
            out.append(JobStatus(name))
        except ValueError:
            known = ", ".join(s.value for s in JobStatus)
            raise ValueError(f"unknown job status {item!r} (known: {known})") from None
    return out
