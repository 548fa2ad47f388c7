"""Validity windows of rule versions, in German local time.

A window is half-open, ``[valid_from, valid_to)``, and its bounds are German calendar
days: a version valid from 2022-05-28 applies from 2022-05-28T00:00 Europe/Berlin, and one
valid until 2022-05-28 applies up to 2022-05-27T23:59:59.999999 Europe/Berlin. German
statutes enter into force at the start of a calendar day, so day bounds are exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from dialoglaw.errors import InputError, OutOfCoverageError, RulebookError

__all__ = [
    "BERLIN",
    "Validity",
    "VersionIssue",
    "check_versions",
    "german_date",
    "pick",
]

BERLIN = ZoneInfo("Europe/Berlin")
"""The zone in which German law counts days."""

T = TypeVar("T")


def german_date(at: datetime) -> date:
    """The German calendar day of an aware timestamp (a naive one is an input error)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError.single("send time", "at", "must be timezone-aware (a naive date-time was given)")
    try:
        return at.astimezone(BERLIN).date()
    except OverflowError:
        raise InputError.single("date-time", "at", "is outside the supported range of dates") from None


@dataclass(frozen=True, slots=True)
class Validity:
    """A half-open window of German calendar days; ``valid_to=None`` means open-ended."""

    valid_from: date
    valid_to: date | None = None

    def __post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            msg = f"A validity window must end after it starts ({self})."
            raise RulebookError(msg)

    def contains_day(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def contains(self, at: datetime) -> bool:
        """Whether the aware timestamp ``at`` falls inside the window (German local time)."""
        return self.contains_day(german_date(at))

    @property
    def last_day(self) -> date | None:
        """The last German calendar day on which the version applies."""
        return None if self.valid_to is None else self.valid_to - timedelta(days=1)

    def __str__(self) -> str:
        end = "" if self.valid_to is None else self.valid_to.isoformat()
        return f"[{self.valid_from.isoformat()}, {end})"


def pick(versions: Iterable[T], at: datetime, window: Callable[[T], Validity], what: str) -> T:
    """The single version in force at ``at``.

    Raises :class:`OutOfCoverageError` when none is, naming ``what`` and the German date.
    """
    day = german_date(at)
    for version in versions:
        if window(version).contains_day(day):
            return version
    msg = f"No version of {what} is coded for {day.isoformat()} (German local date)."
    raise OutOfCoverageError(msg)


@dataclass(frozen=True, slots=True)
class VersionIssue:
    """A gap or an overlap between consecutive versions of one rule."""

    kind: Literal["gap", "overlap", "open_end_not_last"]
    first: Validity
    second: Validity

    def __str__(self) -> str:
        if self.kind == "gap":
            return f"a gap between {self.first} and {self.second}"
        if self.kind == "overlap":
            return f"an overlap between {self.first} and {self.second}"
        return f"an open-ended version {self.first} before {self.second}"


def check_versions(windows: Sequence[Validity]) -> list[VersionIssue]:
    """Report gaps and overlaps between the windows of one rule's versions.

    Windows are compared in order of ``valid_from``; a correct rule's versions tile one
    continuous period, each ending exactly where the next begins.
    """
    ordered = sorted(windows, key=lambda w: w.valid_from)
    issues: list[VersionIssue] = []
    for first, second in itertools.pairwise(ordered):
        if first.valid_to is None:
            issues.append(VersionIssue("open_end_not_last", first, second))
        elif first.valid_to < second.valid_from:
            issues.append(VersionIssue("gap", first, second))
        elif first.valid_to > second.valid_from:
            issues.append(VersionIssue("overlap", first, second))
    return issues
