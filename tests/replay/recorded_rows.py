"""Recorded histories as stored rows, loaded back through the real mapper and a SQLite store.

Each `histories/<name>.jsonl` holds a plan's stored rows as the event store kept them; the
`.expected.json` beside it is the plan as it was folded when recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from adapters.store import open_event_store, parse_store_url

HISTORIES = Path(__file__).parent / "histories"
NAMES = sorted(path.stem for path in HISTORIES.glob("*.jsonl"))


def rows_in(folder: Path, name: str) -> list[dict[str, Any]]:
    lines = (folder / f"{name}.jsonl").read_bytes().splitlines()
    return [orjson.loads(line) for line in lines if line.strip()]


def rows_of(name: str) -> list[dict[str, Any]]:
    return rows_in(HISTORIES, name)


def stored(rows: list[dict[str, Any]]) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=UUID(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=orjson.dumps(row["state"]),
        )
        for row in rows
    ]


def expected_of(name: str) -> dict[str, Any]:
    return orjson.loads((HISTORIES / f"{name}.expected.json").read_bytes())


def load_through_sqlite(tmp_path: Path, rows: list[dict[str, Any]]) -> Any:
    store = open_event_store(parse_store_url(f"sqlite:///{tmp_path}/replay.db"))
    try:
        store.application.recorder.insert_events(stored(rows))
        return store.load(UUID(rows[0]["originator_id"]))
    finally:
        store.close()
