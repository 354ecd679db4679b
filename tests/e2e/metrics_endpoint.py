"""A `planledger` process serving `/metrics` on a free port, and reading what it serves."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from .conftest import PLANLEDGER, Cli, cli_environment

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
METRICS_AT = re.compile(r"metrics at (\S+)")


def samples(text: str) -> Samples:
    """Prometheus text as {(sample name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=10) as response:
        return samples(response.read().decode())


@contextmanager
def serving_metrics(
    cli: Cli, *command: str, log_name: str, wait_until: Callable[..., None]
) -> Iterator[str]:
    """Run `planledger --store <store> <command>` (which asks for a metrics port); yield its URL.

    The process is terminated on the way out; its stderr stays in `log_name` for a failing test.
    """
    stderr = cli.cwd / log_name
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(PLANLEDGER), "--store", cli.store, *command],
            cwd=cli.cwd,
            env=cli_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield printed_metrics_url(stderr, wait_until)
    finally:
        process.terminate()
        process.wait(timeout=30)


def printed_metrics_url(stderr: Path, wait_until: Callable[..., None]) -> str:
    """The URL a process prints on stderr (kept in the file `stderr`) as `metrics at URL`."""
    wait_until(lambda: METRICS_AT.search(stderr.read_text()), timeout=20, what="the metrics URL")
    found = METRICS_AT.search(stderr.read_text())
    assert found is not None
    return found.group(1)
