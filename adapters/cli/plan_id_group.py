"""A command group that also takes a plan id in place of a subcommand: `audit ID` next to
`audit verify`, as git takes `git log` and `git REV`."""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

PLAN_COMMAND = "plan"
"""The hidden subcommand that `GROUP ID ...` stands for."""


class PlanIdGroup(TyperGroup):
    """Reads a first argument that is neither a subcommand nor an option as `plan ID`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # `ctx` is the click Context that typer vendors privately; nothing here touches it.
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = [PLAN_COMMAND, *args]
        return super().parse_args(ctx, args)
