"""structlog set-up, and the callback that logs each recorded event with plan, step and attempt."""

from __future__ import annotations

import logging
import sys

import structlog

from core import PlanEvent

_WARNINGS = frozenset({"StepFailed", "StepTimedOut", "PlanFailed"})
"""Events logged as warnings; every other event is logged at info."""

_threshold = logging.NOTSET
"""The level `configure_logging` set: `log_event` drops what is below it before any work."""


def configure_logging(*, json_lines: bool, level: str) -> None:
    """Human-readable lines on a terminal, or JSON lines; both to stderr."""
    global _threshold
    _threshold = logging.getLevelNamesMapping().get(level.upper(), logging.WARNING)
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
        wrapper_class=structlog.make_filtering_bound_logger(_threshold),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def log_event(event: PlanEvent) -> None:
    """Log one recorded event; step events carry `step_id` and `attempt`.

    At the default level (warning) most events are below it: they return at once, since a
    logger built per call cost about as much as the engine's own work on the event.
    """
    warning = type(event).__name__ in _WARNINGS
    if (logging.WARNING if warning else logging.INFO) < _threshold:
        return
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
    if warning:
        logger.warning(type(event).__name__, **fields)
    else:
        logger.info(type(event).__name__, **fields)
