"""The `Expressions` port on Jinja2's sandbox: parse once, check, then render or test.

A template that is one lone `{{ expr }}` evaluates to the expression's own JSON value (a
number stays a number); any other template renders to text, values embedded as JSON. Every
evaluation runs under the bounds of `limits` (size built, time), and text is rendered piece by
piece so that it stops as soon as it is too long. Every Jinja, sandbox or Python error on the
way (`MemoryError` and `RecursionError` included) becomes an `ExpressionError` here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError, Undefined, nodes
from jinja2.environment import Template
from jinja2.parser import Parser

from adapters.expressions.limits import evaluation_budget
from adapters.expressions.references import ITEM_NAMES, NAMES, References, checked_references
from adapters.expressions.sandbox import Sandbox
from adapters.expressions.stored_results import StoredResults
from core import BlobStore, ExpressionError, JsonObject, JsonValue

EVALUATION_ERRORS = (Exception,)
"""What compiling or evaluating an expression may raise, every kind of it: the expression is
untrusted input, so a failure is its problem (sandbox refusals are TemplateErrors; a
`MemoryError` or `RecursionError` is the expression's too, never the engine's)."""

MAX_CACHED = 4096

MAX_TEXT = 1_000_000
"""The longest string a template may produce: it is recorded in `StepStarted` or an output."""


@dataclass(frozen=True)
class _Compiled:
    references: References
    template: Template
    whole_value: bool


class JinjaExpressions:
    """Templates and conditions, parsed and checked once per source text.

    `blobs` is where results stored by reference are read (see `stored_results`).
    """

    def __init__(self, blobs: BlobStore | None = None) -> None:
        self._sandbox = Sandbox()
        self._cache: dict[tuple[str, bool, bool], _Compiled] = {}
        self._results = StoredResults(blobs)

    def step_references(
        self, source: str, *, condition: bool, per_item: bool = False
    ) -> frozenset[str]:
        return self._compiled(source, condition, per_item).references.steps

    def input_references(
        self, source: str, *, condition: bool, per_item: bool = False
    ) -> frozenset[str]:
        return self._compiled(source, condition, per_item).references.inputs

    def render(self, source: str, scope: JsonObject) -> JsonValue:
        compiled = self._compiled(source, condition=False, per_item="item" in scope)
        scope = self._results.loaded(scope, source)
        with _translated(source), evaluation_budget():
            if not compiled.whole_value:
                return _text(compiled.template, scope, source)
            value = _value(compiled.template, scope)
            if not isinstance(value, str):
                return _json(value, source)
        if len(value) > MAX_TEXT:
            raise ExpressionError(source, f"renders to more than {MAX_TEXT} characters")
        return str(value)

    def test(self, source: str, scope: JsonObject) -> bool:
        compiled = self._compiled(source, condition=True, per_item="item" in scope)
        scope = self._results.loaded(scope, source)
        with _translated(source), evaluation_budget():
            return bool(_value(compiled.template, scope))

    def _compiled(self, source: str, condition: bool, per_item: bool) -> _Compiled:
        key = (source, condition, per_item)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        with _translated(source):
            compiled = self._compile(source, condition, per_item)
        if len(self._cache) >= MAX_CACHED:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = compiled
        return compiled

    def _compile(self, source: str, condition: bool, per_item: bool) -> _Compiled:
        sandbox = self._sandbox
        tree: nodes.Template | None = None
        expression: nodes.Expr | None
        if condition:
            parser = Parser(sandbox, source, state="variable")
            expression = parser.parse_expression()
            if not parser.stream.eos:
                raise ExpressionError(source, "a condition is one expression, without {{ }}")
        else:
            tree = sandbox.parse(source)
            expression = _lone_expression(tree)
        checked: nodes.Node | None = expression if expression is not None else tree
        assert checked is not None
        names = NAMES + ITEM_NAMES if per_item else NAMES
        references = checked_references(
            checked, source, set(sandbox.filters), set(sandbox.tests), names
        )
        if expression is None:
            assert tree is not None
            return _Compiled(references, sandbox.from_string(tree), whole_value=False)
        expression.set_environment(sandbox)
        body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
        template = sandbox.from_string(nodes.Template(body, lineno=1))
        return _Compiled(references, template, whole_value=True)


def _lone_expression(tree: nodes.Template) -> nodes.Expr | None:
    """The expression of a template that is exactly one `{{ expr }}`, else None."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts = tree.body[0].nodes
    if len(parts) != 1 or isinstance(parts[0], nodes.TemplateData):
        return None
    return parts[0]


def _text(template: Template, scope: JsonObject, source: str) -> str:
    """Render piece by piece, stopping as soon as the text grows past `MAX_TEXT`."""
    pieces: list[str] = []
    length = 0
    for piece in template.root_render_func(template.new_context(scope)):
        length += len(piece)
        if length > MAX_TEXT:
            raise ExpressionError(source, f"renders to more than {MAX_TEXT} characters")
        pieces.append(piece)
    return "".join(pieces)


def _value(template: Template, scope: JsonObject) -> Any:
    """Run an expression template and take its `result` (jinja's `compile_expression` way)."""
    context = template.new_context(scope)
    for _ in template.root_render_func(context):
        pass
    value = context.vars["result"]
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises, naming what is missing
    return value


def _json(value: Any, source: str) -> JsonValue:
    """The value as plain JSON types; anything else (a method, a sandbox object) is refused."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(item, source) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {str(key): _json(item, source) for key, item in value.items()}
    raise ExpressionError(source, f"the value is a {type(value).__name__}, not JSON data")


@contextmanager
def _translated(source: str) -> Iterator[None]:
    """Turns whatever the template engine raises into an `ExpressionError`."""
    try:
        yield
    except ExpressionError:
        raise
    except EVALUATION_ERRORS as error:
        text = (error.message if isinstance(error, TemplateError) else None) or str(error)
        message = text.strip().splitlines()[0] if text.strip() else type(error).__name__
        raise ExpressionError(source, f"{type(error).__name__}: {message}") from None
