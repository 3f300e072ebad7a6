"""The ``.whatsnext`` file and the order in which a client's settings are
decided, the same as the ``whatsnext`` command's: arguments > environment >
file > defaults.

The file is YAML, found in the current folder, then the git root, then the
home folder (the first that exists wins), or named by ``WHATSNEXT_CONFIG`` or
the ``config`` argument. Because the server keeps its embedded database under
``./.whatsnext/data``, a ``.whatsnext`` that is a folder is read as
``.whatsnext/config.yaml``. Paths in the file are relative to the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from .config_yaml import YamlError, parse_yaml
from .errors import ConfigError

__all__ = [
    "DEFAULT_SERVER",
    "CONFIG_FILE_NAME",
    "ClientSettings",
    "SettingsLayer",
    "LoadedConfigFile",
    "config_path_in",
    "config_search_path",
    "load_config_file",
    "read_config_file",
    "settings_from_environment",
    "settings_from_file",
    "resolve_client_settings",
    "read_key_file",
]

#: The server a client talks to when nothing says otherwise (the server's default port on loopback).
DEFAULT_SERVER = "http://127.0.0.1:50051"

#: The name of the configuration file (or of the folder holding config.yaml).
CONFIG_FILE_NAME = ".whatsnext"

_STRING_KEYS = ("server", "api_key", "api_key_file", "tls_ca_file", "tls_cert_file", "tls_key_file", "project")
_PATH_KEYS = ("api_key_file", "tls_ca_file", "tls_cert_file", "tls_key_file")
_SECTION_KEYS = ("worker", "formatter")

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class LoadedConfigFile:
    """A configuration file that was found and parsed, with where it came from.

    ``config`` holds the file's keys; path keys are absolute. ``worker`` and
    ``formatter`` are the sections ``whatsnext worker`` reads.
    """

    path: str
    config: Dict[str, Any]


@dataclass(frozen=True)
class SettingsLayer:
    """The settings one level gives (arguments, environment or file); None defers to the next level."""

    server: Optional[str] = None
    api_key: Optional[str] = None
    api_key_file: Optional[str] = None
    tls_ca_file: Optional[str] = None
    tls_cert_file: Optional[str] = None
    tls_key_file: Optional[str] = None
    project: Optional[str] = None


@dataclass(frozen=True)
class ClientSettings:
    """The settings a client runs with, after every level was consulted."""

    server: str
    api_key: Optional[str] = None
    tls_ca_file: Optional[str] = None
    tls_cert_file: Optional[str] = None
    tls_key_file: Optional[str] = None
    #: The default project (``WHATSNEXT_PROJECT`` or the file's ``project:``), if any.
    project: Optional[str] = None
    #: The configuration file used, if any.
    config_path: Optional[str] = None


def config_path_in(folder: PathLike) -> str:
    """The file ``.whatsnext`` stands for in a folder: itself, or config.yaml inside it when it is a folder."""
    candidate = os.path.join(os.fspath(folder), CONFIG_FILE_NAME)
    if os.path.isdir(candidate):
        return os.path.join(candidate, "config.yaml")
    return candidate


def _git_root(start: str) -> Optional[str]:
    folder = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def config_search_path(cwd: Optional[PathLike] = None, home: Optional[PathLike] = None) -> List[str]:
    """The places searched for a configuration file, in order, without duplicates."""
    here = os.path.abspath(os.fspath(cwd) if cwd is not None else os.getcwd())
    home_dir = os.fspath(home) if home is not None else os.path.expanduser("~")
    folders: List[str] = []
    for folder in (here, _git_root(here), home_dir):
        if folder:
            absolute = os.path.abspath(folder)
            if absolute not in folders:
                folders.append(absolute)
    return [config_path_in(folder) for folder in folders]


def load_config_file(
    explicit_path: Optional[PathLike] = None,
    cwd: Optional[PathLike] = None,
    home: Optional[PathLike] = None,
) -> Optional[LoadedConfigFile]:
    """Loads the named file (an error if it is missing), else the first file of the search path that exists, else None."""
    base = os.fspath(cwd) if cwd is not None else os.getcwd()
    home_dir = os.fspath(home) if home is not None else os.path.expanduser("~")
    if explicit_path is not None and os.fspath(explicit_path) != "":
        path = os.path.abspath(os.path.join(base, _expand_home(os.fspath(explicit_path), home_dir)))
        file = os.path.join(path, "config.yaml") if os.path.isdir(path) else path
        if not os.path.exists(file):
            raise ConfigError(f"config file {file} does not exist")
        return LoadedConfigFile(file, read_config_file(file, home_dir))
    for path in config_search_path(base, home_dir):
        if os.path.isfile(path):
            return LoadedConfigFile(path, read_config_file(path, home_dir))
    return None


def read_config_file(path: PathLike, home: Optional[PathLike] = None) -> Dict[str, Any]:
    """Parses and checks one file; relative paths inside it become absolute, relative to the file."""
    file = os.fspath(path)
    home_dir = os.fspath(home) if home is not None else os.path.expanduser("~")
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"config file {file} cannot be read: {error.strerror or error}") from error
    try:
        data = parse_yaml(text)
    except YamlError as error:
        raise ConfigError(f"config file {file} cannot be read: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {file} must be a YAML mapping")
    config: Dict[str, Any] = {}
    for key in _STRING_KEYS:
        value = data.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{key} in {file} must be a string, got {_json_text(value)}")
        config[key] = value
    for key in _PATH_KEYS:
        if config.get(key):
            config[key] = os.path.abspath(os.path.join(os.path.dirname(file), _expand_home(config[key], home_dir)))
    for key in _SECTION_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{key} in {file} must be a mapping")
        config[key] = value
    known = list(_STRING_KEYS) + list(_SECTION_KEYS)
    unknown = [key for key in data if key not in known]
    if unknown:
        raise ConfigError(f"config file {file} has unknown key {unknown[0]} (known: {', '.join(known)})")
    return config


def _json_text(value: Any) -> str:
    # The CLI names a wrong value as JSON; keep the message the same.
    from .js_json import json_text

    try:
        return json_text(value)
    except (TypeError, ValueError):
        return repr(value)


def _expand_home(path: str, home: str) -> str:
    """``~/x`` → ``<home>/x``; anything else unchanged."""
    if path == "~":
        return home
    if path.startswith("~/"):
        return os.path.join(home, path[2:])
    return path


def settings_from_environment(env: Optional[Mapping[str, str]] = None) -> SettingsLayer:
    """The settings the environment gives (WHATSNEXT_SERVER, WHATSNEXT_PROJECT, WHATSNEXT_API_KEY, …)."""
    source = os.environ if env is None else env

    def get(name: str) -> Optional[str]:
        value = source.get(name)
        return value if value is not None and value.strip() != "" else None

    return SettingsLayer(
        server=get("WHATSNEXT_SERVER"),
        project=get("WHATSNEXT_PROJECT"),
        api_key=get("WHATSNEXT_API_KEY"),
        api_key_file=get("WHATSNEXT_API_KEY_FILE"),
        tls_ca_file=get("WHATSNEXT_CA_FILE"),
        tls_cert_file=get("WHATSNEXT_CLIENT_CERT_FILE"),
        tls_key_file=get("WHATSNEXT_CLIENT_KEY_FILE"),
    )


def settings_from_file(config: Mapping[str, Any]) -> SettingsLayer:
    """The client settings of a parsed configuration file."""
    return SettingsLayer(
        server=config.get("server"),
        project=config.get("project"),
        api_key=config.get("api_key"),
        api_key_file=config.get("api_key_file"),
        tls_ca_file=config.get("tls_ca_file"),
        tls_cert_file=config.get("tls_cert_file"),
        tls_key_file=config.get("tls_key_file"),
    )


def resolve_client_settings(layers: Sequence[SettingsLayer], config_path: Optional[str] = None) -> ClientSettings:
    """Merges the levels, highest first.

    A key and a key file at the same level: the key wins; a key file at a
    higher level beats a key at a lower one. The key file is read here, so a
    missing file fails before any call.
    """

    def first(name: str) -> Optional[str]:
        for layer in layers:
            value = getattr(layer, name)
            if value is not None and value != "":
                return str(value)
        return None

    api_key: Optional[str] = None
    for layer in layers:
        if layer.api_key:
            api_key = layer.api_key
            break
        if layer.api_key_file:
            api_key = read_key_file(layer.api_key_file)
            break
    return ClientSettings(
        server=first("server") or DEFAULT_SERVER,
        api_key=api_key,
        tls_ca_file=first("tls_ca_file"),
        tls_cert_file=first("tls_cert_file"),
        tls_key_file=first("tls_key_file"),
        project=first("project"),
        config_path=config_path,
    )


def read_key_file(path: PathLike) -> str:
    """Reads an API key file: the first non-empty line, trimmed."""
    file = _expand_home(os.fspath(path), os.path.expanduser("~"))
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as error:
        code = _errno_name(error)
        raise ConfigError(f"api key file {os.fspath(path)} cannot be read: {code}") from error
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    raise ConfigError(f"api key file {os.fspath(path)} is empty")


def _errno_name(error: OSError) -> str:
    import errno

    return errno.errorcode.get(error.errno or 0, str(error)) if error.errno else str(error)
