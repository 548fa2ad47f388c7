"""Input facts: frozen pydantic models that reject bad data with a readable InputError."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from dialoglaw import (
    Acquisition,
    Audience,
    Channel,
    Consent,
    ConsentMethod,
    Contact,
    CustomerRelationship,
    Evidence,
    EvidenceKind,
    InputError,
    LineType,
    Message,
    Objection,
    Policy,
    PostalAddress,
    PresumedConsent,
    Purpose,
    UnsettledChoice,
)
from dialoglaw.facts import Fact

BERLIN = ZoneInfo("Europe/Berlin")
GRANTED = datetime(2023, 3, 1, 10, 0, tzinfo=BERLIN)
EMAIL = "Max.Mustermann@Example.DE"
MOBILE = "0171 1234567"

F = TypeVar("F", bound=Fact)


def build(model: type[F], **data: Any) -> F:
    """Call a model's constructor with untyped data, as a file reader would."""
    return model(**data)


def rejects(model: type[Fact], **data: Any) -> InputError:
    """The InputError the model raises for ``data``."""
    with pytest.raises(InputError) as info:
        model(**data)
    return info.value


def consent_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "k-1",
        "channels": ["email", "phone"],
        "granted_at": GRANTED,
        "method": "double_opt_in",
        "senders": ["ACME GmbH"],
        "confirmed_at": GRANTED + timedelta(minutes=5),
        "confirmation_channel": "email",
        "evidence": [
            {
                "kind": "doi_log",
                "uri": "s3://consent-proofs/k-1.json",
                "sha256": "ab" * 32,
                "captured_at": GRANTED + timedelta(minutes=5),
            }
        ],
    }
    data.update(changes)
    return data


def contact_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "c-1",
        "audience": "consumer",
        "country": "DE",
        "email": EMAIL,
        "phone": "030 1234567",
        "mobile": MOBILE,
        "fax": "030 1234568",
        "messenger": "@max.mustermann",
        "postal_address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
        "birth_date": "1990-05-17",
        "consents": [consent_data()],
        "objections": [{"at": GRANTED + timedelta(days=30), "channels": ["phone"]}],
        "relationship": {
            "obtained_through": "sale",
            "obtained_at": GRANTED - timedelta(days=100),
            "seller": "ACME GmbH",
            "purchased_categories": ["Shoes"],
        },
        "presumed_consent": None,
        "robinson_listed": False,
        "no_ads_sticker": True,
    }
    data.update(changes)
    return data


# -- realistic data ------------------------------------------------------------------


def test_a_realistic_contact_is_accepted_and_normalised() -> None:
    contact = build(Contact, **contact_data())
    assert contact.id == "c-1"
    assert contact.audience is Audience.CONSUMER
    assert contact.email == "Max.Mustermann@example.de"
    assert contact.phone is not None
    assert contact.phone.e164 == "+49301234567"
    assert contact.phone.line_type is LineType.FIXED_LINE
    assert contact.mobile is not None
    assert contact.mobile.e164 == "+491711234567"
    assert contact.mobile.sms_capable
    assert contact.fax is not None
    assert contact.fax.e164 == "+49301234568"
    assert contact.birth_date == date(1990, 5, 17)
    assert contact.postal_address == PostalAddress(street="Hauptstraße 1", postal_code="10115", city="Berlin")
    assert contact.postal_address.country == "DE"
    assert contact.consents[0].channels == (Channel.EMAIL, Channel.PHONE)
    assert contact.consents[0].method is ConsentMethod.DOUBLE_OPT_IN
    assert contact.consents[0].evidence[0].kind is EvidenceKind.DOI_LOG
    assert contact.objections[0].channels == (Channel.PHONE,)
    assert contact.relationship is not None
    assert contact.relationship.obtained_through is Acquisition.SALE
    assert contact.relationship.purchased_categories == ("shoes",)
    assert contact.relationship.contact_points == (Channel.EMAIL,)
    assert contact.no_ads_sticker


