"""Runs one job's command: no shell, its own process group, a bounded tail of
its output, and a cancel that really stops it (SIGTERM to the group, then
SIGKILL after a grace period), as the TypeScript worker does.

The process group lets a cancel reach the job's children too (a training
script's data loaders), not just the process started. It also keeps a Ctrl-C
on the worker's terminal from reaching the job directly: the worker decides
when its jobs stop (after its grace period on SIGINT/SIGTERM).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from typing import IO, Callable, Dict, Mapping, Optional, Sequence

from .abort_signal import AbortSignal
from .output_tail import DEFAULT_TAIL_BYTES, DEFAULT_TAIL_LINES, OutputTail

__all__ = ["ProcessResult", "run_process", "describe_exit", "DEFAULT_KILL_GRACE_SECONDS", "DEFAULT_CLOSE_GRACE_SECONDS"]

#: Time a process gets between SIGTERM and SIGKILL, so jobs can write a checkpoint.
DEFAULT_KILL_GRACE_SECONDS = 10.0
#: How long to wait for stdout/stderr to close after the process exited: a
#: background grandchild may hold them open forever, and the job is over when
#: its main process is.
DEFAULT_CLOSE_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class ProcessResult:
    """How a process ended. A command that cannot start is a result too, never an exception."""

    #: Exit status, or None when killed by a signal or never started.
    exit_code: Optional[int]
    #: The signal that ended the process (``"SIGTERM"``), if any.
    signal: Optional[str]
    #: True when the abort signal fired before the process ended (or before it could start).
    aborted: bool
    #: Why the process could not be started, else None.
    spawn_error: Optional[str]
    #: End of stdout and stderr interleaved in arrival order.
    output_tail: str


def describe_exit(result: ProcessResult) -> str:
    """One phrase for how a process ended, for FinishJob messages ("exited with code 3", "killed by SIGKILL")."""
    if result.spawn_error is not None:
        return f"could not start: {result.spawn_error}"
    how = f"killed by {result.signal}" if result.signal is not None else f"exited with code {result.exit_code}"
    return f"cancelled ({how})" if result.aborted else how


def run_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    extra_env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    abort: Optional[AbortSignal] = None,
    kill_grace_seconds: float = DEFAULT_KILL_GRACE_SECONDS,
    close_grace_seconds: float = DEFAULT_CLOSE_GRACE_SECONDS,
    max_tail_bytes: int = DEFAULT_TAIL_BYTES,
    max_tail_lines: int = DEFAULT_TAIL_LINES,
    on_spawn: Optional[Callable[[int], None]] = None,
    on_output: Optional[Callable[[bytes, str], None]] = None,
) -> ProcessResult:
    """Starts ``argv[0]`` (looked up on ``env``'s PATH) and returns when it has ended.

    ``env`` is the complete environment, ``extra_env`` is set on top of it.
    ``on_spawn`` runs once the process exists (to report StartJob only for a
    command that really started); the process runs meanwhile. ``on_output``
    gets every chunk of output as it arrives (``"stdout"`` or ``"stderr"``),
    for live logs; the tail is kept regardless.
    """
    combined = OutputTail(max_tail_bytes)

    def result(exit_code: Optional[int], signal_name: Optional[str], aborted: bool, spawn_error: Optional[str]) -> ProcessResult:
        return ProcessResult(exit_code, signal_name, aborted, spawn_error, combined.text(max_tail_lines))

    if not argv or argv[0] == "":
        return result(None, None, False, "empty command")
    if abort is not None and abort.aborted:
        return result(None, None, True, None)

    environment: Dict[str, str] = dict(env)
    environment.update(extra_env or {})
    try:
        process = subprocess.Popen(  # noqa: S603 - argv from a template, deliberately without a shell
            list(argv),
            env=environment,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
    except (OSError, ValueError) as error:
        return result(None, None, False, str(error))

    readers = [
        _start_reader(stream, name, combined, on_output)
        for stream, name in ((process.stdout, "stdout"), (process.stderr, "stderr"))
        if stream is not None
    ]
    state = {"exited": False, "aborted": False}
    lock = threading.Lock()

    def signal_group(sig: signal.Signals) -> None:
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone already, which is what we wanted

    def on_abort() -> None:
        with lock:
            if state["exited"] or state["aborted"]:
                return
            state["aborted"] = True
        signal_group(signal.SIGTERM)
        # Stays armed after the main process ends: members of the group that
        # survived SIGTERM (and may hold no pipe of ours) are ended too.
        killer = threading.Timer(kill_grace_seconds, signal_group, args=(signal.SIGKILL,))
        killer.daemon = True
        killer.start()

    remove_abort = abort.add_callback(on_abort) if abort is not None else (lambda: None)
    try:
        if on_spawn is not None:
            on_spawn(process.pid)
        returncode = process.wait()
        with lock:
            state["exited"] = True
        for reader in readers:
            reader.join(close_grace_seconds)
    finally:
        remove_abort()
    if returncode < 0:
        try:
            signal_name: Optional[str] = signal.Signals(-returncode).name
        except ValueError:
            signal_name = f"signal {-returncode}"
        return result(None, signal_name, state["aborted"], None)
    return result(returncode, None, state["aborted"], None)


def _start_reader(stream: IO[bytes], name: str, tail: OutputTail, on_output: Optional[Callable[[bytes, str], None]]) -> threading.Thread:
    def read() -> None:
        fd = stream.fileno()
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                tail.push(chunk)
                if on_output is not None:
                    on_output(chunk, name)
        except OSError:
            pass
        finally:
            stream.close()

    thread = threading.Thread(target=read, name="whatsnext-output", daemon=True)
    thread.start()
    return thread


