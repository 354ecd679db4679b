"""`/metrics` of a running `planledger serve` on PostgreSQL, scraped over HTTP.

A plan is created, approved and executed through the API, then looked up, with a 404 and a 401
beside; the request counters must name exactly those calls by route template, and the
appended-event counters exactly the events in the log (the server appended all of them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from .api_server import ApiServer, serve
from .conftest import Cli
from .metrics_endpoint import Samples, printed_metrics_url, scrape
from .workers import StoreView

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SPEC = {
    "name": "metered",
    "description": "Two echoes through the API",
    "options": {"require_approval": True, "approvers": ["role:approver"]},
    "steps": [
        {"id": "hello", "tool": "echo", "parameters": {"value": 1}},
        {"id": "again", "tool": "echo", "parameters": {"value": 2}, "depends_on": ["hello"]},
    ],
}
CALLS = {
    ("POST", "/plans", "201"): 1,
    ("POST", "/plans/{plan_id}/approve", "200"): 1,
    ("POST", "/plans/{plan_id}/execute", "202"): 1,
    ("GET", "/plans/{plan_id}", "200"): 1,
    ("GET", "/plans/{plan_id}", "404"): 1,
    ("GET", "/plans", "401"): 1,
    ("GET", "unmatched", "404"): 1,
}
"""(method, route, status) of the calls the test makes, and how many of each."""


@pytest.fixture
def server(pg_cli: Cli, tmp_path: Path) -> Iterator[ApiServer]:
    yield from serve(pg_cli, tmp_path)


def family(samples: Samples, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """The non-zero samples of `name`, keyed by the values of `labels`."""
    return {
        tuple(dict(sample_labels)[label] for label in labels): value
        for (sample, sample_labels), value in samples.items()
        if sample == name and value
    }


def requests_by_route(samples: Samples) -> dict[tuple[str, ...], float]:
    return family(samples, "planledger_http_requests_total", "method", "route", "status")


def make_the_calls(server: ApiServer, submitter: str, approver: str) -> tuple[str, list[int]]:
    """The calls of `CALLS`; the plan's id and each answer's status, in order."""
    with server.client(submitter) as ci, server.client(approver) as carol, server.client() as anon:
        created = ci.post("/plans", json={"spec": SPEC})
        assert created.status_code == 201, created.text
        plan_id = created.json()["id"]
        answers = [
            created,
            carol.post(f"/plans/{plan_id}/approve", json={"comment": "ship it"}),
            ci.post(f"/plans/{plan_id}/execute"),
            ci.get(f"/plans/{plan_id}"),
            ci.get(f"/plans/{uuid4()}"),
            anon.get("/plans"),
            ci.get("/no/such/route"),
        ]
    return plan_id, [answer.status_code for answer in answers]


def test_serve_counts_each_request_by_route_template_and_each_event_it_appends(
    server: ApiServer, view: StoreView, wait_until: Callable[..., None]
) -> None:
    submitter = server.token("ci-bot", "submitter")
    approver = server.token("carol", "approver")
    server.start("--metrics-port", "0")
    url = printed_metrics_url(server.log, wait_until)

    plan_id, statuses = make_the_calls(server, submitter, approver)
    wait_until(lambda: view.plan(plan_id).status.value == "completed", timeout=30, what="the end")
    events = [event for plan in view.plan_ids_in_events() for event in view.history(plan)]
    in_log = Counter(type(event).__name__ for event in events)

    def everything_counted() -> bool:
        metrics = scrape(url)
        appended = family(metrics, "planledger_events_appended_total", "type")
        projected = family(metrics, "planledger_plans", "status")
        return (
            sum(requests_by_route(metrics).values()) == sum(CALLS.values())
            and sum(appended.values()) == len(events)
            and projected == {("completed",): 1}
        )

    wait_until(everything_counted, timeout=20, what="the last request, event and projection")
    metrics = scrape(url)

    assert statuses == [201, 200, 202, 200, 404, 401, 404]
    assert requests_by_route(metrics) == CALLS
    timed: Counter[tuple[str, ...]] = Counter()
    for (method, route, _), count in CALLS.items():
        timed[method, route] += count
    durations = family(metrics, "planledger_http_request_duration_seconds_count", "method", "route")
    assert durations == dict(timed)
    appended = family(metrics, "planledger_events_appended_total", "type")
    assert appended == {(name,): n for name, n in in_log.items()}
    assert {"PlanCreated", "PlanApproved", "StepCompleted", "PlanCompleted"} <= set(in_log)
    assert family(metrics, "planledger_steps_completed_total", "tool") == {("echo",): 2}
    assert family(metrics, "planledger_plans_ended_total", "status") == {("completed",): 1}
    assert metrics["planledger_event_append_seconds_count", ()] >= 3
    assert family(metrics, "planledger_projection_failing", "projection") == {}
    assert ("process_cpu_seconds_total", ()) in metrics


def test_serve_without_its_projector_leaves_the_read_models_metrics_to_the_projector(
    server: ApiServer, wait_until: Callable[..., None]
) -> None:
    server.start("--no-projector", "--metrics-port", "0")
    url = printed_metrics_url(server.log, wait_until)

    with server.client() as anon:
        refused = anon.get("/plans")
    wait_until(lambda: requests_by_route(scrape(url)), timeout=20, what="the request counted")
    metrics = scrape(url)
    names = {name for name, _ in metrics}

    assert refused.status_code == 401
    assert requests_by_route(metrics) == {("GET", "/plans", "401"): 1}
    assert "planledger_plans" not in names
    assert not [name for name in names if name.startswith("planledger_projection_")]
    assert "planledger_event_append_seconds_count" in names
