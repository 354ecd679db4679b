"""The `Ledger` interface the CLI and the HTTP API call, and its local implementation."""

from adapters.ledger.ledger import Caller, ExportForm, Ledger, PlanQuery, PlanStatusAnswer
from adapters.ledger.local_ledger import LocalLedger

__all__ = ["Caller", "ExportForm", "Ledger", "LocalLedger", "PlanQuery", "PlanStatusAnswer"]
