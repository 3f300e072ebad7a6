from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from . import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

ATTEMPT_OUTCOME_CANCELLED: AttemptOutcome
ATTEMPT_OUTCOME_CLAIMED: AttemptOutcome
ATTEMPT_OUTCOME_COMPLETED: AttemptOutcome
ATTEMPT_OUTCOME_FAILED: AttemptOutcome
ATTEMPT_OUTCOME_LOST: AttemptOutcome
ATTEMPT_OUTCOME_PREEMPTED: AttemptOutcome
ATTEMPT_OUTCOME_RELEASED: AttemptOutcome
ATTEMPT_OUTCOME_RUNNING: AttemptOutcome
ATTEMPT_OUTCOME_UNSPECIFIED: AttemptOutcome
DESCRIPTOR: _descriptor.FileDescriptor
JOB_EVENT_TYPE_CREATED: JobEventType
JOB_EVENT_TYPE_DELETED: JobEventType
JOB_EVENT_TYPE_SUBSCRIBED: JobEventType
JOB_EVENT_TYPE_UNSPECIFIED: JobEventType
JOB_EVENT_TYPE_UPDATED: JobEventType
OUTPUT_STREAM_COMBINED: OutputStream
OUTPUT_STREAM_NOTICE: OutputStream
OUTPUT_STREAM_STDERR: OutputStream
OUTPUT_STREAM_STDOUT: OutputStream
OUTPUT_STREAM_UNSPECIFIED: OutputStream

class BatchCreateJobsRequest(_message.Message):
    __slots__ = ["jobs", "project_id", "project_name"]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[BatchJobSpec]
    project_id: int
    project_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., jobs: _Optional[_Iterable[_Union[BatchJobSpec, _Mapping]]] = ...) -> None: ...

