"""Live progress of a real run, with a clock and timer the test drives: bounded redraws that end
on every step's final status."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from adapters.bootstrap import build_service, open_store
from adapters.cli.live_progress import LiveProgress
from adapters.settings import Settings
from core import Callbacks, PlanEvent, PlanStatus, StepCompleted, StepStarted


class CountingConsole(Console):
    """A console into a string that counts its redraws."""

    def __init__(self) -> None:
        super().__init__(file=io.StringIO(), width=200, color_system=None)
        self.redraws = 0

    def print(self, *objects: Any, **options: Any) -> None:
        self.redraws += 1
        super().print(*objects, **options)

    def text(self) -> str:
        file = self.file
        assert isinstance(file, io.StringIO)
        return file.getvalue()


class SteppedClock:
    """Monotonic seconds that move on by `step_s` each time they are read."""

    def __init__(self, step_s: float) -> None:
        self.now = 0.0
        self.step_s = step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


def run_plan(tmp_path: Path, progress: Callable[[PlanEvent], None], steps: int) -> None:
    settings = Settings(store_url=f"sqlite:///{tmp_path}/plans.db", actor="test")
    store = open_store(settings)
    try:
        service = build_service(settings, store, callbacks=Callbacks(on_event=progress))
        spec = {
            "description": "wide",
            "options": {"max_parallel_steps": 8},
            "steps": [
                {"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(steps)
            ],
        }
        assert service.run(spec, by="test").status is PlanStatus.COMPLETED
    finally:
        store.close()


def test_redraws_are_bounded_by_the_clock_and_close_draws_every_steps_final_status(
    tmp_path: Path,
) -> None:
    console = CountingConsole()
    timers: list[tuple[float, Callable[[], None]]] = []
    clock = SteppedClock(0.0001)  # 10,000 events a second: far more than ten redraws' worth
    progress = LiveProgress(
        console, clock=clock, timer=lambda delay, action: timers.append((delay, action))
    )

    run_plan(tmp_path, progress, steps=200)
    drawn_before_close = console.redraws
    progress.close()

    lines = console.text().splitlines()
    for i in range(200):
        assert any(line.startswith(f"  ✓ s{i} ") for line in lines), i
    assert lines[-1] == "plan completed"
    assert drawn_before_close <= clock.now / 0.1 + 3  # the plan's end draws at once
    assert all(0 < delay <= 0.1 for delay, _ in timers)


def test_the_timer_draws_what_waits_once_events_stop_coming(tmp_path: Path) -> None:
    recorded: list[PlanEvent] = []
    run_plan(tmp_path, recorded.append, steps=3)
    steps_only = [event for event in recorded if isinstance(event, StepStarted | StepCompleted)]
    console = CountingConsole()
    timers: list[tuple[float, Callable[[], None]]] = []
    progress = LiveProgress(
        console, clock=lambda: 5.0, timer=lambda delay, action: timers.append((delay, action))
    )

    for event in steps_only:
        progress(event)
    shown_before_timer = console.text()
    [(_, draw)] = timers  # armed once while the clock stood still
    draw()

    assert shown_before_timer.splitlines() == ["  ▶ s0 attempt 1 (echo)"]
    drawn_by_timer = sorted(console.text().splitlines()[1:])
    assert [line.split(" ms")[0].rsplit(" ", 1)[0] for line in drawn_by_timer] == [
        f"  ✓ s{i}" for i in range(3)
    ]  # only each step's latest event: s1 and s2 never show as started
