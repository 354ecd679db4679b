"""Validation of templates and conditions in a spec: syntax, sandbox rules, references (pure).

A template or condition may read only `steps.ID...` of an ancestor of its step (a transitive
dependency: the only steps certain to have ended before it starts) and `plan.inputs...`.
Outputs are resolved when the plan ends, so they may read any step. When `inputs_schema`
closes its properties (`additionalProperties: false`), every input read must be declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from core.data_passing import templates_in
from core.errors import ExpressionError, SpecProblem
from core.ports import Expressions


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
    for location, source, condition in _all_expressions(raw_steps, outputs):
        try:
            names = expressions.input_references(source, condition=condition)
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
) -> Iterator[tuple[str, str, bool]]:
    for step in raw_steps:
        step_id = step.get("id")
        if isinstance(step_id, str):
            for where, source, condition in _expressions_of(step):
                yield f"steps[{step_id}].{where}", source, condition
    if isinstance(outputs, Mapping):
        for name, source in outputs.items():
            if isinstance(source, str):
                for where, template in templates_in(source, f"outputs.{name}"):
                    yield where, template, False


def _step_problems(
    raw_steps: Sequence[Mapping[str, Any]], outputs: object, expressions: Expressions
) -> Iterator[SpecProblem]:
    depends_on = _dependency_edges(raw_steps)
    for step in raw_steps:
        step_id = step.get("id")
        if not isinstance(step_id, str):
            continue
        ancestors = _Ancestors(step_id, depends_on)
        for where, source, condition in _expressions_of(step):
            location = f"steps[{step_id}].{where}"
            try:
                references = expressions.step_references(source, condition=condition)
            except ExpressionError as error:
                yield SpecProblem(location, error.reason)
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


def _expressions_of(step: Mapping[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """(where, source, is_condition) for the step's `when` and each parameter template."""
    when = step.get("when")
    if isinstance(when, str):
        yield "when", when, True
    for field in ("parameters", "inputs"):
        values = step.get(field)
        if isinstance(values, Mapping):
            for where, source in templates_in(dict(values), field):
                yield where, source, False


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
