"""Audit rows checked against their events: nothing the log does not prove is shown as fact.

Each `audit_log` row names a plan, a version and an event hash. It is verified when the stored
event at that version still matches its own hash, carries that hash, (with trusted keys) is
signed by one of them, and gives exactly this row when projected again.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from adapters.audit.read_model_check import FoldedViews
from adapters.audit.stored_rows import chain_rows
from adapters.read_models.audit_queries import audit_record
from adapters.signing import TrustedKeys
from adapters.store import LibraryEventStore
from core import ChainRow, JsonObject, event_hash
from projections import AuditLogProjection, AuditRow

PLANS_KEPT = 64
"""Plans whose rows stay loaded while an export walks the log in time order."""


class AuditRowVerifier:
    """Checks audit records (as `audit_record` makes them) against the stored events."""

    def __init__(self, store: LibraryEventStore, trusted: TrustedKeys | None) -> None:
        self._store = store
        self._trusted = trusted
        self._plans: OrderedDict[UUID, dict[int, ChainRow]] = OrderedDict()
        self._projection = AuditLogProjection()
        self.failed = 0

    def check(self, record: JsonObject) -> JsonObject:
        """The record with `verified` (true or false) and `problem` (why not, or None)."""
        problem = self._problem(record)
        self.failed += problem is not None
        return {**record, "verified": problem is None, "problem": problem}

    def _problem(self, record: JsonObject) -> str | None:
        row = self._rows(UUID(str(record["plan_id"]))).get(int(str(record["version"])))
        if row is None or row.event is None:
            return "no readable event at this version"
        event = row.event
        if event_hash(event) != row.stored_hash or event.hash != record["event_hash"]:
            return "the event does not match the hash the row names"
        if self._trusted is not None:
            found = self._trusted.problem(event)
            if found is not None:
                return f"{found[0].value}: {found[1]}"
        rows = self._projection.apply(event, FoldedViews())
        proven = [audit_record(r) for r in rows if isinstance(r, AuditRow)]
        if proven != [record]:
            return _disagreement(record, proven)
        return None

    def _rows(self, plan_id: UUID) -> dict[int, ChainRow]:
        rows = self._plans.get(plan_id)
        if rows is None:
            rows = {row.version: row for row in chain_rows(self._store, plan_id)}
            self._plans[plan_id] = rows
            if len(self._plans) > PLANS_KEPT:
                self._plans.popitem(last=False)
        self._plans.move_to_end(plan_id)
        return rows


def _disagreement(record: JsonObject, proven: list[JsonObject]) -> str:
    """What differs, field by field, when the event gives one row; else that it gives none."""
    if len(proven) != 1:
        return f"the event gives {len(proven)} audit rows, not this one"
    fields = sorted(
        name for name in {*record, *proven[0]} if record.get(name) != proven[0].get(name)
    )
    said = "; ".join(
        f"{name} is {record.get(name)!r}, the event says {proven[0].get(name)!r}" for name in fields
    )
    return f"the row says otherwise than its event: {said}"
