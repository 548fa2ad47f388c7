"""Does consent lapse? — BGH 01.02.2018, III ZR 196/17 (case law, no statute).

Consent does not expire by the passing of time alone (BGH III ZR 196/17, Rn. 31). A line
of lower courts holds that a consent unused for years lapses (LG München I 17 HK O
138/10; AG München 161 C 12736/22). Where the policy sets a staleness threshold, a
consent unused for longer is flagged (warning) and the question goes to the policy
(default: review). Without a threshold nothing is checked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dialoglaw.channels import CONSENT_CHANNELS, Channel
from dialoglaw.facts import Consent
from dialoglaw.jurisdictions.de.citations import BGH_LAPSE
from dialoglaw.jurisdictions.de.dates import UWG_2004
from dialoglaw.rules import Case, Kind, Rule, RuleVersion, Unsettled
from dialoglaw.validity import Validity, german_date

__all__ = ["RULES"]

QUESTION = "de.consent.lapse"


def _stale_since(case: Case, consent: Consent) -> str | None:
    days = case.policy.stale_consent_after_days
    if days is None:
        return None
    earlier = [u for u in consent.used_at if u <= case.at]
    last = max([consent.granted_at, *earlier])
    if case.at - last <= timedelta(days=days):
        return None
    return german_date(last).isoformat()


def _warn(case: Case, channel: Channel, version: RuleVersion, consent: Consent) -> Any:
    since = _stale_since(case, consent)
    return None if since is None else {"consent_id": consent.id, "since": since}


def _ask(case: Case, channel: Channel, version: RuleVersion, consent: Consent) -> Any:
    since = _stale_since(case, consent)
    return None if since is None else Unsettled(QUESTION, {"consent_id": consent.id, "since": since})


_VERSIONS = (RuleVersion(Validity(UWG_2004), BGH_LAPSE),)

RULES: tuple[Rule, ...] = (
    Rule(
        id="de.consent.stale",
        title="Flag consent unused for longer than the policy's threshold",
        kind=Kind.WARNING,
        code="stale_consent",
        channels=CONSENT_CHANNELS,
        versions=_VERSIONS,
        consent_test=_warn,
    ),
    Rule(
        id="de.consent.lapse",
        title="Whether a long-unused consent has lapsed is unsettled",
        kind=Kind.CONSENT_CONDITION,
        code="unsettled_law",
        channels=CONSENT_CHANNELS,
        versions=_VERSIONS,
        consent_test=_ask,
    ),
)
