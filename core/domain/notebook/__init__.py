"""The plan notebook: an agent's own plan of subtasks, on the event log (pure).

A notebook (one per agent session, say) has at most one current plan of subtasks and an archive
of every earlier one. Its events are in `events`, its fold in `fold`, the rules every call obeys
in `calls`, the tool functions' arguments in `arguments`, and what an agent reads in `hints`
and `markdown`.
"""

from __future__ import annotations

from core.domain.events.notebook_events import (
    NotebookEvent,
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    SubtaskFinished,
    SubtaskSpec,
    SubtaskState,
    SubtaskStateUpdated,
    notebook_id,
)
from core.domain.notebook.arguments import QUERIES, TOOL_ARGUMENTS, ToolArguments
from core.domain.notebook.calls import Call, decide_call
from core.domain.notebook.fold import evolve_notebook, fold_notebook
from core.domain.notebook.hints import hint
from core.domain.notebook.markdown import historical_markdown, plan_markdown, subtasks_markdown
from core.domain.notebook.state import NotebookPlan, NotebookState, Subtask
from core.domain.notebook.view import notebook_view

__all__ = [
    "QUERIES",
    "TOOL_ARGUMENTS",
    "Call",
    "NotebookEvent",
    "NotebookPlan",
    "NotebookPlanCreated",
    "NotebookPlanFinished",
    "NotebookPlanRecovered",
    "NotebookPlanRevised",
    "NotebookState",
    "Subtask",
    "SubtaskFinished",
    "SubtaskSpec",
    "SubtaskState",
    "SubtaskStateUpdated",
    "ToolArguments",
    "decide_call",
    "evolve_notebook",
    "fold_notebook",
    "hint",
    "historical_markdown",
    "notebook_id",
    "notebook_view",
    "plan_markdown",
    "subtasks_markdown",
]
