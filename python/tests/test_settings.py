"""Where a client's settings come from: arguments > environment > .whatsnext > defaults,
the file found and read as the whatsnext command finds and reads it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import whatsnext
from whatsnext.config_file import DEFAULT_SERVER, config_search_path, load_config_file
from whatsnext.config_yaml import YamlError, parse_yaml
from whatsnext.connection import parse_server_url

from server_process import NODE, REPO_ROOT, ServerProcess


def test_the_environment_and_the_file_point_the_client_at_the_server(server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".whatsnext").write_text(f"server: {server.url}\nproject: from-file\n")
    monkeypatch.chdir(tmp_path)
    with whatsnext.Client() as client:
        assert client.server == server.url
        assert client.settings.config_path == str(tmp_path / ".whatsnext")
        assert client.settings.project == "from-file"
        client.create_project("from-file", exist_ok=True)
        assert client.default_project().name == "from-file"

    monkeypatch.setenv("WHATSNEXT_SERVER", "http://127.0.0.1:1")
    monkeypatch.setenv("WHATSNEXT_PROJECT", "from-env")
    with whatsnext.Client() as client:
        assert (client.server, client.settings.project) == ("http://127.0.0.1:1", "from-env")
    with whatsnext.Client(server.url, project="from-argument") as client:
        assert (client.server, client.settings.project) == (server.url, "from-argument")
    with whatsnext.Client(config=False) as client:
        assert (client.server, client.settings.config_path) == ("http://127.0.0.1:1", None)
    monkeypatch.delenv("WHATSNEXT_SERVER")
    with whatsnext.Client(config=False) as client:
        assert client.server == DEFAULT_SERVER


def test_a_file_written_by_whatsnext_init_is_read_the_same(tmp_path: Path) -> None:
    key_file = tmp_path / "secrets" / "key"
    key_file.parent.mkdir()
    key_file.write_text("\n  the-secret-key-0123456789  \n")
    config = tmp_path / ".whatsnext"
    completed = subprocess.run(
        [NODE, "--import", "tsx", "src/cli/main.ts", "--config", str(config), "--server", "https://queue.example.org:50051",
         "--project", "sweep: 2", "--api-key-file", "secrets/key", "--tls-ca", "ca.pem", "init", "--force"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("WHATSNEXT_")},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    loaded = load_config_file(config, cwd=tmp_path)
    assert loaded is not None
    assert loaded.config["server"] == "https://queue.example.org:50051"
    assert loaded.config["project"] == "sweep: 2"
    # Paths in the file are relative to the file.
    assert loaded.config["api_key_file"] == str(tmp_path / "secrets" / "key")
    assert loaded.config["tls_ca_file"] == str(tmp_path / "ca.pem")
    (tmp_path / "ca.pem").write_bytes(b"")
    client = whatsnext.Client(config=config)
    assert client.settings.api_key == "the-secret-key-0123456789"
    assert client.settings.tls_ca_file == str(tmp_path / "ca.pem")
    client.close()


def test_the_file_is_searched_in_the_folder_the_git_root_and_home(tmp_path: Path) -> None:
    repo, home = tmp_path / "repo", tmp_path / "home"
    (repo / ".git").mkdir(parents=True)
    (repo / "a" / "b").mkdir(parents=True)
    home.mkdir()
    assert config_search_path(repo / "a" / "b", home) == [str(repo / "a" / "b" / ".whatsnext"), str(repo / ".whatsnext"), str(home / ".whatsnext")]
    (home / ".whatsnext").write_text("server: http://home:1\n")
    assert load_config_file(cwd=repo / "a" / "b", home=home).config == {"server": "http://home:1"}  # type: ignore[union-attr]
    # A .whatsnext folder (the embedded database lives in .whatsnext/data) holds config.yaml.
    (repo / ".whatsnext").mkdir()
    (repo / ".whatsnext" / "config.yaml").write_text("server: http://repo:2\n")
    assert load_config_file(cwd=repo / "a" / "b", home=home).config == {"server": "http://repo:2"}  # type: ignore[union-attr]


def test_bad_files_and_settings_fail_before_any_call_naming_what_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad"
    bad.write_text("server: 50051\n")
    with pytest.raises(whatsnext.ConfigError, match=r"server in .* must be a string, got 50051"):
        whatsnext.Client(config=bad)
    bad.write_text("srever: http://x:1\n")
    with pytest.raises(whatsnext.ConfigError, match="unknown key srever"):
        whatsnext.Client(config=bad)
    bad.write_text("worker: 3\n")
    with pytest.raises(whatsnext.ConfigError, match="worker in .* must be a mapping"):
        whatsnext.Client(config=bad)
    bad.write_text("server: |\n  http://x:1\n")
    with pytest.raises(whatsnext.ConfigError, match="line 1: block scalars"):
        whatsnext.Client(config=bad)
    with pytest.raises(whatsnext.ConfigError, match="does not exist"):
        whatsnext.Client(config=tmp_path / "missing")
    monkeypatch.setenv("WHATSNEXT_API_KEY_FILE", str(tmp_path / "nokey"))
    with pytest.raises(whatsnext.ConfigError, match="api key file .* cannot be read: ENOENT"):
        whatsnext.Client(config=False)
    monkeypatch.delenv("WHATSNEXT_API_KEY_FILE")
    with pytest.raises(whatsnext.ConfigError, match="tls is on, which needs an https:// server"):
        whatsnext.Client("http://x:1", tls=whatsnext.TLS(ca_file="ca.pem"), config=False)
    with pytest.raises(whatsnext.ConfigError, match="must start with http:// or https://"):
        whatsnext.Client("ftp://x:1", config=False)
    with pytest.raises(whatsnext.ConfigError, match="without a path"):
        whatsnext.Client("http://x:1/prefix", config=False)


def test_server_urls() -> None:
    assert parse_server_url("http://127.0.0.1:50051").target == "127.0.0.1:50051"
    assert parse_server_url("127.0.0.1:50051") == parse_server_url("127.0.0.1:50051", tls=False)
    assert parse_server_url("queue.example.org:443", tls=True).tls
    assert parse_server_url("https://queue.example.org").target == "queue.example.org:443"
    assert parse_server_url("http://[::1]:50051").target == "[::1]:50051"
    with pytest.raises(whatsnext.ConfigError, match="tls is on, which needs an https:// server"):
        parse_server_url("http://x:1", tls=True)
    with pytest.raises(whatsnext.ConfigError, match="tls=False needs an http:// server"):
        parse_server_url("https://x:1", tls=False)


def test_the_yaml_reader() -> None:
    text = """