class BatchCreateJobsResponse(_message.Message):
    __slots__ = ["job_ids"]
    JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    job_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class BatchJobSpec(_message.Message):
    __slots__ = ["depends_on", "depends_on_names", "expected_duration", "idempotency_key", "max_attempts", "name", "parameters", "priority", "task_id", "task_name"]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_NAMES_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DURATION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    depends_on: _containers.RepeatedScalarFieldContainer[int]
    depends_on_names: _containers.RepeatedScalarFieldContainer[str]
    expected_duration: _duration_pb2.Duration
    idempotency_key: str
    max_attempts: int
    name: str
    parameters: _struct_pb2.Struct
    priority: int
    task_id: int
    task_name: str
    def __init__(self, task_id: _Optional[int] = ..., task_name: _Optional[str] = ..., name: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., priority: _Optional[int] = ..., depends_on: _Optional[_Iterable[int]] = ..., depends_on_names: _Optional[_Iterable[str]] = ..., max_attempts: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., expected_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ["id", "reason"]
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: int
    reason: str
    def __init__(self, id: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelJobResponse(_message.Message):
    __slots__ = ["blocked_job_ids", "job"]
    BLOCKED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    blocked_job_ids: _containers.RepeatedScalarFieldContainer[int]
    job: Job
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ..., blocked_job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ClearQueueRequest(_message.Message):
    __slots__ = ["project_id", "project_name"]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    project_id: int
    project_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ...) -> None: ...

class ClearQueueResponse(_message.Message):
    __slots__ = ["deleted"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...

class CreateJobRequest(_message.Message):
    __slots__ = ["depends_on", "expected_duration", "idempotency_key", "max_attempts", "name", "parameters", "priority", "project_id", "project_name", "task_id", "task_name"]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DURATION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    depends_on: _containers.RepeatedScalarFieldContainer[int]
    expected_duration: _duration_pb2.Duration
    idempotency_key: str
    max_attempts: int
    name: str
    parameters: _struct_pb2.Struct
    priority: int
    project_id: int
    project_name: str
    task_id: int
    task_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., task_id: _Optional[int] = ..., task_name: _Optional[str] = ..., name: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., priority: _Optional[int] = ..., depends_on: _Optional[_Iterable[int]] = ..., max_attempts: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., expected_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateJobResponse(_message.Message):
    __slots__ = ["existing", "job"]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    existing: bool
    job: Job
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ..., existing: bool = ...) -> None: ...

class DeleteJobRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeleteJobResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class FollowJobOutputRequest(_message.Message):
    __slots__ = ["attempt", "job_id", "offset", "tail_bytes"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TAIL_BYTES_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    job_id: int
    offset: int
    tail_bytes: int
    def __init__(self, job_id: _Optional[int] = ..., attempt: _Optional[int] = ..., offset: _Optional[int] = ..., tail_bytes: _Optional[int] = ...) -> None: ...

class FollowJobOutputResponse(_message.Message):
    __slots__ = ["attempt", "chunks", "next_offset"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_OFFSET_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    chunks: _containers.RepeatedCompositeFieldContainer[OutputChunk]
    next_offset: int
    def __init__(self, attempt: _Optional[int] = ..., chunks: _Optional[_Iterable[_Union[OutputChunk, _Mapping]]] = ..., next_offset: _Optional[int] = ...) -> None: ...

class GetJobDependenciesRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetJobDependenciesResponse(_message.Message):
    __slots__ = ["all_completed", "dependencies", "has_failed"]
    ALL_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    HAS_FAILED_FIELD_NUMBER: _ClassVar[int]
    all_completed: bool
    dependencies: _containers.RepeatedCompositeFieldContainer[JobDependency]
    has_failed: bool
    def __init__(self, dependencies: _Optional[_Iterable[_Union[JobDependency, _Mapping]]] = ..., all_completed: bool = ..., has_failed: bool = ...) -> None: ...

class GetJobOutputRequest(_message.Message):
    __slots__ = ["attempt", "from_end", "job_id", "max_bytes", "offset"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    FROM_END_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    from_end: bool
    job_id: int
    max_bytes: int
    offset: int
    def __init__(self, job_id: _Optional[int] = ..., attempt: _Optional[int] = ..., offset: _Optional[int] = ..., from_end: bool = ..., max_bytes: _Optional[int] = ...) -> None: ...

class GetJobOutputResponse(_message.Message):
    __slots__ = ["attempt", "chunks", "ended", "next_offset", "size"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    NEXT_OFFSET_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    chunks: _containers.RepeatedCompositeFieldContainer[OutputChunk]
    ended: bool
    next_offset: int
    size: int
    def __init__(self, attempt: _Optional[int] = ..., chunks: _Optional[_Iterable[_Union[OutputChunk, _Mapping]]] = ..., next_offset: _Optional[int] = ..., size: _Optional[int] = ..., ended: bool = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetJobResponse(_message.Message):
    __slots__ = ["job"]
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: Job
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ...) -> None: ...

class GetQueueStatsRequest(_message.Message):
    __slots__ = ["project_id", "project_name"]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    project_id: int
    project_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ...) -> None: ...

class GetQueueStatsResponse(_message.Message):
    __slots__ = ["active_workers", "blocked", "cancelled", "completed", "failed", "pending", "project_workers", "queued", "registered_workers", "running", "total"]
    ACTIVE_WORKERS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    PROJECT_WORKERS_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_WORKERS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    active_workers: int
    blocked: int
    cancelled: int
    completed: int
    failed: int
    pending: int
    project_workers: int
    queued: int
    registered_workers: int
    running: int
    total: int
    def __init__(self, pending: _Optional[int] = ..., queued: _Optional[int] = ..., running: _Optional[int] = ..., completed: _Optional[int] = ..., failed: _Optional[int] = ..., blocked: _Optional[int] = ..., cancelled: _Optional[int] = ..., total: _Optional[int] = ..., active_workers: _Optional[int] = ..., registered_workers: _Optional[int] = ..., project_workers: _Optional[int] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ["attempts", "checkpoint", "command", "command_template", "create_time", "depends_on", "exit_code", "expected_duration", "finish_time", "id", "idempotency_key", "inherited_scheduler_job", "lease_expire_time", "lost_leases", "max_attempts", "message", "name", "not_before_time", "output_tail", "parameters", "priority", "project_id", "required_accelerators", "required_cpu", "runs", "start_time", "status", "sweep_id", "task_id", "task_name", "update_time", "worker_id"]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DURATION_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INHERITED_SCHEDULER_JOB_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LOST_LEASES_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TAIL_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ACCELERATORS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_CPU_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SWEEP_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    checkpoint: str
    command: str
    command_template: str
    create_time: _timestamp_pb2.Timestamp
    depends_on: _containers.RepeatedScalarFieldContainer[int]
    exit_code: int
    expected_duration: _duration_pb2.Duration
    finish_time: _timestamp_pb2.Timestamp
    id: int
    idempotency_key: str
    inherited_scheduler_job: SchedulerJob
    lease_expire_time: _timestamp_pb2.Timestamp
    lost_leases: int
    max_attempts: int
    message: str
    name: str
    not_before_time: _timestamp_pb2.Timestamp
    output_tail: str
    parameters: _struct_pb2.Struct
    priority: int
    project_id: int
    required_accelerators: int
    required_cpu: int
    runs: int
    start_time: _timestamp_pb2.Timestamp
    status: _common_pb2.JobStatus
    sweep_id: int
    task_id: int
    task_name: str
    update_time: _timestamp_pb2.Timestamp
    worker_id: str
    def __init__(self, id: _Optional[int] = ..., project_id: _Optional[int] = ..., task_id: _Optional[int] = ..., task_name: _Optional[str] = ..., name: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., priority: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.JobStatus, str]] = ..., depends_on: _Optional[_Iterable[int]] = ..., attempts: _Optional[int] = ..., max_attempts: _Optional[int] = ..., worker_id: _Optional[str] = ..., lease_expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., not_before_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., command: _Optional[str] = ..., exit_code: _Optional[int] = ..., message: _Optional[str] = ..., output_tail: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., command_template: _Optional[str] = ..., required_cpu: _Optional[int] = ..., required_accelerators: _Optional[int] = ..., lost_leases: _Optional[int] = ..., runs: _Optional[int] = ..., sweep_id: _Optional[int] = ..., expected_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., checkpoint: _Optional[str] = ..., inherited_scheduler_job: _Optional[_Union[SchedulerJob, _Mapping]] = ...) -> None: ...

class JobAttempt(_message.Message):
    __slots__ = ["accelerator_ids", "claim_time", "command", "exit_code", "finish_time", "job_id", "message", "number", "outcome", "output_tail", "scheduler_job", "start_time", "worker_host", "worker_id", "worker_name"]
    ACCELERATOR_IDS_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TIME_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TAIL_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_JOB_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    WORKER_HOST_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_NAME_FIELD_NUMBER: _ClassVar[int]
    accelerator_ids: _containers.RepeatedScalarFieldContainer[str]
    claim_time: _timestamp_pb2.Timestamp
    command: str
    exit_code: int
    finish_time: _timestamp_pb2.Timestamp
    job_id: int
    message: str
    number: int
    outcome: AttemptOutcome
    output_tail: str
    scheduler_job: SchedulerJob
    start_time: _timestamp_pb2.Timestamp
    worker_host: str
    worker_id: str
    worker_name: str
    def __init__(self, job_id: _Optional[int] = ..., number: _Optional[int] = ..., worker_id: _Optional[str] = ..., worker_name: _Optional[str] = ..., worker_host: _Optional[str] = ..., claim_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[AttemptOutcome, str]] = ..., command: _Optional[str] = ..., accelerator_ids: _Optional[_Iterable[str]] = ..., exit_code: _Optional[int] = ..., message: _Optional[str] = ..., output_tail: _Optional[str] = ..., scheduler_job: _Optional[_Union[SchedulerJob, _Mapping]] = ...) -> None: ...

class JobDependency(_message.Message):
    __slots__ = ["id", "name", "status"]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    status: _common_pb2.JobStatus
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.JobStatus, str]] = ...) -> None: ...

