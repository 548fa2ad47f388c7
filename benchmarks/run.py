"""dialoglaw benchmarks: figures printed next to baselines measured in the same run.

Run from the repository root (with the ``test`` extra, which brings pyarrow and polars)::

    .venv/bin/python benchmarks/run.py                 # 10k contacts, 3 repeats
    .venv/bin/python benchmarks/run.py --sizes 10000,100000 --repeats 5

Data: synthetic contacts from ``examples/generate.py`` (fixed seed), repeated with new ids
up to each size and written once as JSON Lines (nested model) and Parquet (flat layout).
Every figure is the median of ``--repeats`` runs and is printed with its ratio to the
baseline it is compared with, measured in the same process. The runs of a figure
alternate with its main baseline's (baseline, figure, baseline, figure, ...) and the
baseline printed is the median of those runs, so that the machine's drift within a run
(this shared machine's speed changes between minutes) falls on both sides of a ratio.
Three baselines are measured once instead: the count-only naive filter (a second
baseline of the columnar and ``decide_arrow`` rows), the pydantic baseline of the
per-object batch (the single decision's), and the per-object engine as the JSON Lines
check's second baseline:

* single decision (µs, median over 5000 calls) — baseline: pydantic validation of the same
  contact without normalisation (``model_validate`` of a plain mirror model);
* per-object batch (contacts/s, already-validated contacts) — baseline: the same;
* JSONL end to end with the per-object engine (read, validate with normalisation, decide,
  write JSONL) — baseline: ``json.loads`` of every line;
* ``dialoglaw check`` on the same JSON Lines file with the columnar engine (its default),
  in a child process, with its peak memory — baselines: ``json.loads`` and the per-object
  engine;
* Parquet end to end, per-object engine (flat layout in, decisions out) — baseline: a
  polars filter for the naive "has an e-mail opt-in and no opt-out" rule over the file;
* columnar engine, Parquet in and decisions out, in batches (the path ``dialoglaw check``
  takes), run in a child process so that its peak memory is its own — baselines: the
  naive filter, counting only and writing its result; and the same list with typed
  timestamps and birth dates (as a warehouse export holds them), and with its phone
  numbers written as people write them (``030 …``, ``030/…``, ``+49 30 …``);
* ``ColumnarEngine.decide_arrow`` over the Parquet list in Arrow batches of 10,000 rows
  (what Spark's ``mapInArrow`` hands over) — baselines: the same with each batch decided
  alone, and the naive filter;
* ``dialoglaw check`` on the same list as CSV, in a child process, with its peak
  memory — baseline: the naive filter over the CSV file, writing its result;
* ``decide_frame`` on a notebook's sample, the first 1,000 rows of the list (almost
  every row its own fact pattern), a new engine each call — baseline: the same call
  with ``engine="per-object"``.

Data: ``benchmarks/data.py`` (the example list repeated with new people and jittered
times, fixed seed). The per-object measures run only up to ``--per-object-max`` contacts
(default 100,000): at a few thousand contacts a second, 10 million would take hours.

Timings are not asserted anywhere: they depend on the machine. ``docs/performance.md``
records a run with the machine it came from.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import generate as example_data  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import data as bench_data  # noqa: E402

import dialoglaw  # noqa: E402
from dialoglaw.batch import decide_many  # noqa: E402
from dialoglaw.io import read_contacts, write_results  # noqa: E402

NO_NORM = "pydantic validate, no normalisation"
AT = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Berlin"))
MESSAGE = dialoglaw.Message.model_validate(json.loads((ROOT / "examples" / "message.json").read_text()))


class _Loose(BaseModel):
    """Mirror of the nested contact without normalisation or checks (the baseline)."""

    model_config = ConfigDict(extra="allow")
    id: str
    audience: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    consents: list[dict[str, Any]] = []
    objections: list[dict[str, Any]] = []


def _contacts(size: int, base: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for i in range(size):
        row = dict(base[i % len(base)])
        row["id"] = f"{row['id']}-{i}"
        yield row


def _median(fn: Callable[[], float], repeats: int) -> float:
    values = []
    for _ in range(repeats):
        gc.collect()
        values.append(fn())
    return statistics.median(values)


def _alternating(
    subject: Callable[[], float], baseline: Callable[[], float], repeats: int
) -> tuple[float, float]:
    """Medians of ``repeats`` runs of ``subject`` and of ``baseline``, run alternately
    (the baseline first)."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(repeats):
        gc.collect()
        theirs.append(baseline())
        gc.collect()
        ours.append(subject())
    return statistics.median(ours), statistics.median(theirs)


