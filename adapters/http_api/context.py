"""What the HTTP handlers share: the ledger, who may call, limits, the log and its signal."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request

from adapters.http_api.idempotency import IdempotencyKeys
from adapters.http_api.limits import RateLimiter
from adapters.http_api.log_signal import LogSignal
from adapters.ledger import Caller, LocalLedger
from adapters.principals import Action, Authenticator, Principal, TokenStore
from adapters.read_models import EventLog
from adapters.settings import OidcSettings
from adapters.webhooks import Subscriptions
from adapters.workers import WorkQueue


@dataclass
class Executions:
    """Plans this server runs in its own engine (`POST /plans/{id}/execute`), one run each."""

    pool: ThreadPoolExecutor
    running: set[UUID] = field(default_factory=set)
    lock: Lock = field(default_factory=Lock)

    def runs(self, plan_id: UUID) -> bool:
        """Whether this server runs the plan now."""
        with self.lock:
            return plan_id in self.running

    def start(self, plan_id: UUID, run: Callable[[], object]) -> None:
        """Run `run` in the pool unless this plan already runs here."""
        with self.lock:
            if plan_id in self.running:
                return
            self.running.add(plan_id)

        def guarded() -> None:
            try:
                run()
            finally:
                with self.lock:
                    self.running.discard(plan_id)

        self.pool.submit(guarded)


@dataclass
class ApiContext:
    """Everything a request may need, built once by `planledger serve`."""

    ledger: LocalLedger
    authenticator: Authenticator
    tokens: TokenStore
    limiter: RateLimiter
    idempotency: IdempotencyKeys
    log: EventLog
    signal: LogSignal
    executions: Executions
    now: Callable[[], datetime]
    subscriptions: Subscriptions | None = None
    webhook_key: str | None = field(default=None, repr=False)
    queue: WorkQueue | None = None
    heartbeat_s: float = 15.0
    stream_batch: int = 500
    oidc: OidcSettings = field(default_factory=OidcSettings)


def context(request: Request) -> ApiContext:
    """The server's context (a FastAPI dependency)."""
    shared: ApiContext = request.app.state.context
    return shared


def principal(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """The authenticated principal of the request, within its rate (a FastAPI dependency)."""
    shared = context(request)
    who = shared.authenticator.authenticate(authorization)
    shared.limiter.take(who.name)
    request.state.principal = who.name
    return who


def allowed(action: Action) -> Callable[..., Principal]:
    """A dependency: the principal, if one of its roles allows `action` (else 403)."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        who.require(action)
        return who

    return check


def caller(who: Principal) -> Caller:
    """The principal as the ledger's actor: its name, and its roles for `role:` approvers."""
    return Caller(who.name, frozenset(role.value for role in who.roles))
