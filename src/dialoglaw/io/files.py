"""File readers and writers for campaign lists and their decisions."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import json
import queue
import re
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal, overload

from dialoglaw.batch import BatchResult, RowError, printable
from dialoglaw.channels import Channel
from dialoglaw.decision import Verdict
from dialoglaw.engine import per_verdict
from dialoglaw.errors import DialoglawError, InputError
from dialoglaw.io.flat import flat_to_nested

__all__ = [
    "DELIMITERS",
    "FORMATS",
    "Format",
    "detect_format",
    "read_contacts",
    "read_flat_csv",
    "read_flat_csv_batches",
    "result_columns",
    "result_record",
    "sniff_delimiter",
    "write_results",
]

Format = Literal["jsonl", "csv", "parquet"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv", "parquet")
_SUFFIXES: Mapping[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def detect_format(path: str | Path, given: str | None = None) -> Format:
    """The file format from ``given`` or the file suffix."""
    if given is not None:
        if given not in FORMATS:
            raise InputError.single("file", "format", f"must be one of {', '.join(FORMATS)}")
        return given
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        msg = f"has an unknown suffix {suffix or '(none)'}; use .jsonl, .csv or .parquet, or name the format"
        raise InputError.single("file", str(path), msg)
    return _SUFFIXES[suffix]


def read_contacts(
    path: str | Path,
    format: str | None = None,
    *,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> Iterator[dict[str, Any] | RowError]:
    """One item per input row: a dict in the nested model, or a :class:`RowError`.

    JSON Lines hold the nested model (one contact per line); CSV and Parquet the flat
    layout (:mod:`dialoglaw.io.flat`). Blank JSONL lines are skipped (they are not rows).
    ``delimiter`` and ``encoding`` are those of a CSV file (:func:`read_flat_csv`); JSON
    Lines are UTF-8 (RFC 8259), Parquet holds UTF-8 text.
    """
    fmt = detect_format(path, format)
    _check_delimiter(delimiter)
    codec = _codec(encoding)
    if fmt != "csv" and codec != "utf-8":
        raise InputError.single("file", "encoding", f"applies to CSV files only; a {fmt} file is UTF-8")
    if fmt != "csv" and delimiter is not None:
        raise InputError.single("file", "delimiter", f"applies to CSV files only, not to a {fmt} file")
    if fmt == "jsonl":
        return _read_jsonl(Path(path))
    if fmt == "csv":
        return _read_csv(Path(path), delimiter, codec)
    return _read_parquet(Path(path))


DELIMITERS = (",", ";", "\t", "|")
"""The CSV separators the readers take: comma, semicolon (German Excel's), tab and bar."""


def _check_delimiter(delimiter: Any) -> None:
    """Raise :class:`~dialoglaw.InputError` unless ``delimiter`` is ``None`` (taken from
    the header) or one of :data:`DELIMITERS`."""
    if delimiter is not None and (type(delimiter) is not str or delimiter not in DELIMITERS):
        raise InputError.single(
            "CSV reader",
            "delimiter",
            "must be ',', ';', a tab ('\\t') or '|', or None to take it from the header",
        )


def sniff_delimiter(header: str) -> str:
    """The separator of a CSV file in the flat layout, from its first line: the one of
    :data:`DELIMITERS` the line holds outside quotes, where it holds exactly one (the
    layout's column names hold none of them), else a comma. A line holding none is a
    header of one name; a line holding several is read with commas, and its names that
    are not columns of the layout are errors of every row, as before. The line ends at
    its first carriage return or line feed, as a text file reads it."""
    if type(header) is not str:
        raise InputError.single("CSV reader", "header", "must be the file's first line as text")
    bare = _QUOTED.sub("", _LINE_END.split(header, maxsplit=1)[0])
    found = [d for d in DELIMITERS if d in bare]
    return found[0] if len(found) == 1 else ","


_QUOTED = re.compile(r'"(?:[^"]|"")*"?')
_LINE_END = re.compile(r"[\r\n]")


def _codec(encoding: Any) -> str:
    """The codec name of ``encoding`` (``"utf-8"`` for UTF-8 with or without a byte
    order mark, which the readers skip either way), or the error naming it."""
    if type(encoding) is not str:
        raise InputError.single("CSV reader", "encoding", "must be the name of a text encoding")
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        msg = f"names no encoding Python knows ({printable(encoding)!r}); try 'utf-8' or 'cp1252'"
        raise InputError.single("CSV reader", "encoding", msg) from None
    if not _is_text_codec(name):
        raise InputError.single("CSV reader", "encoding", f"'{name}' is not a text encoding")
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name


def _is_text_codec(name: str) -> bool:
    # A codec such as base64 or rot13 decodes bytes to bytes or str to str; a text
    # encoding decodes bytes to str.
    try:
        return isinstance(codecs.decode(b"id", name), str)
    except (ValueError, TypeError, LookupError):
        return False


def _from_start(codec: str) -> str:
    """The encoding to read a file from its start in: UTF-8 skips a byte order mark."""
    return "utf-8-sig" if codec == "utf-8" else codec


def _open(path: Path, codec: str = "utf-8") -> IO[str]:
    try:
        # surrogateescape: a byte that is not UTF-8 becomes a lone surrogate that the
        # readers detect per row, instead of a UnicodeDecodeError that ends the batch.
        return path.open(encoding=_from_start(codec), errors="surrogateescape", newline="")
    except OSError as exc:
        raise InputError.single("file", str(path), f"cannot be read ({exc.strerror or exc})") from None


def _read_jsonl(path: Path) -> Iterator[dict[str, Any] | RowError]:
    return _jsonl_items(_file_chunks(path))


def _file_chunks(path: Path) -> Iterator[list[tuple[int, str]]]:
    with _open(path) as handle:
        yield from _chunks(handle)


def _jsonl_items(chunks: Iterable[Sequence[tuple[int, str]]]) -> Iterator[dict[str, Any] | RowError]:
    """The contact (a dict) or the :class:`RowError` of each numbered line of ``chunks``
    (non-blank lines of a JSON Lines file, as :func:`read_contacts` reads them)."""
    # One generator that parses in its own frame, whoever gives it the chunks: the
    # recursion limit (a line nested about a thousand deep) applies alike.
    for chunk in chunks:
        # isascii() is O(1) on str
        undecodable = [not line.isascii() and _undecodable(line) for _, line in chunk]
        joinable = [
            not bad and _MARK_TEXT not in line for (_, line), bad in zip(chunk, undecodable, strict=True)
        ]
        joined = _joined_values([line for (_, line), ok in zip(chunk, joinable, strict=True) if ok])
        values = iter(joined or ())
        for (number, line), bad, ok in zip(chunk, undecodable, joinable, strict=True):
            if bad:
                yield RowError("invalid_input", "", f"Line {number} is not valid UTF-8.")
                continue
            value = next(values) if ok and joined is not None else _ALONE
            if value is _ALONE:
                # Parsed here, in this frame as before: the recursion limit applies alike.
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


def _jsonl_lines(path: str | Path, batch_size: int) -> Iterator[list[tuple[int, str]]]:
    """The non-blank lines of a JSON Lines file with their numbers, ``batch_size`` at a
    time (the lines :func:`read_contacts` reads, for :func:`_jsonl_items`)."""
    with _open(Path(path)) as handle:
        yield from _numbered_batches(_chunks(handle), batch_size)


class RawLines(Sequence[tuple[int, str]]):
    """A batch of JSON Lines read as bytes, every line an object's text in UTF-8 (it
    begins with ``{``) and none holding a carriage return: the lines
    :func:`_jsonl_lines` gives for them, each decoded when asked for. ``raws`` are the
    lines as read (each with its line feed, but for a file's last line), ``blob`` all of
    them in one (for Arrow, which reads them without a decoding and an encoding)."""

    __slots__ = ("_blob", "first", "raws")

    def __init__(self, first: int, raws: list[bytes], blob: bytes | None = None) -> None:
        self.first = first
        """The number of the first line in the file."""
        self.raws = raws
        self._blob = blob

    @property
    def blob(self) -> bytes:
        if self._blob is None:
            self._blob = b"".join(self.raws)
        return self._blob

    def __len__(self) -> int:
        return len(self.raws)

    @overload
    def __getitem__(self, index: int) -> tuple[int, str]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[int, str]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self.raws))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return RawLines(self.first + start, self.raws[start:stop])
        if index < 0:
            index += len(self.raws)
        return self.first + index, self.raws[index].decode("utf-8", "surrogateescape")


