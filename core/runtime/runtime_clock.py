"""The clock the runtime reads and waits on: the domain's `Clock`, plus waiting in clock time.

The domain only needs `now()`; the engine also sleeps until a call ends, a retry or a timeout
falls due, or it is time to look for other writers. Waiting through the clock instead of the
real `threading`/`concurrent.futures` timeouts lets a test drive the engine through an hour's
retry delay without waiting an hour.
"""

from __future__ import annotations

import threading
from typing import Protocol

from core.domain.ports import Clock


class RuntimeClock(Clock, Protocol):
    """Where the runtime's time comes from, and how it waits for it to pass."""

    def wait(self, wakeup: threading.Event, timeout_s: float) -> bool:
        """Block until `wakeup` is set (True) or `timeout_s` seconds of this clock pass (False).

        The caller clears `wakeup`; a set one returns at once.
        """
        ...
