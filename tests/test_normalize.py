"""Normalisation of telephone numbers (phonenumbers) and e-mail addresses (email-validator)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import dialoglaw
from dialoglaw import Contact, InputError, LineType, PhoneNumber, normalize_email, normalize_phone
from dialoglaw.normalize import MAX_EMAIL_LENGTH, mask_email, mask_phone

# -- telephone numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164", "line_type"),
    [
        ("0171 1234567", "+491711234567", LineType.MOBILE),
        ("0151 23456789", "+4915123456789", LineType.MOBILE),
        ("030/1234567", "+49301234567", LineType.FIXED_LINE),
        ("+49 (0)30 1234567", "+49301234567", LineType.FIXED_LINE),
        ("0049 30 1234567", "+49301234567", LineType.FIXED_LINE),
        ("+49 30 1234567", "+49301234567", LineType.FIXED_LINE),
        ("030 12345678", "+493012345678", LineType.FIXED_LINE),
        ("  030 1234567  ", "+49301234567", LineType.FIXED_LINE),
        ("0800 1234567", "+498001234567", LineType.TOLL_FREE),
        ("0900 1234567", "+499001234567", LineType.PREMIUM_RATE),
    ],
)
def test_german_national_formats_normalise_to_e164_with_line_type(
    raw: str, e164: str, line_type: LineType
) -> None:
    number = normalize_phone(raw)
    assert number.e164 == e164
    assert number.line_type is line_type
    assert number.region == "DE"


def test_a_foreign_number_in_international_form_keeps_its_own_region() -> None:
    number = normalize_phone("+43 664 1234567")
    assert number.e164 == "+436641234567"
    assert number.region == "AT"
    assert number.line_type is LineType.MOBILE


def test_a_national_number_is_read_in_the_region_given() -> None:
    vienna = normalize_phone("01 5880", region="AT")
    assert vienna.e164 == "+4315880"
    assert vienna.region == "AT"
    assert vienna.line_type is LineType.FIXED_LINE
    mobile = normalize_phone("0664 1234567", region="AT")
    assert mobile.e164 == "+436641234567"
    assert mobile.line_type is LineType.MOBILE


def test_the_same_digits_mean_different_numbers_in_different_regions() -> None:
    # "0171 1234567" is a German mobile, but in Austria a Vienna landline.
    assert normalize_phone("0171 1234567", region="DE").e164 == "+491711234567"
    assert normalize_phone("0171 1234567", region="AT").e164 == "+431711234567"
    assert normalize_phone("0171 1234567", region="AT").line_type is LineType.FIXED_LINE


def test_the_contacts_country_sets_the_region_of_its_numbers() -> None:
    contact = Contact(id="c-at", country="AT", phone="01 5880", mobile="0664 1234567")
    assert contact.phone is not None
    assert contact.phone.e164 == "+4315880"
    assert contact.phone.region == "AT"
    assert contact.mobile is not None
    assert contact.mobile.e164 == "+436641234567"
    assert contact.mobile.sms_capable


def test_a_viennese_number_is_not_a_valid_german_number() -> None:
    with pytest.raises(InputError) as info:
        Contact(id="c-de", phone="01 5880")
    assert str(info.value) == "Invalid Contact: 'phone' is not a valid phone number for region DE."
    assert info.value.field == "phone"


def test_a_contact_abroad_may_still_give_a_german_number_in_international_form() -> None:
    contact = Contact(id="c-at", country="AT", mobile="+49 171 1234567")
    assert contact.mobile is not None
    assert contact.mobile.e164 == "+491711234567"
    assert contact.mobile.region == "DE"


def test_a_serialised_number_is_re_derived_rather_than_trusted() -> None:
    contact = Contact.model_validate(
        {"id": "c-1", "mobile": {"e164": "+491711234567", "line_type": "fixed_line", "region": "DE"}}
    )
    assert contact.mobile is not None
    assert contact.mobile.line_type is LineType.MOBILE


def test_a_phone_number_object_is_accepted_as_it_is() -> None:
    number = normalize_phone("0171 1234567")
    contact = Contact(id="c-1", mobile=number)
    assert contact.mobile == number


@pytest.mark.parametrize(
    ("line_type", "capable"),
    [
        (LineType.MOBILE, True),
        (LineType.FIXED_LINE_OR_MOBILE, True),
        (LineType.FIXED_LINE, False),
        (LineType.TOLL_FREE, False),
        (LineType.PREMIUM_RATE, False),
        (LineType.VOIP, False),
        (LineType.UNKNOWN, False),
    ],
)
def test_only_mobile_lines_are_sms_capable(line_type: LineType, capable: bool) -> None:
    assert PhoneNumber(e164="+491711234567", line_type=line_type).sms_capable is capable


def test_an_sms_to_a_landline_is_detectable() -> None:
    assert normalize_phone("0171 1234567").sms_capable
    assert not normalize_phone("030 1234567").sms_capable
    assert not normalize_phone("0800 1234567").sms_capable


@pytest.mark.parametrize(
    ("raw", "region", "message"),
    [
        ("0171 12", "DE", "Invalid phone number: 'phone' is not a valid phone number for region DE."),
        ("030 1", "DE", "Invalid phone number: 'phone' is not a valid phone number for region DE."),
        ("+49 171", "DE", "Invalid phone number: 'phone' is not a valid phone number for region DE."),
        (
            "0171 123456789012",
            "DE",
            "Invalid phone number: 'phone' is not a valid phone number for region DE.",
        ),
        (
            "call me maybe",
            "DE",
            "Invalid phone number: 'phone' is not a valid phone number for region DE: it cannot be parsed.",
        ),
        (
            "+999 1234567",
            "DE",
            "Invalid phone number: 'phone' is not a valid phone number for region DE: it cannot be parsed.",
        ),
        ("", "DE", "Invalid phone number: 'phone' must not be empty."),
        ("   ", "DE", "Invalid phone number: 'phone' must not be empty."),
        (
            "0171 1234567 " * 4,
            "DE",
            "Invalid phone number: 'phone' is not a valid phone number: it is too long.",
        ),
        ("01 5880", "DE", "Invalid phone number: 'phone' is not a valid phone number for region DE."),
    ],
)
def test_an_invalid_number_names_the_field_and_the_problem(raw: str, region: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        normalize_phone(raw, region=region)
    assert str(info.value) == message
    assert info.value.field == "phone"
    assert info.value.code == "invalid_input"


def test_an_invalid_number_is_never_echoed() -> None:
    raw = "0171 1234"
    with pytest.raises(InputError) as info:
        normalize_phone(raw, field="contacts[7].mobile")
    text = str(info.value)
    assert text == "Invalid phone number: 'contacts[7].mobile' is not a valid phone number for region DE."
    assert raw not in text
    assert "1711234" not in text
    assert "1234" not in text
    assert info.value.field == "contacts[7].mobile"


def test_a_number_that_is_not_a_string_is_rejected() -> None:
    value: Any = 1711234567
    with pytest.raises(InputError) as info:
        normalize_phone(value)
    assert str(info.value) == "Invalid phone number: 'phone' must be a string."


def test_an_invalid_number_in_a_contact_is_not_echoed_either() -> None:
    with pytest.raises(InputError) as info:
        Contact(id="c-1", mobile="0171 12345")
    assert str(info.value) == "Invalid Contact: 'mobile' is not a valid phone number for region DE."
    assert "12345" not in str(info.value)
    assert "12345" not in repr(info.value)


def test_a_phone_number_masks_itself_in_str_and_repr() -> None:
    number = normalize_phone("0171 1234567")
    assert str(number) == "+49********67"
    assert repr(number) == "PhoneNumber('+49********67', line_type='mobile')"
    assert "1711234567" not in repr(number)


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+491711234567", "+49********67"),
        ("+49301234567", "+49*******67"),
        ("+4315880", "+43***80"),
        ("+4312", "***"),
    ],
)
def test_mask_phone_keeps_country_code_and_last_two_digits(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


# -- e-mail addresses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("max.mustermann@example.de", "max.mustermann@example.de"),
        ("Max.Mustermann@Example.DE", "Max.Mustermann@example.de"),
        ("Max@Bücher.Example", "Max@bücher.example"),
        ("Max@BÜCHER.EXAMPLE", "Max@bücher.example"),
        ("max@xn--bcher-kva.example", "max@bücher.example"),
        ("  max@example.de\n", "max@example.de"),
        ("mäx@example.de", "mäx@example.de"),
    ],
)
def test_email_domain_is_lower_cased_and_decoded_but_the_local_part_keeps_its_case(
    raw: str, normalised: str
) -> None:
    assert normalize_email(raw) == normalised


def test_a_contacts_email_is_normalised() -> None:
    assert Contact(id="c-1", email="Max@Bücher.Example").email == "Max@bücher.example"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "max.mustermann",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "an email address must have an @-sign).",
        ),
        (
            "max.mustermann@",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "there must be something after the @-sign).",
        ),
        (
            "@mustermann.de",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "there must be something before the @-sign).",
        ),
        (
            "max.mustermann@example",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "the part after the @-sign is not valid. It should have a period).",
        ),
        (
            "max mustermann@example.de",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "the email address contains invalid characters before the @-sign: SPACE).",
        ),
        (
            "max..mustermann@example.de",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "an email address cannot have two periods in a row).",
        ),
        (
            "Max Mustermann <max@example.de>",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "a display name and angle brackets around the email address are not permitted here).",
        ),
        (
            "max.mustermann@example.invalid",
            "Invalid e-mail address: 'email' is not a valid e-mail address ("
            "the part after the @-sign is a special-use or reserved name that cannot be used with email).",
        ),
        ("", "Invalid e-mail address: 'email' must not be empty."),
        ("   ", "Invalid e-mail address: 'email' must not be empty."),
    ],
)
def test_an_invalid_address_names_the_field_and_the_problem(raw: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        normalize_email(raw)
    assert str(info.value) == message
    assert info.value.field == "email"


@pytest.mark.parametrize(
    "raw",
    [
        "max.mustermann",
        "max.mustermann@mustermann",
        "max.mustermann@mustermann.invalid",
        "max mustermann@mustermann.de",
        "max..mustermann@mustermann.de",
        "max.mustermann@@mustermann.de",
        "max.mustermann@-mustermann.de",
        "max.mustermann@mustermann☃.de",
        "max.mustermann@mail.mustermann☃.de",
        "max.mustermann@familie-mustermann☃.example",
    ],
)
def test_an_invalid_address_is_never_echoed_not_even_in_part(raw: str) -> None:
    with pytest.raises(InputError) as info:
        normalize_email(raw)
    text = str(info.value).lower()
    assert "mustermann" not in text
    assert raw.lower() not in text
    assert "mustermann" not in repr(info.value).lower()


def test_the_field_name_can_be_chosen_by_the_caller() -> None:
    with pytest.raises(InputError) as info:
        normalize_email("max.mustermann", field="rows[12].email")
    assert str(info.value) == (
        "Invalid e-mail address: 'rows[12].email' is not a valid e-mail address ("
        "an email address must have an @-sign)."
    )
    assert info.value.field == "rows[12].email"


def test_an_overlong_address_is_rejected_without_echoing_it() -> None:
    local = "max.mustermann"
    raw = f"{local}@{'sub.' * 60}example.de"
    assert len(raw) > MAX_EMAIL_LENGTH
    with pytest.raises(InputError) as info:
        normalize_email(raw)
    assert str(info.value) == (
        "Invalid e-mail address: 'email' is not a valid e-mail address (it is longer than 254 characters)."
    )
    assert local not in str(info.value)


def test_an_address_of_exactly_the_maximum_length_is_accepted() -> None:
    domain = f"{'a' * 63}.{'b' * 63}.{'c' * 58}.de"
    raw = f"{'m' * 64}@{domain}"
    assert len(raw) == MAX_EMAIL_LENGTH
    assert normalize_email(raw) == raw


def test_an_address_that_is_not_a_string_is_rejected() -> None:
    value: Any = 42
    with pytest.raises(InputError) as info:
        normalize_email(value)
    assert str(info.value) == "Invalid e-mail address: 'email' must be a string."


def test_email_validation_is_syntax_only_and_never_touches_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[object, ...]] = []

    def no_network(*args: object, **kwargs: object) -> Any:
        calls.append(args)
        msg = "e-mail normalisation must not use the network"
        raise AssertionError(msg)

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "gethostbyname", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    try:
        import dns.resolver
    except ImportError:  # pragma: no cover - dnspython not installed
        pass
    else:
        monkeypatch.setattr(dns.resolver.Resolver, "resolve", no_network)
        monkeypatch.setattr(dns.resolver, "resolve", no_network)

    # A domain that does not exist and never will: accepted, since only syntax is checked.
    address = "max@diese-domain-gibt-es-nicht-7c1f9a2e.de"
    assert normalize_email(address) == address
    assert Contact(id="c-1", email=address).email == address
    assert calls == []


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("max.mustermann@example.de", "m***@e***.de"),
        ("Max@bücher.example", "M***@b***.example"),
        ("max@localhost", "m***@l***"),
        ("no-at-sign", "***"),
    ],
)
def test_mask_email_keeps_first_letters_and_top_level_domain(address: str, masked: str) -> None:
    assert mask_email(address) == masked


def test_the_normalisers_are_public() -> None:
    assert dialoglaw.normalize_email is normalize_email
    assert dialoglaw.normalize_phone is normalize_phone
    assert dialoglaw.PhoneNumber is PhoneNumber
