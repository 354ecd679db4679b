"""Exponential back-off for reconnecting to a database that went away."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    """Delays that double from `first_s` up to `cap_s`; `reset` after a success."""

    first_s: float = 0.2
    cap_s: float = 5.0
    _failures: int = 0

    def next(self) -> float:
        """The delay before the next try, one failure later."""
        delay = min(self.cap_s, self.first_s * 2.0**self._failures)
        self._failures += 1
        return delay

    def reset(self) -> None:
        self._failures = 0
