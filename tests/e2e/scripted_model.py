"""A local OpenAI-compatible chat-completions server with scripted answers (real HTTP).

It listens on 127.0.0.1 on a free port, answers each POST to `/v1/chat/completions` with the
next scripted message (the last one again once they run out), and keeps every request body and
its Authorization header, so a test can check what planledger sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ScriptedModel:
    """The answers to give, and the requests received."""

    answers: list[dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    base_url: str = ""

    def next_message(self) -> dict[str, Any]:
        index = min(len(self.requests) - 1, len(self.answers) - 1)
        return self.answers[index]


def content(text: str) -> dict[str, Any]:
    """An assistant message with this content."""
    return {"role": "assistant", "content": text}


def tool_call(arguments: dict[str, Any]) -> dict[str, Any]:
    """An assistant message that calls a tool with these arguments."""
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "emit_plan", "arguments": json.dumps(arguments)},
    }
    return {"role": "assistant", "content": None, "tool_calls": [call]}


@contextmanager
def scripted_model(*answers: dict[str, Any]) -> Iterator[ScriptedModel]:
    """Serve the answers on 127.0.0.1 until the block ends."""
    model = ScriptedModel(list(answers))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            model.requests.append(json.loads(self.rfile.read(length)))
            model.authorizations.append(self.headers.get("Authorization"))
            if self.path != "/v1/chat/completions":
                self.send_error(404)
                return
            body = json.dumps(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "model": "scripted",
                    "choices": [
                        {"index": 0, "message": model.next_message(), "finish_reason": "stop"}
                    ],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    model.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield model
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
