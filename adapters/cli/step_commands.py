"""`planledger step complete|fail`: the outcome of an external step, reported from outside.

A person, an agent or another system that carried out a step with `tool: external` reports
here; the event names them (`--by`). Whoever runs the plan (a worker, or a `run`/`execute`
still waiting on it) goes on from that event.
"""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from adapters.bootstrap import planledger
from adapters.cli.command_context import (
    IdArg,
    JsonOpt,
    answer,
    current_settings,
    handles_errors,
    parse_id,
)
from adapters.cli.render import status_view
from core import InvalidStepTransitionError, JsonObject, JsonValue, PlanState, StepStatus

step_app = typer.Typer(
    name="step",
    help="Report the outcome of an external step (`tool: external`) carried out outside.",
    no_args_is_help=True,
)

StepArg = Annotated[str, typer.Argument(help="Step id.", show_default=False)]
ByOption = Annotated[str, typer.Option("--by", help="Who carried it out (required).")]
AttemptOption = Annotated[
    int | None,
    typer.Option("--attempt", help="The attempt reported on; refused if another one awaits."),
]


def _answer(plan: PlanState, step_id: str, as_json: bool) -> None:
    """The plan as `status --json` shows it, or one line: the step and what the plan does now."""

    def line(console: Console, view: JsonObject) -> None:
        step = plan.steps[step_id]
        status = step.status.value
        if step.status is StepStatus.PENDING and step.retry_at is not None:
            status = f"failed, retry at {step.retry_at.isoformat()}"
        said = f"step {step_id} {status}; plan {view['status']}"
        console.print(f"{view['id']} {escape(said)}", highlight=False)

    answer(status_view(plan), as_json, line)


def _result(plan_id: str, step_id: str, text: str | None) -> JsonValue:
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InvalidStepTransitionError(
            parse_id(plan_id), step_id, "complete", f"--result-json is not JSON: {error}"
        ) from None


@step_app.command("complete")
@handles_errors
def complete(
    plan_id: IdArg,
    step: StepArg,
    by: ByOption,
    result_json: Annotated[
        str | None, typer.Option("--result-json", help="The step's result, as JSON.")
    ] = None,
    attempt: AttemptOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that an external step was carried out, with its result."""
    result = _result(plan_id, step, result_json)
    with planledger(current_settings(), project=True) as service:
        plan = service.complete_step(parse_id(plan_id), step, by=by, result=result, attempt=attempt)
    _answer(plan, step, as_json)


@step_app.command("fail")
@handles_errors
def fail(
    plan_id: IdArg,
    step: StepArg,
    by: ByOption,
    error: Annotated[str, typer.Option("--error", help="Why it could not be done.")],
    attempt: AttemptOption = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that an external step could not be carried out (retried as its policy says)."""
    with planledger(current_settings(), project=True) as service:
        plan = service.fail_step(parse_id(plan_id), step, by=by, error=error, attempt=attempt)
    _answer(plan, step, as_json)
