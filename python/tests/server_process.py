"""A real WhatsNext server for the tests: ``whatsnext serve`` started from the
repository with Node (bin/whatsnext.js), on a free port, over a database of its own.

With DATABASE_URL set, a fresh PostgreSQL database is created from it (and
dropped at the end); without it the server runs on an in-memory embedded
database. The port is read from the server's "whatsnext serving" log line.
The server runs in its own process group, which is ended as a whole.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import threading
from collections import deque
from pathlib import Path
from typing import Deque, Dict, Mapping, Optional
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE = os.environ.get("NODE", "node")
#: A loaded machine takes long to compile the server and start its database.
START_TIMEOUT_SECONDS = 300.0


class ServerProcess:
    """One server; ``start()`` returns once it serves, ``stop()`` ends it and drops its database."""

    def __init__(self, env: Optional[Mapping[str, str]] = None) -> None:
        self._extra_env = dict(env or {})
        self._process: Optional[subprocess.Popen[str]] = None
        self._log: Deque[str] = deque(maxlen=200)
        self._serving = threading.Event()
        self._reader: Optional[threading.Thread] = None
        self._database: Optional[str] = None
        self.url = ""

    def start(self) -> "ServerProcess":
        env: Dict[str, str] = dict(os.environ)
        env.update({"WHATSNEXT_PORT": "0", "WHATSNEXT_HOST": "127.0.0.1", "WHATSNEXT_DATA_DIR": "memory://", "LOG_LEVEL": "info"})
        for name in ("WHATSNEXT_SERVER", "WHATSNEXT_API_KEY", "WHATSNEXT_PROJECT", "WHATSNEXT_API_KEYS", "WHATSNEXT_API_KEYS_FILE"):
            env.pop(name, None)
        base = os.environ.get("DATABASE_URL", "")
        if base:
            self._database = f"wn_py_{os.getpid()}_{secrets.token_hex(4)}"
            _run_sql(base, f"create database {self._database}")
            env["DATABASE_URL"] = _with_database(base, self._database)
        else:
            env.pop("DATABASE_URL", None)
        env.update(self._extra_env)
        self._process = subprocess.Popen(
            # bin/whatsnext.js is `whatsnext serve` as installed; it starts faster than tsx on main.ts.
            [NODE, "bin/whatsnext.js", "serve"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read_log, name="server-log", daemon=True)
        self._reader.start()
        if not self._serving.wait(START_TIMEOUT_SECONDS) or not self.url:
            self.stop()
            raise RuntimeError(f"the server did not start within {START_TIMEOUT_SECONDS:.0f} s; its last lines:\n{self.log_tail()}")
        return self

    def _read_log(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self._log.append(line.rstrip("\n"))
            if not self._serving.is_set() and "whatsnext serving" in line:
                try:
                    self.url = json.loads(line)["url"]
                except (ValueError, KeyError):
                    continue
                self._serving.set()
        self._serving.set()  # the process ended: stop waiting

    def log_tail(self) -> str:
        """The server's last log lines, for a failing test's report."""
        return "\n".join(self._log)

    def stop(self) -> None:
        """Ends the server's process group (SIGTERM, then SIGKILL) and drops its database."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
            except ProcessLookupError:
                pass
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # anything of the group left behind
            except (ProcessLookupError, PermissionError):
                pass
        if self._reader is not None:
            self._reader.join(5)
        if self._database is not None:
            _run_sql(os.environ["DATABASE_URL"], f"drop database if exists {self._database} with (force)")
            self._database = None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _run_sql(url: str, statement: str) -> None:
    """Runs one statement with the repository's own PostgreSQL driver (Node's pg), so the tests need no Python driver."""
    script = (
        "const pg = require('pg');"
        "const c = new pg.Client({ connectionString: process.env.SQL_URL });"
        "c.connect().then(() => c.query(process.env.SQL_STATEMENT)).then(() => c.end())"
        ".catch((e) => { console.error(e.message); process.exit(1); });"
    )
    env = dict(os.environ, SQL_URL=url, SQL_STATEMENT=statement)
    completed = subprocess.run([NODE, "-e", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{statement!r} failed: {completed.stderr.strip()}")

