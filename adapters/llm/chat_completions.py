"""Any OpenAI-compatible chat-completions endpoint as a `PlanDrafter`.

The plan is read from the answer's message content (JSON, or a fenced `json` block) or, when
the model answers with a tool call, from the call's arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import orjson
from pydantic import SecretStr

from adapters.llm.errors import translated_http_errors
from core import ChatMessage, DraftReply


class ChatCompletionsDrafter:
    """POST `{base_url}/chat/completions` with the conversation; temperature 0."""

    provider = "openai-compatible"

    def __init__(
        self, base_url: str, api_key: SecretStr | None, model: str, client: httpx.Client
    ) -> None:
        self.model = model
        self._endpoint = base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._client = client

    def draft(self, messages: Sequence[ChatMessage]) -> DraftReply:
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        headers = {}
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        with translated_http_errors(self._endpoint):
            response = self._client.post(self._endpoint, json=body, headers=headers)
            response.raise_for_status()
            message: dict[str, Any] = response.json()["choices"][0]["message"]
            calls = message.get("tool_calls") or []
            arguments = calls[0]["function"]["arguments"] if calls else None
            if isinstance(arguments, str):
                arguments = orjson.loads(arguments)
            return DraftReply(text=message.get("content") or "", tool_arguments=arguments)
