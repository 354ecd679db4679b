"""A plan's status as a table for people: what `status`, `plans show` and `run` print at the end.

Kept apart from the rest of the rendering, with no import of `core`, so the lean `status` path
(`adapters.cli.lean_status`) prints with the very function the full path uses.
"""

from __future__ import annotations

from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

JsonObject = dict[str, Any]
"""`core.JsonObject`, named here without importing `core`."""

STATUS_STYLES = {
    "completed": "green",
    "failed": "red",
    "partial": "yellow",
    "cancelled": "magenta",
    "rejected": "red",
    "skipped": "dim",
    "running": "cyan",
    "pending": "white",
    "executing": "cyan",
    "pending_approval": "yellow",
    "approved": "cyan",
}


def styled(status: str) -> str:
    """A status word in its colour."""
    return f"[{STATUS_STYLES.get(status, 'white')}]{status}[/]"


def render_status(console: Console, view: JsonObject) -> None:
    """The plan's header, one row per step, and the summary."""
    title = view["name"] or view["description"]
    console.print(f"[bold]{escape(title)}[/]  {view['id']}  {styled(view['status'])}")
    paused = view.get("paused")
    if paused:
        console.print(f"  [yellow]paused[/] by {escape(paused['by'])}: {escape(paused['reason'])}")
    if view.get("reason"):
        console.print(f"  reason: {escape(view['reason'])}")
    fork = view.get("forked_from")
    if fork:
        console.print(
            f"  forked from {fork['plan_id']} (version {fork['version']}), "
            f"re-running {escape(fork['from_step'])}"
        )
    if view.get("inputs"):
        console.print(f"  inputs: {escape(shortened(orjson.dumps(view['inputs']).decode(), 160))}")
    table = Table(show_edge=False, pad_edge=False)
    for column in ("step", "tool", "status", "attempts", "ms", "result / error"):
        table.add_column(column)
    for step in view["steps"]:
        table.add_row(
            step["id"],
            step["tool"],
            styled(step["status"]),
            str(step["attempts"]),
            "" if step["duration_ms"] is None else str(step["duration_ms"]),
            _outcome(step),
        )
    console.print(table)
    summary = view["summary"]
    console.print(
        f"{summary['completed']}/{summary['total_steps']} completed, {summary['failed']} failed, "
        f"{summary['skipped']} skipped, progress {summary['progress']:.0%}"
    )
    for name, value in (view.get("outputs") or {}).items():
        console.print(
            f"  output {escape(name)} = {escape(shortened(orjson.dumps(value).decode()))}"
        )


def _outcome(step: JsonObject) -> str:
    """What the step returned or why it did not complete; user text is escaped from markup."""
    if step["error"]:
        error = step["error"]
        return f"[red]{escape(error['type'])}[/]: {escape(shortened(error['message']))}"
    return escape(_plain_outcome(step))


def _plain_outcome(step: JsonObject) -> str:
    if step["skip_reason"]:
        return shortened(step["skip_reason"])
    result = step["result"]
    if isinstance(result, dict) and isinstance(result.get("stdout"), str):
        lines = result["stdout"].strip().splitlines()
        return shortened(lines[-1]) if lines else ""
    return "" if result is None else shortened(orjson.dumps(result).decode())


def shortened(text: str, limit: int = 80) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
