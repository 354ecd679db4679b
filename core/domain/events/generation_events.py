"""Events of how a plan was made by a model: each round of drafting and repair (pure)."""

from __future__ import annotations

from core.domain.events.base import PlanEvent
from core.domain.json_value import JsonValue


class PlanDrafted(PlanEvent):
    """Round `round` of asking `model` (through `provider`) for the plan, and what came back.

    Recorded after `PlanCreated` and before `PlanSubmitted`, one per round, so the audit trail
    shows how the plan was made. `prompt_digest` is the SHA-256 of the messages sent (they are
    rebuilt from the goal, the enabled tools and the earlier rounds); `draft` is the spec the
    model answered (its text when no JSON could be read from it); `problems` is everything the
    validator found in it, each sent back for repair (none in the round that was accepted).
    """

    round: int
    provider: str
    model: str
    prompt_digest: str
    draft: JsonValue = None
    problems: tuple[str, ...] = ()
