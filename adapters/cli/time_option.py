"""Times typed on the command line (`--since`, `--until`)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer


def parse_moment(text: str) -> datetime:
    """An ISO-8601 time or date; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO-8601 time (2024-05-01T12:00Z)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
