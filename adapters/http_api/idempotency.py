"""`Idempotency-Key` on plan creation: one key of one principal names one plan, forever.

The key is reserved with a fresh plan id before the plan is created, and the reservation is
unique per (principal, key), so concurrent requests with one key agree on one plan; whoever
then finds that plan without events creates it. The request's digest is kept with the key: the
same key with another request is refused, as the IETF idempotency-key draft asks.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

import orjson

from adapters.read_models import ReadModelDatabase
from core import InvalidInputError

MAX_KEY_LENGTH = 200

TABLE = """
CREATE TABLE IF NOT EXISTS api_idempotency (
    principal TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
)
"""


class IdempotencyKeyError(InvalidInputError):
    """An unusable key, or a key used before with a different request."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"Idempotency-Key {key[:40]!r}: {problem}")


def request_digest(body: object) -> str:
    """A digest of the request body, independent of key order."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


class IdempotencyKeys:
    """Reservations of plan ids by (principal, key) in the store's database."""

    def __init__(self, database: ReadModelDatabase) -> None:
        self._database = database
        database.create_tables([TABLE])

    def reserve(self, principal: str, key: str, digest: str, new_id: UUID) -> UUID:
        """The plan id this key names: `new_id` the first time, the same id ever after."""
        if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise IdempotencyKeyError(key, f"1 to {MAX_KEY_LENGTH} printable characters")
        with self._database.transaction(write_lock=True) as session:
            session.execute(
                "INSERT INTO api_idempotency (principal, idempotency_key, request_digest, plan_id) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [principal, key, digest, str(new_id)],
            )
            rows = session.execute(
                "SELECT request_digest, plan_id FROM api_idempotency "
                "WHERE principal = ? AND idempotency_key = ?",
                [principal, key],
            )
        stored_digest, plan_id = rows[0]
        if stored_digest != digest:
            raise IdempotencyKeyError(key, "used before with a different request")
        return UUID(plan_id)
