"""Verifying the hash chains of one plan or of every plan in a store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from adapters.audit.stored_rows import chain_rows, stored_plan_ids
from adapters.store import LibraryEventStore
from core import ChainFinding, ExpectedHead, JsonObject, PlanNotFoundError, verify_chain


@dataclass(frozen=True)
class AuditReport:
    """How many plans were checked, and the first break of each broken one."""

    plans_checked: int
    findings: tuple[ChainFinding, ...]

    @property
    def verified(self) -> bool:
        """True when every checked chain holds."""
        return not self.findings

    def to_json(self) -> JsonObject:
        """`{"plans_checked": N, "findings": [{"plan_id", "version", "problem"}]}`."""
        return {
            "plans_checked": self.plans_checked,
            "findings": [
                {
                    "plan_id": str(finding.plan_id),
                    "version": finding.version,
                    "problem": finding.problem.value,
                }
                for finding in self.findings
            ],
        }


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
    return AuditReport(len(plan_ids), tuple(findings))
