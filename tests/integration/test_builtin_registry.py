"""The registry of built-in tools: which it enables, how it validates, its public surface."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import adapters.tools
from adapters.tools import BUILTIN_TOOL_NAMES, builtin_registry
from core.domain.json_value import JsonValue
from tests.integration.tool_calls import make_context


def test_builtin_registry_has_every_builtin_tool_with_a_one_line_description() -> None:
    registry = builtin_registry()

    assert tuple(registry) == BUILTIN_TOOL_NAMES == ("shell", "python", "sleep", "echo")
    for tool in registry.values():
        assert tool.description
        assert "\n" not in tool.description


def test_builtin_registry_enables_only_the_named_tools() -> None:
    registry = builtin_registry(enabled=["echo", "sleep"])

    assert set(registry) == {"echo", "sleep"}


def test_builtin_registry_rejects_an_unknown_tool_name_naming_it() -> None:
    with pytest.raises(ValueError, match="'teleport'"):
        builtin_registry(enabled=["echo", "teleport"])


def test_builtin_tool_invoked_through_the_registry_validates_then_runs() -> None:
    tool = builtin_registry()["echo"]

    result = tool.invoke({"value": {"k": [1]}}, make_context())

    assert result == {"k": [1]}


MINIMAL_PARAMETERS: dict[str, dict[str, JsonValue]] = {
    "shell": {"command": ["true"]},
    "python": {"function": "json:dumps"},
    "sleep": {"ms": 0},
    "echo": {"value": 1},
}


@pytest.mark.parametrize("name", BUILTIN_TOOL_NAMES)
def test_builtin_parameter_models_reject_unknown_fields_and_are_frozen(name: str) -> None:
    model = builtin_registry()[name].parameters
    valid = MINIMAL_PARAMETERS[name]

    with pytest.raises(ValidationError):
        model.model_validate({**valid, "unexpected": 1})
    parameters = model.model_validate(valid)
    with pytest.raises(ValidationError):
        setattr(parameters, next(iter(valid)), None)


def test_builtin_tools_package_public_surface_is_pinned() -> None:
    assert sorted(adapters.tools.__all__) == ["BUILTIN_TOOL_NAMES", "builtin_registry"]
