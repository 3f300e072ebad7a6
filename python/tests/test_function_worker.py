"""A worker running Python functions: parameters in, return value or
exception out, dependencies honoured, cancellation reaching the function."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

import whatsnext

from worker_threads import eventually, running


def test_functions_run_jobs_in_dependency_order_and_report_values_and_tracebacks(project: whatsnext.Project) -> None:
    for task in ("prepare", "train", "report", "broken"):
        project.create_task(task)
    order: List[str] = []
    seen: Dict[str, Any] = {}
    lock = threading.Lock()
    worker = whatsnext.Worker(project, cpus=4, handle_signals=False)

    @worker.task("prepare")
    def prepare(size: int) -> Dict[str, int]:
        with lock:
            order.append("prepare")
        print(f"prepared {size} rows")
        return {"rows": size}

    @worker.task("train")
    def train(lr: float, seed: int) -> float:
        context = whatsnext.current_job()
        with lock:
            order.append(f"train-{seed}")
            seen[context.job.name] = (context.job.id, context.worker_id, type(seed).__name__)
        return lr * seed

    @worker.task("report")
    def report() -> None:
        with lock:
            order.append("report")

    @worker.task("broken")
    def broken(reason: str) -> None:
        print("about to fail")
        raise RuntimeError(f"loss is NaN ({reason})")

    jobs = project.submit_many(
        [
            {"task": "prepare", "name": "prepare", "parameters": {"size": 3}},
            *({"task": "train", "name": f"train-{s}", "parameters": {"lr": 0.5, "seed": s}, "depends_on": ["prepare"]} for s in (1, 2, 3)),
            {"task": "report", "name": "report", "depends_on": ["train-1", "train-2", "train-3"]},
            {"task": "broken", "name": "broken", "parameters": {"reason": "seed 7"}},
            {"task": "report", "name": "after-broken", "depends_on": ["broken"]},
            {"task": "train", "name": "wrong-parameters", "parameters": {"lr": 0.1}},
        ]
    )
    with running(worker, until_idle=True) as summary:
        stats = project.wait(timeout=120)
    assert (stats.completed, stats.failed, stats.blocked) == (5, 2, 1)

    assert order[0] == "prepare" and order[-1] == "report"
    assert sorted(order[1:4]) == ["train-1", "train-2", "train-3"]
    by_name = {job.name: job.refresh() for job in jobs}
    assert by_name["prepare"].message == "returned {'rows': 3}"
    assert by_name["prepare"].output_tail == "prepared 3 rows\n"
    assert by_name["prepare"].command == "test_function_worker.prepare(size=3)"
    assert by_name["train-2"].message == "returned 1.0"
    assert seen["train-2"] == (by_name["train-2"].id, summary[0].worker_id, "int")

    failed = by_name["broken"]
    assert failed.status is whatsnext.JobStatus.FAILED
    assert failed.message == "RuntimeError: loss is NaN (seed 7)"
    assert failed.exit_code is None
    assert failed.output_tail.startswith("about to fail\nTraceback (most recent call last):\n")
    assert 'raise RuntimeError(f"loss is NaN ({reason})")' in failed.output_tail
    assert failed.output_tail.endswith("RuntimeError: loss is NaN (seed 7)\n")
    assert "function_runner" not in failed.output_tail, "the worker's own frames are left out"
    assert by_name["after-broken"].status is whatsnext.JobStatus.BLOCKED

    wrong = by_name["wrong-parameters"]
    assert wrong.status is whatsnext.JobStatus.FAILED
    assert wrong.message.startswith("the parameters do not fit test_function_worker.")
    assert "seed" in wrong.message
    assert summary[0].succeeded == 5 and summary[0].failed == 2


def test_a_task_without_function_or_template_fails_naming_the_functions(project: whatsnext.Project) -> None:
    project.create_task("unknown")
    job = project.submit("unknown")
    worker = whatsnext.Worker(project, cpus=1, handle_signals=False)
    worker.add_task("train", lambda: None)
    with running(worker, max_jobs=1):
        job.wait(timeout=120)
    assert job.status is whatsnext.JobStatus.FAILED
    assert job.message == 'task "unknown" has an empty command_template and this worker has no executable configured to run it with (this worker runs functions for train)'


def test_cancelling_a_running_function_stops_it(project: whatsnext.Project) -> None:
    project.create_task("spin")
    project.create_task("polite")
    started = threading.Event()
    stopped_by: List[str] = []
    worker = whatsnext.Worker(project, cpus=2, handle_signals=False, heartbeat_seconds=0.3)

    @worker.task("spin")
    def spin() -> None:
        started.set()
        try:
            while True:  # pure Python: JobCancelled arrives between two lines
                time.sleep(0.01)
        except whatsnext.JobCancelled:
            stopped_by.append("JobCancelled")
            raise

    @worker.task("polite")
    def polite() -> str:
        print("waiting to be cancelled")
        whatsnext.current_job().sleep(600)  # time.sleep(600) would hold JobCancelled back for 10 minutes
        return "slept"

    spinning = project.submit("spin")
    waiting = project.submit("polite")
    with running(worker) as summary:
        assert started.wait(60)
        spinning.wait(until="running", timeout=120)
        waiting.wait(until="running", timeout=120)
        spinning.cancel()
        waiting.cancel(reason="no longer needed")
        eventually(lambda: spinning.refresh().message != "", "the cancelled function's report")
        eventually(lambda: waiting.refresh().output_tail != "", "the second report")
    assert stopped_by == ["JobCancelled"]
    assert spinning.status is whatsnext.JobStatus.CANCELLED
    assert spinning.message == "cancelled (JobCancelled in the function)"
    assert "JobCancelled" in spinning.output_tail
    assert waiting.status is whatsnext.JobStatus.CANCELLED
    assert waiting.message == "no longer needed", "the cancel's reason is kept"
    assert waiting.output_tail.startswith("waiting to be cancelled\nTraceback")
    assert "current_job().sleep(600)" in waiting.output_tail
    assert summary[0].cancelled == 2
