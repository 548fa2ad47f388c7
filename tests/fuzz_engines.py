"""Fuzzing campaigns: the columnar engine against the per-object engine, for as long as
you let them run.

    .venv/bin/python -m tests.fuzz_engines flat --minutes 30 --seed 1000
    .venv/bin/python -m tests.fuzz_engines nested --minutes 30 --seed 5000
    .venv/bin/python -m tests.fuzz_engines typed --minutes 30 --seed 9000

Each seed draws a list (random rows of ``tests/flat_rows.py``; for ``nested``, contacts in
the nested model with the mutations of ``tests/test_columnar_nested.py``; for ``typed``,
frames with typed timestamps in other zones and units, typed birth dates, categorical
and integer columns, dropped and shuffled columns) together with a random policy, message,
send time, channel subset, batch size and (for ``nested``) suppression list, and decides
it with both engines. Every output column of every row and the summary must be equal; a
seed that differs is printed with its settings and the first differing row. The test
suite runs a few small seeds of each campaign (``tests/test_fuzz_engines.py``); the
campaigns themselves are run by hand, and their results are recorded in
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
import traceback
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from dialoglaw import Channel, Message, Policy, decide_frame
from dialoglaw.batch import decide_many
from dialoglaw.columnar import ColumnarEngine
from dialoglaw.io import result_record
from dialoglaw.privacy import SuppressionList
from dialoglaw.registry import rulebook_for
from dialoglaw.summary import Summary
from tests.flat_rows import AT, SENDER, random_rows
from tests.test_columnar import MESSAGE, _frame, _reference, _summary, _typed_stamps
from tests.test_columnar_nested import _mutated, _nested

# Send times: today, later, before the 2022 renumbering, the renumbering day and the
# second before it, the day § 7a UWG came into force, the 2009 amendment, a day back.
TIMES = (
    AT,
    AT + timedelta(days=400),
    datetime(2015, 6, 1, 9, tzinfo=AT.tzinfo),
    datetime(2022, 5, 28, 0, 0, tzinfo=AT.tzinfo),
    datetime(2022, 5, 27, 23, 59, 59, tzinfo=AT.tzinfo),
    datetime(2021, 10, 1, 0, 0, tzinfo=AT.tzinfo),
    datetime(2009, 8, 4, 0, 0, tzinfo=AT.tzinfo),
    AT - timedelta(days=1, seconds=1),
)


def _send_time(rng: random.Random) -> datetime:
    # Half the seeds at the time the rows are drawn around, with dates exactly at it and a
    # microsecond or a second beside it.
    return AT if rng.random() < 0.5 else rng.choice(TIMES)


def random_policy(rng: random.Random) -> Policy:
    """A policy with a random choice of every setting (most left at their defaults)."""
    questions = sorted(rulebook_for("DE").questions)
    kw: dict[str, Any] = {}
    if rng.random() < 0.5:
        kw["unknown_audience"] = rng.choice(["consumer", "business"])
    if rng.random() < 0.4:
        kw["require_confirmed_opt_in"] = frozenset(rng.sample(list(Channel), rng.randint(0, 4)))
    if rng.random() < 0.3:
        kw["similarity_groups"] = (frozenset({"coffee", "tea"}),)
    if rng.random() < 0.6:
        chosen = rng.sample(questions, rng.randint(1, 5))
        kw["unsettled"] = {q: rng.choice(["permit", "suppress", "review"]) for q in chosen}
    if rng.random() < 0.3:
        kw["honour_robinson_list"] = False
    if rng.random() < 0.4:
        kw["stale_consent_after_days"] = rng.choice([1, 30, 365, 730, 1826])
    if rng.random() < 0.3:
        kw["partner_list_max_senders"] = rng.choice([1, 2, 5, 20])
    return Policy(**kw)


def random_message(rng: random.Random, base: Message) -> Message:
    """``base`` with some of its facts changed: purpose, topic, sender, opt-out address."""
    update: dict[str, Any] = {}
    if rng.random() < 0.3:
        update["purpose"] = rng.choice(["transactional", "feedback_request", "mixed", "advertising"])
    if rng.random() < 0.2:
        update["topic"] = rng.choice([None, "tea", "coffee", "cars"])
    if rng.random() < 0.2:
        update["own_products"] = rng.choice([None, False, True])
    if rng.random() < 0.2:
        update["sender"] = rng.choice(["Other AG", "acme kaffee gmbh", SENDER])
    if rng.random() < 0.15:
        update["sender_identified"] = rng.choice([None, False])
    if rng.random() < 0.15:
        update["valid_opt_out_address"] = False
    return Message.model_validate({**base.model_dump(), **update})


def _channels(rng: random.Random) -> tuple[Channel, ...]:
    return tuple(Channel) if rng.random() < 0.7 else tuple(rng.sample(list(Channel), rng.randint(1, 7)))


_NUDGES = (
    timedelta(microseconds=1),
    timedelta(seconds=1),
    timedelta(days=1),
    timedelta(days=365),
    timedelta(microseconds=-1),
    timedelta(seconds=-1),
    timedelta(days=-1),
    timedelta(days=-365),
)


def _nudged(rng: random.Random, column: str, value: Any, rows: list[dict[str, Any]]) -> Any:
    """``value`` moved a little: an ISO instant by a microsecond, a second, a day or a
    year; a birth date by a day or a year; any other cell replaced by the column's cell of
    another row (or removed)."""
    if isinstance(value, str) and column.endswith("_at"):
        with contextlib.suppress(ValueError):
            instant = datetime.fromisoformat(value)
            if instant.tzinfo is not None:
                return (instant + rng.choice(_NUDGES)).isoformat()
    if isinstance(value, str) and column == "birth_date":
        with contextlib.suppress(ValueError, OverflowError):
            day = date.fromisoformat(value)
            return (day + timedelta(days=rng.choice([1, -1, 365, -365]))).isoformat()
    return rng.choice(rows)[column] if rng.random() < 0.9 else None


def with_twins(rng: random.Random, rows: list[dict[str, Any]], share: float) -> list[dict[str, Any]]:
    """``rows`` with, right after a share of them, a twin that differs in one cell only.
    Copies of a row share its facts, so only rows that differ in one fact can show the
    projection merging two facts into one pattern (a wrong age, say): the twin and its
    original then get each other's verdicts."""
    out: list[dict[str, Any]] = []
    for row in rows:
        out.append(row)
        present = [c for c, v in row.items() if v is not None and c != "id"]
        if present and rng.random() < share:
            dated = [c for c in present if c.endswith("_at") or c == "birth_date"]
            # Mostly a date: ages and the send time's edges are where patterns could merge.
            column = rng.choice(dated if dated and rng.random() < 0.6 else present)
            out.append({**row, "id": f"{row['id']}-twin", column: _nudged(rng, column, row[column], rows)})
    return out


