"""Recorded histories yield one coherent trace; the traceparent recorded in 0.2 loads forever.

`traced_from_caller` was created with a caller's traceparent; `traced_child` is the sub-plan of
such a plan (recorded in a run of its own), which recorded the traceparent of the parent's
attempt that started it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.domain.plan import fold
from core.domain.trace_context import plan_trace
from core.domain.trace_spans import trace_spans
from tests.replay.recorded_rows import NAMES, load_through_sqlite, rows_of

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_a_traceparent_recorded_at_creation_is_the_parent_of_the_plans_span(
    tmp_path: Path,
) -> None:
    events = load_through_sqlite(tmp_path, rows_of("traced_from_caller"))

    plan = fold(events)
    spans = trace_spans(events)

    assert plan.traceparent == CALLER
    assert {span.trace_id for span in spans} == {"4bf92f3577b34da6a3ce929d0e0e4736"}
    (root,) = [span for span in spans if span.name.startswith("plan ")]
    assert root.parent_span_id == "00f067aa0ba902b7"
    assert {span.parent_span_id for span in spans if span is not root} == {root.span_id}


def test_a_sub_plans_spans_nest_under_the_parent_attempt_that_started_it(tmp_path: Path) -> None:
    child_events = load_through_sqlite(tmp_path, rows_of("traced_child"))
    child = fold(child_events)
    assert child.parent_plan_id is not None
    parent_trace = plan_trace(child.parent_plan_id, CALLER)

    child_spans = trace_spans(child_events)

    (child_root,) = [span for span in child_spans if span.name.startswith("plan ")]
    assert child_root.trace_id == parent_trace.trace_id
    assert child_root.parent_span_id == parent_trace.attempt_span_id("nested", 1)


@pytest.mark.parametrize("name", NAMES)
def test_every_recorded_history_is_one_trace_whose_spans_all_have_their_parent(
    name: str, tmp_path: Path
) -> None:
    events = load_through_sqlite(tmp_path, rows_of(name))
    plan = fold(events)

    spans = trace_spans(events)

    ids = {span.span_id for span in spans}
    outside = {plan.trace.parent_span_id}
    assert len(ids) == len(spans)
    assert {span.trace_id for span in spans} <= {plan.trace.trace_id}
    assert all(span.parent_span_id in ids | outside for span in spans)
    assert all(span.start <= span.end for span in spans)
    if plan.is_terminal:
        assert plan.trace.plan_span_id in ids
