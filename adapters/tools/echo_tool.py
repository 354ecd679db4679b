"""The `echo` tool: return its JSON value unchanged."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from core import ToolContext, ToolRegistry

TOOL_NAME = "echo"


class EchoParameters(BaseModel):
    """Parameters of the `echo` tool."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: JsonValue = Field(description="Any JSON value, returned as the result.")


def run_echo(params: EchoParameters, context: ToolContext) -> JsonValue:
    """Return the value."""
    return params.value


def register(registry: ToolRegistry) -> None:
    """Add the `echo` tool to `registry`."""
    registry.register(
        TOOL_NAME, EchoParameters, run_echo, "Return the given JSON value unchanged.", inline=True
    )
