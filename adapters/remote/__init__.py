"""The remote CLI's side of the HTTP API: the `Ledger` over HTTP, and problems back into errors.

The parts load on first use (PEP 562): every command's exit-code table names
`ServerRefusedError`, but only a command sent to a server needs httpx (about 25 ms to import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.lazy_names import lazy_names

if TYPE_CHECKING:
    from adapters.remote.plan_follower import follow_until_ended, parse_sse
    from adapters.remote.remote_errors import ServerRefusedError
    from adapters.remote.remote_ledger import RemoteLedger

__all__ = ["RemoteLedger", "ServerRefusedError", "follow_until_ended", "parse_sse"]

_HOMES = {
    "RemoteLedger": "adapters.remote.remote_ledger",
    "ServerRefusedError": "adapters.remote.remote_errors",
    "follow_until_ended": "adapters.remote.plan_follower",
    "parse_sse": "adapters.remote.plan_follower",
}


__getattr__ = lazy_names(globals(), _HOMES)
