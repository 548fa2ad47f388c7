"""Art. 7 DSGVO — Bedingungen für die Einwilligung.

Abs. 1: the controller must be able to prove consent (burden of proof; BGH I ZR 164/09:
a double opt-in e-mail proves no consent to calls). Abs. 2: a consent buried in a
declaration on other matters is not binding. Abs. 3: consent can be withdrawn at any
time, for the future only. Abs. 4: tying a contract to unnecessary consent weighs
against "freely given", but is no per-se ban (OLG Frankfurt 6 U 6/19) — unsettled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dialoglaw.channels import CONSENT_CHANNELS, Channel, ConsentMethod
from dialoglaw.citations import Citation
from dialoglaw.decision import Finding
from dialoglaw.facts import Consent
from dialoglaw.jurisdictions.common import withdrawals_in_force
from dialoglaw.jurisdictions.eu import GDPR_APPLIES
from dialoglaw.jurisdictions.eu.citations import art
from dialoglaw.rules import Case, Kind, Rule, RuleVersion, Unsettled
from dialoglaw.validity import Validity, german_date

__all__ = [
    "proof_obligation_rule",
    "terms_rule",
    "tied_rule",
    "unconfirmed_rule",
    "withdrawn_rule",
]

ART_7_1 = art(7, 1)


def _withdrawn(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | None:
    # A withdrawal acts for the future only: a send before it stays lawful (Abs. 3 Satz 2).
    if consent.withdrawn_at is not None and consent.withdrawn_at <= case.at:
        return {
            "consent_id": consent.id,
            "withdrawn_on": german_date(consent.withdrawn_at).isoformat(),
        }
    # Read by its objective meaning, withdrawing consent to this channel for this sender
    # says "no more" — it also ends older consents to the same (§§ 133, 157 BGB; § 7
    # Abs. 1 Satz 2 UWG). A consent granted after the withdrawal is a new declaration.
    for other in withdrawals_in_force(case, channel):
        assert other.withdrawn_at is not None  # noqa: S101 - selected for it
        if other is not consent and other.withdrawn_at >= consent.granted_at:
            return {
                "consent_id": consent.id,
                "withdrawn_on": german_date(other.withdrawn_at).isoformat(),
                "superseded_by": other.id,
            }
    return None


def withdrawn_rule(before: Sequence[RuleVersion]) -> Rule:
    return Rule(
        id="eu.gdpr.7.3.withdrawal",
        title="A withdrawn consent no longer permits advertising",
        kind=Kind.CONSENT_CONDITION,
        code="consent_withdrawn",
        channels=CONSENT_CHANNELS,
        versions=(*before, RuleVersion(Validity(GDPR_APPLIES), art(7, 3))),
        consent_test=_withdrawn,
    )


def _terms(case: Case, channel: Channel, version: RuleVersion, consent: Consent) -> Mapping[str, Any] | None:
    if consent.method is ConsentMethod.TERMS_AND_CONDITIONS:
        return {"consent_id": consent.id, "method": consent.method.value}
    return None


def terms_rule(before: Sequence[RuleVersion], *authorities: Citation) -> Rule:
    return Rule(
        id="eu.gdpr.7.2.distinguishable",
        title="A consent buried in terms and conditions is not binding",
        kind=Kind.CONSENT_CONDITION,
        code="consent_invalid_method",
        channels=CONSENT_CHANNELS,
        versions=(*before, RuleVersion(Validity(GDPR_APPLIES), art(7, 2), authorities=authorities)),
        consent_test=_terms,
    )


# Signed and recorded declarations carry their own proof; everything else proves consent
# for a channel only once confirmed through that channel (double opt-in).
_SELF_PROVING = frozenset({ConsentMethod.WRITTEN_SIGNED, ConsentMethod.VERBAL_RECORDED})


def _unconfirmed(
    case: Case, channel: Channel, version: RuleVersion, consent: Consent
) -> Mapping[str, Any] | None:
    if channel not in case.policy.require_confirmed_opt_in or consent.method in _SELF_PROVING:
        return None
    if consent.confirmed_at is None or consent.confirmed_at > case.at:
        return {"consent_id": consent.id, "confirmed_through": "nothing"}
    if consent.confirmation_channel is not channel:
        assert consent.confirmation_channel is not None  # noqa: S101 - validated together
        return {"consent_id": consent.id, "confirmed_through": consent.confirmation_channel.value}
    return None


def unconfirmed_rule(before: Sequence[RuleVersion], *authorities: Citation) -> Rule:
    return Rule(
        id="eu.gdpr.7.1.proof",
        title="Consent must be provable for the channel used (confirmed opt-in)",
        kind=Kind.CONSENT_CONDITION,
        code="consent_unconfirmed",
        channels=CONSENT_CHANNELS,
        versions=(*before, RuleVersion(Validity(GDPR_APPLIES), ART_7_1, authorities=authorities)),
        consent_test=_unconfirmed,
    )


def _tied(case: Case, channel: Channel, version: RuleVersion, consent: Consent) -> Unsettled | None:
    if consent.tied_to is None:
        return None
    return Unsettled("gdpr.7.4.tied_consent", {"consent_id": consent.id})


def tied_rule(*authorities: Citation) -> Rule:
    return Rule(
        id="eu.gdpr.7.4.tying",
        title="Consent tied to a contract or service (Kopplungsverbot)",
        kind=Kind.CONSENT_CONDITION,
        code="unsettled_law",
        channels=CONSENT_CHANNELS,
        versions=(RuleVersion(Validity(GDPR_APPLIES), art(7, 4), authorities=authorities),),
        consent_test=_tied,
    )


def proof_obligation_rule(
    statutory_elsewhere: Callable[[Case, Channel], bool], *authorities: Citation
) -> Rule:
    """Keep the proof of a consent relied on (Art. 7 Abs. 1, Art. 5 Abs. 2 DSGVO). No
    period is set by law; where a national statute sets one (§ 7a UWG), that rule speaks."""

    def test(case: Case, channel: Channel, version: RuleVersion, ground: Finding) -> Any:
        if ground.code != "express_consent" or statutory_elsewhere(case, channel):
            return None
        return {"consent_id": ground.ctx["consent_id"], "retain_until": None, "statutory": False}

    return Rule(
        id="eu.gdpr.7.1.keep_proof",
        title="Keep the proof of every consent relied on",
        kind=Kind.OBLIGATION,
        code="retain_consent_proof",
        channels=CONSENT_CHANNELS,
        versions=(RuleVersion(Validity(GDPR_APPLIES), ART_7_1, authorities=authorities),),
        obligation_test=test,
    )
