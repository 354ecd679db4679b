"""The JSON value aliases: the one place core admits an untyped value (pure)."""

from __future__ import annotations

import math
from typing import Any, TypeAlias

JsonValue: TypeAlias = Any
"""Any value that survives a JSON round trip: tool parameters and results."""

JsonObject: TypeAlias = dict[str, Any]
"""A JSON object with string keys."""


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def unstorable_part(value: JsonValue, path: str = "result") -> str | None:
    """Where `value` holds something the event store would not give back unchanged, if anywhere.

    Integers beyond 64 bits come back as floats and NaN or infinity as null, so a replay would
    differ from the live run; such values are refused up front instead.
    """
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
