"""What one `Engine.execute` call keeps between turns of its loop (calls, children, slots)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from core.domain.decisions import Outcome
from core.domain.plan import PlanState
from core.runtime.call_slots import CallSlots
from core.runtime.call_threads import CallThreads
from core.runtime.tools import ToolContext

ChildLauncher = Callable[[UUID], None]
"""Hands a new child plan to whoever will run it (a worker queues it)."""


@dataclass
class EngineRun:
    """What one `execute` call keeps between turns of the loop."""

    plan: PlanState
    correlation_id: UUID
    threads: CallThreads[Outcome]
    in_flight: dict[tuple[str, int], tuple[Future[Outcome], ToolContext]] = field(
        default_factory=dict
    )
    finished: list[Outcome] = field(default_factory=list)
    wake_at: datetime | None = None
    stop: threading.Event | None = None
    slots: CallSlots | None = None
    holding: set[tuple[str, int]] = field(default_factory=set)
    reserved: int = 0
    launch_child: ChildLauncher | None = None
    children: dict[UUID, Future[PlanState]] = field(default_factory=dict)
    child_threads: CallThreads[PlanState] = field(
        default_factory=lambda: CallThreads("planledger-sub-plan")
    )
    check_children: bool = True
    leave_when_paused: bool = False
    wakeup: threading.Event = field(default_factory=threading.Event)
    """Set when a call or a child ends: what the engine's waits wake on."""

    def wake(self, _ended: object = None) -> None:
        """Wake the engine's wait (a done-callback of each call's and child's future)."""
        self.wakeup.set()

    @property
    def stopping(self) -> bool:
        """True once the caller asked this run to start nothing new."""
        return self.stop is not None and self.stop.is_set()

    @property
    def done_for_now(self) -> bool:
        """Nothing is in flight and nothing may start: stopping, or paused (or waiting for a
        new approval) and told to leave."""
        waiting = self.plan.paused or self.plan.approval_void
        leaving = self.stopping or (self.leave_when_paused and waiting)
        return leaving and self.idle

    @property
    def idle(self) -> bool:
        """No call is in flight and no outcome waits to be recorded."""
        return not self.in_flight and not self.finished
