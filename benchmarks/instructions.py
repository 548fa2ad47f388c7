"""Instructions per warm columnar batch, counted by callgrind: figures a busy machine
does not move.

On a shared machine the wall clock of one batch varies by a tenth or more from minute to
minute (other guests take the CPU: ``top`` shows it as "st"), which hides changes of a
few per cent. Valgrind's callgrind counts the instructions a process executes instead,
the same in every run. Run from the repository root (needs ``valgrind`` on the PATH and
the ``test`` extra; a batch of 65,536 rows takes a few minutes under callgrind)::

    .venv/bin/python benchmarks/instructions.py                  # 65,536 rows; 1, 2, 7 chunks
    .venv/bin/python benchmarks/instructions.py --rows 8192 --chunks 1,3

Each layout is a Parquet file of the benchmark list (``benchmarks/data.py``) written in
row groups that polars reads as that many chunks per column. A child process decides
the batch once and three times with one engine, under callgrind with one polars thread
(``POLARS_MAX_THREADS=1``: the count is then the same in every run); the difference,
halved, is what a batch costs once its fact patterns are known, without the start-up,
reading and learning the two runs share. Baselines from the same run: the contiguous
batch (one chunk), and the naive filter ("has an e-mail opt-in and no opt-out", a
count) over the same batch, counted the same way.

Instructions are not time: copying memory takes few instructions for many bytes, and
the count leaves out waiting for memory. The figure answers "did this change make the
engine do less work", not "how fast is it".
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import data as bench_data  # noqa: E402

_SUMMARY = re.compile(rb"^(?:summary|totals): (\d+)", re.MULTILINE)


def _child(mode: str, repeats: int, path: str) -> None:
    """Decide (or filter naively) the batch in ``path`` ``repeats`` times."""
    import polars as pl  # noqa: PLC0415
    from run import AT, MESSAGE  # noqa: PLC0415 - the send time and message of every measure

    from dialoglaw.columnar import ColumnarEngine  # noqa: PLC0415

    frame = pl.read_parquet(path)
    if mode == "naive":
        for _ in range(repeats):
            frame.filter(bench_data.naive_permitted()).select(pl.len())
        return
    engine = ColumnarEngine(MESSAGE, at=AT)
    for _ in range(repeats):
        engine.decide_batch(frame)


def _count(mode: str, repeats: int, path: Path, out: Path) -> int:
    """Instructions of a child process deciding ``path`` ``repeats`` times."""
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--child",
        mode,
        str(repeats),
        str(path),
    ]
    env = os.environ | {"POLARS_MAX_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603 - our own script
    found = _SUMMARY.search(out.read_bytes()) if out.exists() else None
    if done.returncode != 0 or found is None:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise SystemExit(f"callgrind run failed ({mode}, {repeats}, {path.name}):\n{tail}")
    return int(found.group(1))


def _per_batch(mode: str, path: Path, tmp: Path) -> float:
    """Millions of instructions of one warm batch: (three runs - one run) / 2."""
    with ThreadPoolExecutor(2) as pool:  # the two counts run side by side, one per core
        once, thrice = pool.map(lambda n: _count(mode, n, path, tmp / f"{path.stem}.{mode}.{n}.out"), (1, 3))
    return (thrice - once) / 2 / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=65_536, help="rows of the batch")
    parser.add_argument("--chunks", default="1,2,7", help="comma-separated chunk counts per column")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]), args.child[2])
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("benchmarks/instructions.py needs valgrind on the PATH (apt install valgrind)")
    try:
        chunks = sorted({int(c) for c in args.chunks.split(",")} | {1})
    except ValueError:
        raise SystemExit(f"--chunks must be comma-separated whole numbers, not {args.chunks!r}") from None
    if min(chunks) < 1 or args.rows < max(chunks):
        raise SystemExit("--chunks must be positive and --rows at least the largest of them")
    import polars as pl  # noqa: PLC0415

    frame = bench_data.flat_frame(args.rows)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        files = {}
        for k in chunks:
            files[k] = tmp / f"batch_{k}.parquet"
            frame.write_parquet(files[k], row_group_size=-(-args.rows // k))
            got = pl.read_parquet(files[k]).n_chunks()
            if got != k:
                raise SystemExit(f"{args.rows} rows cannot be written as {k} chunks (polars reads {got})")
        print(f"warm batch of {args.rows:,} rows, callgrind, POLARS_MAX_THREADS=1; millions of instructions")
        naive = _per_batch("naive", files[1], tmp)
        figures = {k: _per_batch("decide", files[k], tmp) for k in chunks}
    print(f"{'layout':<28} {'M instr.':>10}  {'vs 1 chunk':>10}  {'vs naive filter':>15}")
    for k, value in figures.items():
        layout = "1 chunk (contiguous)" if k == 1 else f"{k} chunks per column"
        print(f"{layout:<28} {value:>10,.1f}  {value / figures[1]:>9.3f}×  {value / naive:>14,.0f}×")
    print(f"{'naive filter, 1 chunk':<28} {naive:>10,.1f}")


if __name__ == "__main__":
    main()
