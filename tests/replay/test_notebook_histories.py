"""Recorded notebook histories must keep loading and folding to their recorded notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from core.domain.errors import CorruptHistoryError
from core.domain.hash_chain import event_hash
from core.domain.notebook import fold_notebook, notebook_view
from tests.replay.recorded_rows import load_through_sqlite, rows_in

HISTORIES = Path(__file__).parent / "histories" / "notebooks"
NAMES = sorted(path.stem for path in HISTORIES.glob("*.jsonl"))


def rows_of(name: str) -> list[dict[str, Any]]:
    return rows_in(HISTORIES, name)


def test_there_is_a_recorded_notebook_history() -> None:
    assert NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_recorded_notebook_folds_to_its_recorded_view_and_every_prefix_folds(
    name: str, tmp_path: Path
) -> None:
    events = load_through_sqlite(tmp_path, rows_of(name))

    state = fold_notebook(events)

    assert state is not None
    expected = orjson.loads((HISTORIES / f"{name}.expected.json").read_bytes())
    assert notebook_view(state) == expected
    for k in range(1, len(events)):
        prefix = fold_notebook(events[:k])
        assert prefix is not None
        assert prefix.version == k
    assert [event_hash(event) for event in events] == [event.hash for event in events]


def test_a_notebook_history_with_a_missing_event_fails_loudly(tmp_path: Path) -> None:
    rows = rows_of("notebook_every_call")
    del rows[3]
    for version, row in enumerate(rows, start=1):
        row["originator_version"] = version

    events = load_through_sqlite(tmp_path, rows)

    with pytest.raises(CorruptHistoryError, match="does not follow"):
        fold_notebook(events)
