"""Projects, tasks and jobs through the client: create, read, page, change,
delete, submit in every form, stats and waiting."""

from __future__ import annotations

import queue
import threading
from datetime import datetime, timezone

import grpc
import pytest

import whatsnext
from conftest import unique_name


def test_projects_are_created_read_paged_changed_and_deleted(client: whatsnext.Client) -> None:
    prefix = unique_name("paging")
    created = [client.create_project(f"{prefix}-{i}", description=f"number {i}") for i in range(7)]
    assert created[0].description == "number 0"
    assert created[0].status is whatsnext.ProjectStatus.ACTIVE
    assert isinstance(created[0].create_time, datetime) and created[0].create_time.tzinfo == timezone.utc

    # Two at a time: the iterator follows next_page_token across four pages.
    listed = [p.name for p in client.projects(page_size=2) if p.name.startswith(prefix)]
    assert listed == [f"{prefix}-{i}" for i in range(7)]

    assert client.get_project(f"{prefix}-3") == created[3]
    assert client.get_project(created[3].id).name == f"{prefix}-3"
    assert client.create_project(f"{prefix}-3", exist_ok=True) == created[3]

    renamed = created[1].update(name=f"{prefix}-one", description="renamed")
    assert (renamed.name, renamed.description) == (f"{prefix}-one", "renamed")
    assert created[2].archive().status is whatsnext.ProjectStatus.ARCHIVED
    assert created[2].name not in {p.name for p in client.projects()}
    assert created[2].name in {p.name for p in client.projects(include_archived=True)}
    assert created[2].unarchive().status is whatsnext.ProjectStatus.ACTIVE

    for p in created:
        p.delete()
    with pytest.raises(whatsnext.NotFound):
        client.get_project(f"{prefix}-0")


def test_tasks_are_created_read_listed_changed_and_deleted(project: whatsnext.Project) -> None:
    train = project.create_task("train", "python train.py --lr {lr}", cpus=2, accelerators=1)
    assert (train.name, train.command_template, train.cpus, train.accelerators) == ("train", "python train.py --lr {lr}", 2, 1)
    assert project.create_task("train", exist_ok=True) == train
    with pytest.raises(whatsnext.AlreadyExists):
        project.create_task("train")
    for i in range(3):
        project.create_task(f"extra-{i}")
    assert [t.name for t in project.tasks(page_size=2)] == ["train", "extra-0", "extra-1", "extra-2"]
    assert project.get_task("train").update(cpus=4, command_template="python train.py").cpus == 4
    assert project.get_task("train").command_template == "python train.py"
    project.get_task("extra-0").delete()
    with pytest.raises(whatsnext.NotFound):
        project.get_task("extra-0")


def test_submit_returns_the_job_with_its_parameters_as_given(project: whatsnext.Project) -> None:
    project.create_task("train")
    job = project.submit("train", {"lr": 0.1, "seed": 3, "tags": ["a", "b"], "opts": {"depth": 2}, "note": None}, name="first", priority=5, max_attempts=2)
    assert job.id is not None and job.submitted
    assert (job.name, job.task, job.priority, job.max_attempts, job.status) == ("first", "train", 5, 2, whatsnext.JobStatus.PENDING)
    # Whole numbers come back as int, as json.loads would give them.
    assert job.parameters == {"lr": 0.1, "seed": 3, "tags": ["a", "b"], "opts": {"depth": 2}, "note": None}
    assert isinstance(job.parameters["seed"], int)
    assert project.client.get_job(job.id) == job

    again = project.submit("train", {"lr": 1}, idempotency_key="k1")
    assert project.submit("train", {"lr": 2}, idempotency_key="k1").id == again.id

    job.update(priority=9, parameters={"lr": 0.5})
    assert (job.priority, job.parameters) == (9, {"lr": 0.5})


def test_parameters_json_cannot_hold_are_refused_before_sending(project: whatsnext.Project) -> None:
    project.create_task("train")
    with pytest.raises(ValueError, match=r"parameters\.seed .* beyond"):
        project.submit("train", {"seed": 2**60})
    with pytest.raises(ValueError, match=r"parameters\.lr is nan"):
        project.submit("train", {"lr": float("nan")})
    with pytest.raises(TypeError, match=r"parameters\.ids is a set"):
        project.submit("train", {"ids": {1, 2}})


def test_submit_many_is_one_batch_with_dependencies_by_name_and_by_job(project: whatsnext.Project) -> None:
    project.create_task("prepare")
    project.create_task("train")
    prepare = whatsnext.Job("prepare", "prepare")
    jobs = project.submit_many(
        [
            prepare,
            {"task": "train", "name": "a", "parameters": {"lr": 0.1}, "depends_on": ["prepare"]},
            {"task": "train", "name": "b", "params": {"lr": 0.2}, "depends_on": [prepare]},
            whatsnext.Job("c", "train", {"lr": 0.3}, depends_on=["a", "b"]),
        ]
    )
    assert jobs[0] is prepare and prepare.id is not None
    assert [j.name for j in jobs] == ["prepare", "a", "b", "c"]
    assert jobs[1].depends_on == [prepare.id]
    assert jobs[2].depends_on == [prepare.id]
    assert sorted(jobs[3].depends_on) == sorted([jobs[1].id, jobs[2].id])
    deps = jobs[3].dependencies()
    assert {d.name for d in deps.dependencies} == {"a", "b"}
    assert not deps.all_completed and not deps.has_failed

    with pytest.raises(ValueError, match=r"jobs\[0\]: depends_on 'nothing' names no earlier job"):
        project.submit_many([{"task": "train", "depends_on": ["nothing"]}])
    with pytest.raises(ValueError, match=r"unknown key 'prio'"):
        project.submit_many([{"task": "train", "prio": 1}])
    # All or nothing: the server refuses the batch (unknown task), nothing is created.
    before = project.stats().total
    with pytest.raises(whatsnext.NotFound):
        project.submit_many([{"task": "train"}, {"task": "no-such-task"}])
    assert project.stats().total == before


