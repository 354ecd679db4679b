"""Integration fixtures: real stores, a service built on them, and test tools that count calls.

The tools never sleep to hope: each one waits on a condition (a gate, a cancellation, a level of
concurrency) with a deadline, and records what ended the wait.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import pytest
from pydantic import BaseModel, ConfigDict

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.system_clock import SystemClock
from core.domain.errors import ToolFailedError
from core.runtime.callbacks import Callbacks
from core.runtime.service import PlanService
from core.runtime.tools import ToolContext, ToolRegistry

POLL_INTERVAL_S = 0.02


def wait_until(
    predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition"
) -> None:
    """Poll `predicate` every 10 ms until it is true; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class RandomIds:
    """Fresh uuid4 ids."""

    def new_id(self) -> UUID:
        return uuid.uuid4()


class RecordParams(BaseModel):
    """Return `value`; open the gate named `opens`, if any."""

    model_config = ConfigDict(extra="forbid")
    value: str = ""
    opens: str = ""


class HoldParams(BaseModel):
    """Stay busy for `hold_ms`; with `together`, only until that many calls are busy at once.

    `together` is a cyclic barrier: each group of that many calls is let go as one.
    """

    model_config = ConfigDict(extra="forbid")
    together: int = 0
    hold_ms: int


class FailParams(BaseModel):
    """Fail attempts 1..`times`, then succeed."""

    model_config = ConfigDict(extra="forbid")
    times: int = 1
    hold_ms: int = 0


class BlockParams(BaseModel):
    """Wait until the gate named `gate` opens, the call is cancelled, or `max_wait_ms` passes.

    A call that stops because it was cancelled opens the gate `<step id>-stopped`. With
    `ignore_cancel`, the call behaves like a tool that never looks at its cancellation.
    """

    model_config = ConfigDict(extra="forbid")
    gate: str = ""
    max_wait_ms: int = 5000
    ignore_cancel: bool = False


class ReturnParams(BaseModel):
    """Return a value that is not plain JSON: a tuple, a datetime, or an arbitrary object."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["tuple", "datetime", "object", "huge_int"]


@dataclass(frozen=True)
class Call:
    """One tool call as the tool saw it."""

    tool: str
    step_id: str
    attempt: int
    worker: str
    at: datetime


@dataclass
class ToolBench:
    """Test tools with side-effect counters, shared by every engine of one test."""

    clock: SystemClock = field(default_factory=SystemClock)
    calls: list[Call] = field(default_factory=list)
    concurrent: int = 0
    max_concurrent: int = 0
    ended_by: dict[tuple[str, int], str] = field(default_factory=dict)
    contexts: dict[tuple[str, int], ToolContext] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _gates: dict[str, threading.Event] = field(default_factory=dict)
    _barriers: dict[int, threading.Barrier] = field(default_factory=dict)

    def registry(self) -> ToolRegistry:
        registry = ToolRegistry()
        registry.register("record", RecordParams, self._record)
        registry.register("hold", HoldParams, self._hold)
        registry.register("fail", FailParams, self._fail)
        registry.register("block", BlockParams, self._block)
        registry.register("return", ReturnParams, self._return)
        return registry

    def open_every_gate(self) -> None:
        with self._lock:
            gates = list(self._gates.values())
        for gate in gates:
            gate.set()

    def gate(self, name: str) -> threading.Event:
        with self._lock:
            return self._gates.setdefault(name, threading.Event())

    def calls_of(self, step_id: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.step_id == step_id]

    def call_counts(self) -> Counter[tuple[str, int]]:
        with self._lock:
            return Counter((call.step_id, call.attempt) for call in self.calls)

    def has_started(self, step_id: str) -> bool:
        return bool(self.calls_of(step_id))

    def _enter(self, tool: str, context: ToolContext) -> None:
        call = Call(tool, context.step_id, context.attempt, context.worker, self.clock.now())
        with self._lock:
            self.calls.append(call)
            self.contexts[(context.step_id, context.attempt)] = context
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)

    def _leave(self, context: ToolContext, ended_by: str) -> None:
        with self._lock:
            self.concurrent -= 1
            self.ended_by[(context.step_id, context.attempt)] = ended_by

    def _record(self, params: RecordParams, context: ToolContext) -> Any:
        self._enter("record", context)
        if params.opens:
            self.gate(params.opens).set()
        self._leave(context, "done")
        return {"value": params.value, "step": context.step_id}

    def _hold(self, params: HoldParams, context: ToolContext) -> Any:
        self._enter("hold", context)
        ended_by = "held"
        if params.together > 1:
            with self._lock:
                barrier = self._barriers.setdefault(
                    params.together, threading.Barrier(params.together)
                )
            try:
                barrier.wait(timeout=params.hold_ms / 1000)
                ended_by = "together"
            except threading.BrokenBarrierError:
                ended_by = "deadline"
        else:
            context.cancelled.wait(params.hold_ms / 1000)
        self._leave(context, ended_by)
        return {"step": context.step_id, "ended_by": ended_by}

    def _fail(self, params: FailParams, context: ToolContext) -> Any:
        self._enter("fail", context)
        context.cancelled.wait(params.hold_ms / 1000)
        if context.attempt <= params.times:
            self._leave(context, "failed")
            raise ToolFailedError("boom", f"attempt {context.attempt} of {context.step_id} failed")
        self._leave(context, "done")
        return {"attempt": context.attempt}

    def _block(self, params: BlockParams, context: ToolContext) -> Any:
        self._enter("block", context)
        gate = self.gate(params.gate) if params.gate else threading.Event()
        deadline = time.monotonic() + params.max_wait_ms / 1000
        ended_by = "deadline"
        while time.monotonic() < deadline:
            if gate.is_set():
                ended_by = "gate"
                break
            if params.ignore_cancel:
                gate.wait(0.005)
            elif context.cancelled.wait(0.005):
                ended_by = "cancelled"
                self.gate(f"{context.step_id}-stopped").set()
                break
        self._leave(context, ended_by)
        return {"ended_by": ended_by}

    def _return(self, params: ReturnParams, context: ToolContext) -> Any:
        self._enter("return", context)
        self._leave(context, "done")
        if params.kind == "tuple":
            return {"pair": (1, 2)}
        if params.kind == "datetime":
            return {"at": datetime(2024, 5, 1, 12, 0, tzinfo=UTC)}
        if params.kind == "huge_int":
            return {"count": [1, 2**70]}
        return {"handle": object()}


def plan_spec(*steps: dict[str, Any], **options: Any) -> dict[str, Any]:
    """A spec dict with the given steps and options."""
    spec: dict[str, Any] = {"description": "integration test plan", "steps": list(steps)}
    if options:
        spec["options"] = options
    return spec


def step(step_id: str, tool: str = "record", **fields: Any) -> dict[str, Any]:
    """A step dict; `fields` are the step spec's own fields (depends_on, parameters, ...)."""
    return {"id": step_id, "tool": tool, **fields}


