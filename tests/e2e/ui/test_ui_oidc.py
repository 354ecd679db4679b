"""Sign-in through the OIDC provider: the authorization code flow with PKCE, in Chromium, under
the page's real Content-Security-Policy, against a provider in miniature on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import orjson
import pytest
from playwright.sync_api import Browser, expect

from ..api_server import Issuer, serve
from ..conftest import Cli

CLIENT_ID = "planledger-ui"

pytestmark = pytest.mark.slow


@dataclass
class Provider:
    """Consents at once, then trades a code for a JWT only with the verifier of its challenge."""

    issuer: Issuer
    challenges: dict[str, str] = field(default_factory=dict)
    redeemed: list[str] = field(default_factory=list)
    url: str = ""


def handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            code = f"code-{len(provider.challenges)}"
            provider.challenges[code] = query["code_challenge"]
            back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
            self.send_response(302)
            self.send_header("Location", back)
            self.end_headers()

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            digest = hashlib.sha256(form["code_verifier"].encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            good = provider.challenges.get(form["code"]) == challenge
            body = {"error": "invalid_grant"}
            if good and form["client_id"] == CLIENT_ID:
                provider.redeemed.append(form["code"])
                token = provider.issuer.token("dana@example.test", ["approver"])
                body = {"access_token": token, "token_type": "Bearer"}
            self.send_response(200 if "access_token" in body else 400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(orjson.dumps(body))

    return Handler


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    made = Provider(Issuer(tmp_path / "provider-jwks.json"))
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler(made))
    made.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield made
    http.shutdown()
    http.server_close()


def test_a_person_signs_in_with_the_provider_and_gets_the_roles_it_grants(
    cli: Cli, tmp_path: Path, provider: Provider, chromium: Browser
) -> None:
    env = {
        "PLANLEDGER_OIDC_CLIENT_ID": CLIENT_ID,
        "PLANLEDGER_OIDC_AUTHORIZE_URL": f"{provider.url}/authorize",
        "PLANLEDGER_OIDC_TOKEN_URL": f"{provider.url}/token",
    }
    for server in serve(cli, tmp_path, env):
        server.issuer = provider.issuer
        server.start()
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(f"{server.url}/ui/")

            page.get_by_role("button", name=re.compile("^Sign in with")).click()

            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            expect(page.get_by_text("dana@example.test")).to_be_visible()
            expect(page.get_by_text("approver", exact=True)).to_be_visible()
            assert provider.redeemed == ["code-0"]
            assert "code=" not in page.url
        finally:
            context.close()
