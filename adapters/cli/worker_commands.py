"""The worker commands: `db init`, `submit`, `wait` and the long-running `worker`.

Like every command, each one only parses, calls, and renders; the guarantees live in
`adapters.workers` (leases, claims, takeover) and in the engine (optimistic concurrency).
"""

from __future__ import annotations

import signal
import threading
import uuid
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from adapters.bootstrap import ledger, planledger, work_queue, worker
from adapters.cli import exit_codes
from adapters.cli.command_context import (
    ByOpt,
    FileArg,
    IdArg,
    JsonOpt,
    TraceparentOpt,
    current_settings,
    handles_errors,
    parse_id,
    print_json,
    stderr_console,
    use_settings,
)
from adapters.cli.local_only import refuse_through_server
from adapters.cli.metrics_options import (
    DEFAULT_METRICS_HOST,
    MetricsHostOpt,
    MetricsPortOpt,
    worker_metrics,
)
from adapters.cli.plan_inputs import InputOpt, InputsFileOpt, read_inputs
from adapters.cli.render import render_status
from adapters.cli.spec_file import read_plan_spec_file
from adapters.store import parse_store_url
from adapters.workers import WorkerOptions, init_store, submit
from adapters.workers.work_schema import roles_sql
from core import PlanStatus

db_app = typer.Typer(name="db", help="Set up the store.", no_args_is_help=True)

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="The store URL (overrides the global --store)."),
]


def _use_store(store: str | None) -> None:
    if store is not None:
        use_settings(current_settings().with_overrides(store_url=store))


@db_app.command("init")
@handles_errors
def init_command(
    store: StoreOpt = None,
    owner_role: Annotated[
        str | None,
        typer.Option("--owner-role", help="PostgreSQL: the role that owns the log (NOLOGIN)."),
    ] = None,
    app_role: Annotated[
        str | None,
        typer.Option("--app-role", help="PostgreSQL: the role writers connect as."),
    ] = None,
    print_sql: Annotated[
        bool, typer.Option("--print-sql", help="Print the role statements instead of running.")
    ] = False,
) -> None:
    """Create the store's tables once (events, read models, checkpoints, work table).

    Safe to repeat. On PostgreSQL it restores a disabled or replaced append-only guard and, with
    --owner-role and --app-role, hands the log to the owner and lets the application only read
    and append (run it as a role that may create roles).
    """
    refuse_through_server("db init")
    _use_store(store)
    config = parse_store_url(current_settings().store_url)
    roles = _roles(config.kind, owner_role, app_role, print_sql)
    if print_sql and roles is not None:
        for statement in roles_sql(config, *roles):
            typer.echo(statement)
        return
    parts = init_store(config, roles)
    typer.echo(f"initialised {config.display}: {', '.join(parts)}")


def _roles(
    kind: str, owner: str | None, app: str | None, print_sql: bool
) -> tuple[str, str] | None:
    if owner is None and app is None and not print_sql:
        return None
    if owner is None or app is None:
        raise typer.BadParameter("give both --owner-role and --app-role")
    if kind != "postgresql":
        raise typer.BadParameter("roles exist only on PostgreSQL", param_hint="--owner-role")
    if owner == app:
        raise typer.BadParameter("the owner and the application must be two roles")
    return owner, app


@handles_errors
def submit_command(
    file: FileArg,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key: a key used before returns that plan's id."),
    ] = None,
    approve_as: Annotated[
        str | None, typer.Option("--approve-as", help="Approve as this person if needed.")
    ] = None,
    by: ByOpt = None,
    store: StoreOpt = None,
    input_pairs: InputOpt = None,
    inputs_file: InputsFileOpt = None,
    traceparent: TraceparentOpt = None,
) -> None:
    """Create a plan for the workers (PostgreSQL) and print its id."""
    _use_store(store)
    data = read_plan_spec_file(file)
    inputs = read_inputs(data, input_pairs, inputs_file)
    settings = current_settings()
    if settings.server.url is not None:
        from adapters.cli.remote_commands import submit_remotely

        plan_id = submit_remotely(
            settings,
            data,
            inputs=inputs,
            key=key,
            approve=approve_as is not None,
            traceparent=traceparent,
        )
        typer.echo(str(plan_id))
        return
    with (
        work_queue(settings, "submit") as queue,
        planledger(settings, project=True, create_tables=False) as service,
    ):
        plan_id = submit(
            service,
            queue,
            data,
            by=by or settings.actor,
            key=key,
            approve_as=approve_as,
            new_id=uuid.uuid4(),
            inputs=inputs,
            traceparent=traceparent,
        )
    typer.echo(str(plan_id))


