"""Lines that tell a person why a plan is waiting: paused by someone, or awaiting an approval."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from core import PlanState


def say_if_paused(console: Console, plan: PlanState) -> None:
    """Before `execute` or `resume` watch a paused plan: say why nothing starts yet."""
    if plan.paused:
        console.print(
            f"plan {plan.plan_id} is paused by {escape(plan.paused_by or '?')}: "
            f"{escape(plan.pause_reason or '')}; waiting for `planledger unpause` (Ctrl-C leaves)",
            highlight=False,
        )


def say_if_approval_expires(console: Console, deadline: str | None) -> None:
    """For a plan awaiting approval (`deadline` given), when it expires and what records it.

    `status` only reads, so past the deadline the plan still shows `pending_approval` until
    something records the expiry.
    """
    if deadline is not None:
        console.print(
            f"approval deadline {deadline}: once it has passed, the next "
            "command on the plan (or a worker, for a submitted plan) records it as expired",
            highlight=False,
            soft_wrap=True,
        )
