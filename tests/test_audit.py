"""Audit records: reproducible fingerprints of the facts, verdicts by code, no personal data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import dialoglaw
from dialoglaw import Channel, Contact, InputError, Message, Policy, Status, UnsettledChoice
from dialoglaw.audit import (
    AuditRecord,
    audit_record,
    canonical_json,
    decision_hash,
    facts_fingerprint,
    verify,
)
from dialoglaw.privacy import SuppressionList
from dialoglaw.validity import BERLIN

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2024, 3, 1, 10, 30, tzinfo=BERLIN)
KEY = bytes(range(32))

CONTACT: dict[str, Any] = {
    "id": "c-42",
    "audience": "consumer",
    "email": "Max.Mustermann@Example.de",
    "mobile": "0171 1234567",
    "phone": "030 1234567",
    "postal_address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
    "birth_date": "1980-02-29",
    "consents": [
        {
            "id": "k-1",
            "channels": ["email", "sms"],
            "granted_at": "2023-01-01T10:00:00+01:00",
            "method": "double_opt_in",
            "senders": ["ACME GmbH"],
            "scope": ["coffee"],
            "confirmed_at": "2023-01-01T10:05:00+01:00",
            "confirmation_channel": "email",
        },
        {
            "id": "k-2",
            "channels": ["phone"],
            "granted_at": "2022-06-01T09:00:00+02:00",
            "method": "verbal_recorded",
            "senders": ["ACME GmbH"],
            "used_at": ["2023-06-01T09:00:00+02:00"],
        },
    ],
    "objections": [{"at": "2023-09-01T00:00:00Z", "channels": ["fax"]}],
    "relationship": {
        "obtained_through": "sale",
        "obtained_at": "2021-01-01T00:00:00Z",
        "seller": "ACME GmbH",
        "purchased_categories": ["coffee"],
        "contact_points": ["email", "sms"],
        "opt_out_notice_at_collection": True,
    },
}
MESSAGE: dict[str, Any] = {
    "sender": "ACME GmbH",
    "topic": "coffee",
    "own_products": True,
    "includes_opt_out_notice": True,
    "sender_identified": True,
    "valid_opt_out_address": True,
}
POLICY = Policy(
    similarity_groups=(frozenset({"coffee", "tea", "cocoa"}),),
    unsettled={"de.uwg.7.3.sms": UnsettledChoice.PERMIT},
    require_confirmed_opt_in=frozenset({Channel.EMAIL, Channel.SMS, Channel.PHONE}),
)


def contact() -> Contact:
    return Contact.model_validate(CONTACT)


def message() -> Message:
    return Message.model_validate(MESSAGE)


def record(**kw: Any) -> AuditRecord:
    policy = kw.pop("policy", POLICY)
    decision = dialoglaw.decide(contact(), message(), at=AT, policy=policy, **kw)
    return audit_record(contact(), message(), decision, policy=policy, **kw)


# -- contents -------------------------------------------------------------------------------


def test_a_record_names_version_law_time_contact_and_every_verdict_by_code() -> None:
    decision = dialoglaw.decide(contact(), message(), at=AT, policy=POLICY)
    rec = audit_record(contact(), message(), decision, policy=POLICY)
    assert rec.format == 1
    assert rec.library_version == dialoglaw.__version__
    assert (rec.jurisdiction, rec.ruleset) == ("DE", decision.ruleset)
    assert rec.at == AT
    assert (rec.contact_id, rec.sender) == ("c-42", "ACME GmbH")
    assert rec.suppressed == ()
    assert [v.channel for v in rec.verdicts] == list(Channel)
    for ours, theirs in zip(rec.verdicts, decision.verdicts, strict=True):
        assert ours.status is theirs.status
        assert ours.codes == theirs.codes
        assert ours.ground == (theirs.ground.code if theirs.ground else None)
        assert ours.rule_id == (theirs.ground.rule_id if theirs.ground else None)
    assert rec.permitted == decision.permitted
    assert rec.decision_sha256 == decision_hash(decision)
    assert rec.facts_sha256 == facts_fingerprint(contact(), message(), policy=POLICY)


def test_a_record_holds_no_personal_data_but_the_contact_id() -> None:
    text = record().to_json()
    for value in ("mustermann", "Mustermann", "1711234567", "1234567", "Hauptstraße", "10115", "1980"):
        assert value not in text
    assert '"contact_id":"c-42"' in text
    assert "\n" not in text


def test_a_record_round_trips_through_its_json_line() -> None:
    rec = record()
    again = AuditRecord.model_validate_json(rec.to_json())
    assert again == rec
    assert verify(again, contact(), message(), policy=POLICY, strict=True)


def test_review_verdicts_record_their_question_ids() -> None:
    reviewed = next(v for v in record(policy=Policy()).verdicts if v.channel is Channel.SMS)
    # The SMS consent is unconfirmed; whether § 7 Abs. 3 covers SMS is open.
    assert reviewed.status is Status.REVIEW
    assert reviewed.questions == ("de.uwg.7.3.sms",)
    assert reviewed.ground is None
    permitted = next(v for v in record().verdicts if v.channel is Channel.SMS)
    assert (permitted.status, permitted.ground) == (Status.PERMITTED, "existing_customer")
    assert permitted.rule_id == "de.uwg.7.3.sms"


def test_a_record_for_another_contact_or_message_is_refused() -> None:
    decision = dialoglaw.decide(contact(), message(), at=AT)
    other = contact().model_copy(update={"id": "c-43"})
    with pytest.raises(InputError) as info:
        audit_record(other, message(), decision)
    assert str(info.value) == (
        "Invalid audit record: 'decision' was not made for this contact and message (different contact_id)."
    )
    with pytest.raises(InputError, match=r"different sender, purpose"):
        audit_record(contact(), {**MESSAGE, "sender": "Other AG", "purpose": "mixed"}, decision)


# -- the fingerprint ----------------------------------------------------------------------------


def test_canonical_json_sorts_keys_drops_whitespace_and_writes_times_in_utc() -> None:
    value = {
        "b": frozenset({Channel.SMS, Channel.EMAIL}),
        "a": datetime(2024, 3, 1, 10, 0, tzinfo=BERLIN),
        "c": (1, "ä"),
    }
    assert canonical_json(value) == (
        '{"a":"2024-03-01T09:00:00+00:00","b":["email","sms"],"c":[1,"\\u00e4"]}'
    )


def test_canonical_json_refuses_naive_times_and_unknown_types() -> None:
    with pytest.raises(InputError, match="'at' must be timezone-aware"):
        canonical_json({"at": datetime(2024, 1, 1)})  # noqa: DTZ001
    with pytest.raises(TypeError, match="Cannot put a object into canonical JSON"):
        canonical_json({"x": object()})
    with pytest.raises(InputError, match="must be a finite number"):
        canonical_json({"x": float("nan")})


def test_the_same_instant_in_another_zone_is_the_same_fact() -> None:
    shifted = json.loads(json.dumps(CONTACT))
    shifted["consents"][0]["granted_at"] = "2023-01-01T09:00:00Z"
    assert facts_fingerprint(shifted, message()) == facts_fingerprint(contact(), message())


def test_the_normalised_form_is_hashed_so_spelling_variants_agree() -> None:
    respelled = {**CONTACT, "email": "Max.Mustermann@EXAMPLE.DE", "mobile": "+49 171 1234567"}
    assert facts_fingerprint(respelled, MESSAGE) == facts_fingerprint(CONTACT, MESSAGE)


def _changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(CONTACT))
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


CONTACT_CHANGES: dict[str, tuple[tuple[Any, ...], Any]] = {
    "id": (("id",), "c-43"),
    "audience": (("audience",), "business"),
    "country of the address": (("postal_address", "country"), "AT"),
    "email local part case": (("email",), "max.mustermanN@example.de"),
    "mobile": (("mobile",), "0171 1234568"),
    "phone": (("phone",), None),
    "fax": (("fax",), "030 7654321"),
    "messenger": (("messenger",), "@max"),
    "street": (("postal_address", "street"), "Hauptstraße 2"),
    "birth date": (("birth_date",), "1980-03-01"),
    "grant one second later": (("consents", 0, "granted_at"), "2023-01-01T10:00:01+01:00"),
    "method": (("consents", 0, "method"), "single_opt_in"),
    "channels": (("consents", 0, "channels"), ["email"]),
    "senders": (("consents", 0, "senders"), ["ACME GmbH", "Other AG"]),
    "scope": (("consents", 0, "scope"), ["tea"]),
    "used_at": (("consents", 1, "used_at"), []),
    "withdrawn": (("consents", 1, "withdrawn_at"), "2024-01-01T00:00:00Z"),
    "subject age": (("consents", 1, "subject_age"), 30),
    "objection channels": (("objections", 0, "channels"), None),
    "objection time": (("objections", 0, "at"), "2023-09-01T00:00:00.000001Z"),
    "relationship seller": (("relationship", "seller"), "Other AG"),
    "robinson": (("robinson_listed",), True),
    "sticker": (("no_ads_sticker",), True),
    "presumed consent": (
        ("presumed_consent",),
        {"facts": "Asked.", "assessed_by": "X", "assessed_at": "2023-01-01T00:00:00Z", "sender": "ACME GmbH"},
    ),
}


@pytest.mark.parametrize("change", CONTACT_CHANGES, ids=list(CONTACT_CHANGES))
def test_changing_any_fact_of_the_contact_changes_the_fingerprint(change: str) -> None:
    path, value = CONTACT_CHANGES[change]
    changed = _changed(path, value)
    assert facts_fingerprint(changed, MESSAGE, policy=POLICY) != facts_fingerprint(
        CONTACT, MESSAGE, policy=POLICY
    )


@pytest.mark.parametrize(
    "update",
    [
        {"sender": "ACME AG"},
        {"purpose": "mixed"},
        {"topic": "tea"},
        {"own_products": None},
        {"similar_to_purchases": True},
        {"includes_opt_out_notice": False},
        {"sender_identified": None},
        {"valid_opt_out_address": False},
        {"editorial_content": True},
    ],
)
def test_changing_any_fact_of_the_message_changes_the_fingerprint(update: dict[str, Any]) -> None:
    assert facts_fingerprint(CONTACT, {**MESSAGE, **update}) != facts_fingerprint(CONTACT, MESSAGE)


@pytest.mark.parametrize(
    "policy",
    [
        Policy(),
        POLICY.model_copy(update={"honour_robinson_list": False}),
        POLICY.model_copy(update={"stale_consent_after_days": 365}),
        POLICY.model_copy(update={"unsettled": {}}),
        POLICY.model_copy(update={"similarity_groups": ()}),
        POLICY.model_copy(update={"require_confirmed_opt_in": frozenset({Channel.EMAIL})}),
    ],
)
def test_changing_the_policy_or_the_suppressed_channels_changes_the_fingerprint(policy: Policy) -> None:
    base = facts_fingerprint(CONTACT, MESSAGE, policy=POLICY)
    assert facts_fingerprint(CONTACT, MESSAGE, policy=policy) != base
    assert facts_fingerprint(CONTACT, MESSAGE, policy=POLICY, suppressed=[Channel.EMAIL]) != base


def test_changing_the_country_changes_the_fingerprint() -> None:
    international = {**CONTACT, "mobile": "+49 171 1234567", "phone": "+49 30 1234567"}
    assert facts_fingerprint(international, MESSAGE) == facts_fingerprint(CONTACT, MESSAGE)
    assert facts_fingerprint({**international, "country": "AT"}, MESSAGE) != facts_fingerprint(
        CONTACT, MESSAGE
    )


def test_no_policy_and_the_default_policy_are_the_same_fact() -> None:
    assert facts_fingerprint(CONTACT, MESSAGE) == facts_fingerprint(CONTACT, MESSAGE, policy=Policy())


_SUBPROCESS = """
import json, sys
from datetime import datetime
import dialoglaw
from dialoglaw.audit import audit_record, facts_fingerprint
from dialoglaw.policy import Policy
from dialoglaw.validity import BERLIN
args = json.loads(sys.stdin.read())
policy = Policy.model_validate(args["policy"])
at = datetime.fromisoformat(args["at"])
decision = dialoglaw.decide(args["contact"], args["message"], at=at, policy=policy)
rec = audit_record(args["contact"], args["message"], decision, policy=policy)
print(json.dumps({"fingerprint": facts_fingerprint(args["contact"], args["message"], policy=policy),
                  "record": rec.to_json(), "decision": decision.to_json()}))