def open_store(url: str) -> LibraryEventStore:
    return open_event_store(parse_store_url(url))


@pytest.fixture
def bench() -> Iterator[ToolBench]:
    """The test tools; every gate opens at the end, so no blocked call outlives its test."""
    tools = ToolBench()
    yield tools
    tools.open_every_gate()


@pytest.fixture
def clock() -> SystemClock:
    return SystemClock()


@pytest.fixture
def store(store_url: str) -> Iterator[LibraryEventStore]:
    """The store the test class names with its `store_url` fixture."""
    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def reopen_store(store_url: str) -> Iterator[Callable[[LibraryEventStore], LibraryEventStore]]:
    """A second store on the same database (the same one for `memory://`, which cannot reopen)."""
    opened: list[LibraryEventStore] = []

    def reopen(current: LibraryEventStore) -> LibraryEventStore:
        if store_url.startswith("memory://"):
            return current
        again = open_store(store_url)
        opened.append(again)
        return again

    yield reopen
    for again in opened:
        again.close()


@pytest.fixture
def make_service(
    store: LibraryEventStore, bench: ToolBench, clock: SystemClock
) -> Callable[..., PlanService]:
    """Build a service on the test's store and tools; pass `callbacks`, `worker`, a store or
    other `tools`."""

    def make(
        *,
        callbacks: Callbacks | None = None,
        worker: str = "w-1",
        on: Any = None,
        tools: ToolRegistry | None = None,
    ) -> PlanService:
        return PlanService(
            on if on is not None else store,
            tools if tools is not None else bench.registry(),
            clock,
            RandomIds(),
            expressions=JinjaExpressions(),
            json_schemas=JsonSchemaChecker(),
            worker=worker,
            callbacks=callbacks,
            poll_interval_s=POLL_INTERVAL_S,
        )

    return make


@pytest.fixture
def service(make_service: Callable[..., PlanService]) -> PlanService:
    return make_service()
