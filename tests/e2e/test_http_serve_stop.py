"""`planledger serve` stops cleanly on SIGTERM or SIGINT: the threads beside the API stop and
the process exits 0, as a service manager expects."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from .api_server import ApiServer, Issuer
from .conftest import Cli

STOP_TIMEOUT_S = 30.0


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_ends_serve_with_exit_code_0(
    cli: Cli, tmp_path: Path, number: signal.Signals
) -> None:
    server = ApiServer(cli, Issuer(tmp_path / "jwks.json")).start()
    assert server.process is not None
    with server.client() as client:
        assert client.get("/healthz").status_code == 200

    server.process.send_signal(number)
    exit_code = server.process.wait(timeout=STOP_TIMEOUT_S)

    assert exit_code == 0, server.log.read_text()
    assert "Traceback" not in server.log.read_text()