class JobIds(_message.Message):
    __slots__ = ["ids"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ListJobAttemptsRequest(_message.Message):
    __slots__ = ["job_id"]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: int
    def __init__(self, job_id: _Optional[int] = ...) -> None: ...

class ListJobAttemptsResponse(_message.Message):
    __slots__ = ["attempts"]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    attempts: _containers.RepeatedCompositeFieldContainer[JobAttempt]
    def __init__(self, attempts: _Optional[_Iterable[_Union[JobAttempt, _Mapping]]] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "project_id", "project_name", "statuses", "sweep_id", "task_name"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    SWEEP_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    project_id: int
    project_name: str
    statuses: _containers.RepeatedScalarFieldContainer[_common_pb2.JobStatus]
    sweep_id: int
    task_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_common_pb2.JobStatus, str]]] = ..., task_name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., sweep_id: _Optional[int] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ["jobs", "next_page_token"]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class OutputChunk(_message.Message):
    __slots__ = ["offset", "stream", "text"]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    offset: int
    stream: OutputStream
    text: str
    def __init__(self, stream: _Optional[_Union[OutputStream, str]] = ..., text: _Optional[str] = ..., offset: _Optional[int] = ...) -> None: ...

class RetryJobRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class RetryJobResponse(_message.Message):
    __slots__ = ["job", "unblocked_job_ids"]
    JOB_FIELD_NUMBER: _ClassVar[int]
    UNBLOCKED_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    job: Job
    unblocked_job_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ..., unblocked_job_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class SchedulerJob(_message.Message):
    __slots__ = ["cluster", "id", "output_path", "run_dir", "scheduler"]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_PATH_FIELD_NUMBER: _ClassVar[int]
    RUN_DIR_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_FIELD_NUMBER: _ClassVar[int]
    cluster: str
    id: str
    output_path: str
    run_dir: str
    scheduler: str
    def __init__(self, scheduler: _Optional[str] = ..., id: _Optional[str] = ..., cluster: _Optional[str] = ..., output_path: _Optional[str] = ..., run_dir: _Optional[str] = ...) -> None: ...

class UpdateJobRequest(_message.Message):
    __slots__ = ["depends_on", "id", "parameters", "priority"]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    depends_on: JobIds
    id: int
    parameters: _struct_pb2.Struct
    priority: int
    def __init__(self, id: _Optional[int] = ..., priority: _Optional[int] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., depends_on: _Optional[_Union[JobIds, _Mapping]] = ...) -> None: ...

class UpdateJobResponse(_message.Message):
    __slots__ = ["job"]
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: Job
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ...) -> None: ...

class WatchJobsRequest(_message.Message):
    __slots__ = ["confirm_subscription", "project_id", "project_name"]
    CONFIRM_SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    confirm_subscription: bool
    project_id: int
    project_name: str
    def __init__(self, project_id: _Optional[int] = ..., project_name: _Optional[str] = ..., confirm_subscription: bool = ...) -> None: ...

class WatchJobsResponse(_message.Message):
    __slots__ = ["job", "type"]
    JOB_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    job: Job
    type: JobEventType
    def __init__(self, type: _Optional[_Union[JobEventType, str]] = ..., job: _Optional[_Union[Job, _Mapping]] = ...) -> None: ...

class AttemptOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class JobEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class OutputStream(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
