"""Which model provider to use, from `PLANLEDGER_LLM_*`; the API key is a secret throughout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from core import InvalidInputError

DEFAULT_BASE_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}


class LlmSettingsError(InvalidInputError):
    """The model settings are missing or wrong: `problem` names the variable."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


@dataclass(frozen=True)
class LlmSettings:
    """The model provider: `PLANLEDGER_LLM_PROVIDER` (openai: any OpenAI-compatible endpoint,
    or anthropic), `PLANLEDGER_LLM_BASE_URL`, `PLANLEDGER_LLM_API_KEY` (never stored or
    printed), `PLANLEDGER_LLM_MODEL`."""

    provider: str = "openai"
    base_url: str | None = None
    api_key: SecretStr | None = field(default=None, repr=False)
    model: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LlmSettings:
        """Read the `PLANLEDGER_LLM_*` variables."""
        key = env.get("PLANLEDGER_LLM_API_KEY")
        return cls(
            provider=env.get("PLANLEDGER_LLM_PROVIDER", "openai").lower(),
            base_url=env.get("PLANLEDGER_LLM_BASE_URL") or None,
            api_key=SecretStr(key) if key else None,
            model=env.get("PLANLEDGER_LLM_MODEL") or None,
        )
