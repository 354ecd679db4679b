"""README.md and docs/ stay true: links resolve, shown commands exist, the quick start stays short.

Commands are checked against the typer app itself (introspected, never run): a line of a fenced
code block that starts with `planledger ` (or `$ planledger `, or a path ending in `/planledger`
such as `.venv/bin/planledger`), or an inline code span that does, must name a command path of
the app, and each of its options must belong to that command or to the global callback.
`docs/cli.md` must show every command and every option.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main

from adapters.cli.app import app
from adapters.cli.plan_id_group import PLAN_COMMAND, PlanIdGroup

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CLI_PAGE = DOCS / "cli.md"
MAX_README_LINES = 150

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
COMMAND_START = re.compile(r"^(?:\$\s+)?(?:\S*/)?planledger(?=\s|$)")
SUBSTITUTION = re.compile(r"\$\(\s*(?:\S*/)?(planledger\s[^)]*)\)")
SHELL_BREAKS = {"||", "&&", ";", "&", ">", ">>", "2>", "2>&1", "<"}


def doc_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


@dataclass(frozen=True)
class DocLine:
    """One line of a document, and whether it lies inside a fenced code block."""

    path: Path
    number: int
    text: str
    fenced: bool


def doc_lines(path: Path) -> Iterator[DocLine]:
    fenced = False
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(text):
            fenced = not fenced
            continue
        yield DocLine(path, number, text, fenced)


# --- (a) links -------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    text = INLINE_CODE.sub(lambda match: match.group(2), heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in doc_lines(path):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line.text)
        if line.fenced or heading is None:
            continue
        base = slug(heading.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def link_problems(path: Path) -> Iterator[str]:
    for line in doc_lines(path):
        if line.fenced:
            continue
        prose = INLINE_CODE.sub("", line.text)
        for target in LINK.findall(prose):
            if SCHEME.match(target):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.exists():
                yield f"{where(path, line.number)}: link to {target!r}: no file {linked}"
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                yield (
                    f"{where(path, line.number)}: link to {target!r}: "
                    f"{linked.relative_to(ROOT)} has no heading with anchor #{anchor}"
                )


def test_every_relative_link_in_the_docs_points_at_a_file_and_heading_that_exist() -> None:
    problems = [problem for path in doc_files() for problem in link_problems(path)]

    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_readme_links_every_docs_page() -> None:
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for line in doc_lines(README)
        for target in LINK.findall(INLINE_CODE.sub("", line.text))
        if not SCHEME.match(target)
    }

    pages = sorted(DOCS.glob("*.md"))
    missing = [page.name for page in pages if page.resolve() not in linked]
    assert pages, "docs/ has no pages"
    assert not missing, f"README.md links no docs page for: {missing}"


# --- (b) commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownCommand:
    """A `planledger ...` command line shown in a document."""

    path: Path
    number: int
    words: tuple[str, ...]

    @property
    def where(self) -> str:
        return where(self.path, self.number)


def shown_commands(path: Path) -> Iterator[ShownCommand]:
    for line in doc_lines(path):
        texts = [line.text.strip()] if line.fenced else []
        texts += [span.strip() for _, span in INLINE_CODE.findall(line.text)]
        for text in texts:
            found = [text] if COMMAND_START.match(text) else []
            found += SUBSTITUTION.findall(text)
            for command in found:
                yield ShownCommand(path, line.number, tuple(_words(command)))


def _words(command: str) -> list[str]:
    """The words after `planledger`, up to the end of the command (`;`, `&&`, a comment, a pipe).

    Synopsis notation is read as a reader would: `[--opt X]` and `(A | B)` lose their brackets,
    `-v|--verbose` is two options, and a `|` before an option is a choice, not a pipe.
    """
    lexer = shlex.shlex(COMMAND_START.sub("", command, count=1), posix=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    raw = []
    with contextlib.suppress(ValueError):  # an unbalanced quote: check the words read so far
        raw.extend(lexer)
    words: list[str] = []
    for index, word in enumerate(raw):
        following = raw[index + 1].lstrip("[(") if index + 1 < len(raw) else ""
        if word in SHELL_BREAKS or (word == "|" and not following.startswith("-")):
            break
        bare = word.strip("[]().")
        if bare.startswith("-"):
            words.extend(choice for choice in bare.split("|") if choice)
        elif bare and word != "|":
            words.append(bare)
    return words


def _options(command: Any) -> dict[str, Any]:
    """Option name -> click parameter, for every name of every option of the command."""
    return {
        name: param
        for param in command.params
        if param.param_type_name == "option"
        for name in (*param.opts, *param.secondary_opts)
    }


ROOT_COMMAND = typer.main.get_command(app)
GLOBAL_OPTIONS = _options(ROOT_COMMAND)


@dataclass(frozen=True)
class Resolved:
    """What a shown command line names: the command path and the options it uses."""

    path: tuple[str, ...]
    command: Any
    options: tuple[str, ...]


def resolve(words: tuple[str, ...]) -> Resolved | str:
    """The command a line names, or a sentence saying what in it does not exist."""
    index, used = _global_options(words)
    if isinstance(index, str):
        return index
    command, path = ROOT_COMMAND, []
    while hasattr(command, "commands") and index < len(words):
        word = words[index]
        if word.startswith("-"):
            break
        if word in command.commands:
            command, index = command.commands[word], index + 1
            path.append(word)
        elif isinstance(command, PlanIdGroup):
            command = command.commands[PLAN_COMMAND]
        else:
            known = ", ".join(sorted(command.commands))
            return f"`{_label([*path, word])}` is no command (after `{_label(path)}`: {known})"
    own = _options(command)
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-") or word == "-":
            continue
        name = word.split("=", 1)[0]
        if name == "--help":
            continue
        param = own.get(name) or GLOBAL_OPTIONS.get(name)
        if param is None:
            return f"{name} is not an option of `{_label(path)}` nor global"
        used.append(name)
        if not param.is_flag and "=" not in word:
            index += 1
    return Resolved(tuple(path), command, tuple(used))


def _label(path: list[str] | tuple[str, ...]) -> str:
    return " ".join(["planledger", *path])


def _global_options(words: tuple[str, ...]) -> tuple[int | str, list[str]]:
    index, used = 0, []
    while index < len(words) and words[index].startswith("-"):
        name = words[index].split("=", 1)[0]
        if name == "--help":
            index += 1
            continue
        param = GLOBAL_OPTIONS.get(name)
        if param is None:
            return f"{name} is not a global option (they come before the command)", used
        used.append(name)
        index += 2 if not param.is_flag and "=" not in words[index] else 1
    return index, used


def all_shown() -> list[ShownCommand]:
    return [command for path in doc_files() for command in shown_commands(path)]


def test_the_docs_show_commands_at_all() -> None:
    shown = all_shown()

    assert len(shown) > 50, f"only {len(shown)} `planledger` command lines found in the docs"


def test_every_command_shown_in_the_docs_exists_with_the_options_it_uses() -> None:
    problems = [
        f"{shown.where}: {resolved}  [planledger {' '.join(shown.words)}]"
        for shown in all_shown()
        if isinstance(resolved := resolve(shown.words), str)
    ]

    assert not problems, "commands in the docs that the CLI does not have:\n" + "\n".join(problems)


def leaf_commands(command: Any = ROOT_COMMAND, path: tuple[str, ...] = ()) -> Iterator[Any]:
    """(path, command) of every visible command that runs something."""
    for name, sub in getattr(command, "commands", {}).items():
        if sub.hidden:
            continue
        if hasattr(sub, "commands"):
            yield from leaf_commands(sub, (*path, name))
        else:
            yield (*path, name), sub
    if isinstance(command, PlanIdGroup):
        yield path, command.commands[PLAN_COMMAND]


def test_the_cli_page_shows_every_command_with_every_option() -> None:
    shown: dict[tuple[str, ...], set[str]] = {}
    for command in shown_commands(CLI_PAGE):
        resolved = resolve(command.words)
        if not isinstance(resolved, str):
            shown.setdefault(resolved.path, set()).update(resolved.options)

    problems = []
    for path, command in leaf_commands():
        label = _label(path)
        if path not in shown:
            problems.append(f"{label}: not shown")
            continue
        for param in command.params:
            names = (*param.opts, *param.secondary_opts)
            if param.param_type_name == "option" and not shown[path] & set(names):
                problems.append(f"{label}: option {names[0]} not shown")
    assert not problems, f"{CLI_PAGE.relative_to(ROOT)} misses:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("planledger status ID --json", ("status",)),
        ("$ .venv/bin/planledger --store memory:// audit verify --all", ("audit", "verify")),
        ("planledger audit ID --json", ("audit",)),
        ("ID=$(planledger create plan.yaml --by bob)", ("create",)),
        ("planledger revise add ID --step s.yaml --reason R  # comment --nope", ("revise", "add")),
        ("planledger revise add ID (--step FILE | --step-json TEXT) --reason R", ("revise", "add")),
        ("planledger [-v|--verbose] audit verify (ID | --all) | grep plan", ("audit", "verify")),
    ],
)
def test_a_shown_command_resolves_to_its_command_path(line: str, expected: tuple[str, ...]) -> None:
    (command,) = [
        *([line] if COMMAND_START.match(line) else []),
        *SUBSTITUTION.findall(line),
    ]

    resolved = resolve(tuple(_words(command)))

    assert not isinstance(resolved, str), resolved
    assert resolved.path == expected


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("planledger statuz ID", "`planledger statuz` is no command"),
        ("planledger db drop", "`planledger db drop` is no command"),
        ("planledger status ID --timeline", "--timeline is not an option of `planledger status`"),
        ("planledger --verbosity 2 status ID", "--verbosity is not a global option"),
        ("planledger plans list [--status S] [--colour C]", "--colour is not an option"),
        ("planledger [-v|--verbatim] status ID", "--verbatim is not a global option"),
    ],
)
def test_a_command_the_cli_does_not_have_is_named_with_what_is_missing(
    line: str, complaint: str
) -> None:
    resolved = resolve(tuple(_words(line)))

    assert isinstance(resolved, str)
    assert complaint in resolved


# --- (c) the quick start stays short ---------------------------------------------------------


def test_the_readme_is_a_quick_start_of_at_most_150_lines() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()

    assert len(lines) <= MAX_README_LINES, (
        f"README.md has {len(lines)} lines; at most {MAX_README_LINES}: move reference to docs/"
    )
