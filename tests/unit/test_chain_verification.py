"""Chain verification names the first version where a plan's history was tampered with, and how."""

from __future__ import annotations

from uuid import UUID

import pytest

from core.domain.chain_verification import (
    ChainFinding,
    ChainProblem,
    ChainRow,
    ExpectedHead,
    verify_chain,
)
from core.domain.events import PlanApproved, PlanEvent
from core.domain.hash_chain import seal
from tests.unit.builders import PLAN_ID, T0, at, executing_plan, spec, step

V = 5
"""The version each test tampers with (the history has 9 events)."""


def history() -> list[PlanEvent]:
    """A plan that retried a step, failed it, and ended failed: 9 events."""
    ledger = executing_plan(spec(step("a", max_retries=1), step("b", "a")))
    ledger.settle(T0)
    ledger.fail("a", at(1))
    ledger.settle(at(2))
    ledger.fail("a", at(3))
    ledger.settle(at(3))
    assert len(ledger.events) == 9
    return ledger.events


def rows_of(events: list[PlanEvent]) -> list[ChainRow]:
    return [ChainRow.of(event) for event in events]


def moved(event: PlanEvent, version: int) -> ChainRow:
    """The row filed under another version, its content and stored hash untouched."""
    return ChainRow(version, event.model_copy(update={"originator_version": version}), event.hash)


def head_of(events: list[PlanEvent]) -> ExpectedHead:
    return ExpectedHead(events[-1].version, events[-1].hash)


def forged_after(previous: PlanEvent, *, links: bool = True) -> PlanEvent:
    """A self-consistently hashed approval by mallory, filed right after `previous`."""
    forged = PlanApproved(
        originator_id=previous.plan_id,
        originator_version=previous.version + 1,
        timestamp=previous.timestamp,
        actor="mallory",
        correlation_id=UUID(int=99),
        prev_hash=previous.hash if links else "sha256:" + "0" * 64,
        by="mallory",
    )
    return seal(forged)


def only(findings: list[ChainFinding]) -> tuple[UUID, int, ChainProblem]:
    assert len(findings) == 1, findings
    return findings[0].plan_id, findings[0].version, findings[0].problem


def test_an_untouched_history_verifies_with_and_without_the_head() -> None:
    events = history()

    assert verify_chain(PLAN_ID, rows_of(events)) == []
    assert verify_chain(PLAN_ID, rows_of(events), head_of(events)) == []


def test_rows_given_in_any_order_are_verified_in_version_order() -> None:
    events = history()

    assert verify_chain(PLAN_ID, rows_of(events)[::-1]) == []


def test_a_changed_field_is_changed_at_its_version() -> None:
    events = history()
    events[V - 1] = events[V - 1].model_copy(update={"actor": "mallory"})

    assert only(verify_chain(PLAN_ID, rows_of(events))) == (PLAN_ID, V, ChainProblem.CHANGED)


def test_a_changed_first_event_is_changed_at_version_1() -> None:
    events = history()
    events[0] = events[0].model_copy(update={"actor": "mallory"})

    assert only(verify_chain(PLAN_ID, rows_of(events))) == (PLAN_ID, 1, ChainProblem.CHANGED)


def test_an_unreadable_row_is_changed_and_says_why() -> None:
    rows = rows_of(history())
    rows[V - 1] = ChainRow(V, None, rows[V - 1].stored_hash, "broken JSON")

    findings = verify_chain(PLAN_ID, rows)

    assert only(findings) == (PLAN_ID, V, ChainProblem.CHANGED)
    assert "broken JSON" in findings[0].detail


def test_a_changed_and_rehashed_event_breaks_the_link_of_the_next_one() -> None:
    events = history()
    events[V - 1] = seal(events[V - 1].model_copy(update={"actor": "mallory"}))

    assert only(verify_chain(PLAN_ID, rows_of(events))) == (
        PLAN_ID,
        V + 1,
        ChainProblem.BROKEN_LINK,
    )


def test_a_removed_middle_event_is_missing_at_its_version() -> None:
    events = history()
    del events[V - 1]

    assert only(verify_chain(PLAN_ID, rows_of(events))) == (PLAN_ID, V, ChainProblem.MISSING)


def test_a_removed_first_event_is_missing_at_version_1() -> None:
    assert only(verify_chain(PLAN_ID, rows_of(history()[1:]))) == (
        PLAN_ID,
        1,
        ChainProblem.MISSING,
    )


