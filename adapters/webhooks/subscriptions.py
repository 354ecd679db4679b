"""Webhook subscriptions, their position in the log, and every delivery and attempt made.

A subscription follows the global log from its `position`: each event it wants is delivered in
log order, and the position moves past an event only once its delivery succeeded (or past
events it does not want), so delivery is at least once and in order per subscription. Only the
holder of a subscription's lease (`leases`) delivers it, and its writes go ahead only while it
still holds the lease. Tables live beside the events: the SQLite file or the PostgreSQL schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.read_models import ReadModelDatabase
from adapters.read_models.database import Session
from adapters.webhooks import leases
from adapters.webhooks.leases import Lease
from core import JsonObject

TABLES = (
    """CREATE TABLE IF NOT EXISTS webhook_subscriptions (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, event_types TEXT NOT NULL, plan_id TEXT,
        position INTEGER NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
        deleted_at TEXT, next_attempt_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
        subscription_id TEXT NOT NULL, position INTEGER NOT NULL, message_id TEXT NOT NULL,
        event_type TEXT NOT NULL, plan_id TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL, delivered_at TEXT, PRIMARY KEY (subscription_id, position))""",
    """CREATE TABLE IF NOT EXISTS webhook_attempts (
        subscription_id TEXT NOT NULL, position INTEGER NOT NULL, attempt INTEGER NOT NULL,
        at TEXT NOT NULL, status_code INTEGER, error TEXT, duration_ms INTEGER NOT NULL,
        PRIMARY KEY (subscription_id, position, attempt))""",
    leases.TABLE,
)
COLUMNS = "id, url, event_types, plan_id, position, next_attempt_at"

MAX_PAGE = 1000


@dataclass(frozen=True)
class Subscription:
    """Where to deliver what, and how far along the log delivery has come."""

    id: str
    url: str
    event_types: tuple[str, ...]
    plan_id: str | None
    position: int
    next_attempt_at: datetime | None

    def wants(self, event_type: str, plan_id: str) -> bool:
        """True when this subscription asked for an event of this type and plan."""
        if self.event_types and event_type not in self.event_types:
            return False
        return self.plan_id is None or self.plan_id == plan_id

    def is_due(self, now: datetime) -> bool:
        """True unless a failed delivery's retry is still to come."""
        return self.next_attempt_at is None or self.next_attempt_at <= now


