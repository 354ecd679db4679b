"""Bounds on one expression's evaluation: how much it may build, and for how long.

Expressions run in the engine's own process, so a template that builds a gigabyte takes the
engine (and every plan it runs) down with it. Each operation that can make a value larger than
its inputs is checked *before* it builds anything: the size it would build is worked out from
its arguments (`len(s) * n`, occurrences times the growth of a `replace`, the parts of a join)
and refused above `MAX_BUILT`; everything built is also charged to a budget for the whole
evaluation (`EVALUATION_BUDGET`), so many small values cannot add up to a large one. A deadline
(`TIME_LIMIT_S`) is checked at every operation the sandbox sees. Refusals are `SecurityError`s,
which become `ExpressionError`s with the rest. `scripts/bench_expressions` measures the peak
memory of the worst expressions these bounds accept.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import SecurityError

MAX_BUILT = 1_000_000
"""The most characters (or items) one operation may build."""

EVALUATION_BUDGET = 40_000_000
"""What all operations of one evaluation may build together, in bytes as CPython counts them
(`sys.getsizeof`: a string's header and characters, a list's pointers and its new strings); an
operation whose result is known only by its length is charged 4 bytes a character."""

ITEM_COST = 8
"""What one item of a built list or mapping costs beside the item itself: a pointer."""

WIDEST_CHARACTER = 4
"""Bytes per character of the widest strings (any character above U+FFFF)."""

MAX_ITEMS = 100_000
"""The most pieces a string may be split into, or characters a filter may iterate over."""

MAX_INDENT = 16
"""The widest `tojson` indent: each line is indented by it times its depth."""

TIME_LIMIT_S = 2.0
"""How long one evaluation may run; ordinary templates take microseconds."""


@dataclass
class Budget:
    """What one evaluation may still build, and when it must have ended."""

    remaining: int
    deadline: float

    def charge(self, size: int, what: str) -> None:
        """Count `size` against the budget; refuse once the evaluation has built too much."""
        self.check_time()
        self.remaining -= size
        if self.remaining < 0:
            raise SecurityError(
                f"{what}: the expression builds more than {EVALUATION_BUDGET // 1_000_000} MB "
                "in all"
            )

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"the expression ran longer than {TIME_LIMIT_S} s")


_current: ContextVar[Budget | None] = ContextVar("planledger_expression_budget", default=None)


@contextmanager
def evaluation_budget() -> Iterator[Budget]:
    """A fresh budget and deadline for the evaluation run inside the block (this thread only)."""
    budget = Budget(EVALUATION_BUDGET, time.monotonic() + TIME_LIMIT_S)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def check_time() -> None:
    """Refuse to go on past the evaluation's deadline."""
    budget = _current.get()
    if budget is not None:
        budget.check_time()


def would_build(size: int, what: str, limit: int = MAX_BUILT) -> None:
    """Refuse an operation that would build more than `limit` characters (or items); else charge
    what it builds, at the widest characters."""
    if size > limit:
        raise SecurityError(f"{what} would build more than {limit} characters")
    charge(size * WIDEST_CHARACTER, what)


def charge(size: int, what: str) -> None:
    """Count a value built outside the checked operations (a filter's result)."""
    budget = _current.get()
    if budget is not None:
        budget.charge(size, what)


def size_of(value: Any) -> int:
    """What a built value is charged: a string's bytes, a list's or mapping's pointers and the
    strings in it (shared ones too: it errs on the side of more)."""
    if isinstance(value, str):
        return sys.getsizeof(value)
    if isinstance(value, list | tuple):
        return ITEM_COST * len(value) + sum(
            sys.getsizeof(item) for item in value if isinstance(item, str)
        )
    if isinstance(value, dict):
        return 2 * ITEM_COST * len(value) + sum(
            sys.getsizeof(item) for pair in value.items() for item in pair if isinstance(item, str)
        )
    return 0


def counted(items: Iterable[Any], what: str) -> Iterator[Any]:
    """A lazy filter result (`map`, `select`) charged item by item as it is consumed."""
    for item in items:
        charge(ITEM_COST + size_of(item), what)
        yield item


def joined(parts: Iterable[Any], separator: str, what: str) -> str:
    """`separator.join(str(part) ...)`, refused before joining if it would be too long."""
    texts = [str(part) for part in counted(parts, what)]
    total = sum(len(text) for text in texts) + len(separator) * max(len(texts) - 1, 0)
    would_build(total, what)
    return separator.join(texts)


def replaced(text: str, old: str, new: str, count: int = -1) -> str:
    """`text.replace(old, new, count)`, refused before replacing if it would be too long."""
    occurrences = text.count(old) if old else len(text) + 1
    if count >= 0:
        occurrences = min(occurrences, count)
    would_build(len(text) + occurrences * (len(new) - len(old)), "replace")
    return text.replace(old, new, count)


def split_parts(text: str, separator: str | None, maxsplit: int) -> None:
    """Refuse a split into more than `MAX_ITEMS` pieces (or of a text over `MAX_BUILT`)."""
    if separator is None or separator == "":
        if len(text) > MAX_BUILT:
            raise SecurityError(f"split of {len(text)} characters (more than {MAX_BUILT})")
        return
    pieces = text.count(separator) + 1
    if maxsplit >= 0:
        pieces = min(pieces, maxsplit + 1)
    if pieces > MAX_ITEMS:
        raise SecurityError(f"split into {pieces} pieces (more than {MAX_ITEMS})")


HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}
"""What Jinja's `tojson` escapes, so its output is safe inside HTML as well."""


def json_text(value: Any, indent: int | str | None) -> str:
    """Jinja's `tojson`, encoded piece by piece and refused as soon as it grows too long."""
    width = len(indent) if isinstance(indent, str) else indent or 0
    if width > MAX_INDENT:
        raise SecurityError(f"tojson indent {width} is wider than {MAX_INDENT}")
    encoder = json.JSONEncoder(sort_keys=True, indent=indent)
    pieces: list[str] = []
    length = 0
    for piece in encoder.iterencode(value):
        length += len(piece) + 5 * sum(piece.count(char) for char in HTML_ESCAPES)
        if length > MAX_BUILT:
            raise SecurityError(f"tojson would build more than {MAX_BUILT} characters")
        pieces.append(piece)
    charge(length * WIDEST_CHARACTER, "tojson")
    text = "".join(pieces)
    for char, escape in HTML_ESCAPES.items():
        text = text.replace(char, escape)
    return text
