"""Errors of the server, as Python exceptions.

Every failed call raises a subclass of :class:`WhatsNextError` named after its
gRPC status code (``NotFound``, ``AlreadyExists``, ``InvalidArgument``, …),
never a bare ``grpc.RpcError``, so callers catch what they can act on. Each
carries the code, the server's message and the request id the server logged
the call under (``x-request-id``), which is what to quote when asking an
operator about an ``Internal`` error.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple, Type

import grpc

__all__ = [
    "WhatsNextError",
    "Cancelled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
    "ConfigError",
    "error_from_rpc",
    "error_for_code",
]


class WhatsNextError(Exception):
    """A call to the server failed; the subclass names the gRPC status code.

    Attributes:
        code: the gRPC status code.
        message: what the server said (it names the field or entity at fault).
        request_id: the id the server logged the call under, when it sent one.
        method: the RPC that failed, e.g. ``whatsnext.v1.ProjectService/GetProject``.
        retry_after: seconds the server asked to wait before trying again
            (``ResourceExhausted`` from the rate limiter), when it said.
    """

    #: The code this class stands for; the base class has none of its own.
    CODE: Optional[grpc.StatusCode] = None

    def __init__(
        self,
        message: str,
        *,
        code: Optional[grpc.StatusCode] = None,
        request_id: Optional[str] = None,
        method: str = "",
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        resolved = code if code is not None else type(self).CODE
        self.code: grpc.StatusCode = resolved if resolved is not None else grpc.StatusCode.UNKNOWN
        self.message = message
        self.request_id = request_id
        self.method = method
        self.retry_after = retry_after

    @property
    def code_name(self) -> str:
        """The code as gRPC spells it, e.g. ``NOT_FOUND``."""
        return self.code.name

    def __str__(self) -> str:
        details = [self.code_name]
        if self.request_id:
            details.append(f"request id {self.request_id}")
        return f"{self.message} ({', '.join(details)})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keyword-only arguments do not survive Exception's default pickling,
        # and errors cross process boundaries (multiprocessing, pytest-xdist).
        return (_rebuild_error, (type(self), self.message, self.code, self.request_id, self.method, self.retry_after))


def _rebuild_error(
    cls: Type[WhatsNextError],
    message: str,
    code: grpc.StatusCode,
    request_id: Optional[str],
    method: str,
    retry_after: Optional[float],
) -> WhatsNextError:
    return cls(message, code=code, request_id=request_id, method=method, retry_after=retry_after)


class Cancelled(WhatsNextError):
    """The call was cancelled by the caller (not a job's cancellation: see ``JobStatus.CANCELLED``)."""

    CODE = grpc.StatusCode.CANCELLED


class Unknown(WhatsNextError):
    """The server or the connection failed without saying how."""

    CODE = grpc.StatusCode.UNKNOWN


class InvalidArgument(WhatsNextError):
    """The request was refused as malformed; the message names the field."""

    CODE = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(WhatsNextError):
    """The call took longer than its deadline."""

    CODE = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(WhatsNextError):
    """The project, task, job or worker does not exist."""

    CODE = grpc.StatusCode.NOT_FOUND


class AlreadyExists(WhatsNextError):
    """A project or task of that name exists already."""

    CODE = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(WhatsNextError):
    """The API key's role does not allow the call."""

    CODE = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(WhatsNextError):
    """Rate limited (see ``retry_after``) or over a size limit."""

    CODE = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(WhatsNextError):
    """The entity is not in a state that allows the change (e.g. retrying a running job)."""

    CODE = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(WhatsNextError):
    """The call was aborted by a conflict; trying again may succeed."""

    CODE = grpc.StatusCode.ABORTED


class OutOfRange(WhatsNextError):
    """A value was outside the range the server accepts."""

    CODE = grpc.StatusCode.OUT_OF_RANGE


class Unimplemented(WhatsNextError):
    """The server does not know the call (it may be older than this client)."""

    CODE = grpc.StatusCode.UNIMPLEMENTED


class Internal(WhatsNextError):
    """The server failed; its log has the details under ``request_id``."""

    CODE = grpc.StatusCode.INTERNAL


class Unavailable(WhatsNextError):
    """The server cannot be reached, or its database cannot; trying again later may succeed."""

    CODE = grpc.StatusCode.UNAVAILABLE


class DataLoss(WhatsNextError):
    """Unrecoverable data loss or corruption."""

    CODE = grpc.StatusCode.DATA_LOSS


class Unauthenticated(WhatsNextError):
    """No API key, or one the server does not accept."""

    CODE = grpc.StatusCode.UNAUTHENTICATED


class ConfigError(ValueError):
    """The client's settings cannot work: a bad ``.whatsnext`` file, server URL or key file.

    Raised before any call is made; the message names the file, key or option.
    """


_CLASS_OF_CODE: Dict[grpc.StatusCode, Type[WhatsNextError]] = {
    cls.CODE: cls
    for cls in (
        Cancelled,
        Unknown,
        InvalidArgument,
        DeadlineExceeded,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        ResourceExhausted,
        FailedPrecondition,
        Aborted,
        OutOfRange,
        Unimplemented,
        Internal,
        Unavailable,
        DataLoss,
        Unauthenticated,
    )
    if cls.CODE is not None
}


def error_for_code(
    code: grpc.StatusCode,
    message: str,
    *,
    request_id: Optional[str] = None,
    method: str = "",
    retry_after: Optional[float] = None,
) -> WhatsNextError:
    """The exception of the class for ``code``."""
    cls = _CLASS_OF_CODE.get(code, WhatsNextError)
    return cls(message, code=code, request_id=request_id, method=method, retry_after=retry_after)


def error_from_rpc(error: grpc.RpcError, method: str) -> WhatsNextError:
    """Turns what grpcio raised into the matching WhatsNextError, keeping the request id."""
    code = _call_value(error, "code") or grpc.StatusCode.UNKNOWN
    details = _call_value(error, "details") or str(error) or code.name
    metadata = tuple(_call_value(error, "trailing_metadata") or ()) + tuple(_call_value(error, "initial_metadata") or ())
    return error_for_code(
        code,
        details,
        request_id=_metadata_value(metadata, "x-request-id"),
        method=method,
        retry_after=_retry_after(_metadata_value(metadata, "retry-after")),
    )


def _call_value(error: grpc.RpcError, name: str):  # type: ignore[no-untyped-def]
    # A grpc.RpcError raised by a call is also a grpc.Call; others (a channel
    # closed under a call) may not be, and may fail when asked.
    accessor = getattr(error, name, None)
    if accessor is None:
        return None
    try:
        return accessor()
    except Exception:  # noqa: BLE001 - any failure just means "not known"
        return None


def _metadata_value(metadata: Sequence[Tuple[str, object]], key: str) -> Optional[str]:
    for item in metadata:
        name, value = item[0], item[1]
        if name.lower() == key:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None


def _retry_after(text: Optional[str]) -> Optional[float]:
    if text is None:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        return None
