"""`GET /events`: the global log as Server-Sent Events, resumable by position (`Last-Event-ID`).

Each event's SSE `id` is its position in the store's log, so a client that reconnects with the
last id it saw (after a cut, or a server restart) gets exactly what follows: nothing missed,
nothing twice. The log is read through the projector's gap-safe reader, and the stream waits on
the server's one wake-up (`LogSignal`); a comment line goes out as a heartbeat when nothing
happened for `heartbeat_s`, so proxies keep the connection and clients notice a dead one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from adapters.event_records import event_to_record
from adapters.http_api.context import ApiContext, allowed, context
from adapters.principals import Action, Principal
from adapters.read_models.event_log import LogEntry
from core import InvalidInputError

router = APIRouter(tags=["events"])
Ctx = Annotated[ApiContext, Depends(context)]
Reader = Annotated[Principal, Depends(allowed(Action.READ))]


@router.get("/events", response_class=StreamingResponse)
async def events(
    request: Request,
    ctx: Ctx,
    who: Reader,
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header(max_length=24)] = None,
) -> StreamingResponse:
    """Events after `Last-Event-ID` (or `after`; default: from now on), optionally one plan's.

    Each message has `id` (log position), `event` (the event type) and `data` (the event as
    `history --json` prints it, plus `position`).
    """
    start = _start(ctx, after, last_event_id)
    stream = _stream(request, ctx, start, plan_id)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


def _start(ctx: ApiContext, after: int | None, last_event_id: str | None) -> int:
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise InvalidInputError(f"Last-Event-ID {last_event_id!r} is not a log position")
        return int(last_event_id)
    if after is not None:
        return after
    return ctx.log.head()


async def _stream(
    request: Request, ctx: ApiContext, position: int, plan_id: str | None
) -> AsyncIterator[bytes]:
    yield b"retry: 1000\n\n"
    while not await request.is_disconnected():
        entries = await anyio.to_thread.run_sync(ctx.log.read, position, ctx.stream_batch)
        for entry in entries:
            position = entry.position
            message = _message(entry, plan_id)
            if message is not None:
                yield message
        if len(entries) == ctx.stream_batch:
            continue
        if not await ctx.signal.wait(ctx.heartbeat_s):
            yield b": heartbeat\n\n"


def _message(entry: LogEntry, plan_id: str | None) -> bytes | None:
    event = entry.event
    if event is None:
        data = {"position": entry.position, "problem": entry.problem}
        return _frame(entry.position, "Undecodable", data)
    if plan_id is not None and str(event.plan_id) != plan_id:
        return None
    return _frame(
        entry.position, type(event).__name__, {**event_to_record(event), "position": entry.position}
    )


def _frame(position: int, name: str, data: object) -> bytes:
    return f"id: {position}\nevent: {name}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"