def test_a_minimal_contact_has_cautious_defaults() -> None:
    contact = Contact(id="c-2")
    assert contact.audience is Audience.UNKNOWN
    assert contact.country == "DE"
    assert contact.email is None
    assert contact.consents == ()
    assert contact.objections == ()
    assert not contact.robinson_listed
    assert not contact.no_ads_sticker


def test_a_realistic_consent_is_accepted() -> None:
    consent = build(Consent, **consent_data(scope=["Shoes", " Boots "], subject_age=34))
    assert consent.granted_at == GRANTED
    assert consent.confirmation_channel is Channel.EMAIL
    assert consent.senders == ("ACME GmbH",)
    assert consent.scope == ("shoes", "boots")
    assert consent.given_by_subject
    assert consent.last_use is None


def test_a_consent_from_iso_text_keeps_its_offset() -> None:
    consent = build(
        Consent,
        **consent_data(granted_at="2023-03-01T10:00:00+01:00", confirmed_at=None, confirmation_channel=None),
    )
    assert consent.granted_at == GRANTED
    assert consent.granted_at.utcoffset() == timedelta(hours=1)


def test_consent_timestamps_may_coincide_with_the_grant() -> None:
    consent = build(
        Consent,
        **consent_data(confirmed_at=GRANTED, withdrawn_at=GRANTED, used_at=[GRANTED]),
    )
    assert consent.withdrawn_at == GRANTED


def test_realistic_objection_relationship_presumed_consent_and_evidence_are_accepted() -> None:
    objection = Objection(at=GRANTED, channels=(Channel.EMAIL,), sender="ACME GmbH")
    assert objection.covers(Channel.EMAIL, "acme gmbh")
    assert not objection.covers(Channel.PHONE, "ACME GmbH")
    assert Objection(at=GRANTED).covers(Channel.FAX, "Other AG")

    relationship = build(
        CustomerRelationship,
        obtained_through="sale",
        obtained_at=GRANTED,
        seller="ACME GmbH",
        contact_points=["email", "sms"],
        opt_out_notice_at_collection=True,
    )
    assert relationship.contact_points == (Channel.EMAIL, Channel.SMS)

    presumed = PresumedConsent(
        facts="Asked at the Hannover trade fair for an offer on label printers.",
        assessed_by="J. Schmidt, sales",
        assessed_at=GRANTED,
        sender="ACME GmbH",
        topic="Label Printers",
    )
    assert presumed.topic == "label printers"

    evidence = build(Evidence, kind="audio_recording", uri="s3://calls/1.wav", captured_at=GRANTED)
    assert evidence.sha256 is None


def test_a_realistic_message_is_accepted() -> None:
    message = build(
        Message,
        sender="ACME GmbH",
        purpose="feedback_request",
        topic="  Shoes ",
        own_products=True,
        sender_identified=True,
        valid_opt_out_address=True,
    )
    assert message.topic == "shoes"
    assert message.purpose is Purpose.FEEDBACK_REQUEST
    assert message.similar_to_purchases is None
    assert not message.editorial_content


@pytest.mark.parametrize(
    ("purpose", "advertising"),
    [
        (Purpose.ADVERTISING, True),
        (Purpose.FEEDBACK_REQUEST, True),
        (Purpose.MIXED, True),
        (Purpose.TRANSACTIONAL, False),
    ],
)
def test_only_transactional_messages_are_not_advertising(purpose: Purpose, advertising: bool) -> None:
    assert Message(sender="ACME GmbH", purpose=purpose).is_advertising is advertising


