"""Runs a Python function as a job: the job's parameters as keyword
arguments, its return value or exception as the outcome, what it printed and
the end of its traceback as the output tail.

The function runs in a thread of its own, so the worker stays in control when
it must stop: on a cancel it raises JobCancelled inside the function (at the
next Python line it runs; a call blocked in C, such as ``time.sleep(600)``,
ends first) and waits for it to end for the kill grace period. A function
still running after that is left running in its thread, reported as not
stopping, and its slot freed: Python offers no way to kill a thread.
"""

from __future__ import annotations

import ctypes
import inspect
import threading
import traceback
from typing import Any, Callable, Dict, List, Mapping, Optional

from .abort_signal import AbortSignal
from .job_context import JobCancelled, JobContext, _set_current
from .output_capture import route_thread_output
from .output_tail import DEFAULT_TAIL_BYTES, DEFAULT_TAIL_LINES, OutputTail, last_bytes, tail_lines
from .outcomes import RunOutcome, aborted_outcome, not_started

__all__ = ["run_function", "function_display"]

_MESSAGE_CHARS = 1000


def function_display(function: Callable[..., Any], parameters: Mapping[str, Any]) -> str:
    """The text reported with StartJob: ``module.name(lr=0.1, seed=1)``, cut to a readable length."""
    arguments = ", ".join(f"{key}={value!r}" for key, value in parameters.items())
    text = f"{_qualified_name(function)}({arguments})"
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def _qualified_name(function: Callable[..., Any]) -> str:
    module = getattr(function, "__module__", None) or ""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or repr(function)
    # A function defined inside another reads as module.name, not module.outer.<locals>.name.
    name = name.rsplit("<locals>.", 1)[-1]
    return f"{module}.{name}" if module else name


def _one_line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= _MESSAGE_CHARS else first[: _MESSAGE_CHARS - 1] + "…"


def run_function(
    function: Callable[..., Any],
    parameters: Mapping[str, Any],
    context: JobContext,
    abort: AbortSignal,
    *,
    on_started: Callable[[str], bool],
    kill_grace_seconds: float,
    max_tail_bytes: int = DEFAULT_TAIL_BYTES,
    max_tail_lines: int = DEFAULT_TAIL_LINES,
) -> RunOutcome:
    """Runs ``function(**parameters)`` for one job and returns how it ended.

    ``on_started`` reports the start (StartJob) and returns False when the
    server refused it, in which case the function does not run.
    """
    try:
        inspect.signature(function).bind(**parameters)
    except TypeError as error:
        return not_started(f"the parameters do not fit {_qualified_name(function)}: {error}")
    except ValueError:
        pass  # no signature to check (some builtins): the call itself will tell
    display = function_display(function, parameters)
    if abort.aborted:
        return aborted_outcome("stopped before it started", "")
    if not on_started(display):
        return aborted_outcome("not started: the server refused the start", display)

    tail = OutputTail(max_tail_bytes)
    finished = threading.Event()
    wake = threading.Event()
    lock = threading.Lock()
    armed = [False]
    ident: List[Optional[int]] = [None]
    holder: Dict[str, Any] = {}

    def target() -> None:
        try:
            with lock:
                ident[0] = threading.get_ident()
                armed[0] = True
            if abort.aborted:
                raise JobCancelled(abort.reason)
            _set_current(context)
            with route_thread_output(tail):
                try:
                    try:
                        holder["value"] = function(**parameters)
                    except BaseException as error:  # noqa: BLE001 - every way a job ends is its outcome
                        holder["error"] = error
                finally:
                    _disarm(lock, armed, ident[0])
        except JobCancelled as error:
            # Arrived between the function's end and the disarm, or before it began.
            holder.setdefault("error", error)
        finally:
            _disarm(lock, armed, ident[0])
            _set_current(None)
            finished.set()
            wake.set()

    def interrupt() -> None:
        with lock:
            if armed[0] and ident[0] is not None:
                _raise_in_thread(ident[0], JobCancelled)
        wake.set()

    thread = threading.Thread(target=target, name=f"whatsnext-job-{context.job.id}", daemon=True)
    thread.start()
    remove = abort.add_callback(interrupt)
    try:
        wake.wait()
        if not finished.is_set():
            finished.wait(kill_grace_seconds)
    finally:
        remove()

    printed = tail.text(max_tail_lines)
    if not finished.is_set():
        return aborted_outcome(
            f"cancelled, but the function did not stop within {kill_grace_seconds:g} s; it was left running in its thread",
            display,
            printed,
        )
    error = holder.get("error")
    if error is not None:
        report = _with_traceback(printed, error, max_tail_bytes, max_tail_lines)
        if abort.aborted or isinstance(error, JobCancelled):
            return aborted_outcome(f"cancelled ({type(error).__name__} in the function)", display, report)
        detail = _one_line(str(error))
        message = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
        return RunOutcome(False, None, message, report, display, False)
    if abort.aborted:
        return aborted_outcome("cancelled (the function returned after being told to stop)", display, printed)
    value = holder.get("value")
    return RunOutcome(True, None, _one_line(f"returned {value!r}") or "returned", printed, display, False)


def _with_traceback(printed: str, error: BaseException, max_bytes: int, max_lines: int) -> str:
    # The first frame is target() above; the user's frames start after it.
    tb = error.__traceback__.tb_next if error.__traceback__ is not None else None
    trace = "".join(traceback.format_exception(type(error), error, tb))
    joined = printed + ("" if printed == "" or printed.endswith("\n") else "\n") + trace
    return last_bytes(tail_lines(joined, max_lines), max_bytes)


def _disarm(lock: threading.Lock, armed: List[bool], ident: Optional[int]) -> None:
    with lock:
        if armed[0] and ident is not None:
            # Drop an exception that was scheduled but not yet raised.
            _clear_in_thread(ident)
        armed[0] = False


def _raise_in_thread(ident: int, exception: type) -> None:
    set_async = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async is not None:
        set_async(ctypes.c_ulong(ident), ctypes.py_object(exception))


def _clear_in_thread(ident: int) -> None:
    set_async = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async is not None:
        set_async(ctypes.c_ulong(ident), None)
