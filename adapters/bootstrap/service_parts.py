"""The parts a `PlanService` is built from, each read from the settings."""

from __future__ import annotations

from pathlib import Path

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.secrets import EnvelopeVault, open_data_keys
from adapters.settings import Settings
from adapters.signing import (
    EventSigner,
    TrustedKeys,
    load_signer,
    load_trusted_keys,
)
from adapters.store import (
    LibraryEventStore,
    open_event_store,
    parse_store_url,
)
from adapters.store.blob_store import open_blob_store
from adapters.system_clock import RandomIds, SystemClock
from adapters.telemetry import Telemetry
from adapters.tools import builtin_registry
from core import (
    Callbacks,
    LargeResults,
    PlanService,
    PlanSpec,
    ToolRegistry,
    validate_spec,
)


def build_tools(settings: Settings) -> ToolRegistry:
    """The built-in tools this deployment enables."""
    return builtin_registry(settings.enabled_tools, settings.python_modules)


def validate_spec_data(data: object, settings: Settings) -> PlanSpec:
    """Validate a spec against the enabled tools and the expression language, writing nothing."""
    return validate_spec(
        data, build_tools(settings).schemas(), JinjaExpressions(), JsonSchemaChecker()
    )


def open_store(settings: Settings, *, create_tables: bool = True) -> LibraryEventStore:
    """The event store the settings name; without `create_tables` it must exist (`db init`).

    It signs with the settings' signing key and refuses plans its trusted keys do not cover.
    """
    extra = None if create_tables else {"CREATE_TABLE": "n"}
    return open_event_store(
        parse_store_url(settings.store_url),
        extra,
        signer=signer_of(settings),
        trusted=trusted_keys_of(settings),
    )


def signer_of(settings: Settings) -> EventSigner | None:
    """The writer's signing key (`PLANLEDGER_SIGNING_KEY`), if it has one."""
    return load_signer(Path(settings.signing_key)) if settings.signing_key else None


def trusted_keys_of(settings: Settings) -> TrustedKeys | None:
    """The keys this process trusts (`PLANLEDGER_TRUSTED_KEYS`), if any are configured."""
    return load_trusted_keys(Path(settings.trusted_keys)) if settings.trusted_keys else None


def build_service(
    settings: Settings,
    store: LibraryEventStore,
    *,
    callbacks: Callbacks | None = None,
    tools: ToolRegistry | None = None,
    telemetry: Telemetry | None = None,
) -> PlanService:
    """A `PlanService` on an opened store, with the real clock, ids and expression language.

    With `telemetry`, what the service appends and loads feeds its spans and metrics.
    """
    return PlanService(
        telemetry.observe(store) if telemetry is not None else store,
        tools if tools is not None else build_tools(settings),
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(open_blob_store(parse_store_url(settings.store_url))),
        json_schemas=JsonSchemaChecker(),
        worker=settings.worker_id,
        callbacks=callbacks,
        poll_interval_s=settings.poll_interval_s,
        secrets=secret_vault(settings),
        results=large_results(settings),
    )


def large_results(settings: Settings) -> LargeResults:
    """Where large results go: the blob table beside the configured store."""
    return LargeResults(
        open_blob_store(parse_store_url(settings.store_url)),
        settings.inline_result_bytes,
        settings.max_result_bytes,
    )


def secret_vault(settings: Settings) -> EnvelopeVault | None:
    """The vault of secret inputs, when a master key file is configured."""
    if settings.secrets_key_file is None:
        return None
    return EnvelopeVault(
        settings.secrets_key_file, open_data_keys(parse_store_url(settings.store_url))
    )
