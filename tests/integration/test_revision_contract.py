"""Live revision and fork-from-a-step through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest

from adapters.audit import verify_store
from adapters.read_models import audit_trail, open_read_side, show_plan
from adapters.store import LibraryEventStore, parse_store_url
from adapters.time_travel import PointInHistory, state_at
from core.domain.errors import (
    InvalidTransitionError,
    PlanLedgerError,
    RevisionRefusedError,
    StepNotFoundError,
)
from core.domain.events import StepAdded, StepRemoved, StepResultReused, StepRevised, StepStarted
from core.domain.plan import PlanState, fold
from core.domain.plan_view import plan_view
from core.domain.status import PlanStatus, StepStatus
from core.runtime.service import PlanService
from projections import PROJECTIONS
from tests.integration.conftest import ToolBench, plan_spec, step, wait_until
from tests.integration.plans_of_each_kind import revised_and_forked
from tests.integration.store_backends import OnPostgres, OnSqlite


def stored(store: LibraryEventStore) -> tuple[int, list[dict[str, Any]]]:
    """Every stored event: the head of the global log and each event of every plan."""
    recorder = store.application.recorder
    head = recorder.max_notification_id() or 0
    rows = recorder.select_notifications(start=1, limit=10_000) if head else []
    return head, [{"topic": row.topic, "state": row.state} for row in rows]


def executing_in_background(
    service: PlanService, plan_id: UUID
) -> tuple[threading.Thread, list[PlanState]]:
    ended: list[PlanState] = []
    thread = threading.Thread(target=lambda: ended.append(service.execute(plan_id)))
    thread.start()
    return thread, ended


class RevisionContract:
    """What every backend must keep of revisions and forks; subclasses name the store URL."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_steps_added_revised_and_removed_before_approval_shape_what_runs(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("a", parameters={"value": "A"}),
            step("b", depends_on=["a"], parameters={"value": "old"}),
            step("c", depends_on=["a"]),
            require_approval=True,
        )
        plan_id = service.create_plan(spec, by="alice")

        service.add_step(
            plan_id,
            step("d", depends_on=["b"], parameters={"value": "{{ steps.a.result.value }}-d"}),
            by="bob",
            reason="report",
        )
        service.revise_step(plan_id, "b", {"parameters": {"value": "new"}}, by="bob", reason="fix")
        service.remove_step(plan_id, "c", by="carol", reason="not needed")
        service.approve(plan_id, by="dan")
        plan = service.execute(plan_id)

        assert plan.status is PlanStatus.COMPLETED
        assert [s.id for s in plan.spec.steps] == ["a", "b", "d"]
        assert {s: len(bench.calls_of(s)) for s in "abcd"} == {"a": 1, "b": 1, "c": 0, "d": 1}
        history = service.history(plan_id)
        starts = {e.step_id: e.parameters for e in history if isinstance(e, StepStarted)}
        assert starts["b"] == {"value": "new"}
        assert starts["d"] == {"value": "A-d"}
        revisions = [
            (type(e).__name__, e.by, e.reason, e.actor)
            for e in history
            if isinstance(e, StepAdded | StepRevised | StepRemoved)
        ]
        assert revisions == [
            ("StepAdded", "bob", "report", "bob"),
            ("StepRevised", "bob", "fix", "bob"),
            ("StepRemoved", "carol", "not needed", "carol"),
        ]

    def test_a_refused_revision_leaves_the_event_log_unchanged(
        self, service: PlanService, store: LibraryEventStore, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("hold", tool="block", parameters={"gate": "go"}),
            step("b", depends_on=["hold"]),
            step("c", depends_on=["b"]),
        )
        plan_id = service.create_plan(spec, by="alice")
        thread, _ = executing_in_background(service, plan_id)
        wait_until(lambda: bench.has_started("hold"), what="hold to start")
        before = stored(store)
        refusals: list[tuple[type[PlanLedgerError], Any]] = [
            (
                RevisionRefusedError,
                lambda: service.revise_step(
                    plan_id, "b", {"depends_on": ["c"]}, by="x", reason="cycle"
                ),
            ),
            (
                RevisionRefusedError,
                lambda: service.remove_step(plan_id, "b", by="x", reason="orphans c"),
            ),
            (
                RevisionRefusedError,
                lambda: service.revise_step(
                    plan_id, "hold", {"max_retries": 2}, by="x", reason="started"
                ),
            ),
            (
                RevisionRefusedError,
                lambda: service.add_step(
                    plan_id, step("d", parameters={"nope": 1}), by="x", reason="bad parameter"
                ),
            ),
            (
                StepNotFoundError,
                lambda: service.remove_step(plan_id, "ghost", by="x", reason="unknown"),
            ),
        ]

        raised = []
        for error_type, attempt in refusals:
            with pytest.raises(error_type) as refused:
                attempt()
            raised.append(str(refused.value))
        after = stored(store)
        bench.gate("go").set()
        thread.join(timeout=10)

        assert after == before
        assert "dependency cycle" in raised[0]
        assert "orphan" in raised[1]
        assert "steps[c].depends_on" in raised[1]
        assert "has started" in raised[2]
        assert "steps[d].parameters.nope: unknown parameter" in raised[3]
        assert "no step 'ghost'" in raised[4]
        assert service.get_plan(plan_id).status is PlanStatus.COMPLETED
        finished = stored(store)
        with pytest.raises(InvalidTransitionError):
            service.add_step(plan_id, step("late"), by="x", reason="too late")
        assert stored(store) == finished

    def test_steps_added_and_revised_while_the_plan_runs_are_run_by_the_running_engine(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("hold", tool="block", parameters={"gate": "release"}),
            step("next", depends_on=["hold"], parameters={"value": "old"}),
        )
        plan_id = service.create_plan(spec, by="alice")
        thread, ended = executing_in_background(service, plan_id)
        wait_until(lambda: bench.has_started("hold"), what="hold to start")

        service.add_step(plan_id, step("extra"), by="bob", reason="independent")
        wait_until(lambda: bench.has_started("extra"), what="the engine to start the new step")
        service.add_step(
            plan_id, step("after", depends_on=["hold", "extra"]), by="bob", reason="joins"
        )
        service.revise_step(plan_id, "next", {"parameters": {"value": "new"}}, by="bob", reason="r")
        bench.gate("release").set()
        thread.join(timeout=10)

        assert not thread.is_alive()
        plan = ended[0]
        assert plan.status is PlanStatus.COMPLETED
        assert {s: len(bench.calls_of(s)) for s in ("hold", "extra", "after", "next")} == {
            "hold": 1,
            "extra": 1,
            "after": 1,
            "next": 1,
        }
        assert plan.steps["next"].result == {"value": "new", "step": "next"}
        assert service.get_plan(plan_id).version == plan.version

    def test_revisions_racing_the_engines_appends_are_each_applied_once(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        chain = [step(f"s{i}", depends_on=[f"s{i - 1}"] if i else []) for i in range(15)]
        spec = plan_spec(*chain, step("end", tool="block", parameters={"gate": "end"}))
        plan_id = service.create_plan(spec, by="alice")
        thread, ended = executing_in_background(service, plan_id)

        for index in range(10):
            service.add_step(plan_id, step(f"x{index}"), by="bob", reason="race")
        bench.gate("end").set()
        thread.join(timeout=20)

        plan = ended[0]
        added = [e for e in service.history(plan_id) if isinstance(e, StepAdded)]
        assert plan.status is PlanStatus.COMPLETED
        assert [e.step.id for e in added] == [f"x{i}" for i in range(10)]
        assert all(len(bench.calls_of(f"x{i}")) == 1 for i in range(10))
        assert set(bench.call_counts().values()) == {1}

    def test_a_fork_of_a_failed_plan_re_runs_only_the_failed_step_and_its_dependants(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        shape = [
            step("fetch", parameters={"value": "rev-1"}),
            step("build", tool="fail", depends_on=["fetch"], parameters={"times": 1}),
            step("test", depends_on=["build"]),
            step("docs", depends_on=["fetch"]),
            step("lint"),
        ]
        source = service.run(plan_spec(*shape), by="alice")
        counts_before = {s: len(bench.calls_of(s)) for s in ("fetch", "docs", "lint")}
        shape[1] = step("build", tool="fail", depends_on=["fetch"], parameters={"times": 0})

        fork_id = service.fork(source.plan_id, from_step="build", by="bob", spec=plan_spec(*shape))
        fork = service.execute(fork_id)

        assert source.status is PlanStatus.FAILED
        assert fork.status is PlanStatus.COMPLETED
        rerun = {s for s in fork.steps if fork.steps[s].attempt > 0}
        reused = {
            e.step_id: e.result for e in service.history(fork_id) if isinstance(e, StepResultReused)
        }
        assert reused["fetch"] == {"value": "rev-1", "step": "fetch"}
        assert rerun == {"build", "test"} | ({"docs", "lint"} - set(reused))
        after = {s: len(bench.calls_of(s)) for s in ("fetch", "docs", "lint")}
        assert after["fetch"] == counts_before["fetch"] == 1
        assert len(bench.calls_of("build")) == 2
        assert len(bench.calls_of("test")) == 1
        assert fork.forked_from is not None
        assert (fork.forked_from.source_plan_id, fork.forked_from.source_version) == (
            source.plan_id,
            source.version,
        )

    def test_a_fork_of_a_completed_plan_from_a_middle_step_reuses_what_is_upstream(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("a", parameters={"value": "A"}),
            step("b", depends_on=["a"], parameters={"value": "{{ steps.a.result.value }}-b"}),
            step("c", depends_on=["b"]),
            step("side", depends_on=["a"]),
            require_approval=True,
        )
        source = service.run(spec, by="alice", approve_as="dan")

        fork_id = service.fork(source.plan_id, from_step="b", by="bob")
        waiting = service.get_plan(fork_id)
        service.approve(fork_id, by="dan")
        fork = service.execute(fork_id)

        assert waiting.status is PlanStatus.PENDING_APPROVAL
        assert waiting.created_by == "bob"
        assert fork.status is PlanStatus.COMPLETED
        assert {s: len(bench.calls_of(s)) for s in ("a", "b", "c", "side")} == {
            "a": 1,
            "b": 2,
            "c": 2,
            "side": 1,
        }
        assert fork.steps["b"].result == {"value": "A-b", "step": "b"}
        assert (fork.steps["a"].status, fork.steps["a"].attempt) == (StepStatus.COMPLETED, 0)
        assert fork.inputs == source.inputs

    def test_a_fork_of_a_running_plan_or_from_an_unknown_step_is_refused_and_writes_nothing(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        waiting = service.create_plan(plan_spec(step("a"), require_approval=True), by="alice")
        ended = service.run(plan_spec(step("a")), by="alice").plan_id
        before = stored(store)

        with pytest.raises(InvalidTransitionError) as not_ended:
            service.fork(waiting, from_step="a", by="bob")
        with pytest.raises(StepNotFoundError) as unknown:
            service.fork(ended, from_step="ghost", by="bob")

        assert stored(store) == before
        assert not_ended.value.status == "pending_approval"
        assert unknown.value.step_id == "ghost"

    def test_revised_and_forked_histories_verify_and_show_every_past_version(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        plan_ids = revised_and_forked(service)

        report = verify_store(store, plan_ids).to_json()

        assert report == {"plans_checked": 3, "findings": []}
        for plan_id in plan_ids:
            history = service.history(plan_id)
            for version in range(1, len(history) + 1):
                shown = state_at(store, plan_id, PointInHistory(version=version))
                assert plan_view(shown) == plan_view(fold(history[:version]))

    def test_the_read_models_count_added_and_removed_steps_and_audit_each_revision(
        self, service: PlanService, store: LibraryEventStore, store_url: str
    ) -> None:
        side = open_read_side(parse_store_url(store_url), store, PROJECTIONS)
        plan_id = service.create_plan(
            plan_spec(step("a"), step("b"), require_approval=True), by="alice"
        )
        side.catch_up()

        service.add_step(plan_id, step("c", depends_on=["a"]), by="bob", reason="more")
        service.remove_step(plan_id, "b", by="carol", reason="less")
        side.catch_up()
        waiting = show_plan(side.database, plan_id)
        service.approve(plan_id, by="dan")
        service.execute(plan_id)
        side.catch_up()
        ended = show_plan(side.database, plan_id)
        trail = audit_trail(side.database, plan_id)
        side.close()

        assert waiting == plan_view(fold(service.history(plan_id)[:4]))
        assert (waiting["summary"]["total_steps"], waiting["summary"]["pending"]) == (2, 2)
        assert [s["id"] for s in ended["steps"]] == ["a", "c"]
        assert ended == plan_view(service.get_plan(plan_id))
        assert [(r["action"], r["actor"], r["version"]) for r in trail] == [
            ("created", "alice", 1),
            ("step_added", "bob", 3),
            ("step_removed", "carol", 4),
            ("approved", "dan", 5),
        ]
        history = service.history(plan_id)
        assert [r["event_hash"] for r in trail] == [history[r["version"] - 1].hash for r in trail]


class TestRevisionOnSqlite(OnSqlite, RevisionContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestRevisionOnPostgres(OnPostgres, RevisionContract):
    """On PostgreSQL, in a fresh schema."""
