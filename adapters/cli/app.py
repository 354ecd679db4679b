"""The `planledger` commands. Each one parses input, calls one service method, renders, exits."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Annotated

import typer
from rich.console import Console

from adapters.bootstrap import build_tools, ledger, planledger, refuse_if_leased, validate_spec_data
from adapters.cli.agent_commands import agent_app, mcp_command
from adapters.cli.audit_commands import audit_app, show
from adapters.cli.command_context import (
    ByOpt,
    FileArg,
    IdArg,
    JsonOpt,
    TraceparentOpt,
    actor,
    answer,
    current_settings,
    finish_view,
    handles_errors,
    parse_id,
    stderr_console,
    use_settings,
)
from adapters.cli.generate_commands import generate_command
from adapters.cli.graph_commands import TimelineForm, print_gantt, register_graph_commands
from adapters.cli.key_commands import keys_app
from adapters.cli.live_progress import LiveProgress
from adapters.cli.operator_commands import register_operator_commands
from adapters.cli.plan_inputs import InputOpt, InputsFileOpt, read_inputs
from adapters.cli.plan_notes import say_if_approval_expires, say_if_paused
from adapters.cli.read_commands import print_timeline, register_read_commands
from adapters.cli.render import render_history, status_view
from adapters.cli.revision_commands import register_revision_commands
from adapters.cli.secret_commands import secrets_app
from adapters.cli.serve_commands import register_serve_commands
from adapters.cli.spec_file import read_plan_spec_file
from adapters.cli.step_commands import step_app
from adapters.cli.worker_commands import register_worker_commands
from adapters.ledger.local_ledger import spec_schema
from adapters.logging_setup import configure_logging, log_event
from adapters.settings import Settings
from adapters.tools.isolation import isolate_engine_process
from core import Callbacks, PlanEvent, PlanService, PlanState

app = typer.Typer(
    name="planledger",
    help="Event-sourced plan execution: every change is an event you can audit and replay.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
@handles_errors
def configure(
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help="sqlite:///PATH, postgresql://..., memory:// (env PLANLEDGER_STORE)."
        ),
    ] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log JSON lines to stderr.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every event to stderr.")
    ] = False,
    server: Annotated[
        str | None,
        typer.Option("--server", help="Go through this planledger server (env PLANLEDGER_SERVER)."),
    ] = None,
) -> None:
    """Options shared by every command."""
    base = Settings.from_env()
    level = "info" if (verbose or log_json) else base.log_level
    remote = base.server if server is None else replace(base.server, url=server)
    use_settings(
        base.with_overrides(
            store_url=store, log_json=log_json or None, log_level=level, server=remote
        )
    )
    settings = current_settings()
    configure_logging(json_lines=settings.log_json, level=settings.log_level)
    isolate_engine_process()  # settings are read: tools may not read them from this process


def _callbacks(progress: LiveProgress | None) -> Callbacks:
    def on_event(event: PlanEvent) -> None:
        log_event(event)
        if progress is not None:
            progress(event)

    return Callbacks(on_event=on_event)


@contextmanager
def _engine_showing_progress(console: Console, as_json: bool) -> Iterator[PlanService]:
    """An engine that shows live progress (none with `--json`, where nobody watches the screen)
    and catches the read models up at the end; the progress ends on the run's final state."""
    progress = None if as_json else LiveProgress(console)
    with planledger(current_settings(), callbacks=_callbacks(progress), project=True) as engine:
        try:
            yield engine
        finally:
            if progress is not None:
                progress.close()


def _finish(plan: PlanState, as_json: bool) -> None:
    finish_view(status_view(plan), as_json)


