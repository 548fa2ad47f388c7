"""CSV read a batch at a time by Arrow (``read_flat_csv_batches``) gives exactly what
Python's csv module gives (``read_flat_csv``): the same rows, the same errors with the
same line numbers, in the same order. Lines Arrow might read otherwise go to the csv
module; these tests generate every such kind of line and compare both readers cell by
cell, then compare the decisions of ``dialoglaw check``.
"""

from __future__ import annotations

import csv
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialoglaw import InputError, Message
from dialoglaw.batch import RowError
from dialoglaw.io import read_flat_csv, read_flat_csv_batches
from tests.flat_rows import AT, SENDER

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
from dialoglaw.columnar import ColumnarEngine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "examples" / "campaign.csv"

# Cells as bytes, including every kind that Arrow and the csv module could read apart.
_PLAIN_CELLS = [
    b"",
    b"a",
    b"Anna M\xc3\xbcller",
    b" padded ",
    b"+49 30 1234567",
    b"x;y",
    b"\xe2\x82\xac 5",
    b"t\tab",
]
_QUOTED_CELLS = [b'"a,b"', b'"say ""hi"""', b'""', b'" "', b'"M\xc3\xbcller, Anna"', b'"a;b"', b'"a\tb"']
_ODD_CELLS = [
    b'a"b',  # a quote inside an unquoted cell: literal for the csv module
    b'"a"b',  # text after the closing quote
    b'"runs\non"',  # a cell over two lines
    b'"runs\r\non"',
    b"lone\rreturn",  # a carriage return the csv module reads as a line end
    b"nul\x00",
    b"\xff\xfe",  # not UTF-8
    b"\x81",  # not cp1252 either
    b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8 either
    b"\xef\xbb\xbfbom",  # a byte order mark inside the file
    b'"open',  # a quote never closed
    b"x" * 70,  # over the lowered field size limit of some runs
]
_cell = st.sampled_from(_PLAIN_CELLS) | st.sampled_from(_QUOTED_CELLS) | st.sampled_from(_ODD_CELLS)
_row = st.lists(_cell, min_size=2, max_size=4)  # the header has three names
# A line is its cells (joined by the test with its separator) and its end; or blank.
_line = st.one_of(
    st.tuples(_row, st.sampled_from([b"\n", b"\r\n"])),
    st.sampled_from([b"\n", b"\r\n", b" \n"]),  # blank lines, and one of a space
)
_header = st.sampled_from(
    [
        b"id,email,phone\n",
        b"id,email,phone\r\n",
        b"\xef\xbb\xbfid,email,phone\n",
        b'"id",email,phone\n',
        b"id,email,email\n",
        b"id,,phone\n",
        b"\n",
        b"",
    ]
)


