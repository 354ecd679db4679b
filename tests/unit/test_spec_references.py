"""Validation of templates, conditions, trigger rules, outputs and the inputs schema."""

from __future__ import annotations

from typing import Any

from adapters.json_schema_checker import JsonSchemaChecker
from core.domain.trigger_rules import TriggerRule
from core.domain.validation import validate_spec
from tests.unit.builders import EXPRESSIONS, step
from tests.unit.test_spec_validation import TOOLS, as_text, echo, plan_data, problems_of


def message(text: str, *depends_on: str, **fields: Any) -> dict[str, Any]:
    return step(text, *depends_on, parameters={"message": fields.pop("uses")}, **fields)


def test_references_to_ancestors_and_inputs_are_valid() -> None:
    data = plan_data(
        echo("build"),
        echo("test", "build"),
        message("ship", "test", uses="{{ steps.build.result }} to {{ plan.inputs.env }}"),
        echo("notify", "ship", when="steps.build.status == 'completed'", trigger="all_done"),
    )

    parsed = validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())

    assert parsed.steps[3].trigger is TriggerRule.ALL_DONE
    assert parsed.steps[3].when == "steps.build.status == 'completed'"


def test_a_reference_to_a_step_that_is_not_an_ancestor_names_step_and_field() -> None:
    data = plan_data(
        echo("build"),
        echo("lint"),
        message("ship", "build", uses="{{ steps.lint.result }}"),
        echo("after", "ship", when="steps.after.result"),
    )

    assert as_text(problems_of(data)) == {
        "steps[ship].parameters.message: references step 'lint', which is not an ancestor of "
        "'ship' (add it to depends_on, directly or through another step)",
        "steps[after].when: references step 'after', which is not an ancestor of 'after' "
        "(add it to depends_on, directly or through another step)",
    }


def test_unknown_steps_bad_syntax_and_forbidden_names_are_each_reported() -> None:
    data = plan_data(
        echo("build"),
        message("a", "build", uses="{{ steps.ghost.result }}"),
        message("b", "build", uses="{{ steps.build.result "),
        echo("c", "build", when="steps.build.result ==="),
        echo("d", "build", when="cycler.__init__.__globals__"),
        echo("e", "build", trigger="sometimes"),
    )

    found = {(problem.location, problem.message.split(" (in ")[0]) for problem in problems_of(data)}

    assert ("steps[a].parameters.message", "references unknown step 'ghost'") in found
    assert any(where == "steps[b].parameters.message" and "Syntax" in what for where, what in found)
    assert any(where == "steps[c].when" and "Syntax" in what for where, what in found)
    assert (
        "steps[d].when",
        "unknown name 'cycler': expressions read steps.ID… and plan.inputs…",
    ) in (found)
    assert any(where == "steps[e].trigger" for where, _ in found)


def test_outputs_may_read_any_step_but_not_an_unknown_one() -> None:
    data = plan_data(echo("build"), echo("lint"))
    data["outputs"] = {"ok": "{{ steps.lint.result }}", "bad": "{{ steps.nope.result }}"}

    assert as_text(problems_of(data)) == {"outputs.bad: references unknown step 'nope'"}


def test_a_templated_parameter_is_not_type_checked_until_it_is_resolved() -> None:
    data = plan_data(
        echo("build"),
        step("wait", "build", tool="sleep", parameters={"seconds": "{{ steps.build.result }}"}),
    )

    parsed = validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())

    assert parsed.steps[1].parameters == {"seconds": "{{ steps.build.result }}"}


def test_an_invalid_inputs_schema_is_reported() -> None:
    data = plan_data(echo("build"))
    data["inputs_schema"] = {"type": "object", "properties": {"env": {"type": "colour"}}}

    problems = problems_of(data)

    assert [problem.location for problem in problems] == ["inputs_schema"]
    assert "not a valid JSON Schema" in problems[0].message


def test_a_closed_inputs_schema_catches_inputs_it_does_not_declare() -> None:
    data = plan_data(
        message("greet", uses="hi {{ plan.inputs.name }} {{ plan.inputs['nmae'] }}"),
        echo("bye", "greet", when="plan.inputs.leaving"),
    )
    data["inputs_schema"] = {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "additionalProperties": False,
    }
    data["outputs"] = {"who": "{{ plan.inputs.name }}"}

    assert as_text(problems_of(data)) == {
        "steps[greet].parameters.message: reads input 'nmae', which inputs_schema does not declare",
        "steps[bye].when: reads input 'leaving', which inputs_schema does not declare",
    }