@handles_errors
def wait_command(
    plan_id: IdArg,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0.0,
            help=f"Give up after S seconds (exit {exit_codes.WAIT_TIMED_OUT}).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
) -> None:
    """Follow a plan until it ends; exit codes as `run`, or the timeout code.

    `--json` prints the plan as `status --json` does, with `timed_out` beside it.
    """
    _use_store(store)
    wanted = parse_id(plan_id)
    with ledger(current_settings(), project=False) as plans:
        view, timed_out = plans.wait(wanted, timeout)
    if as_json:
        print_json({**view, "timed_out": timed_out})
    else:
        render_status(Console(), view)
    if timed_out:
        stderr_console().print(
            f"timed out after {timeout} s: plan {wanted} is {view['status']}", highlight=False
        )
        raise typer.Exit(exit_codes.WAIT_TIMED_OUT)
    raise typer.Exit(exit_codes.exit_code_for_plan(PlanStatus(view["status"])))


@handles_errors
def worker_command(
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Tool calls at once, over all plans.")
    ] = 4,
    max_plans: Annotated[
        int | None,
        typer.Option("--max-plans", min=1, help="Plans held at once (default: --concurrency)."),
    ] = None,
    worker_id: Annotated[
        str | None,
        typer.Option("--id", help="This worker's name (default: $PLANLEDGER_WORKER or host:pid)."),
    ] = None,
    lease_s: Annotated[
        float,
        typer.Option(
            "--lease-s",
            min=0.5,
            help="Lease length: the bound on taking over a dead worker's plans.",
        ),
    ] = 15.0,
    grace_s: Annotated[
        float,
        typer.Option(
            "--grace-s",
            min=0.0,
            help="On SIGTERM/SIGINT, how long running steps may take to finish.",
        ),
    ] = 30.0,
    max_crashes: Annotated[
        int,
        typer.Option(
            "--max-crashes",
            min=1,
            help="Quarantine a plan whose processing crashed engines this many times in a row.",
        ),
    ] = 3,
    store: StoreOpt = None,
    metrics_port: MetricsPortOpt = None,
    metrics_host: MetricsHostOpt = DEFAULT_METRICS_HOST,
) -> None:
    """Run plans submitted to a PostgreSQL store until SIGTERM or SIGINT (then exit 0)."""
    refuse_through_server("worker")
    _use_store(store)
    if worker_id is not None and not worker_id.strip():
        raise typer.BadParameter("must not be empty", param_hint="--id")
    settings = current_settings()
    options = WorkerOptions(
        worker_id=worker_id or settings.worker_id,
        concurrency=concurrency,
        max_plans=max_plans,
        lease_s=lease_s,
        grace_s=grace_s,
        poll_s=min(1.0, lease_s / 4),
        max_crashes=max_crashes,
    )
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with (
        worker_metrics(settings, metrics_port, metrics_host) as instruments,
        worker(
            settings, options, observers=instruments.observers, on_claim=instruments.on_claim
        ) as running,
    ):
        stderr_console().print(
            f"worker {options.worker_id} on {parse_store_url(settings.store_url).display}; "
            "SIGTERM or Ctrl-C stops it",
            highlight=False,
        )
        released = running.run(stop)
    stderr_console().print(f"worker {options.worker_id} stopped; {released} lease(s) released")


def register_worker_commands(app: typer.Typer) -> None:
    """Add `db`, `submit`, `wait` and `worker` to the root app."""
    app.add_typer(db_app, name="db")
    app.command("submit")(submit_command)
    app.command("wait")(wait_command)
    app.command("worker")(worker_command)
