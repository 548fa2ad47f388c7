"""Citations of the GDPR and of the CJEU used by the EU rule modules."""

from __future__ import annotations

from dialoglaw.citations import Act, Citation, Court

__all__ = ["art", "cjeu", "recital"]


def art(
    article: int,
    paragraph: int | None = None,
    *,
    number: int | None = None,
    letter: str | None = None,
    sentence: int | None = None,
) -> Citation:
    """``Art. <article> Abs. <paragraph> … DSGVO``."""
    return Citation.statute(Act.DSGVO, article, paragraph, number=number, letter=letter, sentence=sentence)


def recital(number: int) -> Citation:
    return Citation.statute(Act.DSGVO, recital=number)


def cjeu(decided_on: str, docket: str, name: str | None = None) -> Citation:
    return Citation.decision(Court.EUGH, decided_on, docket, name=name)


PLANET49 = cjeu("01.10.2019", "C-673/17", "Planet49")
