"""The JSON Lines stage before the columnar engine (reader, exact flattening, frame) is
compared with the implementation it replaced, kept here as a private reference copy
(dialoglaw 542925e), on the benchmark contacts, random contacts and mutated variants of
them, and on files with every kind of bad line. Outputs must be equal: the same dicts
with keys in the same order, the same None, the same exceptions, the same frames, the
same reader errors in the same order."""

from __future__ import annotations

import copy
import importlib.util
import itertools
import json
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from dialoglaw.batch import RowError
from dialoglaw.io import files
from dialoglaw.io.files import _open, holds_surrogate
from dialoglaw.io.flat import NULL_IS_ABSENT, exact_flat_row
from tests.test_columnar_nested import _mutated, _nested

pl = pytest.importorskip("polars")
from dialoglaw.columnar import _exact_rows_frame  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# --- the reference: the code as it was ----------------------------------------------------

_ISO_INSTANT_SHAPE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{3}|\.[0-9]{6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_ISO_DATE_SHAPE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_ISO_INSTANT = re.compile(_ISO_INSTANT_SHAPE)
_ISO_DAY = re.compile(_ISO_DATE_SHAPE)
_FLAT_CHANNEL_NAMES = frozenset(("phone", "automated_call", "fax", "email", "sms", "messenger"))
_TEXT_KEYS = ("id", "audience", "country", "email", "phone", "mobile", "fax", "messenger")
_CONTACT_KEYS = frozenset(
    (
        *_TEXT_KEYS,
        "birth_date",
        "robinson_listed",
        "no_ads_sticker",
        "postal_address",
        "consents",
        "objections",
        "relationship",
        "presumed_consent",
    )
)
_CONSENT_KEYS = frozenset(
    (
        "id",
        "channels",
        "granted_at",
        "method",
        "senders",
        "scope",
        "confirmed_at",
        "confirmation_channel",
        "withdrawn_at",
        "used_at",
        "subject_age",
        "tied_to",
    )
)
_CONSENT_REQUIRED = frozenset(("id", "channels", "granted_at", "method", "senders"))
_CUSTOMER_KEYS = {
    "obtained_through": "customer_obtained_through",
    "obtained_at": "customer_obtained_at",
    "seller": "customer_seller",
    "purchased_categories": "customer_categories",
    "contact_points": "customer_contact_points",
    "opt_out_notice_at_collection": "customer_opt_out_notice",
}
_PRESUMED_KEYS = {
    "facts": "presumed_facts",
    "assessed_by": "presumed_assessed_by",
    "assessed_at": "presumed_assessed_at",
    "sender": "presumed_sender",
    "topic": "presumed_topic",
}
_INSTANT_KEYS = frozenset(("granted_at", "confirmed_at", "withdrawn_at", "obtained_at", "assessed_at", "at"))


class _NotExactError(Exception):
    """The flat layout cannot hold this contact exactly."""


def _text(value: Any) -> str:
    # The flat readers strip cells and drop blank ones; the nested model keeps (or
    # rejects) padding. Only text both read alike is flattened.
    if type(value) is not str or not value or value != value.strip():
        raise _NotExactError
    return value


def _instant_text(value: Any) -> str:
    # Both parsers read these ISO 8601 shapes alike; pydantic rejects German dates and
    # times without an offset, which the flat reader accepts (in Berlin time).
    if type(value) is not str or _ISO_INSTANT.fullmatch(value) is None:
        raise _NotExactError
    return value


def _items(value: Any, *, empty: bool) -> str:
    # The flat layout joins lists with ";" and splits them again, dropping empty parts;
    # an empty list is an absent cell, which reads as the field's default.
    if type(value) is not list or (not value and not empty):
        raise _NotExactError
    if not all(type(p) is str and p and p == p.strip() and ";" not in p for p in value):
        raise _NotExactError
    return ";".join(value)


def _flag(value: Any) -> str:
    if type(value) is not bool:
        raise _NotExactError
    return "true" if value else "false"


def _reference_exact_flat_row(contact: Any) -> dict[str, str] | None:
    """The flat row (text cells) of a contact in the nested model (a dict as read from
    JSON), or ``None`` where the flat layout would not read back as the same contact:
    unknown or null fields, padded text, more than one consent per channel or channel
    per consent, more than one use or objection, dates other than ISO 8601 with an
    offset, or facts the layout has no column for."""
    try:
        return _exact(contact)
    except _NotExactError:
        return None


def _exact(contact: Any) -> dict[str, str]:
    if type(contact) is not dict or not contact.keys() <= _CONTACT_KEYS:
        raise _NotExactError
    row: dict[str, str] = {}
    for key in _TEXT_KEYS:
        if key in contact:
            row[key] = _text(contact[key])
    if "birth_date" in contact:
        row["birth_date"] = _text(contact["birth_date"])
        if _ISO_DAY.fullmatch(row["birth_date"]) is None:
            raise _NotExactError
    for key in ("robinson_listed", "no_ads_sticker"):
        if key in contact:
            row[key] = _flag(contact[key])
    if "postal_address" in contact:
        address = contact["postal_address"]
        if type(address) is not dict or not address.keys() <= {"street", "postal_code", "city", "country"}:
            raise _NotExactError
        if address.get("country", "DE") != "DE":
            raise _NotExactError
        for key in ("street", "postal_code", "city"):
            if key in address:
                row[key] = _text(address[key])
    if "consents" in contact:
        consents = contact["consents"]
        if type(consents) is not list:
            raise _NotExactError
        for consent in consents:
            _exact_consent(consent, row)
    if "objections" in contact:
        objections = contact["objections"]
        if type(objections) is not list or len(objections) > 1:
            raise _NotExactError
        for objection in objections:
            if type(objection) is not dict or not objection.keys() <= {"at", "channels", "sender"}:
                raise _NotExactError
            if "at" not in objection:
                raise _NotExactError
            row["objection_at"] = _instant_text(objection["at"])
            if "channels" in objection:  # [] is an error in the model, "all" in the layout
                row["objection_channels"] = _items(objection["channels"], empty=False)
            if "sender" in objection:
                row["objection_sender"] = _text(objection["sender"])
    for section, columns, required in (
        ("relationship", _CUSTOMER_KEYS, ("obtained_through", "obtained_at", "seller")),
        ("presumed_consent", _PRESUMED_KEYS, ("facts", "assessed_by", "assessed_at", "sender")),
    ):
        if section not in contact:
            continue
        facts = contact[section]
        if (
            type(facts) is not dict
            or not facts.keys() <= columns.keys()
            or not all(k in facts for k in required)
        ):
            raise _NotExactError
        for key, value in facts.items():
            if key in _INSTANT_KEYS:
                row[columns[key]] = _instant_text(value)
            elif key == "opt_out_notice_at_collection":
                row[columns[key]] = _flag(value)
            elif key == "purchased_categories":
                row[columns[key]] = _items(value, empty=True)
            elif key == "contact_points":  # the default is (email,), not empty
                row[columns[key]] = _items(value, empty=False)
            else:
                row[columns[key]] = _text(value)
    if "" in row.values():  # an empty list joins to "", an absent cell
        return {k: v for k, v in row.items() if v}
    return row


def _exact_consent(consent: Any, row: dict[str, str]) -> None:
    if (
        type(consent) is not dict
        or not consent.keys() <= _CONSENT_KEYS
        or not consent.keys() >= _CONSENT_REQUIRED
    ):
        raise _NotExactError
    channels = consent["channels"]
    if type(channels) is not list or len(channels) != 1 or channels[0] not in _FLAT_CHANNEL_NAMES:
        raise _NotExactError
    p = f"{channels[0]}_"
    if p + "consent_at" in row:  # a second consent for the channel
        raise _NotExactError
    row[p + "consent_at"] = _instant_text(consent["granted_at"])
    row[p + "consent_id"] = _text(consent["id"])
    row[p + "consent_method"] = _text(consent["method"])
    row[p + "consent_senders"] = _items(consent["senders"], empty=True)
    if "scope" in consent:
        row[p + "consent_scope"] = _items(consent["scope"], empty=True)
    # The layout sets the confirmation channel only with the confirmation (and defaults
    # it to the consent's channel); the model wants both or neither.
    if ("confirmed_at" in consent) != ("confirmation_channel" in consent):
        raise _NotExactError
    if "confirmed_at" in consent:
        row[p + "confirmed_at"] = _instant_text(consent["confirmed_at"])
        row[p + "confirmation_channel"] = _text(consent["confirmation_channel"])
    if "withdrawn_at" in consent:
        row[p + "withdrawn_at"] = _instant_text(consent["withdrawn_at"])
    if "used_at" in consent:
        uses = consent["used_at"]
        if type(uses) is not list or len(uses) > 1:  # the layout keeps the last use only
            raise _NotExactError
        if uses:
            row[p + "last_used_at"] = _instant_text(uses[0])
    if "subject_age" in consent:
        # The layout hands the cell to the model as text, which reads "78" as 78.
        age = consent["subject_age"]
        row[p + "subject_age"] = str(age) if type(age) is int else _text(age)
    if "tied_to" in consent:
        row[p + "tied_to"] = _text(consent["tied_to"])


def _reference_rows_frame(pl: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
    names = list(dict.fromkeys(itertools.chain.from_iterable(rows)))
    frame = pl.from_dicts(rows, schema=dict.fromkeys(names, pl.String), strict=False)
    return frame.with_columns(pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names)


_SURROGATE = re.compile("[\udc80-\udcff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _reference_read_jsonl(path: Path) -> Iterator[dict[str, Any] | RowError]:
    with _open(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if not line.isascii() and _SURROGATE.search(line) is not None:  # isascii() is O(1) on str
                yield RowError("invalid_input", "", f"Line {number} is not valid UTF-8.")
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RowError("invalid_json", "", f"Line {number} is not valid JSON: {exc.msg}.")
                continue
            except (ValueError, RecursionError):  # int over 4300 digits; nesting too deep
                msg = f"Line {number} is nested too deeply or holds a number too long to read."
                yield RowError("invalid_json", "", msg)
                continue
            if not isinstance(value, dict):
                yield RowError("invalid_input", "", f"Line {number} is not a JSON object.")
                continue
            if "\\u" in line and _SURROGATE_ESCAPE.search(line) is not None and holds_surrogate(value):
                msg = (
                    f"Line {number} holds an unpaired surrogate escape (\\ud800-\\udfff), which is not text."
                )
                yield RowError("invalid_input", "", msg)
                continue
            yield value


# --- the sample ------------------------------------------------------------------------


def _benchmark_contacts(n: int) -> list[Any]:
    spec = importlib.util.spec_from_file_location("_bench_data", ROOT / "benchmarks" / "data.py")
    assert spec is not None and spec.loader is not None
    data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(data)
    return [json.loads(line) for line in data.nested_lines(data.flat_frame(n))]


_ODD: list[Any] = [
    None,
    "",
    " ",
    "x ",
    " x",
    "\u00a0x",
    "x\u2028",
    "x\u3000",
    "x\x1c",
    0,
    1,
    1.5,
    True,
    False,
    [],
    ["x"],
    {},
]
_TEXT: list[Any] = ["Müller & Söhne", "😀", "a;b", "\u00e9", "\ud800", "x" * 300, "0", "ja"]
_INSTANTS = [
    "2024-02-01T10:00:00+01:00",
    "2024-02-01T10:00:00Z",
    "2024-02-01T10:00:00.123+01:00",
    "2024-02-01T10:00:00.123456-05:30",
    "2024-02-01T10:00:00.5+01:00",
    "2024-02-01T10:00:00+24:00",
    "2024-02-30T10:00:00+01:00",
    "2024-02-01t10:00:00+01:00",
    "2024-02-01T10:00:00+01:00 ",
    "2024-02-01T10:00:00+01:00\n",
    "01.02.2024",
    "2024-02-01",
    "",
    1706778000,
    None,
]
_LISTS = [[], ["A GmbH"], ["A GmbH", "B AG"], [""], ["A "], ["a;b"], [1], "A GmbH", None, [["A"]], ["A", "A"]]


def _shuffled(rng: random.Random, d: dict[str, Any]) -> None:
    items = list(d.items())
    rng.shuffle(items)
    d.clear()
    d.update(items)


def _extra(rng: random.Random, c: dict[str, Any]) -> None:
    """Mutations beyond tests.test_columnar_nested.MUTATIONS (which _mutated applies): odd values in every field."""
    consents = c.get("consents") if isinstance(c.get("consents"), list) else None
    consent = consents[0] if consents and isinstance(consents[0], dict) else None
    choice = rng.randrange(16)
    if choice == 0:
        c[rng.choice(["id", "audience", "country", "email", "phone", "mobile", "fax", "messenger"])] = (
            rng.choice(_ODD + _TEXT)
        )
    elif choice == 1 and consent is not None:
        consent[rng.choice(["id", "method", "confirmation_channel", "tied_to", "subject_age"])] = rng.choice(
            [*_ODD, *_TEXT, 15, -1, 10**30, "15"]
        )
    elif choice == 2 and consent is not None:
        consent[rng.choice(["granted_at", "confirmed_at", "withdrawn_at"])] = rng.choice(_INSTANTS)
        if rng.random() < 0.5:
            consent["used_at"] = rng.choice([[x] for x in _INSTANTS] + [[], _INSTANTS[:2], _INSTANTS[0]])
    elif choice == 3 and consent is not None:
        consent[rng.choice(["senders", "scope"])] = rng.choice(_LISTS)
    elif choice == 4 and consent is not None:
        consent["channels"] = rng.choice(
            [
                ["email"],
                ["postal"],
                ["EMAIL"],
                [""],
                [1],
                [None],
                [],
                "email",
                None,
                ["sms", "fax"],
                [["email"]],
            ]
        )
    elif choice == 5:
        c["consents"] = (
            rng.choice([None, {}, "x", [None], ["email"], [[]], [1], []])
            if rng.random() < 0.5
            else ([*(consents or []), rng.choice([None, "x", 1, [], {}])])
        )
    elif choice == 6:
        objection: dict[str, Any] = {"at": rng.choice(_INSTANTS)}
        if rng.random() < 0.6:
            objection["channels"] = rng.choice([*_LISTS, ["email"], ["email", "sms"]])
        if rng.random() < 0.4:
            objection["sender"] = rng.choice(["A GmbH", *_ODD])
        if rng.random() < 0.1:
            objection.pop("at")
        if rng.random() < 0.1:
            objection["extra"] = 1
        c["objections"] = rng.choice([[objection], [objection, objection], [], None, objection, [None]])
    elif choice == 7:
        rel: dict[str, Any] = {
            "obtained_through": "sale",
            "obtained_at": rng.choice(_INSTANTS),
            "seller": rng.choice(["A GmbH", *_ODD]),
            "purchased_categories": rng.choice(_LISTS),
            "contact_points": rng.choice([*_LISTS, ["email", "sms"]]),
            "opt_out_notice_at_collection": rng.choice([True, False, "true", 1, None]),
        }
        for key in rng.sample(list(rel), rng.randrange(3)):
            rel.pop(key)
        if rng.random() < 0.1:
            rel["extra"] = 1
        _shuffled(rng, rel)
        c["relationship"] = rel
    elif choice == 8:
        presumed: dict[str, Any] = {
            "facts": rng.choice(["Bedarf", *_ODD]),
            "assessed_by": "Vertrieb",
            "assessed_at": rng.choice(_INSTANTS),
            "sender": "A GmbH",
            "topic": rng.choice(["coffee", *_ODD]),
        }
        for key in rng.sample(list(presumed), rng.randrange(2)):
            presumed.pop(key)
        _shuffled(rng, presumed)
        c["presumed_consent"] = presumed
    elif choice == 9:
        c["postal_address"] = rng.choice(
            [
                {
                    "street": "Hauptstr. 1",
                    "postal_code": "10115",
                    "city": "Berlin",
                    "country": rng.choice(["DE", "AT", None, 1]),
                },
                {"street": rng.choice(_ODD + _TEXT), "city": "Berlin"},
                {"street": "Hauptstr. 1", "extra": 1},
                {},
                None,
                [],
            ]
        )
    elif choice == 10:
        c[rng.choice(["robinson_listed", "no_ads_sticker"])] = rng.choice([True, False, "true", 1, 0, None])
    elif choice == 11:
        c["birth_date"] = rng.choice(
            ["2010-11-23", "23.11.2010", "2010-11-23 ", "", 20101123, None, "2010-13-45"]
        )
    elif choice == 12:
        c[rng.choice(["newsletter", "given_by_subject", "evidence"])] = True
    elif choice == 13 and consent is not None:
        consent.pop(rng.choice(["confirmed_at", "confirmation_channel"]), None)
        if rng.random() < 0.5:
            consent["confirmed_at"] = rng.choice(_INSTANTS)
    elif choice == 14:
        _shuffled(rng, c)
        for d in consents or []:
            if isinstance(d, dict):
                _shuffled(rng, d)
    elif consent is not None and consents is not None:
        consents.append({**consent, "id": rng.choice(["x", *_ODD])})  # two consents for one channel


def _sample() -> list[Any]:
    base = _benchmark_contacts(6000) + _nested(4000, seed=71)
    rng = random.Random(72)  # noqa: S311 - test data, not secrets
    out: list[Any] = list(base)
    out += _mutated(copy.deepcopy(base), seed=73, share=0.7)
    for _ in range(2):
        for contact in copy.deepcopy(base):
            for _ in range(rng.choice([1, 1, 2, 3])):
                if isinstance(contact, dict):
                    _extra(rng, contact)
            out.append(contact)
    out += [None, [], "x", 1, {}, {"id": "c"}, {1: "x"}, {"consents": []}]
    out.append(
        {
            "consents": [
                {
                    "id": "x",
                    "channels": ["email"],
                    "granted_at": _INSTANTS[0],
                    "method": "m",
                    "senders": [],
                    "subject_age": 10**5000,
                }
            ]
        }
    )
    return out


def _outcome(flatten: Any, contact: Any) -> tuple[str, Any]:
    try:
        row = flatten(contact)
    except Exception as exc:  # the reference raises on some contacts
        return "raises", type(exc)
    return "row", None if row is None else list(row.items())


# The reference crashed on a channel that is not a name (unhashable: a list, a dict) and on
# an age too long to write as text; such a contact is now not exact (None), and the
# per-object engine words its error.
#
# The reference refused every null; a null in an optional field the model reads as absent
# (NULL_IS_ABSENT) is now absent: the new code on a contact equals the reference on the
# contact without such nulls.
#
# The reference flattened an address with only some of street, postal code and city
# ({} became no address, a valid contact where the model rejects the address); such a
# contact is now not exact (None), and the per-object engine words the model's error.


def _incomplete_address(contact: Any) -> bool:
    address = contact.get("postal_address") if type(contact) is dict else None
    return type(address) is dict and not all(key in address for key in ("street", "postal_code", "city"))


def _absent_nulls_dropped(contact: Any) -> Any:
    def dropped(value: Any, level: str) -> Any:
        if type(value) is not dict:
            return value
        return {k: v for k, v in value.items() if v is not None or k not in NULL_IS_ABSENT[level]}

    contact = dropped(contact, "contact")
    if type(contact) is not dict:
        return contact
    for key, level in (("consents", "consent"), ("objections", "objection")):
        if type(contact.get(key)) is list:
            contact[key] = [dropped(item, level) for item in contact[key]]
    for level in ("relationship", "presumed_consent"):
        if level in contact:
            contact[level] = dropped(contact[level], level)
    return contact


@pytest.fixture(scope="module")
def sample() -> list[Any]:
    return _sample()


def test_exact_flattening_equals_the_reference_on_random_contacts(sample: list[Any]) -> None:
    outcomes = {"none": 0, "row": 0, "raises": 0}
    for contact in sample:
        expected = _outcome(_reference_exact_flat_row, _absent_nulls_dropped(contact))
        outcomes["raises" if expected[0] == "raises" else "row" if expected[1] else "none"] += 1
        if expected[0] == "raises" or _incomplete_address(contact):
            expected = ("row", None)
        assert _outcome(exact_flat_row, contact) == expected, contact
    assert len(sample) > 40_000
    assert outcomes["none"] > 10_000
    assert outcomes["row"] > 15_000
    assert outcomes["raises"] >= 2  # an unhashable channel; an age too long to write


def test_the_frame_of_exact_rows_equals_the_reference(sample: list[Any]) -> None:
    rows: list[dict[str, str]] = [exact_flat_row(contact) or {} for contact in sample]
    clean = [r for r in rows if not holds_surrogate(r)]
    empty: list[dict[str, str]] = [{}, {}, {}]
    batches = [clean[:1], clean[:7], empty, [{}, *clean[:3]], clean[:5000], clean[5000:21000], clean]
    for batch in batches:
        expected = _reference_rows_frame(pl, batch)
        got = _exact_rows_frame(pl, batch)
        assert got.shape == expected.shape
        assert list(got.schema.items()) == list(expected.schema.items())
        assert got.equals(expected)
    unencodable = [r for r in rows if holds_surrogate(r)]
    assert unencodable
    with pytest.raises(UnicodeEncodeError):
        _reference_rows_frame(pl, [*clean[:10], unencodable[0]])
    with pytest.raises(UnicodeEncodeError):
        _exact_rows_frame(pl, [*clean[:10], unencodable[0]])


_BAD_LINES = [
    '{"a":[1',
    "2]}",
    "{},{}",
    '{"a":1} {"b":2}',
    "[1",
    "2]",
    "1,2",
    "[]",
    '"x"',
    "null",
    "NaN",
    "7613904085331769271",
    '{"n":7613904085331769271}',
    '{"n":"7613904085331769271"}',
    "[7613904085331769271]",
    '{"k":[[0',
    "0]]}",
    '{"x":NaN,"y":-Infinity}',
    '{"a":"b',
    'c"}',
    "{",
    "}",
    "]",
    "[",
    ",",
    '{"a":1},',
    ',{"a":1}',
    '\ufeff{"a":1}',
    '{"a":"\\ud800"}',
    '{"a":"\\udfff\\ud800"}',
    '{"\\ud800":1}',
    '{"a":"\\ud83d\\ude00"}',
    '{"a":"\\u0000"}',
    '{"a":"\x00"}',
    '{"a":"x\ty"}',
    '{"a":1' + "0" * 5000 + "}",
    '   {"a":1}   ',
    '\t{"a":1}\t',
    '{"a":1}\x0c',
    '{"a":1}\u00a0',
    '{"a":\r1}',
    '{"a":1}\r',
    "  ",
    "\t",
    '{"a":1,"a":2}',
    '{"a":1.0e400}',
    '{"a":"\xff"}',
    '{"id":"c1","consents":[]}',
    *('{"a":' * d + "1" + "}" * d for d in range(850, 1001)),
    "[" * 5000,
]


def _jsonl_file(path: Path, sample: list[Any]) -> None:
    rng = random.Random(81)  # noqa: S311 - test data, not secrets
    lines: list[str] = []
    for contact in sample[:25_000]:
        try:
            text = json.dumps(
                contact, ensure_ascii=rng.random() < 0.5, separators=rng.choice([None, (",", ":")])
            )
        except (TypeError, ValueError):
            continue
        if rng.random() < 0.02:
            text = rng.choice(_BAD_LINES)
        lines.append(text + rng.choice(["\n"] * 20 + ["\r\n", "\r", "\n\n", " \n"]))
    lines[100:100] = [line + "\n" for line in _BAD_LINES]
    data = "\ufeff" + "".join(lines) + '{"id":"last"}'  # a last line without a newline
    raw = data.encode("utf-8", errors="surrogatepass").replace("\xff".encode(), b"\xff")
    path.write_bytes(raw)


def _typed_reprs(items: Any) -> list[tuple[type, str]]:
    return [(type(item), repr(item)) for item in items]


@pytest.mark.parametrize("chunk", [256, 2, 3, 17])
def test_the_json_lines_reader_equals_the_reference(
    tmp_path: Path, sample: list[Any], chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "contacts.jsonl"
    _jsonl_file(path, sample)
    monkeypatch.setattr(files, "_CHUNK", chunk)
    expected = _typed_reprs(_reference_read_jsonl(path))
    assert _typed_reprs(files._read_jsonl(path)) == expected
    errors = {t[1].split("'")[1] for t in expected if t[0] is RowError}
    assert errors == {"invalid_json", "invalid_input"}
    assert sum(t[0] is RowError for t in expected) > 200
    assert len(expected) > 20_000


@pytest.mark.parametrize(
    "first",
    [
        '{"a":1},{"x":0},{"y":0}',  # three values where the array wants one
        '{"a":1},7613904085331769271,{"y":0}',  # the same, with the separator's marker
    ],
)
def test_lines_that_only_parse_when_joined_are_read_one_by_one(
    tmp_path: Path, first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Joined, the second and third line merge into one value and the first splits into
    three: the array has as many elements as four lines give, yet no line but the last
    is JSON on its own."""
    path = tmp_path / "contacts.jsonl"
    path.write_text(f'{first}\n[{{"b":2}}\n{{"c":3}}]\n{{"d":4}}\n', encoding="utf-8")
    monkeypatch.setattr(files, "_CHUNK", 4)
    expected = _typed_reprs(_reference_read_jsonl(path))
    assert [t[0] for t in expected] == [RowError, RowError, RowError, dict]
    assert _typed_reprs(files._read_jsonl(path)) == expected
