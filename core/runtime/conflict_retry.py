"""Retrying a command that lost an optimistic-concurrency race, under one give-up policy.

A writer loads a plan, decides, and appends at the version it expects; when another writer
appended first the store raises `ConcurrencyError`, and the command reloads, decides again and
appends again. Every lost race means another writer made progress, so retrying is safe and
usually short; the bound only turns a livelock (or a bug that always conflicts) into a clear
error instead of a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from core.domain.errors import ConcurrencyError, ConflictRetriesExhaustedError

T = TypeVar("T")

MAX_CONFLICT_ATTEMPTS = 1000
"""Attempts before giving up: far beyond what many writers racing on one plan ever lose."""


def retry_on_conflict(plan_id: UUID, attempt: Callable[[], T]) -> T:
    """The result of the first `attempt()` that does not raise `ConcurrencyError`.

    Each attempt must decide on the plan as it is now (load it again, or fold in the other
    writer's events). After `MAX_CONFLICT_ATTEMPTS` lost races it raises
    `ConflictRetriesExhaustedError` naming `plan_id`; one raised by a nested retry is passed on
    as it is, never retried.
    """
    for _ in range(MAX_CONFLICT_ATTEMPTS):
        try:
            return attempt()
        except ConflictRetriesExhaustedError:
            raise
        except ConcurrencyError:
            continue
    raise ConflictRetriesExhaustedError(plan_id, MAX_CONFLICT_ATTEMPTS)
