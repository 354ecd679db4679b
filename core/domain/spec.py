"""The plan spec: what a user writes in YAML or JSON, as frozen pydantic models (pure)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, model_validator

from core.domain.additive_fields import additive
from core.domain.trigger_rules import TriggerRule

StepId = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
]
"""Step ids are short and safe to print: letters, digits and `_ . : -`."""

MAX_STEPS = 100_000

SUB_PLAN_TOOL = "plan"
"""The tool name a step with `plan` gets: what its events and views show in place of a tool."""

MAX_FOR_EACH_ITEMS = 10_000
"""How many items one `for_each` may fan out into unless `options.max_for_each_items` says."""

DEFAULT_MAX_SUB_PLAN_DEPTH = 10


class PlanOptions(BaseModel):
    """How a plan is approved and executed. Fields left out take the defaults below.

    `max_for_each_items` and `max_sub_plan_depth` (how deep sub-plans may nest below the root)
    came later and are dumped only when set, as is `separation_of_duties`: whoever created or
    revised the plan may not approve it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    require_approval: bool = False
    auto_approve: bool = False
    approvers: tuple[str, ...] = ()
    approval_timeout_ms: Annotated[int, Field(gt=0)] | None = None
    allow_parallel: bool = True
    max_parallel_steps: Annotated[int, Field(ge=1, le=1024)] = 4
    stop_on_error: bool = True
    continue_on_error: bool = False
    step_timeout_ms: Annotated[int, Field(gt=0)] | None = None
    total_timeout_ms: Annotated[int, Field(gt=0)] | None = None
    max_for_each_items: Annotated[int, Field(ge=1, le=MAX_STEPS)] = additive(MAX_FOR_EACH_ITEMS)
    max_sub_plan_depth: Annotated[int, Field(ge=0, le=100)] = additive(DEFAULT_MAX_SUB_PLAN_DEPTH)
    separation_of_duties: bool = additive(False)

    @property
    def parallel_slots(self) -> int:
        """How many steps may run at once."""
        return self.max_parallel_steps if self.allow_parallel else 1

    @property
    def stops_on_error(self) -> bool:
        """A failure stops the plan unless the user asked to continue on error."""
        return self.stop_on_error and not self.continue_on_error

    @property
    def needs_approval(self) -> bool:
        """Execution waits for a person's approval."""
        return self.require_approval and not self.auto_approve


Expression = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
"""A condition or template in the sandboxed expression language (the `Expressions` port)."""


def _tool_or_plan(schema: dict[str, JsonValue]) -> None:
    """In the JSON Schema too, a step names a tool or a plan (the validator fills in `tool`)."""
    required = schema.get("required")
    if isinstance(required, list):
        schema["required"] = [name for name in required if name != "tool"]
    schema["oneOf"] = [{"required": ["tool"]}, {"required": ["plan"]}]


class StepSpec(BaseModel):
    """One step: a call of a named tool with parameters, or a child plan, after its dependencies.

    String parameters may hold templates (`{{ steps.build.result.url }}`, `{{ plan.inputs.x }}`)
    resolved when the step starts; `when` is a condition evaluated when its trigger rule lets it
    run (false: skipped). `for_each` (a template that evaluates to a list) fans the step out
    into one child step per item (`ID[index]`), whose parameters may read `item` and `index`.
    A step with `plan` (an inline spec; files are inlined by the adapter that reads them) runs
    that child plan with `inputs` (templates too) instead of a tool; its `tool` is then
    `SUB_PLAN_TOOL`. `when`, `trigger`, `for_each`, `plan` and `inputs` came later and are
    dumped only when set.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_tool_or_plan)

    id: StepId
    tool: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    description: str = ""
    parameters: dict[str, JsonValue] = Field(default_factory=dict)
    depends_on: tuple[StepId, ...] = ()
    max_retries: Annotated[int, Field(ge=0, le=100)] = 0
    retry_delay_ms: Annotated[int, Field(ge=0)] = 0
    retry_backoff: Annotated[float, Field(ge=1.0, le=100.0)] = 1.0
    timeout_ms: Annotated[int, Field(gt=0)] | None = None
    idempotent: bool = True
    when: Expression | None = additive(None)
    trigger: TriggerRule = additive(TriggerRule.ALL_SUCCESS)
    for_each: Expression | None = additive(None)
    plan: PlanSpec | None = additive(None)
    inputs: dict[str, JsonValue] = additive(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _plan_or_tool(cls, data: object) -> object:
        """A step names a tool or a plan, never both; a plan step's tool is `SUB_PLAN_TOOL`."""
        if not isinstance(data, dict) or data.get("plan") is None:
            if isinstance(data, dict) and "inputs" in data and "tool" in data:
                raise ValueError("inputs belong to a step with plan; a tool step has parameters")
            return data
        if "tool" in data and data["tool"] != SUB_PLAN_TOOL:
            raise ValueError("a step has either tool or plan, not both")
        if data.get("parameters"):
            raise ValueError("a step with plan takes inputs, not parameters")
        if data.get("for_each") is not None:
            raise ValueError("a step with plan cannot have for_each; map over a tool step")
        return {**data, "tool": SUB_PLAN_TOOL}

    @property
    def is_sub_plan(self) -> bool:
        """True when the step runs a child plan rather than a tool."""
        return self.plan is not None


class PlanSpec(BaseModel):
    """A whole plan: a description, options and a DAG of steps.

    `inputs_schema` (a JSON Schema) checks the inputs given at creation; `outputs` maps names to
    templates resolved when the plan completes. Both came later and are dumped only when set.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    options: PlanOptions = Field(default_factory=PlanOptions)
    steps: Annotated[tuple[StepSpec, ...], Field(min_length=1, max_length=MAX_STEPS)]
    inputs_schema: dict[str, JsonValue] | None = additive(None)
    outputs: dict[Annotated[str, StringConstraints(min_length=1, max_length=100)], Expression] = (
        additive(default_factory=dict)
    )

    def step_timeout_ms(self, step: StepSpec) -> int | None:
        """The step's own timeout, else the plan's default step timeout."""
        return step.timeout_ms if step.timeout_ms is not None else self.options.step_timeout_ms


StepSpec.model_rebuild()
