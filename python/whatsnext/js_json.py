"""JSON text exactly as JavaScript's ``JSON.stringify`` writes it.

The TypeScript worker turns non-text parameters into JSON text for command
arguments, and the CLI names grid jobs with it (``train-lr=0.1-seed=1``). A
Python worker must give the same command for the same job, so it cannot use
``json.dumps``, which writes ``1.0`` for ``1``, ``1e-07`` for ``1e-7`` and
keeps key order JavaScript would change.

Objects list integer-like keys first in ascending order, as JavaScript
objects do, then the other keys in the mapping's order.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Iterable, List, Mapping

__all__ = ["json_text", "number_text", "js_key_order", "jsonb_key_order", "utf16_sort_key"]

_MAX_ARRAY_INDEX = 2**32 - 2


def number_text(value: float) -> str:
    """A number as JavaScript's ``Number.prototype.toString`` writes it (``1``, ``0.1``, ``1e-7``, ``1e+21``)."""
    if isinstance(value, bool):
        raise TypeError("number_text takes a number, not a bool")
    if isinstance(value, int):
        if abs(value) < 10**21:
            return str(value)
        value = float(value)
    if math.isnan(value) or math.isinf(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value == 0:
        return "0"
    if value < 0:
        return "-" + number_text(-value)
    # repr gives the shortest digits that read back as the same double, which
    # is what ECMAScript asks for; only the layout of those digits differs.
    sign, digits_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(str(d) for d in digits_tuple).lstrip("0")
    trailing = len(digits) - len(digits.rstrip("0"))
    digits = digits.rstrip("0")
    assert isinstance(exponent, int)
    exponent += trailing
    k = len(digits)
    n = k + exponent  # value = 0.digits × 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign_text = "+" if e >= 0 else "-"
    if k == 1:
        return f"{digits}e{sign_text}{abs(e)}"
    return f"{digits[0]}.{digits[1:]}e{sign_text}{abs(e)}"


def _is_array_index(key: str) -> bool:
    if key == "0":
        return True
    return key.isascii() and key.isdigit() and key[0] != "0" and int(key) <= _MAX_ARRAY_INDEX


def js_key_order(keys: Iterable[str]) -> List[str]:
    """The order a JavaScript object built with these keys (in this order) lists them."""
    ordered = list(keys)
    indices = sorted((k for k in ordered if _is_array_index(k)), key=int)
    return indices + [k for k in ordered if not _is_array_index(k)]


def jsonb_key_order(keys: Iterable[str]) -> List[str]:
    """The order the server's objects arrive in: PostgreSQL jsonb's (shorter keys
    first, then by bytes), with JavaScript's integer-like keys first."""
    return js_key_order(sorted(keys, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8"))))


def utf16_sort_key(text: str) -> bytes:
    """A sort key that orders strings as JavaScript's default ``sort()`` does (by UTF-16 code units)."""
    return text.encode("utf-16-be", "surrogatepass")


def _string_text(value: str) -> str:
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\b":
            out.append("\\b")
        elif char == "\f":
            out.append("\\f")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def json_text(value: Any) -> str:
    """``JSON.stringify(value)`` for JSON-shaped Python values (None, bool, numbers, str, lists, tuples, mappings)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return "null"
        return number_text(value)
    if isinstance(value, str):
        return _string_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(json_text(item) for item in value) + "]"
    if isinstance(value, Mapping):
        keys = js_key_order(str(k) for k in value.keys())
        by_text = {str(k): v for k, v in value.items()}
        return "{" + ",".join(_string_text(k) + ":" + json_text(by_text[k]) for k in keys) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
