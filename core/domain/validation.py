"""Spec validation that reports every problem at once, each naming the step and field (pure).

Templates and conditions are checked through the `Expressions` port and the inputs schema
through the `JsonSchemas` port, so the language and the schema dialect stay out of core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from core.domain.data_passing import templates_in
from core.domain.errors import InvalidPlanSpecError, SpecProblem
from core.domain.external_steps import EXTERNAL_TOOL, ExternalParameters
from core.domain.graph import find_cycles
from core.domain.json_value import too_deep, unencodable_text
from core.domain.ports import Expressions, JsonSchemas
from core.domain.reference_checks import reference_problems, templated_locations
from core.domain.roles import Role, unknown_roles
from core.domain.spec import PlanOptions, PlanSpec

ToolSchemas = Mapping[str, type[BaseModel]]
"""Tool name -> the pydantic model its parameters must satisfy."""


def validate_spec(
    data: object, tools: ToolSchemas, expressions: Expressions, json_schemas: JsonSchemas
) -> PlanSpec:
    """Parse raw spec data into a `PlanSpec`, or raise `InvalidPlanSpecError` with all problems.

    Child plans (`plan` on a step) are validated in full, their problems named under the step
    (`steps[deploy].plan.steps[migrate].tool`), and their nesting checked against
    `max_sub_plan_depth`.
    """
    nested = too_deep(data, "spec") or unencodable_text(data, "spec")
    if nested is not None:
        where, _, problem = nested.partition(": ")
        location = _shortened(where.removeprefix("spec."))
        raise InvalidPlanSpecError([SpecProblem(location, problem)])
    checks = _Checks(tools, expressions, json_schemas)
    spec, problems = checks.spec(data, depth=0, limit=None)
    if problems:
        raise InvalidPlanSpecError(_unique(problems))
    assert spec is not None
    return spec


class _Checks:
    """Every check of one spec, and of each child spec inside it."""

    def __init__(
        self, tools: ToolSchemas, expressions: Expressions, json_schemas: JsonSchemas
    ) -> None:
        self.tools = tools
        self.expressions = expressions
        self.json_schemas = json_schemas

    def spec(
        self, data: object, *, depth: int, limit: int | None
    ) -> tuple[PlanSpec | None, list[SpecProblem]]:
        """The parsed spec (None if it fails) and its problems; `limit` is the parent's."""
        if not isinstance(data, Mapping):
            return None, [SpecProblem("spec", "must be a mapping of fields")]
        problems: list[SpecProblem] = []
        spec: PlanSpec | None = None
        raw_steps = _raw_steps(data)
        try:
            spec = PlanSpec.model_validate(data)
        except ValidationError as error:
            problems.extend(_from_pydantic(error, raw_steps))
        problems.extend(_graph_problems(raw_steps))
        problems.extend(_tool_problems(raw_steps, self.tools))
        problems.extend(
            reference_problems(
                raw_steps, data.get("outputs"), data.get("inputs_schema"), self.expressions
            )
        )
        schema = data.get("inputs_schema")
        if isinstance(schema, Mapping):
            problems.extend(
                SpecProblem("inputs_schema", message)
                for message in self.json_schemas.schema_problems(dict(schema))
            )
        options = spec.options if spec is not None else _options_alone(data.get("options", {}))
        if options is not None:
            problems.extend(_option_problems(options))
            own = options.max_sub_plan_depth
            limit = own if limit is None else min(limit, own)
        problems.extend(self._children(raw_steps, depth, limit))
        return spec, problems

    def _children(
        self, raw_steps: Sequence[Mapping[str, Any]], depth: int, limit: int | None
    ) -> Iterable[SpecProblem]:
        for index, step in enumerate(raw_steps):
            child = step.get("plan")
            if child is None:
                continue
            where = f"{_step_label(raw_steps, index)}.plan"
            if not isinstance(child, Mapping):
                yield SpecProblem(where, "must be an inline plan spec (the CLI inlines files)")
                continue
            if limit is not None and depth + 1 > limit:
                yield SpecProblem(where, f"nests {depth + 1} deep, over max_sub_plan_depth {limit}")
                continue
            spec, problems = self.spec(child, depth=depth + 1, limit=limit)
            for problem in problems:
                yield SpecProblem(f"{where}.{problem.location}", problem.message)
            if spec is not None:
                yield from self._literal_inputs(step, spec, _step_label(raw_steps, index))

    def _literal_inputs(
        self, step: Mapping[str, Any], child: PlanSpec, label: str
    ) -> Iterable[SpecProblem]:
        """Inputs without templates are checked against the child's schema now, not at start."""
        inputs = step.get("inputs", {})
        if child.inputs_schema is None or not isinstance(inputs, Mapping):
            return
        if any(True for _ in templates_in(dict(inputs), "inputs")):
            return
        for problem in self.json_schemas.instance_problems(dict(inputs), child.inputs_schema):
            yield SpecProblem(f"{label}.{problem.location}", problem.message)


def _shortened(location: str, keep: int = 120) -> str:
    """A location too long to read (a deep path) keeps its start and its end."""
    return location if len(location) <= keep else f"{location[:60]}…{location[-60:]}"


