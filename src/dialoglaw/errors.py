"""Errors raised by dialoglaw.

Every error subclasses :class:`DialoglawError` (itself a :class:`ValueError`), carries a
stable machine-readable ``code`` and reads as a full sentence. Messages name the field
and the problem; they never echo an e-mail address or a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError

__all__ = [
    "DialoglawError",
    "InputError",
    "OutOfCoverageError",
    "Problem",
    "RulebookError",
    "UnknownJurisdictionError",
]


class DialoglawError(ValueError):
    """Base class of every error this library raises on purpose."""

    code: ClassVar[str] = "dialoglaw_error"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with one input field: ``field`` is a dotted path such as
    ``consents[0].granted_at``; ``message`` completes the sentence "<field> ..."."""

    field: str
    message: str
    type: str

    def sentence(self) -> str:
        return f"'{self.field}' {self.message}" if self.field else self.message


class InputError(DialoglawError):
    """Input facts are missing, malformed or contradictory.

    ``problems`` lists every problem found (not only the first); ``field`` is the first
    problem's field, for callers that report a single one.
    """

    code: ClassVar[str] = "invalid_input"

    def __init__(self, model: str, problems: Sequence[Problem]) -> None:
        self.model = model
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.field = self.problems[0].field if self.problems else ""
        super().__init__(self._render())

    def __reduce__(self) -> tuple[type[InputError], tuple[str, tuple[Problem, ...]]]:
        # Picklable and copyable, so errors can cross process boundaries in batch runs.
        return (type(self), (self.model, self.problems))

    def _render(self) -> str:
        sentences = [p.sentence() for p in self.problems]
        if not sentences:
            return f"Invalid {self.model}."
        if len(sentences) == 1:
            return f"Invalid {self.model}: {sentences[0]}."
        joined = "; ".join(sentences)
        return f"Invalid {self.model} ({len(sentences)} problems): {joined}."

    @classmethod
    def single(cls, model: str, field: str, message: str, type_: str = "value_error") -> InputError:
        return cls(model, [Problem(field, message, type_)])

    @classmethod
    def from_validation_error(cls, error: ValidationError, model: str) -> InputError:
        problems = [_problem(e) for e in error.errors(include_url=False)]
        # A list whose only entry is invalid is also reported as "too short" by pydantic;
        # the entry's own problem is the real one.
        nested = {p.field for p in problems}
        problems = [
            p
            for p in problems
            if not (p.type == "too_short" and any(f.startswith(p.field + "[") for f in nested))
        ]
        return cls(model, problems)


class OutOfCoverageError(DialoglawError):
    """The send time lies outside the period for which the law is coded."""

    code: ClassVar[str] = "out_of_coverage"


class UnknownJurisdictionError(DialoglawError):
    """No rulebook is registered for the requested jurisdiction."""

    code: ClassVar[str] = "unknown_jurisdiction"


class RulebookError(DialoglawError):
    """A rulebook is inconsistent (bad citation, gap or overlap between rule versions)."""

    code: ClassVar[str] = "invalid_rulebook"


_PERSONAL = re.compile(r"@|\d{5}")


def format_loc(loc: Iterable[int | str]) -> str:
    """Render a pydantic location tuple as ``consents[0].granted_at``. A key that looks
    like an e-mail address or a phone number (an unknown field named by the data) is
    masked, so personal data never reaches an error message."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "tagged-union", "union[")):
            continue
        else:
            name = "<masked>" if _PERSONAL.search(part) else part
            out += f".{name}" if out else name
    return out


# pydantic error type -> readable completion of "'<field>' ...". Input values are never
# interpolated: they may be personal data.
_MESSAGES: Mapping[str, str] = {
    "missing": "is required but missing",
    "extra_forbidden": "is not a known field",
    "timezone_aware": "must be timezone-aware (a naive date-time was given)",
    "timezone_naive": "must not carry a time zone",
    "datetime_type": "must be an ISO 8601 date-time with a time zone",
    "datetime_parsing": "must be an ISO 8601 date-time with a time zone",
    "datetime_from_date_parsing": "must be an ISO 8601 date-time with a time zone",
    "date_type": "must be an ISO 8601 date (YYYY-MM-DD)",
    "date_parsing": "must be an ISO 8601 date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be an ISO 8601 date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date without a time of day",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
    "string_pattern_mismatch": "has the wrong format",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "set_type": "must be a list",
    "frozen_set_type": "must be a list",
    "too_short": "must not be empty",
    "too_long": "has too many entries",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "mapping_type": "must be an object",
    "frozen_instance": "cannot be changed (facts are immutable)",
    "frozen_field": "cannot be changed (facts are immutable)",
}


def _problem(err: Any) -> Problem:
    type_ = str(err["type"])
    field = format_loc(err["loc"])
    if type_ in ("value_error", "assertion_error"):
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    elif type_ in ("enum", "literal_error"):
        expected = _ENUM_REPR.sub(r"'\1'", str(err.get("ctx", {}).get("expected", "")))
        msg = f"must be one of {expected}" if expected else "is not an allowed value"
    elif type_ in ("string_too_short", "too_short"):
        minimum = err.get("ctx", {}).get("min_length", 1)
        msg = "must not be empty" if minimum == 1 else f"is too short (at least {minimum} characters)"
        if type_ == "too_short":
            msg = "must not be empty" if minimum == 1 else f"needs at least {minimum} entries"
    else:
        msg = _MESSAGES.get(type_) or _lower_first(str(err["msg"]))
    return Problem(field, msg, type_)


_ENUM_REPR = re.compile(r"<\w+\.\w+: '([^']*)'>")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
