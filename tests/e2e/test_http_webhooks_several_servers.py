"""Two `serve` processes on one store deliver each webhook event once, and one takes over when
the other dies; a server whose database fails for a while goes on delivering after.

Both servers have the webhook key and follow the same subscription; a receiver on 127.0.0.1
counts what reaches it. Each event arrives once (no `webhook-id` twice), in log order; after the
lease holder is killed with SIGKILL, the other server claims the lapsed lease and delivers what
follows, from the subscription's recorded position.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapters.read_models import open_read_model_database
from adapters.store import parse_store_url

from .api_server import ApiServer, Issuer
from .conftest import Cli
from .webhook_receiver import receiving

pytestmark = pytest.mark.slow
LEASE_S = "2"
STEPS = 6


class CountingReceiver(BaseHTTPRequestHandler):
    """Accepts every delivery; keeps each one's `webhook-id` and log position in arrival order."""

    received: list[tuple[str, int]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = orjson.loads(self.rfile.read(int(self.headers["content-length"])))
        with self.lock:
            type(self).received.append((self.headers["webhook-id"], int(body["position"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    CountingReceiver.received = []
    with receiving(CountingReceiver) as url:
        yield url


@pytest.fixture
def two_servers(cli_on_each_store: Cli, tmp_path: Path) -> Iterator[tuple[ApiServer, ApiServer]]:
    issuer = Issuer(tmp_path / "jwks.json")
    servers = (ApiServer(cli_on_each_store, issuer), ApiServer(cli_on_each_store, issuer))
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()
            if server.log.exists():  # shown on failure
                print(f"--- {server.log.name}\n{server.log.read_text()[-4000:]}")


def small_plan(name: str) -> dict[str, Any]:
    steps = [{"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(STEPS)]
    return {"description": name, "options": {"max_parallel_steps": 2}, "steps": steps}


def run_plan(server: ApiServer, token: str, name: str, wait_until: Callable[..., None]) -> int:
    """Create and execute a plan through `server`; the number of events it recorded."""
    with server.client(token) as client:
        plan_id = client.post("/plans", json={"spec": small_plan(name)}).json()["id"]
        client.post(f"/plans/{plan_id}/execute")
        wait_until(
            lambda: client.get(f"/plans/{plan_id}").json()["status"] == "completed",
            timeout=30,
            what=f"plan {name} to complete",
        )
        return len(client.get(f"/plans/{plan_id}/history").json())


def subscription_of(server: ApiServer, token: str) -> dict[str, Any]:
    with server.client(token) as client:
        [subscription] = client.get("/webhooks").json()
    return dict(subscription)


def received() -> list[tuple[str, int]]:
    with CountingReceiver.lock:
        return list(CountingReceiver.received)


def distinct() -> int:
    return len({message_id for message_id, _ in received()})


def test_two_servers_deliver_each_event_once_in_order_and_the_survivor_takes_over(
    two_servers: tuple[ApiServer, ApiServer], receiver: str, wait_until: Callable[..., None]
) -> None:
    first = two_servers[0]
    admin = first.token("root", "admin", "submitter", "operator", "viewer")
    for server in two_servers:
        server.start("--webhook-lease-s", LEASE_S)
    with first.client(admin) as client:
        assert client.post("/webhooks", json={"url": receiver}).status_code == 201

    before = run_plan(first, admin, "before", wait_until)
    wait_until(lambda: distinct() >= before, timeout=30, what="the first plan's events")
    last = max(position for _, position in received())
    wait_until(
        lambda: subscription_of(first, admin)["position"] == last,
        timeout=30,
        what="the last delivery to be recorded",
    )
    assert len({message_id for message_id, _ in received()}) == len(received()) == before
    holder = subscription_of(first, admin)["lease"]["holder"]
    processes = [server.process for server in two_servers if server.process is not None]
    [holder_process] = [process for process in processes if f":{process.pid}:" in holder]
    dead_pid = holder_process.pid
    holder_process.send_signal(signal.SIGKILL)
    holder_process.wait(timeout=10)
    [survivor] = [server for server in two_servers if server.process is not holder_process]

    after = run_plan(survivor, admin, "after", wait_until)
    wait_until(lambda: distinct() >= before + after, timeout=30, what="the second plan's events")
    last = max(position for _, position in received())
    wait_until(
        lambda: subscription_of(survivor, admin)["position"] == last,
        timeout=30,
        what="the survivor to record its last delivery",
    )

    deliveries = received()
    ids = [message_id for message_id, _ in deliveries]
    positions = [position for _, position in deliveries]
    assert len(ids) == len(set(ids)) == before + after
    assert positions == sorted(positions)
    assert f":{dead_pid}:" not in subscription_of(survivor, admin)["lease"]["holder"]


def rename_table(store: str, old: str, new: str) -> None:
    """Rename a read-model table behind the server's back (a database that is away for it)."""
    database = open_read_model_database(parse_store_url(store))
    try:
        with database.transaction(write_lock=True) as session:
            session.execute(f"ALTER TABLE {old} RENAME TO {new}")
    finally:
        database.close()


def test_a_server_whose_database_fails_for_a_while_goes_on_delivering_after(
    two_servers: tuple[ApiServer, ApiServer],
    receiver: str,
    cli_on_each_store: Cli,
    wait_until: Callable[..., None],
) -> None:
    server = two_servers[0]
    admin = server.token("root", "admin", "submitter", "operator", "viewer")
    server.start("--webhook-lease-s", LEASE_S)
    with server.client(admin) as client:
        assert client.post("/webhooks", json={"url": receiver}).status_code == 201

    rename_table(cli_on_each_store.store, "webhook_subscriptions", "webhook_subscriptions_away")
    try:
        wait_until(
            lambda: "webhook_loop_failed" in server.log.read_text(),
            timeout=30,
            what="the dispatcher to meet the missing table",
        )
    finally:
        rename_table(cli_on_each_store.store, "webhook_subscriptions_away", "webhook_subscriptions")
    events = run_plan(server, admin, "after the outage", wait_until)

    wait_until(lambda: distinct() >= events, timeout=30, what="the plan's events after the outage")
    assert len(received()) == events