def test_a_realistic_policy_is_accepted_and_defaults_are_cautious() -> None:
    default = Policy()
    assert default.unknown_audience is Audience.CONSUMER
    assert default.honour_robinson_list
    assert default.choice("de.uwg.7.3.sms") is UnsettledChoice.REVIEW
    assert Channel.EMAIL in default.require_confirmed_opt_in

    policy = build(
        Policy,
        unknown_audience="business",
        unsettled={"de.uwg.7.3.sms": "permit", "de.consent.lapse": "suppress"},
        similarity_groups=[["Shoes", "Boots"]],
        stale_consent_after_days=730,
    )
    assert policy.unknown_audience is Audience.BUSINESS
    assert policy.choice("de.uwg.7.3.sms") is UnsettledChoice.PERMIT
    assert policy.choice("de.consent.lapse") is UnsettledChoice.SUPPRESS
    assert policy.similar("boots", ("shoes",))
    assert not policy.similar("hats", ("shoes",))


# -- rejected data, pinned word for word ----------------------------------------------

METHODS = (
    "'double_opt_in', 'single_opt_in', 'written_signed', 'verbal_recorded', 'pre_ticked_box', "
    "'opt_out_checkbox', 'terms_and_conditions', 'partner_list' or 'implied'"
)
CHANNELS = "'postal', 'leaflet', 'phone', 'automated_call', 'fax', 'email', 'sms' or 'messenger'"
NAIVE = datetime(2023, 3, 1, 10, 0)  # noqa: DTZ001 - deliberately naive


