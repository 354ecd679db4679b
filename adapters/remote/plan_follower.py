"""Following one plan through the server's event stream until it ends (`execute`, `wait`).

The stream is opened after the log's head is noted and before the plan's status is read, so an
event between the two is not missed; a cut connection is opened again with `Last-Event-ID`, so
nothing is missed or seen twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

import httpx
import orjson

from adapters.event_records import record_to_event
from core import TERMINAL_EVENTS, JsonObject, PlanEvent

if TYPE_CHECKING:
    from adapters.remote.remote_ledger import RemoteLedger

READ_TIMEOUT_S = 30.0
"""Longer than the server's heartbeat: a silent connection this long is dead; reconnect."""

TERMINAL_TYPES = {event_type.__name__ for event_type in TERMINAL_EVENTS}


@dataclass
class ServerSentEvent:
    """One SSE message."""

    id: str | None = None
    event: str = "message"
    data: list[str] = field(default_factory=list)


def parse_sse(lines: Iterator[str]) -> Iterator[ServerSentEvent]:
    """Messages from SSE lines; comments (heartbeats) and `retry:` are skipped."""
    message = ServerSentEvent()
    for line in lines:
        if not line:
            if message.data:
                yield message
            message = ServerSentEvent()
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            message.id = value
        elif name == "event":
            message.event = value
        elif name == "data":
            message.data.append(value)


def follow_until_ended(
    remote: RemoteLedger,
    plan_id: UUID,
    timeout_s: float | None,
    on_event: Callable[[PlanEvent], None] | None,
) -> tuple[JsonObject, bool]:
    """The plan once a terminal event of it came (False), or as it stands at the timeout (True)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    position = str(remote.request("GET", "/readyz").json()["head"])
    view = remote.status(plan_id).view
    ended = view["status"] in {"completed", "failed", "partial", "cancelled", "rejected"}
    while not ended:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return remote.status(plan_id).view, True
        position, ended = _read(remote, plan_id, position, remaining, on_event)
    return remote.status(plan_id).view, False


def _read(
    remote: RemoteLedger,
    plan_id: UUID,
    position: str,
    remaining: float | None,
    on_event: Callable[[PlanEvent], None] | None,
) -> tuple[str, bool]:
    """Read the stream until the plan ends, the connection drops, or the time is up."""
    read_timeout = READ_TIMEOUT_S if remaining is None else min(READ_TIMEOUT_S, remaining)
    started = time.monotonic()
    params = {"plan_id": str(plan_id)}
    headers = {"Last-Event-ID": position}
    try:
        response = remote.stream("/events", params, headers, read_timeout)
    except Exception:
        time.sleep(min(1.0, read_timeout))
        return position, False
    try:
        for message in parse_sse(response.iter_lines()):
            position = message.id or position
            if on_event is not None and message.event != "Undecodable":
                record = orjson.loads("\n".join(message.data))
                record.pop("position", None)
                on_event(record_to_event(record))
            if message.event in TERMINAL_TYPES:
                return position, True
            if remaining is not None and time.monotonic() - started >= remaining:
                return position, False
    except httpx.HTTPError:
        pass
    finally:
        response.close()
    return position, False
