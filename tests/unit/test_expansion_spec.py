"""`for_each` in a spec: validated like other references, stored only when used."""

from __future__ import annotations

from typing import Any

from adapters.json_schema_checker import JsonSchemaChecker
from core.domain.spec import MAX_FOR_EACH_ITEMS, PlanOptions, PlanSpec, StepSpec
from core.domain.validation import validate_spec
from tests.unit.builders import EXPRESSIONS, step
from tests.unit.test_spec_validation import TOOLS, as_text, echo, plan_data, problems_of


def per_item(step_id: str, *depends_on: str, uses: str, **fields: Any) -> dict[str, Any]:
    return step(step_id, *depends_on, parameters={"message": uses}, **fields)


def test_a_for_each_step_may_read_item_and_index_in_its_parameters() -> None:
    data = plan_data(
        echo("list"),
        per_item(
            "map", "list", uses="{{ item.name }} at {{ index }}", for_each="{{ steps.list.result }}"
        ),
        per_item("sum", "map", uses="{{ steps.map.result | length }}"),
        max_for_each_items=50,
    )

    parsed = validate_spec(data, TOOLS, EXPRESSIONS, JsonSchemaChecker())

    assert parsed.steps[1].for_each == "{{ steps.list.result }}"
    assert parsed.options.max_for_each_items == 50


def test_item_and_index_outside_the_parameters_of_a_for_each_step_are_refused() -> None:
    data = plan_data(
        echo("list"),
        per_item("plain", "list", uses="{{ item }}"),
        echo("map", "list", for_each="{{ steps.list.result }}", when="index > 1"),
    )
    data["outputs"] = {"last": "{{ index }}"}

    problems = as_text(problems_of(data))

    only = "item and index can only be read in the parameters of a step with for_each"
    assert f"steps[plain].parameters.message: {only}" in problems
    assert f"steps[map].when: {only}" in problems
    assert any(problem.startswith("outputs.last: unknown name 'index'") for problem in problems)


def test_a_for_each_must_be_a_template_reading_only_ancestors() -> None:
    data = plan_data(
        echo("list"),
        echo("other"),
        echo("literal", "list", for_each="steps.list.result"),
        echo("stray", "list", for_each="{{ steps.other.result }}"),
        max_for_each_items=0,
    )

    assert as_text(problems_of(data)) == {
        "steps[literal].for_each: must be a template that evaluates to a list, like "
        "{{ steps.ID.result.items }}",
        "steps[stray].for_each: references step 'other', which is not an ancestor of 'stray' "
        "(add it to depends_on, directly or through another step)",
        "options.max_for_each_items: Input should be greater than or equal to 1",
    }


def test_specs_that_do_not_use_for_each_keep_their_stored_form() -> None:
    plain = StepSpec(id="a", tool="echo")
    options = PlanOptions()

    assert "for_each" not in plain.model_dump(mode="json")
    assert "max_for_each_items" not in options.model_dump(mode="json")
    assert options.max_for_each_items == MAX_FOR_EACH_ITEMS
    spec = PlanSpec(description="d", steps=(StepSpec(id="m", tool="echo", for_each="{{ 1 }}"),))
    assert spec.model_dump(mode="json")["steps"][0]["for_each"] == "{{ 1 }}"
