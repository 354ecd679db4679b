"""Workers on PostgreSQL: `db init`, the work queue and its leases, `submit`, `wait`, `worker`."""

from adapters.workers.errors import (
    InvalidSubmitKeyError,
    NeedsPostgresError,
    PlanLeasedError,
    StoreNotInitialisedError,
)
from adapters.workers.plan_waiter import WaitResult, wait_for_end
from adapters.workers.submission import submit
from adapters.workers.work_queue import Claim, Lease, WorkQueue
from adapters.workers.work_schema import WORK_TABLE, init_store
from adapters.workers.worker import Worker, WorkerOptions

__all__ = [
    "WORK_TABLE",
    "Claim",
    "InvalidSubmitKeyError",
    "Lease",
    "NeedsPostgresError",
    "PlanLeasedError",
    "StoreNotInitialisedError",
    "WaitResult",
    "WorkQueue",
    "Worker",
    "WorkerOptions",
    "init_store",
    "submit",
    "wait_for_end",
]