def _jsonl_raw_batches(path: str | Path, batch_size: int) -> Iterator[Sequence[tuple[int, str]]]:
    """The batches of :func:`_jsonl_lines` (the same lines, numbered alike), read as
    bytes: a batch whose every line is an object's text in UTF-8 without a carriage
    return comes as :class:`RawLines` (decoded only where a line is asked for); any
    other batch is decoded as the text reader decodes the file (a byte order mark at its
    start skipped, bytes not UTF-8 as lone surrogates, lines broken at ``\\n``, ``\\r``
    and ``\\r\\n``, blank lines left out). The lines are read whole up to
    ``_RAW_LINE`` bytes; from a longer line on (or a file broken by ``\\r`` alone,
    which reads as one long line), the rest of the file is read as text by
    :func:`_jsonl_lines`'s reader."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError.single("file", str(path), f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        if not handle.seekable():  # a pipe, say: read as text
            with _text_of(handle, 0) as text:
                yield from _numbered_batches(_chunks(text), batch_size)
            return
        number = 1  # of the next line, as the text reader counts them
        while True:
            start = handle.tell()
            raws = []
            for _ in range(batch_size):
                raw = handle.readline(_RAW_LINE)
                if not raw:
                    break
                if len(raw) == _RAW_LINE and not raw.endswith(b"\n") and handle.peek(1)[:1]:
                    # A line longer than the limit: the rest is read as text from here.
                    handle.seek(start)
                    with _text_of(handle, start) as text:
                        yield from _numbered_batches(_chunks(text, number), batch_size)
                    return
                raws.append(raw)
            if not raws:
                return
            blob = b"".join(raws)
            if (
                min(raws) >= b"{"
                and max(raws) < b"|"  # every line begins with "{"
                and b"\r" not in blob
                and (blob.isascii() or _is_utf8(blob))
            ):
                yield RawLines(number, raws, blob)
                number += len(raws)
                continue
            text_lines = io.StringIO(blob.decode(_codec_at(start), "surrogateescape"), newline="")
            chunks = list(_chunks(text_lines, number))
            number += _counted(text_lines)
            lines = [line for chunk in chunks for line in chunk]
            yield from (lines[i : i + batch_size] for i in range(0, len(lines), batch_size))


def _text_of(handle: IO[bytes], start: int) -> IO[str]:
    """``handle`` (at byte ``start`` of a JSON Lines file) read on as the text reader
    reads the file (:func:`_open`)."""
    return io.TextIOWrapper(handle, encoding=_codec_at(start), errors="surrogateescape", newline="")


def _codec_at(start: int) -> str:
    """The codec to read a JSON Lines file in from byte ``start`` on: a byte order mark is
    skipped at the file's start only."""
    return _from_start("utf-8") if start == 0 else "utf-8"


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, as ``bytes.decode`` takes it (Arrow checks it in
    an eighth of the time a decoding takes; tested alike)."""
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - the raw batches are read for Arrow
        try:
            data.decode()
        except UnicodeDecodeError:
            return False
        return True
    offsets = pa.py_buffer(struct.pack("<2q", 0, len(data)))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _counted(text: io.StringIO) -> int:
    """The number of lines in ``text`` (read to its end), as the text reader counts them."""
    text.seek(0)
    return sum(1 for _ in text)


def _numbered_batches(
    chunks: Iterator[list[tuple[int, str]]], batch_size: int
) -> Iterator[list[tuple[int, str]]]:
    """The numbered lines of ``chunks`` in batches of ``batch_size``."""
    batch: list[tuple[int, str]] = []
    for chunk in chunks:
        batch.extend(chunk)
        while len(batch) >= batch_size:
            yield batch[:batch_size]
            batch = batch[batch_size:]
    if batch:
        yield batch


# A line read as bytes is read whole up to this size (about 2,000 times a contact's).
_RAW_LINE = 1 << 20


def _chunks(handle: IO[str], first: int = 1) -> Iterator[list[tuple[int, str]]]:
    """The non-blank lines of ``handle`` with their numbers, ``_CHUNK`` at a time."""
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(handle, start=first):
        if not line.strip():
            continue
        chunk.append((number, line))
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Lines are parsed a chunk at a time, joined into one JSON array with a marker number
# between them: one json.loads call shares the decoded keys (reading for the columnar
# engine about a fifth cheaper than a call per line). The result is taken only where it
# provably splits into the lines: no joined line holds the marker's digits, so every
# marker in the result is a separator; if the array alternates value, marker, value, ...
# with one value per line, every separator is at the top level and each line held
# exactly one JSON value, the one json.loads(line) gives. Otherwise (an invalid line,
# say) every line of the chunk is parsed on its own, as before.
_CHUNK = 256
_MARK = 7613904085331769271
_MARK_TEXT = str(_MARK)
_SEPARATOR = f"\n,{_MARK_TEXT},\n"  # a newline cannot be in a string: no string spans it


_ALONE: Any = object()  # parse this line on its own


def _joined_values(lines: Sequence[str]) -> list[Any] | None:
    """The values of ``lines`` from one json.loads call, or None (see above)."""
    if len(lines) < 2:
        return None
    try:
        values = json.loads("[" + _SEPARATOR.join(lines) + "]")
    except (ValueError, RecursionError):
        return None
    if len(values) != 2 * len(lines) - 1:
        return None
    marks = values[1::2]
    if not all(type(mark) is int and mark == _MARK for mark in marks):
        return None
    return values[::2]  # type: ignore[no-any-return]


def _flat(row: Mapping[str, Any]) -> dict[str, Any] | RowError:
    try:
        return flat_to_nested(row)
    except InputError as exc:
        return RowError(exc.code, exc.field, printable(str(exc)), _row_id(row.get("id")))
    except DialoglawError as exc:  # pragma: no cover - defensive
        return RowError(exc.code, "", printable(str(exc)))


def _row_id(raw_id: Any) -> str | None:
    """A raw row's id as an error row names it (printable), or None where it has none."""
    text = "" if raw_id is None else str(raw_id).strip()
    return printable(text) if text else None


