"""The recorded map-reduce history keeps its expansion, its per-item failure and its reduce."""

from __future__ import annotations

from pathlib import Path

from core.domain.plan import fold
from core.domain.status import StepStatus
from tests.replay.recorded_rows import load_through_sqlite, rows_of


def test_the_map_reduce_history_keeps_its_items_their_results_and_the_reduce(
    tmp_path: Path,
) -> None:
    events = load_through_sqlite(tmp_path, rows_of("map_reduce_with_a_bad_item"))

    plan = fold(events)

    assert [plan.steps[f"map[{i}]"].item for i in range(4)] == [
        {"n": 1},
        {"n": 2},
        {"x": 0},
        {"n": 4},
    ]
    assert plan.steps["map"].result == [10, 20, None, 40]
    assert plan.steps["map"].status is StepStatus.FAILED
    error = plan.steps["map[2]"].error
    assert error is not None
    assert error.error_type == "parameter_error"
    assert plan.steps["none"].result == []
    assert plan.steps["reduce"].result == [10, 20, 40]
