"""The documentation's examples run, and the site builds with ``mkdocs build --strict``.

Every ```` ```python ```` block of ``docs/**/*.md`` and ``README.md`` is executed: the
blocks of one page share a namespace and run in order, with the repository root as the
working directory. A ```` ```text ```` block preceded by the line ``<!-- output -->``
must match what the Python block before it printed. Every ```` ```console ```` block is
run too: each ``$ dialoglaw ...`` line is a command whose output must match the lines
below it. In both, a line ``...`` stands for any number of lines and trailing spaces are
ignored. ```` ```bash ```` blocks (installation, cron) are not run. A block opts out only
with the line ``<!-- not-run -->`` right before it (no page does). A block preceded by
``<!-- needs: pyspark -->`` runs where every named module imports; elsewhere it and its
output block are left out, and the page's test, having run everything else, is skipped
with the block named.

The site test builds into a temporary directory and checks that the generated page of
the coded law lists every rule, version, question and finding code, and that the API
reference shows every public name. It is skipped only where mkdocs is not installed.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import dialoglaw
from dialoglaw import rulebook_for
from dialoglaw.messages import CODES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES: tuple[Path, ...] = (*sorted(DOCS.rglob("*.md")), ROOT / "README.md")
NOT_RUN = "<!-- not-run -->"
_NEEDS = re.compile(r"<!-- needs: ([\w.]+(?:, [\w.]+)*) -->")
OUTPUT = "<!-- output -->"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    source: str
    marker: str  # the non-blank line before the block

    @property
    def opted_out(self) -> bool:
        return self.marker == NOT_RUN

    @property
    def needs(self) -> tuple[str, ...]:
        """The modules this block needs to run (``<!-- needs: a, b -->``)."""
        match = _NEEDS.fullmatch(self.marker)
        return tuple(match[1].split(", ")) if match else ()

    @property
    def unmet(self) -> list[str]:
        """The modules this block needs that do not import here."""
        return [m for m in self.needs if importlib.util.find_spec(m) is None]

    @property
    def is_output(self) -> bool:
        return self.language == "text" and self.marker == OUTPUT

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"


def code_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of ``page`` in order (also inside admonitions and lists)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    previous = ""
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"].strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (
            lines[j].strip().startswith(fence) and lines[j].strip().strip(fence[0]) == ""
        ):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        if j == len(lines):
            pytest.fail(f"{page.relative_to(ROOT)}:{i + 1}: a code fence is never closed")
        language = info.split()[0].lstrip(".{").rstrip("}") if info else ""
        blocks.append(Block(page, i + 1, language, "\n".join(body) + "\n", previous))
        previous = ""
        i = j + 1
    return blocks


def _python_pages() -> list[Path]:
    return [p for p in PAGES if any(b.language == "python" for b in code_blocks(p))]


def _console_blocks() -> list[Block]:
    return [b for p in PAGES for b in code_blocks(p) if b.language == "console"]


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# --- Python examples -------------------------------------------------------------------


@pytest.mark.parametrize("page", _python_pages(), ids=_id)
def test_the_python_examples_of_a_page_run_in_order(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    left_out = run_page(page)
    if left_out:
        pytest.skip(f"every other example ran; left out: {'; '.join(left_out)}")


def run_page(page: Path) -> list[str]:
    """Run the Python blocks of ``page`` in order, checking their output blocks; returns
    the blocks left out for a module that does not import here."""
    namespace: dict[str, Any] = {"__name__": f"docs_example_{page.stem.replace('-', '_')}"}
    printed: str | None = None
    left_out: list[str] = []
    skipping = False  # the output block of a block left out is left out too
    for block in code_blocks(page):
        if block.is_output and skipping:
            skipping = False
            continue
        skipping = False
        if block.is_output:
            assert printed is not None, f"{block.where}: an output block must follow a Python block"
            actual = [line.rstrip() for line in printed.splitlines()]
            expected = [line.rstrip() for line in block.source.splitlines()]
            assert matches(expected, actual), (
                f"{block.where}: the example printed something else than the docs show:\n{printed}"
            )
            printed = None
            continue
        if block.language != "python" or block.opted_out:
            continue
        if block.unmet:
            left_out.append(f"{block.where} (needs {', '.join(block.unmet)})")
            skipping, printed = True, None
            continue
        code = compile(block.source, block.where, "exec")
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                exec(code, namespace)  # noqa: S102 - the documentation's own examples
        except Exception as exc:
            pytest.fail(f"The example at {block.where} failed: {type(exc).__name__}: {exc}")
        printed = buffer.getvalue()
    return left_out


def test_examples_are_found_on_the_pages_that_teach_the_api() -> None:
    with_python = {_id(p) for p in _python_pages()}
    expected = {
        "README.md",
        "docs/getting-started.md",
        "docs/concepts.md",
        "docs/retention.md",
        "docs/recipes/pre-send-check.md",
        "docs/recipes/notebook-review.md",
        "docs/recipes/retention-clean-up.md",
        "docs/recipes/record-uses.md",
        "docs/recipes/crm-export.md",
        "docs/recipes/cluster.md",
    }
    assert expected <= with_python


def test_no_example_opts_out_of_being_run() -> None:
    opted_out = [b.where for p in PAGES for b in code_blocks(p) if b.opted_out]
    assert opted_out == []


def test_the_fence_parser_reads_indented_blocks_outputs_and_opt_outs(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text\n\n```python\nx = 1\n```\n\n!!! note\n    ```python\n    if x:\n        y = 2\n    ```\n\n"
        f"{OUTPUT}\n\n```text\n2\n```\n\n{NOT_RUN}\n```python\nraise SystemExit\n```\n",
        encoding="utf-8",
    )
    found = [(b.language, b.source, b.opted_out, b.is_output) for b in code_blocks(page)]
    assert found == [
        ("python", "x = 1\n", False, False),
        ("python", "if x:\n    y = 2\n", False, False),
        ("text", "2\n", False, True),
        ("python", "raise SystemExit\n", True, False),
    ]


# --- command-line examples -------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    argv: list[str]
    expected: list[str]


def commands(block: Block) -> Iterator[Command]:
    """The ``$ dialoglaw ...`` commands of a console block with their expected output."""
    current: list[str] | None = None
    expected: list[str] = []
    continued = ""
    for line in block.source.splitlines():
        if continued or line.startswith("$ "):
            text = continued + (line[2:] if not continued else line.strip())
            if text.endswith("\\"):
                continued = text[:-1] + " "
                continue
            continued = ""
            if current is not None:
                yield Command(current, expected)
            current, expected = shlex.split(text), []
        elif current is None:
            pytest.fail(f"{block.where}: a console block must start with a '$ ' command")
        else:
            expected.append(line.rstrip())
    if current is not None:
        yield Command(current, expected)


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` matches ``expected``, where a ``...`` line matches any lines."""
    segments: list[list[str]] = [[]]
    for line in expected:
        if line == "...":
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        return actual == segments[0]
    first, *middle, last = segments
    if actual[: len(first)] != first or (last and actual[-len(last) :] != last):
        return False
    position = len(first)
    end = len(actual) - len(last)
    for segment in middle:
        found = next(
            (i for i in range(position, end - len(segment) + 1) if actual[i : i + len(segment)] == segment),
            None,
        )
        if found is None:
            return False
        position = found + len(segment)
    return position <= end


