"""W3C trace context: what a traceparent must look like, and ids derived from plan ids alone."""

from __future__ import annotations

from uuid import UUID

import pytest

from core.domain.errors import InvalidInputError, InvalidTraceparentError
from core.domain.trace_context import derived_span_id, parse_traceparent, plan_trace

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
PLAN = UUID("11d32ad8-e72b-4c12-ae08-41d7ad72a9d0")


def test_a_valid_traceparent_is_read_field_by_field() -> None:
    parsed = parse_traceparent(VALID)

    assert (parsed.trace_id, parsed.span_id, parsed.sampled) == (
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
        True,
    )
    assert parsed.header == VALID
    assert parse_traceparent(VALID[:-2] + "00").sampled is False


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "format"),
        ("4bf92f3577b34da6a3ce929d0e0e4736", "format"),
        (VALID.upper(), "format"),
        ("01" + VALID[2:], "format"),
        (VALID + "-extra", "format"),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "format"),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace id is all zeros"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent id is all zeros"),
    ],
)
def test_a_malformed_traceparent_is_bad_input_that_says_why(text: str, problem: str) -> None:
    with pytest.raises(InvalidTraceparentError) as raised:
        parse_traceparent(text)

    assert isinstance(raised.value, InvalidInputError)
    assert problem in str(raised.value)
    assert "traceparent" in str(raised.value)


def test_a_plan_without_a_caller_is_a_trace_of_its_own_named_by_its_id() -> None:
    trace = plan_trace(PLAN, None)

    assert trace.trace_id == PLAN.hex
    assert trace.parent_span_id is None
    assert trace.sampled


def test_a_plan_with_a_caller_continues_the_callers_trace_and_sampling() -> None:
    trace = plan_trace(PLAN, VALID[:-2] + "00")

    assert trace.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace.parent_span_id == "00f067aa0ba902b7"
    assert trace.attempt_traceparent("build", 2).endswith("-00")


def test_span_ids_depend_on_the_plan_and_what_they_stand_for_only() -> None:
    trace, again = plan_trace(PLAN, None), plan_trace(PLAN, VALID)

    ids = {
        trace.plan_span_id,
        trace.attempt_span_id("build", 1),
        trace.attempt_span_id("build", 2),
        trace.attempt_span_id("test", 1),
        trace.map_span_id("build"),
        trace.reopened_span_id(1),
    }

    assert len(ids) == 6
    assert all(len(span_id) == 16 and int(span_id, 16) for span_id in ids)
    assert again.attempt_span_id("build", 2) == trace.attempt_span_id("build", 2)
    assert derived_span_id(UUID(int=7), "plan") != trace.plan_span_id


def test_a_recorded_traceparent_that_is_not_valid_reads_as_none() -> None:
    assert plan_trace(PLAN, "garbage") == plan_trace(PLAN, None)
