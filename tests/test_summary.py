"""The summary counts every row once, however its counts arrive.

``Summary.count_pattern`` (the columnar engine's way of counting one fact pattern for many
rows) defers the adding; whatever is read must equal adding each row at once.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialoglaw
from dialoglaw.batch import BatchResult, decide_many
from dialoglaw.io import read_contacts
from dialoglaw.summary import _PENDING_LIMIT, Summary

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Berlin"))
MESSAGE = dialoglaw.Message.model_validate(json.loads((ROOT / "examples" / "message.json").read_text()))
RESULTS: list[BatchResult] = list(
    decide_many(
        [
            *read_contacts(ROOT / "examples" / "contacts.jsonl"),
            {"id": "bad-audience", "audience": "alien"},
            {"id": "bad-email", "email": "not an address"},
        ],
        MESSAGE,
        at=AT,
    )
)
assert sum(r.error is not None for r in RESULTS) == 2 < len(RESULTS)
PATTERNS = [Summary() for _ in RESULTS]
for _pattern, _result in zip(PATTERNS, RESULTS, strict=True):
    _pattern.add(_result)


def _view(summary: Summary) -> tuple[object, ...]:
    return (summary.to_dict(), summary.render(), dict(summary.status), list(summary.channels))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["add", "pattern", "merge", "read"]),
            st.integers(0, len(RESULTS) - 1),
            st.integers(1, 5),
        ),
        max_size=40,
    )
)
def test_deferred_pattern_counts_read_as_if_each_row_were_added_at_once(
    steps: list[tuple[str, int, int]],
) -> None:
    deferred, eager = Summary(), Summary()
    for op, i, times in steps:
        if op == "read":
            assert _view(deferred) == _view(eager)
            continue
        if op == "add":
            deferred.add(RESULTS[i], times)
        elif op == "pattern":
            deferred.count_pattern(PATTERNS[i], times)
        else:
            deferred.merge(PATTERNS[i], times)
        eager.add(RESULTS[i], times)
    assert _view(deferred) == _view(eager)
    assert deferred.read == sum(t for op, _, t in steps if op != "read")


def test_pending_pattern_counts_stay_bounded_without_reads() -> None:
    summary = Summary()
    for _ in range(_PENDING_LIMIT + 100):
        pattern = Summary()  # a new pattern each time, as with many distinct patterns
        pattern.add(RESULTS[0])
        summary.count_pattern(pattern, 2)
    assert len(summary._pending) <= _PENDING_LIMIT
    assert summary.read == 2 * (_PENDING_LIMIT + 100)


@pytest.mark.parametrize("name", ["read", "errors", "error_codes", "status", "reasons", "channels"])
def test_each_count_read_first_includes_the_deferred_pattern_counts(name: str) -> None:
    deferred, eager = Summary(), Summary()
    for i, (pattern, result) in enumerate(zip(PATTERNS, RESULTS, strict=True)):
        deferred.count_pattern(pattern, i + 1)
        eager.add(result, i + 1)
    assert getattr(deferred, name) == getattr(eager, name)
