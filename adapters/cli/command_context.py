"""What every command shares: the settings of this invocation, argument types, error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar
from uuid import UUID

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from adapters.cli import exit_codes
from adapters.ledger import Caller
from adapters.settings import Settings
from core import JsonObject, PlanLedgerError, PlanNotFoundError, PlanStatus

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

FileArg = Annotated[Path, typer.Argument(help="Plan spec, YAML or JSON.", show_default=False)]
IdArg = Annotated[str, typer.Argument(help="Plan id.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
TraceparentOpt = Annotated[
    str | None,
    typer.Option(
        "--traceparent",
        help="The caller's W3C trace context (00-TRACE-SPAN-FLAGS): the plan's spans join it.",
        show_default=False,
    ),
]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who does this (default: $PLANLEDGER_ACTOR or $USER).")
]


class _Invocation:
    """The settings the root callback resolved for this run of the CLI."""

    settings = Settings()


def use_settings(settings: Settings) -> None:
    """Called once by the root callback, before any command runs."""
    _Invocation.settings = settings


def current_settings() -> Settings:
    return _Invocation.settings


def stderr_console() -> Console:
    return Console(stderr=True)


def parse_id(text: str) -> UUID:
    """A plan id; text that is not a UUID names no plan (exit 2, like an unknown one)."""
    try:
        return UUID(text)
    except ValueError:
        raise PlanNotFoundError(text) from None


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def answer(data: T, as_json: bool, render: Callable[[Console, T], None]) -> None:
    """Print `data` as JSON on stdout with `--json`, else rendered for people."""
    if as_json:
        print_json(data)
    else:
        render(Console(), data)


def actor(by: str | None) -> Caller:
    """Who acts locally: `--by`, else `$PLANLEDGER_ACTOR`; through a server, the token decides."""
    return Caller(by or current_settings().actor)


def finish_view(view: JsonObject, as_json: bool) -> NoReturn:
    """Print a plan (`status` shape) and exit with the code its status gives."""
    from adapters.cli.render import render_status

    answer(view, as_json, render_status)
    raise typer.Exit(exit_codes.exit_code_for_plan(PlanStatus(view["status"])))


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a planned error as one line per problem and exit with its code from the table."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PlanLedgerError as error:
            stderr_console().print(
                f"[red]error:[/] {escape(str(error))}", highlight=False, markup=True, soft_wrap=True
            )
            raise typer.Exit(exit_codes.exit_code_for_error(error)) from None
        except KeyboardInterrupt:
            stderr_console().print(
                "interrupted: the plan keeps its events; `planledger resume ID` goes on"
            )
            raise typer.Exit(exit_codes.INTERRUPTED) from None

    return wrapper
