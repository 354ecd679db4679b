"""The error tree of planledger (pure). Every error derives its message from its fields.

PlanLedgerError
├── InvalidInputError              bad input: CLI exit 2, HTTP 4xx; nothing is written
│   ├── InvalidPlanSpecError       a spec with problems (all of them, each naming step and field)
│   ├── InvalidInputsError         plan inputs that fail the spec's `inputs_schema`
│   ├── PlanNotFoundError          no events for this plan id
│   ├── InvalidStoreUrlError       a store URL the bootstrap cannot use
│   ├── NotAnApproverError         the actor is not in the plan's `approvers`
│   ├── ApproverRequiredError      a retry or skip of a plan with `approvers` by someone else
│   ├── SeparationOfDutiesError    an approval by the plan's creator or one of its revisers
│   ├── InvalidTransitionError     the command does not fit the plan's status
│   ├── RevisionRefusedError       a revision that would break the plan (each problem named)
│   ├── StepNotFoundError          a command names a step the plan does not have
│   ├── InvalidStepTransitionError a retry, skip or outside report does not fit the step
│   ├── NotInHistoryError          a version or time before the plan existed or beyond its log
│   ├── InvalidTraceparentError    a `traceparent` that is not a W3C trace context header
│   ├── NotebookCallRefusedError   a notebook tool call that breaks a rule (says what to do)
│   ├── PlanNotGeneratedError      a model gave no valid plan within its repairs (each problem)
│   ├── LeftRunningError           `execute` finds attempts another process left running
│   └── SecretsUnavailableError    secret inputs without a secrets key, or a forgotten data key
├── ConcurrencyError               another writer appended first: reload and decide again
│   └── ConflictRetriesExhaustedError  every attempt lost that race; the command gave up
├── StoreUnavailableError          the database cannot be reached (CLI exit 4)
├── CorruptHistoryError            stored events that cannot be folded into a plan (exit 5)
│   └── UntrustedHistoryError      events a writer may not act on: unsigned or unknown-key,
│                                  an approval that does not cover the spec, a quarantine
├── StoreTamperedError             the store's own protection (a guard trigger) was changed
├── ExpressionError                a template or condition that cannot be parsed or evaluated;
│                                  a spec problem at validation, a `StepPreparationFailed` later
└── ToolFailedError                raised by a tool to record a typed failure; never escapes
                                   the engine, it becomes a `StepFailed` event
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from core.domain.json_value import JsonValue


class PlanLedgerError(Exception):
    """Base of every error planledger raises on purpose."""


class InvalidInputError(PlanLedgerError):
    """The caller's input is wrong; nothing was written."""


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a plan spec: where it is (`steps[build].timeout_ms`) and what is wrong."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class InvalidPlanSpecError(InvalidInputError):
    """A spec failed validation; `problems` lists every problem found, not just the first."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"invalid plan spec ({count} problem{'s' * (count != 1)}):\n{lines}")


class InvalidInputsError(InvalidInputError):
    """Plan inputs were refused; `problems` lists each (`inputs.env: 'qa' is not one of ...`)."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"invalid plan inputs ({count} problem{'s' * (count != 1)}):\n{lines}")


class PlanNotFoundError(InvalidInputError):
    """No plan with this id exists in the store."""

    def __init__(self, plan_id: UUID | str) -> None:
        self.plan_id = plan_id
        super().__init__(f"plan not found: {plan_id}")


class InvalidStoreUrlError(InvalidInputError):
    """The store URL cannot be turned into a store."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"invalid store URL {url!r}: {reason}")


class NotAnApproverError(InvalidInputError):
    """Only the plan's `approvers` may approve or reject it."""

    def __init__(self, plan_id: UUID | None, actor: str, approvers: Sequence[str]) -> None:
        self.plan_id = plan_id
        self.actor = actor
        self.approvers = tuple(approvers)
        plan = f"plan {plan_id}" if plan_id is not None else "this plan (it was not created)"
        super().__init__(
            f"{actor!r} may not approve or reject {plan}; "
            f"allowed approvers: {', '.join(self.approvers)}"
        )


