"""JSON Lines read as bytes for Arrow (``dialoglaw.io.files._jsonl_raw_batches``).

Source: the project's input contract (every line of a file is a row or an error row, in
its place, numbered as a text editor numbers it) and its performance issue. The raw
reader hands a batch of clean lines (objects in UTF-8, no carriage return) to Arrow as
the bytes it read; every other batch is decoded as the text reader decodes the file.
Either way the numbered lines must be exactly those of the text reader
(``_jsonl_lines``), whatever the bytes: byte order marks, bytes that are not UTF-8,
line ends of every kind, blank lines, lines longer than the reader's limit.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialoglaw.io import files
from dialoglaw.io.files import RawLines, _is_utf8, _jsonl_lines, _jsonl_raw_batches

pytest.importorskip("pyarrow")

_PIECES = [
    b'{"id": "a"}',
    b'{"id": "M\xc3\xbcller", "email": "m@example.de"}',  # UTF-8 beyond ASCII
    b'{"id": "\xff"}',  # not UTF-8
    b'{"id": "\xed\xa0\x80"}',  # a surrogate in UTF-8's form: not UTF-8 either
    b'{"id": "x", "a": null}',
    b"\xef\xbb\xbf{}",  # a byte order mark (skipped at the file's start only)
    b"null",
    b"",
    b"   ",
    b"\xe3\x80\x80",  # an ideographic space: a blank line for str.strip
    b"\x0c",  # a form feed: blank, and no line end for the text reader
    b'{"id": "\xc2\x85 \xe2\x80\xa8"}',  # NEL and LINE SEPARATOR inside a line
    b"|",
    b"z{",
]
_ENDS = [b"\n", b"\n", b"\n", b"\r\n", b"\r"]


def _numbered(batches: Any) -> list[tuple[int, str]]:
    return [line for batch in batches for line in batch]


def _assert_read_alike(path: Path, batch_size: int) -> list[Any]:
    """The raw reader's batches: the text reader's lines, at most ``batch_size`` a batch,
    none empty; a raw batch only of lines that begin with ``{``."""
    batches = list(_jsonl_raw_batches(path, batch_size))
    assert _numbered(batches) == _numbered(_jsonl_lines(path, batch_size))
    for batch in batches:
        assert 0 < len(batch) <= batch_size
        if isinstance(batch, RawLines):
            assert all(line.startswith("{") and "\r" not in line for _, line in batch)
            assert batch.blob == b"".join(batch.raws)
    return batches


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_ENDS)), min_size=1, max_size=14),
    st.booleans(),
    st.integers(1, 6),
)
def test_the_raw_reader_gives_the_text_readers_numbered_lines_for_any_bytes(
    tmp_path_factory: Any, lines: list[tuple[bytes, bytes]], last_end: bool, batch_size: int
) -> None:
    data = b"".join(piece + end for piece, end in lines)
    if not last_end:
        data = data.removesuffix(lines[-1][1])
    path = tmp_path_factory.mktemp("raw") / "list.jsonl"
    path.write_bytes(data)
    _assert_read_alike(path, batch_size)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_ENDS)), min_size=1, max_size=10),
    st.integers(1, 4),
    st.integers(12, 40),
)
def test_lines_longer_than_the_limit_switch_the_rest_of_the_file_to_the_text_reader(
    tmp_path_factory: Any, lines: list[tuple[bytes, bytes]], batch_size: int, limit: int
) -> None:
    data = b"".join(piece + end for piece, end in lines)
    path = tmp_path_factory.mktemp("long") / "list.jsonl"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files, "_RAW_LINE", limit)
        _assert_read_alike(path, batch_size)


def test_a_file_of_clean_lines_is_read_as_raw_batches_and_its_lines_decoded_on_demand(tmp_path: Path) -> None:
    lines = [b'{"id": "%d", "city": "K\xc3\xb6ln"}\n' % i for i in range(10)]
    path = tmp_path / "clean.jsonl"
    path.write_bytes(b"".join(lines))
    batches = _assert_read_alike(path, 4)
    assert [type(b) for b in batches] == [RawLines] * 3
    first = batches[0]
    assert first[0] == (1, '{"id": "0", "city": "Köln"}\n')
    assert first[-1] == (4, '{"id": "3", "city": "Köln"}\n')
    part = first[1:3]
    assert isinstance(part, RawLines)  # a slice stays undecoded
    assert list(part) == [(2, '{"id": "1", "city": "Köln"}\n'), (3, '{"id": "2", "city": "Köln"}\n')]
    assert first[::2] == [first[0], first[2]]


def test_a_byte_order_mark_is_skipped_at_the_start_only_and_line_numbers_count_blank_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a"}\n\n{"id": "b"}\r\n\xef\xbb\xbf{"id": "c"}\n')
    got = _numbered(_assert_read_alike(path, 8))
    assert got == [(1, '{"id": "a"}\n'), (3, '{"id": "b"}\r\n'), (4, '\ufeff{"id": "c"}\n')]


def test_a_file_ending_in_a_line_of_exactly_the_limit_is_read_as_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = b'{"id": "abcdefgh"}'  # 18 bytes, no line end: the file's last line
    path = tmp_path / "end.jsonl"
    path.write_bytes(b'{"id": "a"}\n' + line)
    monkeypatch.setattr(files, "_RAW_LINE", len(line))
    batches = _assert_read_alike(path, 8)
    assert [type(b) for b in batches] == [RawLines]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_read_as_text(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbf{"id": "a"}\n{"id": "b"}\r{"id": "c"}\n'
    regular = tmp_path / "list.jsonl"
    regular.write_bytes(data)
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as handle:
            handle.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        got = _numbered(_jsonl_raw_batches(fifo, 2))
    finally:
        writer.join()
    assert got == _numbered(_jsonl_lines(regular, 2))
    assert [n for n, _ in got] == [1, 2, 3]


def test_a_missing_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    from dialoglaw import InputError

    with pytest.raises(InputError, match=r"missing\.jsonl.*cannot be read"):
        list(_jsonl_raw_batches(tmp_path / "missing.jsonl", 10))


_UTF8_EDGES = [
    b"",
    b"plain",
    "Größe € 𝄞".encode(),
    b"\xc0\xaf",  # an overlong form of "/"
    b"\xe0\x80\xaf",  # another
    b"\xed\xa0\x80",  # U+D800 in UTF-8's form
    b"\xed\xbf\xbf",  # U+DFFF
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xf4\x8f\xbf\xbf",  # U+10FFFF
    b"\xc3",  # cut short
    b"\xe2\x82",
    b"\x80",
    b"\xff",
    b"\x00",
]


def _decodes(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("data", _UTF8_EDGES)
def test_arrows_utf8_check_is_pythons_decoding_at_the_edges(data: bytes) -> None:
    for text in (data, b"{" + data + b"}", data * 3):
        assert _is_utf8(text) == _decodes(text), text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.binary(max_size=6) | st.sampled_from(_UTF8_EDGES), max_size=8))
def test_arrows_utf8_check_is_pythons_decoding_for_any_bytes(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert _is_utf8(data) == _decodes(data)
