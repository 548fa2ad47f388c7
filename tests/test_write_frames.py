"""``write_frames`` writes in a worker thread while the next frames are decided: the
file must still hold every frame in order, an error while writing must reach the caller,
and a caller that stops early (or whose frames fail) must still get a complete file of
the frames handed over."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialoglaw.io import files, write_frames

COLUMNS = ["row", "contact_id", "email_status"]


def _frame(start: int, n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": list(range(start, start + n)),
            "contact_id": [f"c{i}" for i in range(start, start + n)],
            "email_status": ["permitted" if i % 3 else "suppressed" for i in range(start, start + n)],
        },
        schema={"row": pl.Int64, "contact_id": pl.String, "email_status": pl.String},
    )


def _frames(count: int, size: int = 7) -> Iterator[pl.DataFrame]:
    for k in range(count):
        yield _frame(1 + k * size, size)


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        table: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        return table
    if path.suffix == ".csv":
        return [
            {**r, "row": int(r["row"])} for r in pl.read_csv(path, infer_schema=False).iter_rows(named=True)
        ]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv"])
def test_every_frame_is_written_in_order_and_each_is_yielded_on(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"out{suffix}"
    expected = list(_frames(40))
    yielded = list(write_frames(iter(expected), target, COLUMNS))
    assert [f.equals(e) for f, e in zip(yielded, expected, strict=True)] == [True] * 40
    assert _rows(target) == pl.concat(expected).to_dicts()


def test_json_lines_of_large_frames_are_the_text_of_the_whole_frames(tmp_path: Path) -> None:
    """Frames are turned into text a slice of rows at a time (to bound memory); the
    file must be the text of the whole frames, whatever their sizes against a slice."""
    target = tmp_path / "out.jsonl"
    sizes = [1, files._JSONL_SLICE, files._JSONL_SLICE + 1, 2 * files._JSONL_SLICE + 5, 3]
    starts = [1 + sum(sizes[:k]) for k in range(len(sizes))]
    frames = [_frame(start, n) for start, n in zip(starts, sizes, strict=True)]
    for _ in write_frames(iter(frames), target, COLUMNS):
        pass
    assert target.read_text(encoding="utf-8") == pl.concat(frames).write_ndjson()
    assert len(_rows(target)) == sum(sizes)


def test_an_error_while_writing_reaches_the_caller_and_no_later_frame_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written: list[int] = []
    consumed: list[int] = []

    def write(frame: pl.DataFrame) -> None:
        if frame["row"][0] == 15:  # the third frame
            raise OSError(28, "No space left on device")
        written.append(frame["row"][0])

    def frames() -> Iterator[pl.DataFrame]:
        for frame in _frames(50):
            consumed.append(frame["row"][0])
            yield frame

    with pytest.raises(OSError, match="No space left"):
        for _ in files._written_behind(frames(), write):
            pass
    assert written == [1, 8]
    # the producer stops within the queue's depth of the failed frame: it may have made
    # two more to wait in the queue and one more waiting for room, never another
    assert len(consumed) <= 3 + 2 + 1


def test_a_caller_that_stops_early_gets_a_complete_file_of_the_frames_handed_over(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    iterator = write_frames(_frames(10), target, COLUMNS)
    taken = [next(iterator) for _ in range(3)]
    iterator.close()  # type: ignore[attr-defined]
    assert _rows(target) == pl.concat(taken).to_dicts()


def test_an_error_of_the_frames_is_raised_after_the_frames_before_it_are_written(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"

    def failing() -> Iterator[pl.DataFrame]:
        yield from _frames(4)
        raise ValueError("the engine failed")

    with pytest.raises(ValueError, match="the engine failed"):
        for _ in write_frames(failing(), target, COLUMNS):
            pass
    assert _rows(target) == pl.concat(list(_frames(4))).to_dicts()


def test_frames_are_written_by_a_worker_thread_with_at_most_two_frames_waiting() -> None:
    release = threading.Event()
    threads: set[str] = set()

    def write(frame: pl.DataFrame) -> None:
        threads.add(threading.current_thread().name)
        release.wait(timeout=10)  # a slow disk: the writer holds the first frame

    produced: list[int] = []

    def frames() -> Iterator[pl.DataFrame]:
        for frame in _frames(10):
            produced.append(frame["row"][0])
            yield frame

    iterator = files._written_behind(frames(), write, depth=2)
    got = [next(iterator) for _ in range(3)]  # one being written, two queued
    blocked = threading.Thread(target=lambda: got.append(next(iterator)))
    blocked.start()
    blocked.join(timeout=0.5)
    assert blocked.is_alive()  # the fourth frame waits for room in the queue
    assert len(produced) == 4
    release.set()
    blocked.join(timeout=10)
    got.extend(iterator)
    assert len(got) == 10
    assert threads == {"dialoglaw-writer"}


def _column_layout(path: Path) -> dict[str, tuple[bool, bool]]:
    """Per column of the first row group: (dictionary-encoded, has min/max statistics)."""
    group = pq.ParquetFile(path).metadata.row_group(0)
    layout = {}
    for i in range(group.num_columns):
        chunk = group.column(i)
        dictionary = chunk.has_dictionary_page
        statistics = chunk.is_stats_set and chunk.statistics.has_min_max
        layout[chunk.path_in_schema] = (dictionary, statistics)
    return layout


def test_both_writers_encode_verdicts_as_dictionaries_and_keep_statistics_for_row_and_id(
    tmp_path: Path,
) -> None:
    """Verdict columns hold a few distinct values: dictionary-encoded and without min/max
    statistics (a third less work for the writer); the row number and contact id keep
    their statistics, by which readers skip row groups."""
    from dialoglaw import Channel
    from dialoglaw.batch import decide_many
    from dialoglaw.io import write_results

    frames_out = tmp_path / "frames.parquet"
    for _ in write_frames(_frames(3), frames_out, COLUMNS):
        pass
    expected = {"row": (False, True), "contact_id": (False, True), "email_status": (True, False)}
    assert _column_layout(frames_out) == expected

    contact = {
        "id": "c1",
        "audience": "consumer",
        "email": "max@example.de",
    }
    message = {"sender": "Shop GmbH", "purpose": "advertising", "topic": "books"}
    at = datetime(2026, 11, 23, 10, tzinfo=UTC)
    results_out = tmp_path / "results.parquet"
    for _ in write_results(decide_many([contact], message, at=at), results_out, channels=[Channel.EMAIL]):
        pass
    layout = _column_layout(results_out)
    assert layout["row"] == (False, True)
    assert layout["contact_id"] == (False, True)
    assert layout["email_status"] == (True, False)
    assert len(layout) > 3
    assert all(layout[c] == (True, False) for c in layout if c not in ("row", "contact_id"))


def _coded(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as ``ColumnarEngine(categorical=True)`` gives it: verdicts Categorical."""
    return frame.with_columns(pl.col("email_status").cast(pl.Categorical))


