"""The UI's plan page answer from a real run: every attempt (a retry, a timeout), a map collapsed
to one node, and the plan as it stood at an earlier version."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.ui.plan_page import plan_page
from core import NotInHistoryError, PlanService
from tests.integration.conftest import plan_spec, step


@pytest.fixture
def store_url() -> str:
    return "memory://"


def test_the_page_shows_every_attempt_a_collapsed_map_and_any_version(
    make_service: Callable[..., PlanService],
) -> None:
    service = make_service()
    spec = plan_spec(
        step("flaky", "fail", parameters={"times": 1}, max_retries=1),
        step("slow", "hold", depends_on=["flaky"], parameters={"hold_ms": 400}, timeout_ms=50),
        step("map", for_each="{{ ['x', 'y', 'z'] }}", parameters={"value": "{{ item }}"}),
        step(
            "after",
            depends_on=["map"],
            parameters={"value": "{{ steps.map.result | length }} items"},
        ),
        continue_on_error=True,
    )

    plan_id = service.run(spec, by="alice").plan_id
    events = service.history(plan_id)
    page = plan_page(plan_id, events, None)
    first = plan_page(plan_id, events, 1)

    tries = [(a["step_id"], a["attempt"], a["status"]) for a in page["attempts"]]
    assert ("flaky", 1, "failed") in tries
    assert ("flaky", 2, "completed") in tries
    assert ("slow", 1, "timed_out") in tries
    failed = next(a for a in page["attempts"] if a["step_id"] == "flaky" and a["attempt"] == 1)
    assert failed["retry_at"] is not None
    nodes = {node["id"]: node for node in page["graph"]["nodes"]}
    assert set(nodes) == {"flaky", "slow", "map", "after"}
    assert nodes["map"]["kind"] == "map"
    assert nodes["map"]["items"] == {"completed": 3}
    assert page["steps"]["after"]["resolved_parameters"] == {"value": "3 items"}
    assert page["version"] == page["head_version"] == len(events)
    assert first["version"] == 1
    assert first["plan"]["status"] == "draft"
    assert first["attempts"] == []
    assert len(first["events"]) == 1
    with pytest.raises(NotInHistoryError):
        plan_page(plan_id, events, len(events) + 1)
