"""Validity windows: half-open ranges of German calendar days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialoglaw import BERLIN, DialoglawError, InputError, OutOfCoverageError, RulebookError, Validity
from dialoglaw.validity import VersionIssue, check_versions, german_date, pick

# The 2022-05-28 renumbering of § 7 Abs. 2 UWG: a window for the new wording.
RENUMBERED = Validity(date(2022, 5, 28), date(2023, 1, 1))


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=BERLIN)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# -- window edges in German local time ------------------------------------------------


def test_midnight_in_berlin_on_the_first_day_is_inside() -> None:
    assert RENUMBERED.contains(berlin(2022, 5, 28, 0, 0, 0))


def test_the_last_microsecond_before_the_first_day_is_outside() -> None:
    assert not RENUMBERED.contains(berlin(2022, 5, 27, 23, 59, 59, 999999))


def test_the_last_microsecond_of_the_last_day_is_inside() -> None:
    assert RENUMBERED.contains(berlin(2022, 12, 31, 23, 59, 59, 999999))


def test_midnight_on_valid_to_is_outside() -> None:
    assert not RENUMBERED.contains(berlin(2023, 1, 1, 0, 0))


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        # Summer time (UTC+2): 2022-05-27T22:00Z is 2022-05-28 00:00 in Berlin.
        (utc(2022, 5, 27, 22, 0), True),
        (utc(2022, 5, 27, 21, 59, 59, 999999), False),
        # The UTC date is still the 27th, the German date already the 28th.
        (utc(2022, 5, 27, 23, 30), True),
        # Winter time (UTC+1): 2022-12-31T23:00Z is 2023-01-01 00:00 in Berlin.
        (utc(2022, 12, 31, 22, 59, 59, 999999), True),
        (utc(2022, 12, 31, 23, 0), False),
        # The UTC date is still 2022, the German date already 2023.
        (utc(2022, 12, 31, 23, 30), False),
        # Another zone: 19:00 in New York (UTC-4) on the 27th is 01:00 in Berlin on the 28th.
        (datetime(2022, 5, 27, 19, 0, tzinfo=timezone(timedelta(hours=-4))), True),
        (datetime(2022, 5, 27, 17, 59, tzinfo=timezone(timedelta(hours=-4))), False),
    ],
)
def test_an_instant_in_another_zone_is_classified_by_its_german_date(at: datetime, inside: bool) -> None:
    assert RENUMBERED.contains(at) is inside


def test_german_date_converts_to_berlin_time() -> None:
    assert german_date(utc(2022, 5, 27, 22, 0)) == date(2022, 5, 28)
    assert german_date(utc(2022, 5, 27, 21, 59, 59)) == date(2022, 5, 27)
    assert german_date(utc(2022, 12, 31, 23, 0)) == date(2023, 1, 1)
    assert german_date(utc(2022, 12, 31, 22, 59, 59)) == date(2022, 12, 31)


# -- daylight saving transitions ----------------------------------------------------------

SPRING_DAY = Validity(date(2022, 3, 27), date(2022, 3, 28))
"""2022-03-27: clocks go from 02:00 CET to 03:00 CEST; the day has 23 hours."""
AUTUMN_DAY = Validity(date(2022, 10, 30), date(2022, 10, 31))
"""2022-10-30: clocks go from 03:00 CEST back to 02:00 CET; the day has 25 hours."""


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        (utc(2022, 3, 26, 22, 59, 59, 999999), False),  # 23:59:59.999999 CET on the 26th
        (utc(2022, 3, 26, 23, 0), True),  # 00:00 CET on the 27th
        (utc(2022, 3, 27, 0, 59, 59), True),  # 01:59:59 CET, just before the jump
        (utc(2022, 3, 27, 1, 0), True),  # 03:00 CEST, just after the jump
        (utc(2022, 3, 27, 21, 59, 59, 999999), True),  # 23:59:59.999999 CEST on the 27th
        (utc(2022, 3, 27, 22, 0), False),  # 00:00 CEST on the 28th
    ],
)
def test_the_spring_transition_day_is_23_hours_of_german_date(at: datetime, inside: bool) -> None:
    assert SPRING_DAY.contains(at) is inside


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        (utc(2022, 10, 29, 21, 59, 59, 999999), False),  # 23:59:59.999999 CEST on the 29th
        (utc(2022, 10, 29, 22, 0), True),  # 00:00 CEST on the 30th
        (utc(2022, 10, 29, 22, 30), True),  # 00:30 CEST on the 30th
        (utc(2022, 10, 30, 0, 30), True),  # 02:30 CEST, first pass
        (utc(2022, 10, 30, 1, 30), True),  # 02:30 CET, second pass
        (utc(2022, 10, 30, 22, 59, 59, 999999), True),  # 23:59:59.999999 CET on the 30th
        (utc(2022, 10, 30, 23, 0), False),  # 00:00 CET on the 31st
    ],
)
def test_the_autumn_transition_day_is_25_hours_of_german_date(at: datetime, inside: bool) -> None:
    assert AUTUMN_DAY.contains(at) is inside


def test_2022_10_29_22_30_utc_is_the_30th_in_berlin() -> None:
    at = utc(2022, 10, 29, 22, 30)
    local = at.astimezone(BERLIN)
    assert (local.date(), local.hour, local.minute) == (date(2022, 10, 30), 0, 30)
    assert local.utcoffset() == timedelta(hours=2)
    assert german_date(at) == date(2022, 10, 30)


def test_both_readings_of_an_ambiguous_local_time_fall_on_the_same_day() -> None:
    first = datetime(2022, 10, 30, 2, 30, tzinfo=BERLIN, fold=0)
    second = datetime(2022, 10, 30, 2, 30, tzinfo=BERLIN, fold=1)
    assert first.utcoffset() != second.utcoffset()
    assert AUTUMN_DAY.contains(first)
    assert AUTUMN_DAY.contains(second)


# -- naive timestamps ---------------------------------------------------------------------

NAIVE_MESSAGE = "Invalid send time: 'at' must be timezone-aware (a naive date-time was given)."
NAIVE = datetime(2022, 5, 28, 12, 0)  # noqa: DTZ001 - deliberately naive


class NoOffset(tzinfo):
    """A tzinfo that does not know its offset: as bad as none."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


