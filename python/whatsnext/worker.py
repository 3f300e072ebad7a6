"""A worker in Python: claims a project's jobs and runs them, either as the
task's command (exactly as ``whatsnext worker`` would: same argv, same
CUDA_VISIBLE_DEVICES pinning) or as a Python function registered for the
task with ``@worker.task("train")``.

It registers, then long-polls FetchJob for as many jobs as fit its free CPUs,
accelerators and slots, so a new job starts moments after it is submitted;
it heartbeats while it runs, stops jobs cancelled on the server, and on
SIGINT/SIGTERM (or :meth:`Worker.stop`) takes no new work, gives running jobs
``grace_seconds`` to finish, then stops them and hands them back to the queue
without using an attempt. A second signal skips the wait.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, TypeVar, Union

from .abort_signal import AbortSignal
from .accelerators import AcceleratorSpec, resolve_accelerators
from .command_template import CommandTemplateError
from .errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated, Unimplemented, WhatsNextError
from .function_runner import run_function
from .job_context import JobContext
from .jobs import Job
from .outcomes import RunOutcome, aborted_outcome, not_started
from .output_capture import capturing_output
from .prepare_command import prepare_command
from .output_shipper import OutputShipper
from .process_runner import DEFAULT_KILL_GRACE_SECONDS, describe_exit, run_process
from .resources import Allocation, ResourcePool
from .worker_transport import WorkerTransport, is_cancelled_fetch

if TYPE_CHECKING:
    from .client import Client
    from .projects import Project

__all__ = ["Worker", "WorkerSummary", "DEFAULT_WAIT_SECONDS", "DEFAULT_GRACE_SECONDS"]

_log = logging.getLogger("whatsnext.worker")

#: FetchJob's wait while idle: long enough to be cheap, short enough to notice a dead connection.
DEFAULT_WAIT_SECONDS = 30
#: Time running jobs get to finish after a stop before they are stopped and released.
DEFAULT_GRACE_SECONDS = 30.0
_WORKER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Refusals a worker cannot cure by trying again: wrong key, no permission, no such project.
_FATAL = (Unauthenticated, PermissionDenied, NotFound, InvalidArgument, Unimplemented)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class WorkerSummary:
    """What a run of the worker did."""

    worker_id: str = ""
    #: Jobs claimed.
    claimed: int = 0
    succeeded: int = 0
    failed: int = 0
    #: Jobs stopped because they were cancelled on the server (or taken away).
    cancelled: int = 0
    #: Jobs handed back to the queue (the worker stopped).
    released: int = 0


@dataclass
class _RunningJob:
    job: Job
    allocation: Allocation
    #: The attempt's number (the job's runs when claimed); 0 when the server did not say.
    attempt: int = 0
    abort: AbortSignal = field(default_factory=AbortSignal)
    #: Why the job is no longer ours to report as finished (cancelled on the server, start refused).
    lost: Optional[str] = None
    #: True when the server cancelled it: the report is still sent, and stored with the cancellation.
    cancelled_on_server: bool = False


class Worker:
    """Runs a project's jobs in this process.

    Args:
        project: a Project, or a project name or id (read through ``client``);
            None: the default project (``WHATSNEXT_PROJECT`` or ``.whatsnext``).
        client: the client to use; by default the project's, or ``Client()``.
        cpus: CPUs jobs may use together (default: this machine's);
            ``"any"`` does not track CPUs (FetchJob does not filter on them).
        accelerators: GPUs to hand out: a count, device ids (``"0,2"`` or a
            list), ``"auto"`` (CUDA_VISIBLE_DEVICES, else nvidia-smi) or
            ``"any"``; default none, so jobs needing GPUs are not claimed.
            Each command gets its own devices through CUDA_VISIBLE_DEVICES.
        parallel: most jobs at once (default: ``cpus``, at least 1).
        name, entity, description: shown in ``whatsnext workers ls``.
        id: the worker id to register under (1–128 of ``[A-Za-z0-9_-]``);
            default: one the server generates.
        wait_seconds: how long each FetchJob waits for work (0 to 60).
        grace_seconds: on a stop, how long running jobs may finish before
            they are stopped and released.
        kill_grace_seconds: between SIGTERM and SIGKILL for a stopped command;
            how long a stopped function gets to end.
        heartbeat_seconds: heartbeat interval (default: what the server asks).
        cwd, env: working directory and environment of commands (default:
            this process's).
        executable, script: how to run jobs of tasks without a command
            template and without a function: ``executable script --key value …``.
        handle_signals: stop gracefully on SIGINT/SIGTERM while ``run`` runs
            (only possible in the main thread).
    """

    def __init__(
        self,
        project: Union["Project", str, int, None] = None,
        *,
        client: Optional["Client"] = None,
        cpus: Union[int, str, None] = None,
        accelerators: AcceleratorSpec = None,
        parallel: Optional[int] = None,
        name: Optional[str] = None,
        entity: str = "",
        description: str = "",
        id: Optional[str] = None,  # noqa: A002 - the field's name in the API
        wait_seconds: int = DEFAULT_WAIT_SECONDS,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        kill_grace_seconds: float = DEFAULT_KILL_GRACE_SECONDS,
        heartbeat_seconds: Optional[float] = None,
        cwd: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None,
        executable: Optional[str] = None,
        script: Optional[str] = None,
        handle_signals: bool = True,
    ) -> None:
        from .client import Client
        from .projects import Project

        if isinstance(project, Project):
            self._project = project
            self._client = client or project.client
        else:
            self._client = client or Client()
            self._project = self._client.default_project() if project is None else self._client.get_project(project)
        self.cpus = _cpus(cpus)
        self.accelerator_ids = resolve_accelerators(accelerators)
        if parallel is None:
            parallel = max(1, self.cpus if self.cpus is not None else 1)
        _check_whole("parallel", parallel, 1)
        _check_whole("wait_seconds", wait_seconds, 0, 60)
        if id is not None and not _WORKER_ID.fullmatch(id):
            raise ValueError(f"id must be 1 to 128 of [A-Za-z0-9_-], got {id!r}")
        for label, value in (("grace_seconds", grace_seconds), ("kill_grace_seconds", kill_grace_seconds)):
            if value < 0:
                raise ValueError(f"{label} must be 0 or more, got {value}")
        if heartbeat_seconds is not None and heartbeat_seconds <= 0:
            raise ValueError(f"heartbeat_seconds must be more than 0, got {heartbeat_seconds}")
        self.parallel = parallel
        self.name = name or socket.gethostname()
        self.entity = entity
        self.description = description
        self.wait_seconds = wait_seconds
        self.grace_seconds = grace_seconds
        self.kill_grace_seconds = kill_grace_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.executable = executable
        self.script = script
        self.handle_signals = handle_signals
        self._requested_id = id
        self._functions: Dict[str, Callable[..., Any]] = {}

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._running: Dict[int, _RunningJob] = {}
        self._stopping = False
        self._stop_reason = ""
        self._release_now = False
        self._fetch: Any = None
        self._active = False
        self._summary = WorkerSummary()
        self._transport: Optional[WorkerTransport] = None

    # --- configuration ----------------------------------------------------

    @property
    def project(self) -> "Project":
        """The project whose jobs this worker runs."""
        return self._project

    @property
    def id(self) -> str:
        """The id the server knows this worker by (empty before ``run`` registers it)."""
        return self._transport.worker_id if self._transport is not None else ""

    def task(self, name: str) -> Callable[[F], F]:
        """Registers the decorated function to run the jobs of task ``name``.

        The job's parameters are its keyword arguments; its return value
        completes the job (the message says ``returned …``), an exception
        fails it (message and traceback in the output tail).
        """

        def register(function: F) -> F:
            self.add_task(name, function)
            return function

        return register

    def add_task(self, name: str, function: Callable[..., Any]) -> None:
        """Registers ``function`` for task ``name`` (the decorator's plain form)."""
        if not callable(function):
            raise TypeError(f"the function for task {name!r} must be callable, got {function!r}")
        if not isinstance(name, str) or name == "":
            raise ValueError("a task name must be non-empty text")
        self._functions[name] = function

    # --- running ----------------------------------------------------------

    def run(self, max_jobs: Optional[int] = None, *, until_idle: bool = False) -> WorkerSummary:
        """Works until stopped, and returns what it did.

        ``max_jobs`` ends it after claiming (and running) that many jobs.
        ``until_idle`` ends it once nothing is claimable for it and none of
        its jobs is running (a script that drains a queue).
        """
        if max_jobs is not None:
            _check_whole("max_jobs", max_jobs, 1)
        with self._lock:
            if self._active:
                raise RuntimeError("this worker is running already")
            self._active = True
            self._summary = WorkerSummary()
        restore_signals = self._install_signal_handlers()
        pool = ResourcePool(self.cpus, self.accelerator_ids, self.parallel)
        transport = WorkerTransport(self._client._connection, self._project.id)
        self._transport = transport
        heartbeat_stop = threading.Event()
        heartbeat: Optional[threading.Thread] = None
        try:
            registration = transport.register(
                worker_id=self._requested_id,
                name=self.name,
                entity=self.entity,
                description=self.description,
                cpus=self.cpus,
                accelerators=None if self.accelerator_ids is None else len(self.accelerator_ids),
            )
            self._summary.worker_id = registration.worker_id
            interval = self.heartbeat_seconds or registration.heartbeat_seconds
            _log.info(
                "registered as %s for project %s (lease %ss, heartbeat every %ss); waiting for jobs",
                registration.worker_id, self._project.name, registration.lease_seconds, interval,
            )  # fmt: skip
            heartbeat = threading.Thread(target=self._heartbeat_loop, args=(transport, interval, heartbeat_stop), name="whatsnext-heartbeat", daemon=True)
            heartbeat.start()
            with capturing_output():
                try:
                    self._claim_loop(transport, pool, max_jobs, until_idle)
                except BaseException:
                    # A refusal the worker cannot cure, or Ctrl-C without our handler: stop what runs, hand it back.
                    self.stop("the worker failed")
                    self.stop("the worker failed")
                    raise
                finally:
                    self._drain()
        finally:
            heartbeat_stop.set()
            if heartbeat is not None:
                heartbeat.join(5)
            if transport.worker_id:
                transport.deactivate()
            restore_signals()
            with self._lock:
                # Ready to run again; a stop() before run() makes it return at once.
                self._active = False
                self._stopping = False
                self._release_now = False
                self._stop_reason = ""
            _log.info("stopped after %d job(s)", self._summary.claimed)
        return WorkerSummary(**vars(self._summary))

    def stop(self, reason: str = "stop requested") -> None:
        """Begins a graceful stop: no new jobs, running ones get ``grace_seconds``.
        A second call stops and releases them at once. Safe from any thread;
        called before ``run()``, it makes that run return at once."""
        with self._lock:
            if self._stopping:
                self._release_now = True
                self._changed.notify_all()
                return
            self._stopping = True
            self._stop_reason = reason
            fetch = self._fetch
            _log.info("stopping (%s); %d job(s) still running", reason, len(self._running))
            self._changed.notify_all()
        if fetch is not None:
            fetch.cancel()

    # --- the claim loop ---------------------------------------------------

    def _claim_loop(self, transport: WorkerTransport, pool: ResourcePool, max_jobs: Optional[int], until_idle: bool) -> None:
        failures = 0
        while True:
            with self._lock:
                if self._stopping:
                    return
                claimed = self._summary.claimed
            budget = None if max_jobs is None else max_jobs - claimed
            if budget is not None and budget <= 0:
                return
            free = pool.free()
            want = free.slots if budget is None else min(free.slots, budget)
            if want <= 0:
                self._wait_for_change(lambda: pool.free().slots > 0)
                continue
            with self._lock:
                idle_now = not self._running
            ended_before = self._ended_count()
            # Draining a queue: ask without waiting, and wait for our own jobs
            # (whose dependents may become claimable) instead of the server.
            wait = 0 if until_idle else self.wait_seconds
            fetch = transport.fetch(free, want, wait)
            with self._lock:
                if self._stopping:
                    fetch.cancel()
                    return
                self._fetch = fetch
            try:
                jobs = fetch.result()
                failures = 0
            except BaseException as error:  # noqa: BLE001 - sorted below
                with self._lock:
                    self._fetch = None
                    stopping = self._stopping
                if stopping and (is_cancelled_fetch(error) or isinstance(error, WhatsNextError)):
                    return
                if isinstance(error, _FATAL):
                    raise
                if not isinstance(error, WhatsNextError):
                    raise
                failures += 1
                pause = min(30.0, 0.5 * 2 ** min(failures, 6))
                _log.warning("FetchJob failed (%s); trying again in %.1f s", error, pause)
                self._wait_for_change(lambda: False, timeout=pause)
                continue
            with self._lock:
                self._fetch = None
            for message in jobs:
                self._launch(transport, pool, message)
            if until_idle and not jobs:
                if idle_now:
                    return
                # Our own jobs' dependents may become claimable when they end.
                self._wait_for_change(lambda: self._ended_count() != ended_before or not self._running)

    def _ended_count(self) -> int:
        with self._lock:
            return self._summary.succeeded + self._summary.failed + self._summary.cancelled + self._summary.released

    def _wait_for_change(self, ready: Callable[[], bool], timeout: Optional[float] = None) -> None:
        """Waits (signals still handled) until ``ready()``, a stop, or ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._stopping and not ready():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return
                self._changed.wait(1.0 if left is None else min(left, 1.0))

    def _launch(self, transport: WorkerTransport, pool: ResourcePool, message: Any) -> None:
        job = Job._from_message(self._client, message)
        with self._lock:
            self._summary.claimed += 1
            stopping = self._stopping
        _log.info("job %s %s (%s) claimed", job.id, job.name, job.task)
        if stopping:
            self._release(transport, job, f"worker stopping ({self._stop_reason})")
            return
        allocation = pool.allocate(job.required_cpu, job.required_accelerators)
        if allocation is None:
            # The server claims only what fits what we said was free; this guards against a mismatch.
            self._release(transport, job, f"does not fit the worker's free resources (cpu {job.required_cpu}, accelerators {job.required_accelerators})")
            return
        entry = _RunningJob(job=job, allocation=allocation, attempt=int(getattr(message, "runs", 0)))
        assert job.id is not None
        with self._lock:
            self._running[job.id] = entry
        thread = threading.Thread(target=self._execute, args=(transport, pool, entry), name=f"whatsnext-run-{job.id}", daemon=True)
        thread.start()

    # --- one job ----------------------------------------------------------

    def _execute(self, transport: WorkerTransport, pool: ResourcePool, entry: _RunningJob) -> None:
        job = entry.job
        assert job.id is not None
        try:
            try:
                outcome = self._run_job(transport, entry)
            except Exception as error:  # noqa: BLE001 - a bug of ours must not leave the job leased
                _log.exception("job %s: the worker failed running it", job.id)
                outcome = not_started(f"worker error: {type(error).__name__}: {error}")
            self._report(transport, entry, outcome)
        finally:
            pool.release(entry.allocation)
            with self._lock:
                self._running.pop(job.id, None)
                self._changed.notify_all()

    def _run_job(self, transport: WorkerTransport, entry: _RunningJob) -> RunOutcome:
        job = entry.job
        assert job.id is not None
        function = self._functions.get(job.task)
        if function is not None:
            context = JobContext(job=job, worker_id=transport.worker_id, accelerators=list(entry.allocation.accelerators), _abort=entry.abort)
            return run_function(
                function,
                job.parameters,
                context,
                entry.abort,
                on_started=lambda display: self._report_start(transport, entry, display),
                kill_grace_seconds=self.kill_grace_seconds,
            )
        try:
            prepared = prepare_command(
                job_id=job.id,
                job_name=job.name,
                task=job.task,
                command_template=job.command_template,
                parameters=job.parameters,
                executable=self.executable,
                script=self.script,
            )
        except CommandTemplateError as error:
            message = str(error)
            if job.command_template.strip() == "" and not self.executable and self._functions:
                message += f" (this worker runs functions for {', '.join(sorted(self._functions))})"
            return not_started(message)
        environment = dict(self.env if self.env is not None else os.environ)
        if self.accelerator_ids is not None:
            # Pinned like whatsnext worker's cli formatter: jobs needing none get an empty list.
            environment["CUDA_VISIBLE_DEVICES"] = ",".join(entry.allocation.accelerators)
        # The command's output goes to the server as it is produced (FinishJob's tail stays for the end).
        shipper = self._ship_output(transport, entry)
        try:
            result = run_process(
                prepared.argv,
                env=environment,
                extra_env=prepared.env,
                cwd=self.cwd,
                abort=entry.abort,
                kill_grace_seconds=self.kill_grace_seconds,
                on_spawn=lambda _pid: self._report_start(transport, entry, prepared.display),
                on_output=shipper.push if shipper is not None else None,
            )
        finally:
            if shipper is not None:
                shipper.close()
        how = describe_exit(result)
        if result.spawn_error is not None:
            return not_started(how, result.output_tail)
        if result.aborted:
            return aborted_outcome(how, prepared.display, result.output_tail, result.exit_code)
        return RunOutcome(result.exit_code == 0, result.exit_code, how, result.output_tail, prepared.display, False)

    def _ship_output(self, transport: WorkerTransport, entry: _RunningJob) -> Optional[OutputShipper]:
        """A shipper of the command's output to its attempt; None when the server gave no attempt number."""
        job_id = entry.job.id
        if job_id is None or entry.attempt <= 0:
            return None
        return OutputShipper(lambda seq, pieces: transport.append_output(job_id, entry.attempt, seq, pieces))

    def _report_start(self, transport: WorkerTransport, entry: _RunningJob, display: str) -> bool:
        job_id = entry.job.id
        assert job_id is not None
        try:
            transport.start(job_id, display)
        except Exception as error:  # noqa: BLE001 - a refusal, or a failure of ours: either way the job is not ours to run
            # Not ours any more (cancelled, lease lost): stop running it.
            with self._lock:
                if entry.lost is None:
                    entry.lost = f"StartJob refused: {error}"
            _log.error("job %s: %s", job_id, entry.lost)
            entry.abort.abort(entry.lost or "")
            return False
        devices = entry.allocation.accelerators
        _log.info("job %s started: %s%s", job_id, display, f" [accelerators {','.join(devices)}]" if devices else "")
        return True

    def _report(self, transport: WorkerTransport, entry: _RunningJob, outcome: RunOutcome) -> None:
        job_id = entry.job.id
        assert job_id is not None
        with self._lock:
            lost, cancelled_on_server = entry.lost, entry.cancelled_on_server
        if lost is not None:
            with self._lock:
                self._summary.cancelled += 1
            _log.info("job %s stopped: %s (%s)", job_id, lost, outcome.message)
            if cancelled_on_server:
                # Stored with the cancelled job (its output, how it ended) and acknowledges the cancel.
                transport.finish(job_id, RunOutcome(False, outcome.exit_code, outcome.message, outcome.output_tail, outcome.command, False))
            else:
                # Taken away (start refused): make sure nothing stays leased to us.
                transport.release(job_id, lost)
            return
        if outcome.aborted:
            self._release(transport, entry.job, f"worker stopping ({self._stop_reason}): {outcome.message}")
            return
        with self._lock:
            if outcome.success:
                self._summary.succeeded += 1
            else:
                self._summary.failed += 1
        _log.info("job %s %s: %s", job_id, "completed" if outcome.success else "FAILED", outcome.message)
        transport.finish(job_id, outcome)

    def _release(self, transport: WorkerTransport, job: Job, reason: str) -> None:
        assert job.id is not None
        with self._lock:
            self._summary.released += 1
        _log.info("job %s released back to the queue: %s", job.id, reason)
        transport.release(job.id, reason)

    # --- stopping ---------------------------------------------------------

    def _drain(self) -> None:
        """Waits for running jobs; once stopping, for the grace period only, then stops and releases the rest."""
        with self._lock:
            if not self._running:
                return
        if not self._stopping:
            self._wait_for_change(lambda: not self._running)
        deadline = time.monotonic() + self.grace_seconds
        with self._lock:
            while self._running and not self._release_now:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(min(left, 1.0))
            entries = list(self._running.values())
        for entry in entries:
            entry.abort.abort(f"worker stopping ({self._stop_reason})")
        with self._lock:
            while self._running:
                self._changed.wait(1.0)

    def _heartbeat_loop(self, transport: WorkerTransport, interval: float, stop: threading.Event) -> None:
        while not stop.wait(interval):
            try:
                cancelled = transport.heartbeat()
            except WhatsNextError as error:
                _log.warning("Heartbeat failed: %s", error)
                continue
            for job_id in cancelled:
                with self._lock:
                    entry = self._running.get(job_id)
                    if entry is None or entry.lost is not None:
                        continue
                    entry.lost = "cancelled on the server"
                    entry.cancelled_on_server = True
                entry.abort.abort("cancelled on the server")

    def _install_signal_handlers(self) -> Callable[[], None]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            return lambda: None

        def on_signal(number: int, _frame: Any) -> None:
            # Stop from another thread: the main thread may be inside a gRPC call or hold a lock.
            name = signal.Signals(number).name
            threading.Thread(target=self.stop, args=(name,), name="whatsnext-stop", daemon=True).start()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)

        return restore


def _cpus(value: Union[int, str, None]) -> Optional[int]:
    if value is None:
        affinity = getattr(os, "sched_getaffinity", None)
        return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    if isinstance(value, str):
        text = value.strip()
        if text == "any":
            return None
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"cpus must be a whole number from 0, or any; got {value!r}")
        return int(text)
    _check_whole("cpus", value, 0)
    return value


def _check_whole(name: str, value: Any, minimum: int, maximum: int = 1_000_000) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueError(f"{name} must be a whole number from {minimum} to {maximum}, got {value!r}")
