"""§ 7a UWG — Einwilligung in Telefonwerbung (in force since 01.10.2021).

Whoever advertises by telephone to a consumer must document the prior express consent
when it is given and keep the proof five years from the grant and five years after every
use (Abs. 2 Satz 1). Periods are counted under §§ 187 Abs. 1, 188 Abs. 2, 3 BGB: the
period ends with the day of the fifth year that has the trigger's number; a trigger on
29 February ends on 28 February. Whether automated calls to consumers are "Telefonanrufe"
in this sense is open (§ 20 Abs. 1 Nr. 1 names both separately).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta

from dialoglaw.channels import Audience, Channel
from dialoglaw.decision import Finding
from dialoglaw.facts import Consent
from dialoglaw.jurisdictions.de.citations import BGH_DOI, bgb, uwg
from dialoglaw.jurisdictions.de.dates import FAIR_CONTRACTS_2021
from dialoglaw.rules import Case, Kind, Rule, RuleVersion
from dialoglaw.validity import Validity, german_date

__all__ = ["RETENTION_YEARS", "RULES", "end_of_period", "last_trigger", "retain_until", "statutory_applies"]

RETENTION_YEARS = 5
AUTOMATED_QUESTION = "de.uwg.7a.automated_call"


@lru_cache(maxsize=4096)  # a pure function of the day; a campaign's sends share a few days
def end_of_period(trigger: date, years: int = RETENTION_YEARS) -> date:
    """The last day of a period of ``years`` years that starts with an event on
    ``trigger`` (§ 187 Abs. 1 BGB: the event day is not counted; § 188 Abs. 2: the period
    ends with the day of the same number; § 188 Abs. 3: 29 February → 28 February)."""
    return trigger + relativedelta(years=years)


def last_trigger(consent: Consent, uses: Iterable[datetime] = ()) -> date:
    """The German day of the latest trigger of the period: the grant or a use."""
    return max(german_date(t) for t in (consent.granted_at, *consent.used_at, *uses))


def retain_until(consent: Consent, uses: Iterable[datetime] = ()) -> date:
    """The last day to keep the proof: the later of grant + 5 years and each use + 5 years
    (a withdrawal does not end the duty for past uses)."""
    return end_of_period(last_trigger(consent, uses))


def statutory_applies(case: Case, channel: Channel) -> bool:
    """Whether § 7a sets (or may set) the retention for this send: a consumer call, live
    or automated, since 01.10.2021."""
    return (
        channel in (Channel.PHONE, Channel.AUTOMATED_CALL)
        and case.audience is Audience.CONSUMER
        and case.day >= FAIR_CONTRACTS_2021
    )


def _consent_of(case: Case, ground: Finding) -> Consent | None:
    if ground.code != "express_consent":
        return None
    wanted = ground.ctx.get("consent_id")
    return next((c for c in case.contact.consents if c.id == wanted), None)


def _retain(case: Case, channel: Channel, version: RuleVersion, ground: Finding) -> Any:
    consent = _consent_of(case, ground)
    if consent is None:
        return None
    ctx: dict[str, Any] = {
        "consent_id": consent.id,
        "retain_until": retain_until(consent, [case.at]).isoformat(),
        "statutory": True,
    }
    if version.question is not None:
        ctx["statutory"] = "unsettled"
        ctx["question"] = version.question
    return ctx


def _record(case: Case, channel: Channel, version: RuleVersion, ground: Finding) -> Any:
    consent = _consent_of(case, ground)
    return None if consent is None else {"consent_id": consent.id}


_SINCE = Validity(FAIR_CONTRACTS_2021)
CONSUMER = frozenset({Audience.CONSUMER})

RETAIN = Rule(
    id="de.uwg.7a.retain",
    title="Keep the proof of a consumer's phone consent 5 years after grant and every use",
    kind=Kind.OBLIGATION,
    code="retain_consent_proof",
    channels=frozenset({Channel.PHONE}),
    audiences=CONSUMER,
    versions=(RuleVersion(_SINCE, uwg("7a", 2), authorities=(uwg("7a", 1), bgb(188, 2), BGH_DOI)),),
    obligation_test=_retain,
)

RETAIN_AUTOMATED = Rule(
    id="de.uwg.7a.retain_automated",
    title="Automated calls to consumers: keep the proof as § 7a demands (coverage unsettled)",
    kind=Kind.OBLIGATION,
    code="retain_consent_proof",
    channels=frozenset({Channel.AUTOMATED_CALL}),
    audiences=CONSUMER,
    versions=(RuleVersion(_SINCE, uwg("7a", 2), authorities=(bgb(188, 2),), question=AUTOMATED_QUESTION),),
    obligation_test=_retain,
)

RECORD_USE = Rule(
    id="de.uwg.7a.record_use",
    title="Record every use of a consumer's phone consent: each use restarts the period",
    kind=Kind.OBLIGATION,
    code="record_use",
    channels=frozenset({Channel.PHONE, Channel.AUTOMATED_CALL}),
    audiences=CONSUMER,
    versions=(RuleVersion(_SINCE, uwg("7a", 2)),),
    obligation_test=_record,
)

RULES: tuple[Rule, ...] = (RETAIN, RETAIN_AUTOMATED, RECORD_USE)
