"""Structured citations: validated when built, rendered in German and English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

import dialoglaw
from dialoglaw import Act, Citation, Court, DialoglawError, RulebookError

S = Citation.statute
D = Citation.decision


@pytest.mark.parametrize(
    ("make", "german", "english"),
    [
        (lambda: S(Act.UWG, 7, 2, number=1), "§ 7 Abs. 2 Nr. 1 UWG", "Section 7(2) no. 1 UWG"),
        (lambda: S(Act.UWG, 7, 2, number=2), "§ 7 Abs. 2 Nr. 2 UWG", "Section 7(2) no. 2 UWG"),
        (lambda: S(Act.UWG, 7, 1, sentence=2), "§ 7 Abs. 1 Satz 2 UWG", "Section 7(1) sentence 2 UWG"),
        (
            lambda: S(Act.UWG, 7, 2, number=3, letter="a"),
            "§ 7 Abs. 2 Nr. 3 lit. a UWG",
            "Section 7(2) no. 3(a) UWG",
        ),
        (
            lambda: S(Act.UWG, 7, 3, sentence=1, number=1),
            "§ 7 Abs. 3 Satz 1 Nr. 1 UWG",
            "Section 7(3) sentence 1 no. 1 UWG",
        ),
        (lambda: S(Act.UWG, 7), "§ 7 UWG", "Section 7 UWG"),
        (lambda: S(Act.UWG, "7a", 2), "§ 7a Abs. 2 UWG", "Section 7a(2) UWG"),
        (lambda: S(Act.DSGVO, 21, 3), "Art. 21 Abs. 3 DSGVO", "Art. 21(3) GDPR"),
        (lambda: S(Act.DSGVO, 6, 1, letter="f"), "Art. 6 Abs. 1 lit. f DSGVO", "Art. 6(1)(f) GDPR"),
        (lambda: S(Act.DSGVO, 4, number=11), "Art. 4 Nr. 11 DSGVO", "Art. 4(11) GDPR"),
        (lambda: S(Act.DSGVO, 7, 3, sentence=1), "Art. 7 Abs. 3 Satz 1 DSGVO", "Art. 7(3) sentence 1 GDPR"),
        (lambda: S(Act.DSGVO, recital=47), "ErwG 47 DSGVO", "Recital 47 GDPR"),
        (
            lambda: S(Act.BDSG, 28, 4, former=True),
            "§ 28 Abs. 4 BDSG a.F.",
            "Section 28(4) BDSG (former version)",
        ),
        (
            lambda: S(Act.BDSG, 28, 4, sentence=2, former=True),
            "§ 28 Abs. 4 Satz 2 BDSG a.F.",
            "Section 28(4) sentence 2 BDSG (former version)",
        ),
        (lambda: S(Act.BGB, 13), "§ 13 BGB", "Section 13 BGB"),
        (lambda: S(Act.BGB, 188, 2), "§ 188 Abs. 2 BGB", "Section 188(2) BGB"),
        (lambda: S(Act.OWIG, 20), "§ 20 OWiG", "Section 20 OWiG"),
    ],
)
def test_a_statute_renders_in_german_and_english(
    make: Callable[[], Citation], german: str, english: str
) -> None:
    citation = make()
    assert citation.render("de") == german
    assert citation.render("en") == english
    assert citation.de == german
    assert citation.en == english
    assert str(citation) == german
    assert citation.render() == german


@pytest.mark.parametrize(
    ("make", "rendered"),
    [
        (lambda: D(Court.BGH, "10.02.2011", "I ZR 164/09"), "BGH, 10.02.2011, I ZR 164/09"),
        (lambda: D(Court.BGH, "16.07.2008", "VIII ZR 348/06"), "BGH, 16.07.2008, VIII ZR 348/06"),
        (lambda: D(Court.OLG, "03.05.2023", "18 U 154/22", seat="Hamm"), "OLG Hamm, 03.05.2023, 18 U 154/22"),
        (
            lambda: D(Court.OLG, "27.06.2019", "6 U 6/19", seat="Frankfurt am Main"),
            "OLG Frankfurt am Main, 27.06.2019, 6 U 6/19",
        ),
        (
            lambda: D(Court.LG, "01.02.2022", "4 HK O 655/21", seat="München I"),
            "LG München I, 01.02.2022, 4 HK O 655/21",
        ),
        (lambda: D(Court.EUGH, "01.10.2019", "C-673/17", name="Planet49"), "EuGH, 01.10.2019, C-673/17"),
        (lambda: D(Court.KG, "01.01.2020", "5 U 1/19"), "KG, 01.01.2020, 5 U 1/19"),
    ],
)
def test_a_decision_renders_the_same_in_both_languages(make: Callable[[], Citation], rendered: str) -> None:
    citation = make()
    assert citation.render("de") == rendered
    assert citation.render("en") == rendered


def test_a_decision_keeps_its_date_as_a_date() -> None:
    citation = D(Court.BGH, "10.02.2011", "I ZR 164/09")
    assert citation.decided_on == date(2011, 2, 10)
    assert citation.kind == "decision"


def test_a_self_regulation_instrument_renders_its_name() -> None:
    citation = Citation.self_regulation("DDV-Robinsonliste")
    assert citation.render("de") == "DDV-Robinsonliste"
    assert citation.render("en") == "DDV-Robinsonliste"


def test_citations_are_frozen_and_hashable_values() -> None:
    a = S(Act.UWG, 7, 2, number=1)
    b = S(Act.UWG, "7", 2, number=1)
    assert a == b
    assert hash(a) == hash(b)
    assert a != S(Act.UWG, 7, 2, number=2)
    name = "section"
    with pytest.raises(ValueError, match="frozen"):
        setattr(a, name, "8")


# -- validation ---------------------------------------------------------------------

INVALID: list[tuple[str, Callable[[], Citation], str]] = [
    ("statute without act", lambda: Citation(kind="statute", section="7"), "a statute citation needs an act"),
    (
        "section with words",
        lambda: S(Act.UWG, "7 Abs. 2"),
        "a statute citation needs a section or article such as '7' or '7a'",
    ),
    (
        "section zero",
        lambda: S(Act.UWG, 0),
        "a statute citation needs a section or article such as '7' or '7a'",
    ),
    ("no section", lambda: S(Act.UWG), "a statute citation needs a section or article such as '7' or '7a'"),
    (
        "letter without number in a German act",
        lambda: S(Act.UWG, 7, 2, letter="a"),
        "a letter (lit.) in a German act needs a number",
    ),
    (
        "two-letter lit.",
        lambda: S(Act.DSGVO, 6, 1, letter="ff"),
        "a letter (lit.) must be one lower-case letter",
    ),
    (
        "upper-case lit.",
        lambda: S(Act.DSGVO, 6, 1, letter="F"),
        "a letter (lit.) must be one lower-case letter",
    ),
    ("recital on a German act", lambda: S(Act.UWG, recital=3), "only EU regulations have recitals, not UWG"),
    (
        "recital naming an article",
        lambda: S(Act.DSGVO, 6, recital=47),
        "a recital citation cannot name an article",
    ),
    ("GDPR marked former", lambda: S(Act.DSGVO, 6, 1, former=True), "the GDPR has no former version"),
    (
        "statute with a court",
        lambda: Citation(kind="statute", act=Act.UWG, section="7", court=Court.BGH),
        "a statute citation cannot carry court, docket or date",
    ),
    (
        "decision without docket",
        lambda: Citation(kind="decision", court=Court.BGH, decided_on=date(2011, 2, 10)),
        "a decision citation needs court, date and docket",
    ),
    (
        "docket without spaces",
        lambda: D(Court.BGH, "10.02.2011", "IZR164/09"),
        "the docket does not look like a German or CJEU docket",
    ),
    (
        "docket with a four-digit year",
        lambda: D(Court.BGH, "10.02.2011", "I ZR 164/2009"),
        "the docket does not look like a German or CJEU docket",
    ),
    (
        "CJEU docket without C-",
        lambda: D(Court.EUGH, "01.10.2019", "673/17"),
        "the docket does not look like a German or CJEU docket",
    ),
    (
        "decision naming a provision",
        lambda: Citation(
            kind="decision", court=Court.BGH, decided_on=date(2011, 2, 10), docket="I ZR 164/09", act=Act.UWG
        ),
        "a decision citation cannot name a provision",
    ),
    (
        "OLG without seat",
        lambda: D(Court.OLG, "03.05.2023", "18 U 154/22"),
        "an OLG decision needs the court's seat",
    ),
    (
        "LG without seat",
        lambda: D(Court.LG, "30.09.2011", "4 S 44/11"),
        "an LG decision needs the court's seat",
    ),
    (
        "AG without seat",
        lambda: D(Court.AG, "30.09.2011", "4 C 44/11"),
        "an AG decision needs the court's seat",
    ),
    (
        "self-regulation without name",
        lambda: Citation(kind="self_regulation"),
        "a self-regulation citation needs a name",
    ),
]


@pytest.mark.parametrize(("make", "reason"), [(m, r) for _, m, r in INVALID], ids=[n for n, _, _ in INVALID])
def test_an_invalid_citation_is_rejected_with_its_reason(make: Callable[[], Citation], reason: str) -> None:
    with pytest.raises(ValueError) as info:  # noqa: PT011 - the reason is checked below
        make()
    assert reason in str(info.value)


def test_an_invalid_citation_raises_a_rulebook_error_that_reads_as_one_sentence() -> None:
    # Citations are validated when a rulebook is imported; a bad one is a RulebookError
    # (its docstring: "bad citation, gap or overlap"), not pydantic's multi-line dump.
    wrong: list[str] = []
    for name, make, reason in INVALID:
        try:
            make()
        except RulebookError as err:
            text = str(err)
            if "\n" in text or "input_value" in text or not text.lower().endswith(f"{reason.lower()}."):
                wrong.append(f"{name}: {text!r}")
        except Exception as err:  # any other error is the finding
            wrong.append(f"{name}: {type(err).__name__}")
        else:
            wrong.append(f"{name}: accepted")
    assert wrong == []


def test_a_decision_date_not_in_german_form_is_a_dialoglaw_error() -> None:
    for decided_on in ("2011-02-10", "31.02.2011"):
        with pytest.raises(DialoglawError):
            D(Court.BGH, decided_on, "I ZR 164/09")


@pytest.mark.parametrize(
    "docket", ["I ZR 164/09", "VIII ZR 348/06", "6 U 6/19", "4 HK O 655/21", "C-673/17", "9 W 23/13"]
)
def test_real_dockets_are_accepted(docket: str) -> None:
    court = Court.EUGH if docket.startswith("C-") else Court.BGH
    assert D(court, "01.01.2020", docket).docket == docket


def test_a_letter_without_number_is_fine_in_the_gdpr() -> None:
    assert S(Act.DSGVO, 6, 1, letter="a").de == "Art. 6 Abs. 1 lit. a DSGVO"


# -- the German rulebook ------------------------------------------------------------


def rulebook_citations() -> list[Citation]:
    book = dialoglaw.rulebook_for("DE")
    found: dict[Citation, None] = {}
    for rule in book.rules:
        for version in rule.versions:
            found[version.citation] = None
            found.update(dict.fromkeys(version.authorities))
    for question in book.questions.values():
        found[question.citation] = None
        found.update(dict.fromkeys(question.authorities))
    return list(found)


CITED = rulebook_citations()


def test_the_german_rulebook_cites_statutes_and_decisions() -> None:
    kinds = {c.kind for c in CITED}
    assert {"statute", "decision"} <= kinds
    acts = {c.act for c in CITED if c.kind == "statute"}
    assert {Act.UWG, Act.DSGVO} <= acts


@pytest.mark.parametrize("citation", CITED, ids=[c.de for c in CITED])
def test_every_citation_of_the_german_rulebook_renders_in_both_languages(citation: Citation) -> None:
    german, english = citation.render("de"), citation.render("en")
    for text in (german, english):
        assert text
        assert text == text.strip()
        assert "None" not in text
        assert "  " not in text
    if citation.kind == "statute":
        assert german.startswith(("§ ", "Art. ", "ErwG "))
        assert english.startswith(("Section ", "Art. ", "Recital "))
        assert german != english
        assert "DSGVO" not in english
        assert "Abs." not in english
        assert "Nr." not in english
        assert "Satz" not in english
    elif citation.kind == "decision":
        assert german == english
        assert citation.court is not None
        assert german.startswith(str(citation.court))


def test_every_citation_of_the_german_rulebook_is_rebuilt_equal_from_its_data() -> None:
    for citation in CITED:
        assert Citation.model_validate(citation.model_dump()) == citation
