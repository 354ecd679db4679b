"""The ports: what the application service needs from the outside world (pure protocols)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.events import PlanEvent


class EventStore(Protocol):
    """An append-only store of plan events with optimistic concurrency."""

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        """The plan's events with a version above `after_version`, oldest first."""
        ...

    def append(self, events: Sequence[PlanEvent]) -> None:
        """Append all events in one transaction, or none of them.

        Raises `ConcurrencyError` if any version is already taken.
        """
        ...


class Clock(Protocol):
    """Where time comes from; core never reads the clock itself."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdFactory(Protocol):
    """Where new ids come from; core never makes random numbers itself."""

    def new_id(self) -> UUID:
        """A fresh, unique id."""
        ...
