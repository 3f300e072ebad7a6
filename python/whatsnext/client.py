"""The entry point: a connection to a WhatsNext server and everything reached through it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterator, List, Mapping, Optional, Tuple, Union

from ._proto.whatsnext.v1 import job_pb2, project_pb2, worker_pb2
from .config_file import (
    ClientSettings,
    LoadedConfigFile,
    SettingsLayer,
    load_config_file,
    resolve_client_settings,
    settings_from_environment,
    settings_from_file,
)
from .connection import DEFAULT_TIMEOUT_SECONDS, Connection
from .errors import AlreadyExists, ConfigError, WhatsNextError
from .jobs import Job
from .paging import iterate_pages
from .projects import Project
from .tls import TLS
from .worker_info import WorkerInfo

if TYPE_CHECKING:
    from .compat import CLIFormatter

__all__ = ["Client"]

PathLike = Union[str, "os.PathLike[str]"]


class Client:
    """A connection to a WhatsNext server.

    Settings come from, highest first: the arguments, the environment
    (``WHATSNEXT_SERVER``, ``WHATSNEXT_API_KEY``, ``WHATSNEXT_API_KEY_FILE``,
    ``WHATSNEXT_PROJECT``, ``WHATSNEXT_CA_FILE``, …), the ``.whatsnext`` file
    (the current folder's, the git root's, then the home folder's; or
    ``config``/``WHATSNEXT_CONFIG``), and the default ``http://127.0.0.1:50051``
    — the same order as the ``whatsnext`` command.

    Args:
        server: ``http://host:port`` (cleartext HTTP/2) or ``https://host:port`` (TLS).
        api_key: sent as ``authorization: Bearer <key>`` on every call.
        tls: True for TLS with the system's roots, a :class:`TLS` naming a CA
            file and a client certificate (mTLS), False to insist on cleartext;
            None: as the URL's scheme says.
        project: the default project (:meth:`default_project`, ``Worker()``).
        config: a configuration file to read instead of searching; False reads none.
        timeout: deadline of each call, in seconds.

    Use it as a context manager, or call :meth:`close`, to end the connection.
    It is thread-safe: share one client between threads.
    """

    def __init__(
        self,
        server: Optional[str] = None,
        api_key: Optional[str] = None,
        tls: Union[bool, TLS, None] = None,
        *,
        project: Optional[str] = None,
        config: Union[PathLike, bool, None] = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.config_file: Optional[LoadedConfigFile] = self._load_config(config)
        tls_files = tls if isinstance(tls, TLS) else TLS()
        arguments = SettingsLayer(
            server=server,
            api_key=api_key,
            tls_ca_file=tls_files.ca_file,
            tls_cert_file=tls_files.cert_file,
            tls_key_file=tls_files.key_file,
            project=project,
        )
        layers = [arguments, settings_from_environment(), settings_from_file(self.config_file.config) if self.config_file else SettingsLayer()]
        #: The settings in effect (the API key among them: do not print it).
        self.settings: ClientSettings = resolve_client_settings(layers, self.config_file.path if self.config_file else None)
        wants_tls = None if tls is None else (True if isinstance(tls, TLS) else bool(tls))
        self._connection = Connection(self.settings, tls=wants_tls, timeout=timeout)

    @staticmethod
    def _load_config(config: Union[PathLike, bool, None]) -> Optional[LoadedConfigFile]:
        if config is False:
            return None
        if config is True or config is None:
            return load_config_file(os.environ.get("WHATSNEXT_CONFIG") or None)
        return load_config_file(config)

    def __repr__(self) -> str:
        return f"Client(server={self.server!r})"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection; calls still running fail."""
        self._connection.close()

    @property
    def server(self) -> str:
        """The server's URL, as configured."""
        return self._connection.address.url

    # --- projects ---------------------------------------------------------

    def create_project(self, name: str, description: str = "", *, exist_ok: bool = False) -> Project:
        """Creates a project; with ``exist_ok`` an existing one of that name is returned instead of raising AlreadyExists."""
        request = project_pb2.CreateProjectRequest(name=name, description=description)
        try:
            return Project(self, self._connection.call(self._connection.projects, "CreateProject", request).project)
        except AlreadyExists:
            if not exist_ok:
                raise
            return self.get_project(name)

    def get_project(self, project: Union[str, int]) -> Project:
        """The project with this name, or this id (an int, or digits no project is named after); raises NotFound."""
        if isinstance(project, bool):
            raise TypeError("project must be a name or an id")
        if isinstance(project, int):
            return self._project_by(id=project)
        if project.isascii() and project.isdigit() and not project.startswith("0"):
            try:
                return self._project_by(name=project)
            except WhatsNextError:
                return self._project_by(id=int(project))
        return self._project_by(name=project)

    def _project_by(self, **key: Any) -> Project:
        request = project_pb2.GetProjectRequest(**key)
        return Project(self, self._connection.call(self._connection.projects, "GetProject", request, read=True).project)

    def default_project(self) -> Project:
        """The project named by the ``project`` argument, ``WHATSNEXT_PROJECT`` or the file's ``project:``."""
        if not self.settings.project:
            raise ConfigError("no project: pass project=..., set WHATSNEXT_PROJECT, or add `project:` to .whatsnext (whatsnext init)")
        return self.get_project(self.settings.project)

    def projects(self, *, include_archived: bool = False, page_size: int = 100) -> Iterator[Project]:
        """Every project, page by page as you iterate."""

        def page(token: str) -> Tuple[List[Project], str]:
            request = project_pb2.ListProjectsRequest(include_archived=include_archived, page_size=page_size, page_token=token)
            response = self._connection.call(self._connection.projects, "ListProjects", request, read=True)
            return [Project(self, p) for p in response.projects], response.next_page_token

        return iterate_pages(page)

    def delete_project(self, project: Union[str, int, Project]) -> None:
        """Deletes a project (by name, id or Project) with all its tasks and jobs."""
        target = project if isinstance(project, Project) else self.get_project(project)
        target.delete()

    # --- jobs and workers -------------------------------------------------

    def get_job(self, job_id: int) -> Job:
        """The job with this id; raises NotFound."""
        response = self._connection.call(self._connection.jobs, "GetJob", job_pb2.GetJobRequest(id=job_id), read=True)
        return Job._from_message(self, response.job)

    def workers(self, *, include_inactive: bool = False, page_size: int = 100) -> Iterator[WorkerInfo]:
        """Registered workers (active ones unless ``include_inactive``), page by page."""

        def page(token: str) -> Tuple[List[WorkerInfo], str]:
            request = worker_pb2.ListWorkersRequest(include_inactive=include_inactive, page_size=page_size, page_token=token)
            response = self._connection.call(self._connection.workers, "ListWorkers", request, read=True)
            return [WorkerInfo.from_message(w) for w in response.workers], response.next_page_token

        return iterate_pages(page)

    def get_worker(self, worker_id: str) -> WorkerInfo:
        """The worker with this id; raises NotFound."""
        request = worker_pb2.GetWorkerRequest(worker_id=worker_id)
        return WorkerInfo.from_message(self._connection.call(self._connection.workers, "GetWorker", request, read=True).worker)

    # --- the original library's worker entry point -----------------------

    def work(
        self,
        project: Union[Project, str, int, None] = None,
        formatter: Optional["CLIFormatter"] = None,
        *,
        run_forever: bool = False,
        max_jobs: Optional[int] = None,
        **worker_options: Any,
    ) -> int:
        """Runs jobs of ``project`` here and returns how many ran (the original library's ``Client.work``).

        As there, it returns once the queue has nothing left for it, unless
        ``run_forever``. ``formatter=CLIFormatter(executable, script)`` runs
        tasks without a command template as ``executable script --key value``.
        Other keyword arguments are those of :class:`whatsnext.Worker`; for
        Python functions, build a Worker and use ``@worker.task``.
        """
        from .worker import Worker

        options: Mapping[str, Any] = dict(worker_options)
        if formatter is not None:
            options = {"executable": formatter.executable, "script": formatter.script, "cwd": formatter.cwd, **options}
        worker = Worker(project, client=self, **options)
        summary = worker.run(max_jobs=max_jobs, until_idle=not run_forever)
        return summary.succeeded + summary.failed + summary.cancelled
