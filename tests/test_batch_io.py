"""Batch decisions and files: every input row gives exactly one result, in order, and a row
that cannot be read never permits a channel (DESIGN § 5; fail closed, § 1.3).

Round trips through every format: nested → flat → nested, CSV and Parquet files of the flat
layout, and decision files in JSON Lines, CSV and Parquet.
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
import json
import re
from collections.abc import Generator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dialoglaw import Channel, Contact, InputError, Message
from dialoglaw.batch import BatchResult, RowError, decide_many
from dialoglaw.io import (
    FLAT_CHANNELS,
    flat_columns,
    flat_to_nested,
    nested_to_flat,
    read_contacts,
    result_record,
    write_results,
)
from dialoglaw.io.files import result_columns
from dialoglaw.summary import summarize

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BERLIN = ZoneInfo("Europe/Berlin")
SEND_AT = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)
SENDER = "ACME Kaffee GmbH"
MESSAGE = Message.model_validate(json.loads((EXAMPLES / "message.json").read_text(encoding="utf-8")))


def _consent(channel: str, **changes: Any) -> dict[str, Any]:
    consent: dict[str, Any] = {
        "id": f"k-{channel}",
        "channels": [channel],
        "granted_at": "2023-02-01T10:00:00+01:00",
        "method": "double_opt_in",
        "senders": [SENDER, "Teehaus Nordlicht AG"],
        "scope": ["coffee", "tea"],
        "confirmed_at": "2023-02-01T10:07:00+01:00",
        "confirmation_channel": channel if channel in ("email", "sms", "messenger") else "email",
        "withdrawn_at": "2027-01-31T12:00:00+01:00",
        "used_at": ["2024-06-30T09:00:00+02:00"],
        "subject_age": 34,
    }
    consent.update(changes)
    return consent


# Every fact the flat layout holds, on every flat channel.
FULL: dict[str, Any] = {
    "id": "rt-full",
    "audience": "consumer",
    "country": "DE",
    "email": "Max.Mustermann@Example.DE",
    "phone": "030/1234567",
    "mobile": "0171 1234567",
    "fax": "+49 (0)89 1234567",
    "messenger": "@max_m",
    "postal_address": {"street": "Lindenallee 4", "postal_code": "01067", "city": "Dresden"},
    "birth_date": "1990-05-17",
    "consents": [_consent(c.value, tied_to="Kundenkarte") for c in FLAT_CHANNELS],
    "objections": [{"at": "2025-01-10T08:00:00+01:00", "channels": ["postal", "sms"], "sender": SENDER}],
    "relationship": {
        "obtained_through": "sale",
        "obtained_at": "2024-03-01T12:00:00+01:00",
        "seller": SENDER,
        "contact_points": ["email", "sms"],
        "purchased_categories": ["coffee", "espresso machines"],
        "opt_out_notice_at_collection": False,
    },
    "robinson_listed": True,
    "no_ads_sticker": True,
}
BUSINESS: dict[str, Any] = {
    "id": "rt-business",
    "audience": "business",
    "phone": "+49 (0)89 1234567",
    "email": "einkauf@kessler-buerobedarf.example.com",
    "presumed_consent": {
        "facts": "Asked for a quote for a coffee machine at the trade fair on 2026-10-14.",
        "assessed_by": "Compliance (J. Weber)",
        "assessed_at": "2026-10-20T10:00:00+02:00",
        "sender": SENDER,
        "topic": "coffee",
    },
    "consents": [_consent("fax", method="written_signed", confirmed_at=None, confirmation_channel=None)],
}
UNKNOWN: dict[str, Any] = {
    "id": "rt-unknown",
    "mobile": "+49 170 1234567",
    "objections": [{"at": "2024-02-29T23:30:00+01:00"}],
    "relationship": {
        "obtained_through": "cancelled_order",
        "obtained_at": "2022-11-11T11:11:00+01:00",
        "seller": SENDER,
    },
}
MINIMAL: dict[str, Any] = {"id": "rt-minimal"}
ROUND_TRIP = {"full": FULL, "business": BUSINESS, "unknown": UNKNOWN, "minimal": MINIMAL}


def _without_nones(data: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None in consents (builders above use None for 'absent')."""
    out = dict(data)
    out["consents"] = [{k: v for k, v in c.items() if v is not None} for c in data.get("consents", [])]
    if not out["consents"]:
        del out["consents"]
    return out