def _first_difference(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> str | None:
    if len(got) != len(expected):
        return f"{len(got)} rows from the columnar engine, {len(expected)} from the per-object engine"
    for a, e in zip(got, expected, strict=True):
        if a != e:
            diff = {k: (a.get(k), e[k]) for k in e if a.get(k) != e[k]}
            return f"row {e['row']} differs (columnar, per-object): {diff}"
    return None


def flat(seed: int, max_rows: int) -> str | None:
    """Flat string rows (some with twins that differ in one cell), decided a slice at a
    time by one engine (patterns cached across slices)."""
    rng = random.Random(seed)  # noqa: S311 - test data
    n = min(rng.choice([500, 2000, 6000, 15000]), max_rows)
    distinct = rng.choice([None, max(n // 4, 1), max(n // 20, 1)])
    rows = random_rows(n, seed=seed, bad=rng.choice([0.0, 0.05, 0.2]), distinct=distinct)
    rows = with_twins(rng, rows, rng.choice([0.0, 0.3, 1.0]))
    n = len(rows)
    message, policy, at = random_message(rng, MESSAGE), random_policy(rng), _send_time(rng)
    channels, batch = _channels(rng), rng.choice([333, 1000, 4096, 65536])
    expected, summary = _reference(rows, message, channels=channels, at=at, policy=policy)
    engine = ColumnarEngine(message, at=at, policy=policy, channels=channels)
    frame = _frame(rows)
    parts = [engine.decide_batch(frame.slice(s, batch)) for s in range(0, n, batch)]
    found = _first_difference(pl.concat(parts).to_dicts(), expected)
    if found is None and _summary(engine.summary) != _summary(summary):
        found = "the summaries differ"
    settings = f"n={n} batch={batch} at={at} channels={channels} policy={policy!r} message={message!r}"
    return None if found is None else f"{settings}: {found}"


def nested(seed: int, max_rows: int) -> str | None:
    """Contacts in the nested model (JSON Lines), mutated into every shape the flat
    layout cannot hold, with a suppression list in some seeds."""
    rng = random.Random(seed)  # noqa: S311 - test data
    n = min(rng.choice([300, 1500, 5000]), max_rows)
    distinct = rng.choice([None, max(n // 4, 1), max(n // 20, 1)])
    items = _mutated(
        _nested(n, seed=seed, distinct=distinct), seed=seed + 1, share=rng.choice([0.0, 0.2, 0.5])
    )
    message, policy, at = random_message(rng, MESSAGE), random_policy(rng), _send_time(rng)
    channels, batch = _channels(rng), rng.choice([64, 1000, 12288])
    suppressions = None
    if rng.random() < 0.3:
        suppressions = SuppressionList(b"k" * 32)
        for item in items[:: rng.choice([3, 7, 11])]:
            if isinstance(item.get("email"), str):
                with contextlib.suppress(Exception):  # an invalid address cannot be listed
                    suppressions.add_email(
                        item["email"], channels=None if rng.random() < 0.5 else [Channel.EMAIL]
                    )
            if isinstance(item.get("mobile"), str):
                with contextlib.suppress(Exception):
                    suppressions.add_phone(item["mobile"], channels=[Channel.SMS])
    engine = ColumnarEngine(message, at=at, policy=policy, channels=channels, suppressions=suppressions)
    frames = list(engine.decide_nested(items, batch_size=batch))
    got = pl.concat(frames).to_dicts() if frames else []
    summary = Summary()
    results = decide_many(items, message, at=at, policy=policy, channels=channels, suppressions=suppressions)
    expected = [result_record(r, channels) for r in summary.track(results)]
    found = _first_difference(got, expected)
    if found is None and engine.summary.to_dict() != summary.to_dict():
        found = "the summaries differ"
    settings = (
        f"n={n} batch={batch} at={at} channels={channels} suppressions={suppressions is not None} "
        f"policy={policy!r} message={message!r}"
    )
    return None if found is None else f"{settings}: {found}"


def typed(seed: int, max_rows: int) -> str | None:
    """Frames as warehouses and pandas hand them over: typed timestamps (microseconds or
    nanoseconds; UTC, Berlin, New York or no zone), typed birth dates, categorical text,
    integer postal codes, columns dropped or reordered."""
    rng = random.Random(seed)  # noqa: S311 - test data
    n = min(rng.choice([400, 2000, 5000]), max_rows)
    rows = random_rows(n, seed=seed, bad=rng.choice([0.0, 0.05]), distinct=rng.choice([None, max(n // 5, 1)]))
    rows = with_twins(rng, rows, rng.choice([0.0, 0.3, 1.0]))
    n = len(rows)
    frame = _frame(rows)
    stamps = [c for c in frame.columns if c.endswith("_at")]
    if rng.random() < 0.6:
        frame = _typed_stamps(frame, rng.choice(["us", "ns"]))
        zone = rng.choice(["UTC", "Europe/Berlin", "America/New_York", None])
        frame = frame.with_columns(pl.col(c).dt.convert_time_zone(zone or "Europe/Berlin") for c in stamps)
        if zone is None:
            frame = frame.with_columns(pl.col(c).dt.replace_time_zone(None) for c in stamps)
        if rng.random() < 0.3:  # some typed stamps back to text, as polars writes them
            frame = frame.with_columns(pl.col(c).cast(pl.String) for c in rng.sample(stamps, 3))
    if rng.random() < 0.4:
        frame = frame.with_columns(pl.col("birth_date").str.to_date("%Y-%m-%d", strict=False))
    if rng.random() < 0.3:
        frame = frame.with_columns(pl.col("postal_code").cast(pl.Int64, strict=False))
    if rng.random() < 0.3:
        text = [
            c
            for c in ("audience", "country", "email", "phone", "postal_code")
            if frame.schema[c] == pl.String
        ]
        frame = frame.with_columns(
            pl.col(c).cast(pl.Categorical) for c in rng.sample(text, min(2, len(text)))
        )
    if rng.random() < 0.3:
        frame = frame.drop(rng.sample(frame.columns[1:], rng.randint(1, 15)))
    if rng.random() < 0.2:
        frame = frame.select(rng.sample(frame.columns, len(frame.columns)))
    message, policy, at = random_message(rng, MESSAGE), random_policy(rng), _send_time(rng)
    channels = _channels(rng)
    got = decide_frame(frame, message, at=at, policy=policy, channels=channels)
    expected, summary = _reference(frame.to_dicts(), message, channels=channels, at=at, policy=policy)
    found = _first_difference(got.frame.to_dicts(), expected)
    if found is None and _summary(got.summary) != _summary(summary):
        found = "the summaries differ"
    settings = (
        f"n={n} engine={got.engine} at={at} channels={channels} policy={policy!r} schema={dict(frame.schema)}"
    )
    return None if found is None else f"{settings}: {found}"


CAMPAIGNS: dict[str, Callable[[int, int], str | None]] = {"flat": flat, "nested": nested, "typed": typed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("campaign", choices=sorted(CAMPAIGNS))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0, help="the first seed; each next seed is one more")
    parser.add_argument("--max-rows", type=int, default=15_000, help="rows per seed at most")
    args = parser.parse_args()
    run = CAMPAIGNS[args.campaign]
    deadline = time.monotonic() + args.minutes * 60
    seed, checked, failed = args.seed, 0, 0
    while time.monotonic() < deadline:
        try:
            found = run(seed, args.max_rows)
        except Exception:  # a crash is a finding too, reported with its seed
            found = traceback.format_exc()
        if found is not None:
            failed += 1
            print(f"seed {seed}: {found}", flush=True)
        checked += 1
        seed += 1
    print(
        f"{args.campaign}: {checked} seeds ({args.seed}-{seed - 1}), {failed} with a difference", flush=True
    )


if __name__ == "__main__":
    main()
