"""Structural checks of the German rulebook over the whole coded range."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import dialoglaw
from dialoglaw import Audience, Channel
from dialoglaw.rules import Kind, Level

BOOK = dialoglaw.rulebook_for("DE")
LAST_DAY = date(2027, 12, 31)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.mark.parametrize("rule", BOOK.rules, ids=[r.id for r in BOOK.rules])
def test_exactly_one_version_of_each_rule_is_in_force_on_every_day_of_its_range(
    rule: dialoglaw.rules.Rule,
) -> None:
    end = LAST_DAY if rule.valid_to is None else rule.valid_to - timedelta(days=1)
    for day in _days(rule.valid_from, end):
        in_force = [v for v in rule.versions if v.valid.contains_day(day)]
        assert len(in_force) == 1, f"{rule.id} on {day}: {len(in_force)} versions"


def test_every_channel_and_audience_has_exactly_one_requirement_on_every_day() -> None:
    requirements = BOOK.of_kind(Kind.REQUIREMENT)
    for day in _days(BOOK.coverage_from, LAST_DAY):
        for channel in Channel:
            for audience in (Audience.CONSUMER, Audience.BUSINESS):
                found = [
                    r for r in requirements if r.applies(channel, audience) and r.version_on(day) is not None
                ]
                assert len(found) == 1, (day, channel, audience)


def test_consumer_calls_need_express_consent_exactly_from_4_august_2009() -> None:
    rule = BOOK.rule("de.uwg.7.2.phone.consumer")
    before = rule.version_on(date(2009, 8, 3))
    after = rule.version_on(date(2009, 8, 4))
    assert before is not None and before.level is Level.CONSENT
    assert after is not None and after.level is Level.EXPRESS_CONSENT


def test_every_unsettled_question_is_asked_by_some_rule_or_documented_for_retention() -> None:
    asked = {v.question for r in BOOK.rules for v in r.versions if v.question}
    # Questions raised from inside tests of rules (not as version parameters):
    raised_in_code = {
        "gdpr.7.4.tied_consent",
        "de.consent.lapse",
        "de.consent.minor",
        "de.consent.partner_list_size",
        "de.uwg.7a.old_consent",
    }
    assert set(BOOK.questions) == asked | raised_in_code


def test_every_finding_code_has_an_english_and_german_message() -> None:
    from dialoglaw.messages import CODES

    codes = {r.code for r in BOOK.rules if r.kind is not Kind.REQUIREMENT}
    codes |= {v.deny for r in BOOK.rules for v in r.versions if v.deny}
    assert codes - {"requirement"} <= set(CODES)
