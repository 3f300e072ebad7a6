"""POSIX shell quoting for the one place a command must become text: the
command reported to the server when a job starts, which a person may copy
into a terminal to run the same thing. It must give back the exact argv."""

from __future__ import annotations

import re
from typing import Sequence

__all__ = ["quote_shell_argument", "format_command_line"]

_SAFE_UNQUOTED = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def quote_shell_argument(argument: str, always: bool = False) -> str:
    """Single-quotes an argument so that a POSIX shell reads it back byte for
    byte; inside single quotes only ``'`` is special, and it is spelled ``'\\''``.
    Plain words stay unquoted for readability unless ``always``."""
    if not always and _SAFE_UNQUOTED.fullmatch(argument):
        return argument
    return "'" + argument.replace("'", "'\\''") + "'"


def format_command_line(argv: Sequence[str]) -> str:
    """The argv as one line a person can paste into a shell to run the same command."""
    return " ".join(quote_shell_argument(argument) for argument in argv)
