"""A reader for the YAML that ``.whatsnext`` files are written in.

The package depends only on grpcio and protobuf, so it reads YAML itself: the
block mappings and sequences, flow collections (``[a, b]``, ``{k: v}``), plain
and quoted scalars and comments that ``whatsnext init`` writes and people add.
Scalars resolve as the YAML 1.2 core schema says (as the CLI's parser does):
``null``/``~``/nothing, ``true``/``false``, integers, floats, else text.

What it does not read (block scalars ``|``/``>``, anchors, aliases, tags,
values spanning lines) is refused with the line number, never misread.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["YamlError", "parse_yaml"]


class YamlError(ValueError):
    """The text is not YAML this reader understands; the message names the line."""


_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN = re.compile(r"^\.(nan|NaN|NAN)$")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


class _Line:
    __slots__ = ("number", "indent", "text")

    def __init__(self, number: int, indent: int, text: str) -> None:
        self.number = number
        self.indent = indent
        self.text = text


def parse_yaml(text: str) -> Any:
    """Parses one YAML document; raises YamlError naming the line of anything it cannot read."""
    lines = _significant_lines(text)
    if not lines:
        return None
    if len(lines) == 1 and not _is_sequence_item(lines[0].text) and _split_key(lines[0].text, lines[0].number) is None:
        return _scalar_or_flow(lines[0].text, lines[0].number)
    value, end = _block(lines, 0, lines[0].indent)
    if end < len(lines):
        raise YamlError(f"line {lines[end].number}: unexpected indentation")
    return value


def _significant_lines(text: str) -> List[_Line]:
    out: List[_Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = _strip_comment(raw, number).rstrip()
        if content.strip() == "":
            continue
        stripped = content.lstrip(" ")
        if stripped.startswith("\t"):
            raise YamlError(f"line {number}: indentation must use spaces, not tabs")
        if stripped in ("---", "...") and len(content) == len(stripped):
            if out and stripped == "---":
                raise YamlError(f"line {number}: holds a second document; a configuration file has one")
            continue
        out.append(_Line(number, len(content) - len(stripped), stripped))
    return out


def _strip_comment(line: str, number: int) -> str:
    quote: Optional[str] = None
    i = 0
    while i < len(line):
        char = line[i]
        if quote == "'":
            if char == "'":
                if i + 1 < len(line) and line[i + 1] == "'":
                    i += 1
                else:
                    quote = None
        elif quote == '"':
            if char == "\\":
                i += 1
            elif char == '"':
                quote = None
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
        elif char in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = char
        i += 1
    return line


def _is_sequence_item(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _block(lines: List[_Line], start: int, indent: int) -> Tuple[Any, int]:
    if _is_sequence_item(lines[start].text):
        return _sequence(lines, start, indent)
    return _mapping(lines, start, indent)


def _mapping(lines: List[_Line], start: int, indent: int) -> Tuple[Dict[str, Any], int]:
    result: Dict[str, Any] = {}
    i = start
    while i < len(lines) and lines[i].indent == indent:
        line = lines[i]
        if _is_sequence_item(line.text):
            raise YamlError(f"line {line.number}: a list item where a key was expected")
        split = _split_key(line.text, line.number)
        if split is None:
            raise YamlError(f"line {line.number}: expected `key: value`, got {line.text!r}")
        key, rest = split
        if key in result:
            raise YamlError(f"line {line.number}: key {key!r} appears twice")
        i += 1
        if rest == "":
            if i < len(lines) and lines[i].indent > indent:
                result[key], i = _block(lines, i, lines[i].indent)
            elif i < len(lines) and lines[i].indent == indent and _is_sequence_item(lines[i].text):
                # A list may sit at the indentation of its key.
                result[key], i = _sequence(lines, i, indent)
            else:
                result[key] = None
        else:
            result[key] = _scalar_or_flow(rest, line.number)
            if i < len(lines) and lines[i].indent > indent:
                raise YamlError(f"line {lines[i].number}: a value spanning several lines is not supported; write it on one line")
    if i < len(lines) and lines[i].indent > indent:
        raise YamlError(f"line {lines[i].number}: unexpected indentation")
    return result, i


def _sequence(lines: List[_Line], start: int, indent: int) -> Tuple[List[Any], int]:
    result: List[Any] = []
    i = start
    while i < len(lines) and lines[i].indent == indent and _is_sequence_item(lines[i].text):
        line = lines[i]
        rest = line.text[1:].lstrip(" ")
        i += 1
        if rest == "":
            if i < len(lines) and lines[i].indent > indent:
                value, i = _block(lines, i, lines[i].indent)
                result.append(value)
            else:
                result.append(None)
            continue
        inner_indent = indent + (len(line.text) - len(rest))
        if _is_sequence_item(rest) or _split_key(rest, line.number) is not None:
            # `- key: value` (a mapping) or `- - x` (a list) starting on the item's line.
            nested = [_Line(line.number, inner_indent, rest)]
            while i < len(lines) and lines[i].indent > indent:
                nested.append(lines[i])
                i += 1
            value, used = _block(nested, 0, inner_indent)
            if used < len(nested):
                raise YamlError(f"line {nested[used].number}: unexpected indentation")
            result.append(value)
            continue
        result.append(_scalar_or_flow(rest, line.number))
        if i < len(lines) and lines[i].indent > indent:
            raise YamlError(f"line {lines[i].number}: a value spanning several lines is not supported; write it on one line")
    return result, i


def _split_key(text: str, number: int) -> Optional[Tuple[str, str]]:
    """``key: rest`` → (key, rest); None when the text is not a mapping entry."""
    if text[0] in "\"'":
        value, end = _quoted(text, 0, number)
        after = text[end:].lstrip(" ")
        if after == ":" or after.startswith(": "):
            return value, after[1:].strip()
        return None
    if text[0] in "[{":
        return None
    match = re.search(r":( |$)", text)
    if match is None:
        return None
    key = text[: match.start()].rstrip()
    if key == "":
        return None
    _refuse_unsupported(key, number)
    return key, text[match.end() :].strip()


def _refuse_unsupported(text: str, number: int) -> None:
    first = text[0]
    if first in "|>":
        raise YamlError(f"line {number}: block scalars ({first}) are not supported; write the value on one line, quoted")
    if first in "&*!":
        raise YamlError(f"line {number}: anchors, aliases and tags ({first}) are not supported")
    if first in "@`":
        raise YamlError(f"line {number}: a plain value cannot start with {first}; quote it")


def _scalar_or_flow(text: str, number: int) -> Any:
    value, end = _flow_value(text, 0, number, in_flow=False)
    if text[end:].strip() != "":
        raise YamlError(f"line {number}: unexpected {text[end:].strip()!r} after the value")
    return value


def _flow_value(text: str, i: int, number: int, in_flow: bool) -> Tuple[Any, int]:
    i = _skip_spaces(text, i)
    if i >= len(text):
        return None, i
    char = text[i]
    if char == "[":
        return _flow_sequence(text, i, number)
    if char == "{":
        return _flow_mapping(text, i, number)
    if char in "\"'":
        return _quoted(text, i, number)
    end = i
    if in_flow:
        while end < len(text) and text[end] not in ",]}" and not (text[end] == ":" and (end + 1 >= len(text) or text[end + 1] in " ,]}")):
            end += 1
    else:
        end = len(text)
    plain = text[i:end].strip()
    if plain:
        _refuse_unsupported(plain, number)
    return _resolve_plain(plain), end


def _flow_sequence(text: str, i: int, number: int) -> Tuple[List[Any], int]:
    items: List[Any] = []
    i += 1
    while True:
        i = _skip_spaces(text, i)
        if i >= len(text):
            raise YamlError(f"line {number}: unclosed [ (a list spanning several lines is not supported)")
        if text[i] == "]":
            return items, i + 1
        value, i = _flow_value(text, i, number, in_flow=True)
        items.append(value)
        i = _skip_spaces(text, i)
        if i < len(text) and text[i] == ",":
            i += 1
        elif i < len(text) and text[i] != "]":
            raise YamlError(f"line {number}: expected , or ] in a list, got {text[i]!r}")


def _flow_mapping(text: str, i: int, number: int) -> Tuple[Dict[str, Any], int]:
    result: Dict[str, Any] = {}
    i += 1
    while True:
        i = _skip_spaces(text, i)
        if i >= len(text):
            raise YamlError(f"line {number}: unclosed {{ (a mapping spanning several lines is not supported)")
        if text[i] == "}":
            return result, i + 1
        key, i = _flow_value(text, i, number, in_flow=True)
        i = _skip_spaces(text, i)
        value: Any = None
        if i < len(text) and text[i] == ":":
            value, i = _flow_value(text, i + 1, number, in_flow=True)
            i = _skip_spaces(text, i)
        name = "" if key is None else _key_text(key)
        if name in result:
            raise YamlError(f"line {number}: key {name!r} appears twice")
        result[name] = value
        if i < len(text) and text[i] == ",":
            i += 1
        elif i < len(text) and text[i] != "}":
            raise YamlError(f"line {number}: expected , or }} in a mapping, got {text[i]!r}")


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _quoted(text: str, i: int, number: int) -> Tuple[str, int]:
    quote = text[i]
    out: List[str] = []
    i += 1
    while i < len(text):
        char = text[i]
        if quote == "'":
            if char == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                return "".join(out), i + 1
            out.append(char)
            i += 1
            continue
        if char == '"':
            return "".join(out), i + 1
        if char == "\\":
            if i + 1 >= len(text):
                break
            escape = text[i + 1]
            if escape in _ESCAPES:
                out.append(_ESCAPES[escape])
                i += 2
                continue
            if escape in _HEX_ESCAPES:
                size = _HEX_ESCAPES[escape]
                digits = text[i + 2 : i + 2 + size]
                if len(digits) != size or not re.fullmatch(r"[0-9a-fA-F]+", digits):
                    raise YamlError(f"line {number}: bad escape \\{escape}{digits}")
                out.append(chr(int(digits, 16)))
                i += 2 + size
                continue
            raise YamlError(f"line {number}: unknown escape \\{escape} in a double-quoted value")
        out.append(char)
        i += 1
    raise YamlError(f"line {number}: unclosed {quote} quote (a value spanning several lines is not supported)")


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _resolve_plain(text: str) -> Any:
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text