@pytest.mark.parametrize(
    "at", [NAIVE, datetime(2022, 5, 28, 12, 0, tzinfo=NoOffset())], ids=["naive", "offset unknown"]
)
def test_a_naive_timestamp_is_an_input_error(at: datetime) -> None:
    for check in (german_date, RENUMBERED.contains, lambda t: pick([RENUMBERED], t, lambda w: w, "x")):
        with pytest.raises(InputError) as info:
            check(at)
        assert str(info.value) == NAIVE_MESSAGE
        assert info.value.field == "at"


# -- pick -------------------------------------------------------------------------------

OLD = Validity(date(2004, 7, 8), date(2022, 5, 28))
NEW = Validity(date(2022, 5, 28))


def test_pick_returns_the_version_in_force() -> None:
    versions = [("Nr. 2", OLD), ("Nr. 1", NEW)]
    assert pick(versions, berlin(2020, 6, 1, 12), lambda v: v[1], "rule x")[0] == "Nr. 2"
    assert pick(versions, berlin(2022, 5, 27, 23, 59), lambda v: v[1], "rule x")[0] == "Nr. 2"
    assert pick(versions, berlin(2022, 5, 28, 0, 0), lambda v: v[1], "rule x")[0] == "Nr. 1"
    assert pick(versions, utc(2022, 5, 27, 22, 0), lambda v: v[1], "rule x")[0] == "Nr. 1"
    assert pick(versions, berlin(2040, 1, 1), lambda v: v[1], "rule x")[0] == "Nr. 1"


def test_pick_uses_the_german_date_at_the_start_of_coverage() -> None:
    # 22:30 UTC on 7 July 2004 is 00:30 on 8 July in Berlin: the UWG 2004 is in force.
    assert pick([OLD], utc(2004, 7, 7, 22, 30), lambda w: w, "rule x") == OLD


@pytest.mark.parametrize(
    ("at", "day"),
    [
        (berlin(2004, 7, 7, 23, 59, 59), "2004-07-07"),
        (utc(2004, 7, 7, 21, 59), "2004-07-07"),
        (berlin(1999, 1, 1), "1999-01-01"),
    ],
)
def test_pick_outside_every_window_raises_out_of_coverage(at: datetime, day: str) -> None:
    with pytest.raises(OutOfCoverageError) as info:
        pick([OLD, NEW], at, lambda w: w, "rule de.uwg.7.2.phone")
    assert str(info.value) == f"No version of rule de.uwg.7.2.phone is coded for {day} (German local date)."
    assert info.value.code == "out_of_coverage"


def test_pick_after_a_closed_window_raises_out_of_coverage() -> None:
    with pytest.raises(OutOfCoverageError) as info:
        pick([OLD], berlin(2022, 5, 28), lambda w: w, "the UWG 2004 wording")
    assert (
        str(info.value) == "No version of the UWG 2004 wording is coded for 2022-05-28 (German local date)."
    )


def test_pick_with_no_versions_raises_out_of_coverage() -> None:
    with pytest.raises(OutOfCoverageError):
        pick([], berlin(2022, 5, 28), lambda w: w, "rule x")


TILING = [
    Validity(date(2004, 7, 8), date(2009, 8, 4)),
    Validity(date(2009, 8, 4), date(2021, 10, 1)),
    Validity(date(2021, 10, 1), date(2022, 5, 28)),
    Validity(date(2022, 5, 28)),
]


@given(
    st.datetimes(
        min_value=datetime(2004, 7, 9),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from(
            [BERLIN, UTC, timezone(timedelta(hours=-10)), timezone(timedelta(hours=14))]
        ),
    )
)
def test_exactly_one_version_of_a_tiling_is_in_force_at_any_instant(at: datetime) -> None:
    in_force = [w for w in TILING if w.contains(at)]
    assert len(in_force) == 1
    assert pick(TILING, at, lambda w: w, "rule x") == in_force[0]
    day = at.astimezone(BERLIN).date()
    assert in_force[0].valid_from <= day


