"""The notebook's plan lifecycle (finish, abandon, archive, recover, state, events), every store."""

from __future__ import annotations

import pytest

from adapters.store import LibraryEventStore
from core.domain.events.notebook_events import notebook_id
from core.runtime.change_hooks import ChangeHooks
from core.runtime.notebook_service import NotebookService
from core.runtime.notebook_tools import NotebookTools
from tests.integration.conftest import RandomIds, SystemClock
from tests.integration.notebook_agent import NOTEBOOK, Agent, NotebookFixtures, plan_args
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class PlanLifecycleContract(NotebookFixtures):
    """Every plan-lifecycle rule of the seed's notebook, one test each, on one store backend."""

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


class TestNotebookRulesOnMemory(OnMemory, PlanLifecycleContract):
    """On the in-memory store."""


class TestNotebookRulesOnSqlite(OnSqlite, PlanLifecycleContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestNotebookRulesOnPostgres(OnPostgres, PlanLifecycleContract):
    """On PostgreSQL, in a fresh schema."""
