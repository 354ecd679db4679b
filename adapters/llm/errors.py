"""How a model provider's failures reach the rest of planledger: one error, no secrets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from core import PlanLedgerError


class ModelUnavailableError(PlanLedgerError):
    """The model could not be asked, or its answer could not be read; `reason` says why.

    The message names the endpoint, never the API key.
    """

    def __init__(self, endpoint: str, reason: str) -> None:
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(f"model at {endpoint} unavailable: {reason}")


@contextmanager
def translated_http_errors(endpoint: str) -> Iterator[None]:
    """httpx's failures as `ModelUnavailableError` (the one place this library is mapped)."""
    try:
        yield
    except httpx.HTTPStatusError as error:
        body = error.response.text[:300]
        raise ModelUnavailableError(
            endpoint, f"HTTP {error.response.status_code}: {body}"
        ) from None
    except httpx.HTTPError as error:
        raise ModelUnavailableError(endpoint, type(error).__name__ + f": {error}") from None
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise ModelUnavailableError(endpoint, f"unexpected answer: {error!r}") from None