@pytest.mark.parametrize(
    ("model", "data", "field", "message"),
    [
        (
            Contact,
            contact_data(audience="alien"),
            "audience",
            "Invalid Contact: 'audience' must be one of 'consumer', 'business' or 'unknown'.",
        ),
        (
            Contact,
            contact_data(nickname="Maxi"),
            "nickname",
            "Invalid Contact: 'nickname' is not a known field.",
        ),
        (
            Contact,
            contact_data(birth_date="17.05.1990"),
            "birth_date",
            "Invalid Contact: 'birth_date' must be an ISO 8601 date (YYYY-MM-DD).",
        ),
        (Contact, contact_data(id=""), "id", "Invalid Contact: 'id' must not be empty."),
        (Contact, contact_data(id=17), "id", "Invalid Contact: 'id' must be a string."),
        (
            Contact,
            contact_data(robinson_listed="perhaps"),
            "robinson_listed",
            "Invalid Contact: 'robinson_listed' must be true or false.",
        ),
        (
            Contact,
            contact_data(consents=[consent_data(), consent_data()]),
            "consents",
            "Invalid Contact: 'consents' contains two consents with the same id.",
        ),
        (
            Consent,
            consent_data(granted_at=NAIVE),
            "granted_at",
            "Invalid Consent: 'granted_at' must be timezone-aware (a naive date-time was given).",
        ),
        (
            Consent,
            consent_data(granted_at="2023-03-01T10:00:00"),
            "granted_at",
            "Invalid Consent: 'granted_at' must be timezone-aware (a naive date-time was given).",
        ),
        (
            Consent,
            consent_data(granted_at="01.03.2023"),
            "granted_at",
            "Invalid Consent: 'granted_at' must be an ISO 8601 date-time with a time zone.",
        ),
        (
            Consent,
            consent_data(withdrawn_at=NAIVE + timedelta(days=1)),
            "withdrawn_at",
            "Invalid Consent: 'withdrawn_at' must be timezone-aware (a naive date-time was given).",
        ),
        (
            Consent,
            consent_data(used_at=[NAIVE + timedelta(days=1)]),
            "used_at[0]",
            "Invalid Consent: 'used_at[0]' must be timezone-aware (a naive date-time was given).",
        ),
        (
            Consent,
            consent_data(channels=["email", "carrier_pigeon"]),
            "channels[1]",
            f"Invalid Consent: 'channels[1]' must be one of {CHANNELS}.",
        ),
        (
            Consent,
            consent_data(method="telepathy"),
            "method",
            f"Invalid Consent: 'method' must be one of {METHODS}.",
        ),
        (
            Consent,
            consent_data(channels=["email", "email"]),
            "channels",
            "Invalid Consent: 'channels' lists a channel twice.",
        ),
        (Consent, consent_data(channels=[]), "channels", "Invalid Consent: 'channels' must not be empty."),
        (Consent, consent_data(senders=[]), "senders", "Invalid Consent: 'senders' must not be empty."),
        (Consent, consent_data(colour="red"), "colour", "Invalid Consent: 'colour' is not a known field."),
        (
            Consent,
            consent_data(subject_age=131),
            "subject_age",
            "Invalid Consent: 'subject_age' is too large.",
        ),
        (
            Consent,
            consent_data(subject_age=-1),
            "subject_age",
            "Invalid Consent: 'subject_age' is too small.",
        ),
        (
            Evidence,
            {"kind": "rumour"},
            "kind",
            "Invalid Evidence: 'kind' must be one of 'doi_log', 'web_form_log', 'audio_recording', "
            "'signed_form', 'screenshot' or 'other'.",
        ),
        (
            Evidence,
            {"kind": "doi_log", "sha256": "AB" * 32},
            "sha256",
            "Invalid Evidence: 'sha256' has the wrong format.",
        ),
        (
            Evidence,
            {"kind": "doi_log", "captured_at": NAIVE},
            "captured_at",
            "Invalid Evidence: 'captured_at' must be timezone-aware (a naive date-time was given).",
        ),
        (
            Objection,
            {"at": NAIVE},
            "at",
            "Invalid Objection: 'at' must be timezone-aware (a naive date-time was given).",
        ),
        (
            Objection,
            {"at": GRANTED, "channels": []},
            "channels",
            "Invalid Objection: 'channels' must not be empty.",
        ),
        (
            CustomerRelationship,
            {
                "obtained_through": "sale",
                "obtained_at": GRANTED,
                "seller": "ACME GmbH",
                "contact_points": ["email", "phone", "fax"],
            },
            "contact_points",
            "Invalid CustomerRelationship: 'contact_points' may only list electronic mail channels "
            "(email, sms, messenger), not phone, fax.",
        ),
        (
            CustomerRelationship,
            {"obtained_through": "theft", "obtained_at": GRANTED, "seller": "ACME GmbH"},
            "obtained_through",
            "Invalid CustomerRelationship: 'obtained_through' must be one of 'sale', 'cancelled_order', "
            "'registration', 'enquiry', 'newsletter_signup' or 'other'.",
        ),
        (
            CustomerRelationship,
            {"obtained_through": "sale", "obtained_at": NAIVE, "seller": "ACME GmbH"},
            "obtained_at",
            "Invalid CustomerRelationship: 'obtained_at' must be timezone-aware (a naive date-time was given).",
        ),
        (
            PresumedConsent,
            {"facts": "", "assessed_by": "J. Schmidt", "assessed_at": GRANTED, "sender": "ACME GmbH"},
            "facts",
            "Invalid PresumedConsent: 'facts' must not be empty.",
        ),
        (
            PresumedConsent,
            {"facts": "x" * 501, "assessed_by": "J. Schmidt", "assessed_at": GRANTED, "sender": "ACME GmbH"},
            "facts",
            "Invalid PresumedConsent: 'facts' is too long.",
        ),
        (
            PresumedConsent,
            {
                "facts": "Trade fair enquiry",
                "assessed_by": "J. Schmidt",
                "assessed_at": NAIVE,
                "sender": "ACME GmbH",
            },
            "assessed_at",
            "Invalid PresumedConsent: 'assessed_at' must be timezone-aware (a naive date-time was given).",
        ),
        (
            PostalAddress,
            {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin", "country": "Germany"},
            "country",
            "Invalid PostalAddress: 'country' has the wrong format.",
        ),
        (
            PostalAddress,
            {"street": "Hauptstraße 1", "postal_code": "10115"},
            "city",
            "Invalid PostalAddress: 'city' is required but missing.",
        ),
        (
            Message,
            {"sender": "ACME GmbH", "purpose": "spam"},
            "purpose",
            "Invalid Message: 'purpose' must be one of 'advertising', 'transactional', 'feedback_request' "
            "or 'mixed'.",
        ),
        (
            Message,
            {"sender": "ACME GmbH", "sender_identified": "maybe"},
            "sender_identified",
            "Invalid Message: 'sender_identified' must be true or false.",
        ),
        (Message, {"sender": "  "}, "sender", "Invalid Message: 'sender' must not be empty."),
        (
            Message,
            {"sender": "ACME GmbH", "urgent": True},
            "urgent",
            "Invalid Message: 'urgent' is not a known field.",
        ),
        (
            Policy,
            {"unsettled": {"de.uwg.7.3.sms": "maybe"}},
            "unsettled.de.uwg.7.3.sms",
            "Invalid Policy: 'unsettled.de.uwg.7.3.sms' must be one of 'review', 'permit' or 'suppress'.",
        ),
        (
            Policy,
            {"stale_consent_after_days": 0},
            "stale_consent_after_days",
            "Invalid Policy: 'stale_consent_after_days' is too small.",
        ),
        (
            Policy,
            {"practice_retention_years": 31},
            "practice_retention_years",
            "Invalid Policy: 'practice_retention_years' is too large.",
        ),
        (
            Policy,
            {"honour_robinson": False},
            "honour_robinson",
            "Invalid Policy: 'honour_robinson' is not a known field.",
        ),
        (
            Policy,
            {"require_confirmed_opt_in": ["email", "telegram"]},
            "require_confirmed_opt_in[1]",
            f"Invalid Policy: 'require_confirmed_opt_in[1]' must be one of {CHANNELS}.",
        ),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_bad_data_is_rejected_with_a_pinned_message(
    model: type[Fact], data: dict[str, Any], field: str, message: str
) -> None:
    err = rejects(model, **data)
    assert str(err) == message
    assert err.field == field
    assert err.code == "invalid_input"


def test_an_unknown_audience_policy_names_the_allowed_values_as_slugs() -> None:
    err = rejects(Policy, unknown_audience="unknown")
    assert str(err) == "Invalid Policy: 'unknown_audience' must be one of 'consumer' or 'business'."
    assert err.field == "unknown_audience"


def test_a_too_short_postal_code_is_called_too_short_not_empty() -> None:
    err = rejects(PostalAddress, street="Hauptstraße 1", postal_code="10", city="Berlin")
    assert str(err) == "Invalid PostalAddress: 'postal_code' is too short (at least 3 characters)."
    assert err.field == "postal_code"


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (Consent, consent_data(senders=["  "]), "Invalid Consent: 'senders[0]' must not be empty."),
        (
            Consent,
            consent_data(channels=["carrier_pigeon"]),
            f"Invalid Consent: 'channels[0]' must be one of {CHANNELS}.",
        ),
        (
            Objection,
            {"at": GRANTED, "channels": ["pigeon"]},
            f"Invalid Objection: 'channels[0]' must be one of {CHANNELS}.",
        ),
    ],
    ids=["blank sender", "unknown consent channel", "unknown objection channel"],
)
def test_a_bad_entry_is_one_problem_not_also_an_empty_list(
    model: type[Fact], data: dict[str, Any], message: str
) -> None:
    # The list has one entry; "'senders' must not be empty" would be false.
    err = rejects(model, **data)
    assert str(err) == message
    assert len(err.problems) == 1


def test_a_lower_case_country_code_is_upper_cased() -> None:
    # The field declares to_upper=True, so "at" is meant to be read as "AT" (and the
    # registry also accepts "de"); pydantic checks the pattern before upper-casing.
    contact = build(Contact, id="c-at", country="at", phone="01 5880")
    assert contact.country == "AT"
    assert contact.phone is not None
    assert contact.phone.e164 == "+4315880"


# -- Consent: dates in order ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"confirmed_at": GRANTED - timedelta(seconds=1)},
            "Invalid Consent: 'confirmed_at' is earlier than 'granted_at'.",
        ),
        (
            {"withdrawn_at": GRANTED - timedelta(days=1)},
            "Invalid Consent: 'withdrawn_at' is earlier than 'granted_at'.",
        ),
        (
            {"used_at": [GRANTED + timedelta(days=1), GRANTED - timedelta(days=1)]},
            "Invalid Consent: 'used_at' has a use earlier than 'granted_at'.",
        ),
        (
            {"confirmation_channel": None},
            "Invalid Consent: 'confirmation_channel' must be given together with 'confirmed_at'.",
        ),
        (
            {"confirmed_at": None},
            "Invalid Consent: 'confirmation_channel' must be given together with 'confirmed_at'.",
        ),
    ],
)
def test_consent_dates_must_not_precede_the_grant(changes: dict[str, Any], message: str) -> None:
    assert str(rejects(Consent, **consent_data(**changes))) == message


