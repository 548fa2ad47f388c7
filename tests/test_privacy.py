"""Privacy: the keyed-hash suppression list, its rule, and masked output.

An erased person stays suppressed without their address being stored in clear (Art. 17
vs Art. 21 Abs. 3 DSGVO); repr(), errors and explanations never show full e-mail
addresses or phone numbers unless a reviewer opts in.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest

import dialoglaw
from dialoglaw import Channel, Contact, InputError, Message, Purpose, Status
from dialoglaw.batch import BatchResult, decide_many
from dialoglaw.jurisdictions.de.suppression_list import SUPPRESSION_LIST
from dialoglaw.privacy import (
    MIN_KEY_BYTES,
    SuppressionList,
    canonical_email,
    digest_email,
    digest_phone,
    personal_data_revealed,
    reveal_personal_data,
)
from dialoglaw.rules import Kind
from dialoglaw.validity import BERLIN

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
AT = datetime(2024, 3, 1, 10, tzinfo=BERLIN)
EMAIL = "max.mustermann@example.de"
MOBILE = "0171 1234567"
MOBILE_DIGITS = "1711234567"
MESSAGE = Message(
    sender="ACME GmbH",
    sender_identified=True,
    valid_opt_out_address=True,
    own_products=True,
    includes_opt_out_notice=True,
)


def consent(channels: list[str], cid: str = "k1") -> dict[str, Any]:
    return {
        "id": cid,
        "channels": channels,
        "granted_at": "2023-01-01T10:00:00+01:00",
        "method": "written_signed",
        "senders": ["ACME GmbH"],
    }


def listed_contact(**extra: Any) -> Contact:
    """A consumer who may be advertised to on every channel but leaflets' neighbours."""
    data: dict[str, Any] = {
        "id": "c-1",
        "audience": "consumer",
        "email": EMAIL,
        "mobile": MOBILE,
        "phone": "030 1234567",
        "fax": "030 7654321",
        "messenger": "@max",
        "postal_address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
        "consents": [consent(["phone", "automated_call", "fax", "email", "sms", "messenger"])],
    }
    data.update(extra)
    return Contact.model_validate(data)


def permitted_without_list() -> frozenset[Channel]:
    return dialoglaw.decide(listed_contact(), MESSAGE, at=AT).permitted


# -- keys -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [b"", b"short", b"x" * (MIN_KEY_BYTES - 1)])
def test_a_key_shorter_than_16_bytes_is_refused_without_echoing_it(key: bytes) -> None:
    with pytest.raises(InputError) as info:
        SuppressionList(key)
    assert str(info.value) == (
        "Invalid suppression list: 'key' must be at least 16 bytes long (e.g. secrets.token_bytes(32))."
    )
    if key:
        assert key.decode() not in str(info.value)


def test_a_text_key_is_refused_because_its_bytes_would_be_ambiguous() -> None:
    with pytest.raises(InputError, match="'key' must be bytes"):
        SuppressionList("a secret of many characters")  # type: ignore[arg-type]


def test_the_key_is_never_shown_by_repr_or_stored_lines() -> None:
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL)
    text = repr(lst) + "\n".join(lst.to_lines())
    assert KEY.hex() not in text
    assert repr(KEY) not in text
    assert repr(lst).startswith("SuppressionList(1 entries, key-check=")


# -- canonical forms and digests ----------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "max.mustermann@example.de",
        "Max.Mustermann@Example.DE",
        "MAX.MUSTERMANN@EXAMPLE.DE",
        "  max.mustermann@example.de  ",
    ],
)
def test_an_email_digest_ignores_case_in_the_local_part_too(variant: str) -> None:
    # Case-folding the local part is the cautious choice for suppression: RFC 5321 allows
    # case-sensitive mailboxes, but missing a match would ignore an objection.
    assert digest_email(variant, KEY) == digest_email(EMAIL, KEY)


def test_an_idna_domain_and_its_unicode_form_have_the_same_digest() -> None:
    assert canonical_email("max@xn--mnchen-3ya.de") == "max@münchen.de"
    assert digest_email("Max@XN--MNCHEN-3YA.DE", KEY) == digest_email("max@münchen.de", KEY)


def test_case_folding_makes_sharp_s_and_ss_the_same_mailbox_a_deliberate_over_match() -> None:
    assert canonical_email("Straße@example.de") == "strasse@example.de"
    assert digest_email("STRASSE@example.de", KEY) == digest_email("straße@example.de", KEY)


def test_a_confusable_address_is_another_mailbox_and_another_digest() -> None:
    cyrillic_a = "m\u0430x@example.de"  # Cyrillic 'а'
    assert digest_email(cyrillic_a, KEY) != digest_email("max@example.de", KEY)


