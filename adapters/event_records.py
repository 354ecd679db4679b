"""Events as flat JSON records, as `history --json` prints them."""

from __future__ import annotations

from typing import Any

from core import SEAL_FIELDS, PlanEvent


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
