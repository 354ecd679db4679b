"""Settings: one frozen object read from `PLANLEDGER_*` environment variables and CLI options."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from adapters.store.password_file import with_password_file
from adapters.telemetry.trace_settings import requested_trace_exporters
from core import DEFAULT_INLINE_BYTES, DEFAULT_MAX_BYTES, InvalidInputError

DEFAULT_STORE = "sqlite:///planledger.db"


@dataclass(frozen=True)
class Settings:
    """Everything the bootstrap needs to build the application.

    Attributes:
        store_url: where events live (`PLANLEDGER_STORE`).
        actor: who a CLI user is when `--by` is not given (`PLANLEDGER_ACTOR`, else `$USER`).
        worker_id: names this process on `StepStarted` (`PLANLEDGER_WORKER`, else host:pid:random).
        enabled_tools: the tools plans may use (`PLANLEDGER_TOOLS`, comma-separated; all built-ins
            when unset). `shell` and `python` are powerful: disable them where plans are untrusted.
        log_json: JSON log lines instead of human-readable ones (`PLANLEDGER_LOG_JSON`).
        log_level: `PLANLEDGER_LOG_LEVEL`, default `warning` (the CLI shows progress itself).
        poll_interval_s: how often a waiting engine looks for other writers' events.
        trace_exporters: where spans go (`otlp`, `console`), from the standard OpenTelemetry
            variables (see `adapters.telemetry.trace_settings`); empty: traces are off.
        secrets_key_file: the master key of secret inputs (`PLANLEDGER_SECRETS_KEY`, a path);
            unset: a plan with secret inputs is refused.
        python_modules: the modules the `python` tool may call (`PLANLEDGER_PYTHON_MODULES`,
            comma-separated; empty: any).
        inline_result_bytes: results and outputs whose JSON is larger go to the blob table,
            the event recording their digest (`PLANLEDGER_INLINE_RESULT_BYTES`, 65536).
        max_result_bytes: a larger result fails its step (`PLANLEDGER_MAX_RESULT_BYTES`,
            67108864).

    The store's password may come from a file (`PLANLEDGER_STORE_PASSWORD_FILE`) rather than
    the URL, which then holds none; with neither, libpq's own password file (`~/.pgpass`,
    `PGPASSFILE`) is used as usual.
    """

    store_url: str = DEFAULT_STORE
    actor: str = "cli"
    worker_id: str = "worker"
    enabled_tools: tuple[str, ...] | None = None
    log_json: bool = False
    log_level: str = "warning"
    poll_interval_s: float = 0.5
    trace_exporters: tuple[str, ...] = ()
    secrets_key_file: str | None = None
    python_modules: tuple[str, ...] = ()
    inline_result_bytes: int = DEFAULT_INLINE_BYTES
    max_result_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from the environment (`os.environ` unless given)."""
        env = os.environ if environ is None else environ
        tools = env.get("PLANLEDGER_TOOLS")
        return cls(
            store_url=with_password_file(
                env.get("PLANLEDGER_STORE", DEFAULT_STORE),
                env.get("PLANLEDGER_STORE_PASSWORD_FILE"),
            ),
            actor=env.get("PLANLEDGER_ACTOR") or env.get("USER") or "cli",
            worker_id=env.get("PLANLEDGER_WORKER") or _default_worker_id(),
            enabled_tools=tuple(t.strip() for t in tools.split(",") if t.strip())
            if tools
            else None,
            log_json=env.get("PLANLEDGER_LOG_JSON", "").lower() in ("1", "true", "yes"),
            log_level=env.get("PLANLEDGER_LOG_LEVEL", "warning").lower(),
            poll_interval_s=float(env.get("PLANLEDGER_POLL_INTERVAL_S", "0.5")),
            trace_exporters=requested_trace_exporters(env),
            secrets_key_file=env.get("PLANLEDGER_SECRETS_KEY") or None,
            python_modules=_names(env.get("PLANLEDGER_PYTHON_MODULES", "")),
            inline_result_bytes=_size(env, "PLANLEDGER_INLINE_RESULT_BYTES", DEFAULT_INLINE_BYTES),
            max_result_bytes=_size(env, "PLANLEDGER_MAX_RESULT_BYTES", DEFAULT_MAX_BYTES),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced (CLI options win over the environment)."""
        given = {key: value for key, value in changes.items() if value is not None}
        return replace(self, **given)  # type: ignore[arg-type]


def _size(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise InvalidInputError(f"{name} must be a number of bytes (at least 1), not {text!r}")
    return int(text)


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
