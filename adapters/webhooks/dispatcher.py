"""Delivering the log to webhook subscribers: in order per subscription, at least once, retried.

Each subscription is worked on by one task at a time in a pool, so a slow or failing receiver
holds up only its own subscription. A task reads the log after the subscription's position
through the projector's gap-safe reader and posts each wanted event in order; a failed post
(not 2xx, a timeout, a refused connection) stops the task and schedules the same event again
after an exponential back-off, so no later event overtakes it.

Several servers may run a dispatcher on one store: a task posts only after claiming the
subscription's lease (`leases`), and the loop renews the leases of running tasks, so each
subscription is delivered by one live server at a time. A task whose write finds the lease gone
stops without writing; the new holder goes on from the recorded position.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import orjson
import structlog

from adapters.event_records import event_to_record
from adapters.read_models import EventLog
from adapters.webhooks.leases import Lease
from adapters.webhooks.signatures import sign, subscription_secret
from adapters.webhooks.subscriptions import Attempt, Subscription, Subscriptions
from core import PlanEvent

BATCH = 100
MAX_BACKOFF_S = 300.0
LOOK_AGAIN_S = 0.5
"""Look for retries that have fallen due at least this often."""

logger = structlog.get_logger("planledger.webhooks")


class WebhookDispatcher:
    """Follows the log for every live subscription until stopped."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        log: EventLog,
        server_key: str,
        client: httpx.Client,
        now: Callable[[], datetime],
        lease: Lease,
        *,
        backoff_s: float = 1.0,
        workers: int = 8,
    ) -> None:
        self._subscriptions = subscriptions
        self._log = log
        self._key = server_key
        self._client = client
        self._now = now
        self._lease = lease
        self._backoff_s = backoff_s
        self._workers = workers
        self._renewed: dict[str, float] = {}
        """Each subscription a task of ours holds the lease of, and when it was last renewed
        (monotonic seconds): the loop renews it before a third of the lease has passed."""
        self._renewed_lock = threading.Lock()
        self.wake = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Start a task for each subscription that is due and idle; repeat until `stop`."""
        in_flight: dict[str, Future[None]] = {}
        look_again_s = min(LOOK_AGAIN_S, self._lease.seconds / 3)
        with ThreadPoolExecutor(self._workers, thread_name_prefix="webhook") as pool:
            while not stop.is_set():
                try:
                    for subscription in self._due(in_flight):
                        in_flight[subscription.id] = pool.submit(self._guarded, subscription)
                    self._renew_held()
                except Exception as error:  # a database that is away for a while: look again
                    logger.warning("webhook_loop_failed", error=str(error))
                self.wake.wait(look_again_s)
                self.wake.clear()
            pool.shutdown(wait=True, cancel_futures=True)
        try:
            self._subscriptions.release(self._lease.holder)
        except Exception as error:  # the leases lapse on their own
            logger.warning("webhook_release_failed", error=str(error))

    def _renew_held(self) -> None:
        """Renew the leases of running tasks while a post may still be waiting on a receiver."""
        due = time.monotonic() - self._lease.seconds / 3
        with self._renewed_lock:
            held = list(self._renewed.items())
        for subscription_id, renewed in held:
            if renewed > due:
                continue
            try:
                still_ours = self._subscriptions.renew(subscription_id, self._lease)
            except Exception as error:  # the task's own next write finds out
                logger.warning(
                    "webhook_renew_failed", subscription=subscription_id, error=str(error)
                )
                continue
            if still_ours:
                self._mark_renewed(subscription_id, only_if_held=True)
            else:
                self._forget(subscription_id)

    def _mark_renewed(self, subscription_id: str, *, only_if_held: bool = False) -> None:
        with self._renewed_lock:
            if not only_if_held or subscription_id in self._renewed:
                self._renewed[subscription_id] = time.monotonic()

    def _forget(self, subscription_id: str) -> None:
        with self._renewed_lock:
            self._renewed.pop(subscription_id, None)

    def _due(self, in_flight: dict[str, Future[None]]) -> list[Subscription]:
        now = self._now()
        due = []
        for subscription in self._subscriptions.live():
            task = in_flight.get(subscription.id)
            if task is not None and not task.done():
                continue
            if subscription.is_due(now):
                due.append(subscription)
        return due

    def _guarded(self, subscription: Subscription) -> None:
        try:
            self.deliver(subscription)
        except Exception as error:  # a task must never kill the loop; it is tried again
            logger.warning("webhook_task_failed", subscription=subscription.id, error=str(error))
        finally:
            self._forget(subscription.id)

    def deliver(self, subscription: Subscription) -> None:
        """Claim the subscription's lease when there is something to post, then post the
        wanted events after its recorded position, in order, until one fails or the lease is
        lost."""
        entries = self._log.read(subscription.position, BATCH)
        if not entries:
            return
        claimed = self._subscriptions.claim(subscription.id, self._lease)
        if claimed is None or not claimed.is_due(self._now()):
            return
        self._mark_renewed(claimed.id)
        if claimed.position != subscription.position:  # another server delivered meanwhile
            entries = self._log.read(claimed.position, BATCH)
        for entry in entries:
            event = entry.event
            if event is None or not claimed.wants(type(event).__name__, str(event.plan_id)):
                continue
            if not self._post(claimed, entry.position, event):
                return
        if not entries:
            return
        advanced = self._subscriptions.advance(claimed.id, entries[-1].position, self._lease)
        if advanced and len(entries) == BATCH:
            self.wake.set()

    def _post(self, subscription: Subscription, position: int, event: PlanEvent) -> bool:
        """Post one event; True when it was delivered and recorded under our lease."""
        message_id = f"{subscription.id}-{position}"
        body = orjson.dumps(
            {
                "type": type(event).__name__,
                "timestamp": event.timestamp.isoformat(),
                "position": position,
                "data": event_to_record(event),
            }
        )
        stamp = int(time.time())
        secret = subscription_secret(self._key, subscription.id)
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, message_id, stamp, body),
        }
        attempt = self._attempt(subscription.url, body, headers)
        event_key = (type(event).__name__, str(event.plan_id))
        recorded = self._subscriptions.record_attempt(
            subscription, position, message_id, event_key, attempt, self._lease, self._backoff
        )
        if recorded:
            self._mark_renewed(subscription.id, only_if_held=True)
        else:
            logger.info("webhook_lease_lost", subscription=subscription.id, position=position)
        return recorded and attempt.succeeded

    def _backoff(self, failures: int) -> timedelta:
        """The wait after the `failures`-th failed attempt at one event."""
        return timedelta(seconds=min(self._backoff_s * 2 ** max(failures - 1, 0), MAX_BACKOFF_S))

    def _attempt(self, url: str, body: bytes, headers: dict[str, str]) -> Attempt:
        at = self._now()
        started = time.monotonic()
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            elapsed = int((time.monotonic() - started) * 1000)
            return Attempt(at, None, f"{type(error).__name__}: {error}"[:500], elapsed)
        elapsed = int((time.monotonic() - started) * 1000)
        return Attempt(at, response.status_code, None, elapsed)
