"""The JSON Lines stage of ``dialoglaw check``, read by Arrow against read by ``json``.

Before the columnar engine decides a batch of JSON Lines, each line becomes a flat row:
``json.loads`` and :func:`dialoglaw.io.flat.exact_flat_row` line by line and a text
frame (the baseline), or Arrow's JSON reader and polars
(:func:`dialoglaw.io.arrow_json.arrow_flat_rows`). This script times both on the
benchmark's list, in the same run, and checks every row Arrow vouches for against
``exact_flat_row``.

    .venv/bin/python benchmarks/arrow_jsonl.py --size 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import polars as pl

sys.path[:0] = [str(Path(__file__).resolve().parent)]

import data  # noqa: E402

from dialoglaw.columnar import _exact_rows_frame  # noqa: E402
from dialoglaw.io.arrow_json import arrow_flat_rows  # noqa: E402
from dialoglaw.io.files import _joined_values  # noqa: E402
from dialoglaw.io.flat import exact_flat_row  # noqa: E402

AT = datetime.fromisoformat("2026-11-23T10:00:00+01:00")


def python_rows(lines: list[str]) -> pl.DataFrame:
    """The stage as it was: the values of 256 lines at a time from one ``json.loads``
    (as ``dialoglaw.io.read_contacts`` reads them), their exact flat rows, a frame."""
    rows: list[dict[str, str] | None] = []
    for start in range(0, len(lines), 256):
        chunk = lines[start : start + 256]
        values = _joined_values(chunk) or [json.loads(line) for line in chunk]
        rows.extend(exact_flat_row(value, AT) for value in values)
    return _exact_rows_frame(pl, [row or {} for row in rows])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=6144)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    lines = [line + "\n" for line in data.nested_lines(data.flat_frame(args.size))]
    batches = [lines[i : i + args.batch] for i in range(0, len(lines), args.batch)]

    times: dict[str, list[float]] = {"arrow": [], "json": []}
    for _ in range(args.repeats):  # alternating, so that both see the same machine
        for name, read in (("arrow", arrow_flat_rows), ("json", python_rows)):
            start = time.perf_counter()
            for batch in batches:
                read(batch)
            times[name].append(time.perf_counter() - start)

    vouched = differ = 0
    for batch in batches:
        result = arrow_flat_rows(batch)
        if result is None:
            continue
        cells, indexes = result
        for index, row in zip(indexes, cells.iter_rows(named=True), strict=True):
            vouched += 1
            mine = {k: v for k, v in row.items() if v is not None}
            if mine != exact_flat_row(json.loads(batch[index]), AT):
                differ += 1
                print("differs:", batch[index][:300], mine, sep="\n  ")
    arrow_s, json_s = (statistics.median(times[k]) for k in ("arrow", "json"))
    n = len(lines)
    print(f"{n:,} contacts in batches of {args.batch:,}, median of {args.repeats} alternating runs")
    print(
        f"  Arrow's JSON reader + polars:             {arrow_s:.3f} s  ({arrow_s / n * 1e6:.1f} µs a contact)"
    )
    print(
        f"  json.loads + exact_flat_row + frame:      {json_s:.3f} s  ({json_s / n * 1e6:.1f} µs a contact)"
    )
    print(f"  ratio: {json_s / arrow_s:.2f}x")
    print(f"  rows vouched for: {vouched:,} of {n:,}; differing from exact_flat_row: {differ}")
    if differ:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
