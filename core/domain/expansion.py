"""Map-reduce: what the scheduler decides for `for_each` steps, and the events it leads to (pure).

A ready `for_each` step is expanded, not started: its `for_each` template is evaluated once
(like its `when`, from recorded results) and the items are recorded in `StepsExpanded`. The
children then run as ordinary steps. When the last one ended, the step is gathered: its result
is the list of the children's results in item order (`StepsGathered`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.domain.data_passing import Unprepared, failure_text, scope
from core.domain.json_value import JsonValue, unstorable_part
from core.domain.plan_state import PlanState, StepState
from core.domain.ports import Expressions
from core.domain.result_refs import BlobRef
from core.domain.status import StepStatus

FOR_EACH_ERROR = "for_each_error"
"""The error type of a `for_each` that does not evaluate to a list of acceptable size."""


@dataclass(frozen=True)
class ExpandStep:
    """Fan a ready `for_each` step out into one child step per item."""

    step_id: str
    items: list[JsonValue] = field(compare=False)


@dataclass(frozen=True)
class GatherItems:
    """End an expanded step whose children all ended, with their results in item order (and
    the refs of those stored apart, by index)."""

    step_id: str
    result: list[JsonValue] = field(compare=False)
    failed_items: int
    first_failed: str | None
    duration_ms: int
    item_refs: dict[int, BlobRef] = field(default_factory=dict, compare=False)


def items_of(plan: PlanState, step: StepState, expressions: Expressions) -> ExpandStep | Unprepared:
    """The expansion of a `for_each` step, or why its `for_each` gives no acceptable list."""
    source = step.spec.for_each
    assert source is not None
    limit = plan.spec.options.max_for_each_items
    try:
        references = expressions.step_references(source, condition=False)
        items = expressions.render(source, scope(plan, references))
    except Exception as error:
        return Unprepared("for_each", FOR_EACH_ERROR, failure_text(error))
    if not isinstance(items, list):
        kind = "text" if isinstance(items, str) else type(items).__name__
        return Unprepared("for_each", FOR_EACH_ERROR, f"evaluates to {kind}, not a list")
    if len(items) > limit:
        return Unprepared(
            "for_each",
            FOR_EACH_ERROR,
            f"evaluates to {len(items)} items, more than options.max_for_each_items ({limit})",
        )
    unstorable = unstorable_part(items, "for_each")
    if unstorable is not None:
        return Unprepared("for_each", FOR_EACH_ERROR, unstorable)
    return ExpandStep(step.spec.id, items)


def gathers(plan: PlanState, now: datetime) -> list[GatherItems]:
    """Gather every expanded step whose children have all ended (the `gathering` index)."""
    return [gathered(plan, step_id, now) for step_id in plan.gathering]


def closing_gathers(plan: PlanState, now: datetime) -> list[GatherItems]:
    """Gather every expanded step still running, as if its unfinished children had failed.

    For a plan that is ending at once (cancelled, past its deadline): every child that has not
    ended is being cancelled or skipped by the same batch of events.
    """
    return [
        gathered(plan, step_id, now)
        for step_id, expansion in plan.expansions.items()
        if plan.steps[step_id].status is StepStatus.RUNNING and expansion.open > 0
    ] + gathers(plan, now)


def gathered(plan: PlanState, step_id: str, now: datetime) -> GatherItems:
    """The end of an expanded step: its children's results in item order (a result stored
    apart as its preview, its ref kept by index), and their failures."""
    result: list[JsonValue] = []
    refs: dict[int, BlobRef] = {}
    failed = 0
    first_failed: str | None = None
    for index, child_id in enumerate(plan.expansions[step_id].children):
        child = plan.steps[child_id]
        if child.status is StepStatus.COMPLETED:
            result.append(child.result)
            if child.result_ref is not None:
                refs[index] = child.result_ref
            continue
        result.append(None)
        failed += 1
        first_failed = first_failed or child_id
    elapsed = _elapsed(plan, step_id, now)
    return GatherItems(step_id, result, failed, first_failed, elapsed, refs)


def _elapsed(plan: PlanState, step_id: str, now: datetime) -> int:
    started = plan.steps[step_id].started_at
    if started is None:
        return 0
    return max(0, int((now - started).total_seconds() * 1000))
