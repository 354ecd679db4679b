"""Recorded notebook histories must keep loading and folding to their recorded notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest

from adapters.store import open_event_store, parse_store_url
from core.domain.errors import CorruptHistoryError
from core.domain.hash_chain import event_hash
from core.domain.notebook import fold_notebook, notebook_view
from tests.replay.test_recorded_histories import stored

HISTORIES = Path(__file__).parent / "histories" / "notebooks"
NAMES = sorted(path.stem for path in HISTORIES.glob("*.jsonl"))


def rows_of(name: str) -> list[dict[str, Any]]:
    lines = (HISTORIES / f"{name}.jsonl").read_bytes().splitlines()
    return [orjson.loads(line) for line in lines if line.strip()]


def load_through_sqlite(tmp_path: Path, rows: list[dict[str, Any]]) -> Any:
    store = open_event_store(parse_store_url(f"sqlite:///{tmp_path}/replay.db"))
    try:
        store.application.recorder.insert_events(stored(rows))
        return store.load(UUID(rows[0]["originator_id"]))
    finally:
        store.close()


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
