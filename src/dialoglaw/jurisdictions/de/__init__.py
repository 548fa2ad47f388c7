"""Germany: UWG § 7 and § 7a, GDPR Art. 4, 6, 7, 8, 21 and their pre-GDPR versions.

The coded range starts with the UWG 2004 on 08.07.2004. ``RULEBOOK`` assembles the rules
of every provision module; the registry imports this package on first use.
"""

from __future__ import annotations

from dialoglaw.jurisdictions.de import bdsg_28, consent_lapse, uwg_7, uwg_7a
from dialoglaw.jurisdictions.de.bgb_13 import AUDIENCE_UNKNOWN
from dialoglaw.jurisdictions.de.citations import (
    BGH_DOI,
    BGH_PARTNERS,
    BGH_PAYBACK,
    BGH_SPONSORS,
    OLG_FRANKFURT_HOUSEHOLD,
    OLG_FRANKFURT_TIED,
    uwg,
)
from dialoglaw.jurisdictions.de.dates import COVERAGE_FROM
from dialoglaw.jurisdictions.de.ddv_robinson import ROBINSON
from dialoglaw.jurisdictions.de.questions import QUESTIONS
from dialoglaw.jurisdictions.de.retention import GermanRetention
from dialoglaw.jurisdictions.de.suppression_list import SUPPRESSION_LIST
from dialoglaw.jurisdictions.eu import gdpr_art4, gdpr_art6, gdpr_art7, gdpr_art8, gdpr_art21
from dialoglaw.jurisdictions.eu.citations import PLANET49
from dialoglaw.rules import Rulebook

__all__ = ["RULEBOOK"]

REVISION = "2026-11-23"
"""The day the coded law was last checked against the legal notes."""

_before = bdsg_28.uwg_versions

RULEBOOK = Rulebook(
    jurisdiction="DE",
    name="Germany",
    revision=REVISION,
    coverage_from=COVERAGE_FROM,
    rules=(
        *uwg_7.RULES,
        *uwg_7a.RULES,
        *consent_lapse.RULES,
        AUDIENCE_UNKNOWN,
        ROBINSON,
        gdpr_art4.invalid_method_rule(_before(PLANET49, BGH_PAYBACK), BGH_PAYBACK),
        gdpr_art4.not_by_subject_rule(_before(OLG_FRANKFURT_HOUSEHOLD), OLG_FRANKFURT_HOUSEHOLD),
        *gdpr_art4.specific_sender_rule(_before(BGH_PARTNERS), BGH_PARTNERS, BGH_SPONSORS),
        *gdpr_art6.purpose_rules(_before(BGH_PARTNERS), BGH_PARTNERS),
        gdpr_art7.withdrawn_rule(_before()),
        gdpr_art7.terms_rule(_before(BGH_PAYBACK), BGH_PAYBACK),
        gdpr_art7.unconfirmed_rule(_before(BGH_DOI), BGH_DOI),
        gdpr_art7.tied_rule(OLG_FRANKFURT_TIED),
        gdpr_art7.proof_obligation_rule(uwg_7a.statutory_applies, BGH_DOI),
        gdpr_art8.minor_rule(bdsg_28.uwg_versions_with_question("de.consent.minor")),
        gdpr_art21.objection_rule(bdsg_28.objection_versions(), uwg(7, 1)),
        SUPPRESSION_LIST,
        gdpr_art21.inform_rule(bdsg_28.inform_versions()),
    ),
    questions=QUESTIONS,
    retention=GermanRetention(),
)
