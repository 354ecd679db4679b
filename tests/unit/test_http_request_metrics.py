"""HTTP request metrics label requests by route template, so clients cannot grow the labels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from starlette.testclient import TestClient

from adapters.metrics.http_metrics import HttpMetrics


def small_api(assets: Path) -> FastAPI:
    """A route with a parameter (an unknown id is a 404), one that fails, and mounted files."""
    app = FastAPI()

    @app.get("/plans/{plan_id}")
    def plan(plan_id: str) -> dict[str, str]:
        if plan_id == "unknown":
            raise HTTPException(404)
        return {"id": plan_id}

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    app.mount("/static", StaticFiles(directory=assets), name="static")
    return app


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def client(registry: CollectorRegistry, tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "app.js").write_text("// an asset")
    instrumented = HttpMetrics(registry).instrument(small_api(tmp_path))
    with TestClient(instrumented, raise_server_exceptions=False) as client:
        yield client


def requests(registry: CollectorRegistry, method: str, route: str, status: int) -> float:
    labels = {"method": method, "route": route, "status": str(status)}
    return registry.get_sample_value("planledger_http_requests_total", labels) or 0.0


def timed(registry: CollectorRegistry, method: str, route: str) -> float:
    labels = {"method": method, "route": route}
    return registry.get_sample_value("planledger_http_request_duration_seconds_count", labels) or 0


def test_requests_for_different_plans_share_the_route_template(
    client: TestClient, registry: CollectorRegistry
) -> None:
    for plan_id in ("a", "b", "c", "unknown"):
        client.get(f"/plans/{plan_id}")

    assert requests(registry, "GET", "/plans/{plan_id}", 200) == 3
    assert requests(registry, "GET", "/plans/{plan_id}", 404) == 1
    assert timed(registry, "GET", "/plans/{plan_id}") == 4


def test_paths_no_route_takes_are_counted_under_one_label(
    client: TestClient, registry: CollectorRegistry
) -> None:
    for path in ("/nothing", "/nothing/here", "/plans"):
        client.get(path)

    assert requests(registry, "GET", "unmatched", 404) == 3
    assert timed(registry, "GET", "unmatched") == 3


def test_files_of_a_mounted_app_are_counted_under_its_prefix(
    client: TestClient, registry: CollectorRegistry
) -> None:
    client.get("/static/app.js")
    client.get("/static/missing.js")

    assert requests(registry, "GET", "/static/{path}", 200) == 1
    assert requests(registry, "GET", "/static/{path}", 404) == 1


def test_a_method_outside_the_usual_few_is_counted_as_other(
    client: TestClient, registry: CollectorRegistry
) -> None:
    answer = client.request("BREW", "/plans/a")

    assert answer.status_code == 405
    assert requests(registry, "other", "/plans/{plan_id}", 405) == 1


def test_a_handler_that_raises_is_counted_as_the_500_the_client_gets(
    client: TestClient, registry: CollectorRegistry
) -> None:
    answer = client.get("/broken")

    assert answer.status_code == 500
    assert requests(registry, "GET", "/broken", 500) == 1
