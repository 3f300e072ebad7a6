"""A task's ``command_template`` and a job's parameters → argv, without a shell.

The same rules as the TypeScript worker (``whatsnext worker``), so a job runs
the same command whichever worker claims it. The template is split into
words first, like a POSIX shell would (quotes and backslashes respected), and
placeholders are filled afterwards, so a parameter value can never add
arguments or be interpreted: the value ``a b; rm -rf /`` is one argument.

Syntax:

- ``{name}`` is a placeholder (letters, digits, ``_``; not starting with a
  digit), anywhere in a word and inside either kind of quotes:
  ``--lr={lr}``, ``"{title}"``.
- ``{{`` and ``}}`` are literal braces; any other brace is literal too.
- ``'…'`` is literal, ``"…"`` allows ``\\"``, ``\\\\``, ``\\$`` and ``\\```; outside
  quotes a backslash escapes the next character; backslash-newline joins lines.
- What only a shell could do is refused rather than passed as text: unquoted
  ``| & ; < > ( )``, backquotes, and ``$`` expansions outside single quotes.
  Wrap such a command as ``sh -c '…' sh {param}`` instead.
- Globs (``*``) and ``~`` are not expanded, and ``#`` starts no comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Union

from .js_json import json_text

__all__ = [
    "CommandTemplateError",
    "TextSegment",
    "PlaceholderSegment",
    "parse_command_template",
    "template_placeholders",
    "parameter_to_text",
    "fill_command_template",
]


class CommandTemplateError(ValueError):
    """The job's command cannot be built (missing parameter, unbalanced quote, …); nothing was run."""


@dataclass
class TextSegment:
    """Literal text of one word."""

    text: str


@dataclass(frozen=True)
class PlaceholderSegment:
    """A ``{name}`` to fill from the job's parameters."""

    name: str


Segment = Union[TextSegment, PlaceholderSegment]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SHELL_OPERATORS = frozenset("|&;<>()`")
_WHITESPACE = frozenset(" \t\n\r")
_EXPANSION_START = re.compile(r"[A-Za-z_({0-9@*#?$!-]")


class _Words:
    def __init__(self) -> None:
        self.words: List[List[Segment]] = []
        self.word: Optional[List[Segment]] = None

    def ensure(self) -> List[Segment]:
        if self.word is None:
            self.word = []
        return self.word

    def append(self, text: str) -> None:
        word = self.ensure()
        if word and isinstance(word[-1], TextSegment):
            word[-1].text += text
        else:
            word.append(TextSegment(text))

    def end(self) -> None:
        if self.word is not None:
            self.words.append(self.word)
        self.word = None


def _position(template: str, index: int) -> int:
    # 1-based, in UTF-16 code units, as the TypeScript worker counts.
    return len(template[:index].encode("utf-16-le", "surrogatepass")) // 2 + 1


def _refuse(what: str, template: str, at: int) -> CommandTemplateError:
    return CommandTemplateError(
        f"command_template has {what} at position {_position(template, at)}, but commands run without a shell; "
        "quote it, or wrap the command as sh -c '…' sh {param}"
    )


def _starts_expansion(char: Optional[str]) -> bool:
    return char is not None and _EXPANSION_START.match(char) is not None


def parse_command_template(template: str) -> List[List[Segment]]:
    """Splits a template into words of literal text and placeholders.

    Raises CommandTemplateError naming the position of an unbalanced quote or
    of a construct that needs a shell.
    """
    words = _Words()
    quote: Optional[str] = None
    quote_start = 0
    i = 0
    length = len(template)
    while i < length:
        char = template[i]
        nxt = template[i + 1] if i + 1 < length else None

        if char in "{}":
            if nxt == char:
                words.append(char)
                i += 2
                continue
            match = _PLACEHOLDER.match(template[i : i + 130]) if char == "{" else None
            if match:
                words.ensure().append(PlaceholderSegment(match.group(1)))
                i += len(match.group(0))
            else:
                words.append(char)
                i += 1
            continue

        if quote == "'":
            if char == "'":
                quote = None
            else:
                words.append(char)
            i += 1
            continue

        if quote == '"':
            if char == '"':
                quote = None
            elif char == "\\" and nxt is not None and nxt in '"\\$`':
                words.append(nxt)
                i += 1
            elif char == "\\" and nxt == "\n":
                i += 1
            elif char == "`" or (char == "$" and _starts_expansion(nxt)):
                raise _refuse("a backquote" if char == "`" else f'a shell expansion "${nxt}"', template, i)
            else:
                words.append(char)
            i += 1
            continue

        # Outside quotes.
        if char in _WHITESPACE:
            words.end()
        elif char in "'\"":
            quote = char
            quote_start = i
            words.ensure()
        elif char == "\\":
            if nxt == "\n":
                i += 1
            elif nxt is not None:
                words.append(nxt)
                i += 1
            else:
                words.append(char)
        elif char in _SHELL_OPERATORS:
            raise _refuse(f'the shell operator "{char}"', template, i)
        elif char == "$" and _starts_expansion(nxt):
            raise _refuse(f'a shell expansion "${nxt}"', template, i)
        else:
            words.append(char)
        i += 1

    if quote is not None:
        raise CommandTemplateError(f"command_template has an unclosed {quote} quote starting at position {_position(template, quote_start)}")
    words.end()
    return words.words


def template_placeholders(template: str) -> List[str]:
    """The placeholder names a template uses, in order of first use; for checking a task before jobs run."""
    names: List[str] = []
    for word in parse_command_template(template):
        for segment in word:
            if isinstance(segment, PlaceholderSegment) and segment.name not in names:
                names.append(segment.name)
    return names


def parameter_to_text(value: Any) -> str:
    """A parameter as the text of one argument: text as it is; numbers, booleans
    and None as JSON text; lists and mappings as JSON, so a list parameter
    arrives as ``["a","b"]`` for the program to parse."""
    if isinstance(value, str):
        return value
    return json_text(value)


def fill_command_template(template: str, values: Mapping[str, str], context: str = "") -> List[str]:
    """Fills a template's placeholders from ``values`` and returns argv.

    Raises CommandTemplateError naming every placeholder without a value, so
    nothing runs with a hole in its command.
    """
    words = parse_command_template(template)
    missing: Dict[str, None] = {}
    argv: List[str] = []
    for word in words:
        parts: List[str] = []
        for segment in word:
            if isinstance(segment, TextSegment):
                parts.append(segment.text)
            elif segment.name in values:
                parts.append(values[segment.name])
            else:
                missing[segment.name] = None
        argv.append("".join(parts))
    if missing:
        names = ", ".join(f"{{{name}}}" for name in missing)
        noun = "parameter" if len(missing) == 1 else "parameters"
        quoted = ", ".join(json_text(name) for name in missing)
        raise CommandTemplateError(f"command_template uses {names}, but {context or 'the job'} has no {noun} {quoted}")
    return argv
