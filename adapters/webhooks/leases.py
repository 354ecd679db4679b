"""Leases on webhook subscriptions: which `serve` delivers each one, timed by the database's clock.

Every server with the webhook key runs a dispatcher, and only the one holding a subscription's
lease posts its events. A claim is one conditional upsert that succeeds when the lease is free,
lapsed, or already the claimant's. The holder renews it while it delivers, and every write of a
delivery (an attempt, the position moving) renews it first in the same transaction, going ahead
only if this server still holds it: a server that stalled past its lease while another took over
writes nothing. A dead server's lease lapses and the next claimant resumes from the recorded
position, so the event it was posting may go out twice (at least once across a crash), never in
normal running. Expiry times are milliseconds by the database's clock: servers' clocks need not
agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.read_models.database import Session

TABLE = """CREATE TABLE IF NOT EXISTS webhook_leases (
    subscription_id TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)"""


@dataclass(frozen=True)
class Lease:
    """What one dispatcher claims: its name, and how long a claim or renewal lasts."""

    holder: str
    seconds: float

    @property
    def milliseconds(self) -> int:
        return max(1, round(self.seconds * 1000))


@dataclass(frozen=True)
class LeaseState:
    """Who last held a subscription's lease, and until when (by the database's clock)."""

    holder: str
    expires_at: datetime


def claim(session: Session, subscription_id: str, lease: Lease) -> bool:
    """Take the lease if it is free, lapsed or ours, for `lease.seconds` from now."""
    now = session.dialect.epoch_ms
    rows = session.execute(
        "INSERT INTO webhook_leases (subscription_id, holder, expires_at) "
        f"VALUES (?, ?, {now} + ?) ON CONFLICT (subscription_id) DO UPDATE "
        "SET holder = excluded.holder, expires_at = excluded.expires_at "
        f"WHERE webhook_leases.holder = excluded.holder OR webhook_leases.expires_at <= {now} "
        "RETURNING holder",
        [subscription_id, lease.holder, lease.milliseconds],
    )
    return bool(rows)


def renew(session: Session, subscription_id: str, lease: Lease) -> bool:
    """Extend the lease if it is still ours; False when another server has claimed it since.

    A lease that lapsed without anyone claiming it is still ours: nobody else delivered.
    """
    rows = session.execute(
        f"UPDATE webhook_leases SET expires_at = {session.dialect.epoch_ms} + ? "
        "WHERE subscription_id = ? AND holder = ? RETURNING holder",
        [lease.milliseconds, subscription_id, lease.holder],
    )
    return bool(rows)


def release(session: Session, holder: str) -> None:
    """Give up every lease `holder` has, so another server need not wait for them to lapse."""
    session.execute("DELETE FROM webhook_leases WHERE holder = ?", [holder])


def lease_states(session: Session) -> dict[str, LeaseState]:
    """Each subscription's last lease holder, by subscription id."""
    rows = session.execute("SELECT subscription_id, holder, expires_at FROM webhook_leases")
    return {
        str(subscription_id): LeaseState(
            str(holder), datetime.fromtimestamp(int(expires_at) / 1000, UTC)
        )
        for subscription_id, holder, expires_at in rows
    }