@pytest.mark.parametrize(
    "coded",
    [
        pytest.param([False] * 4, id="text"),
        pytest.param([True] * 4, id="dictionary-encoded"),
        pytest.param([True, False, True, False], id="dictionary-encoded-first"),
        pytest.param([False, True, False, True], id="text-first"),
    ],
)
def test_parquet_files_are_the_same_whether_verdicts_come_as_text_or_dictionary_encoded(
    tmp_path: Path, coded: list[bool]
) -> None:
    """The engine gives verdict columns as text or, with ``categorical=True``, as polars
    Categorical; the file, as readers read it, is the same either way (and so in a mix),
    and holds no Arrow schema of its own that would make readers read dictionaries."""
    plain = list(_frames(4))
    frames = [_coded(f) if c else f for f, c in zip(plain, coded, strict=True)]
    target = tmp_path / "out.parquet"
    yielded = list(write_frames(iter(frames), target, COLUMNS))
    assert [y is f for y, f in zip(yielded, frames, strict=True)] == [True] * 4
    table = pq.read_table(target)
    assert table.to_pylist() == pl.concat(plain).to_dicts()
    assert [str(t) for t in table.schema.types] == ["int64", "string", "string"]
    assert b"ARROW:schema" not in (pq.read_metadata(target).metadata or {})
    assert _column_layout(target) == {
        "row": (False, True),
        "contact_id": (False, True),
        "email_status": (True, False),
    }


