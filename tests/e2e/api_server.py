"""A real `planledger serve` process for e2e tests, with API tokens, an OIDC JWKS and JWT minting.

The server listens on 127.0.0.1 on a free port and prints its URL on stderr once it listens;
tokens are created with `planledger tokens create` on the same store before it starts. JWTs are
signed with an RSA key made in the test, whose public half is the JWKS file the server reads.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .conftest import Cli, cli_environment

ISSUER = "https://issuer.test"
AUDIENCE = "planledger-api"
WEBHOOK_KEY = "test-webhook-key"
READY = re.compile(r"planledger serving on (http://\S+)")
START_TIMEOUT_S = 30.0


@dataclass
class Issuer:
    """An OIDC provider in miniature: one RSA key, its JWKS file, and tokens it signs."""

    jwks_path: Path
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    def __post_init__(self) -> None:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks_path.write_text(json.dumps({"keys": [{**public, "kid": "k1", "alg": "RS256"}]}))

    def token(self, subject: str, roles: list[str], **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "iat": now,
            "exp": now + 3600,
            "roles": roles,
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": "k1"})


class ApiServer:
    """`planledger --store STORE serve` in the background; `client(token)` talks to it."""

    def __init__(self, cli: Cli, issuer: Issuer, env: dict[str, str] | None = None) -> None:
        self.cli = cli
        self.issuer = issuer
        self.extra_env = env or {}
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.log = cli.cwd / f"serve-{id(self)}.err"

    def environment(self) -> dict[str, str]:
        return {
            **cli_environment(),
            "PLANLEDGER_OIDC_JWKS": str(self.issuer.jwks_path),
            "PLANLEDGER_OIDC_ISSUER": ISSUER,
            "PLANLEDGER_OIDC_AUDIENCE": AUDIENCE,
            "PLANLEDGER_WEBHOOK_KEY": WEBHOOK_KEY,
            **self.extra_env,
        }

    def start(self, *options: str) -> ApiServer:
        argv = [*self.cli._argv(("serve", "--port", "0", *options), None)]
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(
                argv,
                cwd=self.cli.cwd,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (found := READY.search(self.log.read_text())):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        self.url = found.group(1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0)

    def token(self, name: str, *roles: str) -> str:
        """`planledger tokens create NAME --role R...` on the server's store: the token."""
        args = ["tokens", "create", name]
        for role in roles:
            args += ["--role", role]
        created = self.cli(*args)
        assert created.exit_code == 0, created
        return created.stdout.strip()


def serve(cli: Cli, tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[ApiServer]:
    """A started server on `cli`'s store; stopped afterwards."""
    server = ApiServer(cli, Issuer(tmp_path / "jwks.json"), env)
    try:
        yield server
    finally:
        server.stop()


class RemoteCli(Cli):
    """The CLI through `--server`: `--by NAME` picks the JWT of subject NAME, so the recorded
    actor is NAME because the server authenticated it, not because a flag said so."""

    ROLES = ["submitter", "approver", "operator", "auditor", "viewer"]
    DEFAULT_SUBJECT = "cli-user"

    def __init__(self, cli: Cli, server: ApiServer) -> None:
        super().__init__(cli.cwd, cli.store)
        self.server = server

    @classmethod
    def serving(cls, cli: Cli, tmp_path: Path) -> Iterator[Cli]:
        for server in serve(cli, tmp_path):
            server.start()
            yield cls(cli, server)

    def environment(self, args: tuple[str, ...]) -> dict[str, str]:
        subject = self.DEFAULT_SUBJECT
        if "--by" in args:
            subject = args[args.index("--by") + 1]
        return {
            **cli_environment(),
            "PLANLEDGER_SERVER": self.server.url,
            "PLANLEDGER_TOKEN": self.server.issuer.token(subject, self.ROLES),
        }
