"""Benchmark: first paint of the web UI in Chromium, for a 200-step plan and a 1,000-plan list.

A fresh SQLite store gets 1,000 small plans and one run 200-step plan (layers of steps, a
`for_each` map of 50 items collapsed to one node), projected; `planledger serve` starts on
127.0.0.1 and Debian's Chromium (through Playwright, `executable_path`) opens each page
`--runs` times. From the browser's own timings (Navigation Timing, Paint Timing, and the mark the
page sets once the frame with its data is painted) it prints medians: the response, DOM ready,
first contentful paint, and "drawn" (the plan's DAG, timeline and history, or the 1,000 rows on
screen). The sign-in page (the shell, no data) is the baseline in the same run; each figure is
also given as a ratio to its first paint, so the numbers compare across machines.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from adapters.bootstrap import build_service, open_store, read_side
from adapters.settings import Settings

PLANLEDGER = Path(sys.executable).parent / "planledger"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
READY = re.compile(r"planledger serving on (http://\S+)")
TIMINGS = """(mark) => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = Object.fromEntries(
    performance.getEntriesByType("paint").map((entry) => [entry.name, entry.startTime]));
  const drawn = mark ? performance.getEntriesByName(mark)[0] : null;
  return {response: nav.responseEnd, dom_ready: nav.domContentLoadedEventEnd,
    first_contentful_paint: paint["first-contentful-paint"] ?? null,
    drawn: drawn ? drawn.startTime : null};
}"""


def big_spec(steps: int) -> dict[str, Any]:
    """`steps` echo steps in layers of 10, each after two of the layer before, plus a map."""
    spec_steps: list[dict[str, Any]] = [
        {
            "id": "fan",
            "tool": "echo",
            "for_each": "{{ plan.inputs['items'] }}",
            "parameters": {"value": "{{ item }}"},
        },
    ]
    for index in range(steps - 1):
        layer, slot = divmod(index, 10)
        depends = [f"s{(layer - 1) * 10 + slot}", f"s{(layer - 1) * 10 + (slot + 3) % 10}"]
        spec_steps.append(
            {
                "id": f"s{index}",
                "tool": "echo",
                "depends_on": depends if layer else ["fan"],
                "parameters": {"value": f"step {index}"},
            }
        )
    return {"name": "two-hundred", "description": "200 steps", "steps": spec_steps}


def seed(settings: Settings, plans: int, steps: int) -> str:
    store = open_store(settings)
    try:
        service = build_service(settings, store)
        small = {
            "description": "small",
            "steps": [{"id": "a", "tool": "echo", "parameters": {"value": 1}}],
        }
        for index in range(plans):
            service.create_plan({**small, "name": f"plan-{index}"}, by="bench")
        big = service.run(big_spec(steps), by="bench", inputs={"items": list(range(50))}).plan_id
        with read_side(settings, store) as side:
            side.catch_up()
    finally:
        store.close()
    return str(big)


def start_server(store: str, directory: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    env = {"PATH": str(PLANLEDGER.parent), "PLANLEDGER_API_RATE": "1000"}
    created = subprocess.run(
        [str(PLANLEDGER), "--store", store, "tokens", "create", "bench", "--role", "viewer"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    log = directory / "serve.err"
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [str(PLANLEDGER), "--store", store, "serve", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
        )
    deadline = time.monotonic() + 30
    while not (found := READY.search(log.read_text())):
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return server, found.group(1), created.stdout.strip()


def measure(page: Page, url: str, mark: str | None, wait_for: str, runs: int) -> dict[str, float]:
    samples: list[dict[str, Any]] = []
    for _ in range(runs):
        page.goto(url)
        page.wait_for_selector(wait_for)
        if mark is not None:
            page.wait_for_function(f"() => performance.getEntriesByName('{mark}').length > 0")
        samples.append(page.evaluate(TIMINGS, mark))
    return {
        name: statistics.median(sample[name] for sample in samples)
        for name in samples[0]
        if samples[0][name] is not None
    }


def report(name: str, figures: dict[str, float], baseline: float) -> None:
    parts = [f"{key} {value:7.1f} ms ({value / baseline:4.2f}x)" for key, value in figures.items()]
    print(f"{name:<22} " + "  ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    store = f"sqlite:///{directory / 'bench.db'}"
    started = time.monotonic()
    big = seed(Settings.from_env({"PLANLEDGER_STORE": store}), args.plans, args.steps)
    print(
        f"seeded {args.plans} plans and a {args.steps}-step plan in "
        f"{time.monotonic() - started:.1f} s ({store})"
    )
    server, url, token = start_server(store, directory)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            shell = measure(page, f"{url}/ui/", None, "#token", args.runs)
            page.fill("#token", token)
            page.click("button[type=submit]")
            page.wait_for_selector("text=Sign out")
            plan = measure(
                page, f"{url}/ui/plans/{big}", "planledger:plan-drawn", ".node", args.runs
            )
            rows = f"{url}/ui/?limit={args.plans}"
            listing = measure(page, rows, "planledger:plans-drawn", "table.plans", args.runs)
            count = page.locator("table.plans tbody tr").count()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    baseline = shell["first_contentful_paint"]
    print(f"Chromium, median of {args.runs} loads; ratios to the sign-in page's first paint")
    report("sign-in page (shell)", shell, baseline)
    report(f"{args.steps}-step plan page", plan, baseline)
    report(f"{count}-plan list", listing, baseline)


if __name__ == "__main__":
    main()
