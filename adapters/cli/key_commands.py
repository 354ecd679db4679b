"""`planledger keys generate`: a writer's Ed25519 key pair, written outside the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adapters.cli.command_context import handles_errors
from adapters.cli.local_only import refuse_through_server
from adapters.signing import generate_key_pair

keys_app = typer.Typer(
    name="keys",
    help=(
        "Signing keys: a writer signs every event with PLANLEDGER_SIGNING_KEY (a NAME.key); "
        "readers trust the NAME.pub files in PLANLEDGER_TRUSTED_KEYS or `audit verify --keys`."
    ),
    no_args_is_help=True,
)


@keys_app.command("generate")
@handles_errors
def generate_command(
    directory: Annotated[
        Path, typer.Argument(help="Where to write NAME.key and NAME.pub.", show_default=False)
    ],
    name: Annotated[str, typer.Option("--name", help="The key's file name, e.g. the writer.")],
) -> None:
    """Write NAME.key (private, mode 0600) and NAME.pub; print the key id (never the key)."""
    refuse_through_server("keys generate", "writes key files where it runs")
    pair = generate_key_pair(directory, name)
    typer.echo(f"key {pair.key_id}")
    typer.echo(f"private {pair.private_path} (keep it off the database host's backups)")
    typer.echo(f"public {pair.public_path} (give it to every verifier)")
