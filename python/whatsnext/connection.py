"""One gRPC channel to one server: TLS when the URL says https://, the API key
on every call, the service stubs, and errors turned into WhatsNextError.

Every call of the package goes through :meth:`Connection.call` or
:meth:`Connection.stream`, so the error mapping, deadlines and credentials
live here only.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import grpc

from ._proto.whatsnext.v1 import job_pb2_grpc, key_pb2_grpc, project_pb2_grpc, task_pb2_grpc, worker_pb2_grpc
from .config_file import ClientSettings
from .errors import ConfigError, Unavailable, error_from_rpc

__all__ = ["Connection", "ServerAddress", "parse_server_url", "DEFAULT_TIMEOUT_SECONDS"]

#: Deadline of an ordinary call: generous for a busy server, short enough that a dead one is noticed.
DEFAULT_TIMEOUT_SECONDS = 30.0
#: Largest answer accepted. grpcio's default (4 MiB) is less than a page of
#: 1000 jobs with full output tails.
_MAX_RECEIVE_BYTES = 256 * 1024 * 1024
#: Reads are tried again this many times while the server is Unavailable.
_READ_ATTEMPTS = 4


@dataclass(frozen=True)
class ServerAddress:
    """Where the server is: the gRPC target (``host:port``) and whether to use TLS."""

    target: str
    tls: bool
    #: The URL as given, for messages.
    url: str


def parse_server_url(server: str, tls: Optional[bool] = None) -> ServerAddress:
    """Accepts http:// and https:// URLs and a bare ``host:port`` (http://
    unless ``tls`` is True); raises ConfigError naming what is wrong.

    grpcio dials a host and port only, so a URL with a path (a gateway prefix)
    is refused rather than silently ignored.
    """
    text = server.strip()
    if text == "":
        raise ConfigError("server must not be empty (e.g. http://127.0.0.1:50051)")
    has_scheme = "://" in text
    parts = urlsplit(text if has_scheme else f"{'https' if tls else 'http'}://{text}")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ConfigError(f"server must start with http:// or https://, got {server!r}")
    secure = scheme == "https"
    if tls is not None and has_scheme and tls != secure:
        if tls:
            raise ConfigError(f"tls is on, which needs an https:// server, got {server!r}")
        raise ConfigError(f"tls=False needs an http:// server, got {server!r}")
    try:
        host = parts.hostname
        port = parts.port
    except ValueError as error:
        raise ConfigError(f"server must be a URL such as http://127.0.0.1:50051, got {server!r} ({error})") from error
    if not host:
        raise ConfigError(f"server must be a URL such as http://127.0.0.1:50051, got {server!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"server must be scheme://host:port without a path, got {server!r}")
    if parts.username or parts.password:
        raise ConfigError("server must not hold a user name or password; pass the API key as api_key")
    if port is None:
        port = 443 if secure else 80
    host_text = f"[{host}]" if ":" in host else host
    return ServerAddress(target=f"{host_text}:{port}", tls=secure, url=text)


def _read_file(option: str, path: Optional[str]) -> Optional[bytes]:
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise ConfigError(f"{option} {path} cannot be read: {error.strerror or error}") from error


class Connection:
    """The channel and stubs of one server. Thread-safe: share one between threads."""

    def __init__(self, settings: ClientSettings, *, tls: Optional[bool] = None, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.address = parse_server_url(settings.server, tls)
        self.timeout = timeout
        tls_files = {
            "tls_ca_file": settings.tls_ca_file,
            "tls_cert_file": settings.tls_cert_file,
            "tls_key_file": settings.tls_key_file,
        }
        if not self.address.tls:
            given = next((name for name, value in tls_files.items() if value), None)
            if given:
                raise ConfigError(f"{given} needs an https:// server, got {settings.server}")
        if bool(settings.tls_cert_file) != bool(settings.tls_key_file):
            raise ConfigError("tls_cert_file and tls_key_file must be given together")
        options: List[Tuple[str, Any]] = [
            ("grpc.max_receive_message_length", _MAX_RECEIVE_BYTES),
            # Notice a dead connection during a long FetchJob or WatchJobs.
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 15_000),
        ]
        if self.address.tls:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read_file("tls_ca_file", settings.tls_ca_file),
                private_key=_read_file("tls_key_file", settings.tls_key_file),
                certificate_chain=_read_file("tls_cert_file", settings.tls_cert_file),
            )
            self._channel = grpc.secure_channel(self.address.target, credentials, options=options)
        else:
            self._channel = grpc.insecure_channel(self.address.target, options=options)
        self._metadata: Tuple[Tuple[str, str], ...] = (("authorization", f"Bearer {settings.api_key}"),) if settings.api_key else ()
        self.projects = project_pb2_grpc.ProjectServiceStub(self._channel)
        self.tasks = task_pb2_grpc.TaskServiceStub(self._channel)
        self.jobs = job_pb2_grpc.JobServiceStub(self._channel)
        self.workers = worker_pb2_grpc.WorkerServiceStub(self._channel)
        self.keys = key_pb2_grpc.KeyServiceStub(self._channel)
        self._closed = threading.Event()

    @property
    def metadata(self) -> Sequence[Tuple[str, str]]:
        """The metadata sent with every call (the API key)."""
        return self._metadata

    def call(self, stub: Any, method: str, request: Any, *, timeout: Optional[float] = None, read: bool = False) -> Any:
        """Calls ``stub.method(request)``; raises the WhatsNextError for a failure.

        ``read`` marks calls without side effects, which are tried again (with
        backoff) while the server is Unavailable: it may be restarting.
        """
        multicallable = getattr(stub, method)
        name = _method_name(stub, method)
        attempts = _READ_ATTEMPTS if read else 1
        for attempt in range(1, attempts + 1):
            try:
                return multicallable(request, timeout=timeout or self.timeout, metadata=self._metadata)
            except grpc.RpcError as error:
                converted = error_from_rpc(error, name)
                if not (isinstance(converted, Unavailable) and attempt < attempts and not self._closed.is_set()):
                    raise converted from None
            time.sleep(_backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def future(self, stub: Any, method: str, request: Any, *, timeout: Optional[float] = None) -> "PendingCall":
        """Starts a call without waiting; the answer comes from :meth:`PendingCall.result`, which can be cancelled."""
        multicallable = getattr(stub, method)
        future = multicallable.future(request, timeout=timeout or self.timeout, metadata=self._metadata)
        return PendingCall(future, _method_name(stub, method))

    def stream(self, stub: Any, method: str, request: Any, *, timeout: Optional[float] = None) -> "StreamCall":
        """Starts a server stream; iterate the answer, cancel it to end it."""
        multicallable = getattr(stub, method)
        call = multicallable(request, timeout=timeout, metadata=self._metadata)
        return StreamCall(call, _method_name(stub, method))

    def close(self) -> None:
        """Closes the channel; calls still running fail with Cancelled."""
        self._closed.set()
        self._channel.close()


class PendingCall:
    """A unary call in flight, as a cancellable future."""

    def __init__(self, future: Any, method: str) -> None:
        self._future = future
        self._method = method

    def cancel(self) -> None:
        """Abandons the call; result() then raises grpc.FutureCancelledError."""
        self._future.cancel()

    def result(self) -> Any:
        """Waits for the answer (Ctrl-C and signal handlers still run meanwhile); raises WhatsNextError."""
        try:
            return self._future.result()
        except grpc.RpcError as error:
            raise error_from_rpc(error, self._method) from None


class StreamCall:
    """A server stream; iterating yields messages and raises WhatsNextError for a failure."""

    def __init__(self, call: Any, method: str) -> None:
        self._call = call
        self._method = method

    def __iter__(self) -> Iterator[Any]:
        try:
            for message in self._call:
                yield message
        except grpc.RpcError as error:
            raise error_from_rpc(error, self._method) from None

    def cancel(self) -> None:
        """Ends the stream; a blocked iteration raises Cancelled."""
        self._call.cancel()


def _method_name(stub: Any, method: str) -> str:
    service = type(stub).__name__.replace("Stub", "")
    return f"whatsnext.v1.{service}/{method}"


def _backoff(attempt: int) -> float:
    return min(5.0, 0.25 * 2**attempt) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security

