"""The cheaper checks of the columnar fast pass give exactly the answers of the ones they
replaced: differential tests against the previous polars expressions and Python's own
reading, over generated near misses and explicit edge cases; and the expressions run over
the non-null cells only give what they give over whole columns."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from unittest import mock

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialoglaw import columnar
from dialoglaw.columnar import (
    _ISO_INSTANT,
    _WS,
    _WS_CHARS,
    _in_range,
    _instant_cells,
    _iso_instant_us,
    _on_cells,
    _put_back,
)
from dialoglaw.fastpath import phone_cells, phone_expr
from dialoglaw.io.flat import ISO_INSTANT_SHAPE

SETTINGS = settings(max_examples=500, deadline=None)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def previous_instant_us(cells: Sequence[str | None]) -> list[int | None]:
    """The expression the fast pass used before: chrono's offset parsing, in UTC."""
    raw = pl.col("s")
    parsed = raw.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone="UTC", strict=False)
    expression = pl.when(raw.str.contains(_ISO_INSTANT)).then(parsed).dt.epoch("us")
    return pl.DataFrame({"s": cells}, schema={"s": pl.String}).select(expression).to_series().to_list()


def instant_us(cells: Sequence[str | None]) -> list[int | None]:
    frame = pl.DataFrame({"s": cells}, schema={"s": pl.String})
    return frame.select(_iso_instant_us(pl, pl.col("s"))).to_series().to_list()


def python_instant_us(cell: str) -> int | None:
    """Python's reading of a cell of the shape (years 1-9999, which datetime holds)."""
    if not re.fullmatch(ISO_INSTANT_SHAPE, cell):
        return None
    try:
        value = datetime.fromisoformat(cell)
    except ValueError:
        return None
    return (value - _EPOCH) // timedelta(microseconds=1)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


# Cells of the shape and near misses: any digits in every field (impossible dates and
# times included), fractions and offsets of other lengths, other separators.
shaped = st.builds(
    lambda year, month, day, sep, hour, minute, second, fraction, offset: (
        f"{year}-{month}-{day}{sep}{hour}:{minute}:{second}{fraction}{offset}"
    ),
    digits(4),
    st.sampled_from(["01", "02", "09", "10", "12", "00", "13"]) | digits(2),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]) | digits(2),
    st.sampled_from(["T", "T", "T", " ", "t"]),
    st.sampled_from(["00", "09", "19", "23", "24"]) | digits(2),
    digits(2),
    st.sampled_from(["00", "59", "60"]) | digits(2),
    st.sampled_from(["", ""]) | st.builds(lambda d: "." + d, st.text("0123456789", max_size=9)),
    st.sampled_from(["Z", "z", "", "+00:00", "-00:00", "+0100", "+01", "+24:00", "-23:59"])
    | st.builds(lambda sign, h, m: f"{sign}{h}:{m}", st.sampled_from("+-"), digits(2), digits(2)),
)

EDGES = [
    "2024-02-29T12:00:00Z",
    "2023-02-29T12:00:00Z",
    "2024-04-31T00:00:00+02:00",
    "0000-01-01T00:00:00Z",
    "0000-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59.999999-23:59",
    "1899-12-31T23:30:00-01:00",
    "1970-01-01T00:00:00.000Z",
    "1970-01-01T00:00:00.000001+00:01",
    "2026-10-25T02:30:00.123+01:00",
    "2026-03-29T02:30:00-00:00",
    "2024-01-01T00:00:00+23:59",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00.1234Z",
    "2024-01-01T00:00:00.Z",
    "2024-01-01T00:00:00",
    "2024-01-01 00:00:00Z",
    "2024-01-01T00:00:00ZZ",
    " 2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00Z ",
    "+2024-01-01T00:00:00Z",
    "2024-1-01T00:00:00+01:00",
    "२०२४-01-01T00:00:00Z",
    "",
    "Z",
    "x",
]


def check(cells: Sequence[str | None]) -> None:
    new = instant_us(cells)
    assert new == previous_instant_us(cells)
    for cell, value in zip(cells, new, strict=True):
        if cell is not None and not cell.startswith("0000"):
            assert value == python_instant_us(cell), cell


def test_instants_read_by_field_arithmetic_equal_the_previous_parse_on_edge_cases() -> None:
    check([*EDGES, None])
    assert sum(v is not None for v in instant_us(EDGES)) >= 10  # the edges do reach the arithmetic


@SETTINGS
@given(st.lists(shaped, min_size=1, max_size=50))
def test_instants_read_by_field_arithmetic_equal_the_previous_parse_for_any_digits(cells: list[str]) -> None:
    check(cells)


