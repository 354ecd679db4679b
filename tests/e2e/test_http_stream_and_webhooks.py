"""The live event stream and webhooks against a real server: every event once, in log order.

The stream is cut mid-run and resumed with `Last-Event-ID`, and read again after the server
restarts; a webhook receiver on 127.0.0.1 fails every other delivery and still ends with every
event, each signature valid, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from adapters.remote import parse_sse
from adapters.webhooks import verify

from .api_server import WEBHOOK_KEY, ApiServer, serve
from .conftest import Cli
from .webhook_receiver import receiving

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
STEPS = 200


@pytest.fixture
def server(pg_cli: Cli, tmp_path: Path) -> Iterator[ApiServer]:
    yield from serve(pg_cli, tmp_path)


def long_plan() -> dict[str, Any]:
    steps = [{"id": f"s{i:03d}", "tool": "echo", "parameters": {"value": i}} for i in range(STEPS)]
    return {"description": "200 steps", "options": {"max_parallel_steps": 8}, "steps": steps}


def read_events(
    server: ApiServer, token: str, last_id: str, plan_id: str, stop_after: int | None
) -> list[tuple[str, dict[str, Any]]]:
    """Messages of one plan from `last_id` on, until it ends or `stop_after` (then hang up)."""
    got: list[tuple[str, dict[str, Any]]] = []
    headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": last_id}
    params = {"plan_id": plan_id}
    with (
        httpx.Client(base_url=server.url, timeout=httpx.Timeout(30.0)) as client,
        client.stream("GET", "/events", params=params, headers=headers) as response,
    ):
        assert response.status_code == 200, response.read()
        for message in parse_sse(response.iter_lines()):
            assert message.id is not None
            got.append((message.id, orjson.loads("\n".join(message.data))))
            if message.event == "PlanCompleted" or (stop_after and len(got) >= stop_after):
                break
    return got


def test_a_stream_cut_mid_run_and_resumed_by_last_event_id_sees_every_event_once_in_order(
    server: ApiServer, wait_until: Callable[..., None]
) -> None:
    token = server.token("ops", "submitter", "operator")
    server.start("--heartbeat-s", "0.5")
    with server.client(token) as client:
        head = str(client.get("/readyz").json()["head"])
        plan_id = client.post("/plans", json={"spec": long_plan()}).json()["id"]
        client.post(f"/plans/{plan_id}/execute")

    first = read_events(server, token, head, plan_id, stop_after=150)
    rest = read_events(server, token, first[-1][0], plan_id, stop_after=None)
    with server.client(token) as client:
        history = client.get(f"/plans/{plan_id}/history").json()
    server.stop()
    server.start()
    after_restart = read_events(server, token, first[40][0], plan_id, stop_after=None)

    seen = first + rest
    positions = [int(position) for position, _ in seen]
    assert len(history) > 2 * STEPS
    assert [data["version"] for _, data in seen] == [r["version"] for r in history]
    assert positions == sorted(set(positions))
    assert [data["type"] for _, data in seen] == [r["type"] for r in history]
    assert after_restart == seen[41:]


class Receiver(BaseHTTPRequestHandler):
    """Answers 500 to every other request; keeps what it accepted."""

    accepted: list[tuple[dict[str, str], bytes]] = []
    requests = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        with self.lock:
            type(self).requests += 1
            fail = self.requests % 2 == 1
            if not fail:
                type(self).accepted.append((dict(self.headers.items()), body))
        self.send_response(500 if fail else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.accepted = []
    Receiver.requests = 0
    with receiving(Receiver) as url:
        yield url


def test_a_receiver_that_fails_half_its_deliveries_ends_with_every_event_signed_in_order(
    server: ApiServer, receiver: str, wait_until: Callable[..., None]
) -> None:
    admin = server.token("root", "admin")
    server.start("--webhook-backoff-s", "0.02")
    with server.client(admin) as client:
        subscribed = client.post("/webhooks", json={"url": receiver}).json()
        spec = {**long_plan(), "steps": long_plan()["steps"][:20]}
        plan_id = client.post("/plans", json={"spec": spec}).json()["id"]
        client.post(f"/plans/{plan_id}/execute")
        wait_until(
            lambda: client.get(f"/plans/{plan_id}").json()["status"] == "completed",
            timeout=60,
            what="the plan to complete",
        )
        history = client.get(f"/plans/{plan_id}/history").json()
        wait_until(
            lambda: len(Receiver.accepted) >= len(history), timeout=60, what="every delivery"
        )

        def recorded_delivered() -> bool:
            # the server records a delivery after the receiver's answer reaches it
            listed = client.get(f"/webhooks/{subscribed['id']}/deliveries").json()
            return bool(listed) and all(item["status"] == "delivered" for item in listed)

        wait_until(recorded_delivered, timeout=60, what="every delivery recorded as delivered")
        deliveries = client.get(f"/webhooks/{subscribed['id']}/deliveries").json()

    bodies = [orjson.loads(body) for _, body in Receiver.accepted]
    assert [body["data"]["version"] for body in bodies] == [r["version"] for r in history]
    for headers, body in Receiver.accepted:
        stamp = int(headers["webhook-timestamp"])
        assert verify(
            subscribed["secret"], headers["webhook-id"], stamp, body, headers["webhook-signature"]
        )
    assert Receiver.requests >= 2 * len(history)
    assert all(item["status"] == "delivered" for item in deliveries)
    assert all(item["attempts"] == 2 for item in deliveries)
    assert subscribed["secret"].startswith("whsec_")
    assert WEBHOOK_KEY not in server.log.read_text()
