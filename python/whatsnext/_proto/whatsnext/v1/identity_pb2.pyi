from . import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetCallerIdentityRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetCallerIdentityResponse(_message.Message):
    __slots__ = ["principal_name", "project_id", "role"]
    PRINCIPAL_NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    principal_name: str
    project_id: int
    role: _common_pb2.Role
    def __init__(self, principal_name: _Optional[str] = ..., role: _Optional[_Union[_common_pb2.Role, str]] = ..., project_id: _Optional[int] = ...) -> None: ...
