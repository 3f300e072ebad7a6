"""Jobs to submit, checked whole before anything is sent: the items of
``project.submit_many`` and the expansion of ``project.submit_grid``.

A batch is one BatchCreateJobs call (all or nothing). An item may depend on
an earlier item of the same batch by name, on an existing job by id, or on a
``Job`` object (by id once submitted, by name when it is an earlier item).
Grid jobs are named as the CLI's batch files name them:
``train-lr=0.1-seed=1``, or from a ``name_template`` such as ``"lr{lr}-s{seed}"``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._proto.whatsnext.v1 import job_pb2
from .js_json import js_key_order, json_text
from .parameters import check_parameters, to_struct

if TYPE_CHECKING:
    from .jobs import Job
    from .tasks import Task

__all__ = ["JobSpec", "TaskRef", "DependencyRef", "MAX_BATCH_JOBS", "spec_from_mapping", "batch_request_items", "expand_grid", "task_oneof"]

#: Jobs one BatchCreateJobs call takes.
MAX_BATCH_JOBS = 10_000

#: A task: its name, its id, or the Task.
TaskRef = Union[str, int, "Task"]
#: A dependency: a job id, the name of an earlier job of the same batch, or a Job.
DependencyRef = Union[int, str, "Job"]

_SPEC_KEYS = ("task", "name", "parameters", "params", "priority", "depends_on", "max_attempts", "idempotency_key")


@dataclass
class JobSpec:
    """One job to create."""

    task: TaskRef
    name: str = ""
    parameters: Dict[str, Any] = field(default_factory=dict)
    priority: int = 0
    depends_on: List[DependencyRef] = field(default_factory=list)
    #: 0 means the server's default (1: no automatic retry).
    max_attempts: int = 0
    idempotency_key: str = ""

    def checked(self, where: str) -> "JobSpec":
        """A copy after checking every field's type; TypeError/ValueError name the field."""
        _check_task(self.task, f"{where}.task")
        _check_text(self.name, f"{where}.name")
        _check_text(self.idempotency_key, f"{where}.idempotency_key")
        _check_int(self.priority, f"{where}.priority")
        _check_int(self.max_attempts, f"{where}.max_attempts")
        depends = _dependency_list(self.depends_on, f"{where}.depends_on")
        return JobSpec(
            task=self.task,
            name=self.name,
            parameters=check_parameters(self.parameters, f"{where}.parameters"),
            priority=self.priority,
            depends_on=depends,
            max_attempts=self.max_attempts,
            idempotency_key=self.idempotency_key,
        )


def spec_from_mapping(item: Mapping[str, Any], where: str) -> JobSpec:
    """A JobSpec from a dict such as ``{"task": "train", "parameters": {...}, "depends_on": ["prepare"]}``."""
    unknown = [key for key in item if key not in _SPEC_KEYS]
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_SPEC_KEYS)})")
    if "task" not in item or item["task"] in (None, ""):
        raise ValueError(f"{where}: task is required")
    if "parameters" in item and "params" in item:
        raise ValueError(f"{where}: give parameters or params, not both")
    return JobSpec(
        task=item["task"],
        name=item.get("name") or "",
        parameters=item.get("parameters", item.get("params")) or {},
        priority=item.get("priority", 0),
        depends_on=list(_dependency_list(item.get("depends_on"), f"{where}.depends_on")),
        max_attempts=item.get("max_attempts", 0),
        idempotency_key=item.get("idempotency_key") or "",
    ).checked(where)


def task_oneof(task: TaskRef) -> Tuple[str, Union[int, str]]:
    """The ``task`` oneof of a request: ("task_id", id) or ("task_name", name)."""
    from .tasks import Task

    if isinstance(task, Task):
        return "task_id", task.id
    if isinstance(task, bool):
        raise TypeError("task must be a task name, a task id or a Task, got a bool")
    if isinstance(task, int):
        return "task_id", task
    return "task_name", task


