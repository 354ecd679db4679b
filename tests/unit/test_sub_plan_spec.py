"""Plan steps in specs: inline children validated in full, named under the step, depth-limited."""

from __future__ import annotations

from typing import Any

from adapters.json_schema_checker import JsonSchemaChecker
from core.domain.errors import InvalidPlanSpecError, SpecProblem
from core.domain.spec import SUB_PLAN_TOOL, PlanSpec
from core.domain.validation import validate_spec
from tests.unit.builders import EXPRESSIONS, step
from tests.unit.test_spec_validation import TOOLS, as_text, echo, plan_data, problems_of


def child(*steps: object, **options: Any) -> dict[str, Any]:
    return {"description": "a child", "options": options, "steps": list(steps)}


def plan_step(step_id: str, spec: object, **fields: Any) -> dict[str, Any]:
    return {"id": step_id, "plan": spec, **fields}


def chain(levels: int, **root_options: Any) -> dict[str, Any]:
    """`levels` plans nested one in the next, a tool step at the bottom."""
    spec: dict[str, Any] = child(echo("leaf"))
    for level in range(levels - 1, 0, -1):
        spec = child(plan_step(f"level{level}", spec))
    return plan_data(plan_step("level0", spec), **root_options)


def test_a_plan_step_parses_with_the_plan_tool_and_its_inputs() -> None:
    data = plan_data(plan_step("deploy", child(echo("migrate")), inputs={"v": "1"}))

    spec = PlanSpec.model_validate(data)

    deploy = spec.steps[0]
    assert deploy.tool == SUB_PLAN_TOOL
    assert deploy.is_sub_plan
    assert deploy.plan is not None
    assert deploy.plan.steps[0].id == "migrate"
    assert deploy.inputs == {"v": "1"}


def test_a_plan_step_dumps_nothing_new_for_a_tool_step() -> None:
    spec = PlanSpec.model_validate(plan_data(echo("a")))

    dumped = spec.model_dump(mode="json")

    assert "plan" not in dumped["steps"][0]
    assert "inputs" not in dumped["steps"][0]
    assert "max_sub_plan_depth" not in dumped["options"]


def test_problems_inside_a_child_are_named_under_the_parent_step() -> None:
    data = plan_data(
        echo("build"),
        plan_step(
            "deploy",
            child(
                {"id": "migrate", "tool": "nope"},
                echo("check", "missing"),
                step("say", parameters={"message": "{{ steps.ghost.result }}"}),
            ),
            depends_on=["build"],
        ),
    )

    problems = as_text(problems_of(data))

    assert problems == {
        "steps[deploy].plan.steps[migrate].tool: unknown tool 'nope' (available: echo, sleep)",
        "steps[deploy].plan.steps[check].depends_on: unknown dependency 'missing'",
        "steps[deploy].plan.steps[say].parameters.message: references unknown step 'ghost'",
    }


def test_a_step_with_both_tool_and_plan_is_refused() -> None:
    data = plan_data({"id": "deploy", "tool": "echo", "plan": child(echo("a"))})

    assert as_text(problems_of(data)) == {"steps[deploy]: a step has either tool or plan, not both"}


def test_a_plan_step_takes_inputs_not_parameters() -> None:
    data = plan_data(plan_step("deploy", child(echo("a")), parameters={"x": 1}))

    assert as_text(problems_of(data)) == {
        "steps[deploy]: a step with plan takes inputs, not parameters"
    }


def test_inputs_templates_are_checked_like_parameters() -> None:
    data = plan_data(plan_step("deploy", child(echo("a")), inputs={"v": "{{ steps.nope.result }}"}))

    assert as_text(problems_of(data)) == {"steps[deploy].inputs.v: references unknown step 'nope'"}


def test_a_path_left_in_a_spec_is_refused_since_core_reads_no_files() -> None:
    data = plan_data(plan_step("deploy", "deploy_service.yaml"))

    problems = as_text(problems_of(data))

    assert "steps[deploy].plan: must be an inline plan spec (the CLI inlines files)" in problems


def test_nesting_deeper_than_max_sub_plan_depth_is_refused_naming_where() -> None:
    problems = as_text(problems_of(chain(3, max_sub_plan_depth=2)))

    assert problems == {
        "steps[level0].plan.steps[level1].plan.steps[level2].plan: "
        "nests 3 deep, over max_sub_plan_depth 2"
    }


def test_the_default_depth_limit_is_ten() -> None:
    PlanSpec.model_validate(chain(10))

    problems = as_text(problems_of(chain(11)))

    assert len(problems) == 1
    assert next(iter(problems)).endswith("nests 11 deep, over max_sub_plan_depth 10")


def test_a_child_can_lower_the_depth_limit_but_not_raise_it() -> None:
    spec = chain(2, max_sub_plan_depth=1)
    spec["steps"][0]["plan"]["options"] = {"max_sub_plan_depth": 50}

    problems = as_text(problems_of(spec))

    assert problems == {
        "steps[level0].plan.steps[level1].plan: nests 2 deep, over max_sub_plan_depth 1"
    }


SCHEMA = {
    "type": "object",
    "properties": {"replicas": {"type": "integer"}},
    "required": ["replicas"],
}


def test_literal_inputs_are_checked_against_the_child_schema_at_validation() -> None:
    data = plan_data(
        plan_step("deploy", child(echo("a")) | {"inputs_schema": SCHEMA}, inputs={"replicas": "3"})
    )

    problems = problems_of(data)

    assert [problem.location for problem in problems] == ["steps[deploy].inputs.replicas"]
    assert "integer" in problems[0].message


def test_templated_inputs_are_left_to_the_check_when_the_child_starts() -> None:
    data = plan_data(
        echo("count"),
        plan_step(
            "deploy",
            child(echo("a")) | {"inputs_schema": SCHEMA},
            depends_on=["count"],
            inputs={"replicas": "{{ steps.count.result }}"},
        ),
    )

    spec = PlanSpec.model_validate(data)

    assert spec.steps[1].inputs == {"replicas": "{{ steps.count.result }}"}
    assert problems_or_none(data) == []


def problems_or_none(data: object) -> list[SpecProblem]:
    try:
        validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())
    except InvalidPlanSpecError as error:
        return list(error.problems)
    return []