def test_provider_conventions_such_as_plus_tags_are_not_applied() -> None:
    assert digest_email("max+news@example.de", KEY) != digest_email("max@example.de", KEY)


@pytest.mark.parametrize(
    "variant", ["0171 1234567", "+49 171 1234567", "0049 171 1234567", "+49 (0)171 1234567", "0171/123 45 67"]
)
def test_a_phone_digest_is_taken_of_the_e164_form(variant: str) -> None:
    assert digest_phone(variant, KEY) == digest_phone("+491711234567", KEY)
    assert digest_phone(dialoglaw.normalize_phone(variant), KEY) == digest_phone("+491711234567", KEY)


def test_a_national_number_is_read_in_the_region_given() -> None:
    austrian = digest_phone("0664 1234567", KEY, region="at")
    assert austrian == digest_phone("+43 664 1234567", KEY)
    with pytest.raises(InputError, match="'region' must be a two-letter ISO 3166 code"):
        digest_phone("0171 1234567", KEY, region="Germany")


def test_digests_depend_on_the_key_and_separate_addresses_from_numbers() -> None:
    assert digest_email(EMAIL, KEY) != digest_email(EMAIL, OTHER_KEY)
    assert digest_phone(MOBILE, KEY) != digest_phone(MOBILE, OTHER_KEY)
    assert len({digest_email(EMAIL, KEY), digest_phone(MOBILE, KEY)}) == 2
    assert len(digest_email(EMAIL, KEY)) == 64
    assert SuppressionList(KEY).digest_email(EMAIL) == digest_email(EMAIL, KEY)
    assert SuppressionList(KEY).digest_phone(MOBILE) == digest_phone(MOBILE, KEY)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: digest_email("max.mustermann@@example.de", KEY), "is not a valid e-mail address"),
        (lambda: digest_email("max.mustermann@example", KEY), "is not a valid e-mail address"),
        (lambda: digest_phone("0171 12", KEY), "is not a valid phone number"),
        (lambda: digest_phone("call 0171 1234567 now", KEY), "is not a valid phone number"),
    ],
)
def test_invalid_contact_points_are_input_errors_that_never_echo_them(call: Any, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as info:
        call()
    assert "mustermann" not in str(info.value)
    assert "0171" not in str(info.value)


# -- entries --------------------------------------------------------------------------------


def test_entries_merge_and_the_wider_objection_wins() -> None:
    lst = SuppressionList(KEY)
    digest = lst.add_email(EMAIL, ["email"])
    assert lst.add_email(EMAIL.upper(), [Channel.SMS]) == digest
    assert lst.channels_of(digest) == {Channel.EMAIL, Channel.SMS}
    lst.add_digest(digest.upper())
    assert lst.channels_of(digest) == frozenset(Channel)
    lst.add_email(EMAIL, ["fax"])  # a narrower entry never narrows a general one
    assert lst.channels_of(digest) == frozenset(Channel)
    assert len(lst) == 1
    assert digest in lst
    assert digest.upper() in lst
    assert lst.channels_of("0" * 64) == frozenset()


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        ([], "'channels' must not be empty (use None for every channel)"),
        (["e-mail"], "'channels' must name known channels (postal, leaflet, phone,"),
        ([None], "'channels' must name known channels"),
    ],
)
def test_bad_channels_of_an_entry_are_input_errors(channels: Any, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SuppressionList(KEY).add_email(EMAIL, channels)


def test_a_single_channel_name_is_one_channel_not_its_letters() -> None:
    lst = SuppressionList(KEY)
    assert lst.channels_of(lst.add_email(EMAIL, "email")) == {Channel.EMAIL}


@pytest.mark.parametrize("digest", ["", "abc", "g" * 64, "0" * 63, EMAIL])
def test_a_malformed_digest_is_refused_without_echoing_it(digest: str) -> None:
    with pytest.raises(InputError) as info:
        SuppressionList(KEY).add_digest(digest)
    assert str(info.value) == (
        "Invalid suppression list: 'digest' must be 64 hexadecimal digits (HMAC-SHA-256)."
    )


def test_a_contact_matches_through_any_of_its_contact_points() -> None:
    lst = SuppressionList(KEY)
    lst.add_phone("+49 30 7654321", channels=["fax"])
    lst.add_phone("+49 171 1234567", channels=["sms", "phone"])
    assert lst.matches(listed_contact()) == {Channel.FAX, Channel.SMS, Channel.PHONE}
    assert lst.matches(listed_contact(email=None, mobile=None, fax=None, phone=None)) == frozenset()
    # The mobile number stored in the "phone" field still matches.
    moved = listed_contact(mobile=None, phone=MOBILE, fax=None)
    assert lst.matches(moved) == {Channel.SMS, Channel.PHONE}


def test_an_entry_for_all_channels_matches_every_channel() -> None:
    lst = SuppressionList(KEY)
    lst.add_email("MAX.Mustermann@example.de")
    assert lst.matches(listed_contact()) == frozenset(Channel)
    assert SuppressionList(KEY).matches(listed_contact()) == frozenset()


def test_a_list_under_another_key_matches_nobody() -> None:
    lst = SuppressionList(OTHER_KEY)
    lst.add_digest(digest_email(EMAIL, KEY))
    assert lst.matches(listed_contact()) == frozenset()


# -- storage ----------------------------------------------------------------------------------


def test_a_stored_list_holds_a_header_and_digests_only_and_reads_back() -> None:
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL, ["email", "postal"])
    lst.add_phone(MOBILE)
    lines = lst.to_lines()
    assert lines[0] == f"# dialoglaw-suppression/1 hmac-sha256 key-check={lst.key_check}"
    assert lines[1:] == sorted(lines[1:])
    assert f"{digest_email(EMAIL, KEY)} postal,email" in lines
    assert f"{digest_phone(MOBILE, KEY)} *" in lines
    text = "\n".join(lines)
    assert "mustermann" not in text
    assert MOBILE_DIGITS not in text
    again = SuppressionList.from_lines([f"{line}\r\n" for line in lines] + ["", "  "], KEY)
    assert again.to_lines() == lines
    assert again.matches(listed_contact()) == frozenset(Channel)