"""


def run_elsewhere(payload: dict[str, Any], seed: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_another_process_with_another_hash_seed_reproduces_fingerprint_record_and_decision() -> None:
    payload = {
        "contact": CONTACT,
        "message": MESSAGE,
        "policy": POLICY.model_dump(mode="json"),
        "at": AT.isoformat(),
    }
    here = record()
    decision = dialoglaw.decide(contact(), message(), at=AT, policy=POLICY)
    for seed in ("0", "1", "4242"):
        there = run_elsewhere(payload, seed)
        assert there["fingerprint"] == here.facts_sha256
        assert AuditRecord.model_validate_json(there["record"]) == here
        assert there["decision"] == decision.to_json()


# -- verify ---------------------------------------------------------------------------------------


def test_verify_accepts_the_facts_a_record_was_made_from() -> None:
    rec = record()
    assert verify(rec, contact(), message(), policy=POLICY)
    assert verify(rec, CONTACT, MESSAGE, policy=POLICY, strict=True)


def test_verify_rejects_other_facts_another_policy_or_a_tampered_record() -> None:
    rec = record()
    assert not verify(rec, _changed(("robinson_listed",), True), MESSAGE, policy=POLICY)
    assert not verify(rec, CONTACT, {**MESSAGE, "topic": "tea"}, policy=POLICY)
    assert not verify(rec, CONTACT, MESSAGE)  # the default policy is another fact
    i = next(i for i, v in enumerate(rec.verdicts) if v.channel is Channel.AUTOMATED_CALL)
    assert rec.verdicts[i].status is Status.SUPPRESSED
    flipped = rec.verdicts[i].model_copy(update={"status": Status.PERMITTED, "codes": ()})
    forged = rec.model_copy(update={"verdicts": (*rec.verdicts[:i], flipped, *rec.verdicts[i + 1 :])})
    assert not verify(forged, CONTACT, MESSAGE, policy=POLICY)
    # Moved before the phone consent was granted, the phone verdict differs.
    earlier = rec.model_copy(update={"at": datetime(2022, 5, 1, tzinfo=BERLIN)})
    assert not verify(earlier, CONTACT, MESSAGE, policy=POLICY)


def test_strict_verification_also_needs_the_same_full_decision_and_version() -> None:
    rec = record()
    assert not verify(
        rec.model_copy(update={"decision_sha256": "0" * 64}), CONTACT, MESSAGE, policy=POLICY, strict=True
    )
    assert verify(rec.model_copy(update={"decision_sha256": "0" * 64}), CONTACT, MESSAGE, policy=POLICY)
    assert not verify(
        rec.model_copy(update={"library_version": "0.0.1"}), CONTACT, MESSAGE, policy=POLICY, strict=True
    )


def test_a_record_made_with_a_suppression_list_verifies_with_or_without_the_list() -> None:
    lst = SuppressionList(KEY)
    lst.add_email("max.mustermann@example.de", ["email", "sms"])
    rec = record(suppressions=lst)
    assert rec.suppressed == (Channel.EMAIL, Channel.SMS)
    assert {Channel.EMAIL, Channel.SMS}.isdisjoint(rec.permitted)
    assert verify(rec, CONTACT, MESSAGE, policy=POLICY)  # the channels the record names
    assert verify(rec, CONTACT, MESSAGE, policy=POLICY, suppressions=lst)
    grown = SuppressionList(KEY)
    grown.add_email("max.mustermann@example.de")
    assert not verify(rec, CONTACT, MESSAGE, policy=POLICY, suppressions=grown)
    assert "digest" not in rec.to_json()
    assert lst.digest_email("max.mustermann@example.de") not in rec.to_json()


def test_verify_works_for_a_decision_on_some_channels_and_another_jurisdiction_argument() -> None:
    decision = dialoglaw.decide(
        contact(), message(), at=AT.astimezone(timezone(timedelta(hours=-5))), channels=["sms", "email"]
    )
    rec = audit_record(contact(), message(), decision)
    assert [v.channel for v in rec.verdicts] == [Channel.SMS, Channel.EMAIL]
    assert verify(AuditRecord.model_validate_json(rec.to_json()), contact(), message(), strict=True)
    assert rec.at.astimezone(UTC) == AT.astimezone(UTC)


def test_verify_raises_a_typed_error_for_invalid_facts() -> None:
    with pytest.raises(InputError):
        verify(record(), {**CONTACT, "email": "not an address"}, MESSAGE)
