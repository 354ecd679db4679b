"""The one table from outcomes (plan statuses and errors) to CLI exit codes."""

from __future__ import annotations

from adapters.remote.remote_errors import ServerRefusedError
from core import (
    ConcurrencyError,
    CorruptHistoryError,
    InvalidInputError,
    PlanLedgerError,
    PlanStatus,
    StoreTamperedError,
    StoreUnavailableError,
)

COMPLETED = 0
ENDED_UNSUCCESSFULLY = 1
INVALID_INPUT = 2
WAITING_FOR_APPROVAL = 3
STORE_UNAVAILABLE = 4
CORRUPT_HISTORY = 5
CONFLICT = 6
SERVER_REFUSED = 7
"""The server refused the request: not authenticated, not allowed by role, over a limit."""
WAIT_TIMED_OUT = 124
"""`wait --timeout` gave up before the plan ended (the code `timeout(1)` uses)."""
INTERRUPTED = 130

PLAN_STATUS_CODES: dict[PlanStatus, int] = {
    PlanStatus.COMPLETED: COMPLETED,
    PlanStatus.FAILED: ENDED_UNSUCCESSFULLY,
    PlanStatus.PARTIAL: ENDED_UNSUCCESSFULLY,
    PlanStatus.CANCELLED: ENDED_UNSUCCESSFULLY,
    PlanStatus.REJECTED: ENDED_UNSUCCESSFULLY,
    PlanStatus.PENDING_APPROVAL: WAITING_FOR_APPROVAL,
    PlanStatus.DRAFT: WAITING_FOR_APPROVAL,
    PlanStatus.APPROVED: COMPLETED,
    PlanStatus.EXECUTING: COMPLETED,
}

ERROR_CODES: dict[type[PlanLedgerError], int] = {
    InvalidInputError: INVALID_INPUT,
    StoreUnavailableError: STORE_UNAVAILABLE,
    CorruptHistoryError: CORRUPT_HISTORY,
    StoreTamperedError: CORRUPT_HISTORY,
    ConcurrencyError: CONFLICT,
    ServerRefusedError: SERVER_REFUSED,
}


def exit_code_for_plan(status: PlanStatus) -> int:
    """The exit code of a command that drove a plan as far as it could go."""
    return PLAN_STATUS_CODES[status]


def exit_code_for_error(error: PlanLedgerError) -> int:
    """The exit code for an error, by its nearest class in the table."""
    for error_class in type(error).__mro__:
        if error_class in ERROR_CODES:
            return ERROR_CODES[error_class]
    return ENDED_UNSUCCESSFULLY
