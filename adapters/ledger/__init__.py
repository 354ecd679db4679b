"""The `Ledger` interface the CLI and the HTTP API call, and its local implementation."""

from adapters.ledger.ledger import (
    Caller,
    ExportCount,
    ExportForm,
    Ledger,
    PlanQuery,
    PlanStatusAnswer,
    StepReportAnswer,
)
from adapters.ledger.local_ledger import LocalLedger

__all__ = [
    "Caller",
    "ExportCount",
    "ExportForm",
    "Ledger",
    "LocalLedger",
    "PlanQuery",
    "PlanStatusAnswer",
    "StepReportAnswer",
]
