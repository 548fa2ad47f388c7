"""CSV files as spreadsheets save them: the separator taken from the header (semicolons,
as Excel saves CSV on a German system, tabs, bars) or named, and text encodings other
than UTF-8 named by the caller (cp1252, as Excel saves plain "CSV" on a German Windows;
UTF-16, its "Unicode text"). Both readers (``read_flat_csv`` and the Arrow batches of
``read_flat_csv_batches``) and ``dialoglaw check`` read such a file exactly as the same
rows written with commas in UTF-8: the same cells, errors, decisions.
"""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialoglaw import InputError
from dialoglaw.batch import RowError
from dialoglaw.cli import build_parser
from dialoglaw.io import DELIMITERS, read_contacts, read_flat_csv, read_flat_csv_batches, sniff_delimiter
from tests.test_cli import SEND, run
from tests.test_csv_batches import _expanded

pa = pytest.importorskip("pyarrow")

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "examples" / "campaign.csv"


def _written(rows: list[list[str]], delimiter: str, encoding: str = "utf-8") -> bytes:
    """``rows`` as the csv module writes them with ``delimiter`` (quoting what needs it)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


# Cells that hold every separator, quotes, line breaks, spaces, text beyond ASCII.
_cell = st.sampled_from(
    ["", "a", "x,y", "x;y", "x\ty", "x|y", 'say "hi"', " padded ", "Müller", "€ 5", "two\nlines", "ß;,"]
)
_HEADER = ["id", "email", "city"]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), max_size=10),
    delimiter=st.sampled_from(DELIMITERS),
    named=st.booleans(),
    batch_size=st.integers(1, 4),
)
def test_a_file_with_any_separator_reads_as_the_same_rows_with_commas(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
    delimiter: str,
    named: bool,
    batch_size: int,
) -> None:
    """Source: the documented reading of a flat CSV file (dialoglaw.io.read_flat_csv) with
    commas is the reference; the separator, taken from the header or named, changes
    nothing else, in either reader."""
    folder = tmp_path_factory.mktemp("dialects")
    reference, other = folder / "comma.csv", folder / "other.csv"
    reference.write_bytes(_written([_HEADER, *rows], ","))
    other.write_bytes(_written([_HEADER, *rows], delimiter))
    given_delimiter = delimiter if named else None
    expected = list(read_flat_csv(reference))
    assert len(expected) == len(rows)  # no row lost, none made up
    assert list(read_flat_csv(other, delimiter=given_delimiter)) == expected
    batches = read_flat_csv_batches(other, batch_size, delimiter=given_delimiter)
    assert _expanded(batches) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("id,email,city\r\n", ","),
        ("id;email;city\r\n", ";"),
        ("id\temail\tcity\n", "\t"),
        ("id|email|city", "|"),
        ("id\n", ","),  # one name: nothing to tell, read as commas
        ("", ","),  # an empty file
        ('"id";"email"\n', ";"),  # quoted names
        ('"a,b";email\n', ";"),  # a separator inside quotes does not count
        ('"a;b",email\n', ","),
        ("id;email,city\n", ","),  # two kinds: commas, and the names are errors
        ('"open;quote\n', ","),  # a quote never closed hides what follows
        ("lone\rreturn;x\n", ","),  # the first line ends at a carriage return
        ("id;email\r\nx,y", ";"),  # the lines after the first do not count
    ],
)
def test_the_separator_is_the_one_the_header_holds_outside_quotes(header: str, expected: str) -> None:
    """Source: dialoglaw.io.sniff_delimiter; the flat layout's names hold no separator."""
    assert sniff_delimiter(header) == expected


def test_a_header_that_is_not_text_is_named() -> None:
    with pytest.raises(InputError, match="'header' must be the file's first line as text"):
        sniff_delimiter(b"id;email")  # type: ignore[arg-type]


def test_a_separator_taken_from_the_header_never_changes_a_comma_file(tmp_path: Path) -> None:
    """Source: read_flat_csv's reading of the example list (commas) before separators were
    taken from the header; the list has cells with semicolons (senders, scopes)."""
    with CAMPAIGN.open(encoding="utf-8", newline="") as handle:
        reference = list(csv.DictReader(handle))
    assert any(";" in v for row in reference for v in row.values())
    assert list(read_flat_csv(CAMPAIGN)) == reference
    assert list(read_flat_csv(CAMPAIGN, delimiter=",")) == reference
    assert _expanded(read_flat_csv_batches(CAMPAIGN, 700)) == reference