class ApproverRequiredError(InvalidInputError):
    """A plan that names `approvers` lets only them retry or skip its steps."""

    def __init__(self, plan_id: UUID, actor: str, action: str, approvers: Sequence[str]) -> None:
        self.plan_id = plan_id
        self.actor = actor
        self.action = action
        self.approvers = tuple(approvers)
        super().__init__(
            f"{actor!r} may not {action} a step of plan {plan_id}: it names approvers, and "
            f"only they may ({', '.join(self.approvers)})"
        )


class SeparationOfDutiesError(InvalidInputError):
    """With `separation_of_duties`, whoever created or revised a plan may not approve it."""

    def __init__(self, plan_id: UUID | None, actor: str, role: str) -> None:
        self.plan_id = plan_id
        self.actor = actor
        self.role = role
        plan = f"plan {plan_id}" if plan_id is not None else "this plan (it was not created)"
        super().__init__(
            f"{actor!r} may not approve {plan}: they {role} it, and the plan asks for "
            "separation of duties (someone else must approve)"
        )


class InvalidTransitionError(InvalidInputError):
    """The command cannot be applied to a plan in its current status."""

    def __init__(self, plan_id: UUID, status: str, action: str) -> None:
        self.plan_id = plan_id
        self.status = status
        self.action = action
        super().__init__(f"cannot {action} plan {plan_id}: it is {status}")


class StepNotFoundError(InvalidInputError):
    """A command (a revision, a fork, a retry or skip) names a step the plan does not have."""

    def __init__(self, plan_id: UUID, step_id: str) -> None:
        self.plan_id = plan_id
        self.step_id = step_id
        super().__init__(f"plan {plan_id} has no step {step_id!r}")


class RevisionRefusedError(InvalidInputError):
    """A revision was refused: it touches a started step, orphans a dependant, or makes a spec
    that fails validation (a cycle, a bad reference). `problems` name each step and field.
    """

    def __init__(self, plan_id: UUID, action: str, problems: Sequence[SpecProblem]) -> None:
        self.plan_id = plan_id
        self.action = action
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"cannot {action} plan {plan_id}:\n{lines}")


class InvalidStepTransitionError(InvalidInputError):
    """An operator's or an outside reporter's command does not fit this step: `problem` says why."""

    def __init__(self, plan_id: UUID, step_id: str, action: str, problem: str) -> None:
        self.plan_id = plan_id
        self.step_id = step_id
        self.action = action
        self.problem = problem
        super().__init__(f"cannot {action} step {step_id!r} of plan {plan_id}: {problem}")


class NotInHistoryError(InvalidInputError):
    """The plan had no state at the asked point: before its creation, or past its last version."""

    def __init__(self, plan_id: UUID, at: str, reason: str) -> None:
        self.plan_id = plan_id
        self.at = at
        self.reason = reason
        super().__init__(f"plan {plan_id} has no state at {at}: {reason}")


class LeftRunningError(InvalidInputError):
    """`execute` found attempts another process started and never ended (`left`: step ->
    worker). It cannot tell a stopped process from a live one, so it does not take them over:
    `resume` is the operator's word that the process has stopped."""

    def __init__(self, plan_id: UUID, left: dict[str, str]) -> None:
        self.plan_id = plan_id
        self.left = dict(left)
        steps = ", ".join(f"{step} (on {worker})" for step, worker in sorted(self.left.items()))
        super().__init__(
            f"plan {plan_id} has attempts left running by another process: {steps}; if that "
            f"process has stopped (a crash, kill -9), `planledger resume {plan_id}` records "
            "them as interrupted and goes on"
        )


class SecretsUnavailableError(InvalidInputError):
    """A plan's secret inputs cannot be sealed or read: `reason` says why (no secrets key is
    configured, the plan's data key was forgotten, or another master key sealed them)."""

    def __init__(self, plan_id: UUID | None, reason: str) -> None:
        self.plan_id = plan_id
        self.reason = reason
        plan = f"plan {plan_id}" if plan_id is not None else "the plan"
        super().__init__(f"secret inputs of {plan}: {reason}")


