"""What `audit verify` checks a store against, and verifying a whole store."""

from __future__ import annotations

from pathlib import Path

from adapters.audit import AuditReport
from adapters.audit.checkpoints import read_checkpoint_file
from adapters.audit.store_audit import Evidence, audit_store
from adapters.bootstrap.read_side_scopes import read_models
from adapters.bootstrap.service_parts import open_store, trusted_keys_of
from adapters.settings import Settings
from adapters.signing import (
    KeyFileError,
    load_trusted_keys,
)
from adapters.store import (
    parse_store_url,
)
from adapters.store.append_only_guard import guard_problems_at
from adapters.store.blob_store import open_blob_store
from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.store.library_errors import translated_errors


def audit_evidence(settings: Settings, keys: Path | None, checkpoints: Path | None) -> Evidence:
    """What `audit verify` checks the store against: trusted keys (`--keys`, else the setting),
    a checkpoint file, on PostgreSQL the state of the append-only guard, and the blob table (not
    for a `memory://` store, whose blobs live in the process that wrote them)."""
    trusted = load_trusted_keys(keys) if keys is not None else trusted_keys_of(settings)
    lines = None
    if checkpoints is not None:
        try:
            lines = read_checkpoint_file(checkpoints)
        except OSError as error:
            raise KeyFileError(checkpoints, f"cannot be read ({error.strerror})") from None
    config = parse_store_url(settings.store_url)
    problems: list[str] = []
    if config.conninfo is not None and config.schema is not None:
        with translated_errors(config.display):
            problems = guard_problems_at(config.conninfo, config.schema, POSTGRES_EVENTS_TABLE)
    blobs = open_blob_store(config) if config.kind != "memory" else None
    return Evidence(trusted, lines, problems, blobs)


def verify_every_plan(settings: Settings) -> AuditReport:
    """Verify the configured store as `audit verify --all` does, with the configured keys."""
    evidence = audit_evidence(settings, None, None)
    store = open_store(settings, create_tables=False)
    try:
        with read_models(settings) as database:
            return audit_store(store, database, evidence)
    finally:
        store.close()
