"""The HTTP API as an integration calls it: a real `planledger serve` on 127.0.0.1 and PostgreSQL.

Principals come from API tokens (`planledger tokens create`) and from OIDC JWTs signed by a key
made here; the actor on every event is the principal, whatever a request body says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import PlanOptions

from .api_server import ApiServer, serve
from .conftest import Cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "cicd.yaml"
TERMINAL = {"completed", "failed", "partial", "cancelled", "rejected"}

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def server(pg_cli: Cli, tmp_path: Path) -> Iterator[ApiServer]:
    yield from serve(pg_cli, tmp_path)


def cicd_spec(**options: Any) -> dict[str, Any]:
    spec = yaml.safe_load(EXAMPLE.read_text())
    spec["options"] = {**spec["options"], "approvers": ["role:approver"], **options}
    return spec


def wait_for_end(
    server: ApiServer, token: str, plan_id: str, wait_until: Callable[..., None]
) -> Any:
    with server.client(token) as client:
        wait_until(
            lambda: client.get(f"/plans/{plan_id}").json()["status"] in TERMINAL,
            timeout=60,
            what="the plan to end",
        )
        return client.get(f"/plans/{plan_id}").json()


def test_the_cicd_example_through_the_api_with_a_submitter_and_an_approver(
    server: ApiServer, wait_until: Callable[..., None]
) -> None:
    submitter = server.token("ci-bot", "submitter")
    approver = server.token("carol", "approver")
    server.start()

    with server.client(submitter) as ci, server.client(approver) as carol:
        created = ci.post("/plans", json={"spec": cicd_spec(), "by": "mallory"})
        plan_id = created.json()["id"]
        own = ci.post(f"/plans/{plan_id}/approve", json={"comment": "mine"})
        approved = carol.post(
            f"/plans/{plan_id}/approve", json={"comment": "ship it", "by": "alice"}
        )
        started = ci.post(f"/plans/{plan_id}/execute")
    ended = wait_for_end(server, submitter, plan_id, wait_until)
    with server.client(approver) as carol:
        history = carol.get(f"/plans/{plan_id}/history").json()

    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pending_approval"
    assert own.status_code == 403, own.text
    assert own.headers["content-type"] == "application/problem+json"
    assert approved.status_code == 200, approved.text
    assert started.status_code == 202, started.text
    assert ended["status"] == "completed"
    assert ended["approved_by"] == "token:carol"
    actors = {record["type"]: record["actor"] for record in history}
    assert actors["PlanCreated"] == "token:ci-bot"
    assert actors["PlanApproved"] == "token:carol"
    assert "mallory" not in {record["actor"] for record in history}
    assert "alice" not in {record["actor"] for record in history}


def test_no_token_is_401_a_viewer_is_403_on_approve_and_a_refusal_writes_nothing(
    server: ApiServer,
) -> None:
    submitter = server.token("ci-bot", "submitter")
    viewer = server.token("watcher", "viewer")
    server.start()

    with server.client(submitter) as ci, server.client(viewer) as watcher:
        plan_id = ci.post("/plans", json={"spec": cicd_spec()}).json()["id"]
        before = watcher.get(f"/plans/{plan_id}/history").json()
        refused = watcher.post(f"/plans/{plan_id}/approve", json={})
        after = watcher.get(f"/plans/{plan_id}/history").json()
        seen = watcher.get(f"/plans/{plan_id}")
    with server.client() as anonymous:
        unauthenticated = anonymous.get(f"/plans/{plan_id}")
    with server.client("plt_not-a-token") as forger:
        unknown = forger.get(f"/plans/{plan_id}")

    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:planledger:problem:forbidden"
    assert "'token:watcher' may not approve" in refused.json()["detail"]
    assert after == before
    assert seen.status_code == 200
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
    assert unknown.status_code == 401


def test_an_oidc_subject_with_the_approver_role_approves_and_is_the_recorded_actor(
    server: ApiServer,
) -> None:
    submitter = server.token("ci-bot", "submitter")
    server.start()
    carol = server.issuer.token("carol@example.com", ["approver"])
    expired = server.issuer.token("eve", ["admin"], exp=1)
    foreign = server.issuer.token("eve", ["admin"], iss="https://elsewhere.test")

    with server.client(submitter) as ci:
        plan_id = ci.post("/plans", json={"spec": cicd_spec()}).json()["id"]
    with server.client(carol) as client:
        approved = client.post(f"/plans/{plan_id}/approve", json={"comment": "ok"})
        whoami = client.get("/whoami").json()
    with server.client(expired) as client:
        too_late = client.get("/whoami")
    with server.client(foreign) as client:
        wrong_issuer = client.get("/whoami")

    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by"] == "carol@example.com"
    assert whoami == {"principal": "carol@example.com", "roles": ["approver"]}
    assert too_late.status_code == 401
    assert "expired" in too_late.json()["detail"]
    assert wrong_issuer.status_code == 401


@pytest.mark.skipif(
    "separation_of_duties" not in PlanOptions.model_fields,
    reason="options.separation_of_duties arrives with issue 12 (an audit trail against insiders)",
)
def test_the_creators_own_approval_is_refused_under_separation_of_duties(
    server: ApiServer,
) -> None:
    both = server.token("dual", "submitter", "approver")
    server.start()

    with server.client(both) as client:
        spec = cicd_spec(separation_of_duties=True)
        plan_id = client.post("/plans", json={"spec": spec}).json()["id"]
        refused = client.post(f"/plans/{plan_id}/approve", json={})

    assert refused.status_code in (403, 409), refused.text
    assert refused.json()["detail"]


def test_an_idempotency_key_gives_one_plan_and_a_bad_request_names_each_field(
    server: ApiServer,
) -> None:
    submitter = server.token("ci-bot", "submitter")
    server.start()
    body = {"spec": cicd_spec()}

    with server.client(submitter) as ci:
        first = ci.post("/plans", json=body, headers={"Idempotency-Key": "build-42"})
        again = ci.post("/plans", json=body, headers={"Idempotency-Key": "build-42"})
        other = ci.post(
            "/plans",
            json={"spec": cicd_spec(max_parallel_steps=2)},
            headers={"Idempotency-Key": "build-42"},
        )
        bad = ci.post("/plans", json={"spec": {"description": "x", "steps": [{"id": "a"}]}})
        listed = ci.get("/plans", params={"limit": 5000})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 400
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert any(error["field"].startswith("steps[a]") for error in bad.json()["errors"])
    assert listed.status_code == 422
    assert listed.json()["errors"][0]["field"] == "query.limit"


def test_a_body_over_the_cap_is_413_and_a_principal_over_its_rate_is_429(
    pg_cli: Cli, tmp_path: Path
) -> None:
    limits = {
        "PLANLEDGER_API_MAX_BODY_BYTES": "2000",
        "PLANLEDGER_API_RATE": "0.5",
        "PLANLEDGER_API_BURST": "3",
    }
    for server in serve(pg_cli, tmp_path, limits):
        viewer = server.token("watcher", "viewer")
        submitter = server.token("ci-bot", "submitter")
        server.start()
        with server.client(viewer) as watcher, server.client(submitter) as ci:
            codes = [watcher.get("/whoami").status_code for _ in range(5)]
            other = ci.get("/whoami")
            too_big = ci.post("/validate", content=b"{" + b" " * 5000 + b"}")

        assert codes[:3] == [200, 200, 200]
        assert 429 in codes[3:]
        assert other.status_code == 200
        assert too_big.status_code == 413
        log = server.log.read_text()
        assert submitter not in log
        assert viewer not in log


def test_an_auditor_streams_the_audit_export_and_a_viewer_may_not(
    server: ApiServer, wait_until: Callable[..., None]
) -> None:
    submitter = server.token("ci-bot", "submitter")
    auditor = server.token("inspector", "auditor")
    viewer = server.token("watcher", "viewer")
    server.start()
    with server.client(submitter) as ci:
        plan_ids = [ci.post("/plans", json={"spec": cicd_spec()}).json()["id"] for _ in range(3)]

    with server.client(auditor) as inspector, server.client(viewer) as watcher:
        wait_until(
            lambda: len(inspector.get("/audit/export").text.splitlines()) >= 3,
            timeout=30,
            what="the projector to record the creations",
        )
        exported = inspector.get("/audit/export")
        as_csv = inspector.get("/audit/export", params={"format": "csv"})
        refused = watcher.get("/audit/export")

    rows = [json.loads(line) for line in exported.text.splitlines()]
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    assert {row["plan_id"] for row in rows} == set(plan_ids)
    assert {row["actor"] for row in rows} == {"token:ci-bot"}
    assert as_csv.text.splitlines()[0].startswith("plan_id,version,action,actor")
    assert refused.status_code == 403
