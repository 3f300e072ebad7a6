"""A command's output reaches the server while it runs (AppendJobOutput), from
the Python worker as from the TypeScript one; the shipper never holds the job
up and, when the server does not take the output, drops the oldest lines with
a notice saying how much."""

from __future__ import annotations

import threading
from typing import List, Tuple

import whatsnext
from whatsnext._proto.whatsnext.v1 import job_pb2
from whatsnext.errors import Unavailable
from whatsnext.output_shipper import OutputShipper

from worker_threads import running


def _output(client: whatsnext.Client, job_id: int) -> List[job_pb2.OutputChunk]:
    connection = client._connection  # noqa: SLF001 - the SDK has no reader of output yet; the raw call is what `jobs logs` makes
    chunks: List[job_pb2.OutputChunk] = []
    offset = 0
    while True:
        page = connection.call(connection.jobs, "GetJobOutput", job_pb2.GetJobOutputRequest(job_id=job_id, offset=offset), read=True)
        chunks.extend(page.chunks)
        if page.next_offset == offset or page.next_offset >= page.size:
            return chunks
        offset = page.next_offset


def test_a_commands_stdout_and_stderr_are_stored_while_it_runs(client: whatsnext.Client, project: whatsnext.Project) -> None:
    project.create_task("talk", "sh -c 'for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.05; done'")
    job = project.submit("talk")
    worker = whatsnext.Worker(project, handle_signals=False)
    with running(worker, until_idle=True):
        project.wait(timeout=60)
    assert job.id is not None
    chunks = _output(client, job.id)
    stdout = "".join(c.text for c in chunks if c.stream == job_pb2.OUTPUT_STREAM_STDOUT)
    stderr = "".join(c.text for c in chunks if c.stream == job_pb2.OUTPUT_STREAM_STDERR)
    assert stdout == "out 1\nout 2\nout 3\n"
    assert stderr == "err 1\nerr 2\nerr 3\n"


def test_the_shipper_drops_the_oldest_lines_with_a_notice_while_the_server_is_away() -> None:
    sent: List[Tuple[int, List[Tuple[str, str]]]] = []
    server_back = threading.Event()

    def send(seq: int, pieces: List[Tuple[str, str]]) -> None:
        if not server_back.is_set():
            raise Unavailable("the server is away")
        sent.append((seq, pieces))

    shipper = OutputShipper(send, buffer_bytes=1024, flush_seconds=0.05)
    lines = [f"line {i:04d} {'x' * 40}\n" for i in range(100)]
    for line in lines:
        shipper.push(line.encode(), "stdout")
    server_back.set()
    assert shipper.close(wait_seconds=10)
    text = "".join(t for _, pieces in sent for s, t in pieces if s == "stdout")
    notices = [t for _, pieces in sent for s, t in pieces if s == "notice"]
    assert len(notices) == 1
    dropped = int(notices[0].split("worker: ")[1].split(" bytes")[0])
    kept = text.splitlines(keepends=True)
    assert kept == lines[len(lines) - len(kept) :], "the latest lines are kept, whole and in order"
    assert dropped == sum(len(line) for line in lines[: len(lines) - len(kept)]), "the notice counts every byte dropped"
    assert [seq for seq, _ in sent] == sorted({seq for seq, _ in sent}), "each send once, in order"