@dataclass(frozen=True)
class Attempt:
    """The outcome of one delivery attempt."""

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Subscriptions:
    """The subscription tables of one store's database."""

    def __init__(self, database: ReadModelDatabase) -> None:
        self._database = database
        database.create_tables(TABLES)

    def add(self, subscription: Subscription, created_by: str, now: datetime) -> None:
        with self._database.transaction(write_lock=True) as session:
            session.execute(
                "INSERT INTO webhook_subscriptions (id, url, event_types, plan_id, position, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    subscription.id,
                    subscription.url,
                    json.dumps(list(subscription.event_types)),
                    subscription.plan_id,
                    subscription.position,
                    created_by,
                    _text(now),
                ],
            )

    def delete(self, subscription_id: str, now: datetime) -> bool:
        """Stop delivering; False when there was no such (live) subscription."""
        with self._database.transaction(write_lock=True) as session:
            found = session.execute(
                "SELECT 1 FROM webhook_subscriptions WHERE id = ? AND deleted_at IS NULL",
                [subscription_id],
            )
            session.execute(
                "UPDATE webhook_subscriptions SET deleted_at = ? WHERE id = ?",
                [_text(now), subscription_id],
            )
        return bool(found)

    def live(self) -> list[Subscription]:
        """Every subscription not deleted."""
        with self._database.session() as session:
            rows = session.execute(
                f"SELECT {COLUMNS} FROM webhook_subscriptions "
                "WHERE deleted_at IS NULL ORDER BY created_at, id"
            )
        return [_subscription(row) for row in rows]

    def claim(self, subscription_id: str, lease: Lease) -> Subscription | None:
        """The subscription as it stands once its lease is ours; None when another server
        holds the lease, or the subscription was deleted."""
        with self._database.session() as session:
            if not leases.claim(session, subscription_id, lease):
                return None
            rows = session.execute(
                f"SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = ? AND deleted_at IS NULL",
                [subscription_id],
            )
        return _subscription(rows[0]) if rows else None

    def renew(self, subscription_id: str, lease: Lease) -> bool:
        """Extend a lease this server holds; False when it no longer does."""
        with self._database.session() as session:
            return leases.renew(session, subscription_id, lease)

    def release(self, holder: str) -> None:
        """Give up every lease `holder` has (a server stopping hands its work on at once)."""
        with self._database.session() as session:
            leases.release(session, holder)

    def listing(self) -> list[JsonObject]:
        """Every live subscription as the API lists it (no secret: none is stored)."""
        with self._database.session() as session:
            held = leases.lease_states(session)
        return [
            {
                "id": sub.id,
                "url": sub.url,
                "event_types": list(sub.event_types),
                "plan_id": sub.plan_id,
                "position": sub.position,
                "next_attempt_at": None
                if sub.next_attempt_at is None
                else _text(sub.next_attempt_at),
                "lease": None
                if (state := held.get(sub.id)) is None
                else {"holder": state.holder, "expires_at": _text(state.expires_at)},
            }
            for sub in self.live()
        ]

    def advance(self, subscription_id: str, position: int, lease: Lease) -> bool:
        """Delivery is done up to `position`; the next attempt is due at once. False (and
        nothing written) when this server no longer holds the lease."""
        with self._database.transaction(write_lock=True) as session:
            if not leases.renew(session, subscription_id, lease):
                return False
            _move_past(session, subscription_id, position)
        return True

    def record_attempt(
        self,
        subscription: Subscription,
        position: int,
        message_id: str,
        event: tuple[str, str],
        attempt: Attempt,
        lease: Lease,
        backoff: Callable[[int], timedelta],
    ) -> bool:
        """Keep an attempt; on success the delivery is done and the position moves past it,
        on failure the next attempt is due after `backoff(failed attempts of this event)`.
        False (and nothing written) when this server no longer holds the lease."""
        event_type, plan_id = event
        status = "delivered" if attempt.succeeded else "retrying"
        with self._database.transaction(write_lock=True) as session:
            if not leases.renew(session, subscription.id, lease):
                return False
            session.execute(
                "INSERT INTO webhook_deliveries (subscription_id, position, message_id, "
                "event_type, plan_id, status, attempts) VALUES (?, ?, ?, ?, ?, ?, 0) "
                "ON CONFLICT DO NOTHING",
                [subscription.id, position, message_id, event_type, plan_id, status],
            )
            (count,) = session.execute(
                "SELECT attempts FROM webhook_deliveries "
                "WHERE subscription_id = ? AND position = ?",
                [subscription.id, position],
            )[0]
            session.execute(
                "INSERT INTO webhook_attempts (subscription_id, position, attempt, at, "
                "status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    subscription.id,
                    position,
                    int(count) + 1,
                    _text(attempt.at),
                    attempt.status_code,
                    attempt.error,
                    attempt.duration_ms,
                ],
            )
            session.execute(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, "
                "delivered_at = ? WHERE subscription_id = ? AND position = ?",
                [
                    status,
                    _text(attempt.at) if attempt.succeeded else None,
                    subscription.id,
                    position,
                ],
            )
            if attempt.succeeded:
                _move_past(session, subscription.id, position)
            else:
                session.execute(
                    "UPDATE webhook_subscriptions SET next_attempt_at = ? WHERE id = ?",
                    [_text(attempt.at + backoff(int(count) + 1)), subscription.id],
                )
        return True

    def deliveries(self, subscription_id: str, after: int, limit: int) -> list[JsonObject]:
        """Deliveries above log position `after`, each with its attempts, oldest first."""
        limit = max(1, min(limit, MAX_PAGE))
        with self._database.session() as session:
            rows = session.execute(
                "SELECT position, message_id, event_type, plan_id, status, attempts, delivered_at "
                "FROM webhook_deliveries WHERE subscription_id = ? AND position > ? "
                "ORDER BY position LIMIT ?",
                [subscription_id, after, limit],
            )
            attempts = session.execute(
                "SELECT position, attempt, at, status_code, error, duration_ms "
                "FROM webhook_attempts WHERE subscription_id = ? AND position > ? "
                "AND position <= ? ORDER BY position, attempt",
                [subscription_id, after, rows[-1][0] if rows else after],
            )
        by_position: dict[int, list[JsonObject]] = {}
        for position, attempt, at, code, error, duration in attempts:
            by_position.setdefault(int(position), []).append(
                {
                    "attempt": attempt,
                    "at": at,
                    "status_code": code,
                    "error": error,
                    "duration_ms": duration,
                }
            )
        return [
            {
                "position": position,
                "message_id": message_id,
                "event_type": event_type,
                "plan_id": plan_id,
                "status": status,
                "attempts": count,
                "delivered_at": delivered,
                "attempt_log": by_position.get(int(position), []),
            }
            for position, message_id, event_type, plan_id, status, count, delivered in rows
        ]


def _move_past(session: Session, subscription_id: str, position: int) -> None:
    session.execute(
        "UPDATE webhook_subscriptions SET position = ?, next_attempt_at = NULL "
        "WHERE id = ? AND position < ?",
        [position, subscription_id, position],
    )


def _subscription(row: tuple[Any, ...]) -> Subscription:
    id, url, types, plan_id, position, next_at = row
    return Subscription(id, url, tuple(json.loads(types)), plan_id, int(position), _moment(next_at))


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
