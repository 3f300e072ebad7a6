from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateTaskRequest(_message.Message):
    __slots__ = ["command_template", "expected_duration", "name", "project_id", "project_name", "required_accelerators", "required_cpu"]
    COMMAND_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DURATION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_CPU_FIELD_NUMBER: _ClassVar[int]
    command_template: str
    expected_duration: _duration_pb2.Duration
    name: str
    project_id: int
    project_name: str
    required_accelerators: int
    required_cpu: int
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., name: _Optional[str] = ..., command_template: _Optional[str] = ..., required_cpu: _Optional[int] = ..., required_accelerators: _Optional[int] = ..., expected_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateTaskResponse(_message.Message):
    __slots__ = ["task"]
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class DeleteTaskRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeleteTaskResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ["id", "name", "project_id", "project_name"]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    project_id: int
    project_name: str
    def __init__(self, id: _Optional[int] = ..., project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ["task"]
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "project_id", "project_name"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    project_id: int
    project_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ["next_page_token", "tasks"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ["command_template", "create_time", "expected_duration", "id", "name", "project_id", "required_accelerators", "required_cpu", "update_time"]
    COMMAND_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_CPU_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    command_template: str
    create_time: _timestamp_pb2.Timestamp
    expected_duration: _duration_pb2.Duration
    id: int
    name: str
    project_id: int
    required_accelerators: int
    required_cpu: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., project_id: _Optional[int] = ..., name: _Optional[str] = ..., command_template: _Optional[str] = ..., required_cpu: _Optional[int] = ..., required_accelerators: _Optional[int] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expected_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class UpdateTaskRequest(_message.Message):
    __slots__ = ["command_template", "expected_duration", "id", "name", "required_accelerators", "required_cpu"]
    COMMAND_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_CPU_FIELD_NUMBER: _ClassVar[int]
    command_template: str
    expected_duration: _duration_pb2.Duration
    id: int
    name: str
    required_accelerators: int
    required_cpu: int
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., command_template: _Optional[str] = ..., required_cpu: _Optional[int] = ..., required_accelerators: _Optional[int] = ..., expected_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class UpdateTaskResponse(_message.Message):
    __slots__ = ["task"]
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...
