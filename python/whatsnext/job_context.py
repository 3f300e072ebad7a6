"""What a Python function running as a job can learn about its job, and how
it is told to stop.

``whatsnext.current_job()`` inside a function registered with
``@worker.task(...)`` gives the job, its accelerators and whether it was
cancelled. A cancelled function gets ``whatsnext.JobCancelled`` raised inside it at the
next Python line it runs, which is as far as Python lets one thread stop
another; ``current_job().sleep()`` is a sleep that a cancel interrupts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional

from .abort_signal import AbortSignal

if TYPE_CHECKING:
    from .jobs import Job

__all__ = ["JobCancelled", "JobContext", "current_job"]


class JobCancelled(BaseException):
    """Raised inside a job's function when the job was cancelled or the worker stops.

    A BaseException (like KeyboardInterrupt), so ``except Exception`` blocks in
    the function do not swallow it; catch it only to clean up, then re-raise.
    """


@dataclass
class JobContext:
    """The job a function runs for."""

    #: The job, as the worker claimed it.
    job: "Job"
    #: The id of the worker running it.
    worker_id: str
    #: Accelerator device ids reserved for this job (empty when none or not tracked).
    #: A function shares its process's environment, so CUDA_VISIBLE_DEVICES is
    #: not set for it: pass these to your framework (e.g. ``torch.device(f"cuda:{ids[0]}")``).
    accelerators: List[str] = field(default_factory=list)
    _abort: AbortSignal = field(default_factory=AbortSignal, repr=False)

    @property
    def cancelled(self) -> bool:
        """True once the job must stop (cancelled on the server, or the worker is stopping)."""
        return self._abort.aborted

    def check_cancelled(self) -> None:
        """Raises JobCancelled when the job must stop; call it between steps of a long loop."""
        if self._abort.aborted:
            raise JobCancelled(self._abort.reason or "the job must stop")

    def sleep(self, seconds: float) -> None:
        """Sleeps like ``time.sleep``, but a cancel ends it at once with JobCancelled.

        ``time.sleep`` is one call into C, so JobCancelled reaches a function
        sleeping in it only when it returns; sleep with this instead.
        """
        if self._abort.wait(seconds):
            raise JobCancelled(self._abort.reason or "the job must stop")


_local = threading.local()


def current_job() -> JobContext:
    """The job the calling function runs for; RuntimeError outside a job's
    function (threads the function starts have no job of their own)."""
    context: Optional[JobContext] = getattr(_local, "context", None)
    if context is None:
        raise RuntimeError("whatsnext.current_job() is only available inside a function a Worker runs as a job")
    return context


def _set_current(context: Optional[JobContext]) -> None:
    _local.context = context
