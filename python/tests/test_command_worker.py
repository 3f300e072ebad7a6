"""A worker running tasks' command templates, as ``whatsnext worker`` does:
the same argv, output tail, exit codes, GPU pinning, dependencies, and a
cancel that ends the command's whole process group."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import whatsnext

from worker_threads import eventually, running

PYTHON = sys.executable
APPEND = "sh -c 'printf \"%s\\n\" \"$1\" >> \"$2\"' sh {step} {log}"


def test_commands_run_in_dependency_order_with_their_output_and_exit_codes(project: whatsnext.Project, tmp_path: Path) -> None:
    log = tmp_path / "steps.log"
    project.create_task("step", APPEND, cpus=1)
    project.create_task("argv", f"{PYTHON} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' {{cfg}} --lr={{lr}} {{job_id}} {{words}}")
    project.create_task("fail", "sh -c 'echo out; echo err >&2; exit 3'")
    project.create_task("absent", "/nonexistent/program {x}")
    project.create_task("unfilled", "prog {nothing}")
    jobs = project.submit_many(
        [
            {"task": "step", "name": "prepare", "parameters": {"step": "prepare", "log": str(log)}},
            *(
                {"task": "step", "name": f"train-{i}", "parameters": {"step": f"train-{i}", "log": str(log)}, "depends_on": ["prepare"]}
                for i in range(3)
            ),
            {"task": "step", "name": "report", "parameters": {"step": "report", "log": str(log)}, "depends_on": ["train-0", "train-1", "train-2"]},
            {"task": "argv", "name": "argv", "parameters": {"cfg": {"b": 1, "a": [1.5, {"z": None}], "10": "n", "2": 0}, "lr": 1e-7, "words": "x y"}},
            {"task": "fail", "name": "fail"},
            {"task": "absent", "name": "absent", "parameters": {"x": 1}},
        ]
    )
    # A job that leaves a placeholder empty is refused when it is submitted, not failed when it runs.
    with pytest.raises(whatsnext.InvalidArgument, match=r'lacks "nothing", which the command of task "unfilled" uses'):
        project.submit("unfilled", name="unfilled")
    worker = whatsnext.Worker(project, cpus=2, handle_signals=False)
    with running(worker, until_idle=True):
        stats = project.wait(timeout=120)
    assert (stats.completed, stats.failed) == (6, 2)

    steps = log.read_text().split()
    assert steps[0] == "prepare" and steps[-1] == "report" and sorted(steps[1:4]) == ["train-0", "train-1", "train-2"]
    by_name = {job.name: job.refresh() for job in jobs}
    prepare = by_name["prepare"]
    assert (prepare.exit_code, prepare.message) == (0, "exited with code 0")
    assert prepare.command == f"sh -c 'printf \"%s\\n\" \"$1\" >> \"$2\"' sh prepare {log}"

    argv = by_name["argv"]
    # Objects reach the command as JSON in the order every worker gives them (the server's).
    assert json.loads(argv.output_tail) == ['{"2":0,"10":"n","a":[1.5,{"z":null}],"b":1}', "--lr=1e-7", str(argv.id), "x y"]

    failed = by_name["fail"]
    assert (failed.status, failed.exit_code, failed.message) == (whatsnext.JobStatus.FAILED, 3, "exited with code 3")
    assert sorted(failed.output_tail.split()) == ["err", "out"]

    absent = by_name["absent"]
    assert absent.message.startswith("could not start: ") and "/nonexistent/program" in absent.message
    assert absent.command == "", "no start is reported for a command that did not start"


def test_each_command_gets_its_own_gpus_and_its_job_in_the_environment(project: whatsnext.Project) -> None:
    show = "sh -c 'echo \"cuda=[$CUDA_VISIBLE_DEVICES] job=$WHATSNEXT_JOB_ID task=$WHATSNEXT_TASK\"'"
    project.create_task("gpu", show, cpus=1, accelerators=2)
    project.create_task("cpu", show, cpus=1)
    gpu = project.submit("gpu")
    cpu = project.submit("cpu")
    worker = whatsnext.Worker(project, cpus=2, accelerators="3,5", handle_signals=False)
    with running(worker, until_idle=True):
        project.wait(timeout=120)
    assert gpu.refresh().output_tail == f"cuda=[3,5] job={gpu.id} task=gpu\n"
    assert cpu.refresh().output_tail == f"cuda=[] job={cpu.id} task=cpu\n"


def test_a_worker_without_gpus_leaves_gpu_jobs_to_others(project: whatsnext.Project) -> None:
    project.create_task("gpu", "true", accelerators=1)
    project.create_task("cpu", "true")
    gpu = project.submit("gpu")
    cpu = project.submit("cpu")
    worker = whatsnext.Worker(project, cpus=1, handle_signals=False)
    with running(worker, until_idle=True) as summary:
        cpu.wait(timeout=120)
    assert summary[0].claimed == 1
    assert gpu.refresh().status is whatsnext.JobStatus.PENDING


def test_cancelling_a_running_command_kills_its_process_group(project: whatsnext.Project, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # The job starts a child of its own; both must end.
    project.create_task("long", "sh -c 'sleep 600 & echo $$ $! > \"$1\"; echo started; wait' sh {pids}")
    job = project.submit("long", {"pids": str(pids)})
    worker = whatsnext.Worker(project, cpus=1, handle_signals=False, heartbeat_seconds=0.3, kill_grace_seconds=5)
    with running(worker) as summary:
        job.wait(until="running", timeout=120)
        shell, child = (int(p) for p in eventually(lambda: pids.exists() and pids.read_text().split(), "the command's pids"))
        job.cancel()
        eventually(lambda: job.refresh().message != "", "the worker's report of the cancelled job")
        eventually(lambda: not _alive(child), "the end of the command's own child")
    assert job.status is whatsnext.JobStatus.CANCELLED
    assert job.message == "cancelled (killed by SIGTERM)"
    assert job.output_tail == "started\n"
    assert not _alive(shell)
    assert summary[0].cancelled == 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its parent (init, for the orphaned child).
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
