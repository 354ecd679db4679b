"""An agent at the plan notebook's tool dispatcher, and the store it writes to, for the rules tests.

After each scenario the notebook's hash chain verifies and the read models list its plans as
its fold has them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.audit import verify_store
from adapters.bootstrap import read_side
from adapters.read_models import open_read_model_database
from adapters.read_models.notebook_queries import list_notebook_plans
from adapters.settings import Settings
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from core.domain.events.notebook_events import notebook_id
from core.runtime.notebook_service import NotebookService
from core.runtime.notebook_tools import NotebookTools, ToolAnswer
from tests.integration.conftest import RandomIds, SystemClock

NOTEBOOK = "session-1"


def subtask(name: str) -> dict[str, str]:
    return {"name": name, "description": f"do {name}", "expected_outcome": f"{name} done"}


def plan_args(name: str = "ship it", *names: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": "a plan",
        "expected_outcome": "shipped",
        "subtasks": [subtask(n) for n in (names or ("a", "b", "c"))],
    }


class Agent:
    """Calls the dispatcher as an agent would, remembering the last answer."""

    def __init__(self, tools: NotebookTools, store: LibraryEventStore) -> None:
        self.tools = tools
        self.store = store
        self.last: ToolAnswer | None = None

    def __call__(self, tool: str, **arguments: Any) -> ToolAnswer:
        self.last = self.tools.call(tool, arguments)
        return self.last

    def ok(self, tool: str, **arguments: Any) -> ToolAnswer:
        answer = self(tool, **arguments)
        assert answer.ok, answer.text
        return answer

    def refused(self, tool: str, *, says: str, instead: str, **arguments: Any) -> ToolAnswer:
        """The call is refused, names the problem and what to do, and records nothing."""
        before = len(self.store.load(notebook_id(NOTEBOOK)))
        answer = self(tool, **arguments)
        assert not answer.ok, answer.text
        assert says in answer.text
        assert instead in answer.text
        assert len(self.store.load(notebook_id(NOTEBOOK))) == before
        return answer

    def names(self) -> list[str]:
        plan = self.tools.markdown() or ""
        return [m.group(1) for m in re.finditer(r"^\d+\. \[.\] (\S+)", plan, re.M)]

    def states(self) -> list[str]:
        plan = self.tools.markdown() or ""
        return [
            line.split("(")[-1].split(")")[0] for line in plan.splitlines() if line[:1].isdigit()
        ]


class NotebookFixtures:
    """An agent on a fresh notebook; subclasses name the store URL."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def store(self, store_url: str) -> Iterator[LibraryEventStore]:
        opened = open_event_store(parse_store_url(store_url))
        yield opened
        opened.close()

    @pytest.fixture
    def agent(self, store: LibraryEventStore, store_url: str) -> Iterator[Agent]:
        service = NotebookService(store, SystemClock(), RandomIds(), max_subtasks=4)
        yield Agent(NotebookTools(service, NOTEBOOK, by="agent-7"), store)
        assert verify_store(store).verified
        if not store_url.startswith("memory"):
            self._read_models_match(store, store_url, service)

    def _read_models_match(
        self, store: LibraryEventStore, url: str, service: NotebookService
    ) -> None:
        with read_side(Settings(store_url=url), store) as side:
            side.catch_up()
        database = open_read_model_database(parse_store_url(url))
        try:
            listed = list_notebook_plans(database, NOTEBOOK)
        finally:
            database.close()
        state = service.state(NOTEBOOK)
        plans = state.plans.values() if state is not None else []
        assert {(r["plan_id"], r["state"], r["total"]) for r in listed} == {
            (str(p.plan_id), p.state.value, len(p.subtasks)) for p in plans
        }
