"""Servers starting at once on a new PostgreSQL schema all set up the tables beside the read
models (webhooks, idempotency keys, API tokens): none fails on another's CREATE TABLE."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest

from adapters.http_api.idempotency import IdempotencyKeys
from adapters.principals.token_store import TokenStore
from adapters.read_models import open_read_model_database
from adapters.store import parse_store_url
from adapters.webhooks import Subscriptions

pytestmark = pytest.mark.postgres

SERVERS = 6
ROUNDS = 4
SIDE_TABLES = {
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "webhook_leases",
    "api_idempotency",
    "api_tokens",
}


def set_up_at_once(url: str) -> list[str]:
    """What each of `SERVERS` threads, each with its own connections, raised setting up."""
    barrier = threading.Barrier(SERVERS)
    errors: list[str] = []

    def start() -> None:
        database = open_read_model_database(parse_store_url(url))
        try:
            barrier.wait(timeout=30)
            Subscriptions(database)
            IdempotencyKeys(database)
            TokenStore(database)
        except Exception as error:
            errors.append(repr(error))
        finally:
            database.close()

    threads = [threading.Thread(target=start) for _ in range(SERVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_servers_starting_at_once_on_a_new_schema_all_set_up(postgres_available: str) -> None:
    for _ in range(ROUNDS):
        schema = f"at_once_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(postgres_available, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        try:
            errors = set_up_at_once(f"{postgres_available}?schema={schema}")
            with psycopg.connect(postgres_available, autocommit=True) as connection:
                rows = connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
                ).fetchall()
        finally:
            with psycopg.connect(postgres_available, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")

        assert errors == []
        assert {name for (name,) in rows} >= SIDE_TABLES
