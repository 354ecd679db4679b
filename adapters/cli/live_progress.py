"""Live progress of a local run at a bounded cost: at most a few redraws a second.

Printing a line per event through rich cost about 0.5 ms per event, as much as an append. Here
an event costs a dictionary update: each step's latest event waits for the next redraw, which
comes at most `interval_s` after the previous one (a timer draws what is left once events stop
coming), and prints the latest line of every step that changed since. So a step that started
and completed between two redraws shows once, with its final status, and `close` draws the
final state of every step still waiting. A plan's own events (it paused, was revised, ended)
draw at once, with everything before them.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Hashable

from rich.console import Console

from adapters.cli.render import ProgressPrinter
from core import (
    PlanEvent,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepPreparationFailed,
    StepsExpanded,
    StepsGathered,
    StepSkipped,
    StepStarted,
    StepTimedOut,
    SubPlanStarted,
)

REDRAW_INTERVAL_S = 0.1
"""At most ten redraws a second: faster than a person reads, far slower than the engine runs."""

STEP_PROGRESS = frozenset(
    {
        StepStarted,
        StepCompleted,
        StepFailed,
        StepTimedOut,
        StepSkipped,
        StepPreparationFailed,
        StepCancelled,
        StepInterrupted,
        StepsExpanded,
        StepsGathered,
        SubPlanStarted,
    }
)
"""Events that only move one step on: a later event of the same step replaces them undrawn."""

Timer = Callable[[float, Callable[[], None]], None]
"""Calls a function once after a delay in seconds, on another thread."""


def daemon_timer(delay_s: float, action: Callable[[], None]) -> None:
    """The real timer: a daemon thread, so a pending redraw never holds the process open."""
    timer = threading.Timer(delay_s, action)
    timer.daemon = True
    timer.start()


class LiveProgress:
    """The engine's `on_event` callback for a person watching a run (see the module docstring).

    `clock` gives monotonic seconds and `timer` schedules the trailing redraw; tests pass their
    own, so no test waits on real time.
    """

    def __init__(
        self,
        console: Console,
        *,
        clock: Callable[[], float] = time.monotonic,
        timer: Timer = daemon_timer,
        interval_s: float = REDRAW_INTERVAL_S,
    ) -> None:
        self._console = console
        self._lines = ProgressPrinter(console)
        self._clock = clock
        self._timer = timer
        self._interval_s = interval_s
        self._pending: dict[Hashable, PlanEvent] = {}
        self._unique = itertools.count()
        self._drawn_at = float("-inf")
        self._timer_set = False
        self._lock = threading.Lock()

    def __call__(self, event: PlanEvent) -> None:
        with self._lock:
            self._lines.follow(event)
            if type(event) not in STEP_PROGRESS:
                if self._lines.line(event) is not None:  # the plan's own news: shown at once
                    self._pending[next(self._unique)] = event
                    self._draw()
                return
            key = (event.plan_id, getattr(event, "step_id", None))
            self._pending.pop(key, None)
            self._pending[key] = event
            wait_s = self._drawn_at + self._interval_s - self._clock()
            if wait_s <= 0:
                self._draw()
            elif not self._timer_set:
                self._timer_set = True
                self._timer(wait_s, self._on_timer)

    def close(self) -> None:
        """Draw every step's latest event still waiting: the run's final state."""
        with self._lock:
            self._draw()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer_set = False
            self._draw()

    def _draw(self) -> None:
        self._drawn_at = self._clock()
        if not self._pending:
            return
        lines = [self._lines.line(event) for event in self._pending.values()]
        self._pending.clear()
        text = "\n".join(line for line in lines if line is not None)
        if text:
            self._console.print(text, highlight=False, soft_wrap=True)  # the terminal wraps
