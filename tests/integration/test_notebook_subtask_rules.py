"""The notebook's subtask rules, each on its own, through the tool dispatcher, on every store."""

from __future__ import annotations

import pytest

from tests.integration.notebook_agent import Agent, NotebookFixtures, plan_args, subtask
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class SubtaskRulesContract(NotebookFixtures):
    """Every subtask rule of the seed's notebook, one test each, on one store backend."""

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


class TestNotebookRulesOnMemory(OnMemory, SubtaskRulesContract):
    """On the in-memory store."""


class TestNotebookRulesOnSqlite(OnSqlite, SubtaskRulesContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestNotebookRulesOnPostgres(OnPostgres, SubtaskRulesContract):
    """On PostgreSQL, in a fresh schema."""
