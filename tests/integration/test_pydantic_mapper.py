"""The pydantic mapper keeps the library's versioning convention: old states upcast on load."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from adapters.store import LibraryEventStore
from core.domain.errors import CorruptHistoryError
from core.domain.events import PlanEvent
from tests.integration.conftest import open_store


class NoteAdded(PlanEvent):
    """A test event at version 2: version 1 had no `author`."""

    class_version: ClassVar[int] = 2

    text: str
    author: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["author"] = "unknown"


class NoteEdited(PlanEvent):
    """A test event at version 3: v2 added `lines` from `text`, v3 renamed `text` to `body`."""

    class_version: ClassVar[int] = 3

    body: str
    lines: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["lines"] = state["text"].count("\n") + 1

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["body"] = state.pop("text")


ENVELOPE = {
    "timestamp": "2024-05-01T12:00:00.123456Z",
    "actor": "alice",
    "correlation_id": "6f1c1d7e-3f43-4b55-9b0f-0d9e5d3c2a10",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LibraryEventStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'mapper.db'}")
    for event_class in (NoteAdded, NoteEdited):  # topics are an allow-list: register ours
        opened.application.mapper.topics.register(event_class, get_topic(event_class))
    yield opened
    opened.close()


def insert_raw(
    store: LibraryEventStore, plan_id: uuid.UUID, event_class: type | str, state: dict[str, Any]
) -> None:
    """Write a stored event as an older version of the code would have written it."""
    stored = StoredEvent(
        originator_id=plan_id,
        originator_version=1,
        topic=event_class if isinstance(event_class, str) else get_topic(event_class),
        state=orjson.dumps(state),
    )
    store.application.recorder.insert_events([stored])


def test_a_stored_version_1_state_loads_as_version_2(store: LibraryEventStore) -> None:
    plan_id = uuid.uuid4()
    insert_raw(store, plan_id, NoteAdded, {**ENVELOPE, "text": "hello"})

    [event] = store.load(plan_id)

    assert isinstance(event, NoteAdded)
    assert (event.text, event.author) == ("hello", "unknown")
    assert (event.plan_id, event.version, event.actor) == (plan_id, 1, "alice")
    assert event.timestamp == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_upcasters_run_in_order_from_the_stored_version(store: LibraryEventStore) -> None:
    from_v1, from_v2 = uuid.uuid4(), uuid.uuid4()
    insert_raw(store, from_v1, NoteEdited, {**ENVELOPE, "text": "a\nb"})
    insert_raw(
        store, from_v2, NoteEdited, {**ENVELOPE, "text": "a", "lines": 7, "class_version": 2}
    )

    [upcast_twice] = store.load(from_v1)
    [upcast_once] = store.load(from_v2)

    assert isinstance(upcast_twice, NoteEdited)
    assert (upcast_twice.body, upcast_twice.lines) == ("a\nb", 2)
    assert isinstance(upcast_once, NoteEdited)
    assert (upcast_once.body, upcast_once.lines) == ("a", 7)


def test_a_current_event_is_stored_with_its_class_version_and_loads_unchanged(
    store: LibraryEventStore,
) -> None:
    event = NoteAdded(
        originator_id=uuid.uuid4(),
        originator_version=1,
        timestamp=datetime.now(UTC),
        actor="alice",
        correlation_id=uuid.uuid4(),
        text="hello",
        author="bob",
    )

    store.append([event])

    [stored] = store.application.recorder.select_events(event.plan_id)
    assert orjson.loads(stored.state)["class_version"] == 2
    assert store.load(event.plan_id) == [event]


@pytest.mark.parametrize(
    ("topic", "state"),
    [
        ("planledger_gone.events:NoteRemoved", {**ENVELOPE}),
        (get_topic(NoteAdded), {**ENVELOPE, "text": "hello", "class_version": 2, "mood": "?"}),
    ],
    ids=["unknown topic", "state the class refuses"],
)
def test_a_stored_row_no_event_class_accepts_is_a_corrupt_history(
    store: LibraryEventStore, topic: str, state: dict[str, Any]
) -> None:
    plan_id = uuid.uuid4()
    insert_raw(store, plan_id, topic, state)

    with pytest.raises(CorruptHistoryError) as raised:
        store.load(plan_id)

    assert (raised.value.plan_id, raised.value.version) == (plan_id, 1)
