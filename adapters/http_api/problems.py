"""Errors as `application/problem+json` (RFC 9457): the one table from the error tree to statuses.

Like `adapters.cli.exit_codes`, an error takes the status of its nearest class in the table. Each
problem has a `type` (`urn:planledger:problem:SLUG`) that the remote CLI turns back into an exit
code, a `detail` that is the error's own message, and, where the error has them, `errors` naming
each bad field (`{"field": "steps[build].tool", "message": "..."}`). A server error says only
that it happened: no traceback, no exception text reaches the client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fastapi.responses import JSONResponse

from adapters.principals import ForbiddenError, NotAuthenticatedError
from core import (
    ApproverRequiredError,
    ConcurrencyError,
    CorruptHistoryError,
    InvalidInputError,
    InvalidInputsError,
    InvalidPlanSpecError,
    InvalidStepTransitionError,
    InvalidTransitionError,
    NotAnApproverError,
    NotInHistoryError,
    PlanLedgerError,
    PlanNotFoundError,
    RevisionRefusedError,
    SeparationOfDutiesError,
    SpecProblem,
    StepNotFoundError,
    StoreTamperedError,
    StoreUnavailableError,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:planledger:problem:"


@dataclass(frozen=True)
class ProblemKind:
    """The HTTP status and type slug of a class of errors."""

    status: int
    slug: str
    title: str


STATUS_TABLE: dict[type[PlanLedgerError], ProblemKind] = {
    InvalidInputError: ProblemKind(400, "invalid-input", "Invalid input"),
    InvalidPlanSpecError: ProblemKind(422, "invalid-plan-spec", "Invalid plan spec"),
    InvalidInputsError: ProblemKind(422, "invalid-inputs", "Invalid plan inputs"),
    RevisionRefusedError: ProblemKind(422, "revision-refused", "Revision refused"),
    PlanNotFoundError: ProblemKind(404, "plan-not-found", "Plan not found"),
    StepNotFoundError: ProblemKind(404, "step-not-found", "Step not found"),
    NotInHistoryError: ProblemKind(404, "not-in-history", "Not in the plan's history"),
    NotAnApproverError: ProblemKind(403, "not-an-approver", "Not an approver of this plan"),
    SeparationOfDutiesError: ProblemKind(403, "separation-of-duties", "Separation of duties"),
    ApproverRequiredError: ProblemKind(403, "approver-required", "Only an approver may"),
    InvalidTransitionError: ProblemKind(409, "invalid-transition", "Does not fit the plan"),
    InvalidStepTransitionError: ProblemKind(409, "invalid-step-transition", "Does not fit"),
    ConcurrencyError: ProblemKind(409, "conflict", "Write conflict"),
    StoreUnavailableError: ProblemKind(503, "store-unavailable", "Store unavailable"),
    CorruptHistoryError: ProblemKind(500, "corrupt-history", "Corrupt history"),
    StoreTamperedError: ProblemKind(500, "store-tampered", "The store's guard was tampered with"),
    NotAuthenticatedError: ProblemKind(401, "not-authenticated", "Not authenticated"),
    ForbiddenError: ProblemKind(403, "forbidden", "Forbidden"),
    PlanLedgerError: ProblemKind(500, "error", "Error"),
}
"""Nearest class wins; `InvalidInputError` and its subclasses are the client's to fix."""

REQUEST_INVALID = ProblemKind(422, "request-invalid", "Request does not match the schema")
TOO_LARGE = ProblemKind(413, "too-large", "Request body too large")
RATE_LIMITED = ProblemKind(429, "rate-limited", "Too many requests")
NOT_FOUND = ProblemKind(404, "not-found", "No such resource")
INTERNAL = ProblemKind(500, "internal", "Internal server error")


def kind_for_error(error: PlanLedgerError) -> ProblemKind:
    """The table's entry for the nearest class of `error`."""
    for error_class in type(error).__mro__:
        if error_class in STATUS_TABLE:
            return STATUS_TABLE[error_class]
    return STATUS_TABLE[PlanLedgerError]


def problem(
    kind: ProblemKind,
    detail: str,
    *,
    errors: Sequence[Mapping[str, object]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem response of `kind`."""
    body: dict[str, object] = {
        "type": TYPE_PREFIX + kind.slug,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=kind.status, media_type=PROBLEM_JSON, headers=headers)


def error_problem(error: PlanLedgerError) -> JSONResponse:
    """A planned error as a problem, each of its problems a named field."""
    kind = kind_for_error(error)
    if kind.status >= 500 and not isinstance(
        error, StoreUnavailableError | CorruptHistoryError | StoreTamperedError
    ):
        return problem(INTERNAL, "the server could not answer this request")
    problems: Sequence[SpecProblem] = getattr(error, "problems", ())
    errors = [{"field": item.location, "message": item.message} for item in problems]
    headers = {"WWW-Authenticate": 'Bearer realm="planledger"'} if kind.status == 401 else None
    return problem(kind, str(error), errors=errors, headers=headers)
