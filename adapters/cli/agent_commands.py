"""`planledger agent ...`: the plan notebook for LLM agents, from the command line.

`agent call` is one tool call, as an agent framework would make it: exit 0 when done, 2 when
refused (the text says what to do instead). `tools` prints the definitions to hand a model,
`hint` what to do next, `show` the plan as Markdown, `plans` the notebook plans the read
models list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapters.agent import ToolFormat, tools_in_format
from adapters.bootstrap import notebook, read_models
from adapters.cli import exit_codes
from adapters.cli.command_context import (
    ByOpt,
    JsonOpt,
    current_settings,
    handles_errors,
    print_json,
)
from adapters.cli.local_only import refuse_through_server
from adapters.read_models.notebook_queries import list_notebook_plans
from core import JsonObject, NotInHistoryError, ToolAnswer, notebook_id

agent_app = typer.Typer(
    name="agent",
    help="The plan notebook for LLM agents: tool functions, hints, the plan as Markdown.",
    no_args_is_help=True,
)

NotebookOpt = Annotated[
    str, typer.Option("--notebook", help="The notebook's name (one per agent session, say).")
]
MaxSubtasksOpt = Annotated[
    int | None,
    typer.Option(
        "--max-subtasks",
        min=0,
        help="Subtask limit of a plan created now (default $PLANLEDGER_NOTEBOOK_MAX_SUBTASKS "
        "or 20; 0: none).",
    ),
]


@agent_app.command("tools")
def tools(
    form: Annotated[
        ToolFormat, typer.Option("--format", help="openai: Chat Completions; anthropic: Messages.")
    ] = "openai",
) -> None:
    """Print the notebook's tool functions as JSON, in a provider's tool format."""
    print_json(tools_in_format(form))


@agent_app.command("call")
@handles_errors
def call(
    tool: Annotated[str, typer.Argument(help="The tool function, e.g. create_plan.")],
    name: NotebookOpt,
    arguments: Annotated[
        str, typer.Option("--args", help="The call's arguments as a JSON object.")
    ] = "{}",
    by: ByOpt = None,
    max_subtasks: MaxSubtasksOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"ok", "text", "plan"}.')] = False,
) -> None:
    """Make one tool call on a notebook: exit 0 when done, 2 when refused."""
    refuse_through_server("agent call")
    settings = current_settings()
    with notebook(
        settings, name, by=by or settings.actor, max_subtasks=_limit(max_subtasks)
    ) as tools:
        answer = _parsed_call(tools.call, tool, arguments)
    if as_json:
        print_json(answer.to_json())
    else:
        Console(stderr=not answer.ok).print(escape(answer.text), highlight=False, soft_wrap=True)
    raise typer.Exit(exit_codes.COMPLETED if answer.ok else exit_codes.INVALID_INPUT)


def _limit(max_subtasks: int | None) -> int | None:
    """What the notebook is given: None for the settings' limit, 0 for none at all."""
    if max_subtasks is None:
        return None
    return max_subtasks or 2**31 - 1


def _parsed_call(call: Callable[[str, object], ToolAnswer], tool: str, text: str) -> ToolAnswer:
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return ToolAnswer(False, f"--args is not JSON ({error}): give a JSON object.", None)
    return call(tool, parsed)


@handles_errors
def mcp_command(name: NotebookOpt, by: ByOpt = None, max_subtasks: MaxSubtasksOpt = None) -> None:
    """Serve a notebook over MCP on stdin/stdout: its tool functions, hint and plan."""
    refuse_through_server("mcp")
    from adapters.mcp import serve_notebook_over_stdio  # only this command loads the MCP SDK

    settings = current_settings()
    actor = by or settings.actor
    limit = _limit(max_subtasks)
    with notebook(settings, name, by=actor, max_subtasks=limit, project_each_call=True) as tools:
        serve_notebook_over_stdio(tools)


@agent_app.command("hint")
@handles_errors
def hint(name: NotebookOpt) -> None:
    """Print what the agent should do next, given the notebook's current plan."""
    refuse_through_server("agent hint")
    with notebook(current_settings(), name, by="-", project=False) as tools:
        typer.echo(tools.hint())


@agent_app.command("show")
@handles_errors
def show(
    name: NotebookOpt,
    detailed: Annotated[
        bool, typer.Option("--detailed", help="Each subtask's description and outcomes.")
    ] = False,
    at: Annotated[
        int | None, typer.Option("--at", min=1, help="As it was at this notebook version.")
    ] = None,
) -> None:
    """Print the notebook's current plan as Markdown, and its archived plans."""
    refuse_through_server("agent show")
    with notebook(current_settings(), name, by="-", project=False) as tools:
        if at is not None and at > tools.version:
            reason = f"its last version is {tools.version}"
            raise NotInHistoryError(notebook_id(name), f"version {at}", reason)
        plan = tools.markdown(detailed=detailed, version=at)
        archived = tools.history_text() if at is None else None
    typer.echo(plan if plan is not None else f"Notebook {name!r} has no current plan.")
    if archived is not None:
        typer.echo(f"\n## Archived plans\n\n{archived}")


@agent_app.command("plans")
@handles_errors
def plans(
    name: Annotated[
        str | None, typer.Option("--notebook", help="Only this notebook's plans.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List notebook plans from the read models, newest first."""
    refuse_through_server("agent plans")
    with read_models(current_settings()) as database:
        records = list_notebook_plans(database, name)
    if as_json:
        print_json(records)
    else:
        _render_plans(Console(), records)


def _render_plans(console: Console, records: list[JsonObject]) -> None:
    table = Table("notebook", "plan", "name", "state", "subtasks", "current")
    for record in records:
        finished = f"{record['done']} done, {record['abandoned']} abandoned of {record['total']}"
        table.add_row(
            escape(str(record["notebook"])),
            str(record["plan_id"]),
            escape(str(record["name"])),
            str(record["state"]),
            finished,
            "yes" if record["current"] else "",
        )
    console.print(table)