def test_reading_a_list_with_the_wrong_key_fails_rather_than_matching_nobody() -> None:
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL)
    with pytest.raises(InputError) as info:
        SuppressionList.from_lines(lst.to_lines(), OTHER_KEY)
    assert str(info.value) == (
        "Invalid suppression list: 'key' does not match the key the list was written with."
    )


def test_a_list_without_its_header_is_refused() -> None:
    with pytest.raises(InputError) as info:
        SuppressionList.from_lines([f"{'a' * 64} *"], KEY)
    assert str(info.value) == (
        "Invalid suppression list: 'line 1' must be the header line of the "
        "dialoglaw-suppression/1 hmac-sha256 format."
    )
    with pytest.raises(InputError, match="'line 1' must be the header line"):
        SuppressionList.from_lines([], KEY)


def test_malformed_lines_are_named_by_number_and_never_echoed() -> None:
    lines = [
        *SuppressionList(KEY).to_lines(),
        EMAIL,  # someone pasted an address in clear
        f"{'b' * 64} e-mail",
        f"{'c' * 64} *",
        f"{'d' * 64} telegram",
    ]
    with pytest.raises(InputError) as info:
        SuppressionList.from_lines(lines, KEY)
    assert str(info.value) == (
        "Invalid suppression list (3 problems): 'line 2' must be a 64-digit digest and its "
        "channels; 'line 3' must be a 64-digit digest and its channels; 'line 5' names an "
        "unknown channel."
    )
    assert "mustermann" not in str(info.value)


# -- the rule --------------------------------------------------------------------------------


def test_the_suppression_list_rule_is_a_bar_on_every_addressed_channel() -> None:
    book = dialoglaw.rulebook_for("DE")
    rule = book.rule("de.suppression_list")
    assert rule is SUPPRESSION_LIST
    assert rule.kind is Kind.BAR
    assert rule.code == "objection"
    assert rule.channels == frozenset(Channel) - {Channel.LEAFLET}
    assert rule.advertising_only
    assert [(v.valid.valid_from, v.valid.valid_to) for v in rule.versions] == [
        (date(2004, 7, 8), date(2018, 5, 25)),
        (date(2018, 5, 25), None),
    ]


def test_a_listed_contact_with_valid_consents_is_suppressed_on_every_addressed_channel() -> None:
    assert permitted_without_list() == frozenset(Channel)
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL)
    decision = dialoglaw.decide(listed_contact(), MESSAGE, at=AT, suppressions=lst)
    assert decision.permitted == {Channel.LEAFLET}
    for channel in frozenset(Channel) - {Channel.LEAFLET}:
        verdict = decision[channel]
        assert verdict.status is Status.SUPPRESSED
        [finding] = [f for f in verdict.reasons if f.rule_id == "de.suppression_list"]
        assert finding.code == "objection"
        assert finding.ctx == {"source": "suppression_list"}
        assert finding.citation is not None
        assert finding.citation.de == "Art. 21 Abs. 3 DSGVO"
        assert [a.de for a in finding.authorities] == ["Art. 21 Abs. 2 DSGVO", "Art. 17 Abs. 1 lit. c DSGVO"]


