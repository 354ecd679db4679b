"""Data passing: templates in parameters and outputs, and step conditions, resolved (pure).

A string that holds `{{`, `{%` or `{#` is a template in the sandboxed language behind the
`Expressions` port. Its scope holds only what it names: `steps.ID` (`result`, `status`,
`error`) for the steps it references, and `plan.inputs`. Building the scope from references keeps
the cost of a resolution proportional to the template, not to the plan's size.

A result stored apart is in the scope as its `BlobRef` (a plan step's outputs stored apart, each
as its own, under its name in the result; a `for_each` step's items stored apart, each as its
own, at its index in the result), which the expression language loads by digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from core.domain.errors import ExpressionError
from core.domain.json_value import JsonObject, JsonValue, unstorable_part
from core.domain.plan import PlanState, StepState
from core.domain.ports import Expressions

CONDITION_ERROR = "condition_error"
PARAMETER_ERROR = "parameter_error"


def failure_text(error: Exception) -> str:
    """How a preparation failure is recorded. Any exception on the way (a `MemoryError`, a
    `RecursionError`, a fault of the expression language itself) fails the step that asked,
    never the engine that evaluates it: the plan is untrusted input."""
    if isinstance(error, ExpressionError):
        return str(error)
    return f"{type(error).__name__}: {error}".rstrip(": ")


def is_template(text: str) -> bool:
    """True when a string is a template rather than a literal."""
    return "{{" in text or "{%" in text or "{#" in text


def templates_in(value: JsonValue, path: str) -> Iterator[tuple[str, str]]:
    """Every template string inside `value`, with where it is (`parameters.env.URL`)."""
    if isinstance(value, str):
        if is_template(value):
            yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from templates_in(child, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from templates_in(child, f"{path}[{index}]")


def scope(plan: PlanState, step_ids: Iterable[str], inputs: JsonObject | None = None) -> JsonObject:
    """What an expression may read: the named steps and the plan's inputs (`inputs` if given:
    the clear secret values, for the tool call alone)."""
    return {
        "steps": {
            step_id: _step_scope(plan.steps[step_id])
            for step_id in step_ids
            if step_id in plan.steps
        },
        "plan": {"inputs": plan.inputs if inputs is None else inputs},
    }


def _step_scope(step: StepState) -> JsonObject:
    error = None
    if step.error is not None:
        error = {"type": step.error.error_type, "message": step.error.message}
    result = step.result_ref if step.result_ref is not None else step.result
    if step.output_refs and isinstance(result, dict):
        result = result | step.output_refs
    if step.item_refs and isinstance(result, list):
        result = [step.item_refs.get(index, value) for index, value in enumerate(result)]
    return {"result": result, "status": step.status.value, "error": error}


def resolve(
    value: JsonValue,
    plan: PlanState,
    expressions: Expressions,
    item: JsonObject | None = None,
    inputs: JsonObject | None = None,
) -> JsonValue:
    """`value` with every template in it replaced by its value (raises `ExpressionError`).

    `item` (`item` and `index`, see `item_scope`) is what a child of a `for_each` step reads.
    """
    if isinstance(value, str):
        if not is_template(value):
            return value
        per_item = item is not None
        references = expressions.step_references(value, condition=False, per_item=per_item)
        return expressions.render(value, scope(plan, references, inputs) | (item or {}))
    if isinstance(value, dict):
        return {k: resolve(child, plan, expressions, item, inputs) for k, child in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(child, plan, expressions, item, inputs) for child in value]
    return value


def item_scope(step: StepState) -> JsonObject | None:
    """What a child of a `for_each` step reads beside the plan: its `item` and `index`."""
    if step.parent is None:
        return None
    return {"item": step.item, "index": step.index}


@dataclass(frozen=True)
class Unprepared:
    """Why a step cannot run: `field` (`when`, `parameters.url`) failed with `error_type`."""

    field: str
    error_type: str
    message: str


def condition_holds(
    plan: PlanState, step: StepState, expressions: Expressions
) -> bool | Unprepared:
    """Whether the step's `when` holds (True without one), or why it cannot be evaluated."""
    condition = step.spec.when
    if condition is None:
        return True
    try:
        references = expressions.step_references(condition, condition=True)
        return expressions.test(condition, scope(plan, references))
    except Exception as error:
        return Unprepared("when", CONDITION_ERROR, failure_text(error))


def resolve_parameters(
    plan: PlanState, step: StepState, expressions: Expressions, inputs: JsonObject | None = None
) -> JsonObject | Unprepared:
    """The parameters the step's tool receives (recorded in `StepStarted`), or why not.

    A plan step's parameters are its child's `inputs`, resolved the same way. `inputs` replaces
    the plan's (redacted) inputs: the engine's resolution for the call, with secrets in clear.
    """
    resolved: JsonObject = {}
    item = item_scope(step)
    spec = step.spec
    prefix, values = (
        ("inputs", spec.inputs) if spec.is_sub_plan else ("parameters", spec.parameters)
    )
    for name, value in values.items():
        try:
            resolved[name] = resolve(value, plan, expressions, item, inputs)
            unstorable = unstorable_part(resolved[name], f"{prefix}.{name}")
        except Exception as error:
            return Unprepared(f"{prefix}.{name}", PARAMETER_ERROR, failure_text(error))
        if unstorable is not None:
            return Unprepared(f"{prefix}.{name}", PARAMETER_ERROR, unstorable)
    return resolved


def resolve_outputs(plan: PlanState, expressions: Expressions) -> tuple[JsonObject, list[str]]:
    """The spec's outputs that resolve, and a problem line for each one that does not."""
    values: JsonObject = {}
    problems: list[str] = []
    for name, template in plan.spec.outputs.items():
        try:
            value = resolve(template, plan, expressions)
        except Exception as error:
            problems.append(f"output {name!r}: {failure_text(error)}")
            continue
        unstorable = unstorable_part(value, f"outputs.{name}")
        if unstorable is not None:
            problems.append(unstorable)
            continue
        values[name] = value
    return values, problems
