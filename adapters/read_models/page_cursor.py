"""The opaque cursor of `plans list`: where the previous page ended, as (created_at, plan_id)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from adapters.read_models.errors import InvalidCursorError


def encode_cursor(created_at: datetime, plan_id: UUID) -> str:
    """The cursor after a row: base64url of `[created_at ISO, plan id]`."""
    payload = json.dumps([created_at.isoformat(), str(plan_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The (created_at, plan_id) a cursor names, or `InvalidCursorError`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, plan_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment, UUID(plan_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidCursorError(cursor) from None
