"""Failures arrive as WhatsNextError subclasses named after their gRPC code,
with the server's message and request id, never as a bare grpc.RpcError;
API keys reach the server from an argument, the environment or a key file."""

from __future__ import annotations

import pickle
import re
import socket
from pathlib import Path
from typing import Iterator

import grpc
import pytest

import whatsnext

from server_process import ServerProcess

ADMIN_KEY = "admin-secret-0123456789"
VIEWER_KEY = "viewer-secret-0123456789"
REQUEST_ID = re.compile(r"^[0-9a-f-]{16,}$")


@pytest.fixture(scope="module")
def secured_server() -> Iterator[ServerProcess]:
    """A second server that requires API keys: an admin and a viewer."""
    process = ServerProcess({"WHATSNEXT_API_KEYS": f"admin:admin:{ADMIN_KEY},viewer:viewer:{VIEWER_KEY}"}).start()
    try:
        yield process
    finally:
        process.stop()


def test_errors_carry_their_code_message_and_request_id(client: whatsnext.Client, project: whatsnext.Project) -> None:
    with pytest.raises(whatsnext.NotFound) as missing:
        client.get_project("no-such-project-anywhere")
    error = missing.value
    assert isinstance(error, whatsnext.WhatsNextError) and not isinstance(error, grpc.RpcError)
    assert error.code is grpc.StatusCode.NOT_FOUND and error.code_name == "NOT_FOUND"
    assert "no-such-project-anywhere" in error.message
    assert error.request_id is not None and REQUEST_ID.match(error.request_id)
    assert error.method == "whatsnext.v1.ProjectService/GetProject"
    assert str(error).endswith(f"(NOT_FOUND, request id {error.request_id})")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is whatsnext.NotFound and (copy.code, copy.request_id) == (error.code, error.request_id)

    with pytest.raises(whatsnext.AlreadyExists) as duplicate:
        client.create_project(project.name)
    assert duplicate.value.code is grpc.StatusCode.ALREADY_EXISTS and project.name in duplicate.value.message

    with pytest.raises(whatsnext.InvalidArgument, match="page_size must be between 1 and 1000, got 5000"):
        next(client.projects(page_size=5000))

    project.create_task("train")
    first = project.submit("train")
    second = project.submit("train", depends_on=[first])
    with pytest.raises(whatsnext.InvalidArgument, match="cycle"):
        first.update(depends_on=[second])

    with pytest.raises(whatsnext.FailedPrecondition, match="from PENDING to PENDING"):
        first.retry()


def test_an_unreachable_server_is_unavailable(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with whatsnext.Client(f"http://127.0.0.1:{port}", config=False, timeout=10) as client:
        with pytest.raises(whatsnext.Unavailable) as down:
            client.create_project("nobody-listens")
    assert down.value.code is grpc.StatusCode.UNAVAILABLE
    assert down.value.request_id is None


def test_api_keys_from_arguments_environment_and_key_files(secured_server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with whatsnext.Client(secured_server.url, config=False) as anonymous:
        with pytest.raises(whatsnext.Unauthenticated) as refused:
            anonymous.create_project("needs-a-key")
        assert refused.value.code is grpc.StatusCode.UNAUTHENTICATED and refused.value.request_id
    with whatsnext.Client(secured_server.url, api_key="wrong-key-0123456789", config=False) as wrong:
        with pytest.raises(whatsnext.Unauthenticated):
            list(wrong.projects())

    with whatsnext.Client(secured_server.url, api_key=ADMIN_KEY, config=False) as admin:
        project = admin.create_project("keyed", exist_ok=True)

    monkeypatch.setenv("WHATSNEXT_SERVER", secured_server.url)
    monkeypatch.setenv("WHATSNEXT_API_KEY", VIEWER_KEY)
    with whatsnext.Client(config=False) as viewer:
        assert viewer.get_project("keyed") == project
        with pytest.raises(whatsnext.PermissionDenied) as denied:
            viewer.create_project("viewers-cannot")
        assert denied.value.code is grpc.StatusCode.PERMISSION_DENIED

    monkeypatch.delenv("WHATSNEXT_API_KEY")
    (tmp_path / "key").write_text(f"{ADMIN_KEY}\n")
    (tmp_path / ".whatsnext").write_text("api_key_file: key\n")
    with whatsnext.Client(config=tmp_path / ".whatsnext") as from_file:
        assert from_file.create_project("from-key-file", exist_ok=True).name == "from-key-file"
