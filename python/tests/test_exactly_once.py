"""Many workers in one process (threads sharing one client) take a queue
apart: every job runs exactly once."""

from __future__ import annotations

import collections
import threading
from contextlib import ExitStack
from typing import Counter, List

import whatsnext

from worker_threads import running

JOBS = 500
WORKERS = 8


def test_eight_worker_threads_run_500_jobs_each_exactly_once(project: whatsnext.Project) -> None:
    project.create_task("count", cpus=1)
    submitted = project.submit_grid("count", {"i": list(range(JOBS))})
    runs: Counter[int] = collections.Counter()
    lock = threading.Lock()

    def count(i: int) -> int:
        job_id = whatsnext.current_job().job.id
        assert job_id is not None
        with lock:
            runs[job_id] += 1
        return i

    workers: List[whatsnext.Worker] = []
    for n in range(WORKERS):
        worker = whatsnext.Worker(project, cpus=1, name=f"thread-{n}", handle_signals=False)
        worker.add_task("count", count)
        workers.append(worker)
    with ExitStack() as stack:
        summaries = [stack.enter_context(running(worker)) for worker in workers]
        stats = project.wait(timeout=900)
    assert (stats.completed, stats.total) == (JOBS, JOBS)
    assert sorted(runs) == sorted(job.id for job in submitted)
    assert set(runs.values()) == {1}, "no job ran twice"
    assert sum(s[0].claimed for s in summaries) == JOBS
    assert sum(s[0].succeeded for s in summaries) == JOBS
    assert {job.attempts for job in project.jobs(page_size=1000)} == {1}
    assert sum(1 for s in summaries if s[0].claimed > 0) > 1, "the work was shared"