def _raw_steps(data: Mapping[Any, Any]) -> list[Mapping[str, Any]]:
    # Python callers pass tuples; a step that is not a mapping keeps its place (as `{}`) so
    # positions in pydantic's error locations still name the right step.
    steps = data.get("steps")
    if not isinstance(steps, list | tuple):
        return []
    return [step if isinstance(step, Mapping) else {} for step in steps]


def _options_alone(raw: object) -> PlanOptions | None:
    """The options of a spec that failed elsewhere, so their problems are reported too."""
    try:
        return PlanOptions.model_validate(raw)
    except ValidationError:
        return None


def _step_label(raw_steps: Sequence[Mapping[str, Any]], index: int) -> str:
    if index < len(raw_steps) and isinstance(raw_steps[index].get("id"), str):
        return f"steps[{raw_steps[index]['id']}]"
    return f"steps[#{index}]"


def _from_pydantic(
    error: ValidationError, raw_steps: Sequence[Mapping[str, Any]]
) -> Iterable[SpecProblem]:
    for item in error.errors(include_url=False):
        location = list(item["loc"])
        if location == ["steps"] and item["type"] == "too_short" and raw_steps:
            continue  # pydantic counts only the steps that passed; each failure is reported
        if len(location) >= 2 and location[0] == "steps" and isinstance(location[1], int):
            head = _step_label(raw_steps, location[1])
            location = location[2:]
            if location[:1] == ["plan"]:
                continue  # the child spec is checked on its own, its problems named under it
        else:
            head = str(location.pop(0)) if location else "spec"
        path = head + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in location
        )
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        message = message.removeprefix("Value error, ")
        yield SpecProblem(path, message)


def _graph_problems(raw_steps: Sequence[Mapping[str, Any]]) -> Iterable[SpecProblem]:
    ids = [step.get("id") for step in raw_steps]
    known = {step_id for step_id in ids if isinstance(step_id, str)}
    seen: set[str] = set()
    for step_id in ids:
        if isinstance(step_id, str):
            if step_id in seen:
                yield SpecProblem(f"steps[{step_id}].id", f"duplicate step id {step_id!r}")
            seen.add(step_id)
    edges: dict[str, list[str]] = {}
    for step in raw_steps:
        step_id = step.get("id")
        depends_on = step.get("depends_on") or []
        if not isinstance(step_id, str) or not isinstance(depends_on, list | tuple):
            continue
        for dependency in depends_on:
            if not isinstance(dependency, str):
                continue
            if dependency not in known:
                yield SpecProblem(
                    f"steps[{step_id}].depends_on", f"unknown dependency {dependency!r}"
                )
            else:
                edges.setdefault(step_id, []).append(dependency)
    for cycle in find_cycles(edges):
        yield SpecProblem(
            f"steps[{cycle[0]}].depends_on", "dependency cycle: " + " -> ".join(cycle)
        )


def _tool_problems(
    raw_steps: Sequence[Mapping[str, Any]], tools: ToolSchemas
) -> Iterable[SpecProblem]:
    for index, step in enumerate(raw_steps):
        tool = step.get("tool")
        label = _step_label(raw_steps, index)
        if not isinstance(tool, str) or step.get("plan") is not None:
            continue
        model = ExternalParameters if tool == EXTERNAL_TOOL else tools.get(tool)
        if model is None:
            available = ", ".join(sorted(tools)) or "none"
            yield SpecProblem(f"{label}.tool", f"unknown tool {tool!r} (available: {available})")
            continue
        parameters = step.get("parameters", {})
        if not isinstance(parameters, Mapping):
            continue
        templated = templated_locations(parameters)
        try:
            model.model_validate(parameters)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                location = tuple(item["loc"])
                if any(location[:size] in templated for size in range(1, len(location) + 1)):
                    continue  # checked by the tool when the template is resolved
                where = "".join(f".{part}" for part in item["loc"])
                message = "unknown parameter" if item["type"] == "extra_forbidden" else item["msg"]
                message = message.removeprefix("Value error, ")
                yield SpecProblem(f"{label}.parameters{where}", f"{message} (tool {tool!r})")


def _option_problems(options: PlanOptions) -> Iterable[SpecProblem]:
    given = options.model_fields_set
    if options.continue_on_error and options.stop_on_error and "stop_on_error" in given:
        yield SpecProblem(
            "options.continue_on_error", "cannot be true together with stop_on_error: true"
        )
    if not options.require_approval:
        for field in ("auto_approve", "approvers", "approval_timeout_ms"):
            if field in given and getattr(options, field):
                yield SpecProblem(f"options.{field}", "has no effect without require_approval")
    elif options.auto_approve and options.approvers:
        yield SpecProblem("options.approvers", "has no effect with auto_approve: true")
    for entry in unknown_roles(options.approvers):
        known = ", ".join(role.value for role in Role)
        yield SpecProblem("options.approvers", f"{entry!r} names no role (roles: {known})")
    if (
        not options.allow_parallel
        and "max_parallel_steps" in given
        and options.max_parallel_steps > 1
    ):
        yield SpecProblem("options.max_parallel_steps", "is above 1 but allow_parallel is false")


def _unique(problems: Iterable[SpecProblem]) -> list[SpecProblem]:
    return list(dict.fromkeys(problems))
