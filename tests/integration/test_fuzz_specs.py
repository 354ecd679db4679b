"""Fuzzing specs and inputs: whatever comes in, a clear error naming its field, or a plan that
runs to an end — never a traceback.

Hypothesis mutates a valid spec (any field of the plan, its options or a step set to an
arbitrary JSON value, template fragments and memory bombs in parameters and conditions, deep
nesting) and draws arbitrary inputs; the service on an in-memory store, with the real
expression language and JSON Schema checker, either refuses it with `InvalidInputError`
problems that each name a field, or creates the plan and executes it to a terminal status.
The budget is bounded (`max_examples`), so the run takes seconds.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import open_event_store, parse_store_url
from adapters.tools import builtin_registry
from core import InvalidInputError
from core.runtime.service import PlanService
from tests.integration.conftest import RandomIds, SystemClock

FIELD_ROOTS = {"spec", "description", "name", "options", "steps", "inputs_schema", "outputs"}
"""Where a problem of a spec may be: each location starts with one of these."""

BASE: dict[str, Any] = {
    "description": "fuzzed",
    "inputs_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
    "steps": [
        {"id": "a", "tool": "echo", "parameters": {"value": "{{ plan.inputs.n }}"}},
        {"id": "b", "tool": "echo", "depends_on": ["a"], "parameters": {"value": 1}},
    ],
    "outputs": {"out": "{{ steps.b.result }}"},
}

FRAGMENTS = [
    "{{", "}}", "{%", "%}", "steps.a.result", "plan.inputs.n", " | join('x' * 99999)",
    ".replace('a', 'b' * 100000)", " ~ ", "'a' * 100000", "(((", ")))", "[[[", "]]]",
    " | tojson(indent=99)", "__class__", "steps", "|", "'", "\x00", "\ud800", "é", " if ",
    "{{ steps.b.result }}", "{{ range(9) }}", "{{ 1 / 0 }}",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
templates = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join)
values = json_values | templates

PATHS = [
    ("description",), ("name",), ("options",), ("options", "max_parallel_steps"),
    ("options", "require_approval"), ("options", "step_timeout_ms"), ("steps",),
    ("steps", 0), ("steps", 0, "id"), ("steps", 0, "tool"), ("steps", 0, "parameters"),
    ("steps", 0, "parameters", "value"), ("steps", 1, "depends_on"), ("steps", 1, "when"),
    ("steps", 1, "for_each"), ("steps", 1, "max_retries"), ("steps", 1, "plan"),
    ("steps", 1, "trigger"), ("inputs_schema",), ("inputs_schema", "properties", "n"),
    ("outputs",), ("outputs", "out"), ("extra",), ("steps", 0, "extra"),
]  # fmt: skip


def mutated(changes: list[tuple[tuple[str | int, ...], Any]]) -> Any:
    spec: Any = copy.deepcopy(BASE)
    for path, value in changes:
        target = spec
        for key in path[:-1]:
            target = target[key] if _has(target, key) else None
            if not isinstance(target, dict | list):
                break
        else:
            if isinstance(target, dict) or (isinstance(target, list) and _has(target, path[-1])):
                target[path[-1]] = value  # type: ignore[index]
    return spec


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and key < len(container)


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def deep_parameter(depth: int) -> Any:
    return {**BASE, "steps": [{"id": "d", "tool": "echo", "parameters": {"value": nested(depth)}}]}


specs = st.lists(st.tuples(st.sampled_from(PATHS), values), max_size=3).map(mutated) | st.builds(
    deep_parameter, st.integers(min_value=150, max_value=400)
)
inputs = st.dictionaries(st.text(max_size=8), json_values, max_size=3) | json_values


def service() -> PlanService:
    return PlanService(
        open_event_store(parse_store_url("memory://")),
        builtin_registry(["echo"]),
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker="fuzz",
        poll_interval_s=0.01,
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=specs, given_inputs=inputs)
def test_any_spec_and_inputs_are_refused_naming_a_field_or_run_to_an_end(
    spec: Any, given_inputs: Any
) -> None:
    planner = service()
    refused: InvalidInputError | None = None

    try:
        plan = planner.run(spec, by="fuzz", inputs=given_inputs)
    except InvalidInputError as error:
        refused = error

    if refused is None:
        assert plan.is_terminal, plan.status
        return
    named = FIELD_ROOTS | {"inputs"} | (set(spec) if isinstance(spec, dict) else set())
    for problem in getattr(refused, "problems", ()):
        root = problem.location.split(".")[0].split("[")[0]
        assert root in named, problem
        assert problem.message.strip(), problem
    assert str(refused).strip()
