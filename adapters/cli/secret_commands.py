"""`planledger secrets init-key PATH` and `planledger secrets forget ID`: secret inputs' keys.

`init-key` writes a new master key file (name it with `PLANLEDGER_SECRETS_KEY`); `forget`
deletes one plan's data key, the documented crypto-shredding step: its secret inputs can never
be read again, while its events and their hash chain stay as they were.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adapters.bootstrap import planledger
from adapters.cli.command_context import IdArg, current_settings, handles_errors, parse_id
from adapters.cli.local_only import refuse_through_server
from adapters.secrets import SealedUnderAnotherPlanError, init_master_key, open_data_keys
from adapters.store import parse_store_url

secrets_app = typer.Typer(
    help="Keys of secret plan inputs: make a master key, forget a plan's data key.",
    no_args_is_help=True,
)


@secrets_app.command("init-key")
@handles_errors
def init_key(
    path: Annotated[Path, typer.Argument(help="Where to write the new key file.")],
) -> None:
    """Write a new master key (owner-only file; never overwrites one). Print its id."""
    refuse_through_server("secrets init-key", "writes a key file where it runs")
    key = init_master_key(str(path))
    typer.echo(f"wrote secrets key {key.key_id} to {path}; set PLANLEDGER_SECRETS_KEY={path}")


@secrets_app.command("forget")
@handles_errors
def forget(plan_id: IdArg) -> None:
    """Delete a plan's data key: its secret inputs become unreadable, its events stay whole."""
    refuse_through_server("secrets forget")
    settings = current_settings()
    with planledger(settings) as service:
        plan = service.get_plan(parse_id(plan_id))
    if plan.sealed_inputs is not None and plan.sealed_inputs.key_plan_id is not None:
        raise SealedUnderAnotherPlanError(plan.plan_id, plan.sealed_inputs.key_plan_id)
    forgotten = open_data_keys(parse_store_url(settings.store_url)).forget(plan.plan_id)
    said = "forgot the data key of" if forgotten else "no data key (left) for"
    typer.echo(f"{said} plan {plan.plan_id}: its secret inputs cannot be read")
