"""Synthetic campaign lists of any size for the benchmarks (fixed seed, vectorised).

The 3000 contacts of ``examples/campaign.csv`` (seeded generator, flat layout) are
repeated up to the wanted size. Every copy is another person: its own id, e-mail address,
phone and mobile numbers and consent ids, and every timestamp moved back by a random
number of seconds within an hour (seed 20261123), so that the dates of a list are not a
few thousand values repeated. The nested JSON Lines file holds the same contacts.
:func:`formatted_numbers` writes the numbers as people write them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261123


def flat_frame(size: int) -> pl.DataFrame:
    """``size`` contacts in the flat layout, every cell a string (as in a CSV file)."""
    from dialoglaw.io.flat import FLAT_CHANNELS  # noqa: PLC0415

    base = pl.read_csv(ROOT / "examples" / "campaign.csv", infer_schema=False)
    n = base.height
    index = pl.int_range(0, size, dtype=pl.Int64, eager=True)
    frame = base[(index % n).to_list()] if size <= n else base.select(pl.all().gather(index % n))
    jitter = pl.Series("jitter", (index * 2_654_435_761 + SEED) % 3_600)
    frame = frame.with_columns(pl.lit(jitter).alias("__jitter"), pl.lit(index).alias("__i"))
    dates = [c for c in frame.columns if c.endswith(("_at",)) and c != "__i"]
    num = pl.col("__i").cast(pl.String)
    frame = frame.with_columns(
        pl.concat_str(pl.lit("c"), num).alias("id"),
        pl.when(pl.col("email").is_not_null())
        .then(pl.concat_str(pl.lit("kunde"), num, pl.lit("@example.de")))
        .alias("email"),
        pl.when(pl.col("phone").is_not_null())
        .then(pl.concat_str(pl.lit("+4930"), (pl.col("__i") % 90_000_000 + 10_000_000).cast(pl.String)))
        .alias("phone"),
        pl.when(pl.col("mobile").is_not_null())
        .then(pl.concat_str(pl.lit("+49171"), (pl.col("__i") % 9_000_000 + 1_000_000).cast(pl.String)))
        .alias("mobile"),
        *(
            pl.when(pl.col(f"{c.value}_consent_id").is_not_null())
            .then(pl.concat_str(pl.lit("c"), num, pl.lit(f":{c.value}")))
            .alias(f"{c.value}_consent_id")
            for c in FLAT_CHANNELS
        ),
        *(
            pl.col(c)
            .str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_zone="UTC", strict=False)
            .sub(pl.duration(seconds=pl.col("__jitter")))
            .dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            .alias(c)
            for c in dates
        ),
    )
    return frame.drop("__jitter", "__i")


def naive_permitted() -> pl.Expr:
    """The naive rule users write instead of the law, the baseline of the columnar
    figures: an e-mail opt-in on file, not withdrawn, and no objection."""
    email_opt_in = pl.col("email_consent_at").is_not_null() & pl.col("email_withdrawn_at").is_null()
    return email_opt_in & pl.col("objection_at").is_null()


def nested_lines(frame: pl.DataFrame) -> list[str]:
    """The contacts of a flat frame as JSON Lines in the nested model."""
    from dialoglaw.io.flat import flat_to_nested  # noqa: PLC0415

    def default(value: Any) -> str:
        return str(value.isoformat())

    return [
        json.dumps(flat_to_nested(row), default=default, ensure_ascii=False)
        for row in frame.iter_rows(named=True)
    ]


def formatted_numbers(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The list with its phone and mobile numbers written as people write them, in three
    rows of four: ``030 12345678``, ``030/12345678``, ``+49 30 12345678`` (the fourth
    keeps ``+493012345678``). The generated numbers are ``+4930…`` and ``+49171…``."""
    row = pl.int_range(0, pl.len(), dtype=pl.Int64) % 4

    def written(column: str, area: int) -> pl.Expr:
        number = pl.col(column)
        prefix, rest = number.str.slice(3, area), number.str.slice(3 + area)
        return (
            pl.when(row == 0)
            .then(pl.concat_str(pl.lit("0"), prefix, pl.lit(" "), rest))
            .when(row == 1)
            .then(pl.concat_str(pl.lit("0"), prefix, pl.lit("/"), rest))
            .when(row == 2)
            .then(pl.concat_str(pl.lit("+49 "), prefix, pl.lit(" "), rest))
            .otherwise(number)
            .alias(column)
        )

    return frame.with_columns(written("phone", 2), written("mobile", 3))
