"""§ 28 BDSG a.F. — Datenerhebung und -speicherung für eigene Geschäftszwecke (until
24.05.2018).

Abs. 4: a person who objects to the use of his data for advertising must no longer be
addressed for it, and must be told of the right to object when addressed. These are the
pre-GDPR versions of the Art. 21 DSGVO rules. The consent conditions the GDPR later
wrote down followed before 25.05.2018 from § 7 Abs. 2 UWG and its case law; their early
versions cite that provision with the decisions as authorities.
"""

from __future__ import annotations

from dialoglaw.citations import Citation
from dialoglaw.jurisdictions.de.citations import bdsg_old, uwg
from dialoglaw.jurisdictions.de.dates import BDSG_OLD_ENDS, UWG_2004
from dialoglaw.rules import RuleVersion
from dialoglaw.validity import Validity

__all__ = [
    "BEFORE_GDPR",
    "inform_versions",
    "objection_versions",
    "uwg_versions",
    "uwg_versions_with_question",
]

BEFORE_GDPR = Validity(UWG_2004, BDSG_OLD_ENDS)


def objection_versions() -> tuple[RuleVersion, ...]:
    return (RuleVersion(BEFORE_GDPR, bdsg_old(28, 4), authorities=(uwg(7, 1),)),)


def inform_versions() -> tuple[RuleVersion, ...]:
    return (RuleVersion(BEFORE_GDPR, bdsg_old(28, 4, sentence=2)),)


def uwg_versions(*authorities: Citation) -> tuple[RuleVersion, ...]:
    """A consent condition before the GDPR: § 7 Abs. 2 UWG read with the case law."""
    return (RuleVersion(BEFORE_GDPR, uwg(7, 2), authorities=authorities),)


def uwg_versions_with_question(question: str) -> tuple[RuleVersion, ...]:
    """As :func:`uwg_versions`, for a point the law before the GDPR left open."""
    return (RuleVersion(BEFORE_GDPR, uwg(7, 2), question=question),)