def _excel(rows: list[list[str]], path: Path, encoding: str, delimiter: str = ";") -> Path:
    path.write_bytes(_written(rows, delimiter, encoding))
    return path


def _campaign_rows() -> list[list[str]]:
    with CAMPAIGN.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize(
    ("encoding", "delimiter", "spelled"),
    [
        ("cp1252", ";", "cp1252"),
        ("cp1252", ";", "Windows-1252"),
        ("utf-8-sig", ";", "utf-8"),  # Excel's "CSV UTF-8": a byte order mark, semicolons
        ("utf-16", "\t", "utf-16"),  # Excel's "Unicode text": UTF-16 with tabs
        ("latin-1", ",", "latin-1"),
    ],
)
def test_a_named_encoding_reads_as_the_same_rows_in_utf8(
    tmp_path: Path, encoding: str, delimiter: str, spelled: str
) -> None:
    """Source: read_flat_csv of the example list in UTF-8 with commas is the reference
    (the list holds umlauts, ß and other text cp1252 can hold)."""
    rows = _campaign_rows()
    reference = list(read_flat_csv(CAMPAIGN))
    path = _excel(rows, tmp_path / "excel.csv", encoding, delimiter)
    assert list(read_flat_csv(path, encoding=spelled)) == reference
    assert _expanded(read_flat_csv_batches(path, 1000, encoding=spelled)) == reference
    assert list(read_contacts(path, encoding=spelled)) == list(read_contacts(CAMPAIGN))


def test_a_byte_the_encoding_cannot_read_is_an_error_row_naming_its_line(tmp_path: Path) -> None:
    """Source: the readers' promise: one item per input row, never a lost row; cp1252
    leaves 0x81 undefined (so does Windows)."""
    data = _written([_HEADER, ["c1", "a@example.de", "Köln"]], ";", "cp1252")
    data += b"c2;b@example.de;K\x81ln\r\n" + _written([["c3", "", "Düren"]], ";", "cp1252")
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    for items in (read_flat_csv(path, encoding="cp1252"), read_flat_csv_batches(path, 2, encoding="cp1252")):
        got = _expanded(items)
        assert got == [
            {"id": "c1", "email": "a@example.de", "city": "Köln"},
            RowError("invalid_input", "", "CSV line 3 is not valid cp1252."),
            {"id": "c3", "email": "", "city": "Düren"},
        ]


def test_a_cp1252_file_read_as_utf8_fails_row_by_row_not_silently(tmp_path: Path) -> None:
    """Source: the readers' promise; UTF-8 is the default and nothing is guessed."""
    path = _excel([_HEADER, ["c1", "a@example.de", "Köln"], ["c2", "", "Bonn"]], tmp_path / "a.csv", "cp1252")
    for items in (read_flat_csv(path), read_flat_csv_batches(path)):
        assert _expanded(items) == [
            RowError("invalid_input", "", "CSV line 2 is not valid UTF-8."),
            {"id": "c2", "email": "", "city": "Bonn"},
        ]


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"delimiter": ":"}, "delimiter", "must be ',', ';', a tab"),
        ({"delimiter": ";;"}, "delimiter", "must be ',', ';', a tab"),
        ({"delimiter": 59}, "delimiter", "must be ',', ';', a tab"),
        ({"encoding": "klingon"}, "encoding", "names no encoding Python knows ('klingon')"),
        ({"encoding": "base64"}, "encoding", "is not a text encoding"),
        ({"encoding": "rot13"}, "encoding", "is not a text encoding"),
        ({"encoding": b"utf-8"}, "encoding", "must be the name of a text encoding"),
    ],
)
def test_a_bad_option_is_refused_at_the_call_naming_it(
    tmp_path: Path, options: dict[str, Any], field: str, words: str
) -> None:
    """Source: the standard: bad input gets a clear error naming the field and the
    problem, before any file is read (here: a file that does not exist)."""
    missing = tmp_path / "missing.csv"
    calls = (
        lambda: read_flat_csv(missing, **options),
        lambda: read_flat_csv_batches(missing, **options),
        lambda: read_contacts(missing, **options),
    )
    for call in calls:
        with pytest.raises(InputError) as raised:
            call()  # not iterated: refused at the call
        assert raised.value.field == field
        assert words in str(raised.value)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_csv_options_for_another_format_are_refused(tmp_path: Path, fmt: str) -> None:
    """Source: JSON Lines are UTF-8 (RFC 8259 § 8.1); Parquet holds UTF-8 text."""
    with pytest.raises(InputError, match="applies to CSV files only"):
        read_contacts(tmp_path / f"x.{fmt}", encoding="cp1252")
    with pytest.raises(InputError, match="applies to CSV files only"):
        read_contacts(tmp_path / f"x.{fmt}", delimiter=";")
    assert read_contacts(tmp_path / f"x.{fmt}", encoding="UTF8") is not None  # UTF-8 by any name


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return run("check", *args, *SEND, "--quiet")


