"""The read-side commands: `plans`, `tools`, `projections` and the long-running `projector`.

Queries read the read-model tables and never load a plan; the projection commands run or
inspect the projector. Like every command, each one only parses, calls, and renders.
"""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from adapters.audit.checkpoint_schedule import CheckpointSchedule
from adapters.audit.checkpoints import UnsignedCheckpointError
from adapters.bootstrap import ledger, read_side, signer_of
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
from adapters.cli.local_only import refuse_through_server
from adapters.cli.metrics_options import (
    DEFAULT_METRICS_HOST,
    MetricsHostOpt,
    MetricsPortOpt,
    projector_metrics,
    served_metrics,
)
from adapters.cli.read_render import (
    render_plan_page,
    render_projection_status,
    render_timeline,
    render_tool_stats,
)
from adapters.cli.render import render_status
from adapters.cli.time_option import parse_moment
from adapters.ledger import PlanQuery
from adapters.read_models import ProjectionReport
from adapters.settings import Settings

plans_app = typer.Typer(
    name="plans", help="Plans from the read models: list and show.", no_args_is_help=True
)
tools_app = typer.Typer(
    name="tools", help="Tool statistics from the read models.", no_args_is_help=True
)
projections_app = typer.Typer(
    name="projections", help="Projection status and rebuilds.", no_args_is_help=True
)


@plans_app.command("list")
@handles_errors
def list_command(
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only this status; `paused` for plans paused now."),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option("--since", parser=parse_moment, metavar="TIME", help="Created at or after."),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option("--until", parser=parse_moment, metavar="TIME", help="Created before."),
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="Name or description contains this.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Page size.")] = 50,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="The cursor the previous page printed.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List plans, newest first, one page at a time."""
    query = PlanQuery(status, since, until, text, limit, cursor)
    with ledger(current_settings(), project=False) as plans:
        page = plans.list_plans(query)
    if as_json:
        print_json(page)
    else:
        render_plan_page(Console(), page["plans"], page["next_cursor"])


@plans_app.command("show")
@handles_errors
def show_command(plan_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show a plan and its steps (the same shape as `status --json`), from the read models."""
    with ledger(current_settings(), project=False) as plans:
        view = plans.plan_details(parse_id(plan_id))
    answer(view, as_json, render_status)


@tools_app.command("stats")
@handles_errors
def stats_command(as_json: JsonOpt = False) -> None:
    """Calls, failures, retries, timeouts and p50/p95 duration per tool."""
    with ledger(current_settings(), project=False) as plans:
        stats = plans.tool_stats()
    answer(stats, as_json, render_tool_stats)


@projections_app.command("status")
@handles_errors
def status_command(as_json: JsonOpt = False) -> None:
    """Each projection's position, lag and last error; exit 1 if one has stopped on an error."""
    with ledger(current_settings(), project=False) as plans:
        status = plans.projection_status()
    answer(status, as_json, render_projection_status)
    if any(item["last_error"] for item in status):
        raise typer.Exit(exit_codes.ENDED_UNSUCCESSFULLY)


@projections_app.command("rebuild")
@handles_errors
def rebuild_command(
    name: Annotated[
        str | None, typer.Argument(help="Projection (default: all).", show_default=False)
    ] = None,
) -> None:
    """Rebuild projections from the first event into new tables, then swap them in atomically."""
    refuse_through_server("projections rebuild")
    with read_side(current_settings()) as side:
        reports = side.rebuild(name)
    _print_reports(reports, "rebuilt")


@handles_errors
def projector_command(
    metrics_port: MetricsPortOpt = None,
    metrics_host: MetricsHostOpt = DEFAULT_METRICS_HOST,
    verify_every: Annotated[
        float | None,
        typer.Option(
            "--verify-every",
            min=1.0,
            help="With --metrics-port: verify every hash chain every S seconds, on /metrics.",
            show_default=False,
        ),
    ] = None,
    checkpoint_every_s: Annotated[
        float | None,
        typer.Option(
            "--checkpoint-every",
            min=1.0,
            metavar="SECONDS",
            help="Also sign a checkpoint of the log this often (needs PLANLEDGER_SIGNING_KEY).",
        ),
    ] = None,
    checkpoint_output: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint-output", help="Append each checkpoint to this file.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Follow the event log and keep every read model current until SIGINT or SIGTERM."""
    refuse_through_server("projector")
    if verify_every is not None and metrics_port is None:
        raise typer.BadParameter(
            "needs --metrics-port to show what it finds", param_hint="--verify-every"
        )
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    settings = current_settings()
    signer = signer_of(settings) if checkpoint_every_s is not None else None
    if checkpoint_every_s is not None and signer is None:
        raise UnsignedCheckpointError()
    with (
        read_side(settings) as side,
        served_metrics(projector_metrics(side, settings, verify_every), metrics_port, metrics_host),
    ):
        schedule = None
        if checkpoint_every_s is not None and signer is not None:
            store = side.log.store
            schedule = CheckpointSchedule(
                store, side.database, signer, checkpoint_every_s, checkpoint_output
            )
            schedule.start()
        stderr_console().print(f"projector following {settings.store_url}; Ctrl-C stops it")
        try:
            side.projector.follow(stop)
            reports = side.projector.catch_up()
        finally:
            if schedule is not None:
                schedule.stop()
    _print_reports(reports, "stopped")


def _print_reports(reports: list[ProjectionReport], verb: str) -> None:
    for report in reports:
        typer.echo(f"{report.name}: {verb} at position {report.position}")
    failures = [report.failure for report in reports if report.failure is not None]
    for failure in failures:
        stderr_console().print(f"[red]error:[/] {failure}", highlight=False, soft_wrap=True)
    if failures:
        raise typer.Exit(exit_codes.ENDED_UNSUCCESSFULLY)


def print_timeline(settings: Settings, plan_id: str, step_id: str | None, as_json: bool) -> None:
    """`history ID --timeline/--step S`: each step attempt from the step history view."""
    with ledger(settings, project=False) as plans:
        attempts = plans.timeline(parse_id(plan_id), step_id)
    answer(attempts, as_json, render_timeline)


def register_read_commands(app: typer.Typer) -> None:
    """Add the read-side command groups and `projector` to the root app."""
    app.add_typer(plans_app, name="plans")
    app.add_typer(tools_app, name="tools")
    app.add_typer(projections_app, name="projections")
    app.command("projector")(projector_command)
