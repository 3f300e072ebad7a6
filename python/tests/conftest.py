"""Fixtures: one real server for the whole suite, and for each test a client
and a project of its own (so tests never see each other's jobs)."""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import whatsnext  # noqa: E402
from server_process import ServerProcess  # noqa: E402


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    """The suite's server (embedded database, or a fresh PostgreSQL database when DATABASE_URL is set)."""
    process = ServerProcess().start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(autouse=True)
def _no_client_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own WHATSNEXT_* variables must not steer the tests."""
    for name in list(os.environ):
        if name.startswith("WHATSNEXT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def client(server: ServerProcess) -> Iterator[whatsnext.Client]:
    with whatsnext.Client(server.url, config=False) as c:
        yield c


def unique_name(label: str) -> str:
    """A project name no other test (or earlier run on the same database) uses."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", label)[:80]
    return f"{cleaned}-{secrets.token_hex(3)}"


@pytest.fixture
def project(client: whatsnext.Client, request: pytest.FixtureRequest) -> Iterator[whatsnext.Project]:
    p = client.create_project(unique_name(request.node.name))
    yield p
    try:
        p.delete()
    except whatsnext.WhatsNextError:
        pass
