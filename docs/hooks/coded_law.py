"""MkDocs hook: generate "The coded law" and the CLI reference from the code at build time.

``docs/coded-law.md`` and ``docs/api/cli.md`` hold the prose around a marker comment;
this hook replaces the marker with Markdown built from ``dialoglaw.rulebook_for("DE")``,
``dialoglaw.messages.CODES`` and the ``dialoglaw`` argument parser, so the pages cannot
drift from the rules. Which codes and questions a rule produces is read from the source
of its test functions (the ``make_finding(...)`` and ``Unsettled(...)`` calls), plus the
two things the engine itself does (contact-point findings, and the requirement's codes).

The hook also checks that the hand-written table of unsettled questions on the home page
lists exactly the rulebook's questions. Any inconsistency stops the build.
"""

from __future__ import annotations

import argparse
import ast
import html
import inspect
import itertools
import re
import sys
import textwrap
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

from mkdocs.exceptions import PluginError

try:
    import dialoglaw  # noqa: F401 - the installed (editable) package
except ImportError:  # a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from dialoglaw import Channel, rulebook_for
from dialoglaw.citations import Citation
from dialoglaw.cli import build_parser
from dialoglaw.messages import CODES
from dialoglaw.rules import Kind, Level, Rule, Rulebook, RuleVersion

JURISDICTION = "DE"
CODED_LAW_PAGE = "coded-law.md"
CLI_PAGE = "api/cli.md"
HOME_PAGE = "index.md"
CODED_LAW_MARKER = "<!-- coded-law -->"
CLI_MARKER = "<!-- cli-help -->"
# Modules whose documented constants name the dates on which the coded law changes.
DATE_MODULES = ("dialoglaw.jurisdictions.de.dates", "dialoglaw.jurisdictions.eu")
# Rule id the engine gives to findings about contact points (facts, not law).
CONTACT_POINT_RULE = "contact_point"
CONTACT_POINT_CODES = ("no_contact_point", "contact_point_unsuitable")

KIND_HEADINGS = {
    Kind.REQUIREMENT: "Requirements",
    Kind.GROUND: "Grounds",
    Kind.CONSENT_CONDITION: "Consent conditions",
    Kind.BAR: "Bars",
    Kind.OBLIGATION: "Obligations",
    Kind.WARNING: "Warnings",
}


# --- MkDocs events -------------------------------------------------------------------


def on_config(config: Any) -> Any:
    """Resolve snippet paths (``--8<-- "CHANGELOG.md"``) against the repository root, so
    that the site also builds when mkdocs runs from another directory."""
    root = str(Path(config.config_file_path).resolve().parent)
    snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [root]
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the generated pages; check the home page's question table."""
    src = page.file.src_uri
    if src == CODED_LAW_PAGE:
        return _fill(markdown, CODED_LAW_MARKER, coded_law_markdown(rulebook_for(JURISDICTION)), src)
    if src == CLI_PAGE:
        return _fill(markdown, CLI_MARKER, cli_markdown(), src)
    if src == HOME_PAGE:
        _check_home_questions(markdown, rulebook_for(JURISDICTION))
    return markdown


def _fill(markdown: str, marker: str, generated: str, src: str) -> str:
    if markdown.count(marker) != 1:
        raise PluginError(f"{src} must contain the marker {marker} exactly once.")
    return markdown.replace(marker, generated)


def _check_home_questions(markdown: str, book: Rulebook) -> None:
    listed = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", markdown, flags=re.MULTILINE))
    coded = set(book.questions)
    if listed != coded:
        missing = ", ".join(sorted(coded - listed)) or "none"
        extra = ", ".join(sorted(listed - coded)) or "none"
        raise PluginError(
            f"The unsettled-questions table of {HOME_PAGE} is out of date: "
            f"missing {missing}; not in the rulebook {extra}."
        )


# --- what each rule produces (read from the rule's code) -----------------------------


