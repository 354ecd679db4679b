"""The `planledger audit ...` commands and `show --at`: proving what happened, and when."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from adapters.audit import AuditReport, load_heads, verify_store
from adapters.bootstrap import open_store, read_models
from adapters.cli import exit_codes
from adapters.cli.app import IdArg, JsonOpt, _parse_id, _settings, handles_errors
from adapters.cli.render import render_status
from adapters.time_travel import parse_point, state_at
from core.plan_view import plan_view

audit_app = typer.Typer(
    name="audit",
    help="Audit the event log: verify every plan's hash chain.",
    no_args_is_help=True,
)

OptionalIdArg = Annotated[
    str | None, typer.Argument(help="Plan id (or --all).", show_default=False)
]
AllOpt = Annotated[bool, typer.Option("--all", help="Verify every plan in the store.")]
AtOpt = Annotated[
    str,
    typer.Option(
        "--at", help="A version (7) or an ISO-8601 time (no zone means UTC).", show_default=False
    ),
]


@audit_app.command("verify")
@handles_errors
def verify(
    plan_id: OptionalIdArg = None, all_plans: AllOpt = False, as_json: JsonOpt = False
) -> None:
    """Verify hash chains: exit 0 if every chain holds, 1 naming each broken plan and version.

    Heads recorded by the plan_summary read model (when it exists) reveal removed last events
    and events appended around the engine.
    """
    if (plan_id is None) != all_plans:
        raise typer.BadParameter("name one plan ID, or --all")
    store = open_store(_settings())
    try:
        plan_ids = None if plan_id is None else [_parse_id(plan_id)]
        with read_models(_settings()) as database:
            heads = load_heads(database)
        report = verify_store(store, plan_ids, heads)
    finally:
        store.close()
    if as_json:
        sys.stdout.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _render_report(Console(), report)
    raise typer.Exit(exit_codes.COMPLETED if report.verified else exit_codes.ENDED_UNSUCCESSFULLY)


def _render_report(console: Console, report: AuditReport) -> None:
    for finding in report.findings:
        console.print(
            f"[red]broken[/] plan {finding.plan_id} at version {finding.version}: "
            f"[bold]{finding.problem.value}[/] — {escape(finding.detail)}",
            highlight=False,
            soft_wrap=True,
        )
    plans = f"{report.plans_checked} plan{'s' * (report.plans_checked != 1)}"
    if report.verified:
        console.print(f"[green]verified[/] {plans}: every hash chain holds", highlight=False)
    else:
        console.print(f"{len(report.findings)} of {plans} broken", highlight=False)


@handles_errors
def show(plan_id: IdArg, at: AtOpt, as_json: JsonOpt = False) -> None:
    """Show a plan as it was at a version or a time (the shape of `status`); exit 0."""
    try:
        point = parse_point(at)
    except ValueError:
        raise typer.BadParameter(
            f"{at!r} is neither a version nor an ISO-8601 time", param_hint="--at"
        ) from None
    store = open_store(_settings())
    try:
        plan = state_at(store, _parse_id(plan_id), point)
    finally:
        store.close()
    view = plan_view(plan)
    if as_json:
        sys.stdout.write(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    console = Console()
    stamp = plan.last_event_at.isoformat() if plan.last_event_at else "?"
    console.print(f"as of version {plan.version} ({stamp})", highlight=False)
    render_status(console, view)
