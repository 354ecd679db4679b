"""Settings: one frozen object read from `PLANLEDGER_*` environment variables and CLI options."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from adapters.llm.llm_settings import LlmSettings
from adapters.store.password_file import with_password_file
from adapters.store.wakeup import POLL_INTERVAL_S
from adapters.telemetry.trace_settings import requested_trace_exporters
from core import DEFAULT_INLINE_BYTES, DEFAULT_MAX_BYTES, InvalidInputError

DEFAULT_STORE = "sqlite:///planledger.db"


@dataclass(frozen=True)
class OidcSettings:
    """Where `planledger serve` checks Bearer JWTs from an OIDC provider (`PLANLEDGER_OIDC_*`).

    Attributes:
        jwks: a JWKS file path or an https URL (`PLANLEDGER_OIDC_JWKS`); unset: JWTs are refused.
        issuer: the `iss` every token must carry (`PLANLEDGER_OIDC_ISSUER`).
        audience: the `aud` every token must name (`PLANLEDGER_OIDC_AUDIENCE`).
        roles_claim: the claim holding the principal's groups or roles (`..._ROLES_CLAIM`,
            default `roles`); a dotted path reaches into objects (`realm_access.roles`).
        role_map: claim value -> planledger role (`..._ROLE_MAP`, `group=role,group=role`);
            a value that is already a role name maps to itself.
        client_id: the web UI's client at the provider (`PLANLEDGER_OIDC_CLIENT_ID`); with
            the two endpoints below, the UI's sign-in page offers the provider (code + PKCE).
        authorize_url: the provider's authorization endpoint (`..._AUTHORIZE_URL`).
        token_url: the provider's token endpoint (`PLANLEDGER_OIDC_TOKEN_URL`).
        scope: what the UI asks for (`PLANLEDGER_OIDC_SCOPE`, default `openid`).
    """

    jwks: str | None = None
    issuer: str | None = None
    audience: str | None = None
    roles_claim: str = "roles"
    role_map: tuple[tuple[str, str], ...] = ()
    client_id: str | None = None
    authorize_url: str | None = None
    token_url: str | None = None
    scope: str = "openid"


@dataclass(frozen=True)
class ServerSettings:
    """The HTTP API's limits and the remote CLI's target.

    Attributes:
        url: the server a remote CLI talks to (`PLANLEDGER_SERVER`); unset: the CLI is local.
        token: the remote CLI's credential (`PLANLEDGER_TOKEN`), never printed (not in `repr`).
        max_body_bytes: a request body above this gets 413 (`PLANLEDGER_API_MAX_BODY_BYTES`).
        rate_per_s: requests a principal may make per second, sustained (`..._API_RATE`).
        burst: requests a principal may make at once above the rate (`PLANLEDGER_API_BURST`).
        webhook_key: the key every subscription's signing secret is derived from
            (`PLANLEDGER_WEBHOOK_KEY`); unset: webhooks are off. No secret is stored.
        timeout_s: how long the remote CLI waits for an answer, and a webhook receiver for a
            delivery (`PLANLEDGER_API_TIMEOUT_S`).
    """

    url: str | None = None
    token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 1_048_576
    rate_per_s: float = 50.0
    burst: int = 100
    webhook_key: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0
    oidc: OidcSettings = OidcSettings()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServerSettings:
        """The server settings `env` names."""
        return cls(
            url=env.get("PLANLEDGER_SERVER") or None,
            token=env.get("PLANLEDGER_TOKEN") or None,
            max_body_bytes=int(env.get("PLANLEDGER_API_MAX_BODY_BYTES", "1048576")),
            rate_per_s=float(env.get("PLANLEDGER_API_RATE", "50")),
            burst=int(env.get("PLANLEDGER_API_BURST", "100")),
            webhook_key=env.get("PLANLEDGER_WEBHOOK_KEY") or None,
            timeout_s=float(env.get("PLANLEDGER_API_TIMEOUT_S", "30")),
            oidc=OidcSettings(
                jwks=env.get("PLANLEDGER_OIDC_JWKS") or None,
                issuer=env.get("PLANLEDGER_OIDC_ISSUER") or None,
                audience=env.get("PLANLEDGER_OIDC_AUDIENCE") or None,
                roles_claim=env.get("PLANLEDGER_OIDC_ROLES_CLAIM") or "roles",
                role_map=_pairs(env.get("PLANLEDGER_OIDC_ROLE_MAP", "")),
                client_id=env.get("PLANLEDGER_OIDC_CLIENT_ID") or None,
                authorize_url=env.get("PLANLEDGER_OIDC_AUTHORIZE_URL") or None,
                token_url=env.get("PLANLEDGER_OIDC_TOKEN_URL") or None,
                scope=env.get("PLANLEDGER_OIDC_SCOPE") or "openid",
            ),
        )


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
        wakeup_poll_s: where the store sends no notifications (SQLite, memory), how often the
            projector, a worker or `wait` looks for new events (`PLANLEDGER_WAKEUP_POLL_S`,
            default 0.05); PostgreSQL wakes them with LISTEN/NOTIFY instead.
        signing_key: the private key file this writer signs every event with
            (`PLANLEDGER_SIGNING_KEY`, a path; unset: events are written unsigned).
        trusted_keys: a directory of public keys (`PLANLEDGER_TRUSTED_KEYS`); when set, a plan
            holding an event not signed by one of them is refused and quarantined.
        server: the HTTP API's limits, OIDC and webhook keys, and the remote CLI's target.
        notebook_max_subtasks: the subtask limit of a notebook plan created from here
            (`PLANLEDGER_NOTEBOOK_MAX_SUBTASKS`, default 20; 0: no limit).
        llm: the model `generate` asks (`PLANLEDGER_LLM_*`, see `adapters.llm.llm_settings`).
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
    wakeup_poll_s: float = POLL_INTERVAL_S
    signing_key: str | None = None
    trusted_keys: str | None = None
    server: ServerSettings = ServerSettings()
    notebook_max_subtasks: int | None = 20
    llm: LlmSettings = field(default_factory=LlmSettings)
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
            wakeup_poll_s=float(env.get("PLANLEDGER_WAKEUP_POLL_S", str(POLL_INTERVAL_S))),
            signing_key=env.get("PLANLEDGER_SIGNING_KEY") or None,
            trusted_keys=env.get("PLANLEDGER_TRUSTED_KEYS") or None,
            server=ServerSettings.from_env(env),
            notebook_max_subtasks=int(env.get("PLANLEDGER_NOTEBOOK_MAX_SUBTASKS", "20")) or None,
            llm=LlmSettings.from_env(env),
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


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """`a=b,c=d` as pairs; an entry without `=` is left out."""
    pairs = (item.partition("=") for item in text.split(","))
    return tuple((name.strip(), value.strip()) for name, eq, value in pairs if eq and name.strip())
