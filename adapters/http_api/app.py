"""The FastAPI application: routes, the error table as problem responses, and the limits."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from adapters.http_api import admin_routes, event_routes, plan_routes, query_routes
from adapters.http_api.context import ApiContext
from adapters.http_api.limits import BodyLimit, RateLimitedError, retry_after
from adapters.http_api.problems import (
    INTERNAL,
    NOT_FOUND,
    RATE_LIMITED,
    REQUEST_INVALID,
    ProblemKind,
    error_problem,
    problem,
)
from adapters.http_api.ui_routes import install_ui
from core import PlanLedgerError

logger = structlog.get_logger("planledger.api")

DESCRIPTION = """The planledger HTTP API: every CLI command and query as an endpoint.

Every request needs `Authorization: Bearer TOKEN` (an API token from `planledger tokens create`
or an OIDC JWT); the actor recorded on every event is that principal. Errors are
`application/problem+json`. See docs/http-api.md.
"""


def create_app(context: ApiContext, *, max_body_bytes: int) -> ASGIApp:
    """The API on `context`, wrapped in the body cap."""
    app = FastAPI(title="planledger", version="1", description=DESCRIPTION)
    app.state.context = context
    for module in (query_routes, plan_routes, event_routes, admin_routes):
        app.include_router(module.router)
    install_ui(app)
    app.add_exception_handler(PlanLedgerError, _planned)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    return BodyLimit(app, max_body_bytes)


async def _planned(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, RateLimitedError):
        headers = {"Retry-After": retry_after(error)}
        return problem(RATE_LIMITED, str(error), headers=headers)
    assert isinstance(error, PlanLedgerError)
    return error_problem(error)


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
        for item in error.errors()
    ]
    fields = ", ".join(item["field"] for item in errors)
    return problem(
        REQUEST_INVALID, f"the request does not match the schema: {fields}", errors=errors
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        return problem(NOT_FOUND, f"no resource at {request.url.path}")
    kind = ProblemKind(error.status_code, "http", str(error.detail))
    return problem(kind, str(error.detail), headers=dict(error.headers or {}))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.error(
        "request_failed", path=request.url.path, error_type=type(error).__name__, exc_info=error
    )
    return problem(INTERNAL, "the server could not answer this request")