def test_dictionary_encoded_frames_are_written_as_they_come_without_a_conversion() -> None:
    """The point of ``categorical=True`` for files: the writer takes the frame's Arrow
    arrays as they are (dictionary-encoded verdicts, no cast), where text frames would be
    encoded cell by cell again."""
    coded = _coded(_frame(1, 5))
    schema = files._frames_schema(COLUMNS, coded)
    assert coded.to_arrow().schema == schema
    assert str(schema.field("email_status").type).startswith("dictionary<")
    text_schema = files._frames_schema(COLUMNS, _frame(1, 5))
    assert _frame(1, 5).to_arrow().schema == text_schema
    assert files._frames_schema(COLUMNS, None) == text_schema  # no frame at all: text


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_text_files_are_the_same_text_whether_verdicts_come_as_text_or_dictionary_encoded(
    tmp_path: Path, suffix: str
) -> None:
    written = []
    for coded in (False, True):
        target = tmp_path / f"out{coded}{suffix}"
        frames = [_coded(f) if coded else f for f in _frames(3)]
        for _ in write_frames(iter(frames), target, COLUMNS):
            pass
        written.append(target.read_bytes())
    assert written[0] == written[1]


def test_a_parquet_path_that_cannot_be_written_fails_before_the_first_frame_is_made(tmp_path: Path) -> None:
    made: list[int] = []

    def frames() -> Iterator[pl.DataFrame]:
        made.append(1)
        yield _frame(1, 3)

    with pytest.raises(OSError, match="such file or directory"):
        list(write_frames(frames(), tmp_path / "no" / "such" / "out.parquet", COLUMNS))
    assert made == []


@pytest.mark.parametrize("first", [True, False])
def test_a_parquet_file_whose_frames_fail_is_complete_with_the_frames_before(
    tmp_path: Path, first: bool
) -> None:
    target = tmp_path / "out.parquet"

    def failing() -> Iterator[pl.DataFrame]:
        if not first:
            yield from _frames(2)
        raise ValueError("the engine failed")

    with pytest.raises(ValueError, match="the engine failed"):
        list(write_frames(failing(), target, COLUMNS))
    table = pq.read_table(target)
    assert table.column_names == COLUMNS
    assert table.to_pylist() == ([] if first else pl.concat(list(_frames(2))).to_dicts())


def _csv_module_text(frames: list[pl.DataFrame], columns: list[str]) -> bytes:
    """The reference: the rows as Python's csv module writes them (``csv.DictWriter``,
    as ``write_results`` writes the per-object engine's decisions)."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    for frame in frames:
        writer.writerows(frame.iter_rows(named=True))
    return text.getvalue().encode("utf-8")


# Cells that the two writers could quote or break differently: commas, quotes, line
# breaks of every kind, white space, empty and missing cells, text beyond ASCII.
_CELL = (
    st.none()
    | st.sampled_from(["", " ", ",", '"', '""', "\r", "\n", "\r\n", "a,b", "x\ny"])
    | st.text(
        alphabet=st.sampled_from([*"a ,\"\r\n\t;:#\\'", "ü", "€", "\u2028", "\x00", "\x1c", "😀"]), max_size=8
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(st.tuples(_CELL, _CELL), min_size=0, max_size=12),
    coded=st.booleans(),
    slice_rows=st.integers(1, 5),
)
def test_csv_files_are_the_text_pythons_csv_module_writes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cells: list[tuple[Any, Any]],
    coded: bool,
    slice_rows: int,
) -> None:
    """polars writes the CSV text of the columnar engine's frames (a third of the time of
    the csv module for a million rows); it must be byte for byte the text the csv module
    writes for the same rows, the per-object engine's writer, in every slice of a frame."""
    monkeypatch.setattr(files, "_CSV_SLICE", slice_rows)
    columns = ["row", "contact_id", "error_message"]
    frame = pl.DataFrame(
        {
            "row": list(range(1, len(cells) + 1)),
            "contact_id": [a for a, _ in cells],
            "error_message": [b for _, b in cells],
        },
        schema={"row": pl.Int64, "contact_id": pl.String, "error_message": pl.String},
    )
    frames = [frame.head(len(cells) // 2), frame.tail(len(cells) - len(cells) // 2)]
    target = tmp_path / "out.csv"
    given = [f.with_columns(pl.col("error_message").cast(pl.Categorical)) if coded else f for f in frames]
    for _ in write_frames(iter(given), target, columns):
        pass
    assert target.read_bytes() == _csv_module_text(frames, columns)
