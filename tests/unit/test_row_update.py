"""`updated` must build exactly the row `dataclasses.replace` builds, and refuse unknown fields."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from projections.row_update import updated
from projections.rows import StepAttemptRow


def attempt() -> StepAttemptRow:
    return StepAttemptRow(
        plan_id=uuid.uuid4(),
        step_id="build",
        attempt=1,
        tool="shell",
        status="running",
        started_at=datetime(2025, 1, 1, tzinfo=UTC),
        finished_at=None,
        duration_ms=None,
        error_type=None,
        error_message=None,
        worker="w1",
    )


def test_an_updated_row_equals_the_replaced_one_and_leaves_the_original_alone() -> None:
    row = attempt()

    copy = updated(row, status="completed", duration_ms=12)

    assert copy == dataclasses.replace(row, status="completed", duration_ms=12)
    assert (row.status, row.duration_ms) == ("running", None)
    assert hash(copy) == hash(dataclasses.replace(row, status="completed", duration_ms=12))
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.status = "failed"  # type: ignore[misc]


def test_an_unknown_field_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="no field 'stauts'"):
        updated(attempt(), stauts="completed")
