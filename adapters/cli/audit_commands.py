"""The `planledger audit ...` commands and `show --at`: proving what happened, and when."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from adapters.audit import AuditReport, load_heads, verify_store
from adapters.bootstrap import open_store, read_models
from adapters.cli import exit_codes
from adapters.cli.command_context import (
    IdArg,
    JsonOpt,
    answer,
    current_settings,
    handles_errors,
    parse_id,
    print_json,
    stderr_console,
)
from adapters.cli.plan_id_group import PLAN_COMMAND, PlanIdGroup
from adapters.cli.read_render import render_audit_trail
from adapters.cli.render import render_status, status_view
from adapters.cli.time_option import parse_moment
from adapters.read_models import audit_trail, export_audit
from adapters.time_travel import parse_point, state_at

audit_app = typer.Typer(
    name="audit",
    cls=PlanIdGroup,
    help=(
        "Who did what, and proof that nothing changed: `audit ID` lists a plan's human and "
        "policy actions; `export` writes all of them; `verify` checks every hash chain."
    ),
    no_args_is_help=True,
)

ExportForm = Literal["jsonl", "csv"]

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


@audit_app.command(PLAN_COMMAND, hidden=True)
@handles_errors
def trail(plan_id: IdArg, as_json: JsonOpt = False) -> None:
    """One plan's approvals, rejections, cancellations, resumes and revisions, in order."""
    with read_models(current_settings()) as database:
        actions = audit_trail(database, parse_id(plan_id))
    answer(actions, as_json, render_audit_trail)


@audit_app.command("export")
@handles_errors
def export(
    form: Annotated[
        ExportForm, typer.Option("--format", help="jsonl: one JSON object per line; csv.")
    ] = "jsonl",
    since: Annotated[
        datetime | None,
        typer.Option("--since", parser=parse_moment, metavar="TIME", help="Actions at or after."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of stdout.", dir_okay=False),
    ] = None,
) -> None:
    """Write every audited action of every plan in time order (count on stderr)."""
    with read_models(current_settings()) as database:
        if output is None:
            written = export_audit(database, sys.stdout, since=since, form=form)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                written = export_audit(database, out, since=since, form=form)
    stderr_console().print(f"exported {written} action{'s' * (written != 1)}", highlight=False)


@audit_app.command("verify")
@handles_errors
def verify(
    plan_id: OptionalIdArg = None,
    all_plans: AllOpt = False,
    as_json: JsonOpt = False,
    metrics_file: Annotated[
        Path | None,
        typer.Option(
            "--metrics-file",
            help="Also write the findings as Prometheus gauges here (node_exporter's textfile).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Verify hash chains: exit 0 if every chain holds, 1 naming each broken plan and version.

    Heads recorded by the plan_summary read model (when it exists) reveal removed last events
    and events appended around the engine.
    """
    if (plan_id is None) != all_plans:
        raise typer.BadParameter("name one plan ID, or --all")
    store = open_store(current_settings())
    try:
        plan_ids = None if plan_id is None else [parse_id(plan_id)]
        with read_models(current_settings()) as database:
            heads = load_heads(database)
        report = verify_store(store, plan_ids, heads)
    finally:
        store.close()
    if metrics_file is not None:
        from adapters.metrics.verify_metrics import write_verify_metrics

        write_verify_metrics(report, metrics_file)
    if as_json:
        print_json(report.to_json())
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
    store = open_store(current_settings())
    try:
        plan = state_at(store, parse_id(plan_id), point)
    finally:
        store.close()
    view = status_view(plan)
    if as_json:
        print_json(view)
        return
    console = Console()
    stamp = plan.last_event_at.isoformat() if plan.last_event_at else "?"
    console.print(f"as of version {plan.version} ({stamp})", highlight=False)
    render_status(console, view)
