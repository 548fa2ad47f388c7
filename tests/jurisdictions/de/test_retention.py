"""Proof retention (§ 7a UWG and practice) as legal cases, plus the API around it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import dialoglaw
from dialoglaw import Channel, Consent, Contact, Message, Objection
from dialoglaw.retention import proof_retention, retention_schedule, suppression_retention

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "retention_cases.yaml").read_text())[
    "cases"
]
BERLIN = dialoglaw.BERLIN


def _consent(data: dict[str, Any]) -> Consent:
    return Consent.model_validate({"id": "k", "senders": ["ACME GmbH"], **data})


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_retention_case(case: dict[str, Any]) -> None:
    assert case["source"]
    consent = _consent(case["consent"])
    contact = Contact(id="c", audience=case["audience"], consents=(consent,))
    result = proof_retention(consent, contact)
    want = case["expect"]
    until = want.get("retain_until", "unset")
    if until != "unset":
        expected = None if until is None else date.fromisoformat(str(until))
        assert result.retain_until == expected, result.explanation
    for key in ("statutory", "basis", "question"):
        if key in want:
            assert getattr(result, key) == want[key], result.explanation
    if "question" not in want:
        assert result.question is None
    if "citation" in want:
        assert result.citation.de == want["citation"]
    assert result.explanation.endswith(".")


def test_with_use_records_a_use_and_keeps_the_original_unchanged() -> None:
    consent = _consent(
        {"channels": ["phone"], "granted_at": "2022-01-10T10:00:00+01:00", "method": "written_signed"}
    )
    used = consent.with_use(datetime(2024, 5, 1, 10, tzinfo=BERLIN))
    assert consent.used_at == ()
    assert used.used_at == (datetime(2024, 5, 1, 10, tzinfo=BERLIN),)
    with pytest.raises(dialoglaw.InputError):
        consent.with_use(datetime(2024, 5, 1, 10))  # noqa: DTZ001 - naive on purpose


def test_a_decision_counts_the_send_as_a_use_for_section_7a() -> None:
    consent = _consent(
        {"channels": ["phone"], "granted_at": "2022-01-10T10:00:00+01:00", "method": "verbal_recorded"}
    )
    contact = Contact(id="c", audience="consumer", phone="0171 1234567", consents=(consent,))
    message = Message(sender="ACME GmbH", own_products=True)
    decision = dialoglaw.decide(contact, message, at=datetime(2024, 2, 29, 9, tzinfo=BERLIN))
    verdict = decision[Channel.PHONE]
    assert verdict.permitted
    retain = [o for o in verdict.obligations if o.code == "retain_consent_proof"]
    assert [o.ctx["retain_until"] for o in retain] == ["2029-02-28"]
    assert retain[0].citation is not None
    assert retain[0].citation.de == "§ 7a Abs. 2 UWG"
    assert "record_use" in verdict.codes + tuple(o.code for o in verdict.obligations)
    assert [(r.record_id, r.retain_until, r.statutory) for r in decision.retention] == [
        ("k", date(2029, 2, 28), True)
    ]


def test_suppression_records_are_kept_while_the_contact_is_held() -> None:
    consent = _consent(
        {
            "channels": ["email"],
            "granted_at": "2022-01-10T10:00:00+01:00",
            "method": "written_signed",
            "withdrawn_at": "2023-01-10T10:00:00+01:00",
        }
    )
    contact = Contact(
        id="c", consents=(consent,), objections=(Objection(at=datetime(2024, 1, 1, tzinfo=BERLIN)),)
    )
    records = suppression_retention(contact)
    assert [(r.record, r.record_id, r.retain_until, r.citation.de) for r in records] == [
        ("suppression_record", "objection[0]@2024-01-01", None, "Art. 21 Abs. 3 DSGVO"),
        ("suppression_record", "withdrawal:k", None, "Art. 7 Abs. 3 DSGVO"),
    ]


def test_the_schedule_says_what_may_be_deleted_on_a_given_day() -> None:
    old_phone = _consent(
        {
            "channels": ["phone"],
            "granted_at": "2021-10-05T10:00:00+02:00",
            "method": "written_signed",
            "id": "p",
        }
    )
    withdrawn_mail = _consent(
        {
            "channels": ["email"],
            "granted_at": "2019-01-05T10:00:00+01:00",
            "method": "written_signed",
            "withdrawn_at": "2020-02-01T10:00:00+01:00",
            "id": "e",
        }
    )
    live_mail = _consent(
        {
            "channels": ["email"],
            "granted_at": "2024-01-05T10:00:00+01:00",
            "method": "written_signed",
            "id": "m",
        }
    )
    contacts = [
        Contact(id="a", audience="consumer", consents=(old_phone, withdrawn_mail)),
        Contact(
            id="b",
            audience="consumer",
            consents=(live_mail,),
            objections=(Objection(at=datetime(2024, 1, 1, tzinfo=BERLIN)),),
        ),
    ]
    schedule = retention_schedule(contacts, on=date(2026, 11, 23))
    actions = {(r.contact_id, r.record_id): (r.action, r.retain_until) for r in schedule}
    assert actions == {
        ("a", "p"): ("may_delete", date(2026, 10, 5)),
        ("a", "e"): ("may_delete", date(2023, 12, 31)),
        ("a", "withdrawal:e"): ("keep", None),
        ("b", "m"): ("keep", None),
        ("b", "objection[0]@2024-01-01"): ("keep", None),
    }
    assert [r.record_id for r in schedule.deletable()] == ["p", "e"]
    assert "<table>" in schedule._repr_html_()
    assert len(schedule.to_records()) == 5
