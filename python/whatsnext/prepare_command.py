"""From a claimed job to the argv of its command, as the TypeScript worker's
cli formatter builds it: the task's command_template filled with the job's
parameters, or ``executable [script] --key value …`` for tasks without one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from .command_template import CommandTemplateError, fill_command_template, parameter_to_text
from .js_json import utf16_sort_key
from .shell_quote import format_command_line

__all__ = ["PreparedCommand", "prepare_command", "builtin_placeholders", "job_environment"]

# What JavaScript's String.prototype.trim() removes; str.strip() differs on a few characters.
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


@dataclass(frozen=True)
class PreparedCommand:
    """The job's command: argv (each parameter exactly one element), the
    variables it gets on top of the worker's environment, and the text
    reported to the server with StartJob."""

    argv: List[str]
    env: Dict[str, str] = field(default_factory=dict)
    display: str = ""


def builtin_placeholders(job_id: int, job_name: str, task: str) -> Dict[str, str]:
    """Placeholders every template may use besides the job's parameters. They
    win over a parameter of the same name, so ``{job_id}`` always names the job."""
    return {"job_id": str(job_id), "job_name": job_name, "task": task}


def job_environment(job_id: int, job_name: str, task: str) -> Dict[str, str]:
    """Variables every job gets, so a program can find its own job without parsing its arguments."""
    return {"WHATSNEXT_JOB_ID": str(job_id), "WHATSNEXT_JOB_NAME": job_name, "WHATSNEXT_TASK": task}


def prepare_command(
    *,
    job_id: int,
    job_name: str,
    task: str,
    command_template: str,
    parameters: Mapping[str, Any],
    executable: Optional[str] = None,
    script: Optional[str] = None,
) -> PreparedCommand:
    """Builds the job's argv.

    From the task's command_template when it has one, else from ``executable``
    + ``script`` with one ``--key value`` pair per parameter (keys sorted).
    Raises CommandTemplateError (the job fails with its message and nothing
    runs) when neither gives a command or a placeholder has no value.
    """
    if command_template.strip(_JS_WHITESPACE) != "":
        values = {key: parameter_to_text(value) for key, value in parameters.items()}
        values.update(builtin_placeholders(job_id, job_name, task))
        argv = fill_command_template(command_template, values, f"job {job_id}")
        if not argv or argv[0] == "":
            raise CommandTemplateError(f'command_template of task "{task}" gives no program to run')
    elif executable:
        argv = [executable]
        if script:
            argv.append(script)
        for key in sorted(parameters.keys(), key=utf16_sort_key):
            argv.extend([f"--{key}", parameter_to_text(parameters[key])])
    else:
        raise CommandTemplateError(
            f'task "{task}" has an empty command_template and this worker has no executable configured to run it with'
        )
    for index, argument in enumerate(argv):
        if "\0" in argument:
            raise CommandTemplateError(
                f"argument {index} of job {job_id}'s command contains a NUL character, which no program argument can hold"
            )
    return PreparedCommand(argv=argv, env=job_environment(job_id, job_name, task), display=format_command_line(argv))
