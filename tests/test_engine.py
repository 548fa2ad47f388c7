"""The decision API around the rules: arguments, views, serialisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import dialoglaw
from dialoglaw import Channel, Contact, Decision, Finding, Message, Policy, Status
from dialoglaw.decision import build

BERLIN = dialoglaw.BERLIN
AT = datetime(2024, 3, 1, 10, tzinfo=BERLIN)


def _contact() -> Contact:
    return Contact.model_validate(
        {
            "id": "c-1",
            "audience": "consumer",
            "email": "max@example.de",
            "mobile": "0171 1234567",
            "postal_address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
            "consents": [
                {
                    "id": "k-1",
                    "channels": ["email"],
                    "granted_at": "2023-01-01T10:00:00+01:00",
                    "method": "double_opt_in",
                    "senders": ["ACME GmbH"],
                    "confirmed_at": "2023-01-01T10:05:00+01:00",
                    "confirmation_channel": "email",
                }
            ],
        }
    )


MESSAGE = Message(sender="ACME GmbH", own_products=True, sender_identified=True, valid_opt_out_address=True)


def test_build_gives_the_same_model_as_model_construct() -> None:
    values: dict[str, Any] = {
        "code": "objection",
        "rule_id": "r",
        "citation": None,
        "authorities": (),
        "ctx": {"a": 1},
    }
    fast = build(Finding, dict(values))
    slow = Finding.model_construct(**values)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set


def test_a_decision_answers_per_channel_and_selects_the_first_permitted() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    assert decision.permitted == {Channel.POSTAL, Channel.LEAFLET, Channel.EMAIL}
    assert decision["email"].status is Status.PERMITTED
    assert decision[Channel.SMS].codes == ("no_consent",)
    assert decision.select(["sms", "email", "postal"]) is Channel.EMAIL
    assert decision.select([Channel.SMS, Channel.FAX]) is None
    assert decision.ruleset == "DE-2026-11-23"
    assert decision.jurisdiction == "DE"


def test_channels_limits_the_verdicts_in_the_order_given() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT, channels=["sms", "email", "sms"])
    assert [v.channel for v in decision] == [Channel.SMS, Channel.EMAIL]
    with pytest.raises(KeyError):
        decision[Channel.POSTAL]


def test_explanations_render_in_english_and_german_with_citations() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    en = decision.explain("en")
    de = decision.explain("de")
    assert "sms: suppressed" in en
    assert "[Section 7(2) no. 2 UWG]" in en
    assert "sms: gesperrt" in de
    assert "[§ 7 Abs. 2 Nr. 2 UWG]" in de
    assert "max@example.de" not in en
    table = str(decision)
    assert "email" in table
    assert "§ 7 Abs. 2 Nr. 2 UWG" in table
    html = decision._repr_html_()
    assert html.startswith("<table>")
    assert "<script" not in html


def test_a_decision_round_trips_through_json() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    restored = Decision.model_validate_json(decision.to_json())
    assert restored == decision
    assert restored.at == AT


def test_every_finding_message_is_one_sentence() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    for finding in decision.findings:
        assert finding.message.endswith("."), finding.code
        assert "?" not in finding.message, finding.code
        assert finding.render("de").endswith("]") or finding.citation is None


def test_a_naive_send_time_is_an_input_error() -> None:
    with pytest.raises(dialoglaw.InputError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=datetime(2024, 3, 1, 10))  # noqa: DTZ001
    assert str(info.value) == "Invalid send time: 'at' must be timezone-aware (a naive date-time was given)."


def test_a_send_before_the_coded_law_is_out_of_coverage() -> None:
    with pytest.raises(dialoglaw.OutOfCoverageError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=datetime(2004, 7, 7, 23, 59, tzinfo=BERLIN))
    assert str(info.value) == (
        "The send date 2004-07-07 (German local date) is before the coded law of DE, which starts on 2004-07-08."
    )


def test_an_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(dialoglaw.UnknownJurisdictionError):
        dialoglaw.decide(_contact().model_copy(update={"country": "FR"}), MESSAGE, at=AT)


def test_a_policy_naming_an_unknown_question_is_refused() -> None:
    policy = Policy(unsettled={"de.uwg.7.3.whatsapp": "permit"})
    with pytest.raises(dialoglaw.InputError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=AT, policy=policy)
    assert "de.uwg.7.3.whatsapp" in str(info.value)


def test_plain_dicts_are_accepted_and_validated() -> None:
    decision = dialoglaw.decide(_contact().model_dump(mode="json"), MESSAGE.model_dump(mode="json"), at=AT)
    assert Channel.EMAIL in decision.permitted
    with pytest.raises(dialoglaw.InputError):
        dialoglaw.decide({"id": "x", "email": "not-an-address"}, MESSAGE, at=AT)


def test_the_retention_of_relied_on_consents_is_part_of_the_decision() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    assert [(r.record_id, r.statutory, r.retain_until) for r in decision.retention] == [("k-1", False, None)]


def test_an_unknown_channel_name_is_an_input_error() -> None:
    with pytest.raises(dialoglaw.InputError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=AT, channels=["mail"])
    assert info.value.field == "channels"


def test_a_policy_may_be_given_as_a_dict() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT, policy={"require_confirmed_opt_in": []})  # type: ignore[arg-type]
    assert Channel.EMAIL in decision.permitted
    with pytest.raises(dialoglaw.InputError):
        dialoglaw.decide(_contact(), MESSAGE, at=AT, policy={"honour_robinson": True})  # type: ignore[arg-type]
