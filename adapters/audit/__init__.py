"""Audit of the event store: hash chains, signatures, checkpoints and read models verified.

`store_audit` is what `audit verify` runs; `verify_store` checks chains against given heads.
"""

from adapters.audit.findings import AuditReport
from adapters.audit.heads import load_heads
from adapters.audit.stored_rows import chain_rows, stored_plan_ids
from adapters.audit.verifier import verify_store

__all__ = ["AuditReport", "chain_rows", "load_heads", "stored_plan_ids", "verify_store"]
