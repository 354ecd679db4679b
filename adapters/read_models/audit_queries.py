"""Queries on the audit log: one plan's actions, and an export of all of them as JSONL or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from typing import Literal, TextIO
from uuid import UUID

from adapters.read_models.database import ReadModelDatabase
from adapters.read_models.queries import iso
from adapters.read_models.table_io import select_rows
from adapters.read_models.tables import ColumnKind, table_spec
from core import JsonObject, PlanNotFoundError
from projections.rows import AuditRow

AUDIT_FIELDS = ("plan_id", "version", "action", "actor", "at", "reason", "event_type", "event_hash")
"""The columns of an export, in this order."""

EXPORT_BATCH = 1000


def audit_record(row: AuditRow) -> JsonObject:
    """One action as JSON."""
    return {
        "plan_id": str(row.plan_id),
        "version": row.version,
        "action": row.action,
        "actor": row.actor,
        "at": iso(row.at),
        "reason": row.reason,
        "event_type": row.event_type,
        "event_hash": row.event_hash,
    }


def audit_trail(database: ReadModelDatabase, plan_id: UUID) -> list[JsonObject]:
    """Who did what to one plan, in version order.

    Every plan has at least its creation here, so no rows means the read models do not know it.
    """
    spec = table_spec(AuditRow)
    with database.session() as session:
        key = session.dialect.encode(ColumnKind.UUID, plan_id)
        rows = select_rows(session, spec, spec.name, "plan_id = ?", [key], order="version")
    if not rows:
        raise PlanNotFoundError(plan_id)
    return [audit_record(row) for row in rows if isinstance(row, AuditRow)]


def export_audit(
    database: ReadModelDatabase,
    out: TextIO,
    *,
    since: datetime | None = None,
    form: Literal["jsonl", "csv"] = "jsonl",
    check: Callable[[JsonObject], JsonObject] | None = None,
) -> int:
    """Write every action (at or after `since`) in time order; return how many were written.

    Reads in keyset pages of `EXPORT_BATCH`, so an export of any size holds one page at a time.
    `check` (the verifier of `audit export --verified`) adds `verified` and `problem` to each.
    """
    names = AUDIT_FIELDS if check is None else (*AUDIT_FIELDS, "verified", "problem")
    writer = csv.DictWriter(out, fieldnames=names) if form == "csv" else None
    if writer is not None:
        writer.writeheader()
    written = 0
    after: tuple[object, object, int] | None = None
    while True:
        page = _page(database, since, after)
        for row in page:
            record = audit_record(row) if check is None else check(audit_record(row))
            if writer is not None:
                writer.writerow(record)
            else:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += len(page)
        if len(page) < EXPORT_BATCH:
            return written
        last = page[-1]
        after = (last.at, last.plan_id, last.version)


def _page(
    database: ReadModelDatabase, since: datetime | None, after: tuple[object, object, int] | None
) -> list[AuditRow]:
    spec = table_spec(AuditRow)
    clauses: list[str] = []
    params: list[object] = []
    with database.session() as session:
        encode = session.dialect.encode
        if since is not None:
            clauses.append("at >= ?")
            params.append(encode(ColumnKind.TIMESTAMP, since))
        if after is not None:
            clauses.append("(at, plan_id, version) > (?, ?, ?)")
            at, plan_id, version = after
            params.extend(
                [encode(ColumnKind.TIMESTAMP, at), encode(ColumnKind.UUID, plan_id), version]
            )
        rows = select_rows(
            session,
            spec,
            spec.name,
            " AND ".join(clauses),
            params,
            order="at, plan_id, version",
            limit=EXPORT_BATCH,
        )
    return [row for row in rows if isinstance(row, AuditRow)]
