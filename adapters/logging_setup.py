"""structlog set-up, and the callback that logs each recorded event with plan, step and attempt."""

from __future__ import annotations

import logging
import sys

import structlog

from core import PlanEvent


def configure_logging(*, json_lines: bool, level: str) -> None:
    """Human-readable lines on a terminal, or JSON lines; both to stderr."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.WARNING)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def log_event(event: PlanEvent) -> None:
    """Log one recorded event; step events carry `step_id` and `attempt`."""
    fields = {
        "plan_id": str(event.plan_id),
        "version": event.version,
        "actor": event.actor,
    }
    for name in ("step_id", "attempt", "worker", "error_type", "message", "reason", "duration_ms"):
        value = getattr(event, name, None)
        if value is not None:
            fields[name] = value
    logger = structlog.get_logger("planledger")
    if type(event).__name__ in ("StepFailed", "StepTimedOut", "PlanFailed"):
        logger.warning(type(event).__name__, **fields)
    else:
        logger.info(type(event).__name__, **fields)
