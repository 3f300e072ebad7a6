from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
JOB_STATUS_BLOCKED: JobStatus
JOB_STATUS_CANCELLED: JobStatus
JOB_STATUS_COMPLETED: JobStatus
JOB_STATUS_FAILED: JobStatus
JOB_STATUS_PENDING: JobStatus
JOB_STATUS_QUEUED: JobStatus
JOB_STATUS_RUNNING: JobStatus
JOB_STATUS_UNSPECIFIED: JobStatus
PROJECT_STATUS_ACTIVE: ProjectStatus
PROJECT_STATUS_ARCHIVED: ProjectStatus
PROJECT_STATUS_UNSPECIFIED: ProjectStatus
ROLE_ADMIN: Role
ROLE_SUBMITTER: Role
ROLE_UNSPECIFIED: Role
ROLE_VIEWER: Role
ROLE_WORKER: Role

class JobStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ProjectStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