class InvalidTraceparentError(InvalidInputError):
    """A `traceparent` given at creation is not a W3C trace context header; `problem` says why."""

    def __init__(self, value: str, problem: str) -> None:
        self.value = value
        self.problem = problem
        super().__init__(
            f"traceparent {value!r}: {problem} "
            "(expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)"
        )


class NotebookCallRefusedError(InvalidInputError):
    """A call on a plan notebook was refused: `problem` says why, `instead` what to do."""

    def __init__(self, tool: str, problem: str, instead: str) -> None:
        self.tool = tool
        self.problem = problem
        self.instead = instead
        super().__init__(f"{tool} refused: {problem}. {instead}")


class PlanNotGeneratedError(InvalidInputError):
    """No draft passed validation after `rounds` rounds; `problems` are the last one's."""

    def __init__(self, rounds: int, problems: Sequence[str]) -> None:
        self.rounds = rounds
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            f"no valid plan after {rounds} round(s); the last draft still had "
            f"{len(self.problems)} problem(s):\n{lines}"
        )


class ConcurrencyError(PlanLedgerError):
    """Another writer appended to the plan first; reload, decide again, append again."""

    def __init__(self, plan_id: UUID, version: int) -> None:
        self.plan_id = plan_id
        self.version = version
        super().__init__(f"plan {plan_id} changed concurrently (append at version {version})")


class ConflictRetriesExhaustedError(ConcurrencyError):
    """A command reloaded and decided again after each lost race, `attempts` times, and gave up.

    Ordinary contention never gets here: every lost race means another writer made progress.
    It is a `ConcurrencyError`, so whatever handles one (a CLI exit code, a worker's retry)
    handles this too.
    """

    def __init__(self, plan_id: UUID, attempts: int) -> None:
        self.plan_id = plan_id
        self.version = -1
        self.attempts = attempts
        PlanLedgerError.__init__(
            self,
            f"gave up on plan {plan_id} after {attempts} attempts: "
            "another writer appended first every time",
        )


class StoreUnavailableError(PlanLedgerError):
    """The event store's database cannot be reached or refused the connection."""

    def __init__(self, store: str, reason: str) -> None:
        self.store = store
        self.reason = reason
        super().__init__(f"store {store} is unavailable: {reason}")


class CorruptHistoryError(PlanLedgerError):
    """Stored events that do not fold into a plan (a gap, a foreign event, an unknown step)."""

    def __init__(self, plan_id: UUID | str, version: int, reason: str) -> None:
        self.plan_id = plan_id
        self.version = version
        self.reason = reason
        super().__init__(f"history of plan {plan_id} is corrupt at version {version}: {reason}")


class UntrustedHistoryError(CorruptHistoryError):
    """A plan holds an event a writer must not act on; it refuses and appends nothing else.

    The event is unsigned or signed by a key it does not trust, the plan's approval does not
    cover its spec as it stands, or the plan was quarantined for one of these before.
    """

    def __init__(self, plan_id: UUID | str, version: int, reason: str) -> None:
        self.plan_id = plan_id
        self.version = version
        self.reason = reason
        PlanLedgerError.__init__(
            self, f"refusing plan {plan_id}: version {version} cannot be trusted: {reason}"
        )


class StoreTamperedError(PlanLedgerError):
    """Something that protects the store was changed: its append-only guard is disabled or its
    function replaced. Writers refuse to start until `planledger db init` (as the owner) restores
    it; the history must then be verified.
    """

    def __init__(self, store: str, problem: str) -> None:
        self.store = store
        self.problem = problem
        super().__init__(f"store {store} was tampered with: {problem}")


class ExpressionError(PlanLedgerError):
    """A template or condition is malformed, forbidden by the sandbox, or fails to evaluate."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{reason} (in {source!r})")


class ToolFailedError(PlanLedgerError):
    """Raised by a tool to fail its step with a specific error type and optional details."""

    def __init__(self, error_type: str, message: str, details: JsonValue = None) -> None:
        self.error_type = error_type
        self.message = message
        self.details = details
        super().__init__(f"{error_type}: {message}")