def test_the_same_instant_in_another_zone_is_not_earlier() -> None:
    in_utc = GRANTED.astimezone(UTC)
    consent = build(Consent, **consent_data(withdrawn_at=in_utc, used_at=[in_utc], confirmed_at=in_utc))
    assert consent.withdrawn_at == GRANTED


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"confirmed_at": GRANTED - timedelta(seconds=1)}, {"confirmed_at"}),
        ({"withdrawn_at": GRANTED - timedelta(days=1)}, {"withdrawn_at"}),
        ({"used_at": [GRANTED + timedelta(days=1), GRANTED - timedelta(days=1)]}, {"used_at", "used_at[1]"}),
    ],
)
def test_a_date_order_error_names_the_offending_field(changes: dict[str, Any], fields: set[str]) -> None:
    # A batch error record reports err.field; an empty field tells the user nothing.
    assert rejects(Consent, **consent_data(**changes)).field in fields


def test_every_date_order_problem_is_reported_not_only_the_first() -> None:
    err = rejects(
        Consent,
        **consent_data(confirmed_at=GRANTED - timedelta(hours=1), withdrawn_at=GRANTED - timedelta(days=1)),
    )
    assert len(err.problems) == 2


def test_duplicate_consent_ids_are_rejected_even_when_not_adjacent() -> None:
    err = rejects(
        Contact,
        id="c-1",
        consents=[consent_data(id="k-1"), consent_data(id="k-2"), consent_data(id="k-1")],
    )
    assert str(err) == "Invalid Contact: 'consents' contains two consents with the same id."
    assert err.field == "consents"


