"""The event store's own input error, in core's error tree under `InvalidInputError` (exit 2)."""

from __future__ import annotations

from core import InvalidInputError


class StoreNeedsMigrationError(InvalidInputError):
    """A PostgreSQL store not set up for this release, opened by a command that does no set-up."""

    def __init__(self, store: str) -> None:
        self.store = store
        super().__init__(
            f"store {store} is not set up for this release: run `planledger db init` once "
            "(it creates the tables, or migrates those of an earlier release)"
        )
