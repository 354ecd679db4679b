"""What the remote CLI does beyond one request: `run`, `execute`, `resume` and `submit` through a
server, following the plan's events as they come."""

from __future__ import annotations

from uuid import UUID

from rich.console import Console

from adapters.cli.render import ProgressPrinter
from adapters.ledger import Caller
from adapters.remote import RemoteLedger, follow_until_ended
from adapters.settings import Settings
from core import JsonObject

SERVER_ACTOR = Caller("-")
"""Through a server the token's principal acts: the `by` a remote call carries is ignored."""


def execute_remotely(settings: Settings, plan_id: UUID, console: Console) -> JsonObject:
    """Ask the server to run the plan, print each event as it comes, return the plan at its end.

    A plan that is not approved, or has ended, is returned as it stands (as `execute` does).
    """
    with RemoteLedger(settings.server) as remote:
        return _follow(remote, plan_id, remote.start_execution(plan_id), console)


def resume_remotely(settings: Settings, plan_id: UUID, console: Console) -> JsonObject:
    """`resume` through the server: attempts a stop left running are ended as `resume` ends
    them (by the token's principal), then the server runs the plan and this follows it."""
    with RemoteLedger(settings.server) as remote:
        return _follow(remote, plan_id, remote.resume_execution(plan_id), console)


def run_remotely(
    settings: Settings,
    spec: object,
    *,
    inputs: object,
    approve: bool,
    traceparent: str | None,
    console: Console,
) -> JsonObject:
    """`run` through the server: create and, if `approve` and the plan waits for it, approve (as
    the token's principal) in one request, which writes nothing if the approval is refused;
    then run it in the server and follow it to its end."""
    with RemoteLedger(settings.server) as remote:
        plan_id = remote.create(
            spec,
            by=SERVER_ACTOR,
            inputs=inputs,
            traceparent=traceparent,
            approve=approve,
            comment="approved on the command line",
        )
        console.print(f"plan {plan_id}", highlight=False)
        return _follow(remote, plan_id, remote.start_execution(plan_id), console)


def submit_remotely(
    settings: Settings,
    spec: object,
    *,
    inputs: object,
    key: str | None,
    approve: bool,
    traceparent: str | None,
) -> UUID:
    """`submit` through the server: the plan is created there (queued for its workers where its
    store has a work table), once per idempotency `key`, and approved in the same request if
    `approve` asks (a refused approval writes nothing)."""
    with RemoteLedger(settings.server) as remote:
        return remote.create(
            spec,
            by=SERVER_ACTOR,
            inputs=inputs,
            traceparent=traceparent,
            key=key,
            approve=approve,
            comment="approved on submission",
        )


def _follow(remote: RemoteLedger, plan_id: UUID, started: bool, console: Console) -> JsonObject:
    if not started:
        return remote.status(plan_id).view
    view, _ = follow_until_ended(remote, plan_id, None, ProgressPrinter(console))
    return view
