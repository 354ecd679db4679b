"""One tool call, run on a call thread: every way it can end becomes an `Outcome`.

A failed call is a fact to record, never an exception that escapes the engine. What the call
returns is turned into JSON as the store will give it back (so a replay equals the live run),
scrubbed of the plan's secret values (see `secret_calls`), and refused if it cannot be stored.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError, to_jsonable_python

from core.domain.decisions import Outcome
from core.domain.errors import ToolFailedError
from core.domain.events import StepStarted
from core.domain.json_value import JsonValue, unstorable_part
from core.domain.ports import Clock
from core.domain.result_refs import BlobRef
from core.domain.scheduler import elapsed_ms
from core.runtime.large_results import RESULT_TOO_LARGE, LargeResults, ResultTooLargeError
from core.runtime.secret_calls import CallSecrets
from core.runtime.tools import Tool, ToolContext

Failure = tuple[str, str, JsonValue]
"""An error type, its message, and the details the tool gave beside it."""


def call_tool(
    tool: Tool[BaseModel] | None,
    clock: Clock,
    event: StepStarted,
    context: ToolContext,
    secrets: CallSecrets,
    results: LargeResults,
) -> Outcome:
    """Run `tool`, the one `event` started (None: not enabled here), with `secrets.parameters`;
    how it ended, as an `Outcome`.

    A large result is stored apart and recorded by reference (see `large_results`).
    """
    started = clock.now()
    result: JsonValue = None
    ref: BlobRef | None = None
    error = secrets.failure and (*secrets.failure, None)
    if error is None and tool is None:
        error = ("unknown_tool", f"tool {event.tool!r} is not enabled here", None)
    elif error is None and tool is not None:
        try:
            result = secrets.scrub(to_jsonable_python(tool.invoke(secrets.parameters, context)))
            unstorable = unstorable_part(result)
            if unstorable is not None:
                error = ("invalid_result", f"the result cannot be stored: {unstorable}", None)
            else:
                result, ref = results.kept(result)
        except ResultTooLargeError as too_large:
            error = (RESULT_TOO_LARGE, str(too_large), None)
        except ToolFailedError as failure:
            details = to_jsonable_python(failure.details, fallback=repr)
            error = (failure.error_type, failure.message, details)
        except PydanticSerializationError as unserialisable:
            error = ("invalid_result", f"the result is not JSON: {unserialisable}", None)
        except ValidationError as invalid:
            error = ("invalid_parameters", str(invalid), None)
        except Exception as exc:  # a tool's own failure is a fact to record
            error = (type(exc).__name__, str(exc) or repr(exc), None)
    duration = elapsed_ms(started, clock.now())
    if error is None:
        return Outcome(event.step_id, event.attempt, duration, result=result, result_ref=ref)
    error_type, message, details = error
    return Outcome(
        event.step_id,
        event.attempt,
        duration,
        error_type=error_type,
        message=str(secrets.scrub(message)),
        details=secrets.scrub(details),
    )
