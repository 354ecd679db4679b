"""The notebook's tool functions as an LLM calls them: definitions, and a dispatcher that
validates each call's arguments and answers with concise text.

A refused call (bad arguments, or a rule it breaks) answers `ok: false` with what to do
instead, so a model can correct itself; nothing is recorded for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from core.domain.errors import NotebookCallRefusedError
from core.domain.json_value import JsonObject
from core.domain.notebook.arguments import QUERIES, TOOL_ARGUMENTS, ToolArguments
from core.domain.notebook.hints import hint
from core.domain.notebook.markdown import historical_markdown, plan_markdown
from core.domain.notebook.replies import answer_query, reply
from core.domain.notebook.state import NotebookState
from core.runtime.notebook_service import NotebookService


@dataclass(frozen=True)
class ToolDefinition:
    """One tool function: its name, what it does, and its arguments' JSON Schema."""

    name: str
    description: str
    parameters: JsonObject


@dataclass(frozen=True)
class ToolAnswer:
    """What a call answers: done or refused, a concise text, and the plan after it (Markdown)."""

    ok: bool
    text: str
    plan: str | None

    def to_json(self) -> JsonObject:
        """`{"ok", "text", "plan"}`."""
        return {"ok": self.ok, "text": self.text, "plan": self.plan}


def tool_definitions() -> list[ToolDefinition]:
    """Every tool function, from its arguments' model: docstring and JSON Schema."""
    return [
        ToolDefinition(name, " ".join((model.__doc__ or "").split()), _schema(model))
        for name, model in TOOL_ARGUMENTS.items()
    ]


def _schema(model: type[ToolArguments]) -> JsonObject:
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)
    schema.setdefault("properties", {})
    return schema


class NotebookTools:
    """The tool functions of one notebook, called as `by`."""

    def __init__(self, service: NotebookService, notebook: str, *, by: str) -> None:
        self._service = service
        self.notebook = notebook
        self._by = by

    def call(self, name: str, arguments: object) -> ToolAnswer:
        """Validate and run one call; a refusal is an answer, never an exception."""
        model = TOOL_ARGUMENTS.get(name)
        if model is None:
            known = ", ".join(TOOL_ARGUMENTS)
            return self._refused(f"there is no tool {name!r}. The tools are: {known}.")
        try:
            parsed = model.model_validate({} if arguments is None else arguments)
        except ValidationError as invalid:
            problems = "; ".join(_problem(error) for error in invalid.errors(include_url=False))
            return self._refused(
                f"{name} refused: {problems}. Call it again with the arguments its schema names."
            )
        try:
            if type(parsed) in QUERIES:
                state = self._service.state(self.notebook)
                return ToolAnswer(True, answer_query(name, parsed, state), _markdown(state))
            before, after = self._service.call(self.notebook, parsed, by=self._by)
        except NotebookCallRefusedError as refused:
            return self._refused(str(refused))
        return ToolAnswer(True, reply(parsed, before, after), _markdown(after))

    def hint(self) -> str:
        """What the agent should do next (see `core.domain.notebook.hints`)."""
        return hint(self._service.state(self.notebook))

    def markdown(self, *, detailed: bool = False, version: int | None = None) -> str | None:
        """The current plan as Markdown (as it was at `version`, if given); None without one."""
        state = self._service.state(self.notebook, version=version)
        return _markdown(state, detailed=detailed)

    def history_text(self) -> str:
        """The archived plans, one line each (what `view_historical_plans` answers)."""
        return historical_markdown(self._service.state(self.notebook))

    @property
    def version(self) -> int:
        """The notebook's version: how many calls were recorded on it (0 for a new one)."""
        state = self._service.state(self.notebook)
        return state.version if state is not None else 0

    def _refused(self, text: str) -> ToolAnswer:
        return ToolAnswer(False, text, _markdown(self._service.state(self.notebook)))


def _markdown(state: NotebookState | None, *, detailed: bool = False) -> str | None:
    plan = state.current if state is not None else None
    return plan_markdown(plan, detailed=detailed) if plan is not None else None


def _problem(error: object) -> str:
    assert isinstance(error, dict)
    where = ".".join(str(part) for part in error["loc"]) or "arguments"
    message = "unknown argument" if error["type"] == "extra_forbidden" else error["msg"]
    return f"{where}: {message}"
