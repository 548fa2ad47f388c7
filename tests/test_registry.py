"""The jurisdiction registry, and the consistency checks of rules and rulebooks."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import dialoglaw
from dialoglaw import Act, Channel, Citation, RulebookError, UnknownJurisdictionError
from dialoglaw import registry as registry_module
from dialoglaw.rules import Kind, Level, Question, Rule, Rulebook, RuleVersion
from dialoglaw.validity import Validity

JURISDICTIONS_DIR = Path(dialoglaw.__file__).parent / "jurisdictions"
CITATION = Citation.statute(Act.UWG, 7, 2, number=1)


# -- looking up a rulebook ----------------------------------------------------------------


def test_the_german_rulebook_is_found() -> None:
    book = dialoglaw.rulebook_for("DE")
    assert isinstance(book, Rulebook)
    assert book.jurisdiction == "DE"
    assert book.name == "Germany"
    assert book.coverage_from == date(2004, 7, 8)
    assert book.ruleset == f"DE-{book.revision}"
    assert book.rules


@pytest.mark.parametrize("code", ["de", "De", " DE ", "de\n"])
def test_the_code_is_case_and_whitespace_insensitive(code: str) -> None:
    assert dialoglaw.rulebook_for(code) is dialoglaw.rulebook_for("DE")


def test_the_rulebook_is_loaded_once() -> None:
    assert dialoglaw.rulebook_for("DE") is dialoglaw.rulebook_for("DE")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("FR", "No rules are coded for jurisdiction 'FR'; coded jurisdictions: DE."),
        ("fr", "No rules are coded for jurisdiction 'FR'; coded jurisdictions: DE."),
        ("EU", "No rules are coded for jurisdiction 'EU'; coded jurisdictions: DE."),
        ("", "No rules are coded for jurisdiction ''; coded jurisdictions: DE."),
    ],
)
def test_an_unknown_jurisdiction_is_named_with_the_known_ones(code: str, message: str) -> None:
    with pytest.raises(UnknownJurisdictionError) as info:
        dialoglaw.rulebook_for(code)
    assert str(info.value) == message
    assert info.value.code == "unknown_jurisdiction"


def test_registered_jurisdictions_match_the_packages_on_disk() -> None:
    packages = sorted(
        p.name.upper()
        for p in JURISDICTIONS_DIR.iterdir()
        if p.is_dir() and p.name != "eu" and (p / "__init__.py").is_file()
    )
    assert packages == ["DE"]
    assert list(registry_module.available_jurisdictions()) == packages
    for code in packages:
        assert dialoglaw.rulebook_for(code).jurisdiction == code


def test_the_public_jurisdictions_function_survives_loading_a_rulebook() -> None:
    # Importing dialoglaw.jurisdictions.de binds the subpackage dialoglaw.jurisdictions
    # as an attribute of dialoglaw, replacing the public function of the same name.
    dialoglaw.rulebook_for("DE")
    assert callable(dialoglaw.available_jurisdictions)
    assert dialoglaw.available_jurisdictions() == ("DE",)


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip()


def test_importing_dialoglaw_loads_no_rulebook() -> None:
    out = _run("import dialoglaw, sys; print('dialoglaw.jurisdictions.de' in sys.modules)")
    assert out == "False"


def test_importing_dialoglaw_loads_no_jurisdiction_package_at_all() -> None:
    out = _run(
        "import dialoglaw, sys; "
        "print(sorted(m for m in sys.modules if m.startswith('dialoglaw.jurisdictions')))"
    )
    assert out == "[]"


def test_a_rulebook_is_loaded_on_first_use() -> None:
    out = _run(
        "import dialoglaw, sys; dialoglaw.rulebook_for('de'); "
        "print('dialoglaw.jurisdictions.de' in sys.modules)"
    )
    assert out == "True"


# -- registering a jurisdiction ---------------------------------------------------------------


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let a test register jurisdictions without leaking them into other tests."""
    monkeypatch.setattr(registry_module, "_MODULES", dict(registry_module._MODULES))
    registry_module.rulebook_for.cache_clear()
    yield
    registry_module.rulebook_for.cache_clear()


