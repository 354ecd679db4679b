"""The composition root: the one place that builds concrete objects from settings.

Split by what a caller needs: the parts of a service, the scope a command runs inside, the read
side, the audit's evidence, the agent tools and the workers.
"""

from adapters.bootstrap.agent_scopes import notebook, plan_generator
from adapters.bootstrap.audit_evidence import audit_evidence, verify_every_plan
from adapters.bootstrap.command_scopes import ledger, planledger
from adapters.bootstrap.read_side_scopes import (
    catch_up_read_models,
    local_views,
    projection_status,
    read_models,
    read_side,
    store_wakeup,
)
from adapters.bootstrap.service_parts import (
    build_service,
    build_tools,
    large_results,
    open_store,
    secret_vault,
    signer_of,
    trusted_keys_of,
    validate_spec_data,
)
from adapters.bootstrap.worker_scopes import refuse_if_leased, work_queue, worker

__all__ = [
    "audit_evidence",
    "build_service",
    "build_tools",
    "catch_up_read_models",
    "large_results",
    "ledger",
    "local_views",
    "notebook",
    "open_store",
    "plan_generator",
    "planledger",
    "projection_status",
    "read_models",
    "read_side",
    "refuse_if_leased",
    "secret_vault",
    "signer_of",
    "store_wakeup",
    "trusted_keys_of",
    "validate_spec_data",
    "verify_every_plan",
    "work_queue",
    "worker",
]
