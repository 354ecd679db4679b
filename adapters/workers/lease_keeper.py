"""Keeps a worker's leases alive while its tools run, and says which ones it has lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from uuid import UUID

import structlog

from adapters.workers.work_queue import WorkQueue
from core import StoreUnavailableError

logger = structlog.get_logger("planledger.worker")

RENEWALS_PER_LEASE = 3
"""Renew three times per lease period, so one slow or failed renewal costs no lease."""


class LeaseKeeper:
    """A thread renewing `held()` every `lease_s / 3`; `on_lost` gets plans no longer held.

    A plan is lost when another worker took it (our lease had expired), or when renewals have
    failed for a whole lease period (the database is unreachable, so the lease has lapsed and
    anyone may take the plan over): the worker must then start nothing new on it.
    """

    def __init__(
        self,
        queue: WorkQueue,
        owner: str,
        lease_s: float,
        held: Callable[[], Collection[UUID]],
        on_lost: Callable[[set[UUID]], None],
    ) -> None:
        self._queue = queue
        self._owner = owner
        self._lease_s = lease_s
        self._held = held
        self._on_lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="planledger-leases", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._lease_s)

    def _loop(self) -> None:
        last_renewed = time.monotonic()
        while not self._stop.wait(self._lease_s / RENEWALS_PER_LEASE):
            held = set(self._held())
            try:
                kept = self._queue.renew(self._owner, held, self._lease_s)
            except StoreUnavailableError as error:
                logger.warning("lease_renewal_failed", error=str(error))
                if time.monotonic() - last_renewed >= self._lease_s and held:
                    self._on_lost(held)
                continue
            last_renewed = time.monotonic()
            if held - kept:
                logger.warning("leases_lost", plans=sorted(str(p) for p in held - kept))
                self._on_lost(held - kept)
