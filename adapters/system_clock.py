"""The real clock and id factory that core's ports ask for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    """UTC wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    """Random (version 4) UUIDs."""

    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()
