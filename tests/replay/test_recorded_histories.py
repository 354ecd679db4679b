"""Recorded histories must keep loading, through the real mapper and a real store, forever.

Each `histories/<name>.jsonl` holds a plan's stored rows as the event store kept them; the
`.expected.json` beside it is the plan as it was folded when recorded. Never edit either to make
a test pass: a changed event class needs a new class version and an upcaster instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.domain.errors import CorruptHistoryError
from core.domain.hash_chain import event_hash
from core.domain.plan import fold
from core.domain.plan_view import plan_view
from tests.replay.recorded_rows import NAMES, expected_of, load_through_sqlite, rows_of


def test_there_are_recorded_histories_to_replay() -> None:
    assert len(NAMES) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_recorded_history_folds_to_its_recorded_outcome(name: str, tmp_path: Path) -> None:
    rows = rows_of(name)

    events = load_through_sqlite(tmp_path, rows)

    assert [event.version for event in events] == list(range(1, len(rows) + 1))
    assert plan_view(fold(events)) == expected_of(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_prefix_of_a_recorded_history_folds(name: str, tmp_path: Path) -> None:
    events = load_through_sqlite(tmp_path, rows_of(name))

    states = [plan_view(fold(events[:k])) for k in range(1, len(events) + 1)]

    assert [state["version"] for state in states] == list(range(1, len(events) + 1))


@pytest.mark.parametrize("name", NAMES)
def test_recorded_hashes_still_verify(name: str, tmp_path: Path) -> None:
    events = load_through_sqlite(tmp_path, rows_of(name))

    recomputed = [event_hash(event) for event in events]

    assert recomputed == [event.hash for event in events]
    assert [event.prev_hash for event in events] == [None, *recomputed[:-1]]


def test_a_history_with_a_missing_event_fails_loudly(tmp_path: Path) -> None:
    rows = rows_of("cicd_approved")
    del rows[5]
    for version, row in enumerate(rows, start=1):
        row["originator_version"] = version

    events = load_through_sqlite(tmp_path, rows)

    with pytest.raises(CorruptHistoryError, match=r"prev_hash|not running|cannot start"):
        fold(events)


def test_a_history_with_an_unknown_event_type_fails_loudly(tmp_path: Path) -> None:
    rows = rows_of("partial_on_error")
    rows[3]["topic"] = "core.events:StepVanished"

    with pytest.raises(CorruptHistoryError, match="StepVanished") as raised:
        load_through_sqlite(tmp_path, rows)

    assert raised.value.version == 4


def test_a_history_with_a_changed_field_type_fails_loudly(tmp_path: Path) -> None:
    rows = rows_of("retried_then_failed")
    started = next(row for row in rows if row["topic"].endswith(":StepStarted"))
    started["state"]["attempt"] = "first"

    with pytest.raises(CorruptHistoryError, match="StepStarted"):
        load_through_sqlite(tmp_path, rows)


def test_the_data_passing_history_keeps_its_inputs_conditions_and_outputs(
    tmp_path: Path,
) -> None:
    events = load_through_sqlite(tmp_path, rows_of("data_passing_with_conditions"))

    plan = fold(events)

    assert plan.inputs == {"env": "qa"}
    assert plan.outputs == {"rows": 3}
    assert plan.steps["transform"].parameters == {"value": 3}
    assert plan.steps["publish"].skip_reason == "condition false"
    assert plan.steps["audit"].result == "skipped"
    assert plan.steps["broken"].error is not None
    assert plan.steps["broken"].error.error_type == "parameter_error"
    assert plan.tallies["cleanup"].failed == 1