def _rate(n: int, fn: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        fn()
        return n / (time.perf_counter() - start)

    return run


def _drain(it: Iterator[Any] | Any) -> None:
    for _ in it:
        pass


Row = tuple[str, str, float, str, float]


def _measure(
    size: int, base: list[dict[str, Any]], repeats: int, base_us: float, per_object_max: int
) -> list[Row]:
    import polars as pl  # noqa: PLC0415

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "contacts.jsonl"
        parquet = Path(tmp) / "contacts.parquet"
        out = Path(tmp) / "out.jsonl"
        out_pq = Path(tmp) / "out.parquet"
        frame = bench_data.flat_frame(size)
        frame.write_parquet(parquet, row_group_size=65_536)

        def naive() -> object:
            query = pl.scan_parquet(parquet).filter(bench_data.naive_permitted())
            return query.select(pl.len()).collect()

        def naive_write() -> object:
            permitted = bench_data.naive_permitted()
            pl.scan_parquet(parquet).select("id", permitted.alias("email_permitted")).sink_parquet(out_pq)
            return None

        sql = _median(_rate(size, naive), repeats)

        if size <= per_object_max:
            validated = [dialoglaw.Contact.model_validate(c) for c in _contacts(min(size, 20000), base)]
            m = len(validated)
            per_object = _median(_rate(m, lambda: _drain(decide_many(validated, MESSAGE, at=AT))), repeats)
            rows.append(
                (f"per-object batch, {m:,} validated", "contacts/s", per_object, NO_NORM, 1e6 / base_us)
            )
            validated.clear()
            lines = bench_data.nested_lines(frame)
            jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
            loads_run = _rate(size, lambda: [json.loads(line) for line in lines])

            def jsonl_run() -> None:
                _drain(write_results(decide_many(read_contacts(jsonl), MESSAGE, at=AT), out))

            e2e, loads = _alternating(_rate(size, jsonl_run), loads_run, repeats)
            rows.append((f"JSONL per-object, {size:,}", "contacts/s", e2e, "json.loads per line", loads))
            _, jsonl_mb = _child("--check-child", jsonl, out, "per-object")
            rows.append((f"JSONL per-object peak RSS, {size:,}", "MB", jsonl_mb, "(child process)", jsonl_mb))
            # 'dialoglaw check' on the same file: the columnar engine (its default)
            col_peaks: list[float] = []
            jsonl_col, loads = _alternating(
                _child_rate(size, col_peaks, "--check-child", jsonl, out, "columnar"), loads_run, repeats
            )
            lines.clear()
            rows.append(
                (f"JSONL columnar check, {size:,}", "contacts/s", jsonl_col, "json.loads per line", loads)
            )
            rows.append((f"JSONL columnar check, {size:,}", "contacts/s", jsonl_col, "JSONL per-object", e2e))
            col_mb = max(col_peaks)
            rows.append((f"JSONL columnar peak RSS, {size:,}", "MB", col_mb, "(child process)", col_mb))

            def parquet_run() -> None:
                _drain(write_results(decide_many(read_contacts(parquet), MESSAGE, at=AT), out_pq))

            e2e_pq, naive_rate = _alternating(_rate(size, parquet_run), _rate(size, naive), repeats)
            rows.append(
                (f"Parquet per-object, {size:,}", "contacts/s", e2e_pq, "polars naive filter", naive_rate)
            )
        del frame

        naive_write_run = _rate(size, naive_write)
        peaks: list[float] = []
        rate, written_rate = _alternating(
            _child_rate(size, peaks, "--columnar-child", parquet, out_pq), naive_write_run, repeats
        )
        peak = max(peaks)
        rows.append((f"columnar, Parquet in+out, {size:,}", "contacts/s", rate, "polars naive filter", sql))
        rows.append(
            (f"columnar, Parquet in+out, {size:,}", "contacts/s", rate, "naive filter + write", written_rate)
        )
        rows.append((f"columnar peak RSS, {size:,}", "MB", peak, "(child process)", peak))
        # decide_arrow over Arrow batches of 10,000 rows, as Spark's mapInArrow hands them over:
        # batches decided together (its default) against each batch decided alone
        spark_rate, alone_rate = _alternating(
            _child_rate(size, [], "--arrow-child", parquet, 65_536),
            _child_rate(size, [], "--arrow-child", parquet, 10_000),
            repeats,
        )
        rows.append(
            (
                f"decide_arrow, 10,000-row batches, {size:,}",
                "contacts/s",
                spark_rate,
                "each batch alone",
                alone_rate,
            )
        )
        rows.append(
            (
                f"decide_arrow, 10,000-row batches, {size:,}",
                "contacts/s",
                spark_rate,
                "polars naive filter",
                sql,
            )
        )
        # the same list with typed timestamps and birth dates, as a warehouse export holds them
        typed = Path(tmp) / "typed.parquet"
        pl.scan_parquet(parquet).with_columns(
            pl.col(c).str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_zone="UTC")
            for c in pl.scan_parquet(parquet).collect_schema().names()
            if c.endswith("_at")
        ).with_columns(pl.col("birth_date").str.to_date("%Y-%m-%d")).sink_parquet(
            typed, row_group_size=65_536
        )
        rate, written_rate = _alternating(
            _child_rate(size, [], "--columnar-child", typed, out_pq), naive_write_run, repeats
        )
        rows.append(
            (f"columnar, typed Parquet, {size:,}", "contacts/s", rate, "naive filter + write", written_rate)
        )
        # the same list with numbers written as people write them (030 …, 030/…, +49 30 …)
        written = Path(tmp) / "written.parquet"
        bench_data.formatted_numbers(pl.scan_parquet(parquet)).sink_parquet(written, row_group_size=65_536)
        rate, written_rate = _alternating(
            _child_rate(size, [], "--columnar-child", written, out_pq), naive_write_run, repeats
        )
        rows.append(
            (
                f"columnar, numbers as written, {size:,}",
                "contacts/s",
                rate,
                "naive filter + write",
                written_rate,
            )
        )
        # 'dialoglaw check' on the same list as CSV (the README's format), decisions to Parquet
        flat_csv = Path(tmp) / "contacts.csv"
        pl.scan_parquet(parquet).sink_csv(flat_csv)

        def naive_csv() -> object:
            permitted = bench_data.naive_permitted()
            query = pl.scan_csv(flat_csv, infer_schema=False).select("id", permitted.alias("email_permitted"))
            query.sink_parquet(out_pq)
            return None

        csv_peaks: list[float] = []
        rate, csv_naive = _alternating(
            _child_rate(size, csv_peaks, "--check-child", flat_csv, out_pq, "columnar"),
            _rate(size, naive_csv),
            repeats,
        )
        rows.append(
            (
                f"CSV columnar check, {size:,}",
                "contacts/s",
                rate,
                "naive filter on the CSV + write",
                csv_naive,
            )
        )
        peak = max(csv_peaks)
        rows.append((f"CSV columnar peak RSS, {size:,}", "MB", peak, "(child process)", peak))
    return rows


