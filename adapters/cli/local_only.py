"""Commands that work on the store or the files where they run: through a server they refuse.

`--server` (or `PLANLEDGER_SERVER`) sends every other command to the API. These have no API
counterpart by nature (they serve it, set up or follow its store, or write files here), so
rather than act on a local store the user did not mean, they stop, name themselves, and exit
with the invalid-input code; nothing is written.
"""

from __future__ import annotations

from adapters.cli.command_context import current_settings
from core import InvalidInputError

STORE_HERE = "works on the store where it runs"


def refuse_through_server(command: str, what: str = STORE_HERE) -> None:
    """Raise `InvalidInputError` naming `command` when this invocation goes through a server."""
    url = current_settings().server.url
    if url is not None:
        raise InvalidInputError(
            f"`planledger {command}` {what} and cannot go through a server (--server or "
            f"PLANLEDGER_SERVER names {url}): run it where it belongs, without --server"
        )
