"""Queries over HTTP: plan state and history, read models, audit, schema, validation, health."""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, TextIO, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from adapters.http_api import models
from adapters.http_api.context import ApiContext, allowed, context
from adapters.ledger import PlanQuery
from adapters.principals import Action, Principal
from adapters.read_models.queries import MAX_PAGE_SIZE
from core import JsonObject, PlanNotFoundError

router = APIRouter()
Ctx = Annotated[ApiContext, Depends(context)]
Reader = Annotated[Principal, Depends(allowed(Action.READ))]
Submitter = Annotated[Principal, Depends(allowed(Action.SUBMIT))]
Auditor = Annotated[Principal, Depends(allowed(Action.AUDIT))]
PlanStatusName = Annotated[str | None, Query(max_length=40)]
EXPORT_QUEUE = 1000
"""Lines of an audit export held between the thread reading them and the response."""
EXPORT_STALL_S = 60.0
"""A client that reads nothing of an export for this long is given up on."""


@router.get("/healthz", tags=["health"])
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", tags=["health"])
def readyz(ctx: Ctx) -> dict[str, Any]:
    """The store answers: its head position (503 when it cannot be reached)."""
    return {"status": "ready", "head": ctx.log.head()}


@router.get("/whoami", tags=["principals"])
def whoami(who: Reader) -> dict[str, Any]:
    """The authenticated principal and its roles."""
    return {"principal": who.name, "roles": sorted(role.value for role in who.roles)}


@router.get("/schema", tags=["specs"])
def schema(ctx: Ctx, who: Reader) -> JsonObject:
    """The JSON Schema of plan specs, with each enabled tool's parameter schema."""
    return ctx.ledger.schema()


@router.post("/validate", tags=["specs"])
def validate(body: models.SpecBody, ctx: Ctx, who: Submitter) -> dict[str, Any]:
    """Check a spec against the enabled tools; 422 names every problem."""
    return {"valid": True, "steps": ctx.ledger.validate(body.spec)}


@router.get("/plans", tags=["plans"])
def list_plans(
    ctx: Ctx,
    who: Reader,
    status: PlanStatusName = None,
    since: datetime | None = None,
    until: datetime | None = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JsonObject:
    """Plans from the read models, newest first, one page at a time."""
    return ctx.ledger.list_plans(PlanQuery(status, since, until, text, limit, cursor))


@router.get("/plans/{plan_id}", tags=["plans"])
def plan_status(plan_id: UUID, ctx: Ctx, who: Reader) -> JsonObject:
    """The plan folded from its events (`status --json`), with `approval_deadline`."""
    answer = ctx.ledger.status(plan_id)
    return {**answer.view, "approval_deadline": answer.approval_deadline}


@router.get("/plans/{plan_id}/details", tags=["plans"])
def plan_details(plan_id: UUID, ctx: Ctx, who: Reader) -> JsonObject:
    """The plan from the read models (`plans show`)."""
    return ctx.ledger.plan_details(plan_id)


@router.get("/plans/{plan_id}/history", tags=["plans"])
def history(plan_id: UUID, ctx: Ctx, who: Reader) -> list[JsonObject]:
    """Every event of the plan, oldest first (`history --json`)."""
    return ctx.ledger.history(plan_id)


@router.get("/plans/{plan_id}/timeline", tags=["plans"])
def timeline(
    plan_id: UUID,
    ctx: Ctx,
    who: Reader,
    step: Annotated[str | None, Query(max_length=200)] = None,
) -> list[JsonObject]:
    """Each step attempt from the read models (`history --timeline`)."""
    return ctx.ledger.timeline(plan_id, step)


@router.get("/plans/{plan_id}/at", tags=["plans"])
def show_at(
    plan_id: UUID, ctx: Ctx, who: Reader, at: Annotated[str, Query(min_length=1, max_length=64)]
) -> JsonObject:
    """The plan as it was at a version (`7`) or an ISO-8601 time (`show --at`)."""
    return ctx.ledger.show_at(plan_id, at)


@router.get("/plans/{plan_id}/audit", tags=["audit"])
def audit_trail(plan_id: UUID, ctx: Ctx, who: Auditor, verified: bool = False) -> list[JsonObject]:
    """The plan's human and policy actions, in order (`audit ID`); with `verified`, each says
    whether its event proves it (`verified`, `problem`)."""
    return ctx.ledger.audit_trail(plan_id, verified=verified)


@router.get("/audit/export", tags=["audit"])
def audit_export(
    ctx: Ctx,
    who: Auditor,
    since: datetime | None = None,
    format: models.ExportFormat = "jsonl",
    verified: bool = False,
) -> StreamingResponse:
    """Every audited action in time order, streamed as JSON lines or CSV as it is read; with
    `verified`, each says whether its event proves it."""
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    return StreamingResponse(_export_lines(ctx, since, format, verified), media_type=media)


class _LineQueue(io.TextIOBase):
    """A text sink that hands what is written to a bounded queue, so memory stays bounded."""

    def __init__(self, lines: queue.Queue[str | None]) -> None:
        self._lines = lines

    def write(self, text: str) -> int:
        self._lines.put(text, timeout=EXPORT_STALL_S)  # queue.Full: the client stopped reading
        return len(text)


def _export_lines(
    ctx: ApiContext, since: datetime | None, form: models.ExportFormat, verified: bool
) -> Iterator[str]:
    """The export, written by a thread page by page while the response sends it."""
    lines: queue.Queue[str | None] = queue.Queue(maxsize=EXPORT_QUEUE)

    def write() -> None:
        with contextlib.suppress(queue.Full):
            sink = cast(TextIO, _LineQueue(lines))
            ctx.ledger.export_audit(sink, since=since, form=form, verified=verified)
        with contextlib.suppress(queue.Full):
            lines.put(None, timeout=EXPORT_STALL_S)

    writer = threading.Thread(target=write, name="audit-export", daemon=True)
    writer.start()
    while (line := lines.get()) is not None:
        yield line


@router.post("/audit/verify", tags=["audit"])
def verify(body: models.Verify, ctx: Ctx, who: Auditor) -> JsonObject:
    """Verify the named plans, or the whole store, as `audit verify` does with the keys and
    checkpoints the server is configured with: chains, signatures, read models, the guard."""
    plan_ids = None
    if body.plan_ids is not None:
        plan_ids = [_plan_id(text) for text in body.plan_ids]
    return ctx.ledger.verify(plan_ids)


@router.get("/tools/stats", tags=["read models"])
def tool_stats(ctx: Ctx, who: Reader) -> list[JsonObject]:
    """Calls, failures, retries, timeouts and p50/p95 duration per tool."""
    return ctx.ledger.tool_stats()


@router.get("/projections/status", tags=["read models"])
def projection_status(ctx: Ctx, who: Reader) -> list[JsonObject]:
    """Each projection's position, lag and last error."""
    return ctx.ledger.projection_status()


def _plan_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise PlanNotFoundError(text) from None
