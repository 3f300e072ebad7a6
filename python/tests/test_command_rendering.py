"""A job's command and a grid job's name must be exactly what the TypeScript
worker and CLI make of them, so it does not matter which worker claims a job.

Each case runs through both implementations (the TypeScript one through
typescript_reference.ts) and the answers must be equal, errors included.
Parameters go through a protobuf Struct first, as they do between server and worker.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

from whatsnext.command_template import CommandTemplateError, fill_command_template, parse_command_template, template_placeholders
from whatsnext.job_specs import expand_grid
from whatsnext.js_json import json_text, number_text
from whatsnext.parameters import from_struct, to_struct
from whatsnext.prepare_command import prepare_command

from server_process import NODE, REPO_ROOT

HOSTILE = "a b; rm -rf / && $(id) `id` 'q' \"d\" \\ * ~ # {x} \n end"

TEMPLATES = [
    "python train.py --lr {lr} --name={name} \"{title}\" '{{literal}}' '' a\\ b \"q\\\"x\"",
    "prog {v} --opt={v}",
    "run --id={job_id} --name {job_name} --task {task} --flag {flag} --cfg {cfg}",
    "sh -c 'echo \"$1\" > /dev/null' sh {v}",
    "awk '{ print $1 }' costs $ 5",
    "echo {{not}} {x}{y} '{{' }} \\{lr\\} \"{lr}\"",
    "prog\\\n  --joined {lr}\t\t{seed}",
    "prog \"a\\$b\\`c\\\\d\" 'it''s' ~/x *.py #no-comment",
    "prog {missing} {seed} {also_missing}",
    "python a.py > out.txt",
    "a | b",
    "echo $HOME",
    "echo \"$(id)\"",
    "echo `id`",
    "python -c print(1)",
    "prog \"abc",
    "prog 'abc",
    "é日本 {lr} 🎉 ; x",
    "{{}} '' \"\"",
    "   ",
    "'' {lr}",
    "prog {lr",
    "prog {9x} {_ok}",
]

PARAMETERS: List[Dict[str, Any]] = [
    {"lr": 0.1, "seed": 7, "name": "run 1", "title": "A title", "v": HOSTILE, "x": 1, "y": 2},
    {"lr": 1e-7, "seed": 1.0, "name": "", "title": "", "v": "", "x": [1, "a", None, True], "y": {"b": 1, "a": [1.5, {"z": None}], "10": "n", "2": 0}},
    {"lr": 1e21, "seed": -0.0, "name": "日本", "title": "\u2028\x01\"", "v": "\\", "x": 123456789012345, "y": 0.000001, "flag": False, "cfg": {"a": [1]}},
    {"lr": "0.1", "seed": "s", "job_id": "spoofed", "flag": True, "cfg": {}, "v": "x", "x": "", "y": "", "name": "n", "title": "t", "_ok": 1},
]


def _struct_round_trip(parameters: Dict[str, Any]) -> Dict[str, Any]:
    return from_struct(to_struct(parameters))


def _python_command(case: Dict[str, Any]) -> Dict[str, Any]:
    try:
        prepared = prepare_command(
            job_id=case["id"],
            job_name=case["name"],
            task=case["task"],
            command_template=case["template"],
            parameters=case["parameters"],
            executable=case.get("executable"),
            script=case.get("script"),
        )
    except CommandTemplateError as error:
        return {"error": str(error)}
    return {"argv": prepared.argv, "env": prepared.env, "display": prepared.display}


def _python_grid(case: Dict[str, Any]) -> Any:
    try:
        return [name for name, _ in expand_grid(case["task"], case["grid"], case.get("parameters"), case.get("name_template"))]
    except ValueError as error:
        return {"error": str(error)}


def _typescript(cases: Dict[str, Any]) -> Dict[str, Any]:
    completed = subprocess.run(
        [NODE, "--import", "tsx", str(Path(__file__).with_name("typescript_reference.ts"))],
        cwd=REPO_ROOT,
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_commands_grid_names_and_json_text_match_the_typescript_implementation() -> None:
    commands: List[Dict[str, Any]] = []
    for template in TEMPLATES:
        for index, parameters in enumerate(PARAMETERS):
            commands.append({"id": 40 + index, "name": f"sweep-{index}", "task": "train", "template": template, "parameters": _struct_round_trip(parameters)})
    for parameters in PARAMETERS:
        commands.append({"id": 9, "name": "n", "task": "t", "template": "", "parameters": _struct_round_trip(parameters), "executable": "python", "script": "train.py"})
        commands.append({"id": 9, "name": "n", "task": "t", "template": " \u3000", "parameters": _struct_round_trip(parameters), "executable": "python"})
    commands.append({"id": 9, "name": "n", "task": "t", "template": "", "parameters": {}})
    commands.append({"id": 9, "name": "n", "task": "t", "template": "prog {v}", "parameters": {"v": "a\0b"}})
    commands.append({"id": 9, "name": "n", "task": "t", "template": "{v}", "parameters": {"v": ""}})
    commands.append({"id": 9, "name": "n", "task": "t", "template": "", "parameters": {"é": 1, "z": 2, "Z": 3, "\U0001f600": 4, "\uff5e": 5}, "executable": "x"})

    grids: List[Dict[str, Any]] = [
        {"task": "train", "grid": {"lr": [0.1, 0.01, 1e-7, 1e21, 100], "seed": [1, 2]}},
        {"task": "train", "grid": {"b": [1], "10": ["x y"], "2": [True, None], "a": [[1, 2], {"k": "v"}]}},
        {"task": "train", "grid": {"lr": [0.5]}, "parameters": {"epochs": 10}, "name_template": "lr{lr}-{task}-{epochs}-{missing}-{{x}}"},
        {"task": "train", "grid": {"lr": []}},
        {"task": "train", "grid": {"lr": "abc"}},
    ]
    json_values: List[Any] = [0.1, 1e-7, 1e-6, 1e21, 1e20, 123.456, -0.5, 2**53 - 1, 5e-324, 1.7976931348623157e308, "x\u2028\x1f\"\\/", [1, [2, {}]], {"b": 1, "1": 2, "a": None}, True, None]

    expected = _typescript({"commands": commands, "grids": grids, "json": json_values})
    for case, want in zip(commands, expected["commands"]):
        assert _python_command(case) == want, case
    for case, want in zip(grids, expected["grids"]):
        got = _python_grid(case)
        if isinstance(want, dict):
            # Both refuse; the messages differ in where they say the grid came from.
            assert isinstance(got, dict), (case, got)
        else:
            assert got == want, case
    for value, want in zip(json_values, expected["json"]):
        assert (value if isinstance(value, str) else json_text(value)) == want, value


def test_parser_details() -> None:
    assert template_placeholders("a {x} --y={y}{x} '{{z}}'") == ["x", "y"]
    assert fill_command_template("prog {v}", {"v": HOSTILE}) == ["prog", HOSTILE]
    with pytest.raises(CommandTemplateError, match=r"unclosed \" quote starting at position 6"):
        parse_command_template('prog "abc')
    with pytest.raises(CommandTemplateError, match=r"\{seed\}, \{lr\}, but job 9 has no parameters \"seed\", \"lr\""):
        fill_command_template("prog {seed} {lr} {ok} {seed}", {"ok": "1"}, "job 9")
    assert number_text(1e-7) == "1e-7" and number_text(1e21) == "1e+21" and number_text(1.5e16) == "15000000000000000"