# -- the window itself ---------------------------------------------------------------------


def test_last_day_is_the_day_before_valid_to() -> None:
    assert RENUMBERED.last_day == date(2022, 12, 31)
    assert Validity(date(2021, 10, 1), date(2022, 5, 28)).last_day == date(2022, 5, 27)
    assert Validity(date(2024, 3, 1), date(2024, 3, 2)).last_day == date(2024, 3, 1)
    assert Validity(date(2024, 2, 29), date(2024, 3, 1)).last_day == date(2024, 2, 29)


def test_an_open_window_has_no_last_day_and_contains_the_far_future() -> None:
    assert NEW.last_day is None
    assert NEW.contains(berlin(2999, 12, 31, 23, 59))
    assert NEW.contains_day(date(9999, 12, 31))


def test_contains_day_is_half_open() -> None:
    assert not RENUMBERED.contains_day(date(2022, 5, 27))
    assert RENUMBERED.contains_day(date(2022, 5, 28))
    assert RENUMBERED.contains_day(date(2022, 12, 31))
    assert not RENUMBERED.contains_day(date(2023, 1, 1))


def test_a_window_renders_as_a_half_open_interval() -> None:
    assert str(RENUMBERED) == "[2022-05-28, 2023-01-01)"
    assert str(NEW) == "[2022-05-28, )"


def test_a_one_day_window_is_allowed() -> None:
    assert Validity(date(2022, 5, 28), date(2022, 5, 29)).last_day == date(2022, 5, 28)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            date(2022, 5, 28),
            date(2022, 5, 28),
            "A validity window must end after it starts ([2022-05-28, 2022-05-28)).",
        ),
        (
            date(2022, 5, 28),
            date(2022, 5, 27),
            "A validity window must end after it starts ([2022-05-28, 2022-05-27)).",
        ),
    ],
    ids=["empty", "backwards"],
)
def test_a_window_must_end_after_it_starts(start: date, end: date, message: str) -> None:
    with pytest.raises(ValueError, match=r"must end after it starts") as info:
        Validity(start, end)
    assert str(info.value) == message


def test_a_backwards_window_is_a_rulebook_error() -> None:
    # Design § 7: every error the library raises on purpose subclasses DialoglawError.
    with pytest.raises(RulebookError) as info:
        Validity(date(2022, 5, 28), date(2022, 5, 27))
    assert isinstance(info.value, DialoglawError)
    assert str(info.value) == "A validity window must end after it starts ([2022-05-28, 2022-05-27))."


def test_windows_are_frozen_values() -> None:
    assert Validity(date(2022, 5, 28)) == NEW
    assert hash(Validity(date(2022, 5, 28))) == hash(NEW)
    name = "valid_from"
    with pytest.raises(AttributeError):
        setattr(NEW, name, date(2000, 1, 1))


# -- check_versions ----------------------------------------------------------------------


def test_a_clean_tiling_has_no_issues() -> None:
    assert check_versions(TILING) == []


def test_a_clean_tiling_given_out_of_order_has_no_issues() -> None:
    assert check_versions(list(reversed(TILING))) == []


def test_no_windows_or_one_window_has_no_issues() -> None:
    assert check_versions([]) == []
    assert check_versions([NEW]) == []
    assert check_versions([RENUMBERED]) == []


def test_a_gap_is_reported() -> None:
    first = Validity(date(2004, 7, 8), date(2022, 5, 1))
    second = Validity(date(2022, 5, 28))
    issues = check_versions([first, second])
    assert issues == [VersionIssue("gap", first, second)]
    assert str(issues[0]) == "a gap between [2004-07-08, 2022-05-01) and [2022-05-28, )"


def test_an_overlap_is_reported() -> None:
    first = Validity(date(2004, 7, 8), date(2022, 6, 1))
    second = Validity(date(2022, 5, 28))
    issues = check_versions([second, first])
    assert issues == [VersionIssue("overlap", first, second)]
    assert str(issues[0]) == "an overlap between [2004-07-08, 2022-06-01) and [2022-05-28, )"


def test_two_identical_windows_overlap() -> None:
    assert [i.kind for i in check_versions([RENUMBERED, RENUMBERED])] == ["overlap"]


def test_an_open_ended_window_before_another_is_reported() -> None:
    first = Validity(date(2004, 7, 8))
    second = Validity(date(2022, 5, 28))
    assert check_versions([first, second]) == [VersionIssue("open_end_not_last", first, second)]


def test_several_issues_are_all_reported_in_order() -> None:
    a = Validity(date(2020, 1, 1), date(2021, 1, 1))
    b = Validity(date(2020, 6, 1), date(2022, 1, 1))
    c = Validity(date(2022, 2, 1))
    assert check_versions([c, a, b]) == [VersionIssue("overlap", a, b), VersionIssue("gap", b, c)]
