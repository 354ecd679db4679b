"""The Jinja2 environment expressions run in: immutable sandbox, no globals, few filters.

The sandbox refuses `_`-prefixed attributes and mutation; on top of that nothing global is
reachable (no `range`, `lipsum`, `cycler`, `namespace`, `self`), only side-effect-free and
deterministic filters are kept (no `random`, no `attr`, no padding filters that allocate at
will), the string methods that take a width or a format (`format`, `ljust`, `zfill`, ...) are
unsafe, and the operators that can allocate without bound are checked: `*` repeats a string
up to `MAX_SIZE` characters and never a list, `%` formatting is refused. `**` is refused before
anything runs (see `references`). Only the methods in `ALLOWED_METHODS` may be called; `+`,
`~`, `join`, `replace`, `split` and `tojson` check what they would build first, and every
filter's result is charged to the evaluation's budget (see `limits`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import StrictUndefined, Undefined, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from adapters.expressions import limits

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

ALLOWED_METHODS: dict[type, frozenset[str]] = {
    str: frozenset(
        {
            "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum",
            "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower",
            "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "lower",
            "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
            "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip",
            "swapcase", "title", "upper",
        }
    ),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    float: frozenset({"is_integer"}),
}  # fmt: skip
"""The methods an expression may call, by the type of the value they belong to: none that
allocates by a number it is given (`int.to_bytes`), maps through a table (`str.translate`) or
mutates."""

ITERATING_FILTERS = frozenset(
    {"join", "list", "map", "reject", "rejectattr", "select", "selectattr", "sort", "sum",
     "unique", "max", "min"}
)  # fmt: skip
"""Filters that make a list (or walk one) from a string's characters: bounded by `MAX_ITEMS`."""


def text_of(value: Any) -> str:
    """How a value embedded in text renders: strings as they are, everything else as JSON."""
    if isinstance(value, Undefined):
        return str(value)  # StrictUndefined raises here, naming what was missing
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class BoundedCodeGenerator(CodeGenerator):
    """Compiles `a ~ b` to the sandbox's `concat_bounded`, which checks the length first."""

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802  (Jinja names it)
        self.write("environment.concat_bounded((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox with strict undefined values and bounded operators."""

    intercepted_binops = frozenset({"*", "%", "+"})
    code_generator_class = BoundedCodeGenerator

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, finalize=text_of)
        self.globals.clear()
        self.filters = {
            name: _bounded_filter(name, f)
            for name, f in self.filters.items()
            if name in ALLOWED_FILTERS
        }
        self.filters["join"] = _bounded_filter("join", _join)
        self.filters["tojson"] = _bounded_filter("tojson", _tojson)

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
        limits.check_time()
        if operator == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not allowed; use ~ to join text")
        if operator == "*":
            if isinstance(left, list | tuple) or isinstance(right, list | tuple):
                raise SecurityError("'*' does not repeat lists")
            text, count = (left, right) if isinstance(left, str) else (right, left)
            if isinstance(text, str) and isinstance(count, int):
                limits.would_build(len(text) * count, "'*'", MAX_SIZE)
        if operator == "+" and _sized(left) and _sized(right):
            limits.would_build(limits.size_of(left) + limits.size_of(right), "'+'")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Only the methods in `ALLOWED_METHODS`; those that can grow a value are bounded."""
        limits.check_time()
        if isinstance(__obj, Undefined):
            return __obj(*args, **kwargs)  # raises, saying what was missing or unsafe
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if owner is None or name not in ALLOWED_METHODS.get(type(owner), frozenset()):
            what = f"{type(owner).__name__}.{name}" if owner is not None else type(__obj).__name__
            raise SecurityError(f"{what} is not callable in expressions")
        if isinstance(owner, str) and name in BOUNDED_STR_METHODS:
            return BOUNDED_STR_METHODS[name](owner, *args, **kwargs)
        result = __context.call(__obj, *args, **kwargs)
        limits.charge(limits.size_of(result), f"{type(owner).__name__}.{name}")
        return result

    def concat_bounded(self, parts: tuple[Any, ...]) -> str:
        """`a ~ b ~ c`: each part as text, refused before joining if the whole is too long."""
        texts = [str(part) for part in parts]
        total = sum(len(text) for text in texts)
        if total > limits.MAX_BUILT:
            raise SecurityError(f"'~' renders to more than {limits.MAX_BUILT} characters")
        limits.charge(total * limits.WIDEST_CHARACTER, "'~'")
        return "".join(texts)


def _sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple)


def _split(text: str, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    limits.split_parts(text, sep, maxsplit)
    parts = text.split(sep, maxsplit)
    limits.charge(limits.size_of(parts), "split")
    return parts


def _rsplit(text: str, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    limits.split_parts(text, sep, maxsplit)
    parts = text.rsplit(sep, maxsplit)
    limits.charge(limits.size_of(parts), "rsplit")
    return parts


def _splitlines(text: str, keepends: bool = False) -> list[str]:
    limits.split_parts(text, None, -1)
    parts = text.splitlines(keepends)
    limits.charge(limits.size_of(parts), "splitlines")
    return parts


def _join_method(separator: str, items: Any) -> str:
    return limits.joined(items, separator, "str.join")


BOUNDED_STR_METHODS: dict[str, Callable[..., Any]] = {
    "replace": limits.replaced,
    "join": _join_method,
    "split": _split,
    "rsplit": _rsplit,
    "splitlines": _splitlines,
}
"""String methods that can build more than their input, with what checks them first."""


@pass_eval_context
def _join(eval_ctx: EvalContext, value: Any, d: str = "", attribute: Any = None) -> str:
    """Jinja's `join` filter, refused before joining if the text would be too long."""
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    return limits.joined(value, str(d), "join")


@pass_eval_context
def _tojson(eval_ctx: EvalContext, value: Any, indent: int | str | None = None) -> str:
    """Jinja's `tojson`, encoded under the size bound."""
    return limits.json_text(value, indent)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with the deadline checked, long strings refused, and its result charged."""
    passes_context = getattr(function, "jinja_pass_arg", None) is not None

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        limits.check_time()
        value = args[1] if passes_context and len(args) > 1 else args[0] if args else None
        if name in ITERATING_FILTERS and isinstance(value, str) and len(value) > limits.MAX_ITEMS:
            raise SecurityError(
                f"filter {name!r} over {len(value)} characters (more than {limits.MAX_ITEMS})"
            )
        start = args[3] if name == "sum" and len(args) > 3 else kwargs.get("start", 0)
        if name == "sum" and not isinstance(start, int | float):
            raise SecurityError("filter 'sum' adds numbers only")
        result = function(*args, **kwargs)
        if isinstance(result, Iterator):
            return limits.counted(result, name)
        limits.charge(limits.size_of(result), f"filter {name!r}")
        return result

    return bounded
