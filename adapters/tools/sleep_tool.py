"""The `sleep` tool: wait a number of milliseconds, stopping early when the call is cancelled."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core import ToolContext, ToolFailedError, ToolRegistry

TOOL_NAME = "sleep"


class SleepParameters(BaseModel):
    """Parameters of the `sleep` tool."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ms: int = Field(ge=0, le=86_400_000, description="How long to wait, in milliseconds.")


def run_sleep(params: SleepParameters, context: ToolContext) -> dict[str, int]:
    """Wait `ms` milliseconds unless cancelled first."""
    if context.cancelled.wait(params.ms / 1000):
        raise ToolFailedError("cancelled", f"sleep of {params.ms} ms cancelled")
    return {"slept_ms": params.ms}


def register(registry: ToolRegistry) -> None:
    """Add the `sleep` tool to `registry`."""
    registry.register(TOOL_NAME, SleepParameters, run_sleep, "Wait a number of milliseconds.")
