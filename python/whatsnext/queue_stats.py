"""A project's queue in numbers: jobs per status and workers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict

__all__ = ["QueueStats"]


@dataclass(frozen=True)
class QueueStats:
    """Counts of a project's jobs per status, and its workers (``print(project.stats())``)."""

    pending: int
    queued: int
    running: int
    completed: int
    failed: int
    blocked: int
    cancelled: int
    total: int
    active_workers: int
    registered_workers: int

    @property
    def done(self) -> bool:
        """True when no job is pending, queued or running: what ``project.wait(until="done")`` waits for."""
        return self.pending == 0 and self.queued == 0 and self.running == 0

    def as_dict(self) -> Dict[str, int]:
        """The counts as a plain dict, e.g. for a DataFrame row or JSON."""
        return asdict(self)

    @classmethod
    def from_message(cls, message: Any) -> "QueueStats":
        """From a GetQueueStatsResponse."""
        return cls(
            pending=int(message.pending),
            queued=int(message.queued),
            running=int(message.running),
            completed=int(message.completed),
            failed=int(message.failed),
            blocked=int(message.blocked),
            cancelled=int(message.cancelled),
            total=int(message.total),
            active_workers=int(message.active_workers),
            registered_workers=int(message.registered_workers),
        )