def batch_request_items(specs: Sequence[Tuple[JobSpec, Optional["Job"]]], where: str = "jobs") -> List[job_pb2.BatchJobSpec]:
    """The BatchCreateJobs items; ValueError for a name used twice or a dependency on no earlier item."""
    from .jobs import Job

    if len(specs) > MAX_BATCH_JOBS:
        raise ValueError(
            f"{where} holds {len(specs)} jobs; one batch takes at most {MAX_BATCH_JOBS} (split it: "
            "dependencies by name reach only within one batch)"
        )
    names: Dict[str, int] = {}
    items: List[job_pb2.BatchJobSpec] = []
    for index, (spec, _) in enumerate(specs):
        label = f"{where}[{index}]"
        ids: List[int] = []
        dependency_names: List[str] = []
        for dependency in spec.depends_on:
            if isinstance(dependency, Job):
                if dependency.id is not None:
                    ids.append(dependency.id)
                    continue
                dependency = dependency.name
                if not dependency:
                    raise ValueError(f"{label}: depends on an unsubmitted job without a name; name it, or submit it first")
            if isinstance(dependency, str):
                if dependency not in names or dependency == spec.name:
                    raise ValueError(f"{label}: depends_on {dependency!r} names no earlier job of the batch")
                dependency_names.append(dependency)
            else:
                ids.append(int(dependency))
        if spec.name:
            if spec.name in names:
                raise ValueError(f"{label}: name {spec.name!r} is used twice (items {names[spec.name]} and {index})")
            names[spec.name] = index
        kind, value = task_oneof(spec.task)
        item = job_pb2.BatchJobSpec(
            name=spec.name,
            parameters=to_struct(spec.parameters, f"{label}.parameters"),
            priority=spec.priority,
            depends_on=ids,
            depends_on_names=dependency_names,
            max_attempts=spec.max_attempts,
            idempotency_key=spec.idempotency_key,
        )
        setattr(item, kind, value)
        items.append(item)
    return items


def expand_grid(
    task_name: str,
    grid: Mapping[str, Sequence[Any]],
    defaults: Optional[Mapping[str, Any]] = None,
    name_template: Optional[str] = None,
) -> List[Tuple[str, Dict[str, Any]]]:
    """Every combination of the grid's values as (name, parameters); the first key varies slowest.

    ``defaults`` are merged under each combination. Names are those the CLI
    gives the same grid in a batch file.
    """
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid must be a non-empty mapping of parameter names to lists of values")
    axes: List[Tuple[str, List[Any]]] = []
    for key in js_key_order(grid.keys()):
        values = grid[key]
        if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, range)) or len(values) == 0:
            raise ValueError(f"grid.{key} must be a non-empty list of values")
        axes.append((key, list(values)))
    base = check_parameters(defaults, "parameters")
    out: List[Tuple[str, Dict[str, Any]]] = []
    for values in itertools.product(*(axis for _, axis in axes)):
        combination = dict(zip((key for key, _ in axes), values))
        parameters = {**base, **combination}
        if name_template:
            name = _fill_name(name_template, {"task": task_name, **parameters})
        else:
            name = f"{task_name}-" + "-".join(f"{key}={_value_text(value)}" for key, value in combination.items())
        out.append((name, parameters))
    return out


_NAME_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


def _fill_name(template: str, values: Mapping[str, Any]) -> str:
    return _NAME_PLACEHOLDER.sub(lambda m: _value_text(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json_text(value)


def _check_task(task: Any, where: str) -> None:
    from .tasks import Task

    if isinstance(task, Task):
        return
    if isinstance(task, bool) or not isinstance(task, (str, int)) or task == "":
        raise TypeError(f"{where} must be a task name, a task id or a Task, got {task!r}")


def _check_text(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{where} must be text, got {type(value).__name__}")


def _check_int(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{where} must be a whole number, got {value!r}")


def _dependency_list(value: Any, where: str) -> List[DependencyRef]:
    from .jobs import Job

    if value is None:
        return []
    items: Iterable[Any] = [value] if isinstance(value, (str, int, Job)) else value
    out: List[DependencyRef] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, Job)) or item == "":
            raise TypeError(f"{where} must list job ids, names of earlier jobs of the batch, or Jobs; got {item!r}")
        if isinstance(item, int) and item <= 0:
            raise ValueError(f"{where} lists the job id {item}; ids are positive")
        out.append(item)
    return out
