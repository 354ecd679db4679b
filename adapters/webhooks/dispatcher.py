"""Delivering the log to webhook subscribers: in order per subscription, at least once, retried.

Each subscription is worked on by one task at a time in a pool, so a slow or failing receiver
holds up only its own subscription. A task reads the log after the subscription's position
through the projector's gap-safe reader and posts each wanted event in order; a failed post
(not 2xx, a timeout, a refused connection) stops the task and schedules the same event again
after an exponential back-off, so no later event overtakes it.
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
        *,
        backoff_s: float = 1.0,
        workers: int = 8,
    ) -> None:
        self._subscriptions = subscriptions
        self._log = log
        self._key = server_key
        self._client = client
        self._now = now
        self._backoff_s = backoff_s
        self._workers = workers
        self._failures: dict[str, int] = {}
        self.wake = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Start a task for each subscription that is due and idle; repeat until `stop`."""
        in_flight: dict[str, Future[None]] = {}
        with ThreadPoolExecutor(self._workers, thread_name_prefix="webhook") as pool:
            while not stop.is_set():
                for subscription in self._due(in_flight):
                    in_flight[subscription.id] = pool.submit(self._guarded, subscription)
                self.wake.wait(LOOK_AGAIN_S)
                self.wake.clear()
            pool.shutdown(wait=True, cancel_futures=True)

    def _due(self, in_flight: dict[str, Future[None]]) -> list[Subscription]:
        now = self._now()
        due = []
        for subscription in self._subscriptions.live():
            task = in_flight.get(subscription.id)
            if task is not None and not task.done():
                continue
            if subscription.next_attempt_at is None or subscription.next_attempt_at <= now:
                due.append(subscription)
        return due

    def _guarded(self, subscription: Subscription) -> None:
        try:
            self.deliver(subscription)
        except Exception as error:  # a task must never kill the loop; it is tried again
            logger.warning("webhook_task_failed", subscription=subscription.id, error=str(error))

    def deliver(self, subscription: Subscription) -> None:
        """Post the wanted events after the subscription's position, in order, until one fails."""
        entries = self._log.read(subscription.position, BATCH)
        for entry in entries:
            event = entry.event
            if event is None or not subscription.wants(type(event).__name__, str(event.plan_id)):
                continue
            if not self._post(subscription, entry.position, event):
                return
        if entries:
            self._subscriptions.advance(subscription.id, entries[-1].position)
            if len(entries) == BATCH:
                self.wake.set()

    def _post(self, subscription: Subscription, position: int, event: PlanEvent) -> bool:
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
        failures = 0 if attempt.succeeded else self._failures.get(subscription.id, 0) + 1
        self._failures[subscription.id] = failures
        delay = min(self._backoff_s * 2 ** max(failures - 1, 0), MAX_BACKOFF_S)
        retry_at = None if attempt.succeeded else attempt.at + timedelta(seconds=delay)
        event_key = (type(event).__name__, str(event.plan_id))
        self._subscriptions.record_attempt(
            subscription, position, message_id, event_key, attempt, retry_at
        )
        return attempt.succeeded

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