def test_the_output_matcher_understands_ellipses() -> None:
    assert matches(["a", "...", "c"], ["a", "b", "b", "c"])
    assert matches(["...", "b", "..."], ["a", "b", "c"])
    assert matches([], [])
    assert not matches(["a", "...", "c"], ["a", "b"])
    assert not matches(["a"], ["a", "b"])
    assert not matches(["...", "x", "..."], ["a", "b"])


@pytest.mark.parametrize("block", _console_blocks(), ids=lambda b: b.where)
def test_the_command_line_examples_print_what_the_docs_show(block: Block) -> None:
    ran = 0
    for command in commands(block):
        assert command.argv[0] == "dialoglaw", (
            f"{block.where}: console blocks run dialoglaw commands only; put other commands in a bash block"
        )
        result = subprocess.run(
            [sys.executable, "-m", "dialoglaw.cli", *command.argv[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{block.where}: {shlex.join(command.argv)}\n{result.stderr}"
        actual = [line.rstrip() for line in result.stdout.splitlines()]
        assert matches(command.expected, actual), (
            f"{block.where}: the output of `{shlex.join(command.argv)}` differs from the docs:\n"
            + "\n".join(actual)
        )
        ran += 1
    assert ran > 0


# --- the site ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict`` into a temporary directory."""
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return out


def _html(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _text(path: Path) -> str:
    """The visible text of a page, without tags and with entities of ' and " decoded."""
    text = re.sub(r"<[^>]+>", "", _html(path))
    return text.replace("&amp;", "&").replace("&quot;", '"').replace("&#39;", "'").replace("&gt;", ">")


def test_the_site_builds_strictly_without_the_notebook_and_the_hooks(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "coded-law" / "index.html").is_file()
    assert not list(site.rglob("*.ipynb"))
    assert not (site / "hooks").exists()


def test_the_coded_law_page_lists_every_rule_version_question_and_code(site: Path) -> None:
    page = _html(site / "coded-law" / "index.html")
    text = _text(site / "coded-law" / "index.html")
    book = rulebook_for("DE")
    for rule in book.rules:
        assert f'id="rule-{rule.id}"' in page, rule.id
        for version in rule.versions:
            assert version.citation.render("de") in text, (rule.id, version.valid)
            assert version.citation.render("en") in text, (rule.id, version.valid)
            assert f"{version.valid.valid_from:%d.%m.%Y}" in text, (rule.id, version.valid)
    for question in book.questions.values():
        assert f'id="question-{question.id}"' in page
        for part in (question.title, question.for_permitting, question.against):
            assert part in text, question.id
        assert question.citation.render("de") in text
    for code, (en, de) in CODES.items():
        assert f'id="code-{code}"' in page
        for sentence in (en, de):
            assert re.sub(r"\{\w+\}", "", sentence.split("{")[0]) in text, code
    for day in ("30.12.2008", "04.08.2009", "01.10.2021", "28.05.2022"):
        assert day in text


def _public_modules() -> list[ModuleType]:
    """Every module of the package outside the rulebooks (the jurisdictions are the
    subject of "The coded law")."""
    names = sorted(
        f"dialoglaw.{p.relative_to(ROOT / 'src' / 'dialoglaw').with_suffix('').as_posix().replace('/', '.')}"
        for p in (ROOT / "src" / "dialoglaw").rglob("*.py")
        if "jurisdictions" not in p.parts and p.name != "__main__.py"
    )
    modules = [dialoglaw]
    for name in names:
        module_name = name.removesuffix(".__init__")
        if module_name != "dialoglaw":
            modules.append(importlib.import_module(module_name))
    return modules


def test_the_api_reference_shows_every_public_name(site: Path) -> None:
    """Every name in the ``__all__`` of every module is rendered under its own path or,
    for a re-exported object, under another module's path (e.g. ``dialoglaw.Contact``)."""
    anchors: set[str] = set()
    for page in (site / "api").rglob("index.html"):
        anchors.update(re.findall(r'id="(dialoglaw[\w.]*)"', _html(page)))
    modules = _public_modules()
    rendered = {
        id(getattr(module, name))
        for module in modules
        for name in getattr(module, "__all__", ())
        if f"{module.__name__}.{name}" in anchors
    }
    missing = [
        f"{module.__name__}.{name}"
        for module in modules
        for name in getattr(module, "__all__", ())
        if f"{module.__name__}.{name}" not in anchors and id(getattr(module, name)) not in rendered
    ]
    assert missing == [], "render these with a '::: module' block on a page in docs/api/"
    assert {f"dialoglaw.{name}" for name in dialoglaw.__all__} <= anchors


def test_a_block_needing_a_module_runs_where_it_imports_and_is_left_out_with_its_output_elsewhere(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- needs: json, os.path -->\n```python\nimport json\nprint(json.dumps(1))\n```\n\n"
        f"{OUTPUT}\n```text\n1\n```\n\n"
        "<!-- needs: json, dialoglaw_no_such_module -->\n```python\nraise SystemExit\n```\n\n"
        f"{OUTPUT}\n```text\nnever printed\n```\n\n```python\nprint(2)\n```\n\n{OUTPUT}\n```text\n2\n```\n",
        encoding="utf-8",
    )
    blocks = [b for b in code_blocks(page) if b.language == "python"]
    assert [b.needs for b in blocks] == [("json", "os.path"), ("json", "dialoglaw_no_such_module"), ()]
    assert [b.unmet for b in blocks] == [[], ["dialoglaw_no_such_module"], []]
    assert run_page(page) == [f"{page}:13 (needs dialoglaw_no_such_module)"]
    assert not any(b.opted_out for b in blocks)