def test_a_removed_event_with_the_later_ones_renumbered_is_missing_at_its_version() -> None:
    events = history()
    rows = rows_of(events[: V - 1]) + [moved(event, event.version - 1) for event in events[V:]]

    findings = verify_chain(PLAN_ID, rows)

    assert only(findings) == (PLAN_ID, V, ChainProblem.MISSING)
    assert f"event of version {V + 1}" in findings[0].detail


def test_two_removed_events_with_the_later_ones_renumbered_are_missing() -> None:
    events = history()
    rows = rows_of(events[: V - 1]) + [moved(event, event.version - 2) for event in events[V + 1 :]]

    assert only(verify_chain(PLAN_ID, rows)) == (PLAN_ID, V, ChainProblem.MISSING)


def test_a_removed_last_event_is_missing_against_the_read_models_head() -> None:
    events = history()
    head = head_of(events)

    findings = verify_chain(PLAN_ID, rows_of(events[:-1]), head)

    assert only(findings) == (PLAN_ID, len(events), ChainProblem.MISSING)


def test_a_removed_last_event_goes_unseen_without_a_head() -> None:
    assert verify_chain(PLAN_ID, rows_of(history()[:-1])) == []


@pytest.mark.parametrize("links", [True, False], ids=["linked", "unlinked"])
def test_a_forged_event_slipped_in_with_later_ones_shifted_up_is_inserted(links: bool) -> None:
    events = history()
    forged = forged_after(events[V - 2], links=links)
    rows = [
        *rows_of(events[: V - 1]),
        ChainRow.of(forged),
        *[moved(event, event.version + 1) for event in events[V - 1 :]],
    ]

    assert only(verify_chain(PLAN_ID, rows)) == (PLAN_ID, V, ChainProblem.INSERTED)


def test_a_duplicated_event_is_inserted_where_the_copy_does_not_fit_its_version() -> None:
    events = history()
    rows = [
        *rows_of(events[:V]),
        *[moved(event, event.version + 1) for event in events[V - 1 :]],
    ]

    assert only(verify_chain(PLAN_ID, rows)) == (PLAN_ID, V + 1, ChainProblem.INSERTED)


def test_a_forged_event_appended_after_the_head_is_inserted() -> None:
    events = history()
    head = head_of(events)
    events.append(forged_after(events[-1]))

    findings = verify_chain(PLAN_ID, rows_of(events), head)

    assert only(findings) == (PLAN_ID, head.version + 1, ChainProblem.INSERTED)


def test_a_history_rewritten_and_rehashed_to_the_end_differs_from_the_head() -> None:
    events = history()
    head = head_of(events)
    rewritten = events[: V - 1]
    for event in events[V - 1 :]:
        update = {"prev_hash": rewritten[-1].hash}
        if event.version == V:
            update["actor"] = "mallory"
        rewritten.append(seal(event.model_copy(update=update)))

    assert verify_chain(PLAN_ID, rows_of(rewritten)) == []
    assert only(verify_chain(PLAN_ID, rows_of(rewritten), head)) == (
        PLAN_ID,
        head.version,
        ChainProblem.CHANGED,
    )


@pytest.mark.parametrize("other", [V + 1, V + 4], ids=["adjacent", "distant"])
def test_two_swapped_events_are_reordered_at_the_first(other: int) -> None:
    events = history()
    rows = rows_of(events)
    rows[V - 1] = moved(events[other - 1], V)
    rows[other - 1] = moved(events[V - 1], other)

    findings = verify_chain(PLAN_ID, rows)

    assert only(findings) == (PLAN_ID, V, ChainProblem.REORDERED)
    assert "swapped" in findings[0].detail


def test_a_finding_names_the_plan_it_was_asked_about() -> None:
    other_plan = UUID(int=7)
    events = history()
    del events[V - 1]

    assert only(verify_chain(other_plan, rows_of(events)))[0] == other_plan


def test_a_row_with_no_readable_hash_is_changed() -> None:
    rows = rows_of(history())
    event = rows[V - 1].event
    rows[V - 1] = ChainRow(V, event, None)

    assert only(verify_chain(PLAN_ID, rows)) == (PLAN_ID, V, ChainProblem.CHANGED)


def test_only_the_first_break_is_reported() -> None:
    events = history()
    events[V - 1] = events[V - 1].model_copy(update={"actor": "mallory"})
    del events[V + 2]

    assert only(verify_chain(PLAN_ID, rows_of(events), head_of(history()))) == (
        PLAN_ID,
        V,
        ChainProblem.CHANGED,
    )