@pytest.mark.parametrize("code", ["AUT", "A", "", "A1", "Ö1"])
@pytest.mark.usefixtures("scratch_registry")
def test_register_jurisdiction_rejects_a_bad_code(code: str) -> None:
    with pytest.raises(UnknownJurisdictionError) as info:
        dialoglaw.register_jurisdiction(code, "somewhere.at")
    assert str(info.value) == (
        f"A jurisdiction code must be two upper-case letters (ISO 3166), not {code!r}."
    )
    assert registry_module.available_jurisdictions() == ("DE",)


@pytest.mark.usefixtures("scratch_registry")
def test_a_registered_module_must_define_the_rulebook_of_its_code() -> None:
    # The German package defines the rulebook of DE, not of AT.
    dialoglaw.register_jurisdiction("AT", "dialoglaw.jurisdictions.de")
    assert registry_module.available_jurisdictions() == ("AT", "DE")
    with pytest.raises(UnknownJurisdictionError) as info:
        dialoglaw.rulebook_for("AT")
    assert str(info.value) == "Module dialoglaw.jurisdictions.de does not define the rulebook of AT."


@pytest.mark.usefixtures("scratch_registry")
def test_registering_a_jurisdiction_makes_it_known() -> None:
    dialoglaw.register_jurisdiction("CH", "dialoglaw.jurisdictions.ch")
    with pytest.raises(UnknownJurisdictionError) as info:
        dialoglaw.rulebook_for("FR")
    assert str(info.value) == "No rules are coded for jurisdiction 'FR'; coded jurisdictions: CH, DE."


def test_the_scratch_registry_left_nothing_behind() -> None:
    assert registry_module.available_jurisdictions() == ("DE",)


# -- Rule and Rulebook validation ----------------------------------------------------------------


def version(start: date, end: date | None = None, **kwargs: object) -> RuleVersion:
    return RuleVersion(valid=Validity(start, end), citation=CITATION, **kwargs)  # type: ignore[arg-type]


def bar(rule_id: str, *versions: RuleVersion) -> Rule:
    return Rule(
        id=rule_id,
        title="A test bar",
        kind=Kind.BAR,
        code="test_bar",
        channels=frozenset({Channel.PHONE}),
        versions=versions,
    )


CLEAN = bar(
    "de.test.clean",
    version(date(2004, 7, 8), date(2022, 5, 28)),
    version(date(2022, 5, 28)),
)


def test_a_rule_with_tiling_versions_is_accepted() -> None:
    assert CLEAN.valid_from == date(2004, 7, 8)
    assert CLEAN.valid_to is None
    first = CLEAN.version_on(date(2022, 5, 27))
    assert first is not None
    assert first.valid.valid_to == date(2022, 5, 28)
    second = CLEAN.version_on(date(2022, 5, 28))
    assert second is not None
    assert second.valid.valid_to is None
    assert CLEAN.version_on(date(2004, 7, 7)) is None


def test_a_rule_with_overlapping_versions_is_a_rulebook_error() -> None:
    with pytest.raises(RulebookError) as info:
        bar("de.test.x", version(date(2004, 7, 8), date(2022, 6, 1)), version(date(2022, 5, 28)))
    assert str(info.value) == (
        "Rule de.test.x has an overlap between [2004-07-08, 2022-06-01) and [2022-05-28, )."
    )


def test_a_rule_with_a_gap_between_versions_is_a_rulebook_error() -> None:
    with pytest.raises(RulebookError) as info:
        bar("de.test.x", version(date(2004, 7, 8), date(2022, 5, 1)), version(date(2022, 5, 28)))
    assert str(info.value) == "Rule de.test.x has a gap between [2004-07-08, 2022-05-01) and [2022-05-28, )."


def test_an_open_ended_version_before_another_is_a_rulebook_error_in_plain_words() -> None:
    with pytest.raises(RulebookError) as info:
        bar("de.test.x", version(date(2004, 7, 8)), version(date(2022, 5, 28)))
    text = str(info.value)
    assert text.startswith("Rule de.test.x ")
    assert "[2004-07-08, )" in text
    # The internal slug is not English: the sentence should say what is wrong.
    assert "open_end_not_last" not in text


def test_a_rule_without_versions_is_a_rulebook_error() -> None:
    with pytest.raises(RulebookError) as info:
        bar("de.test.x")
    assert str(info.value) == "Rule de.test.x has no versions."


