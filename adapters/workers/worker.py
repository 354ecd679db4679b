"""`planledger worker`: claims ready plans, runs their steps, renews leases, stops gracefully.

A worker holds a lease per plan it works on; only the holder runs a plan. Claiming a plan whose
lease expired means its owner died or stalled: the steps it left running are recorded first
(`PlanService.recover`: an idempotent one gets a new attempt, a non-idempotent one fails with
`interrupted`, each naming the worker that started it), then the plan goes on here.

Workers also drive due times nobody else watches: a plan waiting for approval is handed back
until its approval deadline, and the claim at that time records the expiry (`recover`, like
every command, records what has fallen due first; reading a plan never does).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Self
from uuid import UUID

import structlog

from adapters.store import Wakeup
from adapters.workers.backoff import Backoff
from adapters.workers.lease_keeper import LeaseKeeper
from adapters.workers.work_queue import Claim, WorkQueue
from core import (
    CallSlots,
    CorruptHistoryError,
    InvalidInputError,
    PlanLedgerError,
    PlanService,
    PlanState,
    PlanStatus,
    StoreUnavailableError,
    UntrustedHistoryError,
    next_due,
    only_waits_on_children,
    waiting_children,
)

logger = structlog.get_logger("planledger.worker")

ClaimObserver = Callable[[Sequence[Claim], float], None]
"""Told of each claim: the plans it took (maybe none) and how many seconds it took."""

NEVER_AGAIN = 2**31 - 1
"""A `seen_version` no plan reaches: a plan whose history cannot be folded is not retried. It is
also the work table's quarantine marker for a plan this worker would not trust."""


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker behaves.

    Attributes:
        worker_id: names the worker on its leases and on the `StepStarted` events it records.
        concurrency: tool calls at once, over every plan it holds.
        max_plans: plans held at once (default: `concurrency`); fewer spreads plans over workers.
        lease_s: how long a lease lasts unrenewed: the bound on taking over a dead worker's plans.
        grace_s: on SIGTERM/SIGINT, how long running steps may take to finish.
        poll_s: the longest wait without a notification before looking for work again.
        max_crashes: after this many crashes in a row of one plan's processing (an exception
            out of the engine, or a worker that died holding it), the plan is quarantined
            (`PlanQuarantinedAfterCrashes`) instead of run again, and the others go on.
    """

    worker_id: str
    concurrency: int = 4
    max_plans: int | None = None
    lease_s: float = 15.0
    grace_s: float = 30.0
    poll_s: float = 1.0
    max_crashes: int = 3


@dataclass
class _PlanRun:
    """One plan this worker holds, and the thread that runs it."""

    claim: Claim
    stop: threading.Event = field(default_factory=threading.Event)
    lost: bool = False
    handing_back: bool = False
    thread: threading.Thread | None = None


class Worker:
    """Runs plans from the work queue until `stop` is set, then shuts down gracefully."""

    def __init__(
        self,
        service: PlanService,
        queue: WorkQueue,
        wakeup: Callable[[], Wakeup],
        options: WorkerOptions,
        on_claim: ClaimObserver | None = None,
        *,
        quarantine: Callable[[UntrustedHistoryError], object] | None = None,
    ) -> None:
        self._service = service
        self._on_claim = on_claim
        self._queue = queue
        self._wakeup = wakeup
        self._refuse_untrusted = quarantine
        self.options = options
        self._slots = CallSlots(options.concurrency)
        self._runs: dict[UUID, _PlanRun] = {}
        self._lock = threading.Lock()
        self._run_ended = threading.Event()
        self._log = logger.bind(worker=options.worker_id)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._queue.close()

    def run(self, stop: threading.Event) -> int:
        """Work until `stop` is set; then finish or hand back every plan. Returns plans released."""
        self._queue.require_initialised()
        keeper = LeaseKeeper(
            self._queue, self.options.worker_id, self.options.lease_s, self._held, self._lost
        )
        keeper.start()
        self._log.info("worker_started", concurrency=self.options.concurrency)
        try:
            with self._wakeup() as wakeup:
                self._claim_until(stop, wakeup)
            return self._shut_down()
        finally:
            keeper.stop()

    def _claim_until(self, stop: threading.Event, wakeup: Wakeup) -> None:
        backoff = Backoff()
        while not stop.is_set():
            free = (self.options.max_plans or self.options.concurrency) - len(self._runs)
            if free <= 0:
                self._run_ended.wait(self.options.poll_s)
                self._run_ended.clear()
                continue
            try:
                asked = time.monotonic()
                claims = self._queue.claim(self.options.worker_id, free, self.options.lease_s)
                if self._on_claim is not None:
                    self._on_claim(claims, time.monotonic() - asked)
            except StoreUnavailableError as error:
                delay = backoff.next()
                self._log.warning("claim_failed", error=str(error), retry_s=delay)
                stop.wait(delay)
                continue
            backoff.reset()
            for claim in claims:
                self._start(claim)
            if not claims:
                wakeup.wait(stop, self.options.poll_s)

    def _start(self, claim: Claim) -> None:
        run = _PlanRun(claim)
        run.thread = threading.Thread(
            target=self._work_on, args=(run,), name=f"plan-{claim.plan_id}", daemon=True
        )
        with self._lock:
            self._runs[claim.plan_id] = run
        self._log.info(
            "plan_claimed", plan_id=str(claim.plan_id), expired_owner=claim.expired_owner
        )
        run.thread.start()

    def _work_on(self, run: _PlanRun) -> None:
        """Recover, execute and hand back one plan; a lost database is waited out, not fatal."""
        backoff = Backoff()
        plan_id = run.claim.plan_id
        try:
            if run.claim.crashes >= self.options.max_crashes:
                self._quarantine(run)
                return
            while not run.lost:
                try:
                    self._service.recover(plan_id, by=self.options.worker_id)
                    # an ended sub-plan is executed too: that makes sure its parent knows
                    plan = self._service.execute(
                        plan_id,
                        stop=run.stop,
                        slots=self._slots,
                        launch_child=self._queue_child,
                        leave_when_paused=True,
                    )
                    if not run.lost:
                        self._hand_back(run, plan)
                    return
                except CorruptHistoryError as error:
                    self._log.error("plan_cannot_be_folded", plan_id=str(plan_id), error=str(error))
                    if isinstance(error, UntrustedHistoryError) and self._refuse_untrusted:
                        self._refuse_untrusted(error)
                    self._queue.release(
                        self.options.worker_id, plan_id, seen_version=NEVER_AGAIN, due_at=None
                    )
                    return
                except PlanLedgerError as error:
                    delay = backoff.next()
                    self._log.warning("plan_run_failed", plan_id=str(plan_id), error=str(error))
                    if run.stop.wait(delay) and not self._still_useful(run):
                        return
        except Exception as error:
            self._log.exception("plan_run_crashed", plan_id=str(plan_id))
            self._record_crash(run, error)
        finally:
            with self._lock:
                if self._runs.get(plan_id) is run:
                    del self._runs[plan_id]
            self._run_ended.set()

    def _quarantine(self, run: _PlanRun) -> None:
        """Set aside a plan whose processing crashed engines `max_crashes` times in a row."""
        claim = run.claim
        reason = claim.last_crash or "unknown"
        self._log.error("plan_quarantined", plan_id=str(claim.plan_id), crashes=claim.crashes)
        try:
            plan = self._service.quarantine(
                claim.plan_id, by=self.options.worker_id, crashes=claim.crashes, reason=reason
            )
        except InvalidInputError:  # it ended meanwhile: nothing to set aside
            plan = self._service.get_plan(claim.plan_id)
        self._hand_back(run, plan)

    def _record_crash(self, run: _PlanRun, error: BaseException) -> None:
        """Count the crash in the work table, so that whichever worker claims it next knows."""
        text = str(error).strip().splitlines()
        try:
            self._queue.record_crash(
                self.options.worker_id,
                run.claim.plan_id,
                f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": "),
            )
        except PlanLedgerError as unrecorded:
            self._log.warning("crash_not_recorded", error=str(unrecorded))

    def _still_useful(self, run: _PlanRun) -> bool:
        """A stopped run goes on only to hand its plan back, which needs the database."""
        try:
            plan = self._service.get_plan(run.claim.plan_id)
            if not run.lost:
                self._hand_back(run, plan)
        except PlanLedgerError:
            return True
        return False

    def _hand_back(self, run: _PlanRun, plan: PlanState) -> None:
        """Done for good, claimable again at once (stopped early), or at the next event.

        A paused plan waits for its next event (the unpause, or an approval after a revision
        voided it) or its deadline, so no worker spins on it.
        """
        owner = self.options.worker_id
        run.handing_back = True  # no more renewals: a renewal now would report it lost
        if plan.is_terminal:
            self._queue.release(
                owner, plan.plan_id, seen_version=plan.version, due_at=None, done=True
            )
        elif only_waits_on_children(plan) and not run.stop.is_set():
            # waiting on its children holds no lease: a child's end is an event on this plan
            for child_id in waiting_children(plan).values():
                self._queue_child(child_id)
            self._queue.release(
                owner, plan.plan_id, seen_version=plan.version, due_at=next_due(plan)
            )
        elif plan.paused or plan.approval_void:
            self._queue.release(
                owner,
                plan.plan_id,
                seen_version=plan.version,
                due_at=plan.deadline or plan.approval_deadline,
            )
        elif plan.status in (PlanStatus.APPROVED, PlanStatus.EXECUTING):
            self._queue.release(owner, plan.plan_id, seen_version=0, due_at=None)
        else:
            self._queue.release(
                owner, plan.plan_id, seen_version=plan.version, due_at=plan.approval_deadline
            )
        self._log.info("plan_released", plan_id=str(plan.plan_id), status=plan.status.value)

    def _queue_child(self, child_id: UUID) -> None:
        """A child plan is an ordinary plan for the queue (queued again, it stays one row)."""
        self._queue.add(child_id, None)

    def _held(self) -> list[UUID]:
        with self._lock:
            return [
                plan_id
                for plan_id, run in self._runs.items()
                if not run.lost and not run.handing_back
            ]

    def _lost(self, plan_ids: set[UUID]) -> None:
        with self._lock:
            for plan_id in plan_ids:
                run = self._runs.get(plan_id)
                if run is not None:
                    run.lost = True
                    run.stop.set()

    def _shut_down(self) -> int:
        """Start nothing new; let running steps finish within the grace period; free leases."""
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            run.stop.set()
        self._log.info("worker_stopping", plans=len(runs), grace_s=self.options.grace_s)
        deadline = time.monotonic() + self.options.grace_s
        for run in runs:
            if run.thread is not None:
                run.thread.join(timeout=max(0.0, deadline - time.monotonic()))
        try:
            released = self._queue.release_all(self.options.worker_id)
        except StoreUnavailableError as error:
            self._log.warning(
                "leases_not_released", error=str(error), expire_in_s=self.options.lease_s
            )
            return 0
        self._log.info("worker_stopped", released=released)
        return released
