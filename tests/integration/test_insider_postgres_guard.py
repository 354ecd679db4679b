"""An insider on PostgreSQL: the app role cannot touch history or its guard; the owner is found.

See insider_scene for the scene: the application connects as the least-privileged role, the
attacker as that role first, then as the owner bypassing the guard.
"""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from adapters.store import open_event_store, parse_store_url
from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.workers.work_schema import init_store
from core.domain.errors import StoreTamperedError
from tests.integration.insider_scene import (
    Audit,
    Deployment,
    InsiderFixtures,
    OnPostgresAsTheApplicationRole,
    problems,
)


class TestInsiderOnPostgresAsTheApplicationRole(OnPostgresAsTheApplicationRole, InsiderFixtures):
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE {table} SET topic = 'x'",
            "DELETE FROM {table}",
            "TRUNCATE {table}",
            "ALTER TABLE {table} DISABLE TRIGGER planledger_events_append_only",
            "CREATE OR REPLACE FUNCTION {schema}.planledger_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        ],
        ids=["update", "delete", "truncate", "disable-trigger", "replace-function"],
    )
    def test_the_application_role_cannot_change_history_or_its_guard(
        self, deployment: Deployment, plans: list[UUID], statement: str
    ) -> None:
        dsn, _, schema = deployment.app_url.partition("?schema=")
        table = sql.Identifier(schema, POSTGRES_EVENTS_TABLE)
        with psycopg.connect(dsn, autocommit=True) as attacker:
            text = sql.SQL(statement).format(table=table, schema=sql.Identifier(schema))
            with pytest.raises(psycopg.Error, match=r"append-only|must be owner|permission"):
                attacker.execute(text)
            counted = attacker.execute(sql.SQL("SELECT count(*) FROM {}").format(table))

        assert counted.fetchone() == (36,)

    @pytest.mark.parametrize("re_enable", [False, True], ids=["left-disabled", "re-enabled"])
    def test_a_guard_disabled_by_its_owner_is_refused_or_the_tampering_found(
        self,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        re_enable: bool,
    ) -> None:
        dsn, _, schema = deployment.admin_url.partition("?schema=")
        table = sql.Identifier(schema, POSTGRES_EVENTS_TABLE)
        trigger = sql.Identifier("planledger_events_append_only")
        with psycopg.connect(dsn, autocommit=True) as owner:
            owner.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(table, trigger))
            owner.execute(
                sql.SQL(
                    "UPDATE {} SET state = state WHERE originator_id = %s "
                    "AND originator_version = 1"
                ).format(table),
                (plans[0],),
            )
            owner.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE originator_id = %s AND originator_version = 12"
                ).format(table),
                (plans[0],),
            )
            if re_enable:
                owner.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(table, trigger))

        found = problems(audit())

        assert (str(plans[0]), 12, "missing") in found
        if not re_enable:
            assert any(problem == "guard" for _, _, problem in found)
            with pytest.raises(StoreTamperedError, match="disabled"):
                open_event_store(parse_store_url(deployment.app_url)).close()

    def test_a_replaced_guard_function_is_refused_at_start_up_and_found(
        self,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
    ) -> None:
        dsn, _, schema = deployment.admin_url.partition("?schema=")
        with psycopg.connect(dsn, autocommit=True) as owner:
            owner.execute(
                sql.SQL(
                    "CREATE OR REPLACE FUNCTION {}.planledger_refuse_change() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"
                ).format(sql.Identifier(schema))
            )

        found = problems(audit())

        assert (None, None, "guard") in found
        with pytest.raises(StoreTamperedError, match="replaced"):
            open_event_store(parse_store_url(deployment.app_url)).close()
        init_store(parse_store_url(deployment.admin_url))
        open_event_store(parse_store_url(deployment.app_url)).close()
