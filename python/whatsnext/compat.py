"""Names of the original WhatsNext library, for scripts written against it.

They map onto the current API where the meaning carries over cleanly:

- ``Server(hostname, port)`` is a :class:`whatsnext.Client` for
  ``http://hostname:port``, with ``append_project`` and ``list_projects``.
  ``get_project`` raises :class:`whatsnext.NotFound` for a missing project.
- ``Job(name, task, parameters, priority, depends=...)`` and
  ``project.append_queue(job)`` / ``project.extend_queue(jobs)`` submit jobs.
- ``Client.work()`` runs a worker until the queue has nothing left for it;
  ``CLIFormatter(executable, script)`` runs tasks without a command template
  as ``executable script --key value …``.

What has no clean equivalent (``pop_queue``, ``remove_queue``, resources
allocated by hand) is left out rather than imitated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

from .client import Client
from .projects import Project

__all__ = ["Server", "CLIFormatter"]


class Server(Client):
    """The original library's connection object: ``Server("localhost", 50051)``."""

    def __init__(self, hostname: str = "127.0.0.1", port: int = 50051, **options: Any) -> None:
        scheme = "https" if options.get("tls") else "http"
        host = f"[{hostname}]" if ":" in hostname and not hostname.startswith("[") else hostname
        super().__init__(server=f"{scheme}://{host}:{port}", **options)
        self.hostname = hostname
        self.port = port

    def append_project(self, name: str, description: str = "") -> Project:
        """Creates a project (the original name for :meth:`create_project`)."""
        return self.create_project(name, description)

    def list_projects(self) -> List[Project]:
        """Every active project, as a list."""
        return list(self.projects())


@dataclass(frozen=True)
class CLIFormatter:
    """How ``Client.work`` runs jobs whose task has no command template:
    ``executable script --key value …`` (keys sorted), in ``cwd``."""

    executable: Optional[str] = None
    script: Optional[str] = None
    cwd: Optional[str] = None
