"""`planledger step complete|fail`: the outcome of an external step, reported from outside.

A person, an agent or another system that carried out a step with `tool: external` reports
here; the event names them (`--by` locally; through `--server`, the token's principal).
Whoever runs the plan (a worker, a server, or a `run`/`execute` still waiting on it) goes on
from that event.
"""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from adapters.bootstrap import ledger
from adapters.cli.command_context import (
    IdArg,
    JsonOpt,
    actor,
    answer,
    current_settings,
    handles_errors,
    parse_id,
)
from adapters.ledger import StepReportAnswer
from core import InvalidStepTransitionError, JsonObject, JsonValue

step_app = typer.Typer(
    name="step",
    help="Report the outcome of an external step (`tool: external`) carried out outside.",
    no_args_is_help=True,
)

StepArg = Annotated[str, typer.Argument(help="Step id.", show_default=False)]
ByOption = Annotated[
    str,
    typer.Option("--by", help="Who carried it out (required; through a server, the token's)."),
]
AttemptOption = Annotated[
    int | None,
    typer.Option("--attempt", help="The attempt reported on; refused if another one awaits."),
]


def _answer(report: StepReportAnswer, step_id: str, as_json: bool) -> None:
    """The plan as `status --json` shows it, or one line: the step and what the plan does now."""

    def line(console: Console, view: JsonObject) -> None:
        status = report.step_status
        if report.retry_at is not None:
            status = f"failed, retry at {report.retry_at}"
        said = f"step {step_id} {status}; plan {view['status']}"
        console.print(f"{view['id']} {escape(said)}", highlight=False)

    answer(report.view, as_json, line)


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
    with ledger(current_settings()) as plans:
        report = plans.complete_step(
            parse_id(plan_id), step, by=actor(by), result=result, attempt=attempt
        )
    _answer(report, step, as_json)


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
    with ledger(current_settings()) as plans:
        report = plans.fail_step(
            parse_id(plan_id), step, by=actor(by), error=error, attempt=attempt
        )
    _answer(report, step, as_json)
