"""A cap on tool calls shared by every engine of one process (thread-safe: engines share it).

A worker runs several plans at once, each with its own engine; `--concurrency N` bounds the tool
calls of all of them together. An engine takes a slot before it records a `StepStarted` and gives
it back when the call ends or is abandoned, so a step never starts without a slot to run in.
"""

from __future__ import annotations

import threading


class CallSlots:
    """Up to `limit` tool calls at once, across the engines that share this object."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._in_use = 0

    @property
    def in_use(self) -> int:
        """How many slots are taken now."""
        with self._lock:
            return self._in_use

    def take(self, wanted: int) -> int:
        """Take up to `wanted` free slots; return how many were taken (maybe 0)."""
        with self._lock:
            granted = max(0, min(wanted, self.limit - self._in_use))
            self._in_use += granted
            return granted

    def give_back(self, count: int = 1) -> None:
        """Return `count` slots taken earlier."""
        with self._lock:
            self._in_use = max(0, self._in_use - count)
