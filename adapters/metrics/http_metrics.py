"""Requests `serve` answered, by route template: an ASGI middleware counting into a registry.

Labels are bounded whatever clients send: the route is the template a request matched
(`/plans/{plan_id}`, never the plan's id), a path no route matched is `unmatched`, and a method
outside HTTP's usual few is `other`.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
"""The route of a request no route took: an unknown path, or a body refused before routing."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    """The request counter and duration histogram; `instrument(app)` feeds them."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "planledger_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "planledger_http_request_duration_seconds",
            "How long requests took to answer (an event stream: as long as it stayed open).",
            ["method", "route"],
            registry=registry,
        )

    def instrument(self, app: ASGIApp) -> ASGIApp:
        """`app` wrapped so that every HTTP request it answers is counted and timed."""
        return RequestMetrics(app, self)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        route = route_template(scope)
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


class RequestMetrics:
    """ASGI middleware: times each HTTP request and records it once its handling is over.

    The status is the one the response started with; a request that failed before any
    response started counts as 500, which is what the server answers for it.
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        started = time.perf_counter()
        try:
            await self._app(scope, receive, sending)
        finally:
            self._metrics.observe(scope, status, time.perf_counter() - started)


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The template of the route that took the request (the router leaves it in the scope).

    A mounted app (the UI's static files) leaves no route, only its prefix in `root_path`.
    """
    path_format = getattr(scope.get("route"), "path_format", None)
    if isinstance(path_format, str):
        return path_format
    if "app_root_path" in scope:
        prefix = str(scope["root_path"])[len(str(scope["app_root_path"])) :]
        return f"{prefix}/{{path}}"
    return UNMATCHED
