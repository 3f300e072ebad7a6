"""SIGTERM (or SIGINT) stops a worker gracefully: no new work, running jobs
get the grace period, and what is still running then is stopped and handed
back to the queue without using an attempt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List

import whatsnext

from server_process import ServerProcess
from worker_threads import eventually

SCRIPT = Path(__file__).with_name("worker_process.py")


class WorkerProcess:
    """worker_process.py in a process group of its own, its log read as it comes."""

    def __init__(self, server: ServerProcess, project: whatsnext.Project, grace: float, parallel: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WHATSNEXT_")}
        env.update({"WHATSNEXT_SERVER": server.url, "WHATSNEXT_PROJECT": project.name})
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(grace), str(parallel)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        self.log: List[str] = []
        self.output: List[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stderr, self.log), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stdout, self.output), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, lines: List[str]) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            lines.append(line.rstrip("\n"))

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.log)

    def finish(self) -> Dict[str, int]:
        """Waits for the worker to exit by itself; its summary."""
        returncode = self.process.wait(120)
        for reader in self._readers:
            reader.join(10)
        assert returncode == 0, "\n".join(self.log)
        return json.loads(self.output[-1])

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)


def test_sigterm_releases_running_jobs_after_the_grace_period(server: ServerProcess, project: whatsnext.Project, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    project.create_task("long", "sh -c 'echo $$ > \"$1\"; exec sleep 600' sh {pid_file}")
    project.create_task("nap")
    command_job = project.submit("long", {"pid_file": str(pid_file)}, priority=1)
    function_job = project.submit("nap")
    later = project.submit("nap", name="not claimed")
    worker = WorkerProcess(server, project, grace=0, parallel=2)
    try:
        command_job.wait(until="running", timeout=120)
        function_job.wait(until="running", timeout=120)
        pid = int(eventually(lambda: pid_file.exists() and pid_file.read_text().strip(), "the command's pid"))
        worker.process.send_signal(signal.SIGTERM)
        summary = worker.finish()
    finally:
        worker.kill()
    assert (summary["claimed"], summary["released"]) == (2, 2)
    for job in (command_job, function_job):
        job.refresh()
        assert job.status is whatsnext.JobStatus.PENDING
        assert job.attempts == 0, "a released job uses no attempt"
        assert job.message.startswith(f"released by worker {summary['worker_id']}: worker stopping (SIGTERM)")
    assert "cancelled (killed by SIGTERM)" in command_job.message
    assert _ended(pid), "the command was stopped"
    assert later.refresh().status is whatsnext.JobStatus.PENDING
    assert not project.client.get_worker(summary["worker_id"]).active


def test_sigint_lets_running_jobs_finish_within_the_grace_period(server: ServerProcess, project: whatsnext.Project, tmp_path: Path) -> None:
    go = tmp_path / "go"
    project.create_task("waits", "sh -c 'echo waiting; while [ ! -e \"$1\" ]; do sleep 0.05; done; echo done' sh {go}")
    job = project.submit("waits", {"go": str(go)}, priority=1)
    queued_behind = project.submit("waits", {"go": str(go)})
    worker = WorkerProcess(server, project, grace=120, parallel=1)
    try:
        job.wait(until="running", timeout=120)
        worker.process.send_signal(signal.SIGINT)
        eventually(lambda: worker.logged("stopping (SIGINT); 1 job(s) still running"), "the worker to begin stopping")
        go.write_text("")  # the running job may end now; the worker must take nothing new
        summary = worker.finish()
    finally:
        worker.kill()
    assert (summary["claimed"], summary["succeeded"], summary["released"]) == (1, 1, 0)
    assert job.refresh().status is whatsnext.JobStatus.COMPLETED
    assert job.output_tail == "waiting\ndone\n"
    assert queued_behind.refresh().status is whatsnext.JobStatus.PENDING


def _ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
