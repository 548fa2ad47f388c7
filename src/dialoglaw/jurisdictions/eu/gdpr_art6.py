"""Art. 6 DSGVO — Rechtmäßigkeit der Verarbeitung.

Consent covers "one or more specific purposes" (Abs. 1 lit. a): a consent limited to some
product categories does not cover others. Direct marketing without consent rests on
legitimate interests (Abs. 1 lit. f; ErwG 47) where the UWG asks for no consent (postal
advertising) or allows an exception (§ 7 Abs. 3 UWG). Transactional messages rest on
Abs. 1 lit. b (contract), never on advertising grounds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dialoglaw.channels import CONSENT_CHANNELS, Channel
from dialoglaw.citations import Citation
from dialoglaw.facts import Consent
from dialoglaw.jurisdictions.eu import GDPR_APPLIES
from dialoglaw.jurisdictions.eu.citations import art, recital
from dialoglaw.rules import Case, Kind, Rule, RuleVersion
from dialoglaw.validity import Validity

__all__ = [
    "ART_6_1_A",
    "ART_6_1_B",
    "ART_6_1_F",
    "RECITAL_47",
    "purpose_rules",
]

ART_6_1_A = art(6, 1, letter="a")
ART_6_1_B = art(6, 1, letter="b")
ART_6_1_F = art(6, 1, letter="f")
RECITAL_47 = recital(47)


def _other_purpose(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | None:
    topic = case.message.topic
    if consent.scope and topic is not None and topic not in consent.scope:
        return {"consent_id": consent.id, "topic": topic}
    # An unrestricted consent covers the named senders' own products only; offers of
    # other companies passed on by the sender are not covered (BGH I ZR 169/10).
    if not consent.scope and case.message.own_products is False:
        return {"consent_id": consent.id, "topic": "products of other companies"}
    return None


def _topic_missing(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | None:
    # A consent limited to some products can only be checked against a known topic;
    # without it the consent does not count (fail closed).
    if consent.scope and case.message.topic is None:
        return {"consent_id": consent.id, "facts": ["message.topic"]}
    if not consent.scope and case.message.own_products is None:
        return {"consent_id": consent.id, "facts": ["message.own_products"]}
    return None


def purpose_rules(before: Sequence[RuleVersion], *authorities: Citation) -> tuple[Rule, Rule]:
    versions = (*before, RuleVersion(Validity(GDPR_APPLIES), ART_6_1_A, authorities=authorities))
    return (
        Rule(
            id="eu.gdpr.6.1.a.purpose",
            title="Consent covers only the products it names",
            kind=Kind.CONSENT_CONDITION,
            code="consent_other_purpose",
            channels=CONSENT_CHANNELS,
            versions=versions,
            consent_test=_other_purpose,
        ),
        Rule(
            id="eu.gdpr.6.1.a.purpose_unknown",
            title="A limited consent needs the advertised topic to be known",
            kind=Kind.CONSENT_CONDITION,
            code="missing_facts",
            channels=CONSENT_CHANNELS,
            versions=versions,
            consent_test=_topic_missing,
        ),
    )
