"""Problem responses back into planledger errors, so the remote CLI exits as the local one does.

The problem's `type` slug names the error family (see `adapters.http_api.problems`); the error
raised here derives from that family's core class, and so finds the same row of the exit-code
table. Refusals that only a server makes (401, 403 by role, 413, 429) are `ServerRefusedError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import (
    ConcurrencyError,
    CorruptHistoryError,
    InvalidInputError,
    PlanLedgerError,
    StoreUnavailableError,
)

if TYPE_CHECKING:
    import httpx

TYPE_PREFIX = "urn:planledger:problem:"


class RemoteInvalidInputError(InvalidInputError):
    """The server refused the input (a 4xx of the invalid-input family); nothing was written."""


class RemoteConflictError(ConcurrencyError):
    """The server gave up on a write conflict."""

    def __init__(self, detail: str) -> None:
        PlanLedgerError.__init__(self, detail)


class RemoteStoreUnavailableError(StoreUnavailableError):
    """The server, or the store behind it, cannot be reached."""

    def __init__(self, detail: str) -> None:
        PlanLedgerError.__init__(self, detail)


class RemoteCorruptHistoryError(CorruptHistoryError):
    """The server found a stored history it cannot fold."""

    def __init__(self, detail: str) -> None:
        PlanLedgerError.__init__(self, detail)


class ServerRefusedError(PlanLedgerError):
    """Not authenticated, not allowed by role, over the rate or the body cap: `status` says."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        super().__init__(detail)


FAMILIES: dict[str, type[PlanLedgerError]] = {
    "conflict": RemoteConflictError,
    "store-unavailable": RemoteStoreUnavailableError,
    "corrupt-history": RemoteCorruptHistoryError,
    "store-tampered": RemoteCorruptHistoryError,
}
SERVER_ONLY = {"not-authenticated", "forbidden", "rate-limited", "too-large", "internal", "error"}


def problem_error(response: httpx.Response) -> PlanLedgerError:
    """The error a problem response stands for."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = str(body.get("detail") or f"HTTP {response.status_code}")
    slug = str(body.get("type", "")).removeprefix(TYPE_PREFIX)
    if slug in FAMILIES:
        return FAMILIES[slug](detail)
    if slug in SERVER_ONLY or response.status_code >= 500 or not slug:
        return ServerRefusedError(response.status_code, detail)
    return RemoteInvalidInputError(detail)


def unreachable(url: str, error: httpx.HTTPError) -> StoreUnavailableError:
    """The server did not answer."""
    return RemoteStoreUnavailableError(f"server {url} is unavailable: {type(error).__name__}")
