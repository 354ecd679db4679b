"""The `python` tool: import `module.path:function_name` and call it with JSON keyword arguments."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from adapters.tools.tool_trace_context import current_trace_context
from core import ToolContext, ToolFailedError, ToolRegistry

TOOL_NAME = "python"
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
FUNCTION_PATTERN = rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*:{_IDENTIFIER}$"


class PythonParameters(BaseModel):
    """Parameters of the `python` tool."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    function: str = Field(
        pattern=FUNCTION_PATTERN,
        description="The function to call, as `module.path:function_name`.",
    )
    kwargs: dict[str, JsonValue] = Field(
        default_factory=dict, description="Keyword arguments passed to the function."
    )


def run_python(params: PythonParameters, context: ToolContext) -> JsonValue:
    """Call the function; its result must be JSON and is returned as JSON decodes it.

    Exceptions raised by the function itself propagate unchanged. While it runs, the attempt's
    span is the current OpenTelemetry context (see `adapters.tools.tool_trace_context`), so
    spans it starts join the plan's trace.
    """
    function = _resolve(params.function)
    with current_trace_context(context.traceparent):
        result = function(**params.kwargs)
    try:
        encoded = json.dumps(result, allow_nan=False)
    except (TypeError, ValueError) as error:
        message = f"{params.function} returned a {type(result).__name__} that is not JSON: {error}"
        raise ToolFailedError("result_not_json", message) from None
    decoded: JsonValue = json.loads(encoded)
    return decoded


def register(registry: ToolRegistry) -> None:
    """Add the `python` tool to `registry`."""
    registry.register(
        TOOL_NAME,
        PythonParameters,
        run_python,
        "Call a Python function, given as module.path:function_name, with keyword arguments.",
    )


def _resolve(reference: str) -> Callable[..., object]:
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        message = f"cannot import {module_name!r}: {type(error).__name__}: {error}"
        raise ToolFailedError("import_error", message) from None
    function: object = getattr(module, attribute, None)
    if not callable(function):
        message = f"{module_name!r} has no callable {attribute!r}"
        raise ToolFailedError("function_not_found", message)
    return function
