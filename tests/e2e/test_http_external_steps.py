"""External steps reported over HTTP: a real `planledger serve` on 127.0.0.1 and PostgreSQL.

The server runs the engine steps; whoever carried out the external step reports its outcome
with `POST /plans/{id}/steps/{step}/complete|fail` and a token whose role allows `report`. The
reporter on the event is the token's principal, whatever the body says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .api_server import ApiServer, serve
from .conftest import Cli
from .workers import shell_step, spec

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEADLINE_S = 60.0
NO_PLAN = "00000000-0000-4000-8000-000000000000"
TERMINAL = {"completed", "failed", "partial", "cancelled", "rejected"}


@pytest.fixture
def server(pg_cli: Cli, tmp_path: Path) -> Iterator[ApiServer]:
    yield from serve(pg_cli, tmp_path)


def external(step_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": step_id, "tool": "external", **fields}


def step_of(client: httpx.Client, plan_id: str, step_id: str) -> dict[str, Any]:
    steps = {step["id"]: step for step in client.get(f"/plans/{plan_id}").json()["steps"]}
    return steps[step_id]


def started(client: httpx.Client, document: dict[str, Any]) -> str:
    """Create the plan and have the server run it: its id."""
    created = client.post("/plans", json={"spec": document})
    assert created.status_code == 201, created.text
    plan_id: str = created.json()["id"]
    executing = client.post(f"/plans/{plan_id}/execute")
    assert executing.status_code == 202, executing.text
    return plan_id


def awaiting(client: httpx.Client, plan_id: str, step_id: str, attempt: int) -> Callable[[], bool]:
    def check() -> bool:
        step = step_of(client, plan_id, step_id)
        return bool(step["status"] == "running" and step["attempts"] == attempt)

    return check


def test_a_plan_mixing_engine_and_external_steps_completes_when_an_operator_reports_over_http(
    server: ApiServer, wait_until: Callable[..., None]
) -> None:
    submitter = server.token("ci-bot", "submitter")
    operator = server.token("release-desk", "operator")
    viewer = server.token("watcher", "viewer")
    server.start()
    document = spec(
        shell_step("build", "echo built"),
        external("approve-release", depends_on=["build"]),
        shell_step(
            "publish",
            "echo publishing {{ steps['approve-release'].result.tag }}",
            depends_on=["approve-release"],
        ),
    )

    with (
        server.client(submitter) as ci,
        server.client(operator) as desk,
        server.client(viewer) as watcher,
    ):
        plan_id = started(ci, document)
        wait_until(awaiting(ci, plan_id, "approve-release", 1), timeout=DEADLINE_S, what="the wait")
        before = watcher.get(f"/plans/{plan_id}/history").json()
        by_viewer = watcher.post(f"/plans/{plan_id}/steps/approve-release/complete", json={})
        by_submitter = ci.post(f"/plans/{plan_id}/steps/approve-release/complete", json={})
        engine_step = desk.post(f"/plans/{plan_id}/steps/build/complete", json={})
        unknown_step = desk.post(f"/plans/{plan_id}/steps/nope/complete", json={})
        unknown_plan = desk.post(f"/plans/{NO_PLAN}/steps/x/fail", json={"error": "e"})
        no_error = desk.post(f"/plans/{plan_id}/steps/approve-release/fail", json={})
        after_refusals = watcher.get(f"/plans/{plan_id}/history").json()
        reported = desk.post(
            f"/plans/{plan_id}/steps/approve-release/complete",
            json={"result": {"tag": "v1.2"}, "by": "mallory"},
        )
        wait_until(
            lambda: ci.get(f"/plans/{plan_id}").json()["status"] in TERMINAL,
            timeout=DEADLINE_S,
            what="the plan to end",
        )
        final = ci.get(f"/plans/{plan_id}").json()
        history = ci.get(f"/plans/{plan_id}/history").json()

    assert by_viewer.status_code == 403, by_viewer.text
    assert by_viewer.json()["type"] == "urn:planledger:problem:forbidden"
    assert by_submitter.status_code == 403, by_submitter.text
    assert engine_step.status_code == 409, engine_step.text
    assert "the engine carries it out" in engine_step.json()["detail"]
    assert unknown_step.status_code == 404, unknown_step.text
    assert unknown_step.json()["type"] == "urn:planledger:problem:step-not-found"
    assert unknown_plan.status_code == 404, unknown_plan.text
    assert no_error.status_code == 422, no_error.text
    assert [e["field"] for e in no_error.json()["errors"]] == ["body.error"]
    assert after_refusals == before
    assert reported.status_code == 200, reported.text
    assert reported.json()["reported_step"] == {"status": "completed", "retry_at": None}
    assert final["status"] == "completed"
    publish = {s["id"]: s for s in final["steps"]}["publish"]
    assert publish["result"]["stdout"].strip() == "publishing v1.2"
    [done] = [
        r for r in history if r["type"] == "StepCompleted" and r["step_id"] == "approve-release"
    ]
    assert done["actor"] == "token:release-desk"
    assert "mallory" not in {record["actor"] for record in history}


def test_a_failure_reported_over_http_goes_through_the_steps_retry_policy(
    server: ApiServer, wait_until: Callable[..., None]
) -> None:
    submitter = server.token("ci-bot", "submitter")
    operator = server.token("agent-7", "operator")
    server.start()
    document = spec(
        external("ask", max_retries=1, retry_delay_ms=50),
        shell_step("after", "echo after", depends_on=["ask"]),
    )

    with server.client(submitter) as ci, server.client(operator) as agent:
        plan_id = started(ci, document)
        wait_until(awaiting(ci, plan_id, "ask", 1), timeout=DEADLINE_S, what="attempt 1")
        failed = agent.post(f"/plans/{plan_id}/steps/ask/fail", json={"error": "busy"})
        wait_until(awaiting(ci, plan_id, "ask", 2), timeout=DEADLINE_S, what="attempt 2")
        stale = agent.post(f"/plans/{plan_id}/steps/ask/complete", json={"result": 1, "attempt": 1})
        completed = agent.post(
            f"/plans/{plan_id}/steps/ask/complete", json={"result": "ok", "attempt": 2}
        )
        wait_until(
            lambda: ci.get(f"/plans/{plan_id}").json()["status"] in TERMINAL,
            timeout=DEADLINE_S,
            what="the plan to end",
        )
        final = ci.get(f"/plans/{plan_id}").json()
        history = ci.get(f"/plans/{plan_id}/history").json()

    assert failed.status_code == 200, failed.text
    assert failed.json()["reported_step"]["status"] == "pending"
    assert failed.json()["reported_step"]["retry_at"] is not None
    assert stale.status_code == 409, stale.text
    assert completed.status_code == 200, completed.text
    assert final["status"] == "completed"
    ask = {s["id"]: s for s in final["steps"]}["ask"]
    assert (ask["attempts"], ask["result"]) == (2, "ok")
    types = [r["type"] for r in history if r.get("step_id") == "ask"]
    assert types == ["StepStarted", "StepFailed", "StepStarted", "StepCompleted"]
    [failure] = [r for r in history if r["type"] == "StepFailed"]
    assert failure["actor"] == "token:agent-7"