def _contact(data: dict[str, Any]) -> Contact:
    return Contact.model_validate(_without_nones(data))


def _decide(items: Any, **kwargs: Any) -> list[BatchResult]:
    return list(decide_many(items, MESSAGE, at=SEND_AT, **kwargs))


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flat_strings(data: dict[str, Any]) -> dict[str, str]:
    """A flat row as a spreadsheet would hold it: every cell text, empty for missing."""
    row = nested_to_flat(_without_nones(data))
    return {column: _cell(row.get(column)) for column in flat_columns()}


# -- nested → flat → nested -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ROUND_TRIP))
def test_a_contact_survives_nested_to_flat_to_nested(name: str) -> None:
    data = _without_nones(ROUND_TRIP[name])
    expected = Contact.model_validate(data)
    assert Contact.model_validate(flat_to_nested(nested_to_flat(data))) == expected


@pytest.mark.parametrize("name", list(ROUND_TRIP))
def test_a_validated_contact_dumped_as_json_survives_the_flat_layout(name: str) -> None:
    expected = _contact(ROUND_TRIP[name])
    dumped = expected.model_dump(mode="json")
    assert Contact.model_validate(flat_to_nested(nested_to_flat(dumped))) == expected


def test_every_example_contact_survives_the_flat_layout_and_the_csv_file() -> None:
    lines = (EXAMPLES / "campaign.jsonl").read_text(encoding="utf-8").splitlines()
    nested = [Contact.model_validate(json.loads(line)) for line in lines]
    for contact in nested:
        assert (
            Contact.model_validate(flat_to_nested(nested_to_flat(contact.model_dump(mode="json")))) == contact
        )
    from_csv = list(read_contacts(EXAMPLES / "campaign.csv"))
    assert len(from_csv) == len(nested) == 3000
    for item, contact in zip(from_csv, nested, strict=True):
        assert not isinstance(item, RowError), item
        assert Contact.model_validate(item) == contact


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"sms_consent_method": "written_signed"},
            "'sms_consent_at' is required when other sms consent columns are given",
        ),
        (
            {"email_consent_at": "2023-02-01T10:00:00+01:00", "email_confirmation_channel": "email"},
            "'email_confirmed_at' is required when a confirmation channel is given",
        ),
        ({"fax_withdrawn_at": "gestern"}, "'fax_consent_at' is required when other fax consent columns"),
        (
            {"phone_consent_at": "2023-02-01T10:00:00+01:00", "phone_last_used_at": "gestern"},
            "'phone_last_used_at' must be an ISO 8601 date-time or a German date TT.MM.JJJJ",
        ),
        ({"e_mail": "max@example.de"}, "'e_mail' is not a column of the flat layout"),
    ],
)
def test_a_flat_row_with_an_incomplete_consent_is_an_error_naming_the_cell(
    cells: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        flat_to_nested({"id": "c-1", **cells})


def test_a_flat_consent_reads_every_one_of_its_cells() -> None:
    granted, confirmed = "2023-02-01T10:00:00+01:00", "2023-02-01T10:05:00+01:00"
    row = {
        "id": "c-1",
        "sms_consent_at": granted,
        "sms_consent_method": "double_opt_in",
        "sms_consent_senders": f" {SENDER} ; ",
        "sms_consent_scope": "coffee;tea",
        "sms_confirmed_at": confirmed,
        "sms_withdrawn_at": "2024-02-01T10:00:00+01:00",
        "sms_last_used_at": "2023-06-01T10:00:00+01:00",
        "sms_subject_age": "17",
        "sms_tied_to": "newsletter",
    }
    (consent,) = flat_to_nested(row)["consents"]
    assert consent == {
        "id": "c-1:sms",
        "channels": ["sms"],
        "granted_at": datetime.fromisoformat(granted),
        "method": "double_opt_in",
        "senders": [SENDER],
        "scope": ["coffee", "tea"],
        "confirmed_at": datetime.fromisoformat(confirmed),
        "confirmation_channel": "sms",
        "withdrawn_at": datetime(2024, 2, 1, 10, tzinfo=BERLIN),
        "used_at": [datetime(2023, 6, 1, 11, tzinfo=BERLIN)],  # summer time: +02:00
        "subject_age": "17",
        "tied_to": "newsletter",
    }


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_flat_files_read_back_as_the_contacts_they_were_written_from(tmp_path: Path, fmt: str) -> None:
    rows = [_flat_strings(data) for data in ROUND_TRIP.values()]
    path = tmp_path / f"contacts.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=flat_columns())
            writer.writeheader()
            writer.writerows(rows)
    else:
        schema = pa.schema([(c, pa.string()) for c in flat_columns()])
        table = pa.Table.from_pylist([{k: v or None for k, v in r.items()} for r in rows], schema=schema)
        pq.write_table(table, path)
    items = list(read_contacts(path))
    assert [Contact.model_validate(i) for i in items] == [_contact(d) for d in ROUND_TRIP.values()]


def test_typed_parquet_columns_are_read_as_their_values(tmp_path: Path) -> None:
    granted = datetime(2023, 2, 1, 10, 0, tzinfo=BERLIN)
    table = pa.table(
        {
            "id": ["typed-1"],
            "audience": ["consumer"],
            "email": ["typed@example.de"],
            "robinson_listed": pa.array([False], pa.bool_()),
            "email_consent_at": pa.array([granted], pa.timestamp("us", tz="Europe/Berlin")),
            "email_consent_method": ["double_opt_in"],
            "email_consent_senders": [SENDER],
            "email_confirmed_at": pa.array([granted.replace(minute=5)], pa.timestamp("us", tz="UTC")),
            "email_subject_age": pa.array([None], pa.int64()),
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    [item] = list(read_contacts(path))
    contact = Contact.model_validate(item)
    assert contact.consents[0].granted_at == granted
    assert contact.consents[0].confirmed_at == granted.replace(minute=5)
    assert contact.consents[0].subject_age is None
    assert contact.robinson_listed is False
    assert _decide([item])[0].permitted >= {Channel.EMAIL}


def test_nested_to_flat_refuses_a_contact_with_two_consents_for_one_channel() -> None:
    data = {"id": "two", "consents": [_consent("email"), _consent("email", id="k-email-2")]}
    with pytest.raises(InputError, match="two consents for email"):
        nested_to_flat(data)


@pytest.mark.parametrize("address", [{}, {"street": "Hauptstr. 1", "city": "Berlin"}, "Hauptstr. 1"])
def test_nested_to_flat_refuses_an_address_it_cannot_hold(address: Any) -> None:
    # An address without cells would come back from the flat layout as no address.
    with pytest.raises(InputError, match="postal_address"):
        nested_to_flat({"id": "a1", "postal_address": address})


def test_nested_to_flat_refuses_a_consent_for_several_channels() -> None:
    data = {"id": "multi", "consents": [_consent("email", channels=["email", "sms"])]}
    with pytest.raises(InputError, match="covers several channels"):
        nested_to_flat(data)


def test_nested_to_flat_refuses_two_objections() -> None:
    objection = {"at": "2025-01-10T08:00:00+01:00"}
    with pytest.raises(InputError, match="more than one objection"):
        nested_to_flat({"id": "obj", "objections": [objection, objection]})


# The flat layout has no column for these facts. nested_to_flat promises an InputError for a
# contact it cannot hold; dropping the fact silently changes decisions (a consent declared
# by someone else than the subject becomes the subject's own: fail open).
UNFLATTENABLE: dict[str, dict[str, Any]] = {
    "consent not given by the subject": {
        "id": "nf",
        "consents": [_consent("email", given_by_subject=False)],
    },
    "parental authorisation": {
        "id": "nf",
        "consents": [
            _consent("email", subject_age=14, parental_authorisation_at="2023-02-02T10:00:00+01:00")
        ],
    },
    "evidence of the consent": {
        "id": "nf",
        "consents": [_consent("email", evidence=[{"kind": "doi_log", "uri": "s3://proofs/k-email.json"}])],
    },
    "a postal address abroad": {
        "id": "nf",
        "postal_address": {"street": "Ringstraße 1", "postal_code": "1010", "city": "Wien", "country": "AT"},
    },
}


@pytest.mark.parametrize("name", list(UNFLATTENABLE))
def test_nested_to_flat_refuses_a_fact_the_flat_layout_cannot_hold(name: str) -> None:
    data = UNFLATTENABLE[name]
    Contact.model_validate(data)  # a valid contact ...
    with pytest.raises(InputError):  # ... that the flat layout cannot hold
        nested_to_flat(data)


# -- decision files ---------------------------------------------------------------------------


def _mixed_results() -> list[BatchResult]:
    items: list[Any] = [_without_nones(d) for d in ROUND_TRIP.values()]
    items.insert(1, {"id": "bad", "email": "kein-at-zeichen"})
    items.append(RowError("invalid_json", "", "Line 9 is not valid JSON: Expecting value."))
    return _decide(items)


def _normalise(record: dict[str, Any]) -> dict[str, Any]:
    """A CSV cell is text; an empty one is a missing value."""
    return {k: (int(v) if k == "row" else v or None) for k, v in record.items()}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_decision_files_read_back_as_the_records_written(tmp_path: Path, fmt: str) -> None:
    results = _mixed_results()
    path = tmp_path / f"decisions.{fmt}"
    passed = list(write_results(results, path))
    assert passed == results  # every result passes through, in order
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    elif fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [_normalise(r) for r in csv.DictReader(handle)]
    else:
        rows = pq.read_table(path).to_pylist()
    expected = [result_record(r) for r in results]
    if fmt == "csv":  # CSV cannot tell an empty text from a missing one
        expected = [{k: v if v != "" else None for k, v in record.items()} for record in expected]
    assert rows == expected
    assert all(list(r) == result_columns() for r in rows)
    for row, result in zip(rows, results, strict=True):
        statuses = {row[f"{c.value}_status"] for c in Channel}
        if result.ok:
            assert "error" not in statuses
        else:
            assert statuses == {"error"}
            assert result.error is not None
            assert row["error_code"] == result.error.code


def test_decision_files_hold_only_the_channels_asked_for(tmp_path: Path) -> None:
    channels = (Channel.EMAIL, Channel.SMS)
    results = _decide([_without_nones(FULL)], channels=channels)
    path = tmp_path / "decisions.jsonl"
    list(write_results(results, path, channels=channels))
    [row] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [k for k in row if k.endswith("_status")] == ["email_status", "sms_status"]


# -- corrupt input: one result per row, the right code and field, never a permitted channel ----

GOOD = {"id": "good", "audience": "consumer", "email": "good@example.de", "consents": [_consent("email")]}
NAIVE = {**GOOD, "id": "naive", "consents": [_consent("email", granted_at="2023-02-01T10:00:00")]}
JSONL_CASES: list[tuple[str, str | None, str | None]] = [
    # (line, expected error code or None for a decided row, expected field)
    (json.dumps(GOOD), None, None),
    (json.dumps({"id": "bad-email", "email": "nobody.example.de"}), "invalid_input", "email"),
    (json.dumps(NAIVE), "invalid_input", "consents[0].granted_at"),
    (
        json.dumps({"id": "pigeon", "consents": [_consent("email", channels=["pigeon"])]}),
        "invalid_input",
        "consents[0].channels[0]",
    ),
    (
        json.dumps(
            {"id": "obj", "objections": [{"at": "2025-01-10T08:00:00+01:00", "channels": ["pigeon"]}]}
        ),
        "invalid_input",
        "objections[0].channels[0]",
    ),
    (json.dumps({"audience": "consumer", "email": "noid@example.de"}), "invalid_input", "id"),
    (json.dumps({"id": 42, "email": "number@example.de"}), "invalid_input", "id"),
    (json.dumps({"id": "flag", "robinson_listed": "vielleicht"}), "invalid_input", "robinson_listed"),
    (json.dumps({"id": "list", "consents": "yes"}), "invalid_input", "consents"),
    (
        json.dumps({"id": "age", "consents": [_consent("email", subject_age="zwölf")]}),
        "invalid_input",
        "consents[0].subject_age",
    ),
    (json.dumps({"id": "typo", "emial": "typo@example.de"}), "invalid_input", "emial"),
    ('{"id": "broken", "audience": ', "invalid_json", ""),
    ("[1, 2, 3]", "invalid_input", ""),
    ("null", "invalid_input", ""),
    (json.dumps({**GOOD, "id": "good-2"}), None, None),
]


def _assert_fail_closed(results: list[BatchResult]) -> None:
    for result in results:
        if not result.ok:
            assert result.decision is None
            assert result.permitted == frozenset()
            record = result_record(result)
            assert {record[f"{c.value}_status"] for c in Channel} == {"error"}


def test_every_jsonl_line_gives_one_result_with_the_right_error(tmp_path: Path) -> None:
    path = tmp_path / "contacts.jsonl"
    lines = [line for line, _, _ in JSONL_CASES]
    lines.insert(3, "   ")  # a blank line is not a row
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = _decide(read_contacts(path))
    assert len(results) == len(JSONL_CASES)
    assert [r.row for r in results] == list(range(1, len(JSONL_CASES) + 1))
    for result, (line, code, field) in zip(results, JSONL_CASES, strict=True):
        if code is None:
            assert result.ok, (line, result.error)
            assert result.decision is not None
            continue
        assert result.error is not None, line
        assert (result.error.code, result.error.field) == (code, field), line
        assert result.error.message.endswith(".")
        assert "nobody" not in result.error.message  # never echo an e-mail address
    assert Channel.EMAIL in results[0].permitted
    _assert_fail_closed(results)


def test_a_jsonl_line_that_is_not_json_is_named_by_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "contacts.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + "{oops\n", encoding="utf-8")
    results = _decide(read_contacts(path))
    assert len(results) == 2
    assert results[1].error is not None
    assert (results[1].error.code, results[1].error.field) == ("invalid_json", "")
    assert results[1].error.message.startswith("Line 3 is not valid JSON")


CSV_HEADER = [
    "id",
    "audience",
    "email",
    "mobile",
    "robinson_listed",
    "email_consent_at",
    "email_consent_method",
    "email_consent_senders",
    "email_confirmed_at",
    "email_confirmation_channel",
    "email_subject_age",
    "objection_at",
    "objection_channels",
]


def _csv_row(**cells: str) -> list[str]:
    base = {
        "audience": "consumer",
        "email": f"{cells.get('id') or 'x'}@example.de",
        "email_consent_at": "2023-02-01T10:00:00+01:00",
        "email_consent_method": "double_opt_in",
        "email_consent_senders": SENDER,
        "email_confirmed_at": "2023-02-01T10:05:00+01:00",
    }
    base.update(cells)
    return [base.get(column, "") for column in CSV_HEADER]


CSV_CASES: list[tuple[list[str], str | None, str | None]] = [
    (_csv_row(id="ok"), None, None),
    (_csv_row(id="bad-email", email="nobody.example.de"), "invalid_input", "email"),
    (
        _csv_row(id="pigeon", email_confirmation_channel="pigeon"),
        "invalid_input",
        "consents[0].confirmation_channel",
    ),
    (
        _csv_row(id="obj", objection_at="2025-01-10", objection_channels="email;pigeon"),
        "invalid_input",
        "objections[0].channels[1]",
    ),
    (_csv_row(id=""), "invalid_input", "id"),
    (_csv_row(id="flag", robinson_listed="vielleicht"), "invalid_input", "robinson_listed"),
    (_csv_row(id="age", email_subject_age="zwölf"), "invalid_input", "consents[0].subject_age"),
    (_csv_row(id="method", email_consent_method="by_pigeon"), "invalid_input", "consents[0].method"),
    (_csv_row(id="senders", email_consent_senders=""), "invalid_input", "consents[0].senders"),
    (_csv_row(id="feb30", email_consent_at="30.02.2023"), "invalid_input", "email_consent_at"),
    (_csv_row(id="words", email_consent_at="gestern"), "invalid_input", "email_consent_at"),
    (_csv_row(id="orphan", email_consent_at=""), "invalid_input", "email_consent_at"),
    ([*_csv_row(id="long"), "surplus"], "invalid_input", ""),
    (_csv_row(id="short")[:3], "invalid_input", ""),
    (_csv_row(id="german", email_consent_at="01.02.2023", email_confirmed_at="01.02.2023 10:05"), None, None),
    (_csv_row(id="naive-iso", email_consent_at="2023-02-01T10:00:00"), None, None),
    (_csv_row(id="ok-2", mobile="0171 1234567"), None, None),
]


def test_every_csv_line_gives_one_result_with_the_right_error(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    _write_csv(path, CSV_HEADER, [row for row, _, _ in CSV_CASES])
    results = _decide(read_contacts(path))
    assert len(results) == len(CSV_CASES)
    assert [r.row for r in results] == list(range(1, len(CSV_CASES) + 1))
    for result, (row, code, field) in zip(results, CSV_CASES, strict=True):
        if code is None:
            assert result.ok, (row, result.error)
            continue
        assert result.error is not None, row
        assert (result.error.code, result.error.field) == (code, field), row
        assert "nobody" not in result.error.message
    by_id = {row[0]: r for r, (row, _, _) in zip(results, CSV_CASES, strict=True)}
    assert by_id["long"].error is not None
    assert by_id["long"].error.message == "CSV line 14 has more cells than the header."
    assert by_id["short"].error is not None
    assert by_id["short"].error.message == "CSV line 15 has fewer cells than the header."
    _assert_fail_closed(results)


def test_an_unknown_csv_column_fails_every_row_naming_the_column(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    _write_csv(path, ["id", "email", "favourite_colour"], [["u1", "u1@example.de", "blau"], ["u2", "", ""]])
    results = _decide(read_contacts(path))
    assert len(results) == 2
    for result in results:
        assert result.error is not None
        assert (result.error.code, result.error.field) == ("invalid_input", "favourite_colour")
    _assert_fail_closed(results)


def _read_granted(tmp_path: Path, granted: str, confirmed: str) -> datetime:
    path = tmp_path / "dates.csv"
    _write_csv(path, CSV_HEADER, [_csv_row(id="d", email_consent_at=granted, email_confirmed_at=confirmed)])
    [item] = list(read_contacts(path))
    assert not isinstance(item, RowError), item
    return Contact.model_validate(item).consents[0].granted_at


def test_a_german_date_in_a_csv_file_is_read_day_first_as_1_february(tmp_path: Path) -> None:
    granted = _read_granted(tmp_path, "01.02.2023", "01.02.2023 10:05")
    assert granted == datetime(2023, 2, 1, 0, 0, tzinfo=BERLIN)


def test_an_iso_date_in_a_csv_file_is_read_as_1_february_not_2_january(tmp_path: Path) -> None:
    granted = _read_granted(tmp_path, "2023-02-01T10:00:00+01:00", "2023-02-01T10:05:00+01:00")
    assert (granted.year, granted.month, granted.day, granted.hour) == (2023, 2, 1, 10)
    assert granted.utcoffset() == datetime(2023, 2, 1, 10, tzinfo=BERLIN).utcoffset()


def test_a_csv_date_time_without_a_zone_is_read_in_german_time(tmp_path: Path) -> None:
    granted = _read_granted(tmp_path, "2023-07-01T10:00:00", "2023-07-01T10:05:00")
    assert granted == datetime(2023, 7, 1, 10, 0, tzinfo=BERLIN)
    assert granted.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("granted", ["01.02.2023", "2023-02-01T10:00:00+01:00"])
def test_a_consent_dated_1_february_is_not_yet_granted_in_mid_january(tmp_path: Path, granted: str) -> None:
    # Read as 2 January, the consent would permit e-mail on 15 January: it must not.
    path = tmp_path / "dates.csv"
    _write_csv(path, CSV_HEADER, [_csv_row(id="d", email_consent_at=granted, email_confirmed_at=granted)])
    items = list(read_contacts(path))
    january = datetime(2023, 1, 15, 10, 0, tzinfo=BERLIN)
    [result] = list(decide_many(items, MESSAGE, at=january))
    assert result.decision is not None
    assert Channel.EMAIL not in result.permitted
    assert "consent_not_yet_granted" in result.decision[Channel.EMAIL].codes
    [later] = list(decide_many(items, MESSAGE, at=datetime(2023, 3, 1, 10, 0, tzinfo=BERLIN)))
    assert Channel.EMAIL in later.permitted


# -- decide_many ------------------------------------------------------------------------------


def _many_rows() -> list[Any]:
    """The 3000 example contacts with corrupt rows spread through them."""
    items: list[Any] = list(read_contacts(EXAMPLES / "campaign.jsonl"))
    corrupt: list[Any] = [
        {"id": "bad-email", "email": "nobody.example.de"},
        json.loads(json.dumps(NAIVE)),
        {"email": "noid@example.de"},
        RowError("invalid_json", "", "Line 1 is not valid JSON: Expecting value."),
    ]
    for i, item in enumerate(corrupt * 25):
        items.insert(i * 120, item)
    return items


def test_decide_many_with_two_workers_gives_the_same_results_in_the_same_order() -> None:
    items = _many_rows()
    assert len(items) == 3100
    serial = _decide(items)
    parallel = _decide(items, workers=2, chunk_size=128)
    assert len(parallel) == len(serial) == len(items)
    assert [r.row for r in parallel] == list(range(1, len(items) + 1))
    assert parallel == serial
    assert sum(not r.ok for r in serial) == 100
    _assert_fail_closed(parallel)


def _endless() -> Iterator[dict[str, Any]]:
    for n in itertools.count(1):
        yield {"id": f"e{n}", "audience": "consumer", "email": f"e{n}@example.de"}


@pytest.mark.parametrize("workers", [1, 2])
def test_decide_many_streams_from_an_endless_source(workers: int) -> None:
    results = decide_many(_endless(), MESSAGE, at=SEND_AT, workers=workers, chunk_size=16)
    assert isinstance(results, Generator)
    first = list(itertools.islice(results, 40))
    results.close()
    assert [r.contact_id for r in first] == [f"e{n}" for n in range(1, 41)]


def test_decide_many_accepts_contacts_and_dicts_alike() -> None:
    data = _without_nones(FULL)
    [a, b] = _decide([Contact.model_validate(data), data])
    assert a.decision == b.decision


def test_the_csv_and_jsonl_examples_give_the_same_summary_without_errors() -> None:
    from_jsonl = summarize(decide_many(read_contacts(EXAMPLES / "campaign.jsonl"), MESSAGE, at=SEND_AT))
    from_csv = summarize(decide_many(read_contacts(EXAMPLES / "campaign.csv"), MESSAGE, at=SEND_AT))
    assert from_jsonl.read == from_csv.read == 3000
    assert from_jsonl.errors == from_csv.errors == 0
    assert from_csv.to_dict() == from_jsonl.to_dict()
    # the list covers every channel and both outcomes on each
    for channel in Channel:
        counts = from_jsonl.to_dict()["channels"][channel.value]
        assert counts["permitted"] > 0, channel
        assert counts["suppressed"] > 0, channel


def test_a_summary_ranks_reasons_and_errors_the_same_whatever_order_rows_were_counted_in() -> None:
    # The columnar engine counts fact patterns before the rows it decides one by one;
    # ties must not follow the counting order, or the engines print different top lists.
    items: list[Any] = list(itertools.islice(read_contacts(EXAMPLES / "campaign.jsonl"), 400))
    items[7:7] = [RowError("invalid_json", "", "x"), RowError("invalid_input", "", "y")]
    results = list(decide_many(items, MESSAGE, at=SEND_AT))
    forward, backward = summarize(results), summarize(reversed(results))
    assert forward.render(top=1000) == backward.render(top=1000)
    assert forward.to_dict() == backward.to_dict()
    assert forward.top_errors() == [("invalid_input", 1), ("invalid_json", 1)]
    counts = [n for _, n in forward.top_reasons()]
    assert counts == sorted(counts, reverse=True)
    assert len(set(counts)) < len(counts)  # there are ties to break


# -- the example files ------------------------------------------------------------------------


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("campaign_generator", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_example_files_are_what_generate_py_writes(tmp_path: Path) -> None:
    generator = _generator()
    contacts = generator.generate()
    generator.write(contacts, tmp_path / "campaign.jsonl", tmp_path / "campaign.csv")
    for name in ("campaign.jsonl", "campaign.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), (
            f"examples/{name} is stale: run .venv/bin/python examples/generate.py"
        )


def test_the_example_list_covers_what_its_docstring_promises() -> None:
    contacts = [json.loads(line) for line in (EXAMPLES / "campaign.jsonl").read_text("utf-8").splitlines()]
    consents = [c for contact in contacts for c in contact.get("consents", [])]
    methods = {c["method"] for c in consents}
    assert methods >= {
        "double_opt_in",
        "single_opt_in",
        "pre_ticked_box",
        "opt_out_checkbox",
        "terms_and_conditions",
        "partner_list",
        "written_signed",
        "verbal_recorded",
    }
    assert {c.get("audience", "unknown") for c in contacts} == {"consumer", "business", "unknown"}
    assert {c["channels"][0] for c in consents} == {c.value for c in FLAT_CHANNELS}
    assert any(c.get("confirmation_channel") not in (None, c["channels"][0]) for c in consents)
    assert any(SENDER not in c["senders"] for c in consents if c["method"] == "partner_list")
    assert any(SENDER in c["senders"] for c in consents if c["method"] == "partner_list")
    assert any(c.get("scope") and "coffee" not in [s.lower() for s in c["scope"]] for c in consents)
    send = SEND_AT
    withdrawn = [datetime.fromisoformat(c["withdrawn_at"]) for c in consents if "withdrawn_at" in c]
    assert any(w < send for w in withdrawn) and any(w > send for w in withdrawn)
    assert any(datetime.fromisoformat(c["granted_at"]) > send for c in consents)
    objections = [o for c in contacts for o in c.get("objections", [])]
    assert any("channels" not in o for o in objections) and any("channels" in o for o in objections)
    relationships = [c["relationship"] for c in contacts if "relationship" in c]
    assert {r["obtained_through"] for r in relationships} == {"sale", "registration", "cancelled_order"}
    assert {r.get("opt_out_notice_at_collection") for r in relationships} >= {True, False}
    assert any("presumed_consent" in c for c in contacts)
    assert any(c.get("robinson_listed") for c in contacts)
    assert any(c.get("no_ads_sticker") for c in contacts)
    phones = [c[k] for c in contacts for k in ("phone", "mobile", "fax") if k in c]
    assert any("/" in p for p in phones) and any("(0)" in p for p in phones) and any(" " in p for p in phones)
    emails = [c["email"] for c in contacts if "email" in c]
    assert all(e.lower().endswith(("example.de", "example.com")) for e in emails)