# comment
---
server: "http://h:1"   # trailing comment
project: 'it''s #not a comment'
empty:
flags: [1, 2.5, -3e2, true, null, ~, 'a, b', {k: v}]
mapping: {a: 1, b: [x, y]}
worker:
  name: gpu-box-1
  cpus: 16
  accelerators: auto
  extra:
  - --x
  - key: value
    other: 2
list:
- one
- - nested
plain: http://x:1/y?z#frag
quoted: "tab\\tnew\\nline \\u00e9"
numbers: [0o17, 0x1F, .inf, -.inf, 1_000]
"""
    data = parse_yaml(text)
    assert data["server"] == "http://h:1"
    assert data["project"] == "it's #not a comment"
    assert data["empty"] is None
    assert data["flags"] == [1, 2.5, -300.0, True, None, None, "a, b", {"k": "v"}]
    assert data["mapping"] == {"a": 1, "b": ["x", "y"]}
    assert data["worker"] == {"name": "gpu-box-1", "cpus": 16, "accelerators": "auto", "extra": ["--x", {"key": "value", "other": 2}]}
    assert data["list"] == ["one", ["nested"]]
    assert data["plain"] == "http://x:1/y?z#frag"
    assert data["quoted"] == "tab\tnew\nline é"
    assert data["numbers"][:4] == [15, 31, float("inf"), float("-inf")]
    assert data["numbers"][4] == "1_000"  # YAML 1.2: not a number
    assert parse_yaml("") is None and parse_yaml("# only a comment\n") is None
    for bad, why in [
        ("a: 1\na: 2\n", "appears twice"),
        ("a: &x 1\n", "anchors"),
        ("a: [1,\n  2]\n", "unclosed"),
        ("a: 'x\n", "unclosed"),
        ("a:\n\t- 1\n", "tabs"),
        ("a: 1\n  b: 2\n", "spanning several lines"),
    ]:
        with pytest.raises(YamlError, match=why):
            parse_yaml(bad)