@app.command()
@handles_errors
def run(
    file: FileArg,
    approve_as: Annotated[
        str | None, typer.Option("--approve-as", help="Approve as this person if needed.")
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
    input_pairs: InputOpt = None,
    inputs_file: InputsFileOpt = None,
    traceparent: TraceparentOpt = None,
) -> None:
    """Create a plan, approve it if asked, and execute it to the end with live progress."""
    data = read_plan_spec_file(file)
    inputs = read_inputs(data, input_pairs, inputs_file)
    console = stderr_console() if as_json else Console()
    if current_settings().server.url is not None:
        from adapters.cli.remote_commands import run_remotely

        view = run_remotely(
            current_settings(),
            data,
            inputs=inputs,
            approve=approve_as is not None,
            traceparent=traceparent,
            console=console,
        )
        finish_view(view, as_json)
    with _engine_showing_progress(console, as_json) as service:
        plan = service.run(
            data,
            by=by or current_settings().actor,
            approve_as=approve_as,
            comment="approved on the command line",
            inputs=inputs,
            traceparent=traceparent,
            on_created=lambda plan_id: console.print(f"plan {plan_id}", highlight=False),
        )
    _finish(plan, as_json)


@app.command()
@handles_errors
def create(
    file: FileArg,
    by: ByOpt = None,
    input_pairs: InputOpt = None,
    inputs_file: InputsFileOpt = None,
    traceparent: TraceparentOpt = None,
) -> None:
    """Create a plan and print only its id."""
    data = read_plan_spec_file(file)
    inputs = read_inputs(data, input_pairs, inputs_file)
    with ledger(current_settings()) as plans:
        plan_id = plans.create(data, by=actor(by), inputs=inputs, traceparent=traceparent)
        typer.echo(str(plan_id))


@app.command()
@handles_errors
def approve(
    plan_id: IdArg,
    by: Annotated[str, typer.Option("--by", help="Who approves.")],
    comment: Annotated[str, typer.Option("--comment", help="Why.")] = "",
) -> None:
    """Approve a plan that waits for approval."""
    with ledger(current_settings()) as plans:
        view = plans.approve(parse_id(plan_id), by=actor(by), comment=comment)
    typer.echo(f"{view['id']} {view['status']}")


@app.command()
@handles_errors
def reject(
    plan_id: IdArg,
    by: Annotated[str, typer.Option("--by", help="Who rejects.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
) -> None:
    """Reject a plan that waits for approval."""
    with ledger(current_settings()) as plans:
        view = plans.reject(parse_id(plan_id), by=actor(by), reason=reason)
    typer.echo(f"{view['id']} {view['status']}")


@app.command()
@handles_errors
def cancel(
    plan_id: IdArg,
    by: Annotated[str, typer.Option("--by", help="Who cancels.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
) -> None:
    """Cancel a plan that has not ended; an engine running it stops its tools."""
    with ledger(current_settings()) as plans:
        view = plans.cancel(parse_id(plan_id), by=actor(by), reason=reason)
    typer.echo(f"{view['id']} {view['status']}")


@app.command()
@handles_errors
def execute(plan_id: IdArg, as_json: JsonOpt = False) -> None:
    """Execute an approved plan (or go on with an executing one) to the end.

    Attempts another process left running are refused with a pointer to `resume`.
    """
    console = stderr_console() if as_json else Console()
    if current_settings().server.url is not None:
        from adapters.cli.remote_commands import execute_remotely

        finish_view(execute_remotely(current_settings(), parse_id(plan_id), console), as_json)
    with _engine_showing_progress(console, as_json) as service:
        plan = service.execute(
            parse_id(plan_id),
            on_loaded=functools.partial(say_if_paused, console),
            refuse_left_running=True,
        )
    _finish(plan, as_json)


@app.command()
@handles_errors
def resume(plan_id: IdArg, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """Go on after any stop: completed steps never re-run; interrupted ones re-run or fail."""
    console = stderr_console() if as_json else Console()
    if current_settings().server.url is not None:
        from adapters.cli.remote_commands import resume_remotely

        finish_view(resume_remotely(current_settings(), parse_id(plan_id), console), as_json)
    refuse_if_leased(current_settings(), parse_id(plan_id))
    with _engine_showing_progress(console, as_json) as service:
        plan = service.resume(
            parse_id(plan_id),
            by=by or current_settings().actor,
            on_loaded=functools.partial(say_if_paused, console),
        )
    _finish(plan, as_json)


@app.command()
@handles_errors
def status(plan_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show a plan's status, steps and summary; the exit code says how the plan stands."""
    with ledger(current_settings(), project=False) as plans:
        answer_ = plans.status(parse_id(plan_id))
    say_if_approval_expires(stderr_console(), answer_.approval_deadline)
    finish_view(answer_.view, as_json)


@app.command()
@handles_errors
def history(
    plan_id: IdArg,
    as_json: JsonOpt = False,
    step: Annotated[
        str | None, typer.Option("--step", help="Only this step's attempts (a timeline).")
    ] = None,
    timeline: Annotated[
        bool, typer.Option("--timeline", help="Step attempts from the read models, not events.")
    ] = False,
    form: Annotated[
        TimelineForm,
        typer.Option("--format", help="With --timeline: a table, or a Mermaid Gantt chart."),
    ] = "table",
) -> None:
    """Show every event of a plan, in order; or, with --timeline/--step, each step attempt."""
    if form == "mermaid":
        if not timeline or step is not None or as_json:
            raise typer.BadParameter(
                "mermaid is a picture of --timeline alone", param_hint="--format"
            )
        print_gantt(current_settings(), plan_id)
        return
    if timeline or step is not None:
        print_timeline(current_settings(), plan_id, step, as_json)
        return
    with ledger(current_settings(), project=False) as plans:
        records = plans.history(parse_id(plan_id))
    answer(records, as_json, render_history)


@app.command()
@handles_errors
def validate(file: FileArg) -> None:
    """Check a spec; print every problem (each naming step and field) and exit 2 if any."""
    data = read_plan_spec_file(file)
    settings = current_settings()
    if settings.server.url is None:  # no store needed: validation alone writes no file
        steps = len(validate_spec_data(data, settings).steps)
    else:
        with ledger(settings, project=False) as plans:
            steps = plans.validate(data)
    typer.echo(f"valid: {steps} steps")


@app.command()
@handles_errors
def schema() -> None:
    """Print the JSON Schema of plan specs, with each enabled tool's parameter schema."""
    settings = current_settings()
    if settings.server.url is None:  # no store needed
        document = spec_schema(build_tools(settings))
    else:
        with ledger(settings, project=False) as plans:
            document = plans.schema()
    typer.echo(json.dumps(document, indent=2))


app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(step_app, name="step")
app.add_typer(agent_app, name="agent")
app.command("mcp")(mcp_command)
app.command("generate")(generate_command)
app.add_typer(secrets_app, name="secrets")
app.command()(show)
register_read_commands(app)
register_worker_commands(app)
register_revision_commands(app)
register_operator_commands(app)
register_graph_commands(app)
register_serve_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()
