"""Validation of templates and conditions in a spec: syntax, sandbox rules, references (pure).

A template or condition may read only `steps.ID...` of an ancestor of its step (a transitive
dependency: the only steps certain to have ended before it starts) and `plan.inputs...`; the
parameters of a `for_each` step also read `item` and `index`, and nothing else does.
Outputs are resolved when the plan ends, so they may read any step. When `inputs_schema`
closes its properties (`additionalProperties: false`), every input read must be declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from core.domain.data_passing import is_template, templates_in
from core.domain.errors import ExpressionError, SpecProblem
from core.domain.ports import Expressions


def reference_problems(
    raw_steps: Sequence[Mapping[str, Any]],
    outputs: object,
    inputs_schema: object,
    expressions: Expressions,
) -> Iterable[SpecProblem]:
    """Every template or condition that is malformed or reads a step or input it may not."""
    declared = _declared_inputs(inputs_schema)
    yield from _step_problems(raw_steps, outputs, expressions)
    if declared is None:
        return
    for location, source, condition, per_item in _all_expressions(raw_steps, outputs):
        try:
            names = expressions.input_references(source, condition=condition, per_item=per_item)
        except ExpressionError:
            continue  # reported above
        for name in sorted(names - declared):
            yield SpecProblem(
                location, f"reads input {name!r}, which inputs_schema does not declare"
            )


def _declared_inputs(schema: object) -> set[str] | None:
    """The input names a closed `inputs_schema` declares; None when any name may come."""
    if not isinstance(schema, Mapping) or schema.get("additionalProperties") is not False:
        return None
    properties = schema.get("properties")
    return set(properties) if isinstance(properties, Mapping) else set()


def _all_expressions(
    raw_steps: Sequence[Mapping[str, Any]], outputs: object
) -> Iterator[tuple[str, str, bool, bool]]:
    for step in raw_steps:
        step_id = step.get("id")
        if isinstance(step_id, str):
            for where, source, condition, per_item in _expressions_of(step):
                yield f"steps[{step_id}].{where}", source, condition, per_item
    if isinstance(outputs, Mapping):
        for name, source in outputs.items():
            if isinstance(source, str):
                for where, template in templates_in(source, f"outputs.{name}"):
                    yield where, template, False, False


def _step_problems(
    raw_steps: Sequence[Mapping[str, Any]], outputs: object, expressions: Expressions
) -> Iterator[SpecProblem]:
    depends_on = _dependency_edges(raw_steps)
    for step in raw_steps:
        step_id = step.get("id")
        if not isinstance(step_id, str):
            continue
        ancestors = _Ancestors(step_id, depends_on)
        yield from _for_each_problems(step_id, step.get("for_each"))
        for where, source, condition, per_item in _expressions_of(step):
            location = f"steps[{step_id}].{where}"
            try:
                references = expressions.step_references(
                    source, condition=condition, per_item=per_item
                )
            except ExpressionError as error:
                yield SpecProblem(
                    location, _reason(error, source, condition, per_item, expressions)
                )
                continue
            for reference in sorted(references):
                if reference not in depends_on:
                    yield SpecProblem(location, f"references unknown step {reference!r}")
                elif not ancestors.include(reference):
                    yield SpecProblem(
                        location,
                        f"references step {reference!r}, which is not an ancestor of "
                        f"{step_id!r} (add it to depends_on, directly or through another step)",
                    )
    if isinstance(outputs, Mapping):
        yield from _output_problems(outputs, depends_on, expressions)


def _output_problems(
    outputs: Mapping[Any, Any], known: Mapping[str, Sequence[str]], expressions: Expressions
) -> Iterator[SpecProblem]:
    for name, source in outputs.items():
        if not isinstance(source, str):
            continue
        for where, template in templates_in(source, f"outputs.{name}"):
            try:
                references = expressions.step_references(template, condition=False)
            except ExpressionError as error:
                yield SpecProblem(where, error.reason)
                continue
            for reference in sorted(references - set(known)):
                yield SpecProblem(where, f"references unknown step {reference!r}")


def _for_each_problems(step_id: str, for_each: object) -> Iterator[SpecProblem]:
    if isinstance(for_each, str) and not is_template(for_each):
        yield SpecProblem(
            f"steps[{step_id}].for_each",
            "must be a template that evaluates to a list, like {{ steps.ID.result.items }}",
        )


def _reason(
    error: ExpressionError, source: str, condition: bool, per_item: bool, expressions: Expressions
) -> str:
    """The error's reason, or a clearer one when the source reads `item` where it may not."""
    if per_item:
        return error.reason
    try:
        expressions.step_references(source, condition=condition, per_item=True)
    except ExpressionError:
        return error.reason
    return "item and index can only be read in the parameters of a step with for_each"


def _expressions_of(step: Mapping[str, Any]) -> Iterator[tuple[str, str, bool, bool]]:
    """(where, source, is_condition, per_item) for the step's `when`, its `for_each` and each
    parameter template (which reads `item` and `index` when the step has a `for_each`)."""
    when = step.get("when")
    if isinstance(when, str):
        yield "when", when, True, False
    for_each = step.get("for_each")
    if isinstance(for_each, str) and is_template(for_each):
        yield "for_each", for_each, False, False
    per_item = for_each is not None
    for field in ("parameters", "inputs"):
        values = step.get(field)
        if isinstance(values, Mapping):
            for where, source in templates_in(dict(values), field):
                yield where, source, False, per_item and field == "parameters"


def _dependency_edges(raw_steps: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    edges: dict[str, list[str]] = {}
    for step in raw_steps:
        step_id = step.get("id")
        depends_on = step.get("depends_on") or []
        if isinstance(step_id, str):
            edges[step_id] = (
                [d for d in depends_on if isinstance(d, str)]
                if isinstance(depends_on, list | tuple)
                else []
            )
    return edges


class _Ancestors:
    """A step's transitive dependencies, walked only as far as a question needs."""

    def __init__(self, step_id: str, edges: Mapping[str, Sequence[str]]) -> None:
        self._edges = edges
        self._seen: set[str] = set()
        self._frontier = list(edges.get(step_id, ()))

    def include(self, candidate: str) -> bool:
        while candidate not in self._seen and self._frontier:
            node = self._frontier.pop()
            if node not in self._seen:
                self._seen.add(node)
                self._frontier.extend(self._edges.get(node, ()))
        return candidate in self._seen


def templated_locations(parameters: Mapping[str, Any]) -> set[tuple[str | int, ...]]:
    """Where templates sit in parameters, as pydantic error locations, for the tool check."""
    found: set[tuple[str | int, ...]] = set()
    stack: list[tuple[tuple[str | int, ...], Any]] = [((key,), v) for key, v in parameters.items()]
    while stack:
        location, value = stack.pop()
        if isinstance(value, str):
            if next(templates_in(value, ""), None) is not None:
                found.add(location)
        elif isinstance(value, Mapping):
            stack.extend(((*location, key), child) for key, child in value.items())
        elif isinstance(value, list | tuple):
            stack.extend(((*location, index), child) for index, child in enumerate(value))
    return found
