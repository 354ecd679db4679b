"""The map-reduce word count example, run with `planledger run` on a directory of files."""

from __future__ import annotations

from .conftest import Cli
from .test_cli_data_passing import copy_example

TEXTS = {
    "a.txt": "the quick brown fox\n",
    "b.txt": "jumps over\nthe lazy dog\n",
    "c.txt": "",
    "d.txt": "a file name with spaces is one argument\n",
    "notes.md": "not a text file, not counted\n",
}


def test_the_word_count_example_maps_over_the_files_and_sums_their_counts(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    spec = copy_example(cli, "wordcount.yaml")
    texts = cli.cwd / "texts"
    texts.mkdir()
    for name, text in TEXTS.items():
        (texts / name).write_text(text)
    (texts / "d.txt").rename(texts / "d with spaces.txt")

    result = cli("run", spec, "--input", f"dir={texts}", "--json")
    history = cli("history", result.json()["id"], "--json")

    assert result.exit_code == 0, result
    view = result.json()
    assert view["outputs"] == {"files": 4, "words": 4 + 5 + 0 + 8}
    steps = {step["id"]: step for step in view["steps"]}
    assert [steps[f"count[{i}]"]["result"]["stdout"].strip() for i in range(4)] == [
        "4", "5", "0", "8"
    ]  # fmt: skip
    [expanded] = [r for r in history.json() if r["type"] == "StepsExpanded"]
    assert expanded["items"] == ["a.txt", "b.txt", "c.txt", "d with spaces.txt"]


def test_the_word_count_example_fails_naming_the_file_it_could_not_read(cli: Cli) -> None:
    spec = copy_example(cli, "wordcount.yaml")
    texts = cli.cwd / "texts"
    texts.mkdir()
    (texts / "ok.txt").write_text("fine words\n")
    (texts / "locked.txt").symlink_to(texts / "missing")

    result = cli("run", spec, "--input", f"dir={texts}", "--json")

    assert result.exit_code == 1
    steps = {step["id"]: step for step in result.json()["steps"]}
    assert steps["count"]["status"] == "failed"
    assert steps["count"]["error"]["message"] == "1 of 2 items did not complete (first: count[0])"
    assert steps["count[0]"]["attempts"] == 2
    assert steps["count[1]"]["status"] == "completed"
    assert steps["total"]["status"] == "skipped"
