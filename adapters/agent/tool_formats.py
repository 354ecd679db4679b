"""The notebook's tool definitions in OpenAI's and Anthropic's tool formats.

Both wrap the same JSON Schema (from the arguments' pydantic models), so what a model is told
and what the dispatcher accepts cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from core import JsonObject, ToolDefinition, tool_definitions

ToolFormat = Literal["openai", "anthropic"]


def _openai(tool: ToolDefinition) -> JsonObject:
    """Chat Completions' `tools` entry."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def _anthropic(tool: ToolDefinition) -> JsonObject:
    """The Messages API's `tools` entry."""
    return {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}


TOOL_FORMATS: dict[str, Callable[[ToolDefinition], JsonObject]] = {
    "openai": _openai,
    "anthropic": _anthropic,
}


def tools_in_format(
    form: ToolFormat, tools: Sequence[ToolDefinition] | None = None
) -> list[JsonObject]:
    """Every notebook tool function (or `tools`) as the provider's API expects it."""
    return [TOOL_FORMATS[form](tool) for tool in (tools or tool_definitions())]