def _expanded(items: Iterator[Any]) -> list[Any]:
    """Batches as the rows the csv module gives (an empty cell is "", not null)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, pa.Table):
            out.extend({k: "" if v is None else v for k, v in row.items()} for row in item.to_pylist())
        else:
            out.append(item)
    return out


def _both(
    path: Path, batch_size: int, delimiter: str | None = None, encoding: str = "utf-8"
) -> tuple[list[Any], list[Any]]:
    try:
        expected = list(read_flat_csv(path, delimiter=delimiter, encoding=encoding))
    except InputError as exc:
        refused = str(exc)
    else:
        batches = read_flat_csv_batches(path, batch_size, delimiter=delimiter, encoding=encoding)
        return _expanded(batches), expected
    with pytest.raises(InputError) as raised:
        list(read_flat_csv_batches(path, batch_size, delimiter=delimiter, encoding=encoding))
    return [str(raised.value)], [refused]


@pytest.fixture(params=[None, 64], ids=["default field size limit", "field size limit 64"])
def field_limit(request: pytest.FixtureRequest) -> Iterator[None]:
    old = csv.field_size_limit()
    if request.param is not None:
        csv.field_size_limit(request.param)
    yield
    csv.field_size_limit(old)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=_header,
    lines=st.lists(_line, max_size=12),
    last_newline=st.booleans(),
    batch_size=st.integers(1, 5),
    delimiter=st.sampled_from([",", ";", "\t"]),
    named=st.booleans(),
    encoding=st.sampled_from(["utf-8", "cp1252", "shift_jis"]),
)
def test_batches_give_the_same_rows_and_errors_as_the_csv_module(
    tmp_path: Path,
    field_limit: None,
    header: bytes,
    lines: list[tuple[list[bytes], bytes] | bytes],
    last_newline: bool,
    batch_size: int,
    delimiter: str,
    named: bool,
    encoding: str,
) -> None:
    """Source: the documented reading of a flat CSV file (dialoglaw.io.read_flat_csv) is
    the reference; Arrow may read a line only where it gives the same cells, with any
    separator, named or taken from the header, and in an encoding other than UTF-8 (the
    same bytes, read as cp1252 or as Shift JIS, whose second bytes include '|')."""
    sep = delimiter.encode()
    text = [line if isinstance(line, bytes) else sep.join(line[0]) + line[1] for line in lines]
    data = header.replace(b",", sep) + b"".join(text)
    if not last_newline and data.endswith(b"\n"):
        data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    got, expected = _both(path, batch_size, delimiter if named else None, encoding)
    assert got == expected


_LINE = b"c1,anna@example.de,+4930123456\n"
# One line of each kind Arrow might read otherwise, between plain lines.
_ODD_LINES = {
    "a byte order mark opening a batch": b"\xef\xbb\xbfc2,b@example.de,\n",
    "a cell over the field size limit": b"c2," + b"x" * 70 + b",\n",
    "not UTF-8": b"c2,\xff@example.de,\n",
    "a lone carriage return": b"c2,a\rb,\n",
    "a quote inside an unquoted cell": b'c2,a"b,\n',
    "text after a closing quote": b'c2,"a"b,\n',
    "a cell over two lines": b'c2,"a\nb",\n',
    "fewer cells": b"c2,b@example.de\n",
    "more cells": b"c2,b@example.de,,\n",
    "a NUL": b"c2,a\x00b,\n",
    "only a space": b" \n",
}


@pytest.mark.parametrize("batch_size", [1, 2, 3])
@pytest.mark.parametrize("line", list(_ODD_LINES.values()), ids=list(_ODD_LINES))
def test_each_kind_of_line_arrow_might_read_otherwise_reads_as_the_csv_module_reads_it(
    tmp_path: Path, field_limit: None, line: bytes, batch_size: int
) -> None:
    """Source: dialoglaw.io.read_flat_csv is the reference."""
    path = tmp_path / "odd.csv"
    path.write_bytes(b"id,email,phone\n" + _LINE + line + _LINE.replace(b"c1", b"c3"))
    got, expected = _both(path, batch_size)
    assert got == expected


@pytest.mark.parametrize("header", [b"id,email,email\n", b"id,,email\n", b"\xef\xbb\xbfid,email\r\n"])
def test_the_engine_decides_a_file_with_an_odd_header_alike_from_both_readers(
    tmp_path: Path, header: bytes
) -> None:
    """Source: dialoglaw.io.read_flat_csv is the reference: a repeated name keeps its last
    cell, an empty name is an unknown column (an error of every row)."""
    path = tmp_path / "header.csv"
    path.write_bytes(header + b"c1,anna@example.de,b@example.de\nc2,,x@example.de\n")
    assert _decided(read_flat_csv_batches(path, 1)) == _decided(read_flat_csv(path))


def _decided(items: Iterator[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    engine = ColumnarEngine(Message(sender=SENDER, topic="coffee", own_products=True), at=AT)
    frames = list(engine.decide_items(items, batch_size=512))
    return pl.concat(frames).to_dicts(), engine.summary.to_dict()


def test_a_plain_file_comes_in_arrow_batches(tmp_path: Path) -> None:
    data = CAMPAIGN.read_bytes()
    items = list(read_flat_csv_batches(CAMPAIGN, 1000))
    assert all(isinstance(item, pa.Table) for item in items)
    assert [t.num_rows for t in items] == [1000, 1000, 1000]
    assert items[0].column("fax").null_count > 0  # an empty cell is null, as the engine reads it
    assert "" not in items[0].column("fax").to_pylist()
    assert _expanded(iter(items)) == list(read_flat_csv(CAMPAIGN))
    # Windows line ends and quoted cells with commas and quotes: still Arrow's.
    lines = data.split(b"\n")
    quoted = [line.replace(b",ACME Kaffee GmbH,", b',"ACME Kaffee GmbH, ""Berlin""",') for line in lines]
    path = tmp_path / "windows.csv"
    path.write_bytes(b"\r\n".join(quoted))
    items = list(read_flat_csv_batches(path, 1000))
    assert all(isinstance(item, pa.Table) for item in items)
    assert _expanded(iter(items)) == list(read_flat_csv(path))
    assert any('ACME Kaffee GmbH, "Berlin"' in str(row) for row in items[0].to_pylist())


