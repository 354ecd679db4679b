"""The workers' input errors, in core's error tree under `InvalidInputError` (CLI exit 2)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from core import InvalidInputError, InvalidTransitionError


class NeedsPostgresError(InvalidInputError):
    """Workers share one PostgreSQL database; other stores run plans with `planledger run`."""

    def __init__(self, command: str, store: str) -> None:
        self.command = command
        self.store = store
        super().__init__(
            f"`planledger {command}` needs a PostgreSQL store (--store postgresql://...), "
            f"not {store}; on this store use `planledger run` or `execute`"
        )


class StoreNotInitialisedError(InvalidInputError):
    """The store has no work table yet: `planledger db init` creates it once."""

    def __init__(self, store: str) -> None:
        self.store = store
        super().__init__(
            f"store {store} is not initialised for workers: run `planledger db init` once"
        )


class InvalidSubmitKeyError(InvalidInputError):
    """An idempotency key that is empty, too long, or not printable."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"invalid --key {key!r}: {reason}")


class PlanLeasedError(InvalidTransitionError):
    """`resume` of a plan a live worker holds: it would run the worker's attempts a second time
    (`cannot resume plan ID: it is being run by worker W, whose lease runs until T`)."""

    def __init__(self, plan_id: UUID, owner: str, expires_at: datetime) -> None:
        self.owner = owner
        self.expires_at = expires_at
        until = expires_at.isoformat(timespec="seconds").replace("+00:00", "Z")
        super().__init__(
            plan_id, f"being run by worker {owner}, whose lease runs until {until}", "resume"
        )
