"""The plan notebook's rules, each on its own, through the tool dispatcher, on every store.

After each scenario the notebook's hash chain verifies and the read models list its plans as
its fold has them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.audit import verify_store
from adapters.bootstrap import read_side
from adapters.read_models import open_read_model_database
from adapters.read_models.notebook_queries import list_notebook_plans
from adapters.settings import Settings
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from core.domain.events.notebook_events import notebook_id
from core.runtime.change_hooks import ChangeHooks
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


class NotebookRulesContract:
    """Every rule of the seed's notebook, one test each, on one store backend."""

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

    def test_a_call_before_any_plan_is_refused_with_what_to_do(self, agent: Agent) -> None:
        agent.refused(
            "finish_subtask",
            subtask_idx=0,
            subtask_outcome="x",
            says="there is no current plan",
            instead="create_plan",
        )
        assert "create_plan" in agent.tools.hint()

    def test_a_created_plan_starts_all_todo_and_the_hint_says_start_subtask_0(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args())

        assert agent.states() == ["todo", "todo", "todo"]
        assert "subtask_idx=0 and state='in_progress'" in agent.tools.hint()

    def test_at_most_one_subtask_is_in_progress(self, agent: Agent) -> None:
        agent.ok("create_plan", **plan_args())
        agent.ok("update_subtask_state", subtask_idx=0, state="in_progress")
        agent.ok("update_subtask_state", subtask_idx=0, state="abandoned")
        agent.ok("update_subtask_state", subtask_idx=1, state="in_progress")

        agent.refused(
            "update_subtask_state",
            subtask_idx=2,
            state="in_progress",
            says="subtask 1 ('b') before it is in_progress",
            instead="finish_subtask",
        )
        assert agent.states() == ["abandoned", "in_progress", "todo"]

    def test_a_subtask_starts_only_after_every_earlier_one_is_done_or_abandoned(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args())

        agent.refused(
            "update_subtask_state",
            subtask_idx=2,
            state="in_progress",
            says="subtask 0 ('a') before it is todo",
            instead="Finish subtask 0",
        )
        agent.ok("update_subtask_state", subtask_idx=0, state="abandoned")
        agent.ok("update_subtask_state", subtask_idx=1, state="abandoned")
        agent.ok("update_subtask_state", subtask_idx=2, state="in_progress")

    def test_finish_subtask_needs_earlier_ones_finished_records_the_outcome_and_starts_the_next(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args())
        agent.refused(
            "finish_subtask",
            subtask_idx=1,
            subtask_outcome="early",
            says="subtask 0 ('a') before it is todo",
            instead="finish_subtask",
        )

        answer = agent.ok("finish_subtask", subtask_idx=0, subtask_outcome="a is built")

        assert "Subtask 1 ('b') is now in progress" in answer.text
        assert agent.states() == ["done", "in_progress", "todo"]
        assert "a is built" in (agent.tools.markdown() or "")
        assert "finish_subtask with subtask_idx=1" in agent.tools.hint()

    def test_a_finished_subtask_cannot_be_revised_deleted_or_reopened(self, agent: Agent) -> None:
        agent.ok("create_plan", **plan_args())
        agent.ok("finish_subtask", subtask_idx=0, subtask_outcome="done")
        agent.ok("update_subtask_state", subtask_idx=1, state="abandoned")

        for index in (0, 1):
            agent.refused(
                "revise_current_plan",
                subtask_idx=index,
                action="revise",
                subtask=subtask("x"),
                reason="r",
                says="cannot be revised",
                instead="Add a new subtask",
            )
            agent.refused(
                "revise_current_plan",
                subtask_idx=index,
                action="delete",
                reason="r",
                says="cannot be revised or deleted",
                instead="Add a new subtask",
            )
            for state in ("todo", "in_progress"):
                agent.refused(
                    "update_subtask_state",
                    subtask_idx=index,
                    state=state,
                    says="cannot be reopened",
                    instead="revise_current_plan",
                )
        agent.refused(
            "update_subtask_state",
            subtask_idx=0,
            state="done",
            says="state",
            instead="arguments its schema names",
        )

    def test_revise_adds_at_an_index_revises_or_deletes_a_subtask_with_a_reason(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args())
        agent.ok(
            "revise_current_plan",
            subtask_idx=1,
            action="add",
            subtask=subtask("a2"),
            reason="forgot one",
        )
        agent.ok(
            "revise_current_plan",
            subtask_idx=3,
            action="revise",
            subtask=subtask("c2"),
            reason="clearer",
        )
        agent.ok("revise_current_plan", subtask_idx=2, action="delete", reason="not needed")

        assert agent.names() == [
            "a",
            "a2",
            "c2",
        ]
        agent.refused(
            "revise_current_plan",
            subtask_idx=0,
            action="add",
            subtask=subtask("x"),
            says="reason",
            instead="arguments its schema names",
        )
        agent.refused(
            "revise_current_plan",
            subtask_idx=9,
            action="revise",
            subtask=subtask("x"),
            reason="r",
            says="there is no index 9",
            instead="index from 0 to 2",
        )

    def test_nothing_is_added_before_a_subtask_that_started(self, agent: Agent) -> None:
        agent.ok("create_plan", **plan_args())
        agent.ok("finish_subtask", subtask_idx=0, subtask_outcome="done")

        agent.refused(
            "revise_current_plan",
            subtask_idx=1,
            action="add",
            subtask=subtask("x"),
            reason="r",
            says="subtask 1 has already started",
            instead="from 2 to 3",
        )

    def test_max_subtasks_is_enforced_at_creation_and_revision(self, agent: Agent) -> None:
        agent.refused(
            "create_plan",
            **plan_args("big", "a", "b", "c", "d", "e"),
            says="5 subtasks, over this notebook's limit of 4",
            instead="Merge some",
        )
        agent.ok("create_plan", **plan_args("full", "a", "b", "c", "d"))

        agent.refused(
            "revise_current_plan",
            subtask_idx=4,
            action="add",
            subtask=subtask("e"),
            reason="r",
            says="over its limit of 4",
            instead="Revise or delete",
        )

    def test_finish_plan_archives_it_and_done_needs_every_subtask_finished(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args("p", "a", "b"))
        agent.refused(
            "finish_plan",
            state="done",
            outcome="all good",
            says="subtask 0 ('a') is not finished",
            instead="'abandoned'",
        )
        agent.ok("finish_subtask", subtask_idx=0, subtask_outcome="a")
        agent.ok("update_subtask_state", subtask_idx=1, state="abandoned")
        assert "finish_plan with state='done'" in agent.tools.hint()

        agent.ok("finish_plan", state="done", outcome="shipped")

        assert agent.tools.markdown() is None
        assert ": p (done): shipped" in agent.ok("view_historical_plans").text

    def test_a_plan_whose_subtasks_were_all_abandoned_hints_to_abandon_it(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args("p", "a"))
        agent.ok("update_subtask_state", subtask_idx=0, state="abandoned")

        assert "finish_plan with state='abandoned'" in agent.tools.hint()

    def test_creating_a_plan_while_one_is_current_archives_it_as_abandoned(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args("first"))
        agent.ok("finish_subtask", subtask_idx=0, subtask_outcome="half way")

        answer = agent.ok("create_plan", **plan_args("second"))

        assert "The plan 'first' was archived as abandoned" in answer.text
        history = agent.ok("view_historical_plans").text
        assert "first (abandoned): replaced by the new plan 'second'" in history

    def test_recovering_a_historical_plan_archives_the_current_one_and_keeps_finished_subtasks(
        self, agent: Agent
    ) -> None:
        agent.ok("create_plan", **plan_args("first"))
        agent.ok("finish_subtask", subtask_idx=0, subtask_outcome="a done")
        agent.ok("create_plan", **plan_args("second"))
        first_id = agent.ok("view_historical_plans").text.split(":")[0].removeprefix("- ")

        agent.ok("recover_historical_plan", plan_id=first_id)

        assert agent.states() == ["done", "in_progress", "todo"]
        assert "second (abandoned)" in agent.ok("view_historical_plans").text
        agent.refused(
            "recover_historical_plan",
            plan_id=first_id,
            says="already the current plan",
            instead="Go on with it",
        )
        agent.refused(
            "recover_historical_plan",
            plan_id="not-an-id",
            says="is not a plan id",
            instead="view_historical_plans",
        )

    def test_the_plan_state_follows_its_subtasks(self, agent: Agent) -> None:
        agent.ok("create_plan", **plan_args("p", "a", "b"))
        states = [_plan_state(agent)]
        agent.ok("update_subtask_state", subtask_idx=0, state="in_progress")
        states.append(_plan_state(agent))
        agent.ok("update_subtask_state", subtask_idx=0, state="todo")
        states.append(_plan_state(agent))
        agent.ok("finish_subtask", subtask_idx=0, subtask_outcome="a")
        agent.ok("finish_subtask", subtask_idx=1, subtask_outcome="b")
        states.append(_plan_state(agent))

        assert states == ["todo", "in_progress", "todo", "in_progress"]

    def test_queries_answer_without_recording(self, agent: Agent) -> None:
        agent.ok("create_plan", **plan_args())

        before = len(agent.store.load(notebook_id(NOTEBOOK)))
        count = agent.ok("get_subtask_count")
        details = agent.ok("view_subtasks", subtask_idx=[2])

        assert count.text == "The current plan has 3 subtasks."
        assert "do c" in details.text
        assert len(agent.store.load(notebook_id(NOTEBOOK))) == before
        agent.refused("view_subtasks", subtask_idx=[5], says="no subtask 5", instead="0 to 2")
        agent.refused("no_such_tool", says="there is no tool", instead="create_plan")

    def test_every_call_is_an_event_with_its_actor_and_change_hooks_see_it(
        self, store: LibraryEventStore
    ) -> None:
        hooks = ChangeHooks()
        seen: list[str] = []
        hooks.register("screen", lambda events: seen.extend(type(e).__name__ for e in events))
        service = NotebookService(hooks.watch(store), SystemClock(), RandomIds())
        tools = NotebookTools(service, NOTEBOOK, by="agent-9")

        tools.call("create_plan", plan_args("p", "a"))
        tools.call("finish_subtask", {"subtask_idx": 0, "subtask_outcome": "a"})
        hooks.remove("screen")
        tools.call("finish_plan", {"state": "done", "outcome": "ok"})

        assert seen == ["NotebookPlanCreated", "SubtaskFinished"]
        history = store.load(notebook_id(NOTEBOOK))
        assert {event.actor for event in history} == {"agent-9"}
        assert len(history) == 3


def _plan_state(agent: Agent) -> str:
    plan = agent.tools.markdown() or ""
    line = next(line for line in plan.splitlines() if "**State:**" in line)
    return line.split("**State:** ")[1].split(" ")[0]


class TestNotebookRulesOnMemory(NotebookRulesContract):
    @pytest.fixture
    def store_url(self) -> str:
        return "memory://"


class TestNotebookRulesOnSqlite(NotebookRulesContract):
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'planledger.db'}"


@pytest.mark.postgres
class TestNotebookRulesOnPostgres(NotebookRulesContract):
    @pytest.fixture
    def store_url(self, postgres_url: str) -> str:
        return postgres_url
