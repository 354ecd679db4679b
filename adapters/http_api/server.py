"""`planledger serve`: the API on uvicorn, with the threads that follow the log beside it.

Beside the HTTP workers run: one watcher on the store's wake-up (it wakes the event streams and
the webhook dispatcher), the webhook dispatcher (when `PLANLEDGER_WEBHOOK_KEY` is set), the
projector following the log (so `plans list` and the audit views stay current), and a pool for
plans the API was asked to execute. Everything stops when uvicorn does (SIGINT, SIGTERM).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

import httpx
import uvicorn
from starlette.types import ASGIApp

from adapters.bootstrap import (
    audit_evidence,
    build_service,
    open_store,
    read_side,
    store_wakeup,
    trusted_keys_of,
)
from adapters.http_api.app import create_app
from adapters.http_api.context import ApiContext, Executions
from adapters.http_api.idempotency import IdempotencyKeys
from adapters.http_api.limits import RateLimiter
from adapters.http_api.log_signal import LogSignal, watch_log
from adapters.ledger import LocalLedger
from adapters.logging_setup import log_event
from adapters.principals import Authenticator, TokenStore
from adapters.principals.oidc import OidcVerifier
from adapters.read_models import EventLog, ReadModelDatabase, ReadSide, open_read_model_database
from adapters.settings import Settings
from adapters.store import Wakeup, parse_store_url
from adapters.telemetry import StoreObserver, open_telemetry
from adapters.webhooks import Lease, Subscriptions, WebhookDispatcher
from adapters.workers import WorkQueue
from core import Callbacks, JsonObject

EXECUTION_THREADS = 8

ReadSideWatcher = Callable[[ReadSide], AbstractContextManager[None]]


@dataclass(frozen=True)
class ServeOptions:
    """How `serve` listens and what it runs beside the API."""

    host: str = "127.0.0.1"
    port: int = 8080
    projector: bool = True
    heartbeat_s: float = 15.0
    webhook_backoff_s: float = 1.0
    webhook_lease_s: float = 30.0


def now() -> datetime:
    return datetime.now(UTC)


def serve(
    settings: Settings,
    options: ServeOptions,
    on_ready: Callable[[str], None],
    *,
    observers: Sequence[StoreObserver] = (),
    middleware: Callable[[ASGIApp], ASGIApp] | None = None,
    watch_read_side: ReadSideWatcher | None = None,
) -> None:
    """Serve until uvicorn is told to stop; `on_ready` hears the URL once it listens.

    What the API appends feeds `observers`, and `middleware` wraps the whole app, so it sees
    every request, even one refused before routing (its metrics). `watch_read_side` is entered
    with the projector's read side while it follows the log (its metrics, read at each scrape).
    """
    with api_context(settings, options, observers, watch_read_side) as (context, background):
        app = create_app(context, max_body_bytes=settings.server.max_body_bytes)
        if middleware is not None:
            app = middleware(app)
        config = uvicorn.Config(
            app,
            host=options.host,
            port=options.port,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=5,
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        with background(), _stopping_on_signals(server):
            thread = threading.Thread(target=server.run, name="uvicorn")
            thread.start()
            while thread.is_alive() and not server.started:
                thread.join(0.05)
            if server.started:
                on_ready(f"http://{options.host}:{_bound_port(server, options.port)}")
            thread.join()


@contextmanager
def _stopping_on_signals(server: uvicorn.Server) -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM ask `server` to stop as uvicorn itself would."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _bound_port(server: uvicorn.Server, asked: int) -> int:
    for listener in server.servers:
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    return asked


@contextmanager
def api_context(
    settings: Settings,
    options: ServeOptions,
    observers: Sequence[StoreObserver] = (),
    watch_read_side: ReadSideWatcher | None = None,
) -> Iterator[tuple[ApiContext, Callable[[], ExitStack]]]:
    """The context every request shares, and a way to start the threads beside the API."""
    with ExitStack() as stack:
        telemetry = open_telemetry(settings.trace_exporters, observers=observers)
        stack.callback(telemetry.close)
        store = open_store(settings)
        stack.callback(store.close)
        config = parse_store_url(settings.store_url)
        database = open_read_model_database(config)
        stack.callback(database.close)
        service = build_service(
            settings, store, callbacks=Callbacks(on_event=log_event), telemetry=telemetry
        )
        wakeup = store_wakeup(settings, store)
        ledger = LocalLedger(
            service,
            store,
            lambda: database,
            wakeup,
            lambda: _status(settings),
            lambda keys, checkpoints: audit_evidence(settings, keys, checkpoints),
            trusted_keys_of(settings),
        )
        context = _context(settings, options, ledger, database, EventLog(store))
        stack.callback(context.executions.pool.shutdown, wait=False, cancel_futures=True)
        if config.kind == "postgresql":
            queue = WorkQueue(config, "serve")
            stack.callback(queue.close)
            context.queue = queue if queue.initialised() else None

        def background() -> ExitStack:
            return _background(settings, options, context, wakeup, watch_read_side)

        yield context, background


def _context(
    settings: Settings,
    options: ServeOptions,
    ledger: LocalLedger,
    database: ReadModelDatabase,
    log: EventLog,
) -> ApiContext:
    server = settings.server
    tokens = TokenStore(database)
    oidc = OidcVerifier(server.oidc, server.timeout_s) if server.oidc.jwks else None
    return ApiContext(
        ledger=ledger,
        authenticator=Authenticator(tokens, oidc, now),
        tokens=tokens,
        limiter=RateLimiter(server.rate_per_s, server.burst),
        idempotency=IdempotencyKeys(database),
        log=log,
        signal=LogSignal(),
        executions=Executions(ThreadPoolExecutor(EXECUTION_THREADS, "execute")),
        now=now,
        subscriptions=Subscriptions(database),
        webhook_key=server.webhook_key,
        heartbeat_s=options.heartbeat_s,
        oidc=server.oidc,
    )


def _background(
    settings: Settings,
    options: ServeOptions,
    context: ApiContext,
    wakeup: Callable[[], Wakeup],
    watch_read_side: ReadSideWatcher | None,
) -> ExitStack:
    stack = ExitStack()
    stop = threading.Event()
    listeners: list[Callable[[], None]] = [context.signal.fire]
    threads = []
    if context.subscriptions is not None and context.webhook_key is not None:
        client = httpx.Client(timeout=settings.server.timeout_s, follow_redirects=False)
        stack.callback(client.close)
        dispatcher = WebhookDispatcher(
            context.subscriptions,
            context.log,
            context.webhook_key,
            client,
            now,
            Lease(_lease_holder(), options.webhook_lease_s),
            backoff_s=options.webhook_backoff_s,
        )
        listeners.append(dispatcher.wake.set)
        threads.append(threading.Thread(target=dispatcher.run, args=(stop,), name="webhooks"))
    threads.append(
        threading.Thread(target=watch_log, args=(wakeup, listeners, stop), name="log-watcher")
    )
    if options.projector:
        side = stack.enter_context(read_side(settings))
        if watch_read_side is not None:
            stack.enter_context(watch_read_side(side))
        threads.append(
            threading.Thread(target=side.projector.follow, args=(stop,), name="projector")
        )
    for thread in threads:
        thread.start()

    def halt() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    stack.callback(halt)
    return stack


def _lease_holder() -> str:
    """This process's name on the webhook leases it holds: unique even if `PLANLEDGER_WORKER`
    is set alike on several servers."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _status(settings: Settings) -> list[JsonObject]:
    with read_side(settings) as side:
        return side.status()
