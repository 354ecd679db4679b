"""PostgreSQL roles for least privilege: an owner of the log and an application that appends.

The owner role (NOLOGIN) owns the schema, the events table, its sequence, the guard function and
triggers, and the checkpoints table: only it can disable or replace the guard. The application
role may only SELECT and INSERT events (appends take no table lock), and cannot touch the
guard. It owns the read models, the
tracking and work tables, which are conveniences that `audit verify` checks against the log,
and may create tables in the schema for `projections rebuild`.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from adapters.read_models.schema import VERSION_TABLE
from adapters.read_models.tables import TRACKING_TABLE, all_tables

APPLICATION_EVENT_PRIVILEGES = "SELECT, INSERT"

CHECKPOINT_TABLE = "planledger_checkpoints"
WORK_TABLE = "planledger_work"

Connection = psycopg.Connection[tuple[object, ...]]


def role_statements(
    connection: Connection, schema: str, events_table: str, owner: str, app: str
) -> list[sql.Composed]:
    """Every statement that creates the roles (if missing) and hands each object to its role.

    Read from the catalog, so it must run after the tables exist (`db init`).
    """
    existing = {
        str(row[0])
        for row in connection.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", ([owner, app],)
        )
    }
    ident = sql.Identifier
    statements: list[sql.Composed] = []
    if owner not in existing:
        statements.append(sql.SQL("CREATE ROLE {} NOLOGIN").format(ident(owner)))
    if app not in existing:
        statements.append(sql.SQL("CREATE ROLE {} LOGIN").format(ident(app)))
    statements.append(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(ident(schema), ident(owner)))
    for table in (events_table, CHECKPOINT_TABLE):
        statements.append(
            sql.SQL("ALTER TABLE {} OWNER TO {}").format(ident(schema, table), ident(owner))
        )
    for kind, name in _routines_and_types(connection, schema):
        statements.append(
            sql.SQL("ALTER " + kind + " {} OWNER TO {}").format(sql.SQL(name), ident(owner))
        )
    statements += [
        sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(ident(schema), ident(app)),
        sql.SQL("GRANT " + APPLICATION_EVENT_PRIVILEGES + " ON {} TO {}").format(
            ident(schema, events_table), ident(app)
        ),
        sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
            ident(schema, f"{events_table}_notification_id_seq"), ident(app)
        ),
        sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(
            ident(schema, CHECKPOINT_TABLE), ident(app)
        ),
        sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(ident(schema, events_table)),
    ]
    for table in (TRACKING_TABLE, VERSION_TABLE, WORK_TABLE, *(s.name for s in all_tables())):
        statements.append(
            sql.SQL("ALTER TABLE {} OWNER TO {}").format(ident(schema, table), ident(app))
        )
    return statements


def _routines_and_types(connection: Connection, schema: str) -> list[tuple[str, str]]:
    """The schema's functions (the guard, the library's) and composite types, qualified."""
    rows = connection.execute(
        "SELECT 'FUNCTION', p.oid::regprocedure::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s "
        "UNION ALL SELECT 'TYPE', t.oid::regtype::text FROM pg_type t "
        "JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid "
        "WHERE n.nspname = %s AND c.relkind = 'c'",
        (schema, schema),
    ).fetchall()
    return [(str(kind), str(name)) for kind, name in rows]


def apply_roles(connection: Connection, statements: list[sql.Composed]) -> None:
    """Run the statements in one transaction (as a role allowed to create roles)."""
    with connection.transaction():
        for statement in statements:
            connection.execute(statement)
