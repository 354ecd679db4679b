"""`planledger graph ID`: the plan's DAG as Mermaid or DOT; and the Gantt of `history --timeline`.

Pictures to paste into Markdown (Mermaid) or render with Graphviz (`| dot -Tsvg`); both are read
from the event log (the graph, at any version) or the step history view (the Gantt chart).
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import typer

from adapters.bootstrap import open_store, read_models
from adapters.cli.command_context import IdArg, current_settings, handles_errors, parse_id
from adapters.cli.graph_formats import dot_graph, mermaid_gantt, mermaid_graph
from adapters.read_models import step_timeline
from adapters.settings import Settings
from adapters.time_travel import parse_point, state_at
from core import PlanNotFoundError, PlanState, fold, plan_graph

GraphForm = Literal["mermaid", "dot"]
TimelineForm = Literal["table", "mermaid"]


@handles_errors
def graph_command(
    plan_id: IdArg,
    form: Annotated[
        GraphForm, typer.Option("--format", help="mermaid (for Markdown) or dot (Graphviz).")
    ] = "mermaid",
    at: Annotated[
        str | None,
        typer.Option("--at", help="As it stood at a version (7) or an ISO-8601 time."),
    ] = None,
) -> None:
    """Print the plan's steps and dependencies, each with its status (maps collapsed)."""
    graph = plan_graph(_plan_at(parse_id(plan_id), at))
    typer.echo(mermaid_graph(graph) if form == "mermaid" else dot_graph(graph), nl=False)


def print_gantt(settings: Settings, plan_id: str) -> None:
    """`history ID --timeline --format mermaid`: the step attempts as a Mermaid Gantt chart."""
    wanted = parse_id(plan_id)
    with read_models(settings) as database:
        attempts = step_timeline(database, wanted)
    typer.echo(mermaid_gantt(str(wanted), attempts), nl=False)


def _plan_at(plan_id: UUID, at: str | None) -> PlanState:
    try:
        point = parse_point(at) if at is not None else None
    except ValueError:
        raise typer.BadParameter(
            f"{at!r} is neither a version nor an ISO-8601 time", param_hint="--at"
        ) from None
    store = open_store(current_settings())
    try:
        if point is not None:
            return state_at(store, plan_id, point)
        events = store.load(plan_id)
    finally:
        store.close()
    if not events:
        raise PlanNotFoundError(plan_id)
    return fold(events)


def register_graph_commands(app: typer.Typer) -> None:
    """Add `graph` to the root app."""
    app.command("graph")(graph_command)
