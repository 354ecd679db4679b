"""Draw the examples: run each examples/*.yaml once, write its `planledger graph` to docs/graphs.

For each example, `docs/graphs/<name>.md` holds the Mermaid picture (and the Gantt chart of its
attempts), `<name>.dot` the Graphviz source and `<name>.svg` what Graphviz's `dot` makes of it.
Run `scripts/example_graphs` again after changing an example or the pictures' format.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "graphs"
PLANLEDGER = Path(sys.executable).parent / "planledger"

RUN_OPTIONS: dict[str, list[str]] = {
    "cicd": ["--approve-as", "alice"],
    "deploy_service": ["--input", "service=api", "--input", "version=1.4.0"],
    "etl": ["--input", "date=2025-01-31"],
    "nested_deploy": ["--input", "version=1.4.0"],
    "wordcount": ["--input", f"dir={ROOT / 'examples'}"],
}
"""What each example needs to run: its inputs, or an approver."""


def planledger(store: str, *args: str) -> str:
    completed = subprocess.run(
        [str(PLANLEDGER), "--store", store, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode not in (0, 1):
        sys.exit(f"planledger {' '.join(args)} failed:\n{completed.stderr}")
    return completed.stdout


def draw(example: Path, workdir: Path) -> None:
    name = example.stem
    store = f"sqlite:///{workdir / name}.db"
    ran = planledger(store, "run", str(example), "--json", *RUN_OPTIONS.get(name, []))
    plan_id = ran.split('"id": "', 1)[1].split('"', 1)[0]
    mermaid = planledger(store, "graph", plan_id)
    dot = planledger(store, "graph", plan_id, "--format", "dot")
    gantt = planledger(store, "history", plan_id, "--timeline", "--format", "mermaid")
    (OUT / f"{name}.md").write_text(
        f"# {name}\n\n`planledger graph ID` of one run of `examples/{name}.yaml`:\n\n"
        f"```mermaid\n{mermaid}```\n\n"
        f"`planledger history ID --timeline --format mermaid`:\n\n```mermaid\n{gantt}```\n\n"
        f"Graphviz: [{name}.dot]({name}.dot), rendered as [{name}.svg]({name}.svg).\n",
        encoding="utf-8",
    )
    (OUT / f"{name}.dot").write_text(dot, encoding="utf-8")
    svg = subprocess.run(
        [shutil.which("dot") or "dot", "-Tsvg"],
        input=dot,
        capture_output=True,
        text=True,
        check=True,
    )
    (OUT / f"{name}.svg").write_text(svg.stdout, encoding="utf-8")
    print(f"drew {name} (plan {plan_id})")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        for example in sorted((ROOT / "examples").glob("*.yaml")):
            draw(example, Path(workdir))


if __name__ == "__main__":
    main()
