"""Structured legal citations.

A :class:`Citation` is data, validated when it is built, and rendered in German
("§ 7 Abs. 2 Nr. 1 UWG", "Art. 21 Abs. 3 DSGVO", "BGH, 10.02.2011, I ZR 164/09") or
English ("Section 7(2) no. 1 UWG", "Art. 21(3) GDPR"). Free-text citations do not exist.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)

from dialoglaw.errors import RulebookError

__all__ = ["Act", "Citation", "Court", "Lang"]

Lang = Literal["de", "en"]


class Act(StrEnum):
    """Statutes the rules cite. Values are the German abbreviations."""

    UWG = "UWG"
    DSGVO = "DSGVO"
    BDSG = "BDSG"
    BGB = "BGB"
    OWIG = "OWiG"


class Court(StrEnum):
    """Courts whose decisions are cited."""

    EUGH = "EuGH"
    BGH = "BGH"
    OLG = "OLG"
    KG = "KG"
    LG = "LG"
    AG = "AG"


# Acts organised in articles rather than sections, and their English names.
_ARTICLE_ACTS = frozenset({Act.DSGVO})
_ENGLISH_ACT = {Act.DSGVO: "GDPR"}
_SECTION = re.compile(r"^[1-9][0-9]{0,3}[a-z]?$")
_LETTER = re.compile(r"^[a-z]$")
# "I ZR 164/09", "VIII ZR 348/06", "6 U 6/19", "4 HK O 655/21", "C-673/17", "9 W 23/13".
_GERMAN_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
_DOCKET = re.compile(r"^(C-\d{1,4}/\d{2}|[IVX0-9]{1,5}( [A-Za-z]{1,3}){1,2} \d{1,5}/\d{2})$")


class Citation(BaseModel):
    """A statute provision, a court decision or a self-regulation instrument.

    Build them with the class methods :meth:`statute`, :meth:`decision` and
    :meth:`self_regulation`; the constructor validates that the parts fit the kind.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["statute", "decision", "self_regulation"]
    act: Act | None = None
    section: str | None = Field(default=None, description="§ or Art. number, e.g. '7', '7a', '21'.")
    paragraph: int | None = Field(default=None, ge=1, description="Absatz (paragraph).")
    sentence: int | None = Field(default=None, ge=1, description="Satz (sentence).")
    number: int | None = Field(default=None, ge=1, description="Nummer (number/point).")
    letter: str | None = Field(default=None, description="Buchstabe (lit.).")
    recital: int | None = Field(default=None, ge=1, description="Erwägungsgrund (recital).")
    former: bool = Field(default=False, description="A former version (a.F.) of the act.")
    court: Court | None = None
    seat: str | None = Field(default=None, description="Seat of a lower court, e.g. 'Hamm'.")
    decided_on: date | None = None
    docket: str | None = None
    name: str | None = Field(default=None, description="Popular name of a decision or title.")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise RulebookError(_citation_error(exc)) from None

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="wrap")
    @classmethod
    def _check_parts(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # A citation is frozen and was checked when it was built: one nested in another
        # model (a finding, a retention record) is taken as it is, not checked again.
        if type(data) is cls:
            return data
        citation = handler(data)
        if citation.kind == "statute":
            citation._check_statute()
        elif citation.kind == "decision":
            citation._check_decision()
        elif not citation.name:
            raise ValueError("a self-regulation citation needs a name")
        return citation

    def _check_statute(self) -> None:
        if self.act is None:
            raise ValueError("a statute citation needs an act")
        if self.court or self.docket or self.decided_on or self.seat:
            raise ValueError("a statute citation cannot carry court, docket or date")
        if self.recital is not None:
            if self.act not in _ARTICLE_ACTS:
                raise ValueError(f"only EU regulations have recitals, not {self.act}")
            if any(x is not None for x in (self.section, self.paragraph, self.number, self.letter)):
                raise ValueError("a recital citation cannot name an article")
            return
        if self.section is None or not _SECTION.match(self.section):
            raise ValueError("a statute citation needs a section or article such as '7' or '7a'")
        if self.letter is not None and not _LETTER.match(self.letter):
            raise ValueError("a letter (lit.) must be one lower-case letter")
        if self.letter is not None and self.number is None and self.act not in _ARTICLE_ACTS:
            raise ValueError("a letter (lit.) in a German act needs a number")
        if self.former and self.act is Act.DSGVO:
            raise ValueError("the GDPR has no former version")

    def _check_decision(self) -> None:
        if self.court is None or self.decided_on is None or self.docket is None:
            raise ValueError("a decision citation needs court, date and docket")
        if not _DOCKET.match(self.docket):
            raise ValueError("the docket does not look like a German or CJEU docket")
        if self.court in (Court.OLG, Court.LG, Court.AG) and not self.seat:
            raise ValueError(f"an {self.court} decision needs the court's seat")
        if self.act is not None or self.section is not None:
            raise ValueError("a decision citation cannot name a provision")

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def statute(
        cls,
        act: Act,
        section: str | int | None = None,
        paragraph: int | None = None,
        *,
        number: int | None = None,
        letter: str | None = None,
        sentence: int | None = None,
        recital: int | None = None,
        former: bool = False,
    ) -> Citation:
        return cls(
            kind="statute",
            act=act,
            section=None if section is None else str(section),
            paragraph=paragraph,
            number=number,
            letter=letter,
            sentence=sentence,
            recital=recital,
            former=former,
        )

    @classmethod
    def decision(
        cls,
        court: Court,
        decided_on: str,
        docket: str,
        *,
        seat: str | None = None,
        name: str | None = None,
    ) -> Citation:
        """A court decision; ``decided_on`` in German form ``TT.MM.JJJJ``."""
        if not _GERMAN_DATE.match(decided_on):
            msg = f"Invalid citation: the decision date must be written TT.MM.JJJJ, not {decided_on!r}."
            raise RulebookError(msg)
        day, month, year = (int(x) for x in decided_on.split("."))
        try:
            decided = date(year, month, day)
        except ValueError:
            msg = f"Invalid citation: {decided_on!r} is not a calendar date."
            raise RulebookError(msg) from None
        return cls(
            kind="decision",
            court=court,
            seat=seat,
            decided_on=decided,
            docket=docket,
            name=name,
        )

    @classmethod
    def self_regulation(cls, name: str) -> Citation:
        return cls(kind="self_regulation", name=name)

    # -- rendering --------------------------------------------------------------------

    def render(self, lang: Lang = "de") -> str:
        """The citation as a lawyer writes it, in German (``de``) or English (``en``)."""
        # A citation is frozen, so its text never changes: every decision file cites the
        # same few provisions, rendered once. Entries hold their citation, so an id in the
        # cache always belongs to the live object stored with it.
        key = (id(self), lang)
        hit = _RENDERED.get(key)
        if hit is not None and hit[0] is self:
            return hit[1]
        text = self._render(lang)
        if len(_RENDERED) >= _RENDERED_LIMIT:
            _RENDERED.clear()
        _RENDERED[key] = (self, text)
        return text

    def _render(self, lang: Lang) -> str:
        if self.kind == "decision":
            court = f"{self.court} {self.seat}" if self.seat else str(self.court)
            assert self.decided_on is not None  # noqa: S101 - guaranteed by validation
            return f"{court}, {self.decided_on:%d.%m.%Y}, {self.docket}"
        if self.kind == "self_regulation":
            return str(self.name)
        return self._render_de() if lang == "de" else self._render_en()

    def _render_de(self) -> str:
        assert self.act is not None  # noqa: S101
        if self.recital is not None:
            return f"ErwG {self.recital} {self.act}"
        head = "Art." if self.act in _ARTICLE_ACTS else "§"
        parts = [f"{head} {self.section}"]
        if self.paragraph is not None:
            parts.append(f"Abs. {self.paragraph}")
        if self.sentence is not None:
            parts.append(f"Satz {self.sentence}")
        if self.number is not None:
            parts.append(f"Nr. {self.number}")
        if self.letter is not None:
            parts.append(f"lit. {self.letter}")
        parts.append(str(self.act))
        if self.former:
            parts.append("a.F.")
        return " ".join(parts)

    def _render_en(self) -> str:
        assert self.act is not None  # noqa: S101
        act = _ENGLISH_ACT.get(self.act, str(self.act))
        if self.recital is not None:
            return f"Recital {self.recital} {act}"
        if self.act in _ARTICLE_ACTS:
            text = f"Art. {self.section}"
            if self.paragraph is not None:
                text += f"({self.paragraph})"
            if self.number is not None:
                text += f"({self.number})"
            if self.letter is not None:
                text += f"({self.letter})"
            if self.sentence is not None:
                text += f" sentence {self.sentence}"
            return f"{text} {act}"
        text = f"Section {self.section}"
        if self.paragraph is not None:
            text += f"({self.paragraph})"
        if self.sentence is not None:
            text += f" sentence {self.sentence}"
        if self.number is not None:
            text += f" no. {self.number}"
        if self.letter is not None:
            text += f"({self.letter})"
        text += f" {act}"
        if self.former:
            text += " (former version)"
        return text

    @property
    def de(self) -> str:
        return self.render("de")

    @property
    def en(self) -> str:
        return self.render("en")

    def __str__(self) -> str:
        return self.render("de")


_RENDERED: dict[tuple[int, str], tuple[Citation, str]] = {}
_RENDERED_LIMIT = 4096


def _citation_error(exc: ValidationError) -> str:
    reasons = []
    for err in exc.errors(include_url=False):
        text = str(err.get("ctx", {}).get("error", err["msg"])).removeprefix("Value error, ")
        field = ".".join(str(x) for x in err["loc"])
        reasons.append(f"{field}: {text}" if field else text)
    return f"Invalid citation: {'; '.join(reasons)}."
