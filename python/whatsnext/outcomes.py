"""How one run of a job ended, shaped for FinishJob, whatever ran it (a command or a Python function)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ["RunOutcome", "not_started", "aborted_outcome"]


@dataclass(frozen=True)
class RunOutcome:
    """The report of one run: FinishJob's fields plus what StartJob got."""

    success: bool
    #: The command's exit status when known (None: killed by a signal, never started, or a function).
    exit_code: Optional[int]
    #: One line a person can act on: why it failed, or how it ended.
    message: str
    #: The end of the job's output (bounded).
    output_tail: str
    #: The command as reported with StartJob; empty when nothing was started.
    command: str
    #: True when the run ended because the job was told to stop (cancelled, or
    #: the worker is stopping): the worker decides between FinishJob and ReleaseJob.
    aborted: bool


def not_started(message: str, output_tail: str = "", command: str = "") -> RunOutcome:
    """The job failed before anything ran (bad template, parameters that do not fit the function)."""
    return RunOutcome(False, None, message, output_tail, command, False)


def aborted_outcome(message: str, command: str, output_tail: str = "", exit_code: Optional[int] = None) -> RunOutcome:
    """The run was stopped because it was told to."""
    return RunOutcome(False, exit_code, message, output_tail, command, True)
