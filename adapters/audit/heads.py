"""Each plan's head (last version and hash) as the `plan_summary` read model recorded it."""

from __future__ import annotations

from uuid import UUID

from adapters.read_models import ReadModelDatabase, plan_heads
from adapters.read_models.layout import read_models_present
from core import ExpectedHead


def load_heads(database: ReadModelDatabase) -> dict[UUID, ExpectedHead]:
    """Plan id -> the head `plan_summary` holds; {} when nothing was projected yet.

    Read the heads as they are, without catching the projector up first: a catch-up would
    project events written around the engine too, and move the heads past them. Commands that
    write catch the read models up themselves, so the heads normally stand at the log's end;
    where they lag, the events after them are reported as inserted. A store whose read models
    were never built (a bare read-only copy of the events) has no heads to compare with.
    """
    if not read_models_present(database):
        return {}
    return {
        plan_id: ExpectedHead(version, head_hash)
        for plan_id, (version, head_hash) in plan_heads(database).items()
        if head_hash
    }
