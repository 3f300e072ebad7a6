"""WhatsNext for Python: submit jobs to a WhatsNext server and run them.

    import whatsnext

    with whatsnext.Client("http://127.0.0.1:50051") as client:
        project = client.create_project("sweep", exist_ok=True)
        project.create_task("train", exist_ok=True)
        project.submit_grid("train", {"lr": [0.1, 0.01], "seed": [1, 2]})

        worker = whatsnext.Worker(project, cpus=2)

        @worker.task("train")
        def train(lr: float, seed: int) -> float:
            return lr * seed

        worker.run(until_idle=True)
        print(project.stats())

Errors of the server are :class:`WhatsNextError` subclasses named after
their gRPC code (:class:`NotFound`, :class:`AlreadyExists`, …).
"""

from __future__ import annotations

from .client import Client
from .compat import CLIFormatter, Server
from .config_file import ClientSettings
from .errors import (
    Aborted,
    AlreadyExists,
    Cancelled,
    ConfigError,
    DataLoss,
    DeadlineExceeded,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    NotFound,
    OutOfRange,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    Unknown,
    WhatsNextError,
)
from .job_context import JobCancelled, JobContext, current_job
from .jobs import Job, JobDependencies, JobDependency
from .projects import Project
from .queue_stats import QueueStats
from .statuses import JobStatus, ProjectStatus
from .tasks import Task
from .tls import TLS
from .watch import JobEvent, JobWatch
from .worker import Worker, WorkerSummary
from .worker_info import WorkerInfo

__version__ = "0.1.0"

__all__ = [
    "Aborted",
    "AlreadyExists",
    "CLIFormatter",
    "Cancelled",
    "Client",
    "ClientSettings",
    "ConfigError",
    "DataLoss",
    "DeadlineExceeded",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobDependencies",
    "JobDependency",
    "JobEvent",
    "JobWatch",
    "JobStatus",
    "NotFound",
    "OutOfRange",
    "PermissionDenied",
    "Project",
    "ProjectStatus",
    "QueueStats",
    "ResourceExhausted",
    "Server",
    "TLS",
    "Task",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "Unknown",
    "WhatsNextError",
    "Worker",
    "WorkerInfo",
    "WorkerSummary",
    "current_job",
    "__version__",
]
