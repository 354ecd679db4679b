"""What every event carries, and the actor name of the engine's own decisions (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

ENGINE_ACTOR = "engine"
"""The actor named on events the engine decides by itself."""

SEAL_FIELDS = frozenset({"key_id", "signature"})
"""The writer's signature, stored with an event but outside its hash (like `hash` itself)."""


class PlanEvent(BaseModel):
    """Fields every event carries.

    A field an event class gains later is declared with `additive(...)`
    (`core.domain.additive_fields`), so old events keep their bytes.

    Attributes:
        originator_id: the plan the event belongs to.
        originator_version: the plan's version after this event (1 for `PlanCreated`).
        timestamp: when it happened (UTC), as given by the caller's clock.
        actor: who caused it: a person's name, or `engine`.
        correlation_id: shared by every event one command or one execution run produced.
        prev_hash: the hash of the plan's previous event (None for the first): the chain.
        hash: this event's own hash over its canonical form (see `core.domain.hash_chain`).
        key_id: which writer's key signed the event (None: unsigned, as every event before
            signing existed). Set by the store adapter on append; not part of the hash.
        signature: that key's signature over `hash` (see `adapters.signing`); not hashed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: str
    correlation_id: UUID
    prev_hash: str | None = None
    hash: str = ""
    key_id: str | None = None
    signature: str | None = None

    @property
    def plan_id(self) -> UUID:
        """The plan this event belongs to."""
        return self.originator_id

    @property
    def version(self) -> int:
        """The plan's version after this event."""
        return self.originator_version
