"""Peak memory of the worst expressions the sandbox accepts, against a trivial expression.

For each shape of memory bomb, the largest size the bounds still accept is found (a binary
search over its repeat count, refusals being `ExpressionError`s), then that expression is
evaluated once in a fresh interpreter: its peak is measured by tracemalloc (what Python
allocated during the evaluation) and by the growth of the process's peak RSS over its RSS just
before (Linux: /proc/self/clear_refs, VmHWM). A trivial expression measured the same way is the
baseline, in the same kind of process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable

EMOJI = "\U0001f600"
"""A character stored in 4 bytes: the widest strings per character the sandbox can build."""


def _list_of(count: int, element: str) -> str:
    return "{{ [" + ", ".join([element] * count) + "] | length }}"


SHAPES: dict[str, Callable[[int], str]] = {
    "list of repeated wide strings": lambda n: _list_of(n, f"'{EMOJI}' * 99999"),
    "list of widening replaces": lambda n: _list_of(
        n, f"('a' * 99999).replace('a', '{EMOJI}' * 10)"
    ),
    "list of joined wide strings": lambda n: _list_of(n, f"('a' * 99999) | join('{EMOJI}' * 9)"),
    "list of concatenations": lambda n: _list_of(n, " ~ ".join([f"('{EMOJI}' * 99999)"] * 10)),
    "list of character lists": lambda n: _list_of(n, f"('{EMOJI}' * 99999) | list"),
    "list of splits": lambda n: _list_of(n, "(('a,' * 49999) ~ 'a').split(',')"),
    "one long text": lambda n: "{{ " + " ~ ".join([f"('{EMOJI}' * 99999)"] * n) + " }}",
}  # fmt: skip

MEASURE = """
import json, sys, tracemalloc
from adapters.expressions import JinjaExpressions

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(l.split()[1]) * 1024 for l in lines if l.startswith(field))

source = sys.stdin.read()
expressions = JinjaExpressions()
expressions.render("{{ 1 }}", {})
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # the peak RSS starts again from the current RSS
before = status("VmRSS:")
tracemalloc.start()
expressions.render(source, {})
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"traced": peak, "rss_growth": status("VmHWM:") - before}))
"""


def accepted(source: str) -> bool:
    from adapters.expressions import JinjaExpressions
    from core import ExpressionError

    try:
        JinjaExpressions().render(source, {})
    except ExpressionError:
        return False
    return True


def largest_accepted(shape: Callable[[int], str], limit: int = 400) -> int:
    """The largest count the bounds accept (0 if none; sources stay under 10,000 characters)."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        source = shape(middle)
        if len(source) <= 10_000 and accepted(source):
            low = middle
        else:
            high = middle - 1
    return low


def measured(source: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE], input=source, capture_output=True, text=True, check=True
    )
    result: dict[str, int] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    baseline = measured("{{ 'x' ~ 1 }}")
    print(f"baseline {{{{ 'x' ~ 1 }}}}: traced {baseline['traced'] / 1e6:.3f} MB")
    print(f"{'shape':32} {'count':>5} {'traced MB':>10} {'RSS growth MB':>14} {'x baseline':>11}")
    worst = 0
    for name, shape in SHAPES.items():
        count = largest_accepted(shape)
        if count == 0:
            print(f"{name:32} {'-':>5} {'refused at any size':>26}")
            continue
        peak = measured(shape(count))
        worst = max(worst, peak["traced"], peak["rss_growth"])
        ratio = peak["traced"] / max(baseline["traced"], 1)
        print(
            f"{name:32} {count:>5} {peak['traced'] / 1e6:>10.1f} "
            f"{peak['rss_growth'] / 1e6:>14.1f} {ratio:>11.0f}"
        )
    print(f"worst accepted expression: {worst / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
