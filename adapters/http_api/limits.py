"""Limits on every request: a body cap (413) and a per-principal rate limit (429)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.http_api.problems import TOO_LARGE, problem
from core import PlanLedgerError


class RateLimitedError(PlanLedgerError):
    """The principal made more requests than its rate allows; `retry_after_s` says when to."""

    def __init__(self, principal: str, retry_after_s: float) -> None:
        self.principal = principal
        self.retry_after_s = retry_after_s
        super().__init__(f"{principal!r} is over its request rate; retry in {retry_after_s:.1f} s")


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per principal: `rate_per_s` sustained, `burst` at once."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self._rate = rate_per_s
        self._burst = float(max(burst, 1))
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, principal: str) -> None:
        """Spend one request of `principal`'s bucket, or raise `RateLimitedError`."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(principal, _Bucket(self._burst, now))
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
            if bucket.tokens < 1.0:
                raise RateLimitedError(principal, (1.0 - bucket.tokens) / self._rate)
            bucket.tokens -= 1.0


class BodyLimit:
    """ASGI middleware: a body over `max_bytes`, declared or sent, gets 413 and is not handled.

    The body is read here first (it is at most `max_bytes`), then handed on as one message, so
    no handler ever sees part of a body that turns out too large.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self._max:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self._app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(TOO_LARGE, f"the request body is over {self._max} bytes")
        await response(scope, receive, send)


def retry_after(error: RateLimitedError) -> str:
    """The `Retry-After` header: whole seconds, at least 1."""
    return str(max(1, math.ceil(error.retry_after_s)))
