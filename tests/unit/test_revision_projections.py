"""The read models of revised and forked plans say what the fold says, and audit each change."""

from __future__ import annotations

from core.domain.events import PlanEvent
from core.domain.plan import PlanState
from projections import AuditLogProjection, StepHistoryProjection, ToolStatsProjection
from projections.rows import AuditRow, StepAttemptRow, ToolStatsRow
from tests.unit.builders import T0, at, executing_plan, spec, step
from tests.unit.projected_runs import assert_summary_agrees_after_every_event
from tests.unit.test_forks import FORK_ID, failed_source, fork
from tests.unit.test_revisions import add, remove, revise
from tests.unit.view_state import projected


def revised_run() -> list[PlanEvent]:
    """A run where a step is added after a finished one, another revised, a third removed."""
    ledger = executing_plan(spec(step("a"), step("b", "a"), step("c", "a"), step("d")))
    ledger.settle(T0)
    ledger.succeed("a", at(1))
    add(ledger, step("late", "a"), at(1))
    revise(ledger, "b", max_retries=3)
    ledger.succeed("d", at(1))
    remove(ledger, "c")
    ledger.settle(at(2))
    for step_id in list(ledger.plan.running):
        ledger.succeed(step_id, at(3))
    ledger.settle(at(3))
    return ledger.events


def test_after_every_event_of_a_revised_run_the_summary_rows_say_what_the_fold_says() -> None:
    events = revised_run()

    view = assert_summary_agrees_after_every_event(events)

    summary = view.summary(events[0].plan_id)
    assert summary is not None
    assert (summary.status, summary.total_steps, summary.completed) == ("completed", 4, 4)


def test_after_every_event_of_a_fork_the_rows_show_reused_steps_completed_and_the_link() -> None:
    source: PlanState = failed_source()
    events = [e for e in fork(source, "build") if isinstance(e, PlanEvent)]

    view = assert_summary_agrees_after_every_event(events)

    summary = view.summary(FORK_ID)
    assert summary is not None
    assert (summary.completed, summary.pending) == (3, 2)
    assert view.step(FORK_ID, "fetch") is not None


def test_each_revision_and_a_fork_is_one_audit_row_with_who_why_version_and_hash() -> None:
    events = revised_run()
    forked = [e for e in fork(failed_source(), "build") if isinstance(e, PlanEvent)]

    view = projected([*events, *forked], [AuditLogProjection()])

    rows = sorted(view.rows(AuditRow), key=lambda row: (str(row.plan_id), row.version))
    changes = [(r.action, r.actor, r.reason) for r in rows if r.action != "created"]
    assert changes == [
        ("step_added", "ann", "step 'late': needed"),
        ("step_revised", "ann", "step 'b' (max_retries): better"),
        ("step_removed", "ann", "step 'c': not needed"),
        (
            "forked",
            "ann",
            f"from plan {failed_source().plan_id} version {failed_source().version}, "
            "re-running 'build' and its dependants",
        ),
    ]
    recorded = {(e.plan_id, e.version): e for e in [*events, *forked]}
    for row in rows:
        event = recorded[(row.plan_id, row.version)]
        assert (row.event_hash, row.event_type, row.at) == (
            event.hash,
            type(event).__name__,
            event.timestamp,
        )


def test_a_reused_result_is_no_tool_call() -> None:
    forked = [e for e in fork(failed_source(), "build") if isinstance(e, PlanEvent)]

    view = projected(forked, [StepHistoryProjection(), ToolStatsProjection()])

    assert view.rows(StepAttemptRow) == []
    assert view.rows(ToolStatsRow) == []
