"""Aufbewahrung — how long German law and practice keep consent proof and suppressions.

Statute: § 7a Abs. 2 UWG (since 01.10.2021) for a consumer's consent to telephone
advertising — five years from the grant and after every use, the later date counting;
a withdrawal ends nothing for past uses. Whether § 7a reaches a consent granted before
01.10.2021 and not used since, and consents to automated calls, is open.

Everything else has no statutory period: keep the proof while the consent is relied on
(Art. 7 Abs. 1, Art. 5 Abs. 2 DSGVO; the burden of proof, BGH I ZR 164/09), then for the
limitation period of claims that could still be brought (§§ 195, 199 Abs. 1 BGB: three
years from the end of the year; § 11 UWG: six months; § 31 Abs. 2 Nr. 1 OWiG: three
years; Art. 17 Abs. 3 lit. e DSGVO) — practice, set by the policy.
"""

from __future__ import annotations

from datetime import date

from dialoglaw.channels import Audience, Channel
from dialoglaw.citations import Act, Citation
from dialoglaw.facts import Consent, Contact
from dialoglaw.jurisdictions.de.citations import BGH_DOI, bgb, uwg
from dialoglaw.jurisdictions.de.dates import FAIR_CONTRACTS_2021
from dialoglaw.jurisdictions.de.uwg_7a import AUTOMATED_QUESTION, end_of_period, last_trigger
from dialoglaw.jurisdictions.eu.citations import art
from dialoglaw.policy import Policy
from dialoglaw.retention import Retention
from dialoglaw.validity import german_date

__all__ = ["OLD_CONSENT_QUESTION", "GermanRetention"]

OLD_CONSENT_QUESTION = "de.uwg.7a.old_consent"
_OWIG_31 = Citation.statute(Act.OWIG, 31, 2, number=1)
_PRACTICE_AUTHORITIES = (bgb(195), bgb(199, 1), uwg(11, 1), _OWIG_31, art(17, 3, letter="e"))
# Built once: citations are validated values.
_7A_2 = uwg("7a", 2)
_7A_AUTHORITIES = (uwg("7a", 1), bgb(187, 1), bgb(188, 2), bgb(188, 3), BGH_DOI)
_ART_7_1 = art(7, 1)
_ACCOUNTABILITY = (art(5, 2), BGH_DOI)
_BGB_199_1 = bgb(199, 1)
_ART_21_3 = art(21, 3)
_ART_7_3 = art(7, 3)
_SUPPRESSION_OBJECTION = (art(17, 3, letter="b"), art(6, 1, letter="c"))
_SUPPRESSION_WITHDRAWAL = (art(17, 3, letter="b"),)


class GermanRetention:
    """Retention rules of the German rulebook (implements ``RetentionRules``)."""

    def proof(self, consent: Consent, contact: Contact, policy: Policy) -> Retention:
        audience = policy.unknown_audience if contact.audience is Audience.UNKNOWN else contact.audience
        if audience is Audience.CONSUMER and Channel.PHONE in consent.channels:
            return self._section_7a(consent, question=None)
        if audience is Audience.CONSUMER and Channel.AUTOMATED_CALL in consent.channels:
            return self._section_7a(consent, question=AUTOMATED_QUESTION)
        return self._practice(consent, policy)

    def _section_7a(self, consent: Consent, question: str | None) -> Retention:
        last = last_trigger(consent)  # read once: the date and the "old consent" test
        until = end_of_period(last)  # retain_until(consent)
        if question is None and last < FAIR_CONTRACTS_2021:
            # Granted and last used before § 7a entered into force: open whether the
            # duty reaches it (BNetzA "Alteinwilligungen" guidance not verified).
            question = OLD_CONSENT_QUESTION
        statutory = question is None
        explanation = (
            f"§ 7a UWG: keep the proof of this consumer phone consent five years from the grant "
            f"and after every use; the latest trigger is {last.isoformat()}, so keep it until "
            f"{until.isoformat()} (§§ 187, 188 BGB)."
        )
        if question is not None:
            explanation += (
                f" Whether § 7a applies here is unsettled ({question}); the date is the cautious one."
            )
        return Retention(
            record="consent_proof",
            record_id=consent.id,
            statutory=statutory,
            basis="statute",
            retain_until=until,
            citation=_7A_2,
            authorities=_7A_AUTHORITIES,
            explanation=explanation,
            question=question,
        )

    def _practice(self, consent: Consent, policy: Policy) -> Retention:
        if consent.withdrawn_at is None:
            return Retention(
                record="consent_proof",
                record_id=consent.id,
                statutory=False,
                basis="accountability",
                retain_until=None,
                citation=_ART_7_1,
                authorities=_ACCOUNTABILITY,
                explanation=(
                    "No statute sets a period: keep the proof as long as the consent is relied on "
                    "(Art. 7(1) GDPR), then for the practice horizon after the last use or withdrawal."
                ),
            )
        ends = [german_date(t) for t in (consent.withdrawn_at, *consent.used_at)]
        year = max(ends).year + policy.practice_retention_years
        until = date(year, 12, 31)
        return Retention(
            record="consent_proof",
            record_id=consent.id,
            statutory=False,
            basis="practice",
            retain_until=until,
            citation=_BGB_199_1,
            authorities=_PRACTICE_AUTHORITIES,
            explanation=(
                f"Practice, not law: the consent ended on {german_date(consent.withdrawn_at).isoformat()}; "
                f"keep the proof for {policy.practice_retention_years} years from the end of the year of "
                f"the last use or withdrawal (limitation under §§ 195, 199 BGB), until {until.isoformat()}."
            ),
        )

    def suppression(self, contact: Contact) -> tuple[Retention, ...]:
        objections = (
            _suppression(f"objection[{i}]@{german_date(o.at).isoformat()}", _ART_21_3, _SUPPRESSION_OBJECTION)
            for i, o in enumerate(contact.objections)
        )
        withdrawals = (
            _suppression(f"withdrawal:{c.id}", _ART_7_3, _SUPPRESSION_WITHDRAWAL)
            for c in contact.consents
            if c.withdrawn_at is not None
        )
        return (*objections, *withdrawals)


_SUPPRESSION_EXPLANATION = (
    "Keep a minimal suppression record as long as any data of the contact is held, so "
    "that the objection is honoured, e.g. after the address is acquired again."
)


def _suppression(record_id: str, citation: Citation, authorities: tuple[Citation, ...]) -> Retention:
    return Retention(
        record="suppression_record",
        record_id=record_id,
        statutory=False,
        basis="accountability",
        retain_until=None,
        citation=citation,
        authorities=authorities,
        explanation=_SUPPRESSION_EXPLANATION,
    )