def test_a_batch_larger_than_arrows_blocks_reads_alike_where_a_block_ends_inside_a_line_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow parses a batch in blocks of 1 MiB (faster than one block of the whole batch):
    Windows line ends, quoted cells with commas and quotes, and blank lines across the
    blocks' boundaries, and a line end whose carriage return ends the first block, must
    read as the csv module reads them."""
    lines = CAMPAIGN.read_bytes().splitlines()
    header, body = lines[0], lines[1:]
    body = [line.replace(b",ACME Kaffee GmbH,", b',"ACME Kaffee GmbH, ""Berlin""",') for line in body] * 4
    block = 1 << 20

    def ending(i: int) -> bytes:  # a blank line now and then
        return b"\r\n\r\n" if i % 997 == 0 else b"\r\n"

    start = 0  # where line i starts in the batch's bytes
    for i, line in enumerate(body):
        if start + len(line) > block - 1:
            break
        last, last_start = i, start
        start += len(line) + len(ending(i))
    # pad the id of the last line that fits, so that its "\r" is the block's last byte
    ident, rest = body[last].split(b",", 1)
    body[last] = ident + b"x" * (block - 1 - last_start - len(body[last])) + b"," + rest
    data = header + b"\r\n" + b"".join(line + ending(i) for i, line in enumerate(body))
    assert data[len(header) + 2 :][block - 1 : block + 1] == b"\r\n"
    path = tmp_path / "large.csv"
    path.write_bytes(data)
    import pyarrow.csv as pacsv

    parsed: list[tuple[int, int]] = []  # (bytes, block size) of each parse
    read_csv = pacsv.read_csv

    def spy(source: Any, read_options: Any, **kwargs: Any) -> Any:
        parsed.append((len(source.getbuffer()), read_options.block_size))
        return read_csv(source, read_options=read_options, **kwargs)

    monkeypatch.setattr(pacsv, "read_csv", spy)
    items = list(read_flat_csv_batches(path, 2 * len(body)))  # one batch of all lines
    assert [type(item) for item in items] == [pa.Table]
    assert len(parsed) == 1 and parsed[0][0] > 3 * parsed[0][1]  # parsed in four blocks
    assert items[0].column("id").num_chunks == 1  # given to the engine in one piece
    assert _expanded(iter(items)) == list(read_flat_csv(path))


def test_one_bad_line_sends_only_its_batch_to_the_csv_module(tmp_path: Path) -> None:
    lines = CAMPAIGN.read_bytes().splitlines(keepends=True)
    lines[1500] = b"\xff" + lines[1500]  # not UTF-8
    path = tmp_path / "bad.csv"
    path.write_bytes(b"".join(lines))
    items = list(read_flat_csv_batches(path, 1000))
    kinds = [type(item).__name__ for item in items]
    assert kinds.count("Table") == 2
    assert RowError("invalid_input", "", "CSV line 1501 is not valid UTF-8.") in items
    assert _expanded(iter(items)) == list(read_flat_csv(path))


def test_a_cell_running_over_lines_sends_the_rest_of_the_file_to_the_csv_module(tmp_path: Path) -> None:
    lines = CAMPAIGN.read_bytes().splitlines(keepends=True)
    lines[1500] = lines[1500].replace(b",", b',"two\nlines",', 1)
    path = tmp_path / "runs_on.csv"
    path.write_bytes(b"".join(lines))
    items = list(read_flat_csv_batches(path, 1000))
    assert isinstance(items[0], pa.Table)
    assert not any(isinstance(item, pa.Table) for item in items[1:])
    assert _expanded(iter(items)) == list(read_flat_csv(path))


def test_without_pyarrow_the_rows_come_as_from_the_csv_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)
    assert list(read_flat_csv_batches(CAMPAIGN, 1000)) == list(read_flat_csv(CAMPAIGN))


@pytest.mark.parametrize("size", [0, -1, 1.5, "10"])
def test_a_batch_size_that_is_not_a_positive_integer_is_named(size: Any) -> None:
    with pytest.raises(InputError, match="batch_size"):
        next(read_flat_csv_batches(CAMPAIGN, size))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.csv"):
        next(read_flat_csv_batches(tmp_path / "missing.csv"))


