"""The Jinja2 environment expressions run in: immutable sandbox, no globals, few filters.

The sandbox refuses `_`-prefixed attributes and mutation; on top of that nothing global is
reachable (no `range`, `lipsum`, `cycler`, `namespace`, `self`), only side-effect-free and
deterministic filters are kept (no `random`, no `attr`, no padding filters that allocate at
will), and the operators that can allocate without bound (`*` on strings or lists, `%`
formatting) are checked. `**` is refused before anything runs (see `references`).
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SIZE = 100_000
"""The longest string or list an operator may build."""

ALLOWED_FILTERS = frozenset(
    {
        "abs", "capitalize", "count", "d", "default", "dictsort", "first", "float", "int",
        "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
        "rejectattr", "reverse", "round", "select", "selectattr", "sort", "string", "sum",
        "title", "tojson", "trim", "unique", "upper",
    }
)  # fmt: skip


def text_of(value: Any) -> str:
    """How a value embedded in text renders: strings as they are, everything else as JSON."""
    if isinstance(value, Undefined):
        return str(value)  # StrictUndefined raises here, naming what was missing
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class Sandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox with strict undefined values and bounded operators."""

    intercepted_binops = frozenset({"*", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, finalize=text_of)
        self.globals.clear()
        self.filters = {name: f for name, f in self.filters.items() if name in ALLOWED_FILTERS}

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`result.items` means the key `items` of JSON data, not the dict method."""
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not allowed; use ~ to join text")
        if operator == "*":
            sized, count = (left, right) if isinstance(left, str | list | tuple) else (right, left)
            too_big = isinstance(sized, str | list | tuple) and isinstance(count, int)
            if too_big and len(sized) * count > MAX_SIZE:
                raise SecurityError(f"'*' would build more than {MAX_SIZE} items")
        return super().call_binop(context, operator, left, right)
