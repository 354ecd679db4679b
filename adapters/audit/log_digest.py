"""A running digest over every stored row in global order: what a checkpoint commits to.

Each row adds its position, plan, version, topic and the SHA-256 of its stored bytes to the
digest of all rows before it. A row changed, removed, inserted below the position or moved gives
another digest from there on, so a checkpoint taken at position P and kept outside the database
shows any change to the log up to P, a deleted plan and a truncated tail included.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

DIGEST_PREFIX = "sha256:"
GENESIS = hashlib.sha256(b"planledger/log/v1").hexdigest()
"""The digest of the empty log."""


class LogDigest:
    """The digest of the log so far; `add` each row in position order."""

    def __init__(self, value: str = DIGEST_PREFIX + GENESIS) -> None:
        self._value = bytes.fromhex(value.removeprefix(DIGEST_PREFIX))

    def add(self, position: int, plan_id: UUID, version: int, topic: str, state: bytes) -> None:
        """Take one stored row into the digest."""
        row = f"{position}\n{plan_id}\n{version}\n{topic}\n".encode()
        self._value = hashlib.sha256(self._value + row + hashlib.sha256(state).digest()).digest()

    @property
    def value(self) -> str:
        """`sha256:` and the hex digest of every row added so far."""
        return DIGEST_PREFIX + self._value.hex()