def test_an_entry_limited_to_email_suppresses_only_email() -> None:
    lst = SuppressionList(KEY)
    lst.add_phone(MOBILE, channels=["email"])
    decision = dialoglaw.decide(listed_contact(), MESSAGE, at=AT, suppressions=lst)
    assert decision.permitted == frozenset(Channel) - {Channel.EMAIL}


@pytest.mark.parametrize(
    ("at", "citation"),
    [
        (datetime(2018, 5, 24, 23, 59, 59, tzinfo=BERLIN), "§ 28 Abs. 4 BDSG a.F."),
        (datetime(2018, 5, 25, 0, 0, tzinfo=BERLIN), "Art. 21 Abs. 3 DSGVO"),
    ],
)
def test_on_the_last_day_before_the_gdpr_the_list_cites_the_old_bdsg_and_from_its_first_day_art_21(
    at: datetime, citation: str
) -> None:
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL, ["email"])
    contact = listed_contact(consents=[{**consent(["email"]), "granted_at": "2010-01-01T00:00:00Z"}])
    verdict = dialoglaw.decide(contact, MESSAGE, at=at, suppressions=lst)[Channel.EMAIL]
    [finding] = [f for f in verdict.reasons if f.rule_id == "de.suppression_list"]
    assert finding.citation is not None
    assert finding.citation.de == citation


def test_the_list_does_not_touch_transactional_messages() -> None:
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL)
    transactional = MESSAGE.model_copy(update={"purpose": Purpose.TRANSACTIONAL})
    with_list = dialoglaw.decide(listed_contact(), transactional, at=AT, suppressions=lst)
    assert with_list.permitted == frozenset(Channel)
    assert all(v.ground is not None and v.ground.code == "not_advertising" for v in with_list)


def test_an_empty_list_or_none_changes_no_decision() -> None:
    plain = dialoglaw.decide(listed_contact(), MESSAGE, at=AT)
    assert dialoglaw.decide(listed_contact(), MESSAGE, at=AT, suppressions=SuppressionList(KEY)) == plain
    assert dialoglaw.decide(listed_contact(), MESSAGE, at=AT, suppressions=None) == plain


@pytest.mark.parametrize("workers", [1, 2])
def test_decide_many_honours_the_list_in_every_worker(workers: int) -> None:
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL)
    rows = [listed_contact(id=f"c-{i}", email=EMAIL if i % 2 else f"other{i}@example.de") for i in range(10)]
    results = list(decide_many(rows, MESSAGE, at=AT, suppressions=lst, workers=workers, chunk_size=3))
    assert [r.row for r in results] == list(range(1, 11))
    for i, result in enumerate(results):
        expected = {Channel.LEAFLET} if i % 2 else frozenset(Channel)
        assert result.permitted == expected


@pytest.mark.parametrize("code", dialoglaw.available_jurisdictions())
def test_every_jurisdiction_honours_a_suppression_list(code: str) -> None:
    # A jurisdiction without a rule reading case.suppressed would ignore the list: fail open.
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL)
    decision = dialoglaw.decide(listed_contact(), MESSAGE, at=AT, jurisdiction=code, suppressions=lst)
    assert decision.permitted <= {Channel.LEAFLET}


# -- masked output -----------------------------------------------------------------------------

PERSONAL = ("max.mustermann@example.de", "mustermann", MOBILE, MOBILE_DIGITS, "1234567", "7654321")


