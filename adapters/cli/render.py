"""Rendering for people: status and history tables, and live progress lines."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapters.cli.status_table import STATUS_STYLES as STATUS_STYLES
from adapters.cli.status_table import render_status as render_status
from adapters.cli.status_table import shortened as _short
from adapters.cli.status_table import styled as styled
from adapters.read_models.queries import iso
from core import (
    TERMINAL_EVENTS,
    JsonObject,
    PlanEvent,
    PlanPaused,
    PlanReopened,
    PlanState,
    PlanUnpaused,
    StepAdded,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepPreparationFailed,
    StepRemoved,
    StepRetryRequested,
    StepRevised,
    StepsExpanded,
    StepsGathered,
    StepSkipped,
    StepSkippedByOperator,
    StepStarted,
    StepTimedOut,
    SubPlanStarted,
    plan_view,
)


def status_view(plan: PlanState) -> JsonObject:
    """What `status`, `show --at` and `plans show` print: the plan view, inputs, outputs, pause.

    A sub-plan also shows its parent (`sub_plan_of`), a parent the child each plan step started.
    """
    paused = None
    if plan.paused and plan.paused_by is not None:
        paused = {"by": plan.paused_by, "reason": plan.pause_reason, "at": iso(plan.paused_at)}
    view: JsonObject = {
        **plan_view(plan),
        "inputs": plan.inputs,
        "outputs": plan.outputs,
        "paused": paused,
    }
    if plan.parent_plan_id is not None:
        view["sub_plan_of"] = {
            "parent_plan_id": str(plan.parent_plan_id),
            "parent_step_id": plan.parent_step_id,
            "root_plan_id": str(plan.root_id),
            "depth": plan.depth,
        }
    children = {
        step_id: {"child_plan_id": str(step.child_plan_id), "attempt": step.attempt}
        for step_id, step in plan.steps.items()
        if step.child_plan_id is not None
    }
    if children:
        view["sub_plans"] = children
    return view


HISTORY_DETAILS = (
    "step_id",
    "attempt",
    "by",
    "comment",
    "reason",
    "error_type",
    "message",
    "duration_ms",
    "retry_at",
    "timeout_ms",
    "approval_required",
    "deadline",
    "interrupted_steps",
    "reopened_steps",
    "field",
    "failed_items",
    "first_failed",
    "inputs",
    "parameters",
    "outputs",
    "fields",
    "source_plan_id",
    "source_version",
    "from_step",
    "step",
)
"""Fields the history table shows, in this order; `--json` has all of them."""


def _detail(value: Any) -> str:
    """Parameters, inputs and outputs as JSON, as they were recorded."""
    return orjson.dumps(value).decode() if isinstance(value, dict | list) else str(value)


def render_history(console: Console, records: list[dict[str, Any]]) -> None:
    """One row per event: version, time, type, actor and its key fields."""
    table = Table(show_edge=False, pad_edge=False)
    for column in ("v", "time", "event", "actor", "details"):
        table.add_column(column, overflow="fold")
    for record in records:
        details = [
            f"{key}={_detail(record[key])}"
            for key in HISTORY_DETAILS
            if record.get(key) not in (None, "", [], {}, False)
        ]
        table.add_row(
            str(record["version"]),
            record["timestamp"][11:23],
            record["type"],
            escape(record["actor"]),
            escape(_short(" ".join(details), 160)),
        )
    console.print(table)


class ProgressPrinter:
    """Prints one line per step event as the engine records it: the live view of a run.

    A sub-plan's lines start with the path of plan steps that led to it (`deploy_api > `).
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._paths: dict[UUID, str] = {}

    def __call__(self, event: PlanEvent) -> None:
        self.follow(event)
        line = self.line(event)
        if line is not None:
            self._console.print(line, highlight=False)

    def follow(self, event: PlanEvent) -> None:
        """Note the path of a sub-plan as it starts, for the lines of its events."""
        if isinstance(event, SubPlanStarted):
            path = f"{self._paths.get(event.plan_id, '')}{event.step_id} > "
            self._paths[event.child_plan_id] = path

    def line(self, event: PlanEvent) -> str | None:
        """The event's progress line (rich markup), if it has one."""
        line = self._line(event)
        if line is not None:
            path = escape(self._paths.get(event.plan_id, ""))
            if path:
                line = f"  [dim]{path}[/]{line.removeprefix('  ')}"
        return line

    def _line(self, event: PlanEvent) -> str | None:
        match event:
            case StepStarted():
                return (
                    f"  [cyan]▶[/] {event.step_id} [dim]attempt {event.attempt} ({event.tool})[/]"
                )
            case StepCompleted():
                return f"  [green]✓[/] {event.step_id} [dim]{event.duration_ms} ms[/]"
            case StepFailed():
                retry = f", retry at {event.retry_at:%H:%M:%S}" if event.retry_at else ""
                message = escape(f"{event.error_type}: {_short(event.message)}")
                return f"  [red]✗[/] {event.step_id} {message}{retry}"
            case StepTimedOut():
                return f"  [red]⏱[/] {event.step_id} timed out after {event.timeout_ms} ms"
            case StepSkipped():
                return f"  [dim]⏭ {event.step_id} skipped: {escape(event.reason)}[/]"
            case StepPreparationFailed():
                message = escape(f"{event.error_type} in {event.field}: {_short(event.message)}")
                return f"  [red]✗[/] {event.step_id} {message}"
            case StepCancelled():
                return f"  [magenta]■[/] {event.step_id} cancelled: {escape(event.reason)}"
            case SubPlanStarted():
                return f"  [cyan]⤷[/] {event.step_id} [dim]runs sub-plan {event.child_plan_id}[/]"
            case StepInterrupted():
                attempt = event.attempt
                return f"  [yellow]↻[/] {event.step_id} attempt {attempt} was interrupted; re-run"
            case StepAdded() | StepRevised() | StepRemoved():
                return _revision_line(event)
            case StepsExpanded():
                count = len(event.items)
                return f"  [cyan]⇉[/] {event.step_id} [dim]expanded into {count} item(s)[/]"
            case StepsGathered(failed_items=0):
                return f"  [green]✓[/] {event.step_id} [dim]gathered {len(event.result)} item(s)[/]"
            case StepsGathered():
                return f"  [red]✗[/] {event.step_id} {escape(event.error_message)}"
        if type(event) in TERMINAL_EVENTS:
            status = TERMINAL_EVENTS[type(event)].value
            return f"plan {styled(status)}"
        return _operator_line(event)


