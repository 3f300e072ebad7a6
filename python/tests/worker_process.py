"""A worker as its own process, the way people run one: configured from
WHATSNEXT_SERVER and WHATSNEXT_PROJECT, stopped by a signal. The tests start
it, signal it, and read the summary it prints as JSON when it ends.

Usage: worker_process.py GRACE_SECONDS PARALLEL
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import whatsnext  # noqa: E402


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    worker = whatsnext.Worker(cpus=1, parallel=int(sys.argv[2]), grace_seconds=float(sys.argv[1]), heartbeat_seconds=1)

    @worker.task("nap")
    def nap() -> str:
        print("napping")
        whatsnext.current_job().sleep(600)
        return "woke up"

    summary = worker.run()
    print(json.dumps(dataclasses.asdict(summary)), flush=True)


if __name__ == "__main__":
    main()
