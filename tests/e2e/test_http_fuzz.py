"""A bounded fuzz run of the OpenAPI schema against a real server: never a 5xx, never a traceback.

Every operation of `/openapi.json` gets requests whose path, query and body are drawn from its
own schema (hypothesis-jsonschema), a fixed number per operation, derandomised so CI sees the
same run. The server has only the `echo` tool and no webhook key, so nothing the fuzzer sends
runs a command or reaches another host. `/events` streams forever and is left to its own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from .api_server import ApiServer, serve
from .conftest import Cli

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
EXAMPLES_PER_OPERATION = 12
SKIPPED = {("get", "/events")}


@pytest.fixture
def server(pg_cli: Cli, tmp_path: Path) -> Iterator[ApiServer]:
    env = {
        "PLANLEDGER_TOOLS": "echo",
        "PLANLEDGER_WEBHOOK_KEY": "",
        "PLANLEDGER_API_RATE": "1000",
        "PLANLEDGER_API_BURST": "10000",
    }
    yield from serve(pg_cli, tmp_path, env)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if (method, path) not in SKIPPED
    ]


def request_strategy(
    document: dict[str, Any], path: str, operation: dict[str, Any]
) -> st.SearchStrategy[tuple[str, dict[str, Any], Any]]:
    components = {"components": document.get("components", {})}
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for parameter in operation.get("parameters", []):
        schema = {**parameter.get("schema", {}), **components}
        parts[f"{parameter['in']}:{parameter['name']}"] = from_schema(schema)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    body_strategy = from_schema({**body["schema"], **components}) if body else st.none()

    def build(values: dict[str, Any], payload: Any) -> tuple[str, dict[str, Any], Any]:
        url = path
        query: dict[str, Any] = {}
        for key, value in values.items():
            where, name = key.split(":", 1)
            if where == "path":
                url = url.replace("{" + name + "}", quote(str(value), safe="") or "x")
            elif where == "query" and value is not None:
                query[name] = value if isinstance(value, str | int | float) else str(value)
        return url, query, payload

    return st.builds(build, st.fixed_dictionaries(parts), body_strategy)


def test_no_request_drawn_from_the_schema_gets_a_5xx_or_a_traceback(server: ApiServer) -> None:
    admin = server.token("fuzz-admin", "admin")
    server.start()
    with server.client(admin) as client:
        document = client.get("/openapi.json").json()
        plan_id = client.post(
            "/plans",
            json={
                "spec": {
                    "description": "d",
                    "steps": [{"id": "a", "tool": "echo", "parameters": {"value": 1}}],
                }
            },
        ).json()["id"]
        checked: list[str] = []
        for method, path, operation in operations(document):
            fuzz_one(client, document, method, path, operation, plan_id)
            checked.append(f"{method.upper()} {path}")

    assert document["openapi"].startswith("3.1")
    assert len(checked) > 25


def fuzz_one(
    client: httpx.Client,
    document: dict[str, Any],
    method: str,
    path: str,
    operation: dict[str, Any],
    plan_id: str,
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=request_strategy(document, path, operation), real_plan=st.booleans())
    def check(request: tuple[str, dict[str, Any], Any], real_plan: bool) -> None:
        url, query, body = request
        if real_plan and "{plan_id}" in path:
            url = path.replace("{plan_id}", plan_id).replace("{step_id}", "a")
        response = client.request(
            method, url, params=query, json=body if body is not None else None
        )
        assert response.status_code < 500, (method, url, query, body, response.text)
        assert "Traceback" not in response.text, response.text

    check()
