"""A spec typed into the UI: parsed from YAML or JSON text, and each problem placed on its line.

The validator names fields (`steps[build].parameters.command`); a person editing text wants the
line. The text is composed once into YAML nodes (which know their lines), and each problem's
field is walked as far as the text has it: a missing field points at the mapping that lacks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from adapters.spec_text import SpecShapeError, load_spec_text
from core import InvalidPlanSpecError, SpecProblem

MAX_SPEC_CHARS = 1_000_000
_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


@dataclass(frozen=True)
class PlacedProblem:
    """A spec problem and the 1-based line of the text it belongs to."""

    field: str
    message: str
    line: int


def parse_spec_text(text: str) -> object:
    """The spec the text holds; a syntax error is an `InvalidPlanSpecError` naming its line."""
    if len(text) > MAX_SPEC_CHARS:
        raise InvalidPlanSpecError([SpecProblem("spec", f"over {MAX_SPEC_CHARS} characters")])
    try:
        data = load_spec_text(text, MAX_SPEC_CHARS)
    except SpecShapeError as error:
        raise InvalidPlanSpecError([SpecProblem("spec", str(error))]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "spec"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        problems = [SpecProblem(where, f"malformed YAML/JSON: {problem}")]
        raise InvalidPlanSpecError(problems) from None
    if data is None:
        raise InvalidPlanSpecError([SpecProblem("spec", "the spec is empty")])
    return data


def place_problems(text: str, problems: tuple[SpecProblem, ...]) -> list[PlacedProblem]:
    """Each problem with the line its field is on (1 when the text cannot say)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        root = None
    placed = []
    for problem in problems:
        line = _syntax_line(problem.location)
        if line is None:
            line = 1 if root is None else _line_of(root, problem.location)
        placed.append(PlacedProblem(problem.location, problem.message, line))
    return placed


def _syntax_line(location: str) -> int | None:
    found = re.fullmatch(r"line (\d+)", location)
    return int(found.group(1)) if found else None


def _line_of(root: yaml.Node, location: str) -> int:
    """The line of the deepest node the field's path reaches."""
    node = root
    for name, index in _SEGMENT.findall(location):
        child = _child(node, name or index, by_id=not name)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _child(node: yaml.Node, key: str, *, by_id: bool) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((value for name, value in node.value if name.value == key), None)
    if isinstance(node, yaml.SequenceNode) and by_id:
        if key.isdigit() and int(key) < len(node.value):
            item: yaml.Node = node.value[int(key)]
            return item
        matches = [item for item in node.value if _id_of(item) == key]
        return matches[-1] if matches else None  # a duplicate id is reported on its second use
    return None


def _id_of(node: yaml.Node) -> str | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value.value for name, value in node.value if name.value == "id"), None)
