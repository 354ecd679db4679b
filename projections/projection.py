"""The projection protocol: a named view and how each event changes its rows (pure)."""

from __future__ import annotations

from typing import Protocol

from core import PlanEvent
from projections.reader import ViewState
from projections.rows import Row


class Projection(Protocol):
    """A read model: its name, the row types it owns, and its event handler.

    `apply` must be a pure function of the event and the current rows: the same events in the
    same order always give the same rows, which is what makes a rebuild equal the live view.
    """

    name: str
    row_types: tuple[type[Row], ...]

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The rows this event creates or changes (whole rows, upserted by key)."""
        ...
