"""Job parameters between Python and the server's ``google.protobuf.Struct``.

Parameters are a JSON object. Going out, anything JSON cannot hold exactly is
refused with the path of the value (``parameters.lr``), instead of arriving
changed: integers beyond 2**53 (JSON numbers are doubles), NaN and infinities,
non-text keys, sets or objects. Coming back, whole numbers arrive as ``int``
(``{"seed": 1}`` gives ``1``, not ``1.0``), as ``json.loads`` would give them,
and keys come in the order every client sees them (the server's).
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional

from google.protobuf import struct_pb2

from .js_json import jsonb_key_order

__all__ = ["Parameters", "to_struct", "from_struct", "check_parameters", "MAX_SAFE_INTEGER"]

#: A job's parameters: a JSON object.
Parameters = Dict[str, Any]

#: The largest integer a JSON number (a double) holds exactly.
MAX_SAFE_INTEGER = 2**53 - 1


def check_parameters(parameters: Optional[Mapping[str, Any]], where: str = "parameters") -> Parameters:
    """A plain-dict copy of ``parameters`` after checking that JSON holds it exactly.

    Raises TypeError or ValueError naming the path of the first bad value.
    """
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise TypeError(f"{where} must be a mapping of names to values, got {type(parameters).__name__}")
    return _checked_mapping(parameters, where)


def _checked_mapping(mapping: Mapping[Any, Any], where: str) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise TypeError(f"{where} has the key {key!r}; keys must be text")
        out[key] = _checked_value(value, f"{where}.{key}")
    return out


def _checked_value(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{where} is {value}, beyond the ±2**53 a JSON number holds exactly; pass it as text")
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{where} is {value}, which JSON cannot hold")
        return value
    if isinstance(value, Mapping):
        return _checked_mapping(value, where)
    if isinstance(value, (list, tuple)):
        return [_checked_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{where} is a {type(value).__name__}; parameters hold text, numbers, booleans, None, lists and mappings")


def to_struct(parameters: Optional[Mapping[str, Any]], where: str = "parameters") -> struct_pb2.Struct:
    """The Struct for ``parameters`` after :func:`check_parameters`."""
    struct = struct_pb2.Struct()
    struct.update(check_parameters(parameters, where))
    return struct


def from_struct(struct: Optional[struct_pb2.Struct]) -> Parameters:
    """The parameters of a Struct from the server, as plain Python values."""
    if struct is None:
        return {}
    return _from_struct(struct)


def _from_struct(struct: struct_pb2.Struct) -> Dict[str, Any]:
    fields = struct.fields
    return {key: _from_value(fields[key]) for key in jsonb_key_order(fields.keys())}


def _from_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "null_value" or kind is None:
        return None
    if kind == "bool_value":
        return value.bool_value
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        if number.is_integer() and abs(number) <= MAX_SAFE_INTEGER:
            return int(number)
        return number
    if kind == "struct_value":
        return _from_struct(value.struct_value)
    items: List[Any] = [_from_value(item) for item in value.list_value.values]
    return items