def test_submit_grid_names_jobs_like_batch_files(project: whatsnext.Project) -> None:
    project.create_task("train")
    jobs = project.submit_grid("train", {"lr": [0.1, 0.01, 1e-7], "seed": [1, 2]}, params={"epochs": 10})
    assert [j.name for j in jobs] == [
        "train-lr=0.1-seed=1",
        "train-lr=0.1-seed=2",
        "train-lr=0.01-seed=1",
        "train-lr=0.01-seed=2",
        "train-lr=1e-7-seed=1",
        "train-lr=1e-7-seed=2",
    ]
    assert jobs[5].parameters == {"epochs": 10, "lr": 1e-7, "seed": 2}
    named = project.submit_grid("train", {"lr": [0.5]}, name_template="lr{lr}-{task}-{missing}")
    assert named[0].name == "lr0.5-train-{missing}"
    with pytest.raises(ValueError, match=r"grid\.seed must be a non-empty list"):
        project.submit_grid("train", {"seed": []})


def test_jobs_are_listed_by_status_and_task_across_pages(project: whatsnext.Project) -> None:
    project.create_task("train")
    project.create_task("eval")
    trains = project.submit_grid("train", {"i": list(range(5))})
    evals = project.submit_grid("eval", {"i": list(range(2))})
    assert [j.id for j in project.jobs(page_size=2)] == [j.id for j in trains + evals]
    assert [j.id for j in project.jobs(task="eval", page_size=1)] == [j.id for j in evals]
    trains[0].cancel(reason="not needed")
    assert [j.id for j in project.jobs("cancelled")] == [trains[0].id]
    assert len(list(project.jobs(["pending", whatsnext.JobStatus.CANCELLED]))) == 7
    with pytest.raises(ValueError, match="unknown job status 'finished'"):
        list(project.jobs("finished"))


def test_stats_count_jobs_per_status(project: whatsnext.Project) -> None:
    project.create_task("train")
    jobs = project.submit_grid("train", {"i": [1, 2, 3]})
    jobs[0].cancel()
    stats = project.stats()
    assert (stats.pending, stats.cancelled, stats.total) == (2, 1, 3)
    assert not stats.done
    assert stats.as_dict()["pending"] == 2
    assert "pending=2" in str(stats)
    assert project.clear_queue() == 2
    assert project.stats().done


def test_retry_cancel_and_delete_follow_the_server_rules(project: whatsnext.Project) -> None:
    project.create_task("train")
    job = project.submit("train")
    with pytest.raises(whatsnext.FailedPrecondition) as refused:
        job.retry()
    assert refused.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert job.cancel(reason="changed my mind").status is whatsnext.JobStatus.CANCELLED
    assert job.retry().status is whatsnext.JobStatus.PENDING
    job.delete()
    with pytest.raises(whatsnext.NotFound):
        job.refresh()


def test_wait_returns_when_the_job_is_done_and_project_wait_when_the_queue_is(project: whatsnext.Project) -> None:
    project.create_task("train")
    first, second = project.submit_grid("train", {"i": [1, 2]})
    worker = whatsnext.Worker(project, cpus=1, handle_signals=False)

    @worker.task("train")
    def train(i: int) -> int:
        return i * 10

    runner = threading.Thread(target=worker.run, kwargs={"max_jobs": 2})
    runner.start()
    try:
        done = first.wait(timeout=120)
        assert done.status is whatsnext.JobStatus.COMPLETED
        assert done.message == "returned 10"
        stats = project.wait(until="done", timeout=120)
        assert (stats.completed, stats.total) == (2, 2)
        assert second.refresh().message == "returned 20"
    finally:
        worker.stop()
        runner.join(60)
    assert not runner.is_alive()


def test_wait_gives_up_after_its_timeout(project: whatsnext.Project) -> None:
    project.create_task("train")
    job = project.submit("train")
    with pytest.raises(TimeoutError, match=f"job {job.id} is still pending"):
        job.wait(timeout=0.5)
    with pytest.raises(TimeoutError, match="1 pending"):
        project.wait(timeout=0.5)


def test_watch_streams_changes_as_they_happen(project: whatsnext.Project) -> None:
    project.create_task("train")
    seen: "queue.Queue[whatsnext.JobEvent]" = queue.Queue()
    with project.watch() as changes:
        reader = threading.Thread(target=lambda: [seen.put(e) for e in changes], daemon=True)
        reader.start()
        # The stream says nothing when the server has subscribed it, so a
        # change made at once may come before; change jobs until one is seen.
        cancelled = None
        for _ in range(10):
            job = project.submit("train", name="watched")
            job.cancel()
            cancelled = _event_for(seen, job.id, whatsnext.JobStatus.CANCELLED)
            if cancelled is not None:
                break
        assert cancelled is not None
        assert cancelled.type == "updated"
        assert (cancelled.job.name, cancelled.job.project_id) == ("watched", project.id)
    reader.join(10)
    assert not reader.is_alive(), "closing the watch ends the iteration"


def _event_for(events: "queue.Queue[whatsnext.JobEvent]", job_id: int, status: whatsnext.JobStatus) -> "whatsnext.JobEvent | None":
    try:
        while True:
            event = events.get(timeout=5)
            if event.job.id == job_id and event.job.status is status:
                return event
    except queue.Empty:
        return None
