"""Events that keep an approval honest: voided by a revision, a plan quarantined (pure)."""

from __future__ import annotations

from datetime import datetime

from core.domain.events.base import PlanEvent


class ApprovalVoided(PlanEvent):
    """`by`'s revision (the event at `by_revision_version`, appended with this one) changed a
    plan that had been approved: the approval no longer covers it.

    An approved plan goes back to `pending_approval` (its new `approval_deadline` counted from
    now); an executing one starts nothing new until approved again, while attempts already
    running finish.
    """

    by_revision_version: int
    by: str
    reason: str
    approval_deadline: datetime | None = None


class PlanQuarantined(PlanEvent):
    """`by` (a writer holding trusted keys) refused to act on the plan: the event at
    `untrusted_version` is unsigned, signed by an unknown key, or otherwise not to be trusted.

    Nothing starts in a quarantined plan again; the event says why, for the audit.
    """

    by: str
    untrusted_version: int
    reason: str
