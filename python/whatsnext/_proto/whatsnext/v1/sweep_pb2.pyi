from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CancelSweepRequest(_message.Message):
    __slots__ = ["reason", "sweep"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    reason: str
    sweep: SweepRef
    def __init__(self, sweep: _Optional[_Union[SweepRef, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelSweepResponse(_message.Message):
    __slots__ = ["cancelled_job_ids", "sweep"]
    CANCELLED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    cancelled_job_ids: _containers.RepeatedScalarFieldContainer[int]
    sweep: Sweep
    def __init__(self, sweep: _Optional[_Union[Sweep, _Mapping]] = ..., cancelled_job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class CreateSweepRequest(_message.Message):
    __slots__ = ["max_attempts", "name", "priority", "project_id", "project_name", "spec", "task_id", "task_name"]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    max_attempts: int
    name: str
    priority: int
    project_id: int
    project_name: str
    spec: SweepSpec
    task_id: int
    task_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., task_id: _Optional[int] = ..., task_name: _Optional[str] = ..., name: _Optional[str] = ..., spec: _Optional[_Union[SweepSpec, _Mapping]] = ..., priority: _Optional[int] = ..., max_attempts: _Optional[int] = ...) -> None: ...

class CreateSweepResponse(_message.Message):
    __slots__ = ["created_jobs", "existing", "sweep"]
    CREATED_JOBS_FIELD_NUMBER: _ClassVar[int]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    created_jobs: int
    existing: bool
    sweep: Sweep
    def __init__(self, sweep: _Optional[_Union[Sweep, _Mapping]] = ..., existing: bool = ..., created_jobs: _Optional[int] = ...) -> None: ...

class ExtendSweepRequest(_message.Message):
    __slots__ = ["spec", "sweep"]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    spec: SweepSpec
    sweep: SweepRef
    def __init__(self, sweep: _Optional[_Union[SweepRef, _Mapping]] = ..., spec: _Optional[_Union[SweepSpec, _Mapping]] = ...) -> None: ...

class ExtendSweepResponse(_message.Message):
    __slots__ = ["created_jobs", "skipped_duplicates", "sweep"]
    CREATED_JOBS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    created_jobs: int
    skipped_duplicates: int
    sweep: Sweep
    def __init__(self, sweep: _Optional[_Union[Sweep, _Mapping]] = ..., created_jobs: _Optional[int] = ..., skipped_duplicates: _Optional[int] = ...) -> None: ...

class GetSweepRequest(_message.Message):
    __slots__ = ["sweep"]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    sweep: SweepRef
    def __init__(self, sweep: _Optional[_Union[SweepRef, _Mapping]] = ...) -> None: ...

class GetSweepResponse(_message.Message):
    __slots__ = ["sweep"]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    sweep: Sweep
    def __init__(self, sweep: _Optional[_Union[Sweep, _Mapping]] = ...) -> None: ...

class GridAxis(_message.Message):
    __slots__ = ["name", "values"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    name: str
    values: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Value]
    def __init__(self, name: _Optional[str] = ..., values: _Optional[_Iterable[_Union[_struct_pb2.Value, _Mapping]]] = ...) -> None: ...

class GridSpec(_message.Message):
    __slots__ = ["axes"]
    AXES_FIELD_NUMBER: _ClassVar[int]
    axes: _containers.RepeatedCompositeFieldContainer[GridAxis]
    def __init__(self, axes: _Optional[_Iterable[_Union[GridAxis, _Mapping]]] = ...) -> None: ...

class ListSpec(_message.Message):
    __slots__ = ["parameter_sets"]
    PARAMETER_SETS_FIELD_NUMBER: _ClassVar[int]
    parameter_sets: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    def __init__(self, parameter_sets: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ...) -> None: ...

class ListSweepsRequest(_message.Message):
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

class ListSweepsResponse(_message.Message):
    __slots__ = ["next_page_token", "sweeps"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SWEEPS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    sweeps: _containers.RepeatedCompositeFieldContainer[Sweep]
    def __init__(self, sweeps: _Optional[_Iterable[_Union[Sweep, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RandomParameter(_message.Message):
    __slots__ = ["choice", "int_uniform", "log_uniform", "name", "uniform"]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    INT_UNIFORM_FIELD_NUMBER: _ClassVar[int]
    LOG_UNIFORM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UNIFORM_FIELD_NUMBER: _ClassVar[int]
    choice: _struct_pb2.ListValue
    int_uniform: Range
    log_uniform: Range
    name: str
    uniform: Range
    def __init__(self, name: _Optional[str] = ..., uniform: _Optional[_Union[Range, _Mapping]] = ..., log_uniform: _Optional[_Union[Range, _Mapping]] = ..., int_uniform: _Optional[_Union[Range, _Mapping]] = ..., choice: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class RandomSpec(_message.Message):
    __slots__ = ["count", "parameters", "seed"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    count: int
    parameters: _containers.RepeatedCompositeFieldContainer[RandomParameter]
    seed: int
    def __init__(self, seed: _Optional[int] = ..., count: _Optional[int] = ..., parameters: _Optional[_Iterable[_Union[RandomParameter, _Mapping]]] = ...) -> None: ...

class Range(_message.Message):
    __slots__ = ["high", "low"]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    high: float
    low: float
    def __init__(self, low: _Optional[float] = ..., high: _Optional[float] = ...) -> None: ...

class RetrySweepRequest(_message.Message):
    __slots__ = ["sweep"]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    sweep: SweepRef
    def __init__(self, sweep: _Optional[_Union[SweepRef, _Mapping]] = ...) -> None: ...

class RetrySweepResponse(_message.Message):
    __slots__ = ["retried_job_ids", "skipped_job_ids", "sweep"]
    RETRIED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    retried_job_ids: _containers.RepeatedScalarFieldContainer[int]
    skipped_job_ids: _containers.RepeatedScalarFieldContainer[int]
    sweep: Sweep
    def __init__(self, sweep: _Optional[_Union[Sweep, _Mapping]] = ..., retried_job_ids: _Optional[_Iterable[int]] = ..., skipped_job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class Sweep(_message.Message):
    __slots__ = ["counts", "create_time", "first_finish_time", "id", "last_finish_time", "max_attempts", "name", "priority", "progress", "project_id", "spec", "task_id", "task_name"]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRST_FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LAST_FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    counts: SweepCounts
    create_time: _timestamp_pb2.Timestamp
    first_finish_time: _timestamp_pb2.Timestamp
    id: int
    last_finish_time: _timestamp_pb2.Timestamp
    max_attempts: int
    name: str
    priority: int
    progress: float
    project_id: int
    spec: SweepSpec
    task_id: int
    task_name: str
    def __init__(self, id: _Optional[int] = ..., project_id: _Optional[int] = ..., task_id: _Optional[int] = ..., task_name: _Optional[str] = ..., name: _Optional[str] = ..., spec: _Optional[_Union[SweepSpec, _Mapping]] = ..., priority: _Optional[int] = ..., max_attempts: _Optional[int] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., counts: _Optional[_Union[SweepCounts, _Mapping]] = ..., progress: _Optional[float] = ..., first_finish_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_finish_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SweepCounts(_message.Message):
    __slots__ = ["blocked", "cancelled", "completed", "failed", "pending", "queued", "running", "total"]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    blocked: int
    cancelled: int
    completed: int
    failed: int
    pending: int
    queued: int
    running: int
    total: int
    def __init__(self, pending: _Optional[int] = ..., queued: _Optional[int] = ..., running: _Optional[int] = ..., completed: _Optional[int] = ..., failed: _Optional[int] = ..., blocked: _Optional[int] = ..., cancelled: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class SweepRef(_message.Message):
    __slots__ = ["id", "name", "project_id", "project_name"]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    project_id: int
    project_name: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., project_id: _Optional[int] = ..., project_name: _Optional[str] = ...) -> None: ...

class SweepSpec(_message.Message):
    __slots__ = ["base_parameters", "grid", "list", "random"]
    BASE_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    RANDOM_FIELD_NUMBER: _ClassVar[int]
    base_parameters: _struct_pb2.Struct
    grid: GridSpec
    list: ListSpec
    random: RandomSpec
    def __init__(self, grid: _Optional[_Union[GridSpec, _Mapping]] = ..., list: _Optional[_Union[ListSpec, _Mapping]] = ..., random: _Optional[_Union[RandomSpec, _Mapping]] = ..., base_parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
