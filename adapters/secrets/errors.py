"""The secrets commands' input errors, in core's error tree under `InvalidInputError` (exit 2)."""

from __future__ import annotations

from uuid import UUID

from core import InvalidInputError


class SealedUnderAnotherPlanError(InvalidInputError):
    """`secrets forget` of a sub-plan: its secrets are sealed under its root plan's data key."""

    def __init__(self, plan_id: UUID, key_plan_id: UUID) -> None:
        self.plan_id = plan_id
        self.key_plan_id = key_plan_id
        super().__init__(
            f"plan {plan_id} keeps no data key: its secret inputs are sealed under that of plan "
            f"{key_plan_id}, its root; forget that one (it covers every sub-plan of the tree)"
        )