@pytest.mark.parametrize("engine", ["columnar", "per-object"])
def test_the_check_of_a_german_excel_file_equals_the_check_of_the_example_list(
    tmp_path: Path, engine: str
) -> None:
    """Source: dialoglaw check on examples/campaign.csv (commas, UTF-8) is the reference;
    the same list saved as German Excel saves CSV (semicolons, cp1252) gives the same
    decisions, with --encoding cp1252 and the separator taken from the header."""
    pytest.importorskip("polars")
    excel = _excel(_campaign_rows(), tmp_path / "liste.csv", "cp1252")
    reference = _check(str(CAMPAIGN), "--engine", engine, "--out", str(tmp_path / "a.csv"))
    got = _check(str(excel), "--engine", engine, "--encoding", "cp1252", "--out", str(tmp_path / "b.csv"))
    assert reference.returncode == got.returncode == 0, got.stderr
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    summary = reference.stdout.splitlines()[1:-1]  # all but the lines naming the files
    assert summary == got.stdout.splitlines()[1:-1]
    assert "contacts read: 3000    rows with errors: 0" in summary


def test_bad_csv_options_fail_the_check_before_any_output(tmp_path: Path) -> None:
    """Source: the standard: a clear error naming the option, and no half-written file."""
    out = tmp_path / "out.csv"
    bad_encoding = _check(str(CAMPAIGN), "--encoding", "klingon", "--out", str(out))
    assert bad_encoding.returncode == 2
    assert "'encoding' names no encoding Python knows ('klingon')" in bad_encoding.stderr
    assert not out.exists()
    bad_delimiter = _check(str(CAMPAIGN), "--delimiter", ":", "--out", str(out))
    assert bad_delimiter.returncode == 2
    assert "argument --delimiter: must be auto, ',', ';', tab or '|'; not ':'" in bad_delimiter.stderr
    for_jsonl = _check(str(ROOT / "examples" / "contacts.jsonl"), "--encoding", "cp1252", "--out", str(out))
    assert for_jsonl.returncode == 2
    assert "'encoding' applies to CSV files only" in for_jsonl.stderr
    assert not out.exists()


@pytest.mark.parametrize(("given", "expected"), [("tab", "\t"), ("\\t", "\t"), (";", ";"), ("auto", None)])
def test_the_delimiter_option_names_the_tab_as_a_shell_can(given: str, expected: str | None) -> None:
    args = build_parser().parse_args(["check", "x.csv", "--delimiter", given])
    assert args.delimiter == expected
    assert build_parser().parse_args(["retention", "x.csv", "--delimiter", given]).delimiter == expected


@pytest.mark.parametrize(("encoding", "arrow"), [("cp1252", True), ("latin-1", True), ("utf-16", False)])
def test_an_encoding_that_extends_ascii_is_read_in_arrow_batches(
    tmp_path: Path, encoding: str, arrow: bool
) -> None:
    """Source: the reader's documented design (read_flat_csv_batches): lines of an
    encoding whose line ends are their bytes go to Arrow in UTF-8; UTF-16 to the csv
    module."""
    path = _excel(_campaign_rows(), tmp_path / "liste.csv", encoding)
    kinds = {type(item) for item in read_flat_csv_batches(path, 1000, encoding=encoding)}
    assert kinds == ({pa.Table} if arrow else {dict})
