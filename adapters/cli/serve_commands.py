"""`planledger serve` (the HTTP API) and `planledger tokens create|list|revoke`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from adapters.bootstrap import read_models
from adapters.cli.command_context import (
    JsonOpt,
    answer,
    current_settings,
    handles_errors,
    stderr_console,
)
from adapters.cli.local_only import refuse_through_server
from adapters.cli.metrics_options import (
    DEFAULT_METRICS_HOST,
    MetricsHostOpt,
    MetricsPortOpt,
    serve_metrics,
)
from adapters.cli.read_render import render_tokens
from adapters.principals import TokenStore, parse_expiry, parse_roles

tokens_app = typer.Typer(
    name="tokens",
    help="API tokens for the HTTP API (shown once, stored hashed).",
    no_args_is_help=True,
)

RoleOpt = Annotated[
    list[str],
    typer.Option(
        "--role", help="viewer, submitter, approver, operator, auditor or admin (repeatable)."
    ),
]


@handles_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="0: any free port.")] = 8080,
    no_projector: Annotated[
        bool, typer.Option("--no-projector", help="Leave the read models to a `projector`.")
    ] = False,
    heartbeat_s: Annotated[
        float, typer.Option("--heartbeat-s", min=0.1, help="SSE heartbeat when nothing happens.")
    ] = 15.0,
    webhook_backoff_s: Annotated[
        float,
        typer.Option("--webhook-backoff-s", min=0.01, help="First retry delay; doubles to 300 s."),
    ] = 1.0,
    webhook_lease_s: Annotated[
        float,
        typer.Option(
            "--webhook-lease-s",
            min=0.1,
            help="How long a server's claim on a subscription lasts unless renewed.",
        ),
    ] = 30.0,
    metrics_port: MetricsPortOpt = None,
    metrics_host: MetricsHostOpt = DEFAULT_METRICS_HOST,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) until SIGINT or SIGTERM."""
    refuse_through_server("serve")
    from adapters.http_api.server import ServeOptions, serve

    options = ServeOptions(
        host, port, not no_projector, heartbeat_s, webhook_backoff_s, webhook_lease_s
    )

    def ready(url: str) -> None:
        stderr_console().print(f"planledger serving on {url}", highlight=False)

    with serve_metrics(metrics_port, metrics_host) as instruments:
        serve(
            current_settings(),
            options,
            ready,
            observers=instruments.observers,
            middleware=instruments.middleware,
            watch_read_side=instruments.watch_read_side,
        )


@tokens_app.command("create")
@handles_errors
def create_token(
    name: Annotated[
        str, typer.Argument(help="The principal becomes token:NAME.", show_default=False)
    ],
    role: RoleOpt,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Lifetime: 30d, 12h, 15m, 90s (default: none).")
    ] = None,
) -> None:
    """Create a token and print it, alone, on stdout: it is never shown again."""
    settings = current_settings()
    if settings.server.url is not None:
        from adapters.remote import RemoteLedger

        body = {"name": name, "roles": role, "expires": expires}
        with RemoteLedger(settings.server) as remote:
            token = remote.request("POST", "/tokens", json=body).json()["token"]
    else:
        now = datetime.now(UTC)
        until = None if expires is None else parse_expiry(expires, now)
        with read_models(settings) as database:
            token = TokenStore(database).create(name, parse_roles(role), now, until).token
    typer.echo(token)


@tokens_app.command("list")
@handles_errors
def list_tokens(as_json: JsonOpt = False) -> None:
    """Every token's name, roles and dates; never a token."""
    settings = current_settings()
    if settings.server.url is not None:
        from adapters.remote import RemoteLedger

        with RemoteLedger(settings.server) as remote:
            tokens = remote.request("GET", "/tokens").json()
    else:
        with read_models(settings) as database:
            tokens = TokenStore(database).list()
    answer(tokens, as_json, render_tokens)


@tokens_app.command("revoke")
@handles_errors
def revoke_token(
    name: Annotated[str, typer.Argument(help="The token's name.", show_default=False)],
) -> None:
    """Revoke a token: it stops working at once; its name is never given out again."""
    settings = current_settings()
    if settings.server.url is not None:
        from adapters.remote import RemoteLedger

        with RemoteLedger(settings.server) as remote:
            remote.request("DELETE", f"/tokens/{name}")
    else:
        with read_models(settings) as database:
            TokenStore(database).revoke(name, datetime.now(UTC))
    typer.echo(f"revoked {name}")


def register_serve_commands(app: typer.Typer) -> None:
    """Add `serve` and `tokens` to the root app."""
    app.command("serve")(serve_command)
    app.add_typer(tokens_app, name="tokens")
