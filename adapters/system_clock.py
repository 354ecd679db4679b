"""The real clock and id factory that core's ports ask for."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime


class SystemClock:
    """UTC wall-clock time; waits take real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait(self, wakeup: threading.Event, timeout_s: float) -> bool:
        return wakeup.wait(max(0.0, timeout_s))


class RandomIds:
    """Random (version 4) UUIDs."""

    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()
