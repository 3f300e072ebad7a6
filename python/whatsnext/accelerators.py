"""Which accelerators (GPUs) a worker may hand out, as ``whatsnext worker
--accelerators`` reads them: a count, a list of device ids, ``"auto"`` (the
worker's own CUDA_VISIBLE_DEVICES when set, else what nvidia-smi lists), or
``"any"`` (not tracked: FetchJob does not filter on accelerators)."""

from __future__ import annotations

import os
import re
import subprocess
from typing import List, Mapping, Optional, Sequence, Union

__all__ = ["AcceleratorSpec", "resolve_accelerators", "detect_accelerators"]

#: What ``Worker(accelerators=...)`` takes.
AcceleratorSpec = Union[None, int, str, Sequence[str]]

_DEVICE_ID = re.compile(r"[A-Za-z0-9:._-]+")


def resolve_accelerators(spec: AcceleratorSpec, env: Optional[Mapping[str, str]] = None) -> Optional[List[str]]:
    """Device ids the worker hands out; None when not tracked.

    None or 0 or "none" → [] (jobs needing accelerators are not claimed);
    2 or "2" → ["0", "1"]; "0,3" or ["0", "3"] → those; "auto" → detected;
    "any" → None. ValueError names a bad spec.
    """
    if spec is None:
        return []
    if isinstance(spec, bool):
        raise ValueError(f"accelerators must be a count, a list of device ids, auto or any; got {spec!r}")
    if isinstance(spec, int):
        if spec < 0:
            raise ValueError(f"accelerators must not be negative, got {spec}")
        return [str(i) for i in range(spec)]
    if isinstance(spec, str):
        text = spec.strip()
        if text == "auto":
            return detect_accelerators(env)
        if text == "any":
            return None
        if text in ("none", ""):
            return []
        if text.isascii() and text.isdigit():
            return [str(i) for i in range(int(text))]
        ids = [part.strip() for part in text.split(",") if part.strip() != ""]
    else:
        ids = [str(part).strip() for part in spec]
    if not ids or any(not _DEVICE_ID.fullmatch(device) for device in ids):
        raise ValueError(f"accelerators must be a count, a comma-separated list of device ids, auto or any; got {spec!r}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"accelerators lists a device twice: {spec!r}")
    return ids


def detect_accelerators(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """The GPUs this worker sees: its own CUDA_VISIBLE_DEVICES when set, else nvidia-smi's list, else none."""
    source = os.environ if env is None else env
    visible = source.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() != "":
        return [part.strip() for part in visible.split(",") if part.strip() not in ("", "-1")]
    try:
        completed = subprocess.run(  # noqa: S603, S607 - a fixed query
            ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=10,
            env=dict(source),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if completed.returncode != 0:
        return []
    return [line.strip() for line in completed.stdout.splitlines() if line.strip().isdigit()]
