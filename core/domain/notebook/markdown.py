"""Notebook plans as Markdown, and the answers of the read-only tools (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.events.notebook_events import SubtaskState
from core.domain.notebook.state import NotebookPlan, NotebookState, Subtask

MARKS = {
    SubtaskState.TODO: "[ ]",
    SubtaskState.IN_PROGRESS: "[~]",
    SubtaskState.DONE: "[x]",
    SubtaskState.ABANDONED: "[-]",
}
"""A subtask's state as a check box; `[~]` is in progress, `[-]` abandoned."""


def plan_markdown(plan: NotebookPlan, *, detailed: bool = False) -> str:
    """The plan as Markdown: its fields and one line per subtask (with details if asked)."""
    finished = plan.count(SubtaskState.DONE) + plan.count(SubtaskState.ABANDONED)
    lines = [
        f"# {plan.name}",
        "",
        f"- **Plan id:** {plan.plan_id}",
        f"- **State:** {plan.state.value} ({finished} of {len(plan.subtasks)} subtasks finished)",
        f"- **Description:** {plan.description}",
        f"- **Expected outcome:** {plan.expected_outcome}",
    ]
    if plan.outcome is not None:
        lines.append(f"- **Outcome:** {plan.outcome}")
    lines += ["", "## Subtasks", ""]
    for index, subtask in enumerate(plan.subtasks):
        lines.append(subtask_line(index, subtask))
        if detailed:
            lines += [f"   {line}" for line in subtask_details(subtask)]
    return "\n".join(lines)


def subtask_line(index: int, subtask: Subtask) -> str:
    """`2. [~] name (in_progress)`, with the outcome of a finished subtask."""
    line = f"{index}. {MARKS[subtask.state]} {subtask.name} ({subtask.state.value})"
    return f"{line}: {subtask.outcome}" if subtask.outcome else line


def subtask_details(subtask: Subtask) -> list[str]:
    """The subtask's description, expected outcome and outcome, one per line."""
    lines = [
        f"- Description: {subtask.description}",
        f"- Expected outcome: {subtask.expected_outcome}",
    ]
    if subtask.outcome is not None:
        lines.append(f"- Outcome: {subtask.outcome}")
    return lines


def subtasks_markdown(plan: NotebookPlan, indexes: Sequence[int]) -> str:
    """The details of the subtasks at `indexes` (each must exist)."""
    blocks = []
    for index in indexes:
        subtask = plan.subtasks[index]
        blocks.append("\n".join([subtask_line(index, subtask), *subtask_details(subtask)]))
    return "\n\n".join(blocks)


def historical_markdown(state: NotebookState | None) -> str:
    """One line per archived plan, oldest first: id, name, state, outcome."""
    plans = state.historical if state is not None else []
    if not plans:
        return "No historical plans."
    return "\n".join(
        f"- {plan.plan_id}: {plan.name} ({plan.state.value}): {plan.outcome}" for plan in plans
    )