def test_the_columnar_engine_decides_arrow_batches_and_rows_of_one_stream_alike(tmp_path: Path) -> None:
    """Source: the per-row CSV reading is the reference; the decisions and the summary of
    a file read in Arrow batches, with bad lines between them, must be equal."""
    lines = CAMPAIGN.read_bytes().splitlines(keepends=True)
    lines[10] = lines[10].replace(b",", b",,", 1)  # more cells than the header
    lines[700] = b"\xff" + lines[700]
    lines[2999] = lines[2999].replace(b",", b',"two\nlines",', 1)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(lines))
    rows, summary = _decided(read_flat_csv_batches(path, 512))
    expected_rows, expected_summary = _decided(read_flat_csv(path))
    assert len(rows) == len(expected_rows) == 3000
    assert rows == expected_rows
    assert summary == expected_summary
    assert sum(r["error_code"] is not None for r in rows) >= 3


def test_an_error_after_blank_lines_names_its_own_line(tmp_path: Path) -> None:
    # The DictReader's own line count stays at the first of several blank lines.
    path = tmp_path / "blank.csv"
    path.write_bytes(b"id,email,phone\n\n\nx,y\n\na,b,c,d\n")
    for items in (read_flat_csv(path), read_flat_csv_batches(path, 2)):
        assert [item.message for item in items if isinstance(item, RowError)] == [
            "CSV line 4 has fewer cells than the header.",
            "CSV line 6 has more cells than the header.",
        ]


def test_an_item_that_is_neither_a_row_nor_a_batch_is_an_error_row_in_its_place() -> None:
    rows = [row for row in list(read_flat_csv(CAMPAIGN))[:3] if isinstance(row, dict)]
    table = pa.Table.from_pylist(rows)
    items: list[Any] = [
        rows[0],
        None,
        table,
        "id,email",
        pl.from_arrow(table),
        rows[1],
        5,
        table.to_batches()[0],
    ]
    engine = ColumnarEngine(Message(sender=SENDER, topic="coffee", own_products=True), at=AT)
    out = pl.concat(list(engine.decide_items(items))).to_dicts()
    assert [r["row"] for r in out] == list(range(1, 15))
    errors = {r["row"]: r["error_message"] for r in out if r["error_code"] == "invalid_input"}
    assert errors == {
        2: "Item 2 of the stream (NoneType) is neither a row (a mapping of column names to cells) "
        "nor a batch of rows.",
        6: "Item 6 of the stream (str) is neither a row (a mapping of column names to cells) nor a batch of rows.",
        11: "Item 11 of the stream (int) is neither a row (a mapping of column names to cells) "
        "nor a batch of rows.",
    }
    decided = [r for r in out if r["error_code"] is None]
    assert [r["contact_id"] for r in decided] == [rows[i]["id"] for i in (0, 0, 1, 2, 0, 1, 2, 1, 0, 1, 2)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_read_by_the_csv_module_which_needs_no_second_look(tmp_path: Path) -> None:
    # A cell over two lines hands the rest of a file to the csv module from the batch's
    # start, which a pipe cannot go back to.
    data = b'id,email,phone\nc1,a@example.de,\nc2,"two\nlines",\n'
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)

    def write() -> None:
        with path.open("wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    got = list(read_flat_csv_batches(path, 1))
    writer.join()
    plain = tmp_path / "plain.csv"
    plain.write_bytes(data)
    assert got == list(read_flat_csv(plain))
    assert got[1] == {"id": "c2", "email": "two\nlines", "phone": ""}


# Lines whose quotes stand where a comma would end a cell, in a file of semicolons: only
# the separator's own shape of a line tells Arrow may read them (a cell that runs on).
_SEMICOLON_ODD_LINES = [b'c2;"a",";"\n', b'"c2",";";\n', b'c2;x;"a",b"\n']


@pytest.mark.parametrize("line", _SEMICOLON_ODD_LINES)
@pytest.mark.parametrize("named", [True, False])
def test_a_line_plain_only_for_commas_reads_as_the_csv_module_reads_it_in_a_semicolon_file(
    tmp_path: Path, line: bytes, named: bool
) -> None:
    """Source: dialoglaw.io.read_flat_csv is the reference."""
    path = tmp_path / "semicolons.csv"
    plain = b"c1;anna@example.de;+4930123456\n"
    path.write_bytes(b"id;email;phone\n" + plain + line + plain.replace(b"c1", b"c3") + plain)
    got, expected = _both(path, 2, ";" if named else None)
    assert got == expected
