"""A worker as the server knows it (``client.workers()``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, List, Optional

from .timestamps import to_datetime

__all__ = ["WorkerInfo"]


@dataclass(frozen=True)
class WorkerInfo:
    """A registered worker: who it is, what it offers, and the jobs it holds."""

    id: str
    name: str
    entity: str
    description: str
    #: CPUs it offers; None when it does not say (not filtered).
    available_cpu: Optional[int]
    #: Accelerators it offers; None when it does not say.
    available_accelerators: Optional[int]
    active: bool
    last_heartbeat_time: Optional[datetime]
    create_time: Optional[datetime]
    #: Jobs it holds a lease on (QUEUED or RUNNING).
    job_ids: List[int]

    @classmethod
    def from_message(cls, message: Any) -> "WorkerInfo":
        """From a whatsnext.v1.Worker."""
        return cls(
            id=message.id,
            name=message.name,
            entity=message.entity,
            description=message.description,
            available_cpu=message.available_cpu if message.HasField("available_cpu") else None,
            available_accelerators=message.available_accelerators if message.HasField("available_accelerators") else None,
            active=message.active,
            last_heartbeat_time=to_datetime(message, "last_heartbeat_time"),
            create_time=to_datetime(message, "create_time"),
            job_ids=[int(i) for i in message.job_ids],
        )
