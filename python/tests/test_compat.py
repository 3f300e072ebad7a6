"""Scripts written for the original WhatsNext library keep working where its
names map cleanly: Server, Job, append_queue / extend_queue, Client.work."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import whatsnext

from conftest import unique_name
from server_process import ServerProcess


def test_the_original_submit_and_work_loop(server: ServerProcess, tmp_path: Path) -> None:
    script = tmp_path / "process_data.py"
    script.write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    address = urlsplit(server.url)
    server_conn = whatsnext.Server(address.hostname or "", address.port or 0, config=False)
    name = unique_name("original")
    project = server_conn.append_project(name=name, description="Process data files")
    assert project in server_conn.list_projects()
    project.create_task("process-file")

    first = whatsnext.Job(name="process-data1.csv", task="process-file", parameters={"input": "data1.csv", "output": "out1.csv"})
    assert first.id is None and not first.submitted
    with pytest.raises(RuntimeError, match="not submitted yet"):
        first.refresh()
    assert project.append_queue(first) is first and first.id is not None
    second, third = project.extend_queue(
        [
            whatsnext.Job("process-data2.csv", "process-file", {"input": "data2.csv"}, priority=2, depends=[first]),
            whatsnext.Job("process-data3.csv", "process-file", {"input": "data3.csv"}),
        ]
    )
    assert second.depends == [first.id]

    formatter = whatsnext.CLIFormatter(executable=sys.executable, script=str(script))
    done = server_conn.work(project, formatter=formatter, cpus=1, handle_signals=False)
    assert done == 3
    assert json.loads(first.refresh().output_tail) == ["--input", "data1.csv", "--output", "out1.csv"]
    assert first.command == f"{sys.executable} {script} --input data1.csv --output out1.csv"
    assert {job.refresh().status for job in (first, second, third)} == {whatsnext.JobStatus.COMPLETED}
    with pytest.raises(whatsnext.NotFound):
        server_conn.get_project(unique_name("missing"))
    server_conn.delete_project(name)
    server_conn.close()