def test_distinct_consent_ids_are_accepted() -> None:
    contact = build(Contact, id="c-1", consents=[consent_data(id="k-1"), consent_data(id="k-2")])
    assert [c.id for c in contact.consents] == ["k-1", "k-2"]


# -- Consent.with_use -------------------------------------------------------------------


def test_with_use_returns_a_new_consent_with_the_use_appended() -> None:
    consent = build(Consent, **consent_data(used_at=[GRANTED + timedelta(days=1)]))
    first, second = GRANTED + timedelta(days=1), GRANTED + timedelta(days=40)
    used = consent.with_use(second)
    assert used is not consent
    assert used.used_at == (first, second)
    assert consent.used_at == (first,)
    assert used.last_use == second
    assert used.id == consent.id
    assert used.channels == consent.channels


def test_with_use_rejects_a_naive_timestamp() -> None:
    consent = build(Consent, **consent_data())
    with pytest.raises(InputError) as info:
        consent.with_use(NAIVE + timedelta(days=2))
    assert str(info.value) == "Invalid send time: 'at' must be timezone-aware (a naive date-time was given)."
    assert info.value.field == "at"


def test_with_use_rejects_a_use_before_the_grant_like_the_constructor_does() -> None:
    consent = build(Consent, **consent_data())
    early = GRANTED - timedelta(days=1)
    expected = rejects(Consent, **consent_data(used_at=[early]))
    with pytest.raises(InputError) as info:
        consent.with_use(early)
    assert str(info.value) == str(expected)


