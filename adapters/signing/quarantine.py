"""Quarantining a plan a writer refused: one `PlanQuarantined`, signed by the refusing writer.

A writer that trusts only some keys and finds an event it may not act on appends nothing but
this, and only when it can sign: an unsigned quarantine would be one more event it cannot trust.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

import structlog

from adapters.store import LibraryEventStore
from core import (
    ConcurrencyError,
    CorruptHistoryError,
    UntrustedHistoryError,
    fold,
    quarantine,
)

logger = structlog.get_logger("planledger.signing")


def quarantine_plan(store: LibraryEventStore, error: UntrustedHistoryError, *, by: str) -> bool:
    """Append `PlanQuarantined` for the refused plan; False when it cannot be recorded.

    It cannot without a signing key, when the history does not fold, or when another writer
    appended first (the next refusal quarantines it).
    """
    if store.signer is None:
        logger.warning("plan_not_quarantined", plan_id=str(error.plan_id), why="cannot sign")
        return False
    try:
        plan = fold(store.load_unchecked(UUID(str(error.plan_id))))
        events = quarantine(
            plan,
            untrusted_version=error.version,
            reason=error.reason,
            by=by,
            now=datetime.now(UTC),
            correlation_id=uuid.uuid4(),
        )
        store.append(events)
    except (CorruptHistoryError, ConcurrencyError, ValueError) as failure:
        logger.warning("plan_not_quarantined", plan_id=str(error.plan_id), why=str(failure))
        return False
    logger.warning("plan_quarantined", plan_id=str(error.plan_id), version=error.version)
    return True
