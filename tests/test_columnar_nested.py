"""The columnar engine on contacts in the nested model (JSON Lines).

A nested contact joins the columnar projection only where the flat layout holds it
exactly (:func:`dialoglaw.io.flat.exact_flat_row`); every other contact is decided by the
per-object engine from the dict as given. These tests prove both halves: the flat row of
an exactly flattened contact validates to the same contact, and the engine's output rows
and summary equal the per-object engine's on random contacts with every shape the flat
layout cannot hold.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialoglaw import Contact, InputError, Message, Policy
from dialoglaw.batch import RowError, decide_many
from dialoglaw.io import result_record
from dialoglaw.io.flat import NULL_IS_ABSENT, exact_flat_row, flat_to_nested
from dialoglaw.summary import Summary
from tests.flat_rows import AT, SENDER, random_rows

pl = pytest.importorskip("polars")
from dialoglaw.columnar import ColumnarEngine  # noqa: E402

MESSAGE = Message(sender=SENDER, topic="coffee", own_products=True)

Mutation = Callable[[random.Random, dict[str, Any]], None]


def _json(value: Any) -> Any:
    """A nested dict as JSON Lines carry it (dates as ISO text)."""

    def default(v: Any) -> str:
        if isinstance(v, datetime | date):
            return v.isoformat()
        raise TypeError(type(v))

    return json.loads(json.dumps(value, default=default))


def _nested(n: int, seed: int, distinct: int | None = None) -> list[dict[str, Any]]:
    out = []
    for row in random_rows(n, seed=seed, bad=0.05, distinct=distinct):
        try:
            out.append(_json(flat_to_nested(row)))
        except InputError:
            out.append({k: v for k, v in row.items() if v is not None})  # a flat row: not nested
    return out


def _consents(c: dict[str, Any]) -> list[dict[str, Any]]:
    consents = c.get("consents")
    return consents if isinstance(consents, list) and all(isinstance(x, dict) for x in consents) else []


def _dicts(*values: Any) -> list[dict[str, Any]]:
    return [v for v in values if isinstance(v, dict)]


GRANT = "2024-01-01T00:00:00+01:00"


def _shuffle_consents(rng: random.Random, c: dict[str, Any]) -> None:
    rng.shuffle(_consents(c))


def _two_uses(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        consent["used_at"] = [
            consent.get("granted_at", GRANT),
            rng.choice(["2030-01-01T00:00:00+01:00", "2026-11-23T09:59:59+01:00"]),
        ]


def _one_use(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        consent["used_at"] = rng.choice([[], [consent.get("granted_at", GRANT)], ["2030-01-01T00:00:00Z"]])


def _two_channels(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        other = rng.choice(["email", "sms", "phone", "postal"])
        channels = consent.get("channels")
        if isinstance(channels, list) and other not in channels:
            consent["channels"] = [*channels, other]


def _postal_consent(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        consent["channels"] = ["postal"]


def _same_channel_twice(rng: random.Random, c: dict[str, Any]) -> None:
    consents = _consents(c)
    if consents:
        consents.append({**consents[0], "id": f"{consents[0].get('id')}-2"})


def _unknown_key(rng: random.Random, c: dict[str, Any]) -> None:
    target = rng.choice(_dicts(c, *_consents(c), c.get("relationship"), c.get("postal_address")))
    target[rng.choice(["newsletter", "evidence", "given_by_subject", "parental_authorisation_at"])] = (
        rng.choice([True, False, [], "2024-01-01T00:00:00+01:00"])
    )


def _pad(rng: random.Random, c: dict[str, Any]) -> None:
    key = rng.choice(["id", "email", "phone", "audience", "country", "messenger"])
    if isinstance(c.get(key), str):
        c[key] = rng.choice([" ", "\t", "\u00a0"]) + c[key]
    for consent in _consents(c)[:1]:
        if rng.random() < 0.5:
            consent["senders"] = [f"{s} " for s in consent.get("senders") or []]


def _null(rng: random.Random, c: dict[str, Any]) -> None:
    target = rng.choice([c, *_consents(c)])
    if target:
        target[rng.choice(list(target))] = None


def _empty_list(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        consent[rng.choice(["senders", "scope", "used_at"])] = []
    for relationship in _dicts(c.get("relationship")):
        relationship[rng.choice(["contact_points", "purchased_categories"])] = []
    for objection in _dicts(*(c.get("objections") or [])):
        objection["channels"] = []


def _odd_types(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        consent["subject_age"] = rng.choice([15, "15", 15.0, True, "15.0", " 15", -1, 10**30])
    key = rng.choice(["robinson_listed", "no_ads_sticker"])
    c[key] = rng.choice([True, False, "true", 1, "ja"])
    if rng.random() < 0.3:
        c["phone"] = rng.choice([{"e164": "+4930123456"}, 3012345678, "030 1234567"])


def _dates(rng: random.Random, c: dict[str, Any]) -> None:
    shape = rng.choice(
        [
            "01.02.2024",
            "01.02.2024 10:00",
            "2024-02-01T10:00:00",
            "2024-02-01 10:00:00+01:00",
            "2024-02-01T10:00:00Z",
            "2024-02-01T10:00:00.5+01:00",
            "2024-02-01T10:00:00.123+01:00",
            "2024-02-01T10:00:00+0100",
            "2024-02-01",
            "1700000000",
            "2026-11-23T10:00:00+01:00",
            "2026-11-23T09:00:00Z",
            "2026-11-23T09:00:00.000001Z",
        ]
    )
    targets = _dicts(*(_consents(c)[:1]), c.get("relationship"), *(c.get("objections") or []))
    target = rng.choice(targets) if targets else None
    if target:
        key = next((k for k in ("granted_at", "withdrawn_at", "obtained_at", "at") if k in target), None)
        if key:
            target[key] = shape
    if rng.random() < 0.3 and "birth_date" in c:
        c["birth_date"] = rng.choice(["2010-11-23", "23.11.2010", "2010-11-23T00:00:00+01:00", "20101123"])


def _lists(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        consent["senders"] = rng.choice([[SENDER, "B GmbH"], [f"{SENDER};B GmbH"], [SENDER, ""], SENDER])
    if isinstance(c.get("objections"), list):
        c["objections"] = [*c["objections"], {"at": GRANT}]


def _address(rng: random.Random, c: dict[str, Any]) -> None:
    c["postal_address"] = rng.choice(
        [
            {"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin", "country": "DE"},
            {"street": "Hauptstr. 1", "postal_code": "1010", "city": "Wien", "country": "AT"},
            {"street": "Hauptstr. 1", "city": "Berlin"},
            {},
            {"country": "DE"},
            "Hauptstr. 1, 10115 Berlin",
        ]
    )


def _confirmation(rng: random.Random, c: dict[str, Any]) -> None:
    for consent in _consents(c)[:1]:
        if rng.random() < 0.5:
            consent.pop("confirmation_channel", None)
            consent["confirmed_at"] = consent.get("granted_at", GRANT)
        else:
            consent.pop("confirmed_at", None)
            consent["confirmation_channel"] = "email"


def _drop_required(rng: random.Random, c: dict[str, Any]) -> None:
    target = rng.choice(_dicts(c, *_consents(c), c.get("relationship"), c.get("presumed_consent")))
    key = rng.choice(["id", "method", "senders", "seller", "obtained_at", "facts", "sender", "granted_at"])
    target.pop(key, None)


MUTATIONS: list[Mutation] = [
    _shuffle_consents,
    _two_uses,
    _one_use,
    _two_channels,
    _postal_consent,
    _same_channel_twice,
    _unknown_key,
    _pad,
    _null,
    _empty_list,
    _odd_types,
    _dates,
    _lists,
    _address,
    _confirmation,
    _drop_required,
]


def _mutated(contacts: list[dict[str, Any]], seed: int, share: float) -> list[Any]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    out: list[Any] = []
    for contact in contacts:
        if rng.random() < share:
            for mutate in rng.sample(MUTATIONS, rng.choice([1, 1, 2])):
                mutate(rng, contact)
        out.append(contact)
    return out


def _per_object(items: list[Any], policy: Policy | None = None) -> tuple[list[dict[str, Any]], Summary]:
    summary = Summary()
    records = [result_record(r) for r in summary.track(decide_many(items, MESSAGE, at=AT, policy=policy))]
    return records, summary


def _assert_same(items: list[Any], batch_size: int = 65_536, policy: Policy | None = None) -> ColumnarEngine:
    engine = ColumnarEngine(MESSAGE, at=AT, policy=policy)
    frames = list(engine.decide_nested(items, batch_size=batch_size))
    got = pl.concat(frames).to_dicts() if frames else []
    expected, summary = _per_object(items, policy)
    assert len(got) == len(expected) == len(items)
    for row, (a, b) in enumerate(zip(got, expected, strict=True), start=1):
        assert a == b, f"row {row}: {items[row - 1]!r}\ncolumnar   {a}\nper-object {b}"
    assert engine.summary.to_dict() == summary.to_dict()
    return engine


def _sorted(contact: Contact) -> Contact:
    return contact.model_copy(update={"consents": tuple(sorted(contact.consents, key=lambda c: c.id))})


def test_an_exactly_flattened_contact_validates_to_the_same_contact() -> None:
    """Source: the flat layout's documented reading (dialoglaw.io.flat); a contact goes
    to the columnar engine only if its flat row reads back as the same contact."""
    contacts = _mutated(_nested(6000, seed=31), seed=32, share=0.5)
    flattened = refused = 0
    for nested in contacts:
        row = exact_flat_row(nested)
        if row is None:
            refused += 1
            continue
        flattened += 1
        try:
            via_flat = Contact.model_validate(flat_to_nested(row))
        except InputError:
            continue  # the engine then decides the row from the nested dict
        assert _sorted(Contact.model_validate(nested)) == _sorted(via_flat), nested
    assert flattened > 3000
    assert refused > 1500


def test_columnar_and_per_object_decide_random_nested_contacts_identically() -> None:
    """Source: the per-object engine (dialoglaw.decide) is the reference; every output
    column of every row and the summary must be equal."""
    # a quarter as many distinct people: rows share fact patterns, so most are decided
    # from another row's flat representative
    items = _mutated(_nested(12_000, seed=41, distinct=3000), seed=42, share=0.35)
    engine = _assert_same(items, batch_size=5000)
    assert engine.stats.broadcast_rows > 6000
    assert engine.stats.per_object_rows > 2000


def test_reader_errors_in_a_nested_stream_keep_their_place() -> None:
    items: list[Any] = _nested(300, seed=51)
    items.insert(0, RowError("invalid_json", "", "Line 1 is not valid JSON: x."))
    items.insert(150, RowError("invalid_input", "", "Line 151 is not a JSON object."))
    items.append(RowError("invalid_input", "", "Line 303 is not valid UTF-8."))
    _assert_same(items, batch_size=64)


def test_a_batch_of_contacts_the_flat_layout_cannot_hold_is_decided_one_by_one() -> None:
    items = [{**c, "newsletter": True} for c in _nested(50, seed=61)]
    engine = _assert_same(items)
    assert engine.stats.per_object_rows == 50


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "id",
        "email",
        "consents",
        "channels",
        "granted_at",
        "senders",
        "used_at",
        "objections",
        "relationship",
        "postal_address",
        "subject_age",
        "country",
        "birth_date",
        "at",
        "seller",
        "robinson_listed",
    ]
)
_shaped = st.recursive(
    _json_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=6),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_shaped)
def test_exact_flat_row_never_raises_and_returns_text_cells(value: Any) -> None:
    row = exact_flat_row(value, AT)
    if row is not None:
        assert all(isinstance(v, str) and v == v.strip() and v for v in row.values())


def test_a_consent_channel_that_is_not_a_name_or_an_age_too_long_to_write_is_an_error_row() -> None:
    """Source: the project's input contract (bad input is an error row naming the field,
    never a crash). Such contacts once crashed the exactness check (unhashable channel,
    an int too long for str())."""
    consent = {
        "id": "k1",
        "channels": ["email"],
        "granted_at": "2024-01-01T10:00:00+01:00",
        "method": "double_opt_in",
        "senders": ["ACME Kaffee GmbH"],
    }
    items: list[Any] = [
        {"id": "list", "email": "a@example.de", "consents": [{**consent, "channels": [["email"]]}]},
        {"id": "dict", "email": "b@example.de", "consents": [{**consent, "channels": [{"email": 1}]}]},
        {"id": "age", "email": "c@example.de", "consents": [{**consent, "subject_age": 10**5000}]},
        {"id": "fine", "email": "d@example.de", "consents": [consent]},
    ]
    assert [exact_flat_row(item) is None for item in items] == [True, True, True, False]
    engine = _assert_same(items)
    assert engine.stats.per_object_rows == 3
    frame = pl.concat(list(ColumnarEngine(MESSAGE, at=AT).decide_nested(items)))
    assert frame["error_field"].to_list()[:3] == [
        "consents[0].channels[0]",
        "consents[0].channels[0]",
        "consents[0].subject_age",
    ]


def _with_every_field() -> dict[str, Any]:
    return {
        "id": "n1",
        "audience": "business",
        "email": "a@example.de",
        "consents": [
            {
                "id": "k1",
                "channels": ["email"],
                "granted_at": GRANT,
                "method": "double_opt_in",
                "senders": [SENDER],
                "confirmed_at": GRANT,
                "confirmation_channel": "email",
                "withdrawn_at": "2025-01-01T00:00:00+01:00",
                "subject_age": 30,
                "tied_to": "Gewinnspiel",
            }
        ],
        "objections": [{"at": GRANT, "channels": ["email"], "sender": SENDER}],
        "relationship": {
            "obtained_through": "sale",
            "obtained_at": GRANT,
            "seller": SENDER,
            "opt_out_notice_at_collection": True,
        },
        "presumed_consent": {
            "facts": "Bestellt regelmäßig Kaffee fürs Büro",
            "assessed_by": "Vertrieb",
            "assessed_at": GRANT,
            "sender": SENDER,
            "topic": "coffee",
        },
    }


@pytest.mark.parametrize(
    ("level", "key"),
    [(level, key) for level, keys in sorted(NULL_IS_ABSENT.items()) for key in sorted(keys)],
)
def test_a_null_the_model_reads_as_absent_is_absent_in_the_flat_row_too(level: str, key: str) -> None:
    """Source: the nested model (dialoglaw.Contact) is the reference: for every field of
    NULL_IS_ABSENT, null and absent validate to the same contact, and the flat row of
    the contact with null is the flat row of the contact without the field."""
    contact = _with_every_field()
    target = {
        "contact": contact,
        "consent": contact["consents"][0],
        "objection": contact["objections"][0],
        "relationship": contact["relationship"],
        "presumed_consent": contact["presumed_consent"],
    }[level]
    with_null = copy.deepcopy(contact)
    without = copy.deepcopy(contact)
    pair = ("confirmed_at", "confirmation_channel")  # the model wants both or neither
    keys = pair if key in pair else (key,)
    for variant, value in ((with_null, None), (without, ...)):
        place = variant if level == "contact" else _place(variant, level)
        for k in keys:
            if value is None:
                place[k] = None
            else:
                place.pop(k, None)
    assert key in target or level == "contact"
    assert Contact.model_validate(with_null) == Contact.model_validate(without)
    assert exact_flat_row(without) is not None
    assert exact_flat_row(with_null) == exact_flat_row(without)


def _place(contact: dict[str, Any], level: str) -> dict[str, Any]:
    if level in ("consent", "objection"):
        return contact[f"{level}s"][0]  # type: ignore[no-any-return]
    return contact[level]  # type: ignore[no-any-return]


def test_a_null_in_a_required_field_or_a_list_keeps_a_contact_out_of_the_flat_row() -> None:
    for level, key in [
        ("contact", "id"),
        ("contact", "audience"),
        ("contact", "country"),
        ("contact", "consents"),
        ("consent", "senders"),
        ("consent", "scope"),
        ("consent", "used_at"),
        ("consent", "confirmation_channel"),  # with a confirmation
        ("objection", "at"),
        ("relationship", "seller"),
    ]:
        contact = _with_every_field()
        place = contact if level == "contact" else _place(contact, level)
        place[key] = None
        assert exact_flat_row(contact) is None, (level, key)
        with pytest.raises(InputError):
            Contact.model_validate(contact)


@pytest.mark.parametrize(
    "address",
    [{}, {"country": "DE"}, {"street": "Hauptstr. 1"}, {"postal_code": "10115", "city": "Berlin"}],
    ids=["empty", "a country only", "a street only", "no street"],
)
def test_an_address_without_street_postal_code_and_city_is_the_models_error_not_no_address(
    address: dict[str, str],
) -> None:
    # The flat layout reads an address without cells as no address; the model rejects an
    # address that lacks street, postal code or city. Flattening {} gave a valid contact
    # (every channel decided) where the contact is an input error (found by fuzzing).
    contact = {"id": "a1", "email": "a@example.de", "postal_address": address}
    assert exact_flat_row(contact, AT) is None
    with pytest.raises(InputError, match="postal_address"):
        Contact.model_validate(contact)
    got = pl.concat(list(ColumnarEngine(MESSAGE, at=AT).decide_nested([contact]))).to_dicts()
    expected = [result_record(r) for r in decide_many([contact], MESSAGE, at=AT)]
    assert got == expected
    assert got[0]["error_code"] == "invalid_input"
    assert got[0]["email_status"] == "error"


def test_a_contact_born_in_the_year_0000_is_the_models_error_after_a_valid_twin() -> None:
    # The flat row holds the date's text; polars reads the year 0000, the model cannot.
    twin = {"id": "a1", "email": "a@example.de", "birth_date": "1990-01-01"}
    contacts = [twin, {**twin, "id": "a2", "birth_date": "0000-01-01"}]
    got = pl.concat(list(ColumnarEngine(MESSAGE, at=AT).decide_nested(contacts))).to_dicts()
    expected = [result_record(r) for r in decide_many(contacts, MESSAGE, at=AT)]
    assert got == expected
    assert [r["error_field"] for r in got] == [None, "birth_date"]


# Uses of a consent, relative to the send time AT (2026-11-23 10:00 Berlin, 09:00 UTC),
# and whether the flat layout's one last use decides the consent alike.
_USES: list[tuple[str, list[Any], bool]] = [
    ("all before the send", ["2020-03-01T10:00:00+01:00", "2026-06-01T10:00:00+02:00"], True),
    (
        "unordered, three",
        ["2026-06-01T10:00:00+02:00", "2020-03-01T10:00:00Z", "2022-01-01T00:00:00+01:00"],
        True,
    ),
    ("the latest at the send time itself", ["2020-03-01T10:00:00+01:00", "2026-11-23T09:00:00Z"], True),
    ("all after the send", ["2030-01-01T00:00:00Z", "2031-01-01T00:00:00+01:00"], True),
    ("one instant in two offsets", ["2026-06-01T10:00:00+02:00", "2026-06-01T08:00:00Z"], True),
    ("straddling the send", ["2026-06-01T10:00:00+02:00", "2030-01-01T00:00:00Z"], False),
    ("straddling by a microsecond", ["2026-11-23T09:00:00Z", "2026-11-23T09:00:00.000001Z"], False),
    ("one before the grant", ["1999-01-01T00:00:00+01:00", "2026-06-01T10:00:00+02:00"], False),
    ("30 February", ["2020-03-01T10:00:00+01:00", "2026-02-30T10:00:00+01:00"], False),
    ("a German date", ["2020-03-01T10:00:00+01:00", "01.06.2026"], False),
    ("not text", ["2020-03-01T10:00:00+01:00", 1780000000], False),
]
_GRANTED = "2019-05-01T12:00:00+02:00"


def _with_uses(contact: dict[str, Any], uses: list[Any]) -> dict[str, Any]:
    contact = copy.deepcopy(contact)
    for consent in _consents(contact):
        consent["granted_at"] = _GRANTED
        for later in ("confirmed_at", "withdrawn_at"):
            if later in consent:
                consent[later] = _GRANTED
        consent["used_at"] = list(uses)
    return contact


@pytest.mark.parametrize(("uses", "joins"), [(u, j) for _, u, j in _USES], ids=[n for n, _, _ in _USES])
def test_several_uses_are_one_last_use_only_where_all_lie_on_one_side_of_the_send(
    uses: list[Any], joins: bool
) -> None:
    """Source: § 7a Abs. 2 UWG (proof kept five years from the latest use) and
    BGH 01.02.2018, III ZR 196/17 with the policy's staleness threshold (from the latest
    use at or before the send): both read the latest use only where no use lies after the
    send while another lies before it."""
    contact = _with_uses(
        {
            "id": "u1",
            "audience": "consumer",
            "phone": "+4930123456",
            "consents": [{"id": "c1", "channels": ["phone"], "method": "written", "senders": [SENDER]}],
        },
        uses,
    )
    row = exact_flat_row(contact, AT)
    assert (row is not None) is joins
    if row is not None:
        latest = max(uses, key=datetime.fromisoformat)
        assert datetime.fromisoformat(row["phone_last_used_at"]) == datetime.fromisoformat(latest)
    assert exact_flat_row(contact) is None  # without a send time, several uses stay nested


def test_exact_flat_row_names_a_send_time_without_a_zone() -> None:
    with pytest.raises(InputError, match="at"):
        exact_flat_row({"id": "x"}, datetime(2026, 11, 23, 10, 0))  # noqa: DTZ001 - the error case


@pytest.mark.parametrize("stale_after", [None, 365, 4000])
def test_columnar_and_per_object_decide_contacts_with_several_uses_identically(
    stale_after: int | None,
) -> None:
    """Source: the per-object engine (dialoglaw.decide) is the reference, under the
    default policy and staleness thresholds on either side of the uses (BGH III ZR 196/17)."""
    rng = random.Random(71)  # noqa: S311 - test data, not secrets
    items = [_with_uses(c, rng.choice(_USES)[1]) for c in _nested(3000, seed=72, distinct=600)]
    policy = None if stale_after is None else Policy(stale_consent_after_days=stale_after)
    engine = _assert_same(items, batch_size=1000, policy=policy)
    joined = sum(
        exact_flat_row(c, AT) is not None and any(len(x.get("used_at", [])) > 1 for x in _consents(c))
        for c in items
    )
    assert joined > 1000
    assert engine.stats.broadcast_rows > 1000  # before: every contact with several uses went one by one
