"""The `python` tool: import `module.path:function_name` and call it with JSON keyword arguments."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

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


def register(registry: ToolRegistry, allowed_modules: tuple[str, ...] = ()) -> None:
    """Add the `python` tool to `registry`; with `allowed_modules`, only functions of those
    modules (or modules below them) may be called (`PLANLEDGER_PYTHON_MODULES`)."""
    registry.register(
        TOOL_NAME,
        parameters_allowing(allowed_modules),
        run_python,
        "Call a Python function, given as module.path:function_name, with keyword arguments.",
    )


def parameters_allowing(allowed_modules: tuple[str, ...]) -> type[PythonParameters]:
    """The parameter model that refuses a `function` outside `allowed_modules` (any if empty).

    The python tool runs in the engine's own process and can do whatever it can (read its
    settings, call `os:system`): where plans are not trusted, name the modules they may call.
    The check is the model's, so a spec that names another module is refused when validated,
    and an engine with a stricter list refuses it again at the call.
    """
    if not allowed_modules:
        return PythonParameters

    class AllowedPythonParameters(PythonParameters):
        @field_validator("function")
        @classmethod
        def _in_allowed_modules(cls, function: str) -> str:
            module = function.partition(":")[0]
            if not any(module == m or module.startswith(f"{m}.") for m in allowed_modules):
                raise ValueError(
                    f"module {module!r} is not allowed here "
                    f"(PLANLEDGER_PYTHON_MODULES: {', '.join(allowed_modules)})"
                )
            return function

    return AllowedPythonParameters


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
