"""What the remote CLI does beyond one request: `execute` through a server, following the plan."""

from __future__ import annotations

from uuid import UUID

from rich.console import Console

from adapters.cli.render import ProgressPrinter
from adapters.remote import RemoteLedger, follow_until_ended
from adapters.settings import Settings
from core import JsonObject


def execute_remotely(settings: Settings, plan_id: UUID, console: Console) -> JsonObject:
    """Ask the server to run the plan, print each event as it comes, return the plan at its end.

    A plan that is not approved, or has ended, is returned as it stands (as `execute` does).
    """
    with RemoteLedger(settings.server) as remote:
        if not remote.start_execution(plan_id):
            return remote.status(plan_id).view
        view, _ = follow_until_ended(remote, plan_id, None, ProgressPrinter(console))
    return view