def _revision_line(event: StepAdded | StepRevised | StepRemoved) -> str:
    """A revision seen while the plan runs: which step, what happened, who and why."""
    match event:
        case StepAdded(step=step):
            what = f"{step.id} added"
        case StepRevised(step=step, fields=fields):
            what = f"{step.id} revised ({', '.join(fields)})"
        case StepRemoved(step_id=step_id):
            what = f"{step_id} removed"
    return f"  [blue]✎[/] {escape(what)} by {escape(event.by)}: {escape(_short(event.reason))}"


def _operator_line(event: PlanEvent) -> str | None:
    """An operator's action, as a run that watches the plan shows it."""
    match event:
        case PlanPaused(by=by, reason=reason):
            return f"[yellow]⏸ paused by {escape(by)}: {escape(reason)}[/] (waiting for unpause)"
        case PlanUnpaused(by=by):
            return f"[cyan]▶ unpaused by {escape(by)}[/]"
        case PlanReopened(by=by):
            return f"plan reopened by {escape(by)}"
        case StepRetryRequested(step_id=step_id, by=by, reopened_steps=reopened):
            again = f"; back to pending: {', '.join(reopened)}" if reopened else ""
            return f"  [cyan]↻[/] {step_id} retry requested by {escape(by)}{escape(again)}"
        case StepSkippedByOperator(step_id=step_id, by=by, reason=reason):
            return f"  [dim]⏭ {step_id} skipped by {escape(by)}: {escape(reason)}[/]"
    return None