def _namespace(fn: FunctionType) -> dict[str, Any]:
    names = dict(fn.__globals__)
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__, strict=True):
            try:
                names[name] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
    return names


def _string(node: ast.expr, names: dict[str, Any]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(names.get(node.id), str):
        value: str = names[node.id]
        return value
    return None


def _calls(fn: FunctionType, seen: set[FunctionType]) -> Iterator[tuple[str, str]]:
    """(callee, first string argument) of every call in ``fn`` and in the jurisdiction
    functions it calls, recursively."""
    names = _namespace(fn)
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        callee = node.func.id
        if node.args:
            value = _string(node.args[0], names)
            if value is not None:
                yield callee, value
        target = names.get(callee)
        if (
            isinstance(target, FunctionType)
            and target.__module__.startswith("dialoglaw.jurisdictions")
            and target not in seen
        ):
            seen.add(target)
            yield from _calls(target, seen)


def _tests(rule: Rule) -> list[FunctionType]:
    fns = (rule.test, rule.consent_test, rule.obligation_test)
    return [f for f in fns if isinstance(f, FunctionType) and f.__module__ != "dialoglaw.rules"]


def rule_outputs(rule: Rule) -> tuple[set[str], set[str]]:
    """The finding codes and the unsettled-question ids ``rule`` can produce."""
    codes: set[str] = set()
    questions: set[str] = set()
    if rule.kind is not Kind.REQUIREMENT:
        codes.add(rule.code)
    for version in rule.versions:
        if rule.kind is Kind.REQUIREMENT:
            # The engine gives the requirement's deny code when no ground holds, and judges
            # an implied consent against the requirement's level.
            if version.deny is not None:
                codes.add(version.deny)
            if version.level in (Level.CONSENT, Level.EXPRESS_CONSENT):
                if version.level is Level.CONSENT and version.question is not None:
                    questions.add(version.question)
                else:
                    codes.add("no_express_consent")
        elif version.question is not None and rule.kind is not Kind.OBLIGATION:
            questions.add(version.question)
    for fn in _tests(rule):
        for callee, value in _calls(fn, {fn}):
            if callee == "make_finding":
                codes.add(value)
            elif callee == "Unsettled":
                questions.add(value)
    if questions:
        codes.add("unsettled_law")
    return codes, questions


def _mentioned_questions(cls: type, questions: Iterable[str]) -> set[str]:
    """Question ids a class's methods refer to (by literal or module constant)."""
    wanted = set(questions)
    found: set[str] = set()
    for _, fn in inspect.getmembers(cls, inspect.isfunction):
        names = _namespace(fn)
        for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(fn)))):
            if isinstance(node, ast.expr):
                value = _string(node, names)
                if value in wanted:
                    found.add(value)
    return found


# --- documented constants (attribute docstrings) -------------------------------------


