"""Invariants of the decision engine, checked over generated facts (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

import dialoglaw
from dialoglaw import Channel, Contact, Decision, Message, Purpose, Status, Verdict, engine, summary
from dialoglaw.batch import BatchResult
from dialoglaw.io import files
from dialoglaw.io.files import result_record
from dialoglaw.summary import Summary
from dialoglaw.validity import german_date
from tests.strategies import contacts, instants, messages

SETTINGS = settings(max_examples=300, deadline=None)


def _permitted(contact: Contact, message: Message, at: datetime) -> frozenset[Channel]:
    return dialoglaw.decide(contact, message, at=at).permitted


@SETTINGS
@given(contacts(), messages(), instants, st.sampled_from([None, *Channel]))
def test_an_objection_never_permits_more_channels(
    contact: Contact, message: Message, at: datetime, channel: Channel | None
) -> None:
    before = _permitted(contact, message, at)
    objection = dialoglaw.Objection(
        at=at - timedelta(seconds=1), channels=None if channel is None else (channel,)
    )
    after = _permitted(
        contact.model_copy(update={"objections": (*contact.objections, objection)}), message, at
    )
    assert after <= before


@SETTINGS
@given(contacts(), messages(), instants)
def test_withdrawing_consents_before_the_send_never_permits_more(
    contact: Contact, message: Message, at: datetime
) -> None:
    before = _permitted(contact, message, at)
    withdrawn = tuple(
        c.model_copy(update={"withdrawn_at": max(c.granted_at, at - timedelta(seconds=1))})
        if c.granted_at <= at and c.withdrawn_at is None
        else c
        for c in contact.consents
    )
    after = _permitted(contact.model_copy(update={"consents": withdrawn}), message, at)
    assert after <= before


@SETTINGS
@given(contacts(), messages(), instants)
def test_a_sticker_or_message_defect_never_permits_more(
    contact: Contact, message: Message, at: datetime
) -> None:
    before = _permitted(contact, message, at)
    stickered = contact.model_copy(update={"no_ads_sticker": True, "robinson_listed": True})
    assert _permitted(stickered, message, at) <= before
    for defect in ({"sender_identified": False}, {"valid_opt_out_address": False}):
        assert _permitted(contact, message.model_copy(update=defect), at) <= before


@SETTINGS
@given(contacts(), messages(), instants)
def test_moving_the_send_before_a_consents_grant_never_permits_more(
    contact: Contact, message: Message, at: datetime
) -> None:
    before = _permitted(contact, message, at)
    # Withdrawn consents stay as they are: a withdrawal also speaks as an objection.
    later = tuple(
        c
        if c.withdrawn_at is not None
        else c.model_copy(
            update={
                "granted_at": at + timedelta(days=1),
                "confirmed_at": None,
                "confirmation_channel": None,
                "withdrawn_at": None,
                "used_at": (),
            }
        )
        for c in contact.consents
    )
    after = _permitted(contact.model_copy(update={"consents": later}), message, at)
    assert after <= before


@SETTINGS
@given(contacts(), messages(purpose=Purpose.ADVERTISING), instants)
def test_a_transactional_message_is_permitted_wherever_the_advertising_one_is(
    contact: Contact, message: Message, at: datetime
) -> None:
    advertising = _permitted(contact, message, at)
    transactional = _permitted(contact, message.model_copy(update={"purpose": Purpose.TRANSACTIONAL}), at)
    assert advertising <= transactional


@SETTINGS
@given(contacts(), messages(), instants)
def test_every_permitted_verdict_has_a_ground_citing_law_in_force(
    contact: Contact, message: Message, at: datetime
) -> None:
    decision = dialoglaw.decide(contact, message, at=at)
    book = dialoglaw.rulebook_for("DE")
    day = german_date(at)
    for verdict in decision:
        if verdict.status is Status.PERMITTED:
            assert verdict.ground is not None
            assert verdict.ground.citation is not None
            assert verdict.reasons == ()
            in_force = {v.citation for _, v in book.in_force(day)}
            assert verdict.ground.citation in in_force
        else:
            assert verdict.ground is None
            assert verdict.reasons or verdict.questions


@SETTINGS
@given(contacts(), messages(), instants)
def test_decisions_are_deterministic_and_round_trip_through_json(
    contact: Contact, message: Message, at: datetime
) -> None:
    first = dialoglaw.decide(contact, message, at=at)
    second = dialoglaw.decide(contact, message, at=at)
    assert first.to_json() == second.to_json()
    restored = Decision.model_validate_json(first.to_json())
    assert restored.to_json() == first.to_json()
    assert restored.permitted == first.permitted


@SETTINGS
@given(contacts(), messages(), instants)
def test_a_business_is_never_treated_more_strictly_than_a_consumer(
    contact: Contact, message: Message, at: datetime
) -> None:
    # The only audience difference in § 7 UWG is the business call (presumed consent
    # suffices); everything else applies to every "Marktteilnehmer".
    consumer = _permitted(contact.model_copy(update={"audience": dialoglaw.Audience.CONSUMER}), message, at)
    business = _permitted(contact.model_copy(update={"audience": dialoglaw.Audience.BUSINESS}), message, at)
    assert consumer <= business
    assert consumer - {Channel.PHONE} == business - {Channel.PHONE}


def _made_anew(memo: object, verdict: Verdict, compute: Callable[[Verdict], Any]) -> Any:
    return compute(verdict)


@SETTINGS
@given(contacts(), messages(), instants)
def test_a_shared_verdict_says_what_a_verdict_of_its_own_would_say(
    contact: Contact, message: Message, at: datetime
) -> None:
    # Verdicts made only of shared findings are shared between decisions (engine
    # _verdict_model); with no finding known as shared, every verdict is built anew. The
    # first decision made every shared finding the second needs (frozen: none is new).
    shared = dialoglaw.decide(contact, message, at=at)
    with patch.object(engine, "_SHARED_IDS", frozenset()):
        own = dialoglaw.decide(contact, message, at=at)
    assert shared == own
    assert shared.to_json() == own.to_json()
    # What the writers and the summary remember of a shared verdict (engine.per_verdict)
    # is what they make of the verdict anew.
    results = [BatchResult(row=1, contact_id=contact.id, decision=d, error=None) for d in (shared, own)]
    counts = [Summary(), Summary()]
    counts[0].add(results[0])
    remembered = result_record(results[0])
    with (
        patch.object(files, "per_verdict", _made_anew),
        patch.object(summary, "per_verdict", _made_anew),
    ):
        counts[1].add(results[1])
        assert remembered == result_record(results[1])
    assert counts[0].to_dict() == counts[1].to_dict()
