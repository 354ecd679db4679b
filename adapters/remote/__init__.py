"""The remote CLI's side of the HTTP API: the `Ledger` over HTTP, and problems back into errors."""

from adapters.remote.plan_follower import follow_until_ended, parse_sse
from adapters.remote.remote_errors import ServerRefusedError
from adapters.remote.remote_ledger import RemoteLedger

__all__ = ["RemoteLedger", "ServerRefusedError", "follow_until_ended", "parse_sse"]
