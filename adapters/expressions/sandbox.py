"""The Jinja2 environment expressions run in: immutable sandbox, no globals, few filters.

The sandbox refuses `_`-prefixed attributes and mutation; on top of that nothing global is
reachable (no `range`, `lipsum`, `cycler`, `namespace`, `self`), only side-effect-free and
deterministic filters are kept (no `random`, no `attr`, no padding filters that allocate at
will), the string methods that take a width or a format (`format`, `ljust`, `zfill`, ...) are
unsafe, and the operators that can allocate without bound are checked: `*` repeats a string
up to `MAX_SIZE` characters and never a list, `%` formatting is refused. `**` is refused before
anything runs (see `references`). These bounds are best-effort: expressions run in-process.
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


UNSAFE_STR_METHODS = frozenset(
    {"format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs", "encode"}
)
"""String methods that allocate by a number in the expression, or leave JSON (bytes)."""


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
        if isinstance(obj, str) and attribute in UNSAFE_STR_METHODS:
            return self.unsafe_undefined(obj, attribute)  # before jinja wraps str.format
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in UNSAFE_STR_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not allowed; use ~ to join text")
        if operator == "*":
            if isinstance(left, list | tuple) or isinstance(right, list | tuple):
                raise SecurityError("'*' does not repeat lists")
            text, count = (left, right) if isinstance(left, str) else (right, left)
            if isinstance(text, str) and isinstance(count, int) and len(text) * count > MAX_SIZE:
                raise SecurityError(f"'*' would build more than {MAX_SIZE} characters")
        return super().call_binop(context, operator, left, right)
