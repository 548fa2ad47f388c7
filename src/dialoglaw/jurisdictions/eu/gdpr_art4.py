"""Art. 4 Nr. 11 DSGVO — Begriffsbestimmung „Einwilligung“.

Consent is a "freely given, specific, informed and unambiguous indication of the data
subject's wishes by … a statement or by a clear affirmative action". Since 25 May 2018 the
UWG reads "Einwilligung" by this definition (Art. 2 lit. f ePrivacy-RL, Art. 94 Abs. 2
DSGVO; BGH I ZR 7/16). Before, the same points followed from the case law on § 7 UWG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dialoglaw.channels import CONSENT_CHANNELS, Channel, ConsentMethod
from dialoglaw.citations import Citation
from dialoglaw.facts import Consent
from dialoglaw.jurisdictions.common import casefolded
from dialoglaw.jurisdictions.eu import GDPR_APPLIES
from dialoglaw.jurisdictions.eu.citations import PLANET49, art, recital
from dialoglaw.rules import Case, Kind, Rule, RuleVersion, Unsettled
from dialoglaw.validity import Validity

__all__ = ["invalid_method_rule", "not_by_subject_rule", "specific_sender_rule"]

ART_4_11 = art(4, number=11)


def _gdpr_version(*authorities: Citation, question: str | None = None) -> RuleVersion:
    return RuleVersion(Validity(GDPR_APPLIES), ART_4_11, authorities=authorities, question=question)


# Silence, pre-ticked boxes and inactivity are no consent (ErwG 32; CJEU C-673/17
# Planet49). An opt-out box ("tick if you do not want …") is no active declaration for
# e-mail and SMS (BGH VIII ZR 348/06 Payback, already under the UWG 2004).
_INVALID = frozenset({ConsentMethod.PRE_TICKED_BOX, ConsentMethod.OPT_OUT_CHECKBOX})


def _invalid_method(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | None:
    if consent.method in _INVALID:
        return {"consent_id": consent.id, "method": consent.method.value}
    return None


def invalid_method_rule(before: Sequence[RuleVersion], payback: Citation) -> Rule:
    return Rule(
        id="eu.gdpr.4.11.active_declaration",
        title="Consent needs an active declaration: no pre-ticked or opt-out boxes",
        kind=Kind.CONSENT_CONDITION,
        code="consent_invalid_method",
        channels=CONSENT_CHANNELS,
        versions=(*before, _gdpr_version(recital(32), PLANET49, payback)),
        consent_test=_invalid_method,
    )


def _not_by_subject(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | None:
    # The consent of a spouse or another member of the household is not the consent of
    # the person addressed (OLG Frankfurt 14 U 64/11).
    return None if consent.given_by_subject else {"consent_id": consent.id}


def not_by_subject_rule(before: Sequence[RuleVersion], authority: Citation) -> Rule:
    return Rule(
        id="eu.gdpr.4.11.data_subject",
        title="Consent must be given by the person addressed",
        kind=Kind.CONSENT_CONDITION,
        code="consent_not_by_subject",
        channels=CONSENT_CHANNELS,
        versions=(*before, _gdpr_version(authority)),
        consent_test=_not_by_subject,
    )


def _named(consent: Consent, sender: str) -> bool:
    return sender.casefold() in casefolded(consent.senders)


def _specific_sender(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | Unsettled | None:
    # Consent must be given "für den konkreten Fall": the person must know which
    # companies may advertise (BGH I ZR 169/10; BGH I ZR 7/16).
    if _named(consent, case.message.sender):
        if (
            consent.method is ConsentMethod.PARTNER_LIST
            and len(consent.senders) > case.policy.partner_list_max_senders
        ):
            # OLG Frankfurt 6 U 6/19 accepted 8 named companies; BGH I ZR 7/16 rejected a
            # list of 57 with laborious deselection. Between the two, the law is open.
            return Unsettled(
                "de.consent.partner_list_size",
                {"consent_id": consent.id, "senders": len(consent.senders)},
            )
        return None
    return {"consent_id": consent.id}


def specific_sender_rule(before: Sequence[RuleVersion], *authorities: Citation) -> tuple[Rule, Rule]:
    """Two rules: a consent naming other advertisers, and a partner list that does not
    name the sender (not specific)."""

    def other_sender(case: Case, channel: Channel, version: RuleVersion, consent: Consent) -> Any:
        if consent.method is ConsentMethod.PARTNER_LIST:
            return None
        return _specific_sender(case, channel, version, consent)

    def partner_list(case: Case, channel: Channel, version: RuleVersion, consent: Consent) -> Any:
        if consent.method is not ConsentMethod.PARTNER_LIST:
            return None
        return _specific_sender(case, channel, version, consent)

    versions = (*before, _gdpr_version(*authorities))
    return (
        Rule(
            id="eu.gdpr.4.11.specific_sender",
            title="Consent must name the advertiser",
            kind=Kind.CONSENT_CONDITION,
            code="consent_other_sender",
            channels=CONSENT_CHANNELS,
            versions=versions,
            consent_test=other_sender,
        ),
        Rule(
            id="eu.gdpr.4.11.partner_list",
            title="A partner-list consent must name the advertiser specifically",
            kind=Kind.CONSENT_CONDITION,
            code="consent_not_specific",
            channels=CONSENT_CHANNELS,
            versions=versions,
            consent_test=partner_list,
        ),
    )