@SETTINGS
@given(st.lists(st.text(max_size=40) | st.none(), min_size=1, max_size=20))
def test_instants_read_by_field_arithmetic_equal_the_previous_parse_on_any_text(
    cells: list[str | None],
) -> None:
    check(cells)


@pytest.mark.parametrize("seed", range(3))
def test_instants_read_by_field_arithmetic_equal_python_on_many_valid_instants(seed: int) -> None:
    """Many valid instants of every shape at once (hypothesis rarely draws valid dates)."""
    rnd = random.Random(seed)  # noqa: S311 - a fixed sample, not a secret
    cells = []
    for _ in range(5000):
        moment = datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=rnd.randrange(0, 315_537_897_599))
        fraction = rnd.choice(["", f".{rnd.randrange(1000):03d}", f".{rnd.randrange(10**6):06d}"])
        minutes = rnd.randrange(-23 * 60 - 59, 23 * 60 + 60)
        offset = rnd.choice(
            ["Z", f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"]
        )
        cells.append(moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + fraction + offset)
    check(cells)
    assert all(v is not None for v in instant_us(cells))


# --- expressions over the non-null cells only ---------------------------------------------


def previous_instant_expr(raw: pl.Expr) -> pl.Expr:
    parsed = raw.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone="UTC", strict=False)
    return pl.when(raw.str.contains(_ISO_INSTANT)).then(parsed).dt.epoch("us")


def of_cells(expression: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Series], pl.Series]:
    return lambda cells: cells.to_frame().select(expression(pl.col(cells.name))).to_series()


def check_on_cells(
    frame: pl.DataFrame,
    expression: Callable[[pl.Expr], pl.Expr],
    function: Callable[[pl.Series], pl.Series] | None = None,
) -> None:
    """_on_cells of ``function`` (by default ``expression`` over a Series) equals
    ``expression`` over each whole column."""
    columns = [c for c in frame.columns if frame.get_column(c).null_count() < frame.height]
    helpers = _on_cells(pl, frame, columns, function or of_cells(expression))
    assert list(helpers) == columns
    got = frame.select(**helpers)
    expected = frame.select(expression(pl.col(c)).alias(c) for c in columns)
    assert got.schema == expected.schema
    assert got.to_dicts() == expected.to_dicts()


PHONES = [
    "+493010000000",
    "0171 1234567",
    "030 1234567",
    "0800 1234567890",
    "0900 1 234567",
    "+1 202 555 0143",
    "",
    " 030 123",
    "abc",
    None,
]


@SETTINGS
@given(st.lists(st.tuples(*[st.sampled_from(PHONES) | st.none()] * 3), min_size=1, max_size=30))
def test_phones_read_over_the_non_null_cells_equal_the_whole_column_reading(
    rows: list[tuple[str | None, ...]],
) -> None:
    frame = pl.DataFrame(rows, schema=dict.fromkeys(["phone", "mobile", "fax"], pl.String), orient="row")
    check_on_cells(frame, phone_expr)
    check_on_cells(frame, phone_expr, phone_cells)


@SETTINGS
@given(st.lists(st.tuples(shaped | st.none(), st.sampled_from(EDGES) | st.none()), min_size=1, max_size=30))
def test_instants_read_over_the_non_null_cells_equal_the_whole_column_reading(
    rows: list[tuple[str | None, str | None]],
) -> None:
    frame = pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String}, orient="row")
    check_on_cells(frame, lambda raw: _iso_instant_us(pl, raw))
    check_on_cells(frame, previous_instant_expr)
    # Numbers are put back by Arrow; the same by places and a gather (polars alone).
    with mock.patch.object(columnar, "_spread", return_value=None) as spread:
        check_on_cells(frame, lambda raw: _iso_instant_us(pl, raw))
    assert spread.called == any(cell is not None for row in rows for cell in row)


def test_numbers_of_chunked_and_empty_columns_come_back_in_their_rows() -> None:
    # Source: _on_cells puts numeric results back by Arrow's replace_with_mask, a column
    # at a time from its offset in the results: every column's cells in its own rows.
    first = pl.DataFrame(
        {
            "a": ["2024-01-02T03:04:05Z", None, "x"],
            "b": [None, None, None],
            "c": [None, "2020-02-29T00:00:00+01:00", None],
        },
        schema=dict.fromkeys("abc", pl.String),
    )
    second = pl.DataFrame(
        {
            "a": [None, "2025-06-30T23:59:59.123+02:00"],
            "b": [None, None],
            "c": ["1899-12-31T23:59:59Z", None],
        },
        schema=dict.fromkeys("abc", pl.String),
    )
    frame = pl.concat([first, second], rechunk=False)
    assert frame.n_chunks() == 2
    helpers = _on_cells(pl, frame, ["a", "b", "c"], lambda cells: _instant_cells(pl, cells))
    assert [s.dtype for s in helpers.values()] == [pl.Int64] * 3
    expected = frame.select(_in_range(pl, _iso_instant_us(pl, pl.col(c))).alias(c) for c in "abc")
    assert frame.select(**helpers).to_dicts() == expected.to_dicts()
    us = 1_000_000
    assert helpers["a"].to_list() == [1704164645 * us, None, None, None, 1751320799 * us + 123_000]
    assert helpers["b"].to_list() == [None] * 5
    assert helpers["c"].to_list() == [None, 1582930800 * us, None, None, None]  # 1899: out of range


