"""DataFrames for notebooks: one row per contact × channel, and counts per channel × status × reason."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pytest

from dialoglaw import Channel, InputError, Message
from dialoglaw.batch import BatchResult, RowError, decide_many
from dialoglaw.io import read_contacts, result_record
from dialoglaw.notebook import DECISION_COLUMNS, SUMMARY_COLUMNS, decisions_to_frame, summary_frame
from dialoglaw.summary import summarize

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEND_AT = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
MESSAGE = Message.model_validate(json.loads((EXAMPLES / "message.json").read_text(encoding="utf-8")))

ITEMS: list[Any] = [
    {
        "id": "anna",
        "audience": "consumer",
        "email": "anna@example.de",
        "consents": [
            {
                "id": "k1",
                "channels": ["email"],
                "granted_at": "2024-02-01T09:12:00+01:00",
                "method": "double_opt_in",
                "senders": ["ACME Kaffee GmbH"],
                "confirmed_at": "2024-02-01T09:20:00+01:00",
                "confirmation_channel": "email",
            }
        ],
    },
    {"id": "bad", "email": "nobody.example.de"},
    {"id": "bernd", "audience": "business", "phone": "030/1234567"},
    RowError("invalid_json", "", "Line 4 is not valid JSON: Expecting value."),
]


def _results(**kwargs: Any) -> list[BatchResult]:
    return list(decide_many(ITEMS, MESSAGE, at=SEND_AT, **kwargs))


def _records(frame: Any) -> list[dict[str, Any]]:
    if isinstance(frame, pl.DataFrame):
        return frame.to_dicts()
    return [{k: _missing_as_none(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _missing_as_none(value: Any) -> Any:
    """pandas shows a missing text as NaN (or None); compare it as None."""
    if isinstance(value, list) or value is None:
        return value
    return None if pd.isna(value) else value


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_one_row_per_contact_and_channel_in_input_order(backend: Any) -> None:
    frame = decisions_to_frame(_results(), backend=backend)
    assert list(frame.columns) == list(DECISION_COLUMNS)
    rows = _records(frame)
    assert len(rows) == len(ITEMS) * len(Channel)
    assert [r["row"] for r in rows] == [n for n in range(1, 5) for _ in Channel]
    assert [r["channel"] for r in rows[:8]] == [c.value for c in Channel]
    anna = {r["channel"]: r for r in rows if r["contact_id"] == "anna"}
    assert anna["email"]["status"] == "permitted"
    assert anna["email"]["ground"] == "express_consent"
    assert anna["email"]["reasons"] == []
    assert anna["email"]["citation"]
    assert anna["fax"]["status"] == "suppressed"
    assert "no_consent" in anna["fax"]["reasons"]


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_a_row_that_failed_gives_an_error_row_on_every_channel(backend: Any) -> None:
    rows = _records(decisions_to_frame(_results(), backend=backend))
    for row_number, code in ((2, "invalid_input"), (4, "invalid_json")):
        errors = [r for r in rows if r["row"] == row_number]
        assert [r["channel"] for r in errors] == [c.value for c in Channel]
        assert {r["status"] for r in errors} == {"error"}
        assert {r["error_code"] for r in errors} == {code}
        assert all(r["ground"] is None and r["reasons"] == [] for r in errors)
        assert all(r["error_message"] for r in errors)
    assert {r["contact_id"] for r in rows if r["row"] == 2} == {"bad"}


def test_the_frame_says_what_the_decision_files_say() -> None:
    results = _results()
    rows = _records(decisions_to_frame(results, reasons="string"))
    for result in results:
        record = result_record(result)
        for row in (r for r in rows if r["row"] == result.row):
            c = row["channel"]
            assert row["status"] == record[f"{c}_status"]
            assert row["ground"] == record[f"{c}_ground"]
            assert (row["reasons"] or None) == record[f"{c}_reasons"]
            assert row["citation"] == record[f"{c}_citation"]


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_error_rows_cover_the_channels_the_batch_decided(backend: Any) -> None:
    channels = [Channel.EMAIL, Channel.SMS]
    rows = _records(decisions_to_frame(_results(channels=channels), backend=backend))
    assert [(r["row"], r["channel"]) for r in rows] == [(n, c) for n in range(1, 5) for c in ("email", "sms")]
    only_errors = _records(decisions_to_frame(_results()[1:2], backend=backend, channels=["fax"]))
    assert [(r["channel"], r["status"]) for r in only_errors] == [("fax", "error")]


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_reasons_as_a_string_are_joined_with_semicolons(backend: Any) -> None:
    rows = _records(decisions_to_frame(_results(), backend=backend, reasons="string"))
    fax = next(r for r in rows if r["contact_id"] == "anna" and r["channel"] == "fax")
    assert isinstance(fax["reasons"], str)
    assert "no_consent" in fax["reasons"].split(";")
    email = next(r for r in rows if r["contact_id"] == "anna" and r["channel"] == "email")
    assert email["reasons"] == ""


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_an_empty_batch_gives_an_empty_frame_with_every_column(backend: Any) -> None:
    assert list(decisions_to_frame([], backend=backend).columns) == list(DECISION_COLUMNS)
    assert list(summary_frame([], backend=backend).columns) == list(SUMMARY_COLUMNS)


def test_polars_columns_are_typed() -> None:
    frame = decisions_to_frame(_results(), backend="polars")
    assert frame.schema["row"] == pl.Int64
    assert frame.schema["reasons"] == pl.List(pl.Utf8)
    assert summary_frame(_results(), backend="polars").schema["count"] == pl.Int64


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_summary_totals_are_the_counts_dialoglaw_check_prints(backend: Any) -> None:
    results = list(decide_many(read_contacts(EXAMPLES / "campaign.jsonl"), MESSAGE, at=SEND_AT))
    summary = summarize(results)
    rows = _records(summary_frame(results, backend=backend))
    totals = {(r["channel"], r["status"]): r["count"] for r in rows if r["reason"] is None}
    for channel in summary.channels:
        assert totals[channel.value, "permitted"] == summary.permitted(channel)
    assert sum(totals.values()) == 3000 * len(Channel)
    reasons = [r for r in rows if r["reason"] is not None]
    assert all(r["status"] in ("suppressed", "review") for r in reasons)
    per_reason: dict[tuple[str, str, str], int] = {}
    for r in reasons:
        key = (r["channel"], r["reason"], r["citation"] or "")
        per_reason[key] = per_reason.get(key, 0) + r["count"]
    assert per_reason == {(c.value, code, cite): n for (c, code, cite), n in summary.reasons.items()}


def test_summary_frame_from_a_summary_has_the_same_totals_and_reasons() -> None:
    results = _results()
    exact = _records(summary_frame(results))
    from_summary = _records(summary_frame(summarize(results)))
    assert [r for r in exact if r["reason"] is None] == [r for r in from_summary if r["reason"] is None]
    assert all(r["status"] is None for r in from_summary if r["reason"] and r["status"] != "error")

    def totals(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for r in rows:
            if r["reason"] is not None and r["status"] != "error":
                out[r["channel"], r["reason"]] = out.get((r["channel"], r["reason"]), 0) + r["count"]
        return out

    assert totals(exact) == totals(from_summary)


def test_summary_frame_counts_rows_that_failed_by_error_code() -> None:
    rows = _records(summary_frame(_results()))
    errors = [r for r in rows if r["status"] == "error"]
    assert sorted((r["reason"], r["count"]) for r in errors) == [("invalid_input", 1), ("invalid_json", 1)]
    assert all(r["channel"] is None for r in errors)


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_a_missing_dataframe_library_is_an_input_error_saying_what_to_install(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, backend, None)  # makes `import <backend>` fail
    with pytest.raises(InputError) as info:
        decisions_to_frame(_results(), backend=backend)  # type: ignore[arg-type]
    assert f"pip install 'dialoglaw[{backend}]'" in str(info.value)
    assert info.value.field == "backend"
    with pytest.raises(InputError, match=rf"dialoglaw\[{backend}\]"):
        summary_frame([], backend=backend)  # type: ignore[arg-type]


def test_an_unknown_backend_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'pandas' or 'polars'"):
        decisions_to_frame([], backend="spark")  # type: ignore[arg-type]