def test_a_requirement_needs_a_level_and_a_deny_code() -> None:
    with pytest.raises(RulebookError) as info:
        Rule(
            id="de.test.req",
            title="A test requirement",
            kind=Kind.REQUIREMENT,
            code="test_req",
            channels=frozenset({Channel.PHONE}),
            versions=(version(date(2004, 7, 8), level=Level.EXPRESS_CONSENT),),
        )
    assert str(info.value) == "Requirement de.test.req needs a level and a deny code."


def test_a_requirement_of_level_none_needs_no_deny_code() -> None:
    rule = Rule(
        id="de.test.postal",
        title="Postal needs nothing",
        kind=Kind.REQUIREMENT,
        code="postal",
        channels=frozenset({Channel.POSTAL}),
        versions=(version(date(2004, 7, 8), level=Level.NONE),),
    )
    assert rule.versions[0].deny is None


def rulebook(*rules: Rule, questions: dict[str, Question] | None = None) -> Rulebook:
    return Rulebook(
        jurisdiction="DE",
        name="Test",
        revision="2024-01-01",
        coverage_from=date(2004, 7, 8),
        rules=rules,
        questions=questions or {},
    )


def test_duplicate_rule_ids_are_a_rulebook_error() -> None:
    other = bar("de.test.other", version(date(2004, 7, 8)))
    with pytest.raises(RulebookError) as info:
        rulebook(CLEAN, other, CLEAN, other)
    assert str(info.value) == "Rule ids are not unique: de.test.clean, de.test.other."


def test_a_version_naming_an_unknown_question_is_a_rulebook_error() -> None:
    asking = bar("de.test.asks", version(date(2004, 7, 8), question="de.test.nowhere"))
    with pytest.raises(RulebookError) as info:
        rulebook(CLEAN, asking)
    assert str(info.value) == "Rule de.test.asks names unknown question de.test.nowhere."


def test_a_version_naming_a_known_question_is_accepted() -> None:
    question = Question(
        id="de.test.somewhere",
        title="Is it?",
        for_permitting="Yes.",
        against="No.",
        citation=CITATION,
    )
    asking = bar("de.test.asks", version(date(2004, 7, 8), question="de.test.somewhere"))
    book = rulebook(CLEAN, asking, questions={"de.test.somewhere": question})
    assert book.rule("de.test.asks") is asking
    assert book.of_kind(Kind.BAR) == (CLEAN, asking)
    assert book.of_kind(Kind.GROUND) == ()
    assert [r.id for r, _ in book.in_force(date(2004, 7, 7))] == []
    assert [r.id for r, _ in book.in_force(date(2022, 5, 28))] == ["de.test.clean", "de.test.asks"]
    with pytest.raises(KeyError):
        book.rule("de.test.none")


# -- the German rulebook ------------------------------------------------------------------------

GERMAN = dialoglaw.rulebook_for("DE")


def test_every_rule_id_of_the_german_rulebook_is_unique() -> None:
    counts = Counter(rule.id for rule in GERMAN.rules)
    assert [rule_id for rule_id, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("rule", GERMAN.rules, ids=[r.id for r in GERMAN.rules])
def test_every_german_rule_tiles_its_range_without_gaps_or_overlaps(rule: Rule) -> None:
    windows = sorted((v.valid for v in rule.versions), key=lambda w: w.valid_from)
    assert windows
    for earlier, later in itertools.pairwise(windows):
        assert earlier.valid_to == later.valid_from, f"{rule.id}: {earlier} then {later}"
    assert all(w.valid_to is not None for w in windows[:-1])
    assert rule.valid_from == windows[0].valid_from
    assert rule.valid_to == windows[-1].valid_to
    assert rule.valid_from >= GERMAN.coverage_from


@pytest.mark.parametrize("rule", GERMAN.rules, ids=[r.id for r in GERMAN.rules])
def test_every_german_rule_has_exactly_one_version_on_its_first_and_last_day(rule: Rule) -> None:
    for v in rule.versions:
        days = [v.valid.valid_from]
        if v.valid.last_day is not None:
            days.append(v.valid.last_day)
        for day in days:
            assert [w for w in rule.versions if w.valid.contains_day(day)] == [v]


def test_every_question_named_by_a_german_rule_exists() -> None:
    named = {v.question for r in GERMAN.rules for v in r.versions if v.question is not None}
    assert named <= set(GERMAN.questions)
    for question_id, question in GERMAN.questions.items():
        assert question.id == question_id
