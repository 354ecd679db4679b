"""Spec validation: every problem at once, each naming the step and the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from adapters.json_schema_checker import JsonSchemaChecker
from core.domain.errors import InvalidPlanSpecError, SpecProblem
from core.domain.graph import find_cycles
from core.domain.spec import PlanSpec
from core.domain.validation import validate_spec
from tests.unit.builders import EXPRESSIONS, step


class EchoParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str


class SleepParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0)


TOOLS: dict[str, type[BaseModel]] = {"echo": EchoParameters, "sleep": SleepParameters}


def echo(step_id: str, *depends_on: str, **fields: Any) -> dict[str, Any]:
    return step(step_id, *depends_on, parameters={"message": "hi"}, **fields)


def plan_data(*steps: object, **options: Any) -> dict[str, Any]:
    return {"description": "a plan", "options": options, "steps": list(steps)}


def problems_of(data: object) -> list[SpecProblem]:
    with pytest.raises(InvalidPlanSpecError) as raised:
        validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())
    return list(raised.value.problems)


def as_text(problems: list[SpecProblem]) -> set[str]:
    return {str(problem) for problem in problems}


def test_a_valid_spec_parses_with_defaults() -> None:
    data = {"description": "deploy", "steps": [echo("build"), echo("ship", "build")]}

    parsed = validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())

    assert isinstance(parsed, PlanSpec)
    assert [s.id for s in parsed.steps] == ["build", "ship"]
    assert parsed.steps[1].depends_on == ("build",)
    options = parsed.options
    assert options.require_approval is False
    assert options.auto_approve is False
    assert options.approvers == ()
    assert options.allow_parallel is True
    assert options.max_parallel_steps == 4
    assert options.stop_on_error is True
    assert options.continue_on_error is False
    assert options.step_timeout_ms is None
    assert options.total_timeout_ms is None
    build = parsed.steps[0]
    assert (build.max_retries, build.retry_delay_ms, build.retry_backoff) == (0, 0, 1.0)
    assert build.timeout_ms is None
    assert build.idempotent is True


def test_every_problem_in_a_spec_is_reported_at_once() -> None:
    data = plan_data(
        step("a", "b", parameters={"message": 1, "loud": True}),
        echo("b", "a", "ghost"),
        step("a", tool="nope", colour="red"),
        step("c", tool="sleep", parameters={"seconds": -1}, max_retries="three", timeout_ms=0),
    )

    problems = problems_of(data)

    assert as_text(problems) == {
        "steps[a].colour: unknown field",
        "steps[c].max_retries: "
        "Input should be a valid integer, unable to parse string as an integer",
        "steps[c].timeout_ms: Input should be greater than 0",
        "steps[a].id: duplicate step id 'a'",
        "steps[b].depends_on: unknown dependency 'ghost'",
        "steps[a].depends_on: dependency cycle: a -> b -> a",
        "steps[a].parameters.message: Input should be a valid string (tool 'echo')",
        "steps[a].parameters.loud: unknown parameter (tool 'echo')",
        "steps[a].tool: unknown tool 'nope' (available: echo, sleep)",
        "steps[c].parameters.seconds: Input should be greater than or equal to 0 (tool 'sleep')",
    }
    assert len(problems) == 10


def test_the_error_message_counts_and_lists_every_problem() -> None:
    data = plan_data(echo("a", "ghost"), echo("a"))

    with pytest.raises(InvalidPlanSpecError) as raised:
        validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())

    message = str(raised.value)
    assert message.startswith("invalid plan spec (2 problems):")
    assert "steps[a].depends_on: unknown dependency 'ghost'" in message
    assert "steps[a].id: duplicate step id 'a'" in message


def test_a_duplicate_step_id_names_the_step_and_the_id_field() -> None:
    data = plan_data(echo("a"), echo("b"), echo("a"))

    problems = problems_of(data)

    assert problems == [SpecProblem("steps[a].id", "duplicate step id 'a'")]


def test_an_unknown_dependency_names_the_dependant_and_the_missing_step() -> None:
    data = plan_data(echo("a"), echo("b", "a", "nowhere"))

    problems = problems_of(data)

    assert problems == [SpecProblem("steps[b].depends_on", "unknown dependency 'nowhere'")]


def test_a_dependency_cycle_is_named_as_a_path() -> None:
    data = plan_data(echo("a", "c"), echo("b", "a"), echo("c", "b"), echo("d"))

    problems = problems_of(data)

    assert len(problems) == 1
    assert problems[0].location == "steps[a].depends_on"
    assert problems[0].message == "dependency cycle: a -> c -> b -> a"


def test_a_step_depending_on_itself_is_a_cycle() -> None:
    data = plan_data(echo("a", "a"))

    problems = problems_of(data)

    assert problems == [SpecProblem("steps[a].depends_on", "dependency cycle: a -> a")]


def test_each_separate_cycle_is_reported_once() -> None:
    edges = {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"], "e": ["a"]}

    cycles = find_cycles(edges)

    assert cycles == [["a", "b", "a"], ["c", "d", "c"]]


def test_cycle_finding_handles_a_very_long_chain_without_recursion() -> None:
    edges = {f"s{i}": [f"s{i + 1}"] for i in range(50_000)}
    edges["s50000"] = ["s0"]

    cycles = find_cycles(edges)

    assert len(cycles) == 1
    assert cycles[0][0] == cycles[0][-1] == "s0"
    assert len(cycles[0]) == 50_002


def test_an_unknown_tool_lists_the_available_tools() -> None:
    data = plan_data(step("a", tool="rm_rf"))

    problems = problems_of(data)

    assert problems == [
        SpecProblem("steps[a].tool", "unknown tool 'rm_rf' (available: echo, sleep)")
    ]


def test_with_no_tools_enabled_the_message_says_none_are_available() -> None:
    data = plan_data(echo("a"))

    with pytest.raises(InvalidPlanSpecError) as raised:
        validate_spec(data, {}, EXPRESSIONS, JsonSchemaChecker())

    assert raised.value.problems == (
        SpecProblem("steps[a].tool", "unknown tool 'echo' (available: none)"),
    )


def test_parameters_are_checked_against_the_tools_schema() -> None:
    data = plan_data(
        step("missing", parameters={}),
        step("extra", parameters={"message": "x", "volume": 11}),
        step("negative", tool="sleep", parameters={"seconds": -0.5}),
    )

    problems = problems_of(data)

    assert as_text(problems) == {
        "steps[missing].parameters.message: Field required (tool 'echo')",
        "steps[extra].parameters.volume: unknown parameter (tool 'echo')",
        "steps[negative].parameters.seconds: "
        "Input should be greater than or equal to 0 (tool 'sleep')",
    }


def test_wrong_types_name_the_step_and_field() -> None:
    data = plan_data(
        echo("a", max_retries=-1, retry_backoff=0.5, idempotent="perhaps"),
        echo("b", depends_on="a"),
        max_parallel_steps=0,
        total_timeout_ms="soon",
    )

    problems = problems_of(data)

    assert {problem.location for problem in problems} == {
        "steps[a].max_retries",
        "steps[a].retry_backoff",
        "steps[a].idempotent",
        "steps[b].depends_on",
        "options.max_parallel_steps",
        "options.total_timeout_ms",
    }
    assert len(problems) == 6


def test_a_step_without_an_id_is_named_by_its_position() -> None:
    data = plan_data(echo("a"), {"tool": "echo", "parameters": {"message": "x"}})

    problems = problems_of(data)

    assert problems == [SpecProblem("steps[#1].id", "Field required")]


def test_unknown_fields_are_refused_everywhere() -> None:
    data = {**plan_data(echo("a", retries=3), paralel=True), "owner": "me"}

    problems = problems_of(data)

    assert as_text(problems) == {
        "steps[a].retries: unknown field",
        "options.paralel: unknown field",
        "owner: unknown field",
    }


def test_missing_description_and_empty_steps_are_reported() -> None:
    data: dict[str, Any] = {"steps": []}

    problems = problems_of(data)

    assert {problem.location for problem in problems} == {"description", "steps"}


def test_a_spec_that_is_not_a_mapping_is_refused() -> None:
    problems = problems_of(["not", "a", "spec"])

    assert problems == [SpecProblem("spec", "must be a mapping of fields")]


def test_continue_on_error_with_an_explicit_stop_on_error_is_inconsistent() -> None:
    data = plan_data(echo("a"), continue_on_error=True, stop_on_error=True)

    problems = problems_of(data)

    assert problems == [
        SpecProblem("options.continue_on_error", "cannot be true together with stop_on_error: true")
    ]


def test_continue_on_error_alone_overrides_the_default_stop_on_error() -> None:
    data = plan_data(echo("a"), continue_on_error=True)

    parsed = validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())

    assert parsed.options.stops_on_error is False


@pytest.mark.parametrize(
    ("option", "value"),
    [("approvers", ["bob"]), ("auto_approve", True), ("approval_timeout_ms", 1000)],
)
def test_approval_options_without_require_approval_are_inconsistent(
    option: str, value: object
) -> None:
    data = plan_data(echo("a"), **{option: value})

    problems = problems_of(data)

    assert problems == [SpecProblem(f"options.{option}", "has no effect without require_approval")]


def test_approvers_with_auto_approve_are_inconsistent() -> None:
    data = plan_data(echo("a"), require_approval=True, auto_approve=True, approvers=["bob"])

    problems = problems_of(data)

    assert problems == [SpecProblem("options.approvers", "has no effect with auto_approve: true")]


def test_several_parallel_steps_without_allow_parallel_are_inconsistent() -> None:
    data = plan_data(echo("a"), allow_parallel=False, max_parallel_steps=8)

    problems = problems_of(data)

    assert problems == [
        SpecProblem("options.max_parallel_steps", "is above 1 but allow_parallel is false")
    ]


def test_option_problems_are_reported_beside_problems_in_the_steps() -> None:
    data = plan_data(
        echo("a", timeout_ms=-5),
        continue_on_error=True,
        stop_on_error=True,
        approvers=["bob"],
    )

    problems = problems_of(data)

    assert as_text(problems) == {
        "steps[a].timeout_ms: Input should be greater than 0",
        "options.continue_on_error: cannot be true together with stop_on_error: true",
        "options.approvers: has no effect without require_approval",
    }


def test_steps_given_as_python_tuples_are_checked_like_lists() -> None:
    data = {
        "description": "built in Python",
        "steps": (
            {"id": "a", "tool": "nope", "depends_on": ("b",)},
            {"id": "b", "tool": "echo", "parameters": {"message": "x"}, "depends_on": ("a",)},
        ),
    }

    problems = problems_of(data)

    assert as_text(problems) == {
        "steps[a].tool: unknown tool 'nope' (available: echo, sleep)",
        "steps[a].depends_on: dependency cycle: a -> b -> a",
    }


def test_a_step_that_is_not_a_mapping_does_not_shift_the_names_of_later_steps() -> None:
    data = plan_data("junk", echo("a"), echo("b", max_retries=-1))

    problems = problems_of(data)

    assert as_text(problems) == {
        "steps[#0]: Input should be a valid dictionary or instance of StepSpec",
        "steps[b].max_retries: Input should be greater than or equal to 0",
    }


def test_a_parameter_that_is_not_json_is_refused_with_its_step_and_path() -> None:
    data = plan_data(step("a", parameters={"message": "hi", "on": date(2024, 1, 1)}))

    problems = problems_of(data)

    assert any(problem.location.startswith("steps[a].parameters.on") for problem in problems)