# -- several problems at once -------------------------------------------------------------


def test_problems_lists_every_problem_and_field_is_the_first() -> None:
    err = rejects(
        Consent, id="k-1", granted_at=NAIVE, method="telepathy", senders=["ACME GmbH"], colour="red"
    )
    assert [p.field for p in err.problems] == ["channels", "granted_at", "method", "colour"]
    assert [p.type for p in err.problems] == ["missing", "timezone_aware", "enum", "extra_forbidden"]
    assert err.field == "channels"
    assert str(err) == (
        "Invalid Consent (4 problems): 'channels' is required but missing; "
        "'granted_at' must be timezone-aware (a naive date-time was given); "
        f"'method' must be one of {METHODS}; 'colour' is not a known field."
    )


def test_a_missing_everything_consent_lists_all_required_fields() -> None:
    err = rejects(Consent, id="k-1")
    assert str(err) == (
        "Invalid Consent (4 problems): 'channels' is required but missing; "
        "'granted_at' is required but missing; 'method' is required but missing; "
        "'senders' is required but missing."
    )


def test_a_bad_nested_fact_is_reported_with_its_full_path() -> None:
    err = rejects(Contact, id="c-1", consents=[consent_data(granted_at=NAIVE)])
    assert str(err) == (
        "Invalid Contact: 'consents[0].granted_at' must be timezone-aware (a naive date-time was given)."
    )
    assert err.field == "consents[0].granted_at"


def test_problems_in_several_nested_facts_are_each_listed() -> None:
    err = rejects(
        Contact,
        id="c-1",
        consents=[consent_data(), consent_data(id="k-2", method="telepathy")],
        objections=[{"at": "2023-01-01T00:00:00"}],
    )
    assert [p.field for p in err.problems] == ["consents[1].method", "objections[0].at"]


@pytest.mark.parametrize(
    "validate",
    [
        lambda: Contact.model_validate({"id": "c-1", "email": "max.mustermann@"}),
        lambda: Contact.model_validate_json('{"id": "c-1", "email": "max.mustermann@"}'),
    ],
    ids=["model_validate", "model_validate_json"],
)
def test_validating_a_record_reports_the_field_once(validate: Any) -> None:
    # Readers of JSON Lines and Parquet validate records this way; the batch error record
    # needs the field, and the text must not say "Invalid Contact: Invalid Contact: ...".
    with pytest.raises(InputError) as info:
        validate()
    assert str(info.value) == (
        "Invalid Contact: 'email' is not a valid e-mail address (there must be something after the @-sign)."
    )
    assert info.value.field == "email"


def test_malformed_json_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        Contact.model_validate_json('{"id": ')
    assert str(info.value).startswith("Invalid Contact: ")


# -- personal data stays out of errors and repr ---------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "max.mustermann@example", "mobile": "0171 12345"},
        {"audience": "alien"},
        {"consents": [consent_data(method="telepathy")]},
        {"birth_date": "17.05.1990"},
        {"email": "max.mustermann@mustermann☃.de"},
    ],
)
def test_error_text_never_contains_the_email_address_or_phone_number(changes: dict[str, Any]) -> None:
    err = rejects(Contact, **contact_data(**changes))
    for text in (str(err), repr(err), *(p.message for p in err.problems)):
        lowered = text.lower()
        assert "mustermann" not in lowered
        assert "1711234567" not in text
        assert "0171" not in text
        assert "12345" not in text
        assert "1990" not in text


def test_repr_of_a_contact_masks_personal_data() -> None:
    contact = build(Contact, **contact_data())
    for text in (repr(contact), str(contact)):
        assert "M***@e***.de" in text
        assert "Mustermann" not in text
        assert "mustermann" not in text
        assert "1711234567" not in text
        assert "301234567" not in text
        assert "Hauptstraße" not in text
        assert "1990" not in text


