"""Art. 8 DSGVO — Bedingungen für die Einwilligung eines Kindes in Bezug auf Dienste der
Informationsgesellschaft.

For consent given online (an information society service) the child must be at least
16, or a holder of parental responsibility must authorise it (Abs. 1). Germany did not
lower the age (BDSG 2018 has no such rule). Outside online services — a signed form, a
recorded call — the German test of "Einsichtsfähigkeit" applies: lacking below 14,
unsettled for 14- and 15-year-olds; the same held for every minor's consent before the
GDPR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dialoglaw.channels import CONSENT_CHANNELS, Channel
from dialoglaw.facts import Consent
from dialoglaw.jurisdictions.common import age_at_grant, online_method
from dialoglaw.jurisdictions.eu import GDPR_APPLIES
from dialoglaw.jurisdictions.eu.citations import art
from dialoglaw.rules import Case, Kind, Rule, RuleVersion, Unsettled
from dialoglaw.validity import Validity

__all__ = ["AGE_OF_DIGITAL_CONSENT", "minor_rule"]

AGE_OF_DIGITAL_CONSENT = 16
AGE_OF_INSIGHT = 14
"""Below 14 the insight needed to consent to advertising is lacking (NOTES § 2: only
14–15-year-olds are uncertain); below 7 a declaration is void anyway (§ 104 Nr. 1 BGB)."""
MINOR_QUESTION = "de.consent.minor"


def _minor(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | Unsettled | None:
    age = age_at_grant(consent, case.contact)
    if age is None or age >= AGE_OF_DIGITAL_CONSENT:
        return None
    authorised = (
        consent.parental_authorisation_at is not None and consent.parental_authorisation_at <= case.at
    )
    if authorised:
        return None
    if age < AGE_OF_INSIGHT or (version.question is None and online_method(consent.method)):
        return {"consent_id": consent.id, "age": age}
    return Unsettled(MINOR_QUESTION, {"consent_id": consent.id, "age": age})


def minor_rule(before: Sequence[RuleVersion]) -> Rule:
    return Rule(
        id="eu.gdpr.8.1.child",
        title="A child under 16 cannot consent online without parental authorisation",
        kind=Kind.CONSENT_CONDITION,
        code="consent_by_minor",
        channels=CONSENT_CHANNELS,
        versions=(*before, RuleVersion(Validity(GDPR_APPLIES), art(8, 1))),
        consent_test=_minor,
    )
