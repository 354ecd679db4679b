"""Tools as capabilities: the registry of named, typed tools and what a tool call receives.

A tool is a function of validated parameters (a pydantic model) and a `ToolContext`. It returns
a JSON value or raises; the engine records either as an event. Raising `ToolFailedError` chooses
the recorded error type; any other exception is recorded under its class name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel

from core.domain.external_steps import EXTERNAL_TOOL
from core.domain.json_value import JsonObject, JsonValue

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class ToolContext:
    """What a tool call knows beside its parameters.

    `cancelled` is set when the engine gives up on the call (timeout, cancel): a long-running
    tool should watch it and stop early. `traceparent` is the W3C trace context of the attempt's
    span: a tool that makes spans of its own (or calls a service that does) continues from it.
    """

    plan_id: UUID
    step_id: str
    attempt: int
    worker: str
    timeout_ms: int | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    traceparent: str | None = None


@dataclass(frozen=True)
class Tool(Generic[P]):
    """A named tool: its parameter model and the function that runs it."""

    name: str
    parameters: type[P]
    run: Callable[[P, ToolContext], JsonValue]
    description: str = ""
    inline: bool = False
    """The tool returns at once and waits on nothing (no I/O, no sleep): the engine runs it on
    its own thread instead of handing it to a call thread and back. A timeout or cancel cannot
    interrupt an inline call, so only a bounded, in-memory tool may say so."""

    def invoke(self, parameters: JsonObject, context: ToolContext) -> JsonValue:
        """Validate raw parameters with the tool's model, then run the tool."""
        return self.run(self.parameters.model_validate(parameters), context)


class ToolRegistry(Mapping[str, Tool[BaseModel]]):
    """The tools a deployment enables, by name."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool[BaseModel]] = {}

    def register(
        self,
        name: str,
        parameters: type[P],
        run: Callable[[P, ToolContext], JsonValue],
        description: str = "",
        *,
        inline: bool = False,
    ) -> None:
        """Add a tool; a name can be registered once, and not as a kind of step (`external`)."""
        if name in self._tools:
            raise ValueError(f"tool {name!r} is already registered")
        if name == EXTERNAL_TOOL:
            raise ValueError(f"{name!r} names steps carried out outside the engine, not a tool")
        tool: Tool[P] = Tool(name, parameters, run, description, inline)
        self._tools[name] = tool  # type: ignore[assignment]

    def schemas(self) -> dict[str, type[BaseModel]]:
        """Tool name -> parameter model, for spec validation."""
        return {name: tool.parameters for name, tool in self._tools.items()}

    def __getitem__(self, name: str) -> Tool[BaseModel]:
        return self._tools[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def __len__(self) -> int:
        return len(self._tools)
