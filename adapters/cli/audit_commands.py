"""The `planledger audit ...` commands and `show --at`: proving what happened, and when."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from adapters.audit import load_heads, verify_store
from adapters.bootstrap import ledger, open_store, read_models
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
from adapters.cli.render import render_status
from adapters.cli.time_option import parse_moment
from adapters.time_travel import parse_point
from core import JsonObject

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
    with ledger(current_settings(), project=False) as plans:
        actions = plans.audit_trail(parse_id(plan_id))
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
    with ledger(current_settings(), project=False) as plans:
        if output is None:
            written = plans.export_audit(sys.stdout, since=since, form=form)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                written = plans.export_audit(out, since=since, form=form)
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
    settings = current_settings()
    if metrics_file is not None and settings.server.url is not None:
        raise typer.BadParameter(
            "writes a file here: run it where the store is", param_hint="--metrics-file"
        )
    plan_ids = None if plan_id is None else [parse_id(plan_id)]
    if metrics_file is not None:
        store = open_store(settings)
        try:
            with read_models(settings) as database:
                report_ = verify_store(store, plan_ids, load_heads(database))
        finally:
            store.close()
        from adapters.metrics.verify_metrics import write_verify_metrics

        write_verify_metrics(report_, metrics_file)
    with ledger(settings, project=False) as plans:
        report = plans.verify(plan_ids)
    if as_json:
        findings = [
            {key: f[key] for key in ("plan_id", "version", "problem")} for f in report["findings"]
        ]
        print_json({"plans_checked": report["plans_checked"], "findings": findings})
    else:
        _render_report(Console(), report)
    raise typer.Exit(
        exit_codes.COMPLETED if report["verified"] else exit_codes.ENDED_UNSUCCESSFULLY
    )


def _render_report(console: Console, report: JsonObject) -> None:
    for finding in report["findings"]:
        console.print(
            f"[red]broken[/] plan {finding['plan_id']} at version {finding['version']}: "
            f"[bold]{finding['problem']}[/] — {escape(finding['detail'])}",
            highlight=False,
            soft_wrap=True,
        )
    checked = report["plans_checked"]
    plans = f"{checked} plan{'s' * (checked != 1)}"
    if report["verified"]:
        console.print(f"[green]verified[/] {plans}: every hash chain holds", highlight=False)
    else:
        console.print(f"{len(report['findings'])} of {plans} broken", highlight=False)


@handles_errors
def show(plan_id: IdArg, at: AtOpt, as_json: JsonOpt = False) -> None:
    """Show a plan as it was at a version or a time (the shape of `status`); exit 0."""
    try:
        parse_point(at)
    except ValueError:
        raise typer.BadParameter(
            f"{at!r} is neither a version nor an ISO-8601 time", param_hint="--at"
        ) from None
    with ledger(current_settings(), project=False) as plans:
        view = plans.show_at(parse_id(plan_id), at)
    stamp = view.pop("as_of") or "?"
    if as_json:
        print_json(view)
        return
    console = Console()
    console.print(f"as of version {view['version']} ({stamp})", highlight=False)
    render_status(console, view)
