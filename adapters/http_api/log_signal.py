"""One thread waits on the store's wake-up; every stream waiting in the event loop is woken.

The wake-up is `bootstrap.store_wakeup` (LISTEN/NOTIFY on PostgreSQL, polling elsewhere), so the
streams and the webhook deliveries look at the log when the projector does, and a change in how
the store announces commits changes all of them at once. A wake-up only says "look again":
streams read the log themselves, through its gap-safe reader.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from adapters.store import Wakeup

FALLBACK_S = 1.0
"""Wake the streams at least this often, should a notification be missed."""


class LogSignal:
    """An asyncio event that a watcher thread sets whenever new events may be in the log."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called once in the server's event loop, before any stream waits."""
        self._loop = loop
        self._event = asyncio.Event()

    async def wait(self, timeout_s: float) -> bool:
        """True when woken, False when `timeout_s` passed first."""
        if self._event is None:
            self.bind(asyncio.get_running_loop())
        assert self._event is not None
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    def fire(self) -> None:
        """Wake every waiting stream (from any thread)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()


def watch_log(
    open_wakeup: Callable[[], Wakeup], listeners: list[Callable[[], None]], stop: threading.Event
) -> None:
    """Wait on the store's wake-up until `stop`; call every listener after each wake-up."""
    with open_wakeup() as wakeup:
        while not stop.is_set():
            wakeup.wait(stop, FALLBACK_S)
            for listener in listeners:
                listener()