def _child_rate(size: int, peaks: list[float], mode: str, *args: object) -> Callable[[], float]:
    """A run of :func:`_child` as a rate of ``size`` contacts a second; each run's peak
    memory is added to ``peaks``."""

    def run() -> float:
        seconds, mb = _child(mode, *args)
        peaks.append(mb)
        return size / seconds

    return run


def _child(mode: str, *args: object) -> tuple[float, float]:
    """Run one job in a fresh process; its time and peak RSS. A ``dialoglaw check`` job
    runs with the environment the command sets for itself (its allocator setting)."""
    import subprocess  # noqa: PLC0415

    from dialoglaw.cli import console_environment  # noqa: PLC0415

    env = {**os.environ, **console_environment()} if mode == "--check-child" else None
    done = subprocess.run(  # noqa: S603 - this script, with paths it made
        [sys.executable, __file__, mode, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    seconds, mb = done.stdout.split()[-2:]
    return float(seconds), float(mb)


def _run_check(source: str, target: str, engine: str) -> None:
    """``dialoglaw check`` on a JSON Lines file with one engine (streaming)."""
    from dialoglaw.cli import main as cli  # noqa: PLC0415

    start = time.perf_counter()
    argv = ["check", source, "--message", str(ROOT / "examples" / "message.json"), "--at", AT.isoformat()]
    with open(os.devnull, "w") as sink:
        cli([*argv, "--out", target, "--quiet", "--engine", engine], out=sink)
    seconds = time.perf_counter() - start
    print(seconds, _peak_mb())


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: on Linux a child
    started by fork and exec inherits its parent's high-water mark in ru_maxrss."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _run_columnar(source: str, target: str) -> None:
    """The columnar engine over a Parquet file, read and written as ``dialoglaw check``
    reads and writes it (verdicts dictionary-encoded for the Parquet output)."""
    from dialoglaw.columnar import ColumnarEngine  # noqa: PLC0415
    from dialoglaw.io import read_flat_parquet_batches, write_frames  # noqa: PLC0415

    start = time.perf_counter()
    engine = ColumnarEngine(MESSAGE, at=AT, categorical=True)
    batches = read_flat_parquet_batches(source, 65_536)
    _drain(write_frames((engine.decide_batch(b) for b in batches), target, engine.columns))
    seconds = time.perf_counter() - start
    print(seconds, _peak_mb())


def _run_arrow(source: str, batch_size: str) -> None:
    """``ColumnarEngine.decide_arrow`` over the file's rows in Arrow batches of 10,000 (as
    Spark hands them over), deciding up to ``batch_size`` rows together; no output file."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    from dialoglaw.columnar import ColumnarEngine  # noqa: PLC0415

    start = time.perf_counter()
    engine = ColumnarEngine(MESSAGE, at=AT)
    batches = pq.ParquetFile(source, pre_buffer=False).iter_batches(batch_size=10_000)
    _drain(engine.decide_arrow(batches, batch_size=int(batch_size)))
    seconds = time.perf_counter() - start
    print(seconds, _peak_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated contact counts")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-object-max", type=int, default=100_000)
    parser.add_argument("--columnar-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--check-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--arrow-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arrow_child:
        _run_arrow(*args.arrow_child)
        return
    if args.columnar_child:
        _run_columnar(*args.columnar_child)
        return
    if args.check_child:
        _run_check(*args.check_child)
        return
    base = example_data.generate(3000)
    print(
        f"dialoglaw {dialoglaw.__version__} · Python {platform.python_version()} · {platform.machine()} · "
        f"{platform.processor() or 'cpu'} · one process"
    )
    rows: list[Row] = []

    # Single decision vs pydantic validation without normalisation.
    contacts = [dialoglaw.Contact.model_validate(c) for c in base[:500]]
    raw = base[:500]
    n = 5000

    def single() -> float:
        start = time.perf_counter()
        for i in range(n):
            dialoglaw.decide(contacts[i % 500], MESSAGE, at=AT)
        return (time.perf_counter() - start) / n * 1e6

    def loose() -> float:
        start = time.perf_counter()
        for i in range(n):
            _Loose.model_validate(raw[i % 500])
        return (time.perf_counter() - start) / n * 1e6

    dec_us, base_us = _alternating(single, loose, args.repeats)
    rows.append(
        ("single decision (8 channels)", "µs", dec_us, "pydantic validate, no normalisation", base_us)
    )

    # The same, every result kept in a list (a notebook's [decide(c, ...) for c in ...]):
    # the garbage collector then walks the kept models again and again.
    def single_kept() -> float:
        start = time.perf_counter()
        kept = [dialoglaw.decide(contacts[i % 500], MESSAGE, at=AT) for i in range(n)]
        elapsed = time.perf_counter() - start
        del kept
        return elapsed / n * 1e6

    def loose_kept() -> float:
        start = time.perf_counter()
        kept = [_Loose.model_validate(raw[i % 500]) for i in range(n)]
        elapsed = time.perf_counter() - start
        del kept
        return elapsed / n * 1e6

    kept_us, kept_base_us = _alternating(single_kept, loose_kept, args.repeats)
    rows.append(
        ("single decision, results kept", "µs", kept_us, "pydantic validate, results kept", kept_base_us)
    )

    # A notebook's sample: decide_frame on 1,000 rows, each call with a new engine (so it
    # learns every fact pattern anew), against the per-object engine on the same frame.
    sample = bench_data.flat_frame(1000)
    frame_rate, per_object_rate = _alternating(
        _rate(sample.height, lambda: dialoglaw.decide_frame(sample, MESSAGE, at=AT)),
        _rate(sample.height, lambda: dialoglaw.decide_frame(sample, MESSAGE, at=AT, engine="per-object")),
        args.repeats,
    )
    rows.append(
        (
            "decide_frame, 1,000-row sample",
            "contacts/s",
            frame_rate,
            "decide_frame, per-object",
            per_object_rate,
        )
    )

    for size in (int(s) for s in args.sizes.split(",")):
        rows.extend(_measure(size, base, args.repeats, base_us, args.per_object_max))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12} {'unit':<11} {'baseline':<37} {'value':>12}  ratio")
    for name, unit, value, base_name, base_value in rows:
        ratio = base_value / value if unit in ("µs", "MB") else value / base_value
        print(
            f"{name:<{width}}  {value:>12,.1f} {unit:<11} {base_name:<37} {base_value:>12,.1f}  {ratio:6.3f}×"
        )
    print(f"peak RSS of this process: {peak_mb:,.0f} MB")
    print("ratio: dialoglaw relative to the baseline (1.0 = as fast; for µs, baseline time / dialoglaw time)")


if __name__ == "__main__":
    main()
