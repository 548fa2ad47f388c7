"""Hypothesis strategies for contacts, consents, objections, messages and send times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from dialoglaw import Acquisition, Audience, Channel, ConsentMethod, Contact, Message, Purpose

START = datetime(2004, 7, 8, tzinfo=UTC) + timedelta(hours=1)
END = datetime(2027, 12, 31, tzinfo=UTC)
SENDERS = ("ACME GmbH", "Other AG")
TOPICS = ("coffee", "tea", "insurance")

instants = st.datetimes(
    min_value=START.replace(tzinfo=None), max_value=END.replace(tzinfo=None), timezones=st.just(UTC)
)
channels = st.sampled_from(list(Channel))


@st.composite
def consents(draw: st.DrawFn, index: int) -> dict[str, Any]:
    granted = draw(instants)
    data: dict[str, Any] = {
        "id": f"k{index}",
        "channels": draw(st.lists(channels, min_size=1, max_size=4, unique=True)),
        "granted_at": granted,
        "method": draw(st.sampled_from(list(ConsentMethod))),
        "senders": draw(st.lists(st.sampled_from(SENDERS), min_size=1, max_size=2, unique=True)),
    }
    if draw(st.booleans()):
        data["confirmed_at"] = granted + timedelta(minutes=draw(st.integers(0, 10_000)))
        data["confirmation_channel"] = draw(channels)
    if draw(st.booleans()):
        data["scope"] = draw(st.lists(st.sampled_from(TOPICS), min_size=1, max_size=2, unique=True))
    if draw(st.integers(0, 4)) == 0:
        data["withdrawn_at"] = granted + timedelta(days=draw(st.integers(0, 3000)))
    if draw(st.integers(0, 5)) == 0:
        data["subject_age"] = draw(st.integers(10, 20))
    if draw(st.integers(0, 6)) == 0:
        data["tied_to"] = "prize draw"
    if draw(st.integers(0, 6)) == 0:
        data["given_by_subject"] = False
    return data


@st.composite
def objections(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"at": draw(instants)}
    if draw(st.booleans()):
        data["channels"] = draw(st.lists(channels, min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        data["sender"] = draw(st.sampled_from(SENDERS))
    return data


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    n = draw(st.integers(0, 3))
    data: dict[str, Any] = {
        "id": "c",
        "audience": draw(st.sampled_from(list(Audience))),
        "consents": [draw(consents(i)) for i in range(n)],
        "objections": draw(st.lists(objections(), max_size=2)),
        "robinson_listed": draw(st.integers(0, 5)) == 0,
        "no_ads_sticker": draw(st.integers(0, 3)) == 0,
    }
    optional = {
        "email": "max@example.de",
        "phone": draw(st.sampled_from(["030 1234567", "0171 1234567"])),
        "mobile": "0171 7654321",
        "fax": "030 7654321",
        "messenger": "@max",
        "postal_address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
    }
    for key, value in optional.items():
        if draw(st.integers(0, 5)) > 0:
            data[key] = value
    if draw(st.integers(0, 3)) == 0:  # a birth date: the age at a grant, Art. 8 DSGVO
        data["birth_date"] = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(2020, 12, 31)))
    if draw(st.booleans()):
        data["relationship"] = {
            "obtained_through": draw(st.sampled_from(list(Acquisition))),
            "obtained_at": draw(instants),
            "seller": draw(st.sampled_from(SENDERS)),
            "contact_points": draw(
                st.lists(
                    st.sampled_from([Channel.EMAIL, Channel.SMS, Channel.MESSENGER]), min_size=1, unique=True
                )
            ),
            "purchased_categories": draw(st.lists(st.sampled_from(TOPICS), max_size=2, unique=True)),
            "opt_out_notice_at_collection": draw(st.sampled_from([True, False, None])),
        }
    if draw(st.integers(0, 3)) == 0:
        data["presumed_consent"] = {
            "facts": "Asked for an offer at the trade fair.",
            "assessed_by": "Compliance",
            "assessed_at": draw(instants),
            "sender": draw(st.sampled_from(SENDERS)),
        }
    return Contact.model_validate(data)


@st.composite
def messages(draw: st.DrawFn, purpose: Purpose | None = None) -> Message:
    maybe = st.sampled_from([True, True, False, None])
    return Message(
        sender=draw(st.sampled_from(SENDERS)),
        purpose=purpose or draw(st.sampled_from(list(Purpose))),
        topic=draw(st.sampled_from([*TOPICS, None])),
        own_products=draw(maybe),
        similar_to_purchases=draw(st.sampled_from([True, False, None])),
        includes_opt_out_notice=draw(maybe),
        sender_identified=draw(maybe),
        valid_opt_out_address=draw(maybe),
        editorial_content=draw(st.booleans()),
    )
