"""The README's five-minute walkthrough runs as written and prints what the README says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from server_process import ServerProcess

README = Path(__file__).resolve().parents[1] / "README.md"


def _block_after(text: str, marker: str, language: str) -> str:
    start = text.index(marker)
    match = re.compile(rf"^```{language}\n(.*?)^```$", re.S | re.M).search(text, start)
    assert match is not None, f"no ```{language} block after {marker!r}"
    return match.group(1)


def test_the_walkthrough_submits_and_runs_a_100_job_grid(server: ServerProcess, tmp_path: Path) -> None:
    text = README.read_text()
    script = _block_after(text, "## Five minutes", "python")
    expected = _block_after(text, "It prints:", "")
    (tmp_path / "sweep.py").write_text(script)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHATSNEXT_")}
    env.update({"WHATSNEXT_SERVER": server.url, "PYTHONPATH": str(README.parent)})
    completed = subprocess.run([sys.executable, "sweep.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr
    # Workers are counted server-wide, and the suite's server has had others.
    workers = re.compile(r"active_workers=\d+, registered_workers=\d+")
    assert workers.sub("workers", completed.stdout) == workers.sub("workers", expected)


def test_the_main_readme_snippet_runs(server: ServerProcess, tmp_path: Path) -> None:
    text = (README.parents[1] / "README.md").read_text()
    script = _block_after(text, "### From Python", "python")
    assert 'Client("http://127.0.0.1:50051")' in script and 'create_project("sweep")' in script
    # The test server's address, and a project of its own (the walkthrough above makes "sweep").
    script = script.replace("http://127.0.0.1:50051", server.url).replace('"sweep"', '"main-readme"')
    (tmp_path / "snippet.py").write_text(script + "\nprint(sorted(job.message for job in p.jobs()))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHATSNEXT_")}
    env["PYTHONPATH"] = str(README.parent)
    completed = subprocess.run([sys.executable, "snippet.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == str(sorted(f"returned {lr * seed}" for lr in (0.1, 0.01) for seed in (1, 2, 3)))
