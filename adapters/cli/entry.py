"""The `planledger` console script: answers `--help` and a local `status` itself, else runs the app.

Importing the full typer app (`adapters.cli.app`) brings in every command, `core`, pydantic,
the eventsourcing library and psycopg: about a second before anything happens. Two calls people
and scripts make all the time need none of that, so this module decides from the arguments
alone, importing nothing heavy, whether it can answer them:

- `planledger` and `planledger --help`: the command list from a static table (`command_table`);
- `planledger [--store URL] status ID [--json]` on a local SQLite or a PostgreSQL store: the
  read models, read with sqlite3 or libpq (`lean_status`), when they are exactly as current
  as the event log.

Anything else, or anything these paths are not sure of, goes to the full app, which behaves as
it always has. `PLANLEDGER_FULL_CLI=1` sends every call there (tests and `bench_cli` use it).
"""

from __future__ import annotations

import os
import sys

FULL_CLI_VARIABLE = "PLANLEDGER_FULL_CLI"


def main() -> None:
    """Console-script entry point."""
    arguments = sys.argv[1:]
    if os.environ.get(FULL_CLI_VARIABLE) != "1":
        if arguments in ([], ["--help"]):
            from adapters.cli.command_table import help_text

            sys.stdout.write(help_text())
            sys.exit(0 if arguments else 2)  # typer's `no_args_is_help` exits 2
        call = None
        if "status" in arguments:
            from adapters.cli.status_call import status_call

            call = status_call(arguments, os.environ)
        if call is not None:
            from adapters.cli.lean_status import lean_status

            code = lean_status(call)
            if code is not None:
                sys.exit(code)
    from adapters.cli.app import app

    app()
