"""Operator events in the fold and the read models, and the map steps they may not touch alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain.errors import (
    InvalidStepTransitionError,
)
from core.domain.plan import fold
from core.domain.plan_view import plan_view
from core.domain.status import PlanStatus
from projections.rows import AuditRow
from tests.unit.builders import (
    at,
)
from tests.unit.decided_steps import started
from tests.unit.operator_actions import (
    do_retry,
    do_skip,
    do_unpause,
    paused_then_failed,
)
from tests.unit.test_expansion import listed
from tests.unit.view_state import projected, projected_plan_view


def test_every_prefix_with_operator_events_folds_and_the_summary_rows_agree() -> None:
    ledger = paused_then_failed()
    do_retry(ledger, "a", 30)
    ledger.settle(at(30))
    do_unpause(ledger, 40)
    ledger.settle(at(40))
    ledger.fail("a", at(50))
    ledger.settle(at(50))
    do_skip(ledger, "a", 60)
    ledger.settle(at(60))

    assert started(ledger.events) == [("a", 1), ("a", 2), ("b", 1)]
    for count in range(1, len(ledger.events) + 1):
        prefix = ledger.events[:count]
        assert projected_plan_view(projected(prefix), ledger.plan.plan_id) == plan_view(
            fold(prefix)
        ), count
    assert plan_view(fold(ledger.events)) == plan_view(ledger.plan)


def test_each_operator_action_is_one_audit_row_with_who_and_why() -> None:
    ledger = paused_then_failed()
    do_retry(ledger, "a", 30)
    do_unpause(ledger, 40)
    ledger.settle(at(40))
    ledger.fail("a", at(50))
    ledger.settle(at(50))
    do_skip(ledger, "a", 60)

    rows = sorted(projected(ledger.events).rows(AuditRow), key=lambda row: row.version)

    assert [(row.action, row.actor, row.reason) for row in rows] == [
        ("created", "alice", None),
        ("paused", "olga", "deploy freeze"),
        ("step_retried", "olga", "step 'a': flaky"),
        ("unpaused", "olga", "thawed"),
        ("step_skipped", "olga", "step 'a': known"),
    ]


def test_a_pause_outlives_the_plans_end_and_holds_once_it_is_reopened() -> None:
    ledger = paused_then_failed()
    assert ledger.plan.status is PlanStatus.FAILED
    assert not ledger.plan.paused

    do_retry(ledger, "a", 30)

    assert ledger.plan.paused
    assert ledger.decide(at(30) + timedelta(seconds=1)).decisions == ()


@pytest.mark.parametrize("step_id", ["map", "map[0]"])
def test_an_expanded_map_and_its_items_are_neither_retried_nor_skipped_alone(step_id: str) -> None:
    ledger = listed(["a", "b"], continue_on_error=True)
    ledger.fail("map[0]", at(2))
    ledger.settle(at(2))
    ledger.succeed("map[1]", at(3), "B")
    ledger.settle(at(3))
    assert ledger.plan.status is PlanStatus.PARTIAL
    version = ledger.plan.version

    for command in (do_retry, do_skip):
        with pytest.raises(InvalidStepTransitionError, match="fork the plan from 'map'"):
            command(ledger, step_id, 4)

    assert ledger.plan.version == version
