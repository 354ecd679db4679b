"""The operator commands: `pause`, `unpause`, `retry` and `skip`, each recorded with who and why.

Like `cancel`, each only parses, calls one service method and renders. A `retry` or `skip` that
reopens an ended plan needs nothing more: its events are what lets a worker claim the plan again.
"""

from __future__ import annotations

from typing import Annotated

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
from core import JsonObject, StepStatus

StepArg = Annotated[str, typer.Argument(help="Step id.", show_default=False)]
ByOption = Annotated[str, typer.Option("--by", help="Who does this (required).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why.")]


def _answer(view: JsonObject, as_json: bool, said: str) -> None:
    """The plan as `status` shows it with `--json`; else one line saying what happened."""

    def line(console: Console, view: JsonObject) -> None:
        console.print(f"{view['id']} {view['status']}: {escape(said)}", highlight=False)

    answer(view, as_json, line)


def _goes_on(view: JsonObject) -> str:
    if view["paused"]:
        return "it stays paused: `planledger unpause` lets it go on"
    return "`planledger resume ID` runs it here, or a worker picks it up"


@handles_errors
def pause_command(
    plan_id: IdArg, by: ByOption, reason: ReasonOption, as_json: JsonOpt = False
) -> None:
    """Pause a plan: running steps finish, no new step starts until `unpause`."""
    with ledger(current_settings()) as plans:
        view = plans.pause(parse_id(plan_id), by=actor(by), reason=reason)
    _answer(view, as_json, f"paused by {by}; running steps finish, nothing new starts")


@handles_errors
def unpause_command(
    plan_id: IdArg, by: ByOption, reason: ReasonOption = "", as_json: JsonOpt = False
) -> None:
    """Lift a plan's pause: a run or worker watching it starts steps again."""
    with ledger(current_settings()) as plans:
        view = plans.unpause(parse_id(plan_id), by=actor(by), reason=reason)
    _answer(view, as_json, f"unpaused by {by}")


@handles_errors
def retry_command(
    plan_id: IdArg,
    step: StepArg,
    by: ByOption,
    reason: ReasonOption = "",
    as_json: JsonOpt = False,
) -> None:
    """Re-run a failed step and what was skipped because of it (reopens a failed plan)."""
    with ledger(current_settings()) as plans:
        view = plans.retry(parse_id(plan_id), step, by=actor(by), reason=reason)
    pending = [item["id"] for item in view["steps"] if item["status"] == StepStatus.PENDING]
    said = f"step {step} will run again (pending now: {', '.join(pending)}); {_goes_on(view)}"
    _answer(view, as_json, said)


@handles_errors
def skip_command(
    plan_id: IdArg,
    step: StepArg,
    by: ByOption,
    reason: ReasonOption,
    as_json: JsonOpt = False,
) -> None:
    """Mark a failed or pending step skipped so its dependants may run (reopens a failed plan)."""
    with ledger(current_settings()) as plans:
        view = plans.skip(parse_id(plan_id), step, by=actor(by), reason=reason)
    _answer(view, as_json, f"step {step} skipped by {by}; {_goes_on(view)}")


def register_operator_commands(app: typer.Typer) -> None:
    """Add `pause`, `unpause`, `retry` and `skip` to the root app."""
    app.command("pause")(pause_command)
    app.command("unpause")(unpause_command)
    app.command("retry")(retry_command)
    app.command("skip")(skip_command)
