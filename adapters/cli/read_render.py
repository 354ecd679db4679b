"""Rendering of read-model answers for people: plan pages, timelines, tool and projection tables."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapters.cli.render import styled
from core import JsonObject


def _time(text: str | None) -> str:
    """`2024-05-01T12:00:00.123456Z` -> `2024-05-01 12:00:00`."""
    return "" if text is None else text[:19].replace("T", " ")


def _number(value: object) -> str:
    return "" if value is None else str(value)


def render_plan_page(console: Console, plans: list[JsonObject], next_cursor: str | None) -> None:
    """One row per plan, newest first, then the cursor of the next page if there is one."""
    table = Table(show_edge=False, pad_edge=False)
    for column in ("id", "created", "status", "progress", "steps", "by", "name / description"):
        table.add_column(column, overflow="fold")
    for plan in plans:
        summary = plan["summary"]
        table.add_row(
            plan["id"],
            _time(plan["created_at"]),
            styled(plan["status"]) + (" [yellow]paused[/]" if plan.get("paused") else ""),
            f"{summary['progress']:.0%}",
            f"{summary['completed']}/{summary['total_steps']}",
            escape(plan["created_by"]),
            escape(plan["name"] or plan["description"]),
        )
    console.print(table)
    if not plans:
        console.print("no plans")
    if next_cursor is not None:
        console.print(f"next page: --cursor {next_cursor}", highlight=False, soft_wrap=True)


def render_timeline(console: Console, attempts: list[JsonObject]) -> None:
    """One row per step attempt, in the order they started."""
    if not attempts:
        console.print("no attempts recorded")
        return
    table = Table(show_edge=False, pad_edge=False)
    for column in ("step", "attempt", "tool", "status", "started", "ms", "worker", "error"):
        table.add_column(column, overflow="fold")
    for attempt in attempts:
        error = ""
        if attempt["error_type"]:
            error = f"{attempt['error_type']}: {attempt['error_message'] or ''}"
        table.add_row(
            escape(attempt["step_id"]),
            str(attempt["attempt"]),
            escape(attempt["tool"]),
            styled(attempt["status"]),
            _time(attempt["started_at"]),
            _number(attempt["duration_ms"]),
            escape(attempt["worker"]),
            escape(error),
        )
    console.print(table)


def render_tool_stats(console: Console, tools: list[JsonObject]) -> None:
    """Calls, outcomes and duration percentiles per tool."""
    table = Table(show_edge=False, pad_edge=False)
    columns = ("tool", "calls", "completed", "failures", "retries", "timeouts", "p50 ms", "p95 ms")
    for column in columns:
        table.add_column(column, justify="left" if column == "tool" else "right")
    for tool in tools:
        table.add_row(
            escape(tool["tool"]),
            *(
                _number(tool[key])
                for key in ("calls", "completed", "failures", "retries", "timeouts")
            ),
            _number(tool["p50_ms"]),
            _number(tool["p95_ms"]),
        )
    console.print(table)
    if not tools:
        console.print("no tool calls recorded")


def render_projection_status(console: Console, projections: list[JsonObject]) -> None:
    """Position, head and lag of each projection, and the error that stopped one."""
    table = Table(show_edge=False, pad_edge=False)
    for column in ("projection", "position", "head", "lag events", "lag s", "last error"):
        table.add_column(column, overflow="fold")
    for item in projections:
        error = ""
        if item["last_error"]:
            error = f"[red]at event {item['failed_position']}:[/] {escape(item['last_error'])}"
        table.add_row(
            item["name"],
            str(item["position"]),
            str(item["head"]),
            str(item["lag_events"]),
            f"{item['lag_seconds']:.3f}",
            error,
        )
    console.print(table)


def render_audit_trail(console: Console, actions: list[JsonObject]) -> None:
    """One row per human or policy action, with the hash of the event that records it."""
    checked = any("verified" in action for action in actions)
    table = Table(show_edge=False, pad_edge=False)
    columns = ("version", "at", "action", "actor", "reason", "event hash")
    for column in (*columns, "proof") if checked else columns:
        table.add_column(column, overflow="fold")
    for action in actions:
        cells = [
            str(action["version"]),
            _time(action["at"]),
            styled(action["action"]),
            escape(action["actor"]),
            escape(action["reason"] or ""),
            f"{action['event_hash'][:16]}…" if action["event_hash"] else "",
        ]
        if checked:
            problem = action.get("problem")
            cells.append("[green]verified[/]" if not problem else f"[red]{escape(str(problem))}[/]")
        table.add_row(*cells)
    console.print(table)


def render_tokens(console: Console, tokens: list[JsonObject]) -> None:
    """One row per API token: its principal, roles and dates (never the token)."""
    table = Table(show_edge=False, pad_edge=False)
    for column in ("principal", "roles", "created", "expires", "revoked"):
        table.add_column(column, overflow="fold")
    for token in tokens:
        table.add_row(
            escape(token["principal"]),
            ", ".join(token["roles"]),
            _time(token["created_at"]),
            _time(token["expires_at"]),
            _time(token["revoked_at"]),
        )
    console.print(table)
    if not tokens:
        console.print("no tokens")
