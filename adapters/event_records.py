"""Events as flat JSON records (`history --json`, replay fixtures) and back."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from core import EVENT_TYPES, SEAL_FIELDS, CorruptHistoryError, PlanEvent

_BY_NAME: dict[str, type[PlanEvent]] = {
    event_type.__name__: event_type for event_type in EVENT_TYPES
}


def event_to_record(event: PlanEvent) -> dict[str, Any]:
    """`{"version", "type", "timestamp", "actor", "plan_id", ...event fields}`.

    A signed event also has `key_id` and `signature`; an unsigned one has neither key.
    """
    left_out = {"originator_id", "originator_version"}
    if event.signature is None:
        left_out |= SEAL_FIELDS
    fields = event.model_dump(mode="json", exclude=left_out)
    return {
        "version": event.version,
        "type": type(event).__name__,
        "timestamp": fields.pop("timestamp"),
        "actor": fields.pop("actor"),
        "plan_id": str(event.plan_id),
        **fields,
    }


def record_to_event(record: dict[str, Any]) -> PlanEvent:
    """Rebuild an event from its record; unknown types or bad fields raise `CorruptHistoryError`."""
    fields = dict(record)
    type_name = str(fields.pop("type", ""))
    plan_id = fields.pop("plan_id", "?")
    version = fields.pop("version", 0)
    event_type = _BY_NAME.get(type_name)
    if event_type is None:
        raise CorruptHistoryError(plan_id, version, f"unknown event type {type_name!r}")
    try:
        return event_type.model_validate(
            {"originator_id": UUID(str(plan_id)), "originator_version": version, **fields}
        )
    except ValueError as error:
        raise CorruptHistoryError(plan_id, version, str(error).splitlines()[0]) from None
