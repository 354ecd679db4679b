"""The `planledger audit ...` commands and `show --at`: proving what happened, and when."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from adapters.audit import AuditReport
from adapters.audit.checkpoints import append_to_file, take_checkpoint
from adapters.bootstrap import ledger, open_store, read_models
from adapters.cli import exit_codes
from adapters.cli.audit_render import render_audit_report
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
from adapters.cli.plan_id_group import PLAN_COMMAND, PlanIdGroup
from adapters.cli.read_render import render_audit_trail
from adapters.cli.render import render_status
from adapters.cli.time_option import parse_moment
from adapters.time_travel import parse_point

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
VerifiedOpt = Annotated[
    bool, typer.Option("--verified", help="Check each row against its event in the log.")
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
def trail(plan_id: IdArg, as_json: JsonOpt = False, verified: VerifiedOpt = False) -> None:
    """One plan's approvals, rejections, cancellations, resumes and revisions, in order.

    With --verified each row is checked against its event; exit 1 if one does not hold.
    """
    with ledger(current_settings(), project=False) as plans:
        actions = plans.audit_trail(parse_id(plan_id), verified=verified)
    answer(actions, as_json, render_audit_trail)
    if any(action.get("verified") is False for action in actions):
        raise typer.Exit(exit_codes.ENDED_UNSUCCESSFULLY)


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
    verified: VerifiedOpt = False,
) -> None:
    """Write every audited action of every plan in time order (count on stderr).

    With --verified each row also says whether its event proves it; exit 1 if one does not.
    """
    with ledger(current_settings(), project=False) as plans:
        if output is None:
            count = plans.export_audit(sys.stdout, since=since, form=form, verified=verified)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                count = plans.export_audit(out, since=since, form=form, verified=verified)
    written = count.written
    stderr_console().print(f"exported {written} action{'s' * (written != 1)}", highlight=False)
    if count.unproven:
        stderr_console().print(f"[red]{count.unproven} action(s) not proven by their events[/]")
        raise typer.Exit(exit_codes.ENDED_UNSUCCESSFULLY)


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
    keys: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            help="Directory of trusted NAME.pub keys: check every signature "
            "(default: $PLANLEDGER_TRUSTED_KEYS).",
            file_okay=False,
        ),
    ] = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints", help="A file of checkpoints (JSON lines) to check the log against."
        ),
    ] = None,
) -> None:
    """Verify the store: exit 0 if nothing was found, 1 naming each plan, version and problem.

    Chains always; signatures with --keys; the whole log and every plan's head with
    --checkpoints; the read models against a fold of the log (lag is reported, never a finding);
    on PostgreSQL the append-only guard.
    """
    if (plan_id is None) != all_plans:
        raise typer.BadParameter("name one plan ID, or --all")
    settings = current_settings()
    if metrics_file is not None and settings.server.url is not None:
        raise typer.BadParameter(
            "writes a file here: run it where the store is", param_hint="--metrics-file"
        )
    plan_ids = None if plan_id is None else [parse_id(plan_id)]
    with ledger(settings, project=False) as plans:
        document = plans.verify(plan_ids, keys=keys, checkpoints=checkpoints)
    report = AuditReport.from_document(document)
    if metrics_file is not None:
        from adapters.metrics.verify_metrics import write_verify_metrics

        write_verify_metrics(report, metrics_file)
    if as_json:
        print_json(report.to_json())
        for note in report.notes:
            stderr_console().print(f"note: {note}", highlight=False, soft_wrap=True)
    else:
        render_audit_report(Console(), report)
    raise typer.Exit(exit_codes.COMPLETED if report.verified else exit_codes.ENDED_UNSUCCESSFULLY)


@audit_app.command("checkpoint")
@handles_errors
def checkpoint(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Also append it to this file (keep it outside the database).",
            dir_okay=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign the log as it stands (position, digest, every plan's head); keep it in the store."""
    refuse_through_server("audit checkpoint")
    settings = current_settings()
    store = open_store(settings)
    try:
        with read_models(settings) as database:
            taken = take_checkpoint(store, database, store.signer)
    finally:
        store.close()
    if output is not None:
        append_to_file(output, taken)
    if as_json:
        typer.echo(taken.to_line().decode().strip())
        return
    where = f"; appended to {output}" if output is not None else ""
    typer.echo(
        f"checkpoint at position {taken.position}: {taken.log_digest}, "
        f"{len(taken.heads)} plan(s), signed by {taken.key_id}{where}"
    )


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
