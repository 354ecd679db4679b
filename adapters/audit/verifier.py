"""Verifying the hash chains of one plan or of every plan in a store, against given heads.

`adapters.audit.store_audit` is what `audit verify` runs: it adds signatures, checkpoints and
the read models, and takes no read model's head on trust.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from adapters.audit.findings import AuditFinding, AuditReport
from adapters.audit.stored_rows import chain_rows, stored_plan_ids
from adapters.store import LibraryEventStore
from core import ChainFinding, ExpectedHead, PlanNotFoundError, verify_chain


def verify_store(
    store: LibraryEventStore,
    plan_ids: Sequence[UUID] | None = None,
    heads: Mapping[UUID, ExpectedHead] | None = None,
) -> AuditReport:
    """Verify the named plans, or every plan the log or the heads know of.

    A plan that only the heads know (every one of its events removed) is checked too, and is
    reported missing from version 1.

    Raises:
        PlanNotFoundError: a named plan that neither the log nor the heads know.
    """
    heads = heads or {}
    if plan_ids is None:
        plan_ids = sorted({*stored_plan_ids(store), *heads})
    findings: list[ChainFinding] = []
    for plan_id in plan_ids:
        rows = chain_rows(store, plan_id)
        if not rows and plan_id not in heads:
            raise PlanNotFoundError(plan_id)
        findings += verify_chain(plan_id, rows, heads.get(plan_id))
    return AuditReport(len(plan_ids), tuple(AuditFinding.of_chain(f) for f in findings))
