from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from . import job_pb2 as _job_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
FINISH_OUTCOME_APPLIED: FinishOutcome
FINISH_OUTCOME_CANCELLED: FinishOutcome
FINISH_OUTCOME_UNSPECIFIED: FinishOutcome

class AppendJobOutputRequest(_message.Message):
    __slots__ = ["attempt", "chunks", "job_id", "seq", "worker_id"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    chunks: _containers.RepeatedCompositeFieldContainer[_job_pb2.OutputChunk]
    job_id: int
    seq: int
    worker_id: str
    def __init__(self, job_id: _Optional[int] = ..., worker_id: _Optional[str] = ..., attempt: _Optional[int] = ..., seq: _Optional[int] = ..., chunks: _Optional[_Iterable[_Union[_job_pb2.OutputChunk, _Mapping]]] = ...) -> None: ...

class AppendJobOutputResponse(_message.Message):
    __slots__ = ["duplicate", "size"]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    size: int
    def __init__(self, size: _Optional[int] = ..., duplicate: bool = ...) -> None: ...

class DeactivateWorkerRequest(_message.Message):
    __slots__ = ["worker_id"]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ...) -> None: ...

class DeactivateWorkerResponse(_message.Message):
    __slots__ = ["released_job_ids", "worker"]
    RELEASED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    released_job_ids: _containers.RepeatedScalarFieldContainer[int]
    worker: Worker
    def __init__(self, worker: _Optional[_Union[Worker, _Mapping]] = ..., released_job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class DeleteWorkerRequest(_message.Message):
    __slots__ = ["worker_id"]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ...) -> None: ...

class DeleteWorkerResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class FetchJobRequest(_message.Message):
    __slots__ = ["available_accelerators", "available_cpu", "available_time", "max_jobs", "project_id", "project_name", "start", "wait_seconds", "worker_id"]
    AVAILABLE_ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CPU_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_JOBS_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    WAIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    available_accelerators: int
    available_cpu: int
    available_time: _duration_pb2.Duration
    max_jobs: int
    project_id: int
    project_name: str
    start: bool
    wait_seconds: int
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ..., project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., available_cpu: _Optional[int] = ..., available_accelerators: _Optional[int] = ..., wait_seconds: _Optional[int] = ..., max_jobs: _Optional[int] = ..., start: bool = ..., available_time: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class FetchJobResponse(_message.Message):
    __slots__ = ["jobs", "num_pending"]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NUM_PENDING_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    num_pending: int
    def __init__(self, jobs: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ..., num_pending: _Optional[int] = ...) -> None: ...

class FinishJobRequest(_message.Message):
    __slots__ = ["exit_code", "job_id", "message", "next", "output_tail", "success", "worker_id"]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TAIL_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    exit_code: int
    job_id: int
    message: str
    next: FetchJobRequest
    output_tail: str
    success: bool
    worker_id: str
    def __init__(self, job_id: _Optional[int] = ..., worker_id: _Optional[str] = ..., success: bool = ..., exit_code: _Optional[int] = ..., message: _Optional[str] = ..., output_tail: _Optional[str] = ..., next: _Optional[_Union[FetchJobRequest, _Mapping]] = ...) -> None: ...

class FinishJobResponse(_message.Message):
    __slots__ = ["finish_outcome", "job", "next"]
    FINISH_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIELD_NUMBER: _ClassVar[int]
    finish_outcome: FinishOutcome
    job: _job_pb2.Job
    next: FetchJobResponse
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., next: _Optional[_Union[FetchJobResponse, _Mapping]] = ..., finish_outcome: _Optional[_Union[FinishOutcome, str]] = ...) -> None: ...

class FinishJobsRequest(_message.Message):
    __slots__ = ["next", "outcomes", "worker_id"]
    NEXT_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    next: FetchJobRequest
    outcomes: _containers.RepeatedCompositeFieldContainer[JobOutcome]
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ..., outcomes: _Optional[_Iterable[_Union[JobOutcome, _Mapping]]] = ..., next: _Optional[_Union[FetchJobRequest, _Mapping]] = ...) -> None: ...

