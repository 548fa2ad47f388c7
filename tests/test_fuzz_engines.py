"""The fuzzing campaigns of ``tests/fuzz_engines.py`` keep working: a few small seeds of
each, which must find the columnar and per-object engines equal (the campaigns run for
minutes or hours by hand; see docs/performance.md)."""

from __future__ import annotations

import pytest

pytest.importorskip("polars")

from tests.fuzz_engines import CAMPAIGNS


@pytest.mark.parametrize("campaign", sorted(CAMPAIGNS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_few_small_seeds_of_each_fuzzing_campaign_find_both_engines_equal(campaign: str, seed: int) -> None:
    assert CAMPAIGNS[campaign](seed, 300) is None