@SETTINGS
@given(st.lists(st.booleans(), max_size=40), st.integers(min_value=1, max_value=4))
def test_values_put_back_land_in_the_rows_of_the_mask_in_order_and_null_elsewhere(
    mask: list[bool], chunks: int
) -> None:
    # The mask in several chunks, as a column read from several row groups is.
    cut = len(mask) // chunks
    parts = [
        pl.Series(mask[i * cut : (i + 1) * cut if i < chunks - 1 else None], dtype=pl.Boolean)
        for i in range(chunks)
    ]
    present = pl.concat(parts, rechunk=False)
    k = sum(mask)
    values = pl.DataFrame(
        {
            "n": pl.Series(range(k), dtype=pl.Int64),  # scattered
            "s": pl.Series([f"v{i}" for i in range(k)], dtype=pl.String),  # gathered
        }
    )
    got = pl.DataFrame(_put_back(pl, values, present))
    ranks = itertools.accumulate(mask)  # the k-th row of the mask holds rank k
    expected = [(r - 1, f"v{r - 1}") if m else (None, None) for m, r in zip(mask, ranks, strict=True)]
    assert got.schema == values.schema
    assert got.rows() == expected


def test_cells_of_chunked_and_empty_columns_come_back_in_their_rows() -> None:
    first = pl.DataFrame(
        {"a": ["030 1234567", None], "b": [None, None]}, schema=dict.fromkeys("ab", pl.String)
    )
    second = pl.DataFrame(
        {"a": [None, "+493010000000"], "b": [None, None]}, schema=dict.fromkeys("ab", pl.String)
    )
    frame = pl.concat([first, second], rechunk=False)
    assert frame.n_chunks() == 2
    helpers = _on_cells(pl, frame, ["a", "b"], phone_cells)
    got = frame.select(**helpers)
    expected = frame.select(phone_expr(pl.col(c)).alias(c) for c in ("a", "b"))
    assert got.to_dicts() == expected.to_dicts()
    assert got.get_column("a").struct.field("e164").to_list() == ["+49301234567", None, None, "+493010000000"]


# The trimmed-text check the fast pass used before: one regex over the whole cell.
PREVIOUS_TRIMMED = rf"^[^{_WS}](?s:.*[^{_WS}])?$"


def test_the_listed_white_space_is_the_regex_class_and_pythons_isspace_at_every_code_point() -> None:
    # Source: the readers strip cells with str.strip(), which strips str.isspace()
    # characters; the fast pass must find white space exactly where they do.
    points = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    frame = pl.DataFrame({"c": points})
    in_class = frame.select(pl.col("c").str.contains(rf"^[{_WS}]$")).to_series().to_list()
    listed = [c in _WS_CHARS for c in points]
    assert in_class == listed
    assert listed == [c.isspace() for c in points]
    assert len(set(_WS_CHARS)) == len(_WS_CHARS) == sum(listed)


# Text around white space: every listed character, look-alikes that are not white space
# (U+180E, U+200B, U+FEFF), line breaks inside, letters and a character beyond the BMP.
_AROUND = st.text(
    alphabet=st.sampled_from([*_WS_CHARS, "\u180e", "\u200b", "\ufeff", "a", "Ä", "\U0001f600"])
)


@SETTINGS
@given(st.lists(_AROUND | st.none(), min_size=1, max_size=30))
def test_stripping_finds_trimmed_text_exactly_where_the_previous_regex_and_python_do(
    cells: list[str | None],
) -> None:
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    cell = pl.col("c")
    got = frame.select((cell.str.strip_chars(_WS_CHARS) == cell) & (cell.str.len_chars() > 0)).to_series()
    previous = frame.select(cell.str.contains(PREVIOUS_TRIMMED)).to_series()
    assert got.to_list() == previous.to_list()
    assert got.to_list() == [None if c is None else c == c.strip() and c != "" for c in cells]
