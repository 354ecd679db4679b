"""Stamping a run of new events for one plan: versions, time, actor, correlation, the chain.

Every decision function builds its events through a stamper, so each run continues the plan's
versions and hash chain exactly where its state ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from core.domain.events import PlanEvent
from core.domain.hash_chain import seal
from core.domain.json_value import JsonValue
from core.domain.plan import PlanState

E = TypeVar("E", bound=PlanEvent)


@dataclass
class EventStamper:
    """Builds a run of events for one plan: consecutive versions, shared metadata, one chain."""

    plan_id: UUID
    next_version: int
    timestamp: datetime
    actor: str
    correlation_id: UUID
    prev_hash: str | None = None

    @classmethod
    def after(
        cls, plan: PlanState, now: datetime, actor: str, correlation_id: UUID
    ) -> EventStamper:
        """A stamper for events that follow the plan's current version."""
        return cls(plan.plan_id, plan.version + 1, now, actor, correlation_id, plan.head_hash)

    def __call__(self, event_type: type[E], **fields: JsonValue) -> E:
        event = seal(
            event_type(
                originator_id=self.plan_id,
                originator_version=self.next_version,
                timestamp=self.timestamp,
                actor=self.actor,
                correlation_id=self.correlation_id,
                prev_hash=self.prev_hash,
                **fields,
            )
        )
        self.next_version += 1
        self.prev_hash = event.hash
        return event
