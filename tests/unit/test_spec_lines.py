"""A spec typed into the UI: each validator problem is placed on the line it is about."""

from __future__ import annotations

import pytest

from adapters.ui.spec_lines import parse_spec_text, place_problems
from core import InvalidPlanSpecError, SpecProblem

TEXT = """name: x
steps:
  - id: a
    tool: echo
  - id: b
    tool: nope
    parameters:
      command: 3
  - id: b
    tool: echo
"""


def test_each_problem_is_placed_on_the_line_of_its_field() -> None:
    problems = (
        SpecProblem("steps[b].tool", "unknown tool"),
        SpecProblem("steps[a].parameters.value", "Field required"),
        SpecProblem("description", "Field required"),
        SpecProblem("steps[b].id", "duplicate step id 'b'"),
    )

    placed = place_problems(TEXT, problems)

    assert [problem.line for problem in placed] == [10, 3, 1, 9]


def test_a_syntax_error_names_its_line_and_an_empty_spec_is_refused() -> None:
    with pytest.raises(InvalidPlanSpecError) as broken:
        parse_spec_text("steps:\n  - id: a\n   tool: [echo\n")
    with pytest.raises(InvalidPlanSpecError):
        parse_spec_text("")

    placed = place_problems("", broken.value.problems)
    assert placed[0].field.startswith("line ")
    assert placed[0].line == int(placed[0].field.split()[1])
