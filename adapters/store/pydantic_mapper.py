"""Maps core's pydantic events to the library's stored events, serialised with orjson."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from adapters.store.event_topics import EventTopics
from core import SEAL_FIELDS, PlanEvent

_ENVELOPE = {"originator_id", "originator_version"}
_UNSIGNED = {*_ENVELOPE, *SEAL_FIELDS}
"""An unsigned event is stored without the signature's fields, as every event was before them."""

DECODE_ERRORS = (LookupError, ValueError, TypeError, AttributeError)
"""What decoding a row no event class accepts raises: an unknown topic (a `LookupError`),
bytes that are not JSON or a state the class refuses (`ValueError`s), a missing upcaster."""


class OrjsonTranscoder(Transcoder):
    """JSON bytes via orjson: events arrive here already reduced to JSON types."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[UUID]):
    """Stores `model_dump(mode="json")` plus the class version; loads through upcasters.

    Keeps the library's convention: a `class_version` above 1 is stored with the state, and on
    load `upcast_vN_vN+1(state)` static methods bring an older state up to the current class.
    Topics are looked up in `topics`, an allow-list: a stored row never names code to import.
    """

    def __init__(self, transcoder: Transcoder, topics: EventTopics) -> None:
        super().__init__(transcoder=transcoder)
        self.topics = topics

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event = cast(PlanEvent, domain_event)
        unsigned = event.signature is None
        state = event.model_dump(mode="json", exclude=_UNSIGNED if unsigned else _ENVELOPE)
        if event.class_version > 1:
            state["class_version"] = event.class_version
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=self.topics.topic_of(type(event)),
            state=self.transcoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        # Runs for every event a projector reads: string casts, no typing subscriptions.
        event_class = self.topics.class_of(stored_event.topic)
        state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        stored_version = state.pop("class_version", 1)
        while stored_version < event_class.class_version:
            getattr(event_class, f"upcast_v{stored_version}_v{stored_version + 1}")(state)
            stored_version += 1
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cast("DomainEventProtocol[UUID]", event_class.model_validate(state))