def assert_masked(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, f"{value!r} shown in {text!r}"


def test_repr_of_contacts_consents_decisions_and_batch_results_masks_personal_data() -> None:
    contact = listed_contact()
    decision = dialoglaw.decide(contact, MESSAGE, at=AT)
    [result] = decide_many([contact], MESSAGE, at=AT)
    for obj in (contact, *contact.consents, decision, *decision.verdicts, result, contact.mobile):
        assert_masked(repr(obj))
        assert_masked(str(obj))
    assert "m***@e***.de" in repr(contact)
    assert "+49********67" in repr(contact)
    assert_masked(decision.explain("en"))
    assert_masked(decision.explain("de"))
    assert_masked(decision._repr_html_())
    assert_masked(decision.to_json())


BAD_ROWS: list[dict[str, Any]] = [
    {"id": "r1", "email": "max.mustermann@@example.de"},
    {"id": "r2", "email": "max.mustermann@example"},
    {"id": "r3", "email": "max.mustermann@exam ple.de"},
    {"id": "r4", "email": "max.mustermann" + "x" * 300 + "@example.de"},
    {"id": "r5", "email": "Max Mustermann <max.mustermann@example.de>"},
    {"id": "r6", "email": "max.mustermann@-example.de"},
    {"id": "r7", "mobile": "0171 1234567 0171 1234567"},
    {"id": "r8", "mobile": "0171 12345"},
    {"id": "r9", "mobile": "+999 1711234567"},
    {"id": "r10", "mobile": 1711234567},
    {"id": "r11", "fax": "0171 1234567" + "9" * 40},
    {"id": "r12", "country": "XX", "phone": MOBILE},
    {"id": "r13", "country": "Deutschland", "phone": MOBILE},
    {"id": "r14", "email": ["max.mustermann@example.de"]},
    {"id": "r15", "phone": {"e164": "+49171123456789999"}},
    {"id": "r16", "messenger": "max.mustermann@example.de" * 20},
]


@pytest.mark.parametrize("row", BAD_ROWS, ids=[r["id"] for r in BAD_ROWS])
def test_no_error_on_bad_contact_points_shows_the_address_or_number(row: dict[str, Any]) -> None:
    with pytest.raises(InputError) as info:
        Contact.model_validate(row)
    err = info.value
    assert_masked(str(err))
    assert_masked(repr(err))
    for problem in err.problems:
        assert_masked(problem.message)
    [result] = decide_many([row], MESSAGE, at=AT)
    assert isinstance(result, BatchResult)
    assert result.error is not None
    assert result.permitted == frozenset()
    assert_masked(repr(result))


def test_normalize_errors_never_show_the_value() -> None:
    for call in (
        lambda: dialoglaw.normalize_email("max.mustermann@@example.de"),
        lambda: dialoglaw.normalize_phone("0171 1234567 99 99 99"),
    ):
        with pytest.raises(InputError) as info:
            call()
        assert_masked(str(info.value))


@pytest.mark.parametrize("key", ["max.mustermann@example.de", "0171 1234567", "+491711234567"])
def test_an_unknown_field_named_like_an_address_or_number_is_not_echoed(key: str) -> None:
    # A JSON object keyed by the address (a broken export) must not leak it into errors.
    with pytest.raises(InputError) as info:
        Contact.model_validate({"id": "c", key: True})
    assert_masked(str(info.value))
    assert_masked(info.value.field)


# -- opting in to see the values ----------------------------------------------------------------


def test_reveal_personal_data_shows_full_values_in_contact_repr_inside_the_block_only() -> None:
    contact = listed_contact()
    masked = repr(contact)
    assert not personal_data_revealed()
    with reveal_personal_data():
        assert personal_data_revealed()
        shown = repr(contact)
        assert "max.mustermann@example.de" in shown
        assert "+491711234567" in shown
        assert "'@max'" in shown
        assert "Hauptstraße 1" in shown
        assert "PhoneNumber('+491711234567', line_type='mobile')" in repr(contact.mobile)
        # Errors and decisions stay masked even inside.
        with pytest.raises(InputError) as info:
            Contact(id="x", email="max.mustermann@@example.de")
        assert_masked(str(info.value))
        assert_masked(dialoglaw.decide(contact, MESSAGE, at=AT).explain())
    assert not personal_data_revealed()
    assert repr(contact) == masked


def test_reveal_blocks_nest_and_restore_on_errors() -> None:
    contact = listed_contact()
    original = Contact.__dict__["__repr_args__"]
    with pytest.raises(RuntimeError), reveal_personal_data():
        with reveal_personal_data():
            assert EMAIL in repr(contact)
        assert EMAIL in repr(contact)
        raise RuntimeError
    assert EMAIL not in repr(contact)
    assert Contact.__dict__["__repr_args__"] is original


def test_revealing_in_one_thread_keeps_other_threads_masked() -> None:
    contact = listed_contact()
    entered, done = threading.Event(), threading.Event()
    seen: list[str] = []

    def other() -> None:
        entered.wait(5)
        seen.append(repr(contact))
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with reveal_personal_data():
        entered.set()
        done.wait(5)
        assert EMAIL in repr(contact)
    thread.join(5)
    assert len(seen) == 1
    assert_masked(seen[0])


def test_a_decision_time_in_utc_and_in_berlin_is_the_same_for_the_list() -> None:
    lst = SuppressionList(KEY)
    lst.add_email(EMAIL)
    utc = dialoglaw.decide(listed_contact(), MESSAGE, at=AT.astimezone(UTC), suppressions=lst)
    assert utc.permitted == {Channel.LEAFLET}
