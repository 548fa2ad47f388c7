"""``read_flat_parquet_batches`` reads a Parquet file for the columnar engine with polars'
own reader, a slice at a time: every row once, in file order, as the engine would read the
file's Arrow table; a name is a file's name, never a pattern; and a file it cannot read is
an :class:`~dialoglaw.InputError` naming it before any batch, and before
``dialoglaw check`` writes anything."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dialoglaw import InputError
from dialoglaw.io import read_flat_parquet_batches

ROOT = Path(__file__).resolve().parents[1]


def _table(n: int) -> pa.Table:
    return pa.table(
        {
            "id": [f"c{i}" for i in range(n)],
            "email": [None if i % 3 else f"p{i}@example.de" for i in range(n)],
            "email_consent_at": pa.array(
                [datetime(2025, 1, 1 + i % 28, tzinfo=UTC) if i % 2 else None for i in range(n)],
                pa.timestamp("us", tz="UTC"),
            ),
            "birth_date": pa.array([date(1990, 1, 1 + i % 28) for i in range(n)], pa.date32()),
        }
    )


def test_every_row_comes_once_in_file_order_across_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "contacts.parquet"
    table = _table(1000)
    pq.write_table(table, path, row_group_size=300)  # slices straddle the row groups
    frames = list(read_flat_parquet_batches(path, 256))
    assert [f.height for f in frames] == [256, 256, 256, 232]
    # the frames the engine would have made of pyarrow's table, typed columns included
    assert pl.concat(frames).equals(pl.from_arrow(pq.read_table(path)))


def test_a_file_without_rows_gives_no_batch(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    pq.write_table(_table(0), path)
    assert list(read_flat_parquet_batches(path)) == []


def test_a_name_with_glob_characters_is_that_file_not_a_pattern(tmp_path: Path) -> None:
    pq.write_table(_table(5), tmp_path / "campaign[1]*.parquet")
    pq.write_table(_table(7), tmp_path / "campaign1x.parquet")  # what the pattern would match
    frames = list(read_flat_parquet_batches(tmp_path / "campaign[1]*.parquet"))
    assert sum(f.height for f in frames) == 5


def _truncated(path: Path) -> None:
    pq.write_table(_table(100), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_text('{"id": "c1"}\n', encoding="utf-8"),  # not Parquet at all
        _truncated,
        lambda p: None,  # no such file
    ],
    ids=["text", "truncated", "missing"],
)
def test_a_file_that_is_not_readable_parquet_fails_at_the_call_naming_it(
    tmp_path: Path, make: object
) -> None:
    path = tmp_path / "contacts.parquet"
    make(path)  # type: ignore[operator]
    with pytest.raises(InputError) as info:
        read_flat_parquet_batches(path)  # not only at the first batch
    assert str(path) in str(info.value)
    assert "cannot be read as Parquet" in str(info.value)


@pytest.mark.parametrize("size", [0, -1, 1.5, "100"])
def test_a_batch_size_that_is_not_a_positive_integer_is_refused(tmp_path: Path, size: object) -> None:
    path = tmp_path / "contacts.parquet"
    pq.write_table(_table(3), path)
    with pytest.raises(InputError, match="batch_size"):
        read_flat_parquet_batches(path, size)  # type: ignore[arg-type]


def test_dialoglaw_check_names_a_file_that_is_not_parquet_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "campaign.parquet"
    source.write_text("id,email\nc1,a@example.de\n", encoding="utf-8")
    target = tmp_path / "decisions.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dialoglaw.cli",
            "check",
            str(source),
            "--message",
            str(ROOT / "examples" / "message.json"),
            "--at",
            "2026-11-23T10:00:00+01:00",
            "--out",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert f"{source}" in done.stderr and "cannot be read as Parquet" in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists()