def attribute_docs(source: str, cls: str | None = None) -> dict[str, str]:
    """``NAME -> docstring`` for the documented assignments of a module or a class."""
    body: list[ast.stmt] = ast.parse(source).body
    if cls is not None:
        body = next(n.body for n in body if isinstance(n, ast.ClassDef) and n.name == cls)
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(body):
        if not (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                docs[target.id] = " ".join(inspect.cleandoc(following.value.value).split())
    return docs


def _module(name: str) -> ModuleType:
    __import__(name)
    return sys.modules[name]


def date_labels() -> dict[date, list[str]]:
    """German dates of the coded law with the description of their constant."""
    labels: dict[date, list[str]] = {}
    for name in DATE_MODULES:
        module = _module(name)
        for constant, doc in attribute_docs(inspect.getsource(module)).items():
            value = getattr(module, constant, None)
            if isinstance(value, date) and doc not in labels.setdefault(value, []):
                labels[value].append(doc)
    return labels


# --- rendering helpers -----------------------------------------------------------------


def _md(text: str) -> str:
    """Escape text for a Markdown table cell."""
    return text.replace("|", "\\|").replace("*", "\\*")


def _template(text: str) -> str:
    return re.sub(r"\{(\w+)\}", r"`{\1}`", _md(text))


def _de(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def _window(version: RuleVersion) -> tuple[str, str]:
    last = version.valid.last_day
    return _de(version.valid.valid_from), "in force" if last is None else _de(last)


def _cites(citations: Iterable[Citation]) -> str:
    return "; ".join(_md(c.render("de")) for c in citations) or "—"


def _code(code: str) -> str:
    return f"[`{code}`](#code-{code})"


def _rule_link(rule_id: str) -> str:
    return f"[`{rule_id}`](#rule-{rule_id})" if rule_id != CONTACT_POINT_RULE else f"`{rule_id}` (engine)"


def _question_link(question: str) -> str:
    return f"[`{question}`](#question-{question})"


def _values(items: Iterable[Any]) -> str:
    return ", ".join(f"`{getattr(i, 'value', i)}`" for i in items)


def _channels(channels: Iterable[Channel]) -> str:
    order = list(Channel)
    return _values(sorted(channels, key=order.index))


# --- the page ----------------------------------------------------------------------------


def coded_law_markdown(book: Rulebook) -> str:
    outputs = {rule.id: rule_outputs(rule) for rule in book.rules}
    producers: dict[str, list[str]] = {code: [] for code in CODES}
    for rule in book.rules:
        for code in sorted(outputs[rule.id][0]):
            if code not in CODES:
                raise PluginError(f"Rule {rule.id} produces {code!r}, which has no message in CODES.")
            producers[code].append(rule.id)
    for code in CONTACT_POINT_CODES:
        producers[code].append(CONTACT_POINT_RULE)
    orphans = sorted(code for code, rules in producers.items() if not rules)
    if orphans:
        raise PluginError(f"No rule produces the codes {', '.join(orphans)}; update {Path(__file__).name}.")
    asked_by: dict[str, list[str]] = {q: [] for q in book.questions}
    for rule in book.rules:
        for question in sorted(outputs[rule.id][1]):
            if question not in asked_by:
                raise PluginError(f"Rule {rule.id} asks the unknown question {question!r}.")
            asked_by[question].append(rule.id)
        for version in rule.versions:  # obligations that carry a question in their ctx
            if (
                rule.kind is Kind.OBLIGATION
                and version.question
                and rule.id not in asked_by[version.question]
            ):
                asked_by[version.question].append(rule.id)
    retention_questions = (
        _mentioned_questions(type(book.retention), book.questions) if book.retention is not None else set()
    )
    parts = [
        _overview(book),
        _history(book),
        _rules(book, outputs),
        _questions(book, asked_by, retention_questions),
        _codes(producers),
    ]
    return "\n\n".join(parts) + "\n"


def _overview(book: Rulebook) -> str:
    counts = {kind: len(book.of_kind(kind)) for kind in Kind}
    rows = "\n".join(f"| [{KIND_HEADINGS[kind]}](#kind-{kind.value}) | {counts[kind]} |" for kind in Kind)
    return (
        f"## Overview {{ #overview }}\n\n"
        f"Rulebook **{book.name}** (`{book.jurisdiction}`), ruleset `{book.ruleset}`, coded from "
        f"{_de(book.coverage_from)}: {len(book.rules)} rules, {len(book.questions)} unsettled "
        f"questions and {len(CODES)} finding codes.\n\n"
        f"| kind | rules |\n|---|---|\n{rows}"
    )


def _changes(before: RuleVersion, after: RuleVersion) -> list[str]:
    out = []
    if before.citation != after.citation:
        out.append(f"{_md(before.citation.de)} → {_md(after.citation.de)}")
    if before.level != after.level and after.level is not None:
        old = before.level.value if before.level else "—"
        out.append(f"level `{old}` → `{after.level.value}`")
    if before.deny != after.deny and after.deny is not None:
        out.append(f"deny code `{before.deny}` → `{after.deny}`")
    if before.question != after.question:
        if after.question is None:
            out.append(f"settled (was {_question_link(str(before.question))})")
        else:
            out.append(f"unsettled: {_question_link(after.question)}")
    added = [c for c in after.authorities if c not in before.authorities]
    if added:
        out.append(f"authorities added: {_cites(added)}")
    if after.note and after.note != before.note:
        out.append(_md(after.note))
    return out or ["new version; citation, level and authorities unchanged"]


def _cites_uwg_7(rule: Rule) -> bool:
    return any(
        c.act is not None and c.act.value == "UWG" and c.section in ("7", "7a")
        for v in rule.versions
        for c in (v.citation, *v.authorities)
    )


def _history(book: Rulebook) -> str:
    labels = date_labels()
    events: dict[date, list[str]] = {}
    for rule in book.rules:
        if not _cites_uwg_7(rule):
            continue
        ordered = sorted(rule.versions, key=lambda v: v.valid.valid_from)
        first = ordered[0]
        if first.valid.valid_from > book.coverage_from:
            events.setdefault(first.valid.valid_from, []).append(
                f"{_rule_link(rule.id)}: new, {_md(first.citation.de)}"
            )
        for before, after in itertools.pairwise(ordered):
            changes = "; ".join(_changes(before, after))
            events.setdefault(after.valid.valid_from, []).append(f"{_rule_link(rule.id)}: {changes}")
    events.setdefault(book.coverage_from, []).insert(
        0, "start of the coded range: the first version of every rule"
    )
    rows = []
    for day in sorted(events):
        label = "<br>".join(_md(text) for text in labels.get(day, [])) or "—"
        rows.append(f"| {_de(day)} | {label} | {'<br>'.join(events[day])} |")
    return (
        "## Version history of § 7 and § 7a UWG { #history }\n\n"
        "Every date on which a rule citing § 7 or § 7a UWG gets a new version, with the act "
        "behind the date and what changed in the coded rules. Windows are German calendar "
        "days: a version applies from 00:00 Europe/Berlin on its first day.\n\n"
        "| in force from | act | changes in the coded rules |\n|---|---|---|\n" + "\n".join(rows)
    )


def _rules(book: Rulebook, outputs: dict[str, tuple[set[str], set[str]]]) -> str:
    rules_source = inspect.getsource(_module("dialoglaw.rules"))
    kind_docs = attribute_docs(rules_source, "Kind")
    level_docs = attribute_docs(rules_source, "Level")
    parts = ["## Rules { #rules }"]
    for kind in Kind:
        heading = f"### {KIND_HEADINGS[kind]} {{ #kind-{kind.value} }}"
        parts.append(f"{heading}\n\n{_md(kind_docs.get(kind.name, ''))}")
        parts.extend(_rule(rule, outputs[rule.id], level_docs) for rule in book.of_kind(kind))
    return "\n\n".join(parts)


def _rule(rule: Rule, output: tuple[set[str], set[str]], level_docs: dict[str, str]) -> str:
    codes, questions = output
    facts = [
        f"- **Kind:** `{rule.kind.value}`",
        f"- **Code:** `{rule.code}`" if rule.kind is Kind.REQUIREMENT else f"- **Code:** {_code(rule.code)}",
        f"- **Channels:** {_channels(rule.channels)}",
        f"- **Audiences:** {_values(sorted(rule.audiences))}",
    ]
    if rule.levels:
        facts.append(f"- **Satisfies the levels:** {_values(sorted(rule.levels))}")
    if not rule.advertising_only:
        facts.append("- **Applies to every message**, not only to advertising.")
    others = sorted(codes - {rule.code})
    if others:
        facts.append(f"- **Also produces:** {', '.join(_code(c) for c in others)}")
    if questions:
        facts.append(f"- **Unsettled questions:** {', '.join(_question_link(q) for q in sorted(questions))}")
    head = "| from | until (last day) | citation (de) | citation (en) | authorities |"
    line = "|---|---|---|---|---|"
    requirement = rule.kind is Kind.REQUIREMENT
    if requirement:
        head += " level | deny code |"
        line += "---|---|"
    with_questions = any(v.question for v in rule.versions)
    if with_questions:
        head += " unsettled |"
        line += "---|"
    with_notes = any(v.note for v in rule.versions)
    if with_notes:
        head += " note |"
        line += "---|"
    rows = []
    for version in sorted(rule.versions, key=lambda v: v.valid.valid_from):
        start, end = _window(version)
        row = (
            f"| {start} | {end} | {_md(version.citation.render('de'))} | "
            f"{_md(version.citation.render('en'))} | {_cites(version.authorities)} |"
        )
        if requirement:
            level = version.level.value if version.level else "—"
            tip = html.escape(level_docs.get(version.level.name, ""), quote=True) if version.level else ""
            row += f' <abbr title="{tip}">`{level}`</abbr> | ' if tip else f" `{level}` | "
            row += f"{_code(version.deny)} |" if version.deny else "— |"
        if with_questions:
            row += f" {_question_link(version.question)} |" if version.question else " — |"
        if with_notes:
            row += f" {_md(version.note) or '—'} |"
        rows.append(row)
    return (
        f"#### `{rule.id}` {{ #rule-{rule.id} }}\n\n{_md(rule.title)}.\n\n"
        + "\n".join(facts)
        + "\n\n"
        + "\n".join([head, line, *rows])
    )


def _questions(book: Rulebook, asked_by: dict[str, list[str]], retention: set[str]) -> str:
    parts = [
        "## Unsettled questions { #questions }\n\n"
        "Where German law is disputed, a verdict is `review` with the question's id in "
        '`ctx["question"]`, unless the `Policy` decides it: '
        '`Policy(unsettled={"<id>": "permit"})` or `"suppress"`.'
    ]
    for question in book.questions.values():
        sources = [_rule_link(r) for r in asked_by[question.id]]
        if question.id in retention:
            sources.append("the retention rules (`dialoglaw.proof_retention`)")
        lines = [
            f"### `{question.id}` {{ #question-{question.id} }}",
            "",
            f"**{_md(question.title)}**",
            "",
            f"- **For permitting:** {_md(question.for_permitting)}",
            f"- **Against:** {_md(question.against)}",
            f"- **Citation:** {_md(question.citation.render('de'))} — {_md(question.citation.render('en'))}",
        ]
        if question.authorities:
            lines.append(f"- **Authorities:** {_cites(question.authorities)}")
        lines.append(f"- **Asked by:** {', '.join(sources) if sources else '—'}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _codes(producers: dict[str, list[str]]) -> str:
    rows = [
        f'| <span id="code-{code}"></span>`{code}` | {_template(en)} | {_template(de)} | '
        f"{', '.join(_rule_link(r) for r in producers[code])} |"
        for code, (en, de) in CODES.items()
    ]
    return (
        "## Finding codes { #codes }\n\n"
        "Every code a finding can carry, with its English and German sentence "
        "(`dialoglaw.messages.CODES`; placeholders are filled from the finding's `ctx`) and "
        "the rules that produce it. Findings of the engine's `contact_point` check are facts "
        "and carry no citation.\n\n"
        "| code | English | German | produced by |\n|---|---|---|---|\n" + "\n".join(rows)
    )


# --- the command-line reference ---------------------------------------------------------


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=88)


def cli_markdown() -> str:
    parser = build_parser()
    parser.formatter_class = _formatter
    parts = ["## `dialoglaw`", "```text\n" + parser.format_help().rstrip() + "\n```"]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        sub.formatter_class = _formatter
        parts.append(f"## `dialoglaw {name}`")
        parts.append("```text\n" + sub.format_help().rstrip() + "\n```")
    return "\n\n".join(parts)