# -- frozen, hashable, round trip -----------------------------------------------------------


def all_facts() -> list[Fact]:
    contact = build(Contact, **contact_data())
    assert contact.relationship is not None
    assert contact.postal_address is not None
    return [
        contact,
        contact.consents[0],
        contact.consents[0].evidence[0],
        contact.objections[0],
        contact.relationship,
        contact.postal_address,
        PresumedConsent(
            facts="Trade fair enquiry", assessed_by="J. Schmidt", assessed_at=GRANTED, sender="ACME GmbH"
        ),
        Message(sender="ACME GmbH"),
        build(Policy, unsettled={"de.uwg.7.3.sms": "permit"}, similarity_groups=[["shoes", "boots"]]),
    ]


@pytest.mark.parametrize("fact", all_facts(), ids=lambda f: type(f).__name__)
def test_facts_are_frozen(fact: Fact) -> None:
    name = next(iter(type(fact).model_fields))
    before = getattr(fact, name)
    with pytest.raises(ValueError, match="cannot be changed"):
        setattr(fact, name, before)
    assert getattr(fact, name) == before


def test_changing_a_fact_is_an_input_error_that_reads_as_a_sentence() -> None:
    # errors.py maps pydantic's "frozen_instance" to "cannot be changed (facts are
    # immutable)", but assignment still raises a raw pydantic ValidationError.
    consent = build(Consent, **consent_data())
    name = "withdrawn_at"
    with pytest.raises(InputError) as info:
        setattr(consent, name, GRANTED)
    assert str(info.value) == "Invalid Consent: 'withdrawn_at' cannot be changed (facts are immutable)."
    assert info.value.field == "withdrawn_at"


@pytest.mark.parametrize("fact", all_facts(), ids=lambda f: type(f).__name__)
def test_facts_are_hashable_and_equal_facts_hash_equal(fact: Fact) -> None:
    twin = type(fact).model_validate(fact.model_dump())
    assert twin == fact
    assert hash(twin) == hash(fact)
    assert len({fact, twin}) == 1


def test_collections_in_facts_are_tuples() -> None:
    contact = build(Contact, **contact_data())
    assert isinstance(contact.consents, tuple)
    assert isinstance(contact.objections, tuple)
    assert isinstance(contact.consents[0].channels, tuple)
    assert isinstance(contact.consents[0].senders, tuple)
    assert isinstance(contact.consents[0].evidence, tuple)


def test_a_policys_unsettled_choices_cannot_be_changed_after_validation() -> None:
    policy = build(Policy, unsettled={"de.uwg.7.3.sms": "review"})
    before = hash(policy)
    unsettled: Any = policy.unsettled
    with pytest.raises(TypeError):
        unsettled["de.uwg.7.3.sms"] = UnsettledChoice.PERMIT
    assert policy.choice("de.uwg.7.3.sms") is UnsettledChoice.REVIEW
    assert hash(policy) == before


def test_policies_with_the_same_choices_in_another_order_are_equal() -> None:
    a = build(Policy, unsettled={"b": "permit", "a": "review"})
    b = build(Policy, unsettled={"a": "review", "b": "permit"})
    assert a == b
    assert hash(a) == hash(b)


@pytest.mark.parametrize(
    "data",
    [contact_data(), {"id": "c-at", "country": "AT", "phone": "01 5880", "mobile": "+49 171 1234567"}],
    ids=["DE", "AT"],
)
def test_a_contact_survives_a_json_round_trip(data: dict[str, Any]) -> None:
    contact = build(Contact, **data)
    assert Contact.model_validate_json(contact.model_dump_json()) == contact
    assert Contact.model_validate(contact.model_dump(mode="json")) == contact


@pytest.mark.parametrize("fact", all_facts(), ids=lambda f: type(f).__name__)
def test_every_fact_survives_a_json_round_trip(fact: Fact) -> None:
    assert type(fact).model_validate_json(fact.model_dump_json()) == fact
