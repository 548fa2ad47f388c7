"""The columnar engine gives exactly the per-object engine's decisions.

Differential tests: random flat-layout rows (``flat_rows.py``: edge dates around the send
time, every consent method, every reason code, bad cells) are decided by the columnar
engine and, independently, row by row through the file readers' path (``flat_to_nested``,
``decide_many``, ``result_record``); every output column of every row must be equal, and
so must the summaries.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import polars as pl
import pyarrow as pa
import pytest

import dialoglaw
from dialoglaw import Channel, InputError, Message, Policy, decide_frame
from dialoglaw.batch import decide_many
from dialoglaw.columnar import ColumnarEngine, _cells, _rows_cells
from dialoglaw.io.files import _flat, result_record
from dialoglaw.io.flat import parse_datetime
from dialoglaw.messages import CODES
from dialoglaw.privacy import SuppressionList
from dialoglaw.summary import Summary, summarize
from tests.flat_rows import AT, COLUMNS, SENDER, random_rows

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = Message.model_validate(json.loads((ROOT / "examples" / "message.json").read_text()))


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String))


def _reference(
    rows: Iterable[Mapping[str, Any]],
    message: Message,
    *,
    channels: tuple[Channel, ...] = tuple(Channel),
    **kw: Any,
) -> tuple[list[dict[str, Any]], Summary]:
    results = list(
        decide_many((_flat(r) for r in rows), message, at=kw.pop("at", AT), channels=channels, **kw)
    )
    return [result_record(r, channels) for r in results], summarize(results)


def _summary(summary: Summary) -> tuple[Any, ...]:
    d = summary.to_dict()
    reasons = Counter({(r["channel"], r["code"], r["citation"]): r["count"] for r in d["top_reasons"]})
    return d["read"], d["errors"], d["error_codes"], d["channels"], reasons


def _assert_same(
    rows: list[dict[str, Any]], message: Message = MESSAGE, workers: int = 1, **kw: Any
) -> dict[str, Any]:
    channels = tuple(kw.pop("channels", tuple(Channel)))
    expected, summary = _reference(rows, message, channels=channels, workers=workers, **dict(kw))
    got = decide_frame(_frame(rows), message, at=kw.pop("at", AT), channels=channels, **kw)
    assert got.engine == "columnar"
    actual = got.frame.to_dicts()
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        if a != e:  # pragma: no cover - shown only on failure
            diff = {k: (a[k], e[k]) for k in e if a.get(k) != e[k]}
            pytest.fail(f"row {e['row']} differs (columnar, per-object): {diff}\n{rows[e['row'] - 1]}")
    assert _summary(got.summary) == _summary(summary)
    return {"stats": got.stats, "expected": expected}


def test_columnar_and_per_object_decide_100k_random_rows_identically() -> None:
    rows = random_rows(100_000, seed=20261123, bad=0.05, distinct=10_000)
    out = _assert_same(rows, workers=2)
    stats, expected = out["stats"], out["expected"]
    # The sample is not trivial: it reaches every status, most codes, errors, and both paths.
    statuses = Counter(r[f"{c.value}_status"] for r in expected for c in Channel)
    assert {"permitted", "suppressed", "review", "error"} <= set(statuses)
    codes = {
        code.split(":")[0]
        for r in expected
        for c in Channel
        for code in (r[f"{c.value}_reasons"] or "").split(";")
        if code
    }
    grounds = {r[f"{c.value}_ground"] for r in expected for c in Channel} - {None}
    seen = codes | grounds
    reachable = {
        "no_consent", "no_express_consent", "no_presumed_consent", "consent_other_sender", "consent_not_specific",
        "consent_invalid_method", "consent_unconfirmed", "consent_withdrawn", "consent_not_yet_granted",
        "consent_by_minor", "consent_other_purpose", "objection", "robinson_list", "no_ads_sticker",
        "no_contact_point", "contact_point_unsuitable", "existing_customer_conditions_not_met", "unsettled_law",
        "express_consent", "existing_customer", "presumed_consent", "postal_no_objection", "leaflet_no_refusal",
    }  # fmt: skip
    assert reachable <= seen, sorted(reachable - seen)
    assert seen <= set(CODES)
    assert stats.broadcast_rows > 0 and stats.per_object_rows > 0
    assert stats.rows == 100_000 == stats.broadcast_rows + stats.per_object_rows


@pytest.mark.parametrize(
    ("name", "message", "kw"),
    [
        (
            "a policy that decides open questions, sets a staleness threshold and ignores Robinson",
            MESSAGE,
            {
                "policy": Policy(
                    unknown_audience="business",
                    stale_consent_after_days=365,
                    honour_robinson_list=False,
                    partner_list_max_senders=20,
                    similarity_groups=(frozenset({"coffee", "tea"}),),
                    unsettled={
                        "de.consent.minor": "permit",
                        "de.uwg.7.3.sms": "permit",
                        "de.consent.lapse": "suppress",
                    },
                    require_confirmed_opt_in=frozenset({Channel.EMAIL}),
                )
            },
        ),
        (
            "a message with unknown topic and unknown own-products",
            MESSAGE.model_copy(update={"topic": None, "own_products": None}),
            {},
        ),
        (
            "a message without sender facts",
            MESSAGE.model_copy(update={"sender_identified": None, "valid_opt_out_address": False}),
            {},
        ),
        ("a transactional message", MESSAGE.model_copy(update={"purpose": "transactional"}), {}),
        (
            "a message of another sender",
            MESSAGE.model_copy(update={"sender": "Other AG", "own_products": False}),
            {},
        ),
        ("three channels only", MESSAGE, {"channels": (Channel.SMS, Channel.POSTAL, Channel.PHONE)}),
        ("a send time in 2015", MESSAGE, {"at": datetime(2015, 6, 1, 9, tzinfo=AT.tzinfo)}),
        (
            "a send time on the 2022 renumbering day",
            MESSAGE,
            {"at": datetime(2022, 5, 28, 0, 0, tzinfo=AT.tzinfo)},
        ),
    ],
)
def test_columnar_and_per_object_agree_under(name: str, message: Message, kw: dict[str, Any]) -> None:
    # A seed of the name that is the same in every run (str hashes change per process).
    _assert_same(random_rows(4000, seed=zlib.crc32(name.encode()) % 10_000), message, **kw)


def test_a_suppression_list_bars_the_same_rows_in_both_engines() -> None:
    rows = random_rows(4000, seed=7)
    suppressions = SuppressionList(b"k" * 32)
    for row in rows[::7]:
        if row["email"]:
            with contextlib.suppress(dialoglaw.InputError):
                suppressions.add_email(
                    row["email"].strip(), channels=None if len(suppressions) % 2 else [Channel.EMAIL]
                )
        if row["mobile"]:
            suppressions.add_phone(row["mobile"], channels=[Channel.SMS])
    assert len(suppressions) > 100
    out = _assert_same(rows, suppressions=suppressions)
    assert any("objection" in (r["email_reasons"] or "") for r in out["expected"])


def test_repeated_fact_patterns_are_decided_once() -> None:
    rows = [dict(r, id=f"copy-{i}-{r['id']}") for i in range(20) for r in random_rows(200, seed=3, bad=0.0)]
    out = _assert_same(rows)
    assert out["stats"].patterns < len(rows) / 10


def test_every_frame_type_gives_the_same_result() -> None:
    rows = random_rows(1500, seed=11)
    frame = _frame(rows)
    base = decide_frame(frame, MESSAGE, at=AT).frame
    from_arrow = decide_frame(frame.to_arrow(), MESSAGE, at=AT).frame
    from_pandas = decide_frame(frame.to_pandas(), MESSAGE, at=AT).frame
    assert from_arrow.equals(base, null_equal=True)
    assert from_pandas.equals(base, null_equal=True)


def test_frames_whose_columns_lie_in_chunks_of_other_sizes_decide_like_contiguous_ones() -> None:
    # A slice of a Parquet file across row groups holds its columns in several chunks,
    # and helper columns come out in one; the engine makes such a batch contiguous
    # first. Every row must come out, in order, with the per-object decision, whatever
    # the chunks: equal chunks in every column, and one column chunked otherwise.
    rows = random_rows(1200, seed=12)
    expected, _ = _reference(rows, MESSAGE)
    whole = _frame(rows)
    pieces = pl.concat([whole.slice(0, 100), whole.slice(100, 700), whole.slice(800, 400)], rechunk=False)
    assert pieces.n_chunks() == 3
    uneven = pieces.with_columns(whole.get_column("email"))  # one chunk among columns of three
    assert sorted(set(uneven.n_chunks("all"))) == [1, 3]
    for frame in (pieces, uneven):
        got = decide_frame(frame, MESSAGE, at=AT, batch_size=500)
        assert got.engine == "columnar"
        assert got.frame.to_dicts() == expected


def test_typed_columns_are_read_as_the_file_readers_read_them() -> None:
    # Booleans, integers and timestamps (as in a typed Parquet file) instead of text.
    rows = random_rows(1500, seed=12, bad=0.0)
    frame = _frame(rows).with_columns(
        pl.col("robinson_listed").replace_strict(
            {"true": True, "ja": True, "false": False, "0": False}, default=None, return_dtype=pl.Boolean
        ),
        pl.col("email_subject_age").cast(pl.Int64),
        pl.col("objection_at").str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_zone="UTC", strict=False),
    )
    got = decide_frame(frame, MESSAGE, at=AT)
    expected, _ = _reference(frame.to_dicts(), MESSAGE)
    assert got.frame.to_dicts() == expected


def _typed_stamps(frame: pl.DataFrame, unit: Literal["us", "ns"]) -> pl.DataFrame:
    """``frame`` with its timestamp columns typed (UTC), each cell the instant the readers
    read from its text (null where they read none)."""

    def instant(value: str | None, column: str) -> datetime | None:
        try:
            return None if value is None else parse_datetime(value, column).astimezone(UTC)
        except InputError:
            return None

    return frame.with_columns(
        pl.Series(c, [instant(v, c) for v in frame[c]], dtype=pl.Datetime(unit, "UTC"))
        for c in frame.columns
        if c.endswith("_at")
    )


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", None])
def test_typed_timestamps_and_dates_are_projected_as_the_readers_read_them(zone: str | None) -> None:
    """Typed timestamp columns (with a zone, or without one, read as Berlin time) and a
    typed birth date are projected directly, not row by row; naive times in the
    autumn's repeated hour and the spring gap give the readers' instants (fold 0)."""
    rows = random_rows(3000, seed=17, bad=0.0)
    edges = ["2025-10-26T02:30:00+01:00", "2025-03-30T02:30:00+01:00", "2025-10-26T01:59:59+01:00"]
    for i, row in enumerate(rows[:300]):
        if row.get("email_consent_at"):
            row["email_consent_at"] = edges[i % 3]
    frame = _frame(rows)
    stamps = [c for c in frame.columns if c.endswith("_at")]
    typed = (
        _typed_stamps(frame, "us")
        .with_columns(pl.col("birth_date").str.to_date("%Y-%m-%d", strict=False))
        .with_columns(pl.col(c).dt.convert_time_zone(zone or "Europe/Berlin") for c in stamps)
    )
    if zone is None:  # Berlin wall time without a zone
        typed = typed.with_columns(pl.col(c).dt.replace_time_zone(None) for c in stamps)
    got = decide_frame(typed, MESSAGE, at=AT)
    expected, summary = _reference(typed.to_dicts(), MESSAGE)
    actual = got.frame.to_dicts()
    for a, e in zip(actual, expected, strict=True):
        assert a == e, {k: (a[k], e[k]) for k in e if a[k] != e[k]}
    assert _summary(got.summary) == _summary(summary)
    # The typed cells were read by the projection: no more rows went one by one than
    # from text, but for naive times in the spring gap.
    from_text = decide_frame(frame, MESSAGE, at=AT).stats.per_object_rows
    gap = sum(r.get("email_consent_at") == edges[1] for r in rows) if zone is None else 0
    assert got.stats.per_object_rows <= from_text + gap
    assert got.stats.broadcast_rows > 0.75 * len(rows)


def test_an_all_null_column_and_missing_columns_are_absent_facts() -> None:
    rows = random_rows(500, seed=13, bad=0.0)
    frame = _frame(rows).select(
        "id", "audience", "email", "email_consent_at", "email_consent_method", "email_consent_senders"
    )
    frame = frame.with_columns(pl.lit(None).alias("fax"))
    got = decide_frame(frame, MESSAGE, at=AT)
    expected, _ = _reference(frame.to_dicts(), MESSAGE)
    assert got.frame.to_dicts() == expected
    assert got.stats.broadcast_rows > 0


def test_an_unknown_column_makes_every_row_an_error() -> None:
    frame = _frame(random_rows(50, seed=14)).with_columns(pl.lit("x").alias("emial"))
    got = decide_frame(frame, MESSAGE, at=AT)
    assert got.engine == "columnar"
    assert got.stats.per_object_rows == 50  # each row reports the unknown column
    assert set(got.frame["email_status"]) == {"error"}
    assert set(got.frame["error_field"]) == {"emial"}


def test_nested_frames_go_through_the_per_object_engine() -> None:
    contacts = [json.loads(line) for line in (ROOT / "examples" / "contacts.jsonl").read_text().splitlines()]
    frame = pl.DataFrame(
        {"id": [c["id"] for c in contacts], "consents": [c.get("consents", []) for c in contacts]}
    )
    got = decide_frame(frame, MESSAGE, at=AT)
    assert got.engine == "per-object"
    assert "engine: per-object" in got.describe()
    assert got.frame.height == len(contacts)


def test_rows_of_python_values_other_than_text_are_decided_as_the_per_object_reader_reads_them() -> None:
    # Rows from a database hold numbers, flags, dates. A String column read them otherwise
    # (1.0 as "1", True as "true": a Robinson flag 1.0 counted as listed where the reader
    # rejects it) or not at all (a date cell raised from inside polars). Found by fuzzing.
    import decimal
    from datetime import date

    grant = {
        "email_consent_method": "double_opt_in",
        "email_consent_senders": SENDER,
        "email_consent_at": "2020-01-01T10:00:00+01:00",
    }
    cells: list[tuple[str, Any]] = [
        ("id", 1),
        ("id", 1.0),
        ("id", 1e16),
        ("id", True),
        ("postal_code", 10115),
        ("postal_code", decimal.Decimal("10115")),
        ("robinson_listed", True),
        ("robinson_listed", 1.0),
        ("email_subject_age", True),
        ("email_subject_age", 13.0),
        ("email_consent_at", datetime(2020, 1, 1, 10, tzinfo=UTC)),
        ("birth_date", date(2010, 5, 1)),
        ("email_consent_senders", [SENDER]),
        ("mobile", 2**70),
    ]
    rows: list[dict[str, Any]] = []
    for i, (column, value) in enumerate(cells):
        rows.append(_ADDRESSED | grant | {"id": f"text {i}"})  # text rows around each
        rows.append(_ADDRESSED | grant | {"id": f"typed {i}", column: value})
    engine = ColumnarEngine(MESSAGE, at=AT)
    got = pl.concat(list(engine.decide_items(rows, batch_size=8))).to_dicts()
    expected, _ = _reference(rows, MESSAGE)
    assert got == expected
    assert engine.stats.per_object_rows == len(cells)  # the text rows still go by pattern


def test_reader_errors_keep_their_row_numbers_in_a_stream() -> None:
    from dialoglaw.batch import RowError

    rows: list[Any] = random_rows(300, seed=15)
    rows.insert(0, RowError("invalid_input", "", "CSV line 2 has fewer cells than the header."))
    rows.insert(150, RowError("invalid_input", "", "CSV line 151 has fewer cells than the header."))
    engine = ColumnarEngine(MESSAGE, at=AT)
    got = pl.concat(list(engine.decide_items(rows, batch_size=64))).to_dicts()
    expected = [
        result_record(r)
        for r in decide_many((r if isinstance(r, RowError) else _flat(r) for r in rows), MESSAGE, at=AT)
    ]
    assert got == expected


def test_bad_arguments_are_input_errors_naming_the_field() -> None:
    frame = _frame(random_rows(5, seed=16))
    with pytest.raises(dialoglaw.InputError, match="engine"):
        decide_frame(frame, MESSAGE, at=AT, engine="fast")  # type: ignore[arg-type]
    with pytest.raises(dialoglaw.InputError, match="channels"):
        decide_frame(frame, MESSAGE, at=AT, channels=["email", "pigeon"])
    with pytest.raises(dialoglaw.InputError, match="at"):
        decide_frame(frame, MESSAGE, at=AT.replace(tzinfo=None))
    with pytest.raises(dialoglaw.InputError, match="data"):
        decide_frame([{"id": "x"}], MESSAGE, at=AT)
    engine = ColumnarEngine(MESSAGE, at=AT)
    for bad in (0, -1, 2.5):
        with pytest.raises(dialoglaw.InputError, match="batch_size"):
            decide_frame(frame, MESSAGE, at=AT, batch_size=bad)  # type: ignore[arg-type]
        with pytest.raises(dialoglaw.InputError, match="batch_size"):
            list(engine.decide_items([], batch_size=bad))  # type: ignore[arg-type]
        with pytest.raises(dialoglaw.InputError, match="batch_size"):
            list(engine.decide_nested([], batch_size=bad))  # type: ignore[arg-type]


def test_dates_exactly_at_the_send_time_and_a_microsecond_around_it() -> None:
    base = dict.fromkeys(COLUMNS) | {
        "audience": "consumer",
        "email": "max@example.de",
        "email_consent_method": "double_opt_in",
        "email_consent_senders": SENDER,
    }
    rows = []
    for i, delta in enumerate(
        (timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1), timedelta(seconds=1))
    ):
        when = (AT + delta).isoformat()
        rows.append(base | {"id": f"g{i}", "email_consent_at": when, "email_confirmed_at": when})
        rows.append(
            base
            | {"id": f"w{i}", "email_consent_at": "2020-01-01T00:00:00+01:00", "email_withdrawn_at": when}
        )
        rows.append(base | {"id": f"o{i}", "objection_at": when})
    _assert_same(rows)


@pytest.mark.parametrize(
    ("wall", "at"),
    [
        # 02:30 happens twice on 26.10.2025; fold 0 is the first (00:30 UTC), before the send
        (datetime(2025, 10, 26, 2, 30), datetime(2025, 10, 26, 1, 0, tzinfo=UTC)),  # noqa: DTZ001
        # 02:30 does not exist on 30.03.2025; fold 0 reads it as 01:30 UTC, after the send
        (datetime(2025, 3, 30, 2, 30), datetime(2025, 3, 30, 1, 15, tzinfo=UTC)),  # noqa: DTZ001
    ],
)
def test_naive_typed_timestamps_in_the_clock_change_hours_are_read_as_the_readers_read_them(
    wall: datetime, at: datetime
) -> None:
    """A timestamp without a zone is Berlin wall time with fold 0 (dialoglaw.io.flat):
    whether the consent was granted before the send turns on it."""
    rows = [r for r in random_rows(1500, seed=18, bad=0.0, distinct=60) if r.get("email_consent_at")]
    # an hour either side too: a wrong reading of the wall time would put rows with
    # different facts into one fact pattern
    walls = [wall + timedelta(hours=h) for h in (0, 1, -1)]
    frame = _frame(rows).with_columns(
        pl.Series("email_consent_at", [walls[i % 3] for i in range(len(rows))], dtype=pl.Datetime("us")),
        *(
            pl.lit(None, pl.String).alias(f"email_{c}")
            for c in ("confirmed_at", "withdrawn_at", "last_used_at")
        ),
    )
    got = decide_frame(frame, MESSAGE, at=at)
    expected, _ = _reference(frame.to_dicts(), MESSAGE, at=at)
    assert got.frame.to_dicts() == expected
    # the consent is a ground only where it was granted before the send
    grounds = [Counter(r["email_ground"] for r in expected[i::3]) for i in range(3)]
    assert [g["express_consent"] > 0 for g in grounds] == [wall.month == 10, False, True]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_decision_files_of_both_engines_are_the_same_text_for_awkward_ids(
    tmp_path: Path, suffix: str
) -> None:
    """polars writes JSON Lines itself; the text must be what json.dumps writes."""
    from dialoglaw.io import write_frames, write_results

    awkward = ["Müller", "a\u2028b", 'say "hi"', "back\\slash", "ctl\x1fchar", "emoji 😀", "tab\there", "€/$"]
    rows = [dict(r, id=f"{awkward[i % len(awkward)]} {i}") for i, r in enumerate(random_rows(200, seed=19))]
    engine = ColumnarEngine(MESSAGE, at=AT)
    columnar_out = tmp_path / f"columnar{suffix}"
    per_object_out = tmp_path / f"per-object{suffix}"
    for _ in write_frames(engine.decide_items(rows, batch_size=64), columnar_out, engine.columns):
        pass
    for _ in write_results(decide_many((_flat(r) for r in rows), MESSAGE, at=AT), per_object_out):
        pass
    assert columnar_out.read_bytes() == per_object_out.read_bytes()


def _consents_of_a_minor(granted: str) -> dict[str, Any]:
    """A row with an online e-mail consent and an offline SMS consent granted at
    ``granted``, to be given a birth date."""
    return dict.fromkeys(COLUMNS) | {
        "audience": "consumer",
        "email": "max@example.de",
        "mobile": "+491711234567",
        "email_consent_method": "double_opt_in",
        "email_consent_senders": SENDER,
        "email_consent_at": granted,
        "email_confirmed_at": granted,
        "sms_consent_method": "written_signed",  # offline: 14 and 15 are unsettled
        "sms_consent_senders": SENDER,
        "sms_consent_at": granted,
    }


def test_each_row_keeps_its_own_age_at_the_grant_when_ages_differ_in_one_batch() -> None:
    # Source: Art. 8 Abs. 1 DSGVO (consent online under 16 needs the parents; the library
    # treats under 14 as invalid and 14-15 as review). Rows whose only difference is the
    # birth date must each get the verdict of their own age, whatever their order.
    granted = datetime(2024, 6, 1, 12, tzinfo=UTC)
    base = _consents_of_a_minor(granted.isoformat())
    rows = []
    for i, years in enumerate([30, 12, 18, 15, 13, 16, 14, 17, 40, 11]):
        for day in (-1, 0, 1):  # the birthday the day before, on and after the grant day
            born = granted.date().replace(year=granted.year - years) + timedelta(days=day)
            rows.append(base | {"id": f"a{i}{day}", "birth_date": born.isoformat()})
        rows.append(base | {"id": f"n{i}"})  # no birth date
    result = _assert_same(rows)
    # the ages matter here: online under 16 is invalid, offline 14 and 15 are for review
    assert {r["email_status"] for r in result["expected"]} == {"permitted", "suppressed"}
    assert {r["sms_status"] for r in result["expected"]} >= {"permitted", "suppressed", "review"}


def test_each_row_keeps_its_own_age_when_birthdays_and_grants_fall_in_different_months() -> None:
    # Source: Art. 8 Abs. 1 DSGVO, as above. The age at a grant turns on whether the
    # birthday (month and day) has passed by the grant's day; a grant in October and
    # birthdays in March and November must give ages a year apart. polars returns months
    # and days as 8-bit integers, where month * 100 + day overflowed: a 13-year-old and a
    # 14-year-old shared a fact pattern, and one got the other's verdict. Every row
    # differs from the others only in its dates, all in one batch.
    rows = []
    for grant_month in (1, 2, 3, 6, 10, 12):
        base = _consents_of_a_minor(datetime(2024, grant_month, 19, 12, tzinfo=UTC).isoformat())
        for years in (13, 14, 15, 16):
            for birth_month in range(1, 13):
                for birth_day in (1, 19, 28):
                    born = f"{2024 - years:04d}-{birth_month:02d}-{birth_day:02d}"
                    rows.append(base | {"id": f"g{grant_month}-{born}", "birth_date": born})
    result = _assert_same(rows)
    assert {r["sms_status"] for r in result["expected"]} == {"permitted", "suppressed", "review"}


def test_summaries_agree_when_fact_patterns_repeat_across_many_small_batches() -> None:
    # The columnar engine counts each pattern once per batch and adds the counts in when
    # they are read: a pattern seen in every batch must still count every row.
    rows = [dict(r, id=f"copy-{i}-{r['id']}") for i in range(12) for r in random_rows(300, seed=11, bad=0.02)]
    expected, summary = _reference(rows, MESSAGE)
    got = decide_frame(_frame(rows), MESSAGE, at=AT, batch_size=97)
    assert got.frame.to_dicts() == expected
    assert _summary(got.summary) == _summary(summary)
    assert got.summary.read == len(rows)


def test_cells_of_white_space_only_are_missing_facts_in_every_batch_and_stay_on_the_fast_path() -> None:
    # Source: the readers strip each cell and read an empty one as a missing fact
    # (dialoglaw.io.flat, exact_flat_row). One engine sees batches with other white space
    # in other columns, then none: each batch must decide as the readers do, and a blank
    # cell must cost no row its fact pattern (a blank is a missing value, not a bad one).
    base = random_rows(400, seed=29, bad=0.0)
    kinds = [" ", "\t", "\u3000 ", None]
    columns = ["email", "phone", "birth_date", "email_consent_at", "postal_code"]
    blanked, nulled = [], []
    for i, row in enumerate(base):
        batch = i // 100  # batches of 100 below: each its own white space, the last none
        column = columns[i % len(columns)]
        blank = kinds[batch]
        blanked.append(dict(row, **{column: blank}) if blank is not None and i % 3 == 0 else row)
        nulled.append(dict(row, **{column: None}) if blank is not None and i % 3 == 0 else row)
    expected, summary = _reference(blanked, MESSAGE)
    assert expected == _reference(nulled, MESSAGE)[0]
    engines = []
    for rows in (blanked, nulled):
        engine = ColumnarEngine(MESSAGE, at=AT)
        got = pl.concat(list(engine.decide_items(rows, batch_size=100))).to_dicts()
        assert got == expected
        assert _summary(engine.summary) == _summary(summary)
        engines.append(engine)
    assert engines[0].stats.per_object_rows == engines[1].stats.per_object_rows


def test_decisions_stay_the_same_when_the_expression_cache_fills_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each layout of columns has its own expressions, built once; past the limit they are
    # built anew. Batches alternating between layouts must each be decided by their own.
    from dialoglaw import columnar

    monkeypatch.setattr(columnar, "_PLAN_CACHE_LIMIT", 2)
    rows = random_rows(600, seed=31, bad=0.02)
    for i, row in enumerate(rows):  # three layouts: without e-mail, without phone, all
        gone = ("email", "phone", None)[(i // 50) % 3]
        if gone is not None:
            row[gone] = None
    expected, summary = _reference(rows, MESSAGE)
    engine = ColumnarEngine(MESSAGE, at=AT)
    got = pl.concat(list(engine.decide_items(rows, batch_size=50))).to_dicts()
    assert got == expected
    assert _summary(engine.summary) == _summary(summary)
    assert len(engine._plans) <= 2


def test_a_batch_whose_typed_column_holds_values_is_not_read_with_the_expressions_of_one_where_it_held_none() -> (
    None
):
    # The same text columns, but a Boolean Robinson flag empty in the first batch and set
    # in the second (a database export): the second batch's rows must be read with the
    # flag (Source: UWG § 7(2) no. 1 via the Robinson list, as the per-object engine
    # reads the cell), not with expressions built for a batch without it.
    first = [dict(row, robinson_listed=None) for row in random_rows(50, seed=37, bad=0.0)]
    second = [
        dict(row, id=f"again-{row['id']}", robinson_listed=True if i % 2 else None)
        for i, row in enumerate(first)
    ]
    rows = first + second
    schema = dict.fromkeys(COLUMNS, pl.String) | {"robinson_listed": pl.Boolean}
    frame = pl.DataFrame(rows, schema=schema)
    expected, summary = _reference(rows, MESSAGE)
    engine = ColumnarEngine(MESSAGE, at=AT)
    got = pl.concat([engine.decide_batch(frame.slice(0, 50)), engine.decide_batch(frame.slice(50))])
    assert got.to_dicts() == expected
    assert _summary(engine.summary) == _summary(summary)
    assert any(r["postal_reasons"] and "robinson_list" in r["postal_reasons"] for r in expected[50:])


def test_decisions_stay_the_same_when_the_pattern_cache_fills_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past the limit the engine forgets its decided patterns and decides them anew; the
    # pattern numbers of a batch must still reach the right rows.
    from dialoglaw import columnar

    monkeypatch.setattr(columnar, "_RESULT_CACHE_LIMIT", 60)
    rows = random_rows(1500, seed=5, bad=0.02)
    expected, summary = _reference(rows, MESSAGE)
    engine = ColumnarEngine(MESSAGE, at=AT)
    got = pl.concat(list(engine.decide_items(rows, batch_size=50))).to_dicts()
    assert got == expected
    assert _summary(engine.summary) == _summary(summary)
    assert engine.stats.decided_patterns > 60  # the cache was emptied and refilled
    assert len(engine._patterns) <= 60 + 50


def test_a_row_whose_vouching_condition_comes_out_null_is_decided_alone_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No condition is built to be null, but a null one must not lose its row ("never a
    # lost row"): with all_horizontal a null made the row's __ok null, and both of the
    # filters that split a batch (vouched / not vouched) dropped it. Here a condition is
    # null on every other row: those rows go to the per-object engine, the others keep
    # their patterns, and every row comes out with the per-object decision.
    original = ColumnarEngine._consent_ids

    def with_a_null_condition(
        self: ColumnarEngine, cols: set[str], text: set[str], present: dict[str, Any], ok: list[Any]
    ) -> dict[str, Any]:
        helpers = original(self, cols, text, present, ok)
        ok.append(pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.lit(value=True)))
        return helpers

    rows = random_rows(200, seed=11)
    expected, _ = _reference(rows, MESSAGE)
    plain = ColumnarEngine(MESSAGE, at=AT)
    plain.decide_batch(_frame(rows))
    monkeypatch.setattr(ColumnarEngine, "_consent_ids", with_a_null_condition)
    engine = ColumnarEngine(MESSAGE, at=AT)
    got = engine.decide_batch(_frame(rows)).to_dicts()
    assert got == expected
    # At least the hundred rows with the null condition went one by one, more than
    # without it (where some rows go one by one too: random_rows has bad cells).
    assert engine.stats.per_object_rows >= 100
    assert engine.stats.per_object_rows > plain.stats.per_object_rows


def test_consent_ids_too_long_by_their_default_or_equal_to_another_consents_default_are_error_rows() -> None:
    # A consent without an id gets "<contact id>:<channel>" (dialoglaw.io.flat), which
    # must be at most 200 characters (Consent.id) and differ from the row's other
    # consent ids. The columnar engine checks both on the effective ids it builds once
    # per batch. Each bad row follows a good row of the same fact pattern, so that a
    # missed check would give it the good row's verdicts instead of its error row.
    def consent(channel: str, **cells: str) -> dict[str, str]:
        return {
            f"{channel}_consent_at": "2024-01-01T10:00:00Z",
            f"{channel}_consent_method": "double_opt_in",
            f"{channel}_consent_senders": MESSAGE.sender,
            **cells,
        }

    both = {"email": "max@example.de", "mobile": "+49 151 12345678"}
    rows = [
        {"id": "a" * 180, "phone": "+49 30 1234567", **consent("automated_call")},  # 195 characters
        {"id": "b" * 190, "phone": "+49 30 1234567", **consent("automated_call")},  # 205 characters
        {"id": "c", **both, **consent("email"), **consent("sms", sms_consent_id="c:sms")},
        {"id": "d", **both, **consent("email"), **consent("sms", sms_consent_id="d:email")},
    ]
    expected, _ = _reference(rows, MESSAGE)
    assert [r["error_field"] for r in expected] == [None, "consents[0].id", None, "consents"]
    assert ColumnarEngine(MESSAGE, at=AT).decide_batch(_frame(rows)).to_dicts() == expected


def test_one_engine_keeps_apart_the_patterns_of_batches_whose_key_columns_have_other_types() -> None:
    # Patterns are known across batches by their key, per key layout: a batch holding
    # the Robinson flag as booleans (as a typed Parquet file holds it) after batches
    # holding it as text must get its own patterns, and a pattern whose representative
    # is an input error must give each of its rows, in every batch, its own error row.
    rows = random_rows(900, seed=21, bad=0.05)
    text = _frame(rows)
    typed = text.with_columns(
        pl.col("robinson_listed").replace_strict(
            {"true": True, "ja": True, "false": False, "0": False}, default=None, return_dtype=pl.Boolean
        )
    )
    batches = [part.slice(start, 150) for start in range(0, len(rows), 150) for part in (text, typed)]
    expected, summary = _reference([r for b in batches for r in b.to_dicts()], MESSAGE)
    engine = ColumnarEngine(MESSAGE, at=AT)
    got = pl.concat([engine.decide_batch(b) for b in batches]).to_dicts()
    assert got == expected
    assert _summary(engine.summary) == _summary(summary)
    assert any(r["error_code"] for r in expected)  # rows that are input errors are among them


def test_rows_of_interleaved_patterns_come_out_in_input_order() -> None:
    # Every row is vouched for (no row is decided alone), so no final sort hides an
    # output that follows the patterns instead of the rows.
    rows = [
        {"id": f"r{i}", "audience": ("consumer", "business", "unknown")[i % 3], "email": f"x{i}@example.de"}
        for i in range(3000)
    ]
    expected, _ = _reference(rows, MESSAGE)
    got = decide_frame(pl.DataFrame(rows), MESSAGE, at=AT, batch_size=1024)
    assert got.stats.per_object_rows == 0 and got.stats.patterns <= 9
    assert got.frame.to_dicts() == expected


def test_decide_arrow_yields_batches_of_its_schema_with_the_per_object_decisions() -> None:
    # As Spark's mapInArrow hands them over: record batches with 32-bit string columns.
    rows = random_rows(3000, seed=21)
    table = _frame(rows).to_arrow()
    table = table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))
    empty = pa.RecordBatch.from_pylist([], schema=table.schema)
    engine = ColumnarEngine(MESSAGE, at=AT)
    # batch_size 1,000: no two batches of 700 rows are decided together (the last 200 join
    # the 700 before them)
    out = list(engine.decide_arrow([empty, *table.to_batches(max_chunksize=700)], batch_size=1000))
    assert len(out) >= 4
    assert engine.arrow_schema.names == engine.columns
    assert engine.arrow_schema.field("row").type == pa.int64()
    assert all(isinstance(b, pa.RecordBatch) and b.schema.equals(engine.arrow_schema) for b in out)
    expected, summary = _reference(rows, MESSAGE)
    assert pa.Table.from_batches(out).to_pylist() == expected  # rows numbered across batches
    assert _summary(engine.summary) == _summary(summary)


def test_decide_arrow_decides_small_batches_of_the_same_columns_together_with_the_same_decisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Spark hands over batches of 10,000 rows; every decided batch has a fixed cost, so
    # consecutive batches are decided together, up to batch_size rows. A batch with other
    # columns starts a new group, and so does one that would exceed batch_size.
    rows = random_rows(2400, seed=22)
    table = _frame(rows).to_arrow()
    narrow = table.drop_columns(["fax", "fax_consent_at"]).slice(1800)
    batches = [*table.slice(0, 1800).to_batches(max_chunksize=100), *narrow.to_batches(max_chunksize=100)]
    engine = ColumnarEngine(MESSAGE, at=AT)
    decided: list[int] = []
    decide_batch = engine.decide_batch

    def spy(batch: Any) -> pl.DataFrame:
        decided.append(len(batch))
        return decide_batch(batch)

    monkeypatch.setattr(engine, "decide_batch", spy)
    out = pa.Table.from_batches(list(engine.decide_arrow(batches, batch_size=700)))
    assert decided == [700, 700, 400, 600]  # 7 + 7 + 4 batches of the full columns, then 6 narrow ones
    assert out.schema.equals(engine.arrow_schema)
    narrowed = [
        r if i < 1800 else {k: v for k, v in r.items() if k not in ("fax", "fax_consent_at")}
        for i, r in enumerate(rows)
    ]
    expected, summary = _reference(narrowed, MESSAGE)
    assert out.to_pylist() == expected
    assert _summary(engine.summary) == _summary(summary)


def test_decide_arrow_yields_the_decisions_before_a_batch_it_cannot_read_and_then_the_error() -> None:
    rows = random_rows(300, seed=23)
    batches = _frame(rows).to_arrow().to_batches(max_chunksize=100)
    engine = ColumnarEngine(MESSAGE, at=AT)
    stream = engine.decide_arrow([*batches, "not a batch"])
    got = [next(stream)]
    with pytest.raises(InputError, match="data"):
        got.extend(stream)
    expected, _ = _reference(rows, MESSAGE)
    assert pa.Table.from_batches(got).to_pylist() == expected


def test_decide_arrow_has_the_columns_of_the_channels_asked_for_and_rejects_other_data() -> None:
    engine = ColumnarEngine(MESSAGE, at=AT, channels=["email", "postal"])
    assert engine.arrow_schema.names == [
        *("row", "contact_id", "error_code", "error_field", "error_message"),
        *("email_status", "email_ground", "email_reasons", "email_citation"),
        *("postal_status", "postal_ground", "postal_reasons", "postal_citation"),
    ]
    with pytest.raises(dialoglaw.InputError, match="data"):
        list(engine.decide_arrow([[{"id": "x"}]]))


def test_integer_ids_postal_codes_and_numbers_are_read_as_their_digits_in_the_projection() -> None:
    # As a database export holds them: the readers read such a cell as str(cell).
    rows = random_rows(2000, seed=31, bad=0.0)
    frame = _frame(rows).with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) - 5).alias("id"),  # a few negative ids too
        pl.col("postal_code").cast(pl.UInt32, strict=False),
        pl.col("phone").str.strip_prefix("+").cast(pl.Int64, strict=False),
        pl.col("email_consent_id").str.extract(r"(\d+)").cast(pl.Int16, strict=False),
    )
    assert frame.schema["postal_code"] == pl.UInt32 and frame["postal_code"].null_count() < frame.height
    got = decide_frame(frame, MESSAGE, at=AT)
    expected, summary = _reference(frame.to_dicts(), MESSAGE)
    assert got.frame.to_dicts() == expected
    assert _summary(got.summary) == _summary(summary)
    as_text = frame.with_columns(
        pl.col(c).cast(pl.String) for c in ("id", "postal_code", "phone", "email_consent_id")
    )
    assert got.stats.per_object_rows == decide_frame(as_text, MESSAGE, at=AT).stats.per_object_rows
    # Decimal ids without a fraction, as Spark reads an Oracle NUMBER column.
    decimal = frame.with_columns(pl.col("id").cast(pl.Decimal(38, 0)))
    got = decide_frame(decimal, MESSAGE, at=AT)
    assert got.frame.to_dicts() == _reference(decimal.to_dicts(), MESSAGE)[0]
    assert got.stats.per_object_rows == decide_frame(as_text, MESSAGE, at=AT).stats.per_object_rows


def test_dictionary_encoded_and_categorical_text_is_read_as_text_in_the_projection() -> None:
    # As pyarrow reads a Parquet file written from pandas "category" columns.
    rows = random_rows(2000, seed=32)
    text = _frame(rows)
    table = text.to_arrow()
    encoded = table.cast(pa.schema([(n, pa.dictionary(pa.int32(), pa.string())) for n in table.column_names]))
    categorical = text.with_columns(
        pl.col("audience").cast(pl.Enum(text["audience"].drop_nulls().unique().sort()))
    )
    expected, summary = _reference(rows, MESSAGE)
    from_text = decide_frame(text, MESSAGE, at=AT).stats.per_object_rows
    for data in (encoded, text.with_columns(pl.all().cast(pl.Categorical)), categorical):
        got = decide_frame(data, MESSAGE, at=AT)
        assert got.frame.to_dicts() == expected
        assert _summary(got.summary) == _summary(summary)
        assert got.stats.per_object_rows == from_text


@pytest.mark.parametrize("zone", ["UTC", None])
def test_nanosecond_timestamps_as_pandas_holds_them_are_projected_where_they_are_whole_microseconds(
    zone: str | None,
) -> None:
    rows = random_rows(3000, seed=33, bad=0.0)
    frame = _frame(rows)
    stamps = [c for c in frame.columns if c.endswith("_at")]
    typed = _typed_stamps(frame, "ns")
    # 40 grants a nanosecond past a whole microsecond, which no Python datetime holds.
    odd = pl.int_range(pl.len()) < 40
    typed = typed.with_columns(
        pl.when(odd)
        .then(pl.col("email_consent_at") + pl.duration(nanoseconds=1))
        .otherwise(pl.col("email_consent_at"))
    )
    if zone is None:  # Berlin wall time without a zone
        typed = typed.with_columns(
            pl.col(c).dt.convert_time_zone("Europe/Berlin").dt.replace_time_zone(None) for c in stamps
        )
    expected, summary = _reference(typed.to_dicts(), MESSAGE)
    from_text = decide_frame(frame, MESSAGE, at=AT).stats.per_object_rows
    for data in (typed, typed.to_pandas()):
        got = decide_frame(data, MESSAGE, at=AT)
        assert got.frame.to_dicts() == expected
        assert _summary(got.summary) == _summary(summary)
        assert got.stats.per_object_rows <= from_text + typed["email_consent_at"].head(40).count()
        assert got.stats.broadcast_rows > 0.75 * len(rows)


def test_birth_dates_held_as_timestamps_are_projected_as_the_readers_read_them() -> None:
    # pandas holds dates as timestamps; the readers take the timestamp's day in its own zone.
    rows = random_rows(3000, seed=34, bad=0.0)
    frame = _frame(rows)
    midnight = frame.with_columns(pl.col("birth_date").str.to_datetime("%Y-%m-%d", strict=False))
    late_utc = midnight.with_columns(
        (pl.col("birth_date").dt.replace_time_zone("UTC") + pl.duration(hours=23)).alias("birth_date")
    )
    assert midnight["birth_date"].count() > 300
    from_text = decide_frame(frame, MESSAGE, at=AT).stats.per_object_rows
    for data in (midnight, late_utc, midnight.to_pandas()):
        expected, summary = _reference(pl.DataFrame(data).to_dicts(), MESSAGE)
        got = decide_frame(data, MESSAGE, at=AT)
        assert got.frame.to_dicts() == expected
        assert _summary(got.summary) == _summary(summary)
        assert got.stats.per_object_rows <= from_text


_ADDRESSED = dict.fromkeys(COLUMNS) | {
    "audience": "consumer",
    "email": "max@example.de",
    "street": "Hauptstr. 1",
    "postal_code": "10115",
    "city": "Berlin",
}


def test_a_birth_date_in_the_year_0000_is_an_error_row_not_another_rows_verdict() -> None:
    # polars reads 0000-01-01 as a date; Python's date, and so the readers, cannot. The
    # row is an input error (the per-object engine), never a row with postal permitted
    # because a valid row with the same facts came first (found by fuzzing).
    rows = [
        _ADDRESSED | {"id": "valid", "birth_date": "1990-01-01"},
        _ADDRESSED | {"id": "year 0", "birth_date": "0000-01-01"},
        _ADDRESSED | {"id": "year 1", "birth_date": "0001-01-01"},
    ]
    result = _assert_same(rows)
    assert [r["error_field"] for r in result["expected"]] == [None, "birth_date", None]
    assert [r["postal_status"] for r in result["expected"]] == ["permitted", "error", "permitted"]


def test_instants_outside_1900_to_2999_are_error_rows_in_every_shape_and_type_the_readers_take() -> None:
    # The model takes instants from 1900-01-01 to 2999-12-31 (UTC, both included;
    # dialoglaw.facts). The columnar engine checks the range on three paths: ISO cells
    # read by field arithmetic, other cells read by the parser (German dates, no
    # offset: Berlin time, UTC+1 in 1900), and typed timestamps. Each row just outside
    # is an error row, each at the bounds is decided, in both engines alike.
    stamps = [
        "1899-12-31T23:59:59Z",
        "1900-01-01T00:00:00Z",
        "2999-12-31T00:00:00Z",
        "2999-12-31T00:00:00.000001Z",
        "31.12.1899 23:59",
        "01.01.1900 01:00",
        "3000-01-01T00:00:00",
        "2999-12-31T01:00:00",
    ]
    rows = [
        _ADDRESSED | {"id": f"c{i}", "objection_at": s, "objection_channels": "email"}
        for i, s in enumerate(stamps)
    ]
    result = _assert_same(rows)
    at = "objections[0].at"
    outside = [at, None, None, at, at, None, at, None]
    assert [r["error_field"] for r in result["expected"]] == outside
    typed = _frame(rows).with_columns(
        pl.Series(
            [parse_datetime(s, "objection_at").astimezone(UTC).replace(tzinfo=None) for s in stamps],
            dtype=pl.Datetime("us"),
        )
        .dt.replace_time_zone("UTC")
        .alias("objection_at")
    )
    got = decide_frame(typed, MESSAGE, at=AT, engine="columnar")
    assert got.frame.to_dicts() == decide_frame(typed, MESSAGE, at=AT, engine="per-object").frame.to_dicts()
    assert [r["error_field"] for r in got.frame.to_dicts()] == outside
    assert got.stats.per_object_rows >= 4


def test_a_typed_date_python_cannot_hold_is_an_error_row_naming_the_column() -> None:
    # A date column (from Parquet, say) can hold the year 0 or years past 9999; reading
    # such a cell as Python raised ValueError from inside polars. Each engine now gives
    # the row an error naming the column, and decides the other rows.
    rows = [_ADDRESSED | {"id": f"c{i}", "birth_date": "1990-01-01"} for i in range(3)]
    days = pl.Series([7305, -719528, 3_000_000], dtype=pl.Int32).cast(pl.Date)  # 1990, year 0, year 10183
    frame = _frame(rows).with_columns(days.alias("birth_date"))
    for engine in ("columnar", "per-object"):
        got = decide_frame(frame, MESSAGE, at=AT, engine=engine).frame.to_dicts()
        assert [(r["contact_id"], r["error_field"], r["postal_status"]) for r in got] == [
            ("c0", None, "permitted"),
            ("c1", "birth_date", "error"),
            ("c2", "birth_date", "error"),
        ], engine
        assert "'birth_date' holds a value Python cannot read" in got[1]["error_message"]


def test_representatives_read_together_fall_back_to_one_at_a_time_where_a_cell_cannot_be_read() -> None:
    # New patterns' representatives are read from the frame in one go; where one row holds
    # a value Python cannot hold, each is read alone, so that only that row is an error.
    rows = [_ADDRESSED | {"id": f"c{i}", "birth_date": "1990-01-01"} for i in range(3)]
    days = pl.Series([7305, -719528, 7306], dtype=pl.Int32).cast(pl.Date)  # the middle one: year 0
    frame = _frame(rows).with_columns(days.alias("birth_date"))
    got = _rows_cells(frame, [2, 1, 0])
    assert got == [_cells(frame, 2), _cells(frame, 1), _cells(frame, 0)]
    assert isinstance(got[1], dialoglaw.batch.RowError) and got[1].field == "birth_date"
    assert _rows_cells(frame, [2, 0]) == [frame.row(2, named=True), frame.row(0, named=True)]


def test_whole_numbers_in_float_columns_as_pandas_reads_them_are_read_as_their_text() -> None:
    # pandas reads a column of numbers with gaps as floats: postal code 26122.0, which
    # the readers read as str(cell), "26122.0", as polars writes it.
    rows = random_rows(2000, seed=35, bad=0.0)
    frame = _frame(rows).with_columns(
        (pl.int_range(pl.len()) * 7 - 21).cast(pl.Float64).alias("id"),
        pl.col("postal_code").cast(pl.Float64, strict=False),
        pl.col("phone").str.strip_prefix("+").cast(pl.Float64, strict=False),
    )
    assert frame["postal_code"].count() > 1000
    floats = ("id", "postal_code", "phone")
    as_text = frame.with_columns(pl.col(c).cast(pl.String) for c in floats)
    from_text = decide_frame(as_text, MESSAGE, at=AT).stats.per_object_rows
    got = decide_frame(frame, MESSAGE, at=AT)
    assert got.frame.to_dicts() == _reference(frame.to_dicts(), MESSAGE)[0]
    assert got.stats.per_object_rows == from_text
    assert got.frame["contact_id"][3] == "0.0"
    # A fraction, a NaN (a missing cell to the readers) or a number Python writes with
    # an exponent keeps the column out of the projection: the same decisions, row by row.
    for odd in (0.5, float("nan"), 1e16):
        changed = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 5)
            .then(pl.lit(odd))
            .otherwise(pl.col("postal_code"))
            .alias("postal_code")
        )
        got = decide_frame(changed, MESSAGE, at=AT)
        assert got.frame.to_dicts() == _reference(changed.to_dicts(), MESSAGE)[0], odd
        assert got.stats.per_object_rows > from_text + 500, odd


def _coded_schema(engine: ColumnarEngine) -> dict[str, Any]:
    """The output dtypes of ``categorical=True``: every column but the row number and the
    contact id Categorical."""
    keyed = {"row": pl.Int64, "contact_id": pl.String}
    return {c: keyed.get(c, pl.Categorical) for c in engine.columns}


def _as_text(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.cast({c: pl.String for c, t in frame.schema.items() if t == pl.Categorical}).to_dicts()


def test_categorical_output_holds_the_per_object_decisions_for_every_kind_of_row() -> None:
    """``categorical=True`` gives the error and verdict columns as polars Categorical:
    rows that take their pattern's verdicts, rows decided alone, reader errors and rows
    with text Arrow cannot hold must all come out so, with the per-object decisions."""
    from dialoglaw.batch import RowError

    rows: list[Any] = random_rows(2000, seed=32, bad=0.1)
    rows.insert(700, RowError("invalid_input", "", "CSV line 702 has fewer cells than the header."))
    rows[900] = {**rows[900], "city": "Berlin\ud800"}  # a lone surrogate: decided alone
    engine = ColumnarEngine(MESSAGE, at=AT, categorical=True)
    frames = list(engine.decide_items(rows, batch_size=500))
    assert all(dict(f.schema) == _coded_schema(engine) for f in frames)
    expected = [
        result_record(r)
        for r in decide_many((r if isinstance(r, RowError) else _flat(r) for r in rows), MESSAGE, at=AT)
    ]
    assert _as_text(pl.concat(frames)) == expected
    assert engine.stats.broadcast_rows > 0 and engine.stats.per_object_rows > 0
    # An empty batch and one the projection cannot read (an unknown column) come out so too.
    for batch in (_frame(rows[:3]).head(0), _frame(rows[:3]).with_columns(pl.lit("44").alias("shoe_size"))):
        assert dict(engine.decide_batch(batch).schema) == _coded_schema(engine)


@pytest.mark.parametrize("engine", ["columnar", "per-object"])
def test_decide_frame_gives_categorical_verdicts_on_request_with_the_same_values(
    engine: Literal["columnar", "per-object"],
) -> None:
    rows = random_rows(600, seed=33, bad=0.1)
    text = decide_frame(_frame(rows), MESSAGE, at=AT, engine=engine)
    coded = decide_frame(_frame(rows), MESSAGE, at=AT, engine=engine, categorical=True)
    assert (text.engine, coded.engine) == (engine, engine)
    assert dict(coded.frame.schema) == _coded_schema(ColumnarEngine(MESSAGE, at=AT))
    assert _as_text(coded.frame) == text.frame.to_dicts()
    assert _summary(coded.summary) == _summary(text.summary)
    # Nested frames, decided by the per-object engine, too.
    contacts = [json.loads(line) for line in (ROOT / "examples" / "contacts.jsonl").read_text().splitlines()]
    nested = pl.DataFrame(
        {"id": [c["id"] for c in contacts], "consents": [c.get("consents", []) for c in contacts]}
    )
    coded_nested = decide_frame(nested, MESSAGE, at=AT, categorical=True)
    assert coded_nested.engine == "per-object"
    assert _as_text(coded_nested.frame) == decide_frame(nested, MESSAGE, at=AT).frame.to_dicts()
    assert dict(coded_nested.frame.schema) == _coded_schema(ColumnarEngine(MESSAGE, at=AT))


def test_decide_arrow_of_a_categorical_engine_yields_its_text_schema_with_the_same_decisions() -> None:
    batches = _frame(random_rows(1500, seed=34, bad=0.1)).to_arrow().to_batches(max_chunksize=500)
    text, coded = ColumnarEngine(MESSAGE, at=AT), ColumnarEngine(MESSAGE, at=AT, categorical=True)
    got = list(coded.decide_arrow(batches))
    assert all(b.schema.equals(coded.arrow_schema) for b in got)
    assert pa.Table.from_batches(got).equals(pa.Table.from_batches(list(text.decide_arrow(batches))))


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_categorical_must_be_true_or_false(value: Any) -> None:
    with pytest.raises(InputError, match=r"categorical.*True or False"):
        ColumnarEngine(MESSAGE, at=AT, categorical=value)
    with pytest.raises(InputError, match=r"categorical.*True or False"):
        decide_frame(_frame(random_rows(3, seed=35)), MESSAGE, at=AT, categorical=value)
