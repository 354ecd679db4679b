"""`planledger graph ID`: the plan's DAG as Mermaid or DOT; and the Gantt of `history --timeline`.

Pictures to paste into Markdown (Mermaid) or render with Graphviz (`| dot -Tsvg`); both are read
from the event log (the graph, at any version) or the step history view (the Gantt chart);
through `--server` from the same answers of the API.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import typer

from adapters.bootstrap import ledger, open_store
from adapters.cli.command_context import IdArg, current_settings, handles_errors, parse_id
from adapters.cli.graph_formats import dot_graph, mermaid_gantt, mermaid_graph
from adapters.event_records import record_to_event
from adapters.settings import Settings
from adapters.time_travel import PointInHistory, events_up_to, parse_point, state_at
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
    with ledger(settings, project=False) as plans:
        attempts = plans.timeline(wanted, None)
    typer.echo(mermaid_gantt(str(wanted), attempts), nl=False)


def _plan_at(plan_id: UUID, at: str | None) -> PlanState:
    try:
        point = parse_point(at) if at is not None else None
    except ValueError:
        raise typer.BadParameter(
            f"{at!r} is neither a version nor an ISO-8601 time", param_hint="--at"
        ) from None
    if current_settings().server.url is not None:
        return _plan_through_server(plan_id, point)
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


def _plan_through_server(plan_id: UUID, point: PointInHistory | None) -> PlanState:
    """The plan folded from the events the server gives (all of them, then cut at `point`)."""
    with ledger(current_settings(), project=False) as plans:
        events = [record_to_event(record) for record in plans.history(plan_id)]
    return fold(events if point is None else events_up_to(plan_id, events, point))


def register_graph_commands(app: typer.Typer) -> None:
    """Add `graph` to the root app."""
    app.command("graph")(graph_command)
