"""`planledger --help` from a static table, so printing it imports no command module.

The pattern pip uses (`pip/_internal/commands/__init__.py`): the names and one-line helps of
the commands live in a table here, and `tests/unit/test_cli_entry.py` checks that the table is
exactly what the typer app registers, so the two cannot drift. The layout follows typer's help
(two boxes: options, commands) in plain text, since importing rich or typer to draw it would
cost more than the whole answer may take.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

APP_HELP = "Event-sourced plan execution: every change is an event you can audit and replay."

GLOBAL_OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("--store", "", "<str>", "sqlite:///PATH, postgresql://..., memory:// (env PLANLEDGER_STORE)."),
    ("--log-json", "", "<bool>", "Log JSON lines to stderr."),
    ("--verbose", "-v", "<bool>", "Log every event to stderr."),
    ("--server", "", "<str>", "Go through this planledger server (env PLANLEDGER_SERVER)."),
    ("--help", "", "<bool>", "Show this message and exit."),
)
"""(name, short name, metavar, help) of the root app's options, in typer's order."""

COMMANDS: tuple[tuple[str, str], ...] = (
    ("run", "Create a plan, approve it if asked, and execute it to the end with live progress."),
    ("create", "Create a plan and print only its id."),
    ("approve", "Approve a plan that waits for approval."),
    ("reject", "Reject a plan that waits for approval."),
    ("cancel", "Cancel a plan that has not ended; an engine running it stops its tools."),
    ("execute", "Execute an approved plan (or go on with an executing one) to the end."),
    (
        "resume",
        "Go on after any stop: completed steps never re-run; interrupted ones re-run or fail.",
    ),
    (
        "status",
        "Show a plan's status, steps and summary; the exit code says how the plan stands.",
    ),
    (
        "history",
        "Show every event of a plan, in order; or, with --timeline/--step, each step attempt.",
    ),
    (
        "validate",
        "Check a spec; print every problem (each naming step and field) and exit 2 if any.",
    ),
    ("schema", "Print the JSON Schema of plan specs, with each enabled tool's parameter schema."),
    ("mcp", "Serve a notebook over MCP on stdin/stdout: its tool functions, hint and plan."),
    (
        "generate",
        "Have a model draft a plan; create it, waiting for approval, once it validates (exit 2 "
        "naming every remaining problem if it never does).",
    ),
    ("show", "Show a plan as it was at a version or a time (the shape of `status`); exit 0."),
    (
        "projector",
        "Follow the event log and keep every read model current until SIGINT or SIGTERM.",
    ),
    ("submit", "Create a plan for the workers (PostgreSQL) and print its id."),
    ("wait", "Follow a plan until it ends; exit codes as `run`, or the timeout code."),
    ("worker", "Run plans submitted to a PostgreSQL store until SIGTERM or SIGINT (then exit 0)."),
    ("fork", "Create a new plan from an ended one, re-running a step and what depends on it."),
    ("pause", "Pause a plan: running steps finish, no new step starts until `unpause`."),
    ("unpause", "Lift a plan's pause: a run or worker watching it starts steps again."),
    ("retry", "Re-run a failed step and what was skipped because of it (reopens a failed plan)."),
    (
        "skip",
        "Mark a failed or pending step skipped so its dependants may run (reopens a failed plan).",
    ),
    ("graph", "Print the plan's steps and dependencies, each with its status (maps collapsed)."),
    (
        "serve",
        "Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) until SIGINT or SIGTERM.",
    ),
    (
        "audit",
        "Who did what, and proof that nothing changed: `audit ID` lists a plan's human and policy "
        "actions; `export` writes all of them; `verify` checks every hash chain.",
    ),
    (
        "keys",
        "Signing keys: a writer signs every event with PLANLEDGER_SIGNING_KEY (a NAME.key); "
        "readers trust the NAME.pub files in PLANLEDGER_TRUSTED_KEYS or `audit verify --keys`.",
    ),
    ("step", "Report the outcome of an external step (`tool: external`) carried out outside."),
    ("agent", "The plan notebook for LLM agents: tool functions, hints, the plan as Markdown."),
    ("secrets", "Keys of secret plan inputs: make a master key, forget a plan's data key."),
    ("plans", "Plans from the read models: list and show."),
    ("tools", "Tool statistics from the read models."),
    ("projections", "Projection status and rebuilds."),
    ("db", "Set up the store."),
    (
        "revise",
        "Add, change or remove a step of a plan that has not ended (even while it runs).",
    ),
    ("tokens", "API tokens for the HTTP API (shown once, stored hashed)."),
)
"""(name, one-line help) of every top-level command, in the order the app registers them."""


def help_text(width: int | None = None) -> str:
    """The root help as typer lays it out, `width` columns wide (default: the terminal's)."""
    width = max(40, width or shutil.get_terminal_size().columns)
    lines = ["", " Usage: planledger [OPTIONS] COMMAND [ARGS]...", ""]
    lines += [f" {line}" for line in textwrap.wrap(APP_HELP, width - 2)]
    lines.append("")
    option_rows = [(name, short, metavar) for name, short, metavar, _ in GLOBAL_OPTIONS]
    lines += _box("Options", option_rows, [help_ for *_, help_ in GLOBAL_OPTIONS], width)
    command_rows = [(name,) for name, _ in COMMANDS]
    lines += _box("Commands", command_rows, [help_ for _, help_ in COMMANDS], width)
    return "\n".join(lines) + "\n"


def _box(
    title: str, rows: Sequence[tuple[str, ...]], helps: Sequence[str], width: int
) -> list[str]:
    """A titled box: the rows' columns aligned, each help wrapped in the last column."""
    inner = width - 4
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    indent = sum(widths) + 2 * len(widths)
    lines = [f"╭─ {title} " + "─" * (width - len(title) - 5) + "╮"]
    for row, help_ in zip(rows, helps, strict=True):
        lead = "".join(f"{cell:<{size}}  " for cell, size in zip(row, widths, strict=True))
        wrapped = textwrap.wrap(help_, max(inner - indent, 10)) or [""]
        for number, piece in enumerate(wrapped):
            text = (lead if number == 0 else " " * indent) + piece
            lines.append(f"│ {text:<{inner}} │")
    lines.append("╰" + "─" * (width - 2) + "╯")
    return lines