_SURROGATE = re.compile("[\udc80-\udcff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_ANY_SURROGATE = re.compile("[\ud800-\udfff]")


def holds_surrogate(value: Any) -> bool:
    """Whether ``value`` (a parsed JSON value or a row as given, keys included) holds a
    lone surrogate (from an escape such as ``\\ud800``): such a string cannot be
    written as UTF-8 or held in Arrow."""
    if isinstance(value, str):
        return not value.isascii() and _ANY_SURROGATE.search(value) is not None
    if isinstance(value, Mapping):
        return any(holds_surrogate(k) or holds_surrogate(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_surrogate(v) for v in value)
    return False


def _undecodable(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _rows(reader: csv.DictReader[str], before: int = 0) -> Iterator[dict[str | Any, str | Any] | RowError]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a cell over csv.field_size_limit()
            yield RowError(
                "invalid_input",
                "",
                f"CSV line {before + reader.reader.line_num} has a cell that is too long.",
            )
            continue
        yield row


def _read_csv(path: Path, delimiter: str | None, codec: str) -> Iterator[dict[str, Any] | RowError]:
    for row in _flat_csv_rows(path, delimiter, codec):
        yield row if isinstance(row, RowError) else _flat(row)


def read_flat_csv(
    path: str | Path, *, delimiter: str | None = None, encoding: str = "utf-8"
) -> Iterator[dict[str, Any] | RowError]:
    """The raw cells of each row of a CSV file in the flat layout (not yet converted to
    the nested model), or a :class:`RowError` for a row that cannot be read.

    ``delimiter`` separates the cells: ``None`` (the default) takes it from the header
    (:func:`sniff_delimiter`), so that a file German Excel saves (semicolons) reads as
    one with commas; or name it (:data:`DELIMITERS`). ``encoding`` is the file's text
    encoding, UTF-8 by default (a byte order mark is skipped); a file Excel saves as
    plain "CSV" on a German Windows is ``"cp1252"``. A line with bytes the encoding
    cannot read is an error row naming the line; nothing is guessed. Bad options are
    refused at the call, before the file is read."""
    _check_delimiter(delimiter)
    return _flat_csv_rows(Path(path), delimiter, _codec(encoding))


def _flat_csv_rows(path: Path, delimiter: str | None, codec: str) -> Iterator[dict[str, Any] | RowError]:
    with _open(path, codec) as handle:
        yield from _text_rows(handle, delimiter, codec)


def _text_rows(
    handle: IO[str], delimiter: str | None, codec: str = "utf-8"
) -> Iterator[dict[str, Any] | RowError]:
    """:func:`read_flat_csv` of an open text handle at the file's start."""
    lines: Iterable[str] = handle
    if delimiter is None:  # the first line tells; the reader reads it again
        first = handle.readline()
        delimiter = sniff_delimiter(first)
        lines = itertools.chain((first,), handle) if first else handle
    reader = csv.DictReader(lines, delimiter=delimiter)
    try:
        fieldnames = reader.fieldnames
    except csv.Error:
        raise InputError.single("file", "header", "has a cell that is too long") from None
    if fieldnames is None:
        return
    if any(_undecodable(name) for name in fieldnames):
        raise InputError.single("file", "header", f"is not valid {_label(codec)}")
    yield from _checked_rows(reader, 0, codec)


def _label(codec: str) -> str:
    return "UTF-8" if codec == "utf-8" else codec


def _checked_rows(
    reader: csv.DictReader[str], before: int, codec: str = "utf-8"
) -> Iterator[dict[str, Any] | RowError]:
    """The rows of ``reader`` as :func:`read_flat_csv` gives them; ``before`` lines of the
    file precede the reader's first line. Errors name the line the csv module read last
    (``reader.reader``: the DictReader's own count stops at the first of blank lines)."""
    for row in _rows(reader, before):
        if isinstance(row, RowError):
            yield row
            continue
        if any(isinstance(v, str) and _undecodable(v) for v in row.values()) or any(
            isinstance(v, list) and any(_undecodable(x) for x in v) for v in row.values()
        ):
            yield RowError(
                "invalid_input",
                "",
                f"CSV line {before + reader.reader.line_num} is not valid {_label(codec)}.",
            )
            continue
        if None in row:
            yield RowError(
                "invalid_input",
                "",
                f"CSV line {before + reader.reader.line_num} has more cells than the header.",
            )
            continue
        if any(v is None for v in row.values()):
            yield RowError(
                "invalid_input",
                "",
                f"CSV line {before + reader.reader.line_num} has fewer cells than the header.",
            )
            continue
        yield row


@functools.cache
def _plain_csv_line(delimiter: str) -> re.Pattern[bytes]:
    """A line of well-formed cells: each unquoted without a quote, or quoted whole with
    quotes doubled inside. Python's csv module and Arrow's CSV parser read such a line
    alike."""
    d = re.escape(delimiter.encode())
    cell = rb'(?:[^"' + d + rb'\r\n]*|"(?:[^"]|"")*")'
    return re.compile(cell + rb"(?:" + d + cell + rb")*")


_BOM = b"\xef\xbb\xbf"


def read_flat_csv_batches(
    path: str | Path, batch_size: int = 65_536, *, delimiter: str | None = None, encoding: str = "utf-8"
) -> Iterator[Any]:
    """:func:`read_flat_csv` a batch at a time: the same rows and errors in the same
    order, where up to ``batch_size`` lines that Arrow's CSV parser reads exactly as
    Python's :mod:`csv` module does come as one ``pyarrow.Table`` of text columns (an
    empty cell null, as the columnar engine reads it).

    Lines are read by Arrow only where nothing could set the two parsers apart: valid
    UTF-8, every cell unquoted without a quote or quoted whole, no carriage return but
    before a line feed, no line longer than ``csv.field_size_limit()``, no byte order
    mark opening the batch, as many cells as the header, and a header of distinct,
    non-empty, unquoted names. Other lines are read by :func:`read_flat_csv`'s reader: a
    batch with a line it would refuse, or the rest of the file from a line with a quote
    out of place (a cell may run on over lines). Without pyarrow the rows come as from
    :func:`read_flat_csv`. ``delimiter`` and ``encoding`` are :func:`read_flat_csv`'s. A
    file in an encoding that extends ASCII (cp1252, Latin-1) comes in Arrow batches too,
    each batch passed on in UTF-8; one in any other (UTF-16) comes from
    :func:`read_flat_csv`'s reader."""
    if type(batch_size) is not int or batch_size < 1:
        raise InputError.single("CSV reader", "batch_size", "must be a positive integer")
    _check_delimiter(delimiter)
    return _csv_batches(Path(path), batch_size, delimiter, _codec(encoding))


def _csv_batches(path: Path, batch_size: int, delimiter: str | None, codec: str) -> Iterator[Any]:
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional dependency
        import pyarrow.csv as pacsv  # noqa: PLC0415
    except ImportError:
        yield from _flat_csv_rows(path, delimiter, codec)
        return
    # Arrow reads UTF-8: a file in another encoding whose lines end in the byte of "\n"
    # (cp1252, Latin-1) is read a batch at a time and passed on in UTF-8; any other (UTF-16)
    # is read by the text reader.
    transcoded = codec != "utf-8"
    if transcoded and not _byte_lines(codec):
        yield from _flat_csv_rows(path, delimiter, codec)
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError.single("file", str(path), f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        if not handle.seekable():  # a pipe: the text reader, which needs no second look
            with _text(handle, _from_start(codec)) as text:
                yield from _text_rows(text, delimiter, codec)
            return
        first = handle.readline()
        head = _utf8(first, codec) if transcoded else first  # None: the text reader refuses it
        if head is not None and delimiter is None:  # as the text reader takes it from the same line
            delimiter = sniff_delimiter(head.removeprefix(_BOM).decode("utf-8", "surrogateescape"))
        header = None if head is None or delimiter is None else _plain_header(head, delimiter)
        if header is None or delimiter is None:
            handle.seek(0)
            with _text(handle, _from_start(codec)) as text:
                yield from _text_rows(text, delimiter, codec)
            return
        parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=True)
        convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            check_utf8=True,  # a line that is not UTF-8 is the csv module's (an error row)
        )
        before = 1  # lines of the file before the batch (the header)
        offset = handle.tell()
        while lines := list(itertools.islice(handle, batch_size)):
            raw = b"".join(lines)
            chunk, text_lines, readable = raw, lines, True
            if transcoded:
                # In UTF-8 for Arrow. A byte the encoding cannot read is a lone surrogate,
                # which encodes to no quote, separator or line end: the batch's lines are
                # checked all the same, and the csv module reads it (an error row).
                content = raw.decode(codec, "surrogateescape")
                chunk = content.encode("utf-8", "surrogatepass")
                text_lines = _cut_lines(chunk)
                readable = not _undecodable(content)
            if not _line_local(chunk, text_lines, delimiter):
                # A cell may run on over lines: the text reader reads the rest.
                handle.seek(offset)
                with _text(handle, codec) as reading:
                    reader = csv.DictReader(reading, fieldnames=header, delimiter=delimiter)
                    yield from _checked_rows(reader, before, codec)
                return
            table = _arrow_lines(pacsv, chunk, text_lines, header, parse, convert) if readable else None
            if table is None:
                decoded = raw.decode(codec, errors="surrogateescape")  # as the text reader decodes it
                buffer = io.StringIO(decoded, newline="")
                reader = csv.DictReader(buffer, fieldnames=header, delimiter=delimiter)
                yield from _checked_rows(reader, before, codec)
            elif table.num_rows:
                yield table
            before += len(lines)
            offset += len(raw)


@functools.cache
def _byte_lines(codec: str) -> bool:
    """Whether a file in ``codec`` may be cut into lines at its ``\\n`` bytes and each
    batch of lines decoded on its own: every ASCII byte is its own character alone (an
    encoding that extends ASCII without a state, as cp1252, Latin-1 or the other parts of
    ISO 8859) and the line ends are their bytes (not so in UTF-16)."""
    try:
        return "\r\n".encode(codec) == b"\r\n" and all(
            bytes((b,)).decode(codec) == chr(b) for b in range(128)
        )
    except (UnicodeError, LookupError):
        return False


def _utf8(data: bytes, codec: str) -> bytes | None:
    """``data`` (in ``codec``) in UTF-8, or ``None`` where it holds a byte ``codec`` cannot
    read."""
    try:
        return data.decode(codec).encode("utf-8")
    except UnicodeError:
        return None


def _cut_lines(chunk: bytes) -> list[bytes]:
    """The lines of ``chunk`` as a file iterator cuts them (after each ``\\n``)."""
    parts = chunk.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _text(handle: IO[bytes], encoding: str) -> io.TextIOWrapper:
    # As _open reads a file: a byte that is not UTF-8 becomes a lone surrogate.
    return io.TextIOWrapper(handle, encoding=encoding, errors="surrogateescape", newline="")


def _plain_header(line: bytes, delimiter: str) -> list[str] | None:
    """The field names of a header line both parsers read alike, else ``None``."""
    line = line.removeprefix(_BOM)
    line = line[:-2] if line.endswith(b"\r\n") else line.removesuffix(b"\n")
    if not line or len(line) > csv.field_size_limit() or any(c in line for c in (b'"', b"\r", b"\n")):
        return None
    try:
        names = line.decode("utf-8").split(delimiter)
    except UnicodeDecodeError:
        return None
    return names if "" not in names and len(set(names)) == len(names) else None


def _line_local(chunk: bytes, lines: list[bytes], delimiter: str) -> bool:
    """Whether every line of ``chunk`` is a row of its own for Python's csv module: no
    carriage return but at a line's end, and quotes only around whole cells."""
    # (Most files hold no carriage return: "in" finds none at memchr's speed, where a
    # count of the 21 MB of a batch of 65,536 lines took 21 ms.)
    if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
        return False
    if b'"' in chunk:
        plain = _plain_csv_line(delimiter).fullmatch
        for line in lines:
            if b'"' in line and plain(line.rstrip(b"\r\n") if line.endswith(b"\n") else line) is None:
                return False
    return True


def _arrow_lines(
    pacsv: Any, chunk: bytes, lines: list[bytes], header: list[str], parse: Any, convert: Any
) -> Any:
    """The lines read by Arrow, or ``None`` where the text reader must read them (it
    would refuse one of them, or Arrow might read it otherwise)."""
    # Arrow skips a byte order mark at the start of what it reads; the csv module keeps
    # it inside the file. A cell over the limit is the csv module's error; Arrow reads it.
    if chunk.startswith(_BOM) or max(map(len, lines)) > csv.field_size_limit():
        return None
    # In blocks of 1 MiB (Arrow's default), not one block of the whole batch: 98-113
    # against 145-189 ms for the 21 MB of 65,536 lines, one thread or two; the blocks'
    # chunks are joined below. A line longer than a block (possible only where the field
    # size limit was raised) fails to parse, and the text reader reads its batch.
    options = pacsv.ReadOptions(column_names=header, block_size=1 << 20)
    try:
        table = pacsv.read_csv(
            io.BytesIO(chunk), read_options=options, parse_options=parse, convert_options=convert
        )
    except (ValueError, OSError):  # ArrowInvalid: a line with more or fewer cells, or not UTF-8
        return None
    return table.combine_chunks()  # one chunk a column, as the engine reads it


def read_flat_parquet_batches(path: str | Path, batch_size: int = 65_536) -> Iterator[Any]:
    """The rows of a Parquet file in the flat layout as polars DataFrames of up to
    ``batch_size`` rows, in file order, for :class:`dialoglaw.columnar.ColumnarEngine`.

    Read by polars' own reader, a slice at a time: it decodes only the row groups a slice
    needs. For the 65,536-row batches of ``dialoglaw check`` it is faster than pyarrow's
    batch reader and keeps less memory (``docs/performance.md``). The path is a file's
    path, never a glob pattern. Raises :class:`~dialoglaw.InputError` naming
    the file where it cannot be read as Parquet."""
    if type(batch_size) is not int or batch_size < 1:
        raise InputError.single("Parquet reader", "batch_size", "must be a positive integer")
    try:
        import polars as pl  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise InputError.single(
            "file", "format", "reading Parquet in batches needs polars: pip install 'dialoglaw[columnar]'"
        ) from None
    path = Path(path)
    failures = (OSError, pl.exceptions.PolarsError)
    scan = pl.scan_parquet(path, glob=False)
    try:  # here, not at the first batch: a file that is not Parquet fails before any output
        total = scan.select(pl.len()).collect().item()
    except failures as exc:
        raise InputError.single("file", str(path), f"cannot be read as Parquet ({exc})") from None
    return _parquet_slices(scan, path, total, batch_size, failures)


def _parquet_slices(
    scan: Any, path: Path, total: int, batch_size: int, failures: tuple[type[BaseException], ...]
) -> Iterator[Any]:
    for start in range(0, total, batch_size):
        try:
            frame = scan.slice(start, batch_size).collect()
        except failures as exc:
            message = f"cannot be read as Parquet from row {start + 1} ({exc})"
            raise InputError.single("file", str(path), message) from None
        yield frame


def _read_parquet(path: Path) -> Iterator[dict[str, Any] | RowError]:
    pq = _pyarrow_parquet()
    try:
        # Without pre_buffer: with it, pyarrow's reader held on to about 3 MB per batch
        # read (1.2 GB over 10 million rows); without it memory stays flat.
        handle = pq.ParquetFile(path, pre_buffer=False)
    except (OSError, ValueError) as exc:
        raise InputError.single("file", str(path), f"cannot be read as Parquet ({exc})") from None
    for batch in handle.iter_batches(batch_size=8192):
        for row in batch.to_pylist():
            yield _flat(row)


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise InputError.single(
            "file", "format", "parquet needs pyarrow: pip install 'dialoglaw[parquet]'"
        ) from None
    return pq


def result_columns(channels: Iterable[Channel] = tuple(Channel)) -> list[str]:
    """Columns of the decision output: one row per contact."""
    cols = ["row", "contact_id", "error_code", "error_field", "error_message"]
    for ch in channels:
        cols += [f"{ch.value}_status", f"{ch.value}_ground", f"{ch.value}_reasons", f"{ch.value}_citation"]
    return cols


def result_record(result: BatchResult, channels: Iterable[Channel] = tuple(Channel)) -> dict[str, Any]:
    """One flat output row; a row with an error has status ``error`` on every channel."""
    error = result.error
    rec: dict[str, Any] = {
        "row": result.row,
        "contact_id": result.contact_id,
        "error_code": error.code if error else None,
        "error_field": error.field if error else None,
        "error_message": error.message if error else None,
    }
    decision = result.decision
    verdicts = {} if decision is None else {v.channel: v for v in decision.verdicts}
    for ch in channels:
        status, ground, reasons, citation = _RESULT_KEYS[ch]
        verdict = verdicts.get(ch)
        if verdict is None:
            rec[status] = "error" if decision is None else None
            rec[ground] = rec[reasons] = rec[citation] = None
            continue
        rec[status], rec[ground], rec[reasons], rec[citation] = per_verdict(_CELLS, verdict, _cells)
    return rec


def _cells(verdict: Verdict) -> tuple[str, str | None, str | None, str | None]:
    """A verdict's four output cells: status, ground, reasons and the first citation."""
    findings = [verdict.ground] if verdict.ground else [*verdict.reasons, *verdict.questions]
    first = next((f for f in findings if f.citation is not None), None)
    codes = [f.code for f in verdict.reasons] + [
        f"unsettled_law:{f.ctx['question']}" for f in verdict.questions
    ]
    return (
        verdict.status.value,
        verdict.ground.code if verdict.ground else None,
        ";".join(dict.fromkeys(codes)) or None,
        first.citation.de if first and first.citation else None,
    )


# The cells of the shared verdicts, by identity (engine.per_verdict).
_CELLS: dict[int, tuple[str, str | None, str | None, str | None]] = {}


_RESULT_KEYS: Mapping[Channel, tuple[str, str, str, str]] = {
    ch: (f"{ch.value}_status", f"{ch.value}_ground", f"{ch.value}_reasons", f"{ch.value}_citation")
    for ch in Channel
}


# JSON Lines output: compact separators, UTF-8 text unescaped (as polars writes it).
_COMPACT: Mapping[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}


def write_results(
    results: Iterable[BatchResult],
    path: str | Path,
    format: str | None = None,
    channels: Iterable[Channel] = tuple(Channel),
) -> Iterator[BatchResult]:
    """Write each result as it passes and yield it on (so a summary can be built in the
    same pass, in constant memory)."""
    fmt = detect_format(path, format)
    wanted = tuple(channels)
    cols = result_columns(wanted)
    target = Path(path)
    if fmt == "parquet":
        yield from _write_parquet(results, target, cols, wanted)
        return
    with target.open("w", encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            writer = csv.DictWriter(handle, fieldnames=cols)
            writer.writeheader()
            for result in results:
                writer.writerow(result_record(result, wanted))
                yield result
        else:
            for result in results:
                handle.write(json.dumps(result_record(result, wanted), **_COMPACT) + "\n")
                yield result


def _write_parquet(
    results: Iterable[BatchResult], path: Path, cols: list[str], channels: tuple[Channel, ...]
) -> Iterator[BatchResult]:
    _pyarrow_parquet()
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    schema = pa.schema([(c, pa.int64() if c == "row" else pa.string()) for c in cols])
    with pq.ParquetWriter(path, schema, **_parquet_options(cols)) as writer:
        buffer: list[dict[str, Any]] = []
        for result in results:
            buffer.append(result_record(result, channels))
            yield result
            if len(buffer) >= 8192:
                writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
                buffer.clear()
        if buffer:
            writer.write_table(pa.Table.from_pylist(buffer, schema=schema))


# The output columns written plainly; the others are verdicts and errors, a few distinct
# values each.
_KEYED = ("row", "contact_id")


def _parquet_options(columns: Sequence[str]) -> dict[str, Any]:
    """How decision columns are written to Parquet: the verdict columns (a few distinct
    values each) dictionary-encoded and without min/max statistics, which every row group
    of mixed verdicts would span anyway; the row number and contact id plainly and with
    statistics, so readers can skip row groups by them. A third less work for the writer
    than pyarrow's defaults, and a quarter smaller (docs/performance.md). Without the
    Arrow schema in the file's metadata: its types are Parquet's own (text, 64-bit
    integers), so every writer here writes the same file whether its columns came as
    text or dictionary-encoded, and readers read them back as text."""
    return {
        "use_dictionary": [c for c in columns if c not in _KEYED],
        "write_statistics": [c for c in columns if c in _KEYED],
        "store_schema": False,
    }


def _frames_schema(columns: Sequence[str], frame: Any) -> Any:
    """The Arrow schema decision frames like ``frame`` are written with: as polars gives
    them (64-bit offsets), the verdict and error columns dictionary-encoded where all of
    ``frame``'s are polars ``Categorical`` (``ColumnarEngine(categorical=True)``)."""
    import polars as pl  # noqa: PLC0415 - frames are polars frames
    import pyarrow as pa  # noqa: PLC0415

    dtypes = frame.schema if frame is not None else {}
    verdicts = [c for c in columns if c not in _KEYED]
    encoded = bool(verdicts) and all(isinstance(dtypes.get(c), pl.Categorical) for c in verdicts)
    text = pa.dictionary(pa.uint32(), pa.large_string()) if encoded else pa.large_string()
    return pa.schema(
        (c, pa.int64() if c == "row" else pa.large_string() if c in _KEYED else text) for c in columns
    )


def write_frames(
    frames: Iterable[Any], path: str | Path, columns: Sequence[str], format: str | None = None
) -> Iterator[Any]:
    """Write decision frames (polars, as :class:`dialoglaw.columnar.ColumnarEngine`
    returns them, with ``columns``) to ``path`` as :func:`write_results` writes results:
    the same columns, and for CSV and JSON Lines the same text. Yields each frame on.

    The frames are written by a worker thread while the next ones are decided (the
    Parquet, CSV and JSON Lines writers release the GIL), with at most two frames waiting
    behind the one being written; the file is complete, and any error writing it
    raised, when the iteration ends."""
    fmt = detect_format(path, format)
    target = Path(path)
    if fmt == "parquet":
        _pyarrow_parquet()
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415

        def write_parquet(frame: Any) -> None:
            table = frame.to_arrow()
            writer.write_table(table if table.schema == schema else table.cast(schema))

        # The file is opened first, so that a path it cannot write fails before the work.
        # The first frame tells how the verdict columns come (text or dictionary-encoded):
        # every frame that comes so is written without a conversion.
        with pa.OSFile(str(target), "wb") as sink:
            stream = iter(frames)
            first, failed = None, None
            try:
                first = next(stream, None)
            except Exception as exc:  # raised below, after an empty file is written
                failed = exc
            schema = _frames_schema(columns, first)
            with pq.ParquetWriter(sink, schema, **_parquet_options(columns)) as writer:
                if failed is not None:
                    raise failed
                written = () if first is None else itertools.chain((first,), stream)
                yield from _written_behind(written, write_parquet)
        return
    # Binary: polars writes its UTF-8 text straight into the file, where a text file took
    # a str of every slice and encoded it again (twice the time for JSON Lines).
    with target.open("wb") as handle:
        if fmt == "csv":
            import polars as pl  # noqa: PLC0415 - frames are polars frames

            header = io.StringIO(newline="")
            csv.writer(header).writerow(columns)  # the header, as csv.DictWriter writes it
            handle.write(header.getvalue().encode("utf-8"))

            def write_csv(frame: Any) -> None:
                # polars writes the text Python's csv module writes (excel dialect: quotes
                # where a cell holds a comma, a quote or a line break, quotes doubled,
                # "\r\n"; tested), but for an empty cell, which it quotes to tell it from
                # a missing one and the csv module leaves empty: written as missing.
                dtypes = frame.schema
                out = frame.select(
                    pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
                    if dtypes[c] in (pl.String, pl.Categorical)
                    else pl.col(c)
                    for c in columns
                )
                for start in range(0, out.height, _CSV_SLICE):  # in slices, as for JSON Lines
                    part = out.slice(start, _CSV_SLICE)
                    part.write_csv(handle, include_header=False, line_terminator="\r\n")

            yield from _written_behind(frames, write_csv)
        else:  # polars writes the same text as json.dumps(**_COMPACT) (tested)

            def write_jsonl(frame: Any) -> None:
                # in slices: the text of a whole frame at once would double its memory
                out = frame.select(columns)
                for start in range(0, out.height, _JSONL_SLICE):
                    out.slice(start, _JSONL_SLICE).write_ndjson(handle)

            yield from _written_behind(frames, write_jsonl)


# Rows of a decision frame turned into JSON Lines text at a time (about 1 KB of text each).
_JSONL_SLICE = 2048
# And into CSV text (about 0.5 KB each).
_CSV_SLICE = 4096


_DONE: Any = object()


def _written_behind(frames: Iterable[Any], write: Callable[[Any], object], depth: int = 2) -> Iterator[Any]:
    """Yield each of ``frames`` on while ``write`` writes it in a worker thread, in order,
    with at most ``depth`` frames waiting behind the one being written. Returns when
    every frame is written; an error of ``write`` stops the iteration and is raised here
    (the frames after it are not written); an error of ``frames``, or a consumer that
    stops early, still waits for the frames handed over."""
    pending: queue.Queue[Any] = queue.Queue(maxsize=depth)
    failed: list[BaseException] = []

    def work() -> None:
        while (frame := pending.get()) is not _DONE:
            if failed:
                continue  # drain: the error is raised by the producer
            try:
                write(frame)
            except BaseException as exc:  # handed to the producing thread
                failed.append(exc)

    worker = threading.Thread(target=work, name="dialoglaw-writer", daemon=True)
    worker.start()
    try:
        for frame in frames:
            pending.put(frame)
            yield frame
            if failed:  # before the next frame is made
                break
    finally:
        pending.put(_DONE)
        worker.join()
    if failed:
        raise failed[0]