class FinishJobsResponse(_message.Message):
    __slots__ = ["next", "results"]
    NEXT_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    next: FetchJobResponse
    results: _containers.RepeatedCompositeFieldContainer[JobResult]
    def __init__(self, results: _Optional[_Iterable[_Union[JobResult, _Mapping]]] = ..., next: _Optional[_Union[FetchJobResponse, _Mapping]] = ...) -> None: ...

class GetWorkerRequest(_message.Message):
    __slots__ = ["worker_id"]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ...) -> None: ...

class GetWorkerResponse(_message.Message):
    __slots__ = ["worker"]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    worker: Worker
    def __init__(self, worker: _Optional[_Union[Worker, _Mapping]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ["running", "worker_id"]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    running: _job_pb2.JobIds
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ..., running: _Optional[_Union[_job_pb2.JobIds, _Mapping]] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ["cancelled_job_ids", "lease_expire_time", "released_job_ids"]
    CANCELLED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    RELEASED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    cancelled_job_ids: _containers.RepeatedScalarFieldContainer[int]
    lease_expire_time: _timestamp_pb2.Timestamp
    released_job_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, cancelled_job_ids: _Optional[_Iterable[int]] = ..., lease_expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., released_job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class JobOutcome(_message.Message):
    __slots__ = ["exit_code", "job_id", "message", "output_tail", "success"]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TAIL_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    exit_code: int
    job_id: int
    message: str
    output_tail: str
    success: bool
    def __init__(self, job_id: _Optional[int] = ..., success: bool = ..., exit_code: _Optional[int] = ..., message: _Optional[str] = ..., output_tail: _Optional[str] = ...) -> None: ...

class JobResult(_message.Message):
    __slots__ = ["error_code", "error_message", "finish_outcome", "job_id", "status_code"]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FINISH_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    error_code: str
    error_message: str
    finish_outcome: FinishOutcome
    job_id: int
    status_code: int
    def __init__(self, job_id: _Optional[int] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., status_code: _Optional[int] = ..., finish_outcome: _Optional[_Union[FinishOutcome, str]] = ...) -> None: ...

class JobStart(_message.Message):
    __slots__ = ["accelerator_ids", "command", "job_id"]
    ACCELERATOR_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    accelerator_ids: _containers.RepeatedScalarFieldContainer[str]
    command: str
    job_id: int
    def __init__(self, job_id: _Optional[int] = ..., command: _Optional[str] = ..., accelerator_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListWorkersRequest(_message.Message):
    __slots__ = ["include_inactive", "page_size", "page_token"]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    include_inactive: bool
    page_size: int
    page_token: str
    def __init__(self, include_inactive: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWorkersResponse(_message.Message):
    __slots__ = ["next_page_token", "workers"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    workers: _containers.RepeatedCompositeFieldContainer[Worker]
    def __init__(self, workers: _Optional[_Iterable[_Union[Worker, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RegisterWorkerRequest(_message.Message):
    __slots__ = ["available_accelerators", "available_cpu", "description", "entity", "host", "id", "name"]
    AVAILABLE_ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CPU_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    available_accelerators: int
    available_cpu: int
    description: str
    entity: str
    host: str
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., entity: _Optional[str] = ..., description: _Optional[str] = ..., available_cpu: _Optional[int] = ..., available_accelerators: _Optional[int] = ..., host: _Optional[str] = ...) -> None: ...

class RegisterWorkerResponse(_message.Message):
    __slots__ = ["heartbeat_interval_seconds", "lease_seconds", "worker"]
    HEARTBEAT_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    heartbeat_interval_seconds: int
    lease_seconds: int
    worker: Worker
    def __init__(self, worker: _Optional[_Union[Worker, _Mapping]] = ..., lease_seconds: _Optional[int] = ..., heartbeat_interval_seconds: _Optional[int] = ...) -> None: ...

class ReleaseJobRequest(_message.Message):
    __slots__ = ["checkpoint", "job_id", "preempted", "reason", "scheduler_job_left", "worker_id"]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    PREEMPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_JOB_LEFT_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    checkpoint: str
    job_id: int
    preempted: bool
    reason: str
    scheduler_job_left: bool
    worker_id: str
    def __init__(self, job_id: _Optional[int] = ..., worker_id: _Optional[str] = ..., reason: _Optional[str] = ..., preempted: bool = ..., checkpoint: _Optional[str] = ..., scheduler_job_left: bool = ...) -> None: ...

class ReleaseJobResponse(_message.Message):
    __slots__ = ["job"]
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class ReportSchedulerJobRequest(_message.Message):
    __slots__ = ["job_id", "scheduler_job", "worker_id"]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_JOB_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: int
    scheduler_job: _job_pb2.SchedulerJob
    worker_id: str
    def __init__(self, job_id: _Optional[int] = ..., worker_id: _Optional[str] = ..., scheduler_job: _Optional[_Union[_job_pb2.SchedulerJob, _Mapping]] = ...) -> None: ...

class ReportSchedulerJobResponse(_message.Message):
    __slots__ = ["job"]
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class StartJobRequest(_message.Message):
    __slots__ = ["accelerator_ids", "command", "job_id", "worker_id"]
    ACCELERATOR_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    accelerator_ids: _containers.RepeatedScalarFieldContainer[str]
    command: str
    job_id: int
    worker_id: str
    def __init__(self, job_id: _Optional[int] = ..., worker_id: _Optional[str] = ..., command: _Optional[str] = ..., accelerator_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StartJobResponse(_message.Message):
    __slots__ = ["job"]
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class StartJobsRequest(_message.Message):
    __slots__ = ["starts", "worker_id"]
    STARTS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    starts: _containers.RepeatedCompositeFieldContainer[JobStart]
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ..., starts: _Optional[_Iterable[_Union[JobStart, _Mapping]]] = ...) -> None: ...

class StartJobsResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[JobResult]
    def __init__(self, results: _Optional[_Iterable[_Union[JobResult, _Mapping]]] = ...) -> None: ...

class WorkCapacity(_message.Message):
    __slots__ = ["accelerators", "available_time", "cpu", "cpu_per_job_floor", "jobs", "paused", "remaining_jobs"]
    ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    CPU_PER_JOB_FLOOR_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_JOBS_FIELD_NUMBER: _ClassVar[int]
    accelerators: int
    available_time: _duration_pb2.Duration
    cpu: int
    cpu_per_job_floor: int
    jobs: int
    paused: bool
    remaining_jobs: int
    def __init__(self, jobs: _Optional[int] = ..., cpu: _Optional[int] = ..., accelerators: _Optional[int] = ..., cpu_per_job_floor: _Optional[int] = ..., available_time: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., remaining_jobs: _Optional[int] = ..., paused: bool = ...) -> None: ...

class WorkJobs(_message.Message):
    __slots__ = ["jobs", "num_pending"]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NUM_PENDING_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    num_pending: int
    def __init__(self, jobs: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ..., num_pending: _Optional[int] = ...) -> None: ...

class WorkOpen(_message.Message):
    __slots__ = ["capacity", "project_id", "project_name", "running", "start_on_claim", "worker_id"]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    START_ON_CLAIM_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    capacity: WorkCapacity
    project_id: int
    project_name: str
    running: _containers.RepeatedScalarFieldContainer[int]
    start_on_claim: bool
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ..., project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., running: _Optional[_Iterable[int]] = ..., start_on_claim: bool = ..., capacity: _Optional[_Union[WorkCapacity, _Mapping]] = ...) -> None: ...

class WorkOpened(_message.Message):
    __slots__ = ["lease_seconds", "worker"]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    lease_seconds: int
    worker: Worker
    def __init__(self, worker: _Optional[_Union[Worker, _Mapping]] = ..., lease_seconds: _Optional[int] = ...) -> None: ...

class WorkRelease(_message.Message):
    __slots__ = ["checkpoint", "job_id", "preempted", "reason", "scheduler_job_left"]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    PREEMPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_JOB_LEFT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: str
    job_id: int
    preempted: bool
    reason: str
    scheduler_job_left: bool
    def __init__(self, job_id: _Optional[int] = ..., reason: _Optional[str] = ..., preempted: bool = ..., checkpoint: _Optional[str] = ..., scheduler_job_left: bool = ...) -> None: ...

class WorkRequest(_message.Message):
    __slots__ = ["capacity", "finish", "open", "ref", "release", "scheduler_job", "start"]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    FINISH_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_JOB_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    capacity: WorkCapacity
    finish: JobOutcome
    open: WorkOpen
    ref: int
    release: WorkRelease
    scheduler_job: WorkSchedulerJob
    start: JobStart
    def __init__(self, open: _Optional[_Union[WorkOpen, _Mapping]] = ..., capacity: _Optional[_Union[WorkCapacity, _Mapping]] = ..., start: _Optional[_Union[JobStart, _Mapping]] = ..., finish: _Optional[_Union[JobOutcome, _Mapping]] = ..., release: _Optional[_Union[WorkRelease, _Mapping]] = ..., scheduler_job: _Optional[_Union[WorkSchedulerJob, _Mapping]] = ..., ref: _Optional[int] = ...) -> None: ...

class WorkResponse(_message.Message):
    __slots__ = ["cancelled", "jobs", "opened", "released", "result"]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    cancelled: _job_pb2.JobIds
    jobs: WorkJobs
    opened: WorkOpened
    released: _job_pb2.JobIds
    result: WorkResult
    def __init__(self, opened: _Optional[_Union[WorkOpened, _Mapping]] = ..., jobs: _Optional[_Union[WorkJobs, _Mapping]] = ..., cancelled: _Optional[_Union[_job_pb2.JobIds, _Mapping]] = ..., result: _Optional[_Union[WorkResult, _Mapping]] = ..., released: _Optional[_Union[_job_pb2.JobIds, _Mapping]] = ...) -> None: ...

class WorkResult(_message.Message):
    __slots__ = ["error_code", "error_message", "finish_outcome", "job", "job_id", "ref", "status_code"]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FINISH_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    error_code: str
    error_message: str
    finish_outcome: FinishOutcome
    job: _job_pb2.Job
    job_id: int
    ref: int
    status_code: int
    def __init__(self, ref: _Optional[int] = ..., job_id: _Optional[int] = ..., job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., status_code: _Optional[int] = ..., finish_outcome: _Optional[_Union[FinishOutcome, str]] = ...) -> None: ...

class WorkSchedulerJob(_message.Message):
    __slots__ = ["job_id", "scheduler_job"]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_JOB_FIELD_NUMBER: _ClassVar[int]
    job_id: int
    scheduler_job: _job_pb2.SchedulerJob
    def __init__(self, job_id: _Optional[int] = ..., scheduler_job: _Optional[_Union[_job_pb2.SchedulerJob, _Mapping]] = ...) -> None: ...

class Worker(_message.Message):
    __slots__ = ["active", "available_accelerators", "available_cpu", "create_time", "description", "entity", "id", "job_ids", "last_heartbeat_time", "name"]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CPU_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    active: bool
    available_accelerators: int
    available_cpu: int
    create_time: _timestamp_pb2.Timestamp
    description: str
    entity: str
    id: str
    job_ids: _containers.RepeatedScalarFieldContainer[int]
    last_heartbeat_time: _timestamp_pb2.Timestamp
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., entity: _Optional[str] = ..., description: _Optional[str] = ..., available_cpu: _Optional[int] = ..., available_accelerators: _Optional[int] = ..., last_heartbeat_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., active: bool = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class FinishOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
