"""The JSON value aliases: the one place core admits an untyped value (pure)."""

from __future__ import annotations

import math
from typing import Any, TypeAlias

JsonValue: TypeAlias = Any
"""Any value that survives a JSON round trip: tool parameters and results."""

JsonObject: TypeAlias = dict[str, Any]
"""A JSON object with string keys."""


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

MAX_NESTING = 200
"""How deep a value (or a spec document) may nest: the JSON encoder of the store stops at 254
levels, and an event holds its values a level or two below its own top."""


def too_deep(value: JsonValue, path: str, limit: int = MAX_NESTING) -> str | None:
    """Where `value` nests deeper than `limit` levels, if it does; found without recursion."""
    stack: list[tuple[str, JsonValue, int]] = [(path, value, 1)]
    while stack:
        where, item, depth = stack.pop()
        if depth > limit:
            return f"{where}: nests more than {limit} levels deep"
        if isinstance(item, dict):
            stack.extend((f"{where}.{key}", child, depth + 1) for key, child in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", child, depth + 1) for i, child in enumerate(item))
    return None


def unencodable_text(value: JsonValue, path: str) -> str | None:
    """Where `value` holds text that is not valid Unicode (a lone surrogate such as `\\ud800`,
    which a Python tool can return): no JSON encoder of the store writes it."""
    stack: list[tuple[str, JsonValue]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodes(item):
                return f"{where}: text with a lone surrogate is not valid Unicode"
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and not key.isascii() and not _encodes(key):
                    return f"{where}: a key with a lone surrogate is not valid Unicode"
                stack.append((f"{where}.{key}", child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_part(value: JsonValue, path: str = "result") -> str | None:
    """Where `value` holds something the event store would not give back unchanged, if anywhere.

    Integers beyond 64 bits come back as floats and NaN or infinity as null, so a replay would
    differ from the live run; such values are refused up front instead, as are values nested
    deeper than the store can encode (`MAX_NESTING`).
    """
    if plainly_storable(value):
        return None
    return too_deep(value, path) or unencodable_text(value, path) or out_of_range(value, path)


def out_of_range(value: JsonValue, path: str) -> str | None:
    """Where `value` holds an integer beyond 64 bits or a number that is not finite."""
    stack: list[tuple[str, JsonValue]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        if isinstance(item, int) and not INT64_MIN <= item <= INT64_MAX:
            return f"{where}: integer {item} does not fit in 64 bits"
        if isinstance(item, float) and not math.isfinite(item):
            return f"{where}: {item} is not a finite number"
        if isinstance(item, dict):
            stack.extend((f"{where}.{key}", child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", child) for index, child in enumerate(item))
    return None


def plainly_storable(value: JsonValue) -> bool:
    """True when `unstorable_part` would find nothing: one walk that builds no paths.

    Every tool result and resolved parameter is checked, and almost all are fine; the walks
    that name where a problem is run only when this one says there may be one.
    """
    stack: list[tuple[JsonValue, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is str:
            if not item.isascii() and not _encodes(item):
                return False
        elif kind is int:
            if not INT64_MIN <= item <= INT64_MAX:
                return False
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif kind is dict:
            if depth >= MAX_NESTING and item:
                return False
            for key, child in item.items():
                if type(key) is not str or (not key.isascii() and not _encodes(key)):
                    return False
                stack.append((child, depth + 1))
        elif kind is list:
            if depth >= MAX_NESTING and item:
                return False
            stack.extend((child, depth + 1) for child in item)
        elif item is not None and kind is not bool:
            return False
    return True
