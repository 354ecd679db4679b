"""Following the log live: catch up, wait for new events (`adapters.store.wakeup`), repeat.

The wait is bounded: should a notification be missed, the views still catch up every
`FALLBACK_WAIT_S`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence

import structlog

from adapters.read_models.outcomes import ProjectionReport
from adapters.store.wakeup import Wakeup
from core import StoreUnavailableError

FALLBACK_WAIT_S = 1.0
"""Catch up at least this often even when no notification came."""

UNAVAILABLE_BACKOFF_S = 1.0
"""Wait this long after the database could not be reached, then try again."""

logger = structlog.get_logger("planledger.projector")


def follow_log(
    catch_up: Callable[[Collection[str] | None], Sequence[ProjectionReport]],
    names: Sequence[str],
    wakeup: Wakeup,
    stop: threading.Event,
    retry_failed_after_s: float,
) -> None:
    """Catch up, wait, repeat until `stop`; a failed projection is retried after a pause."""
    retry_at: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        due = [name for name in names if retry_at.get(name, 0.0) <= now]
        try:
            reports = catch_up(due) if due else []
        except StoreUnavailableError as error:
            logger.warning(
                "read_models_unavailable", error=str(error), retry_s=UNAVAILABLE_BACKOFF_S
            )
            stop.wait(UNAVAILABLE_BACKOFF_S)
            continue
        for report in reports:
            if report.failure is not None:
                retry_at[report.name] = now + retry_failed_after_s
            else:
                retry_at.pop(report.name, None)
        wakeup.wait(stop, FALLBACK_WAIT_S)
