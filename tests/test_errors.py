"""The error hierarchy: every error is a ValueError with a stable code and reads as a sentence."""

from __future__ import annotations

import copy
import pickle

import pytest

import dialoglaw
from dialoglaw.errors import (
    DialoglawError,
    InputError,
    OutOfCoverageError,
    Problem,
    RulebookError,
    UnknownJurisdictionError,
    format_loc,
)

ERROR_CLASSES: tuple[type[DialoglawError], ...] = (
    DialoglawError,
    InputError,
    OutOfCoverageError,
    UnknownJurisdictionError,
    RulebookError,
)

# The codes appear in audit logs and batch error records: they must never change.
STABLE_CODES = {
    DialoglawError: "dialoglaw_error",
    InputError: "invalid_input",
    OutOfCoverageError: "out_of_coverage",
    UnknownJurisdictionError: "unknown_jurisdiction",
    RulebookError: "invalid_rulebook",
}


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_dialoglaw_error_and_a_value_error(cls: type[DialoglawError]) -> None:
    assert issubclass(cls, DialoglawError)
    assert issubclass(cls, ValueError)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_has_its_stable_code(cls: type[DialoglawError]) -> None:
    assert isinstance(cls.code, str)
    assert cls.code == STABLE_CODES[cls]


def test_error_codes_are_distinct_slugs() -> None:
    codes = [cls.code for cls in ERROR_CLASSES]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert code == code.lower()
        assert code.replace("_", "").isalpha()


def test_the_public_error_names_are_the_classes_of_the_errors_module() -> None:
    assert dialoglaw.DialoglawError is DialoglawError
    assert dialoglaw.InputError is InputError
    assert dialoglaw.OutOfCoverageError is OutOfCoverageError
    assert dialoglaw.UnknownJurisdictionError is UnknownJurisdictionError
    assert dialoglaw.RulebookError is RulebookError


def test_the_code_is_readable_on_an_instance() -> None:
    err = InputError.single("Contact", "email", "is not a valid e-mail address")
    assert err.code == "invalid_input"
    assert OutOfCoverageError("No version is coded.").code == "out_of_coverage"


def test_an_input_error_with_one_problem_reads_as_one_sentence() -> None:
    err = InputError("Contact", [Problem("email", "is required but missing", "missing")])
    assert str(err) == "Invalid Contact: 'email' is required but missing."
    assert err.model == "Contact"
    assert err.field == "email"
    assert err.problems == (Problem("email", "is required but missing", "missing"),)


def test_an_input_error_with_several_problems_counts_and_lists_them_all() -> None:
    err = InputError(
        "Consent",
        [
            Problem("granted_at", "must be timezone-aware (a naive date-time was given)", "timezone_aware"),
            Problem("method", "must be one of 'double_opt_in' or 'single_opt_in'", "enum"),
            Problem("colour", "is not a known field", "extra_forbidden"),
        ],
    )
    assert str(err) == (
        "Invalid Consent (3 problems): "
        "'granted_at' must be timezone-aware (a naive date-time was given); "
        "'method' must be one of 'double_opt_in' or 'single_opt_in'; "
        "'colour' is not a known field."
    )
    assert err.field == "granted_at"
    assert [p.field for p in err.problems] == ["granted_at", "method", "colour"]


def test_a_problem_without_a_field_is_rendered_as_its_message_alone() -> None:
    err = InputError("Contact", [Problem("", "must be an object", "model_type")])
    assert str(err) == "Invalid Contact: must be an object."
    assert err.field == ""


def test_single_builds_a_value_error_problem() -> None:
    err = InputError.single("phone number", "mobile", "is not a valid phone number for region DE")
    assert str(err) == "Invalid phone number: 'mobile' is not a valid phone number for region DE."
    assert err.problems == (Problem("mobile", "is not a valid phone number for region DE", "value_error"),)


def test_an_input_error_is_caught_as_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^Invalid Contact: 'id' must not be empty\.$"):
        raise InputError.single("Contact", "id", "must not be empty")


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("consents", 0, "granted_at"), "consents[0].granted_at"),
        (("channels", 1), "channels[1]"),
        (("unsettled", "de.uwg.7.3.sms"), "unsettled.de.uwg.7.3.sms"),
        (("function-after[_check(), str]", "email"), "email"),
        ((), ""),
    ],
)
def test_pydantic_locations_render_as_dotted_paths(loc: tuple[int | str, ...], expected: str) -> None:
    assert format_loc(loc) == expected


def test_an_input_error_survives_pickling_for_process_pools() -> None:
    # Batch runs over millions of rows use worker processes; an error raised in a worker
    # is pickled back to the parent. It must arrive with its text, field and problems.
    err = InputError(
        "Contact",
        [Problem("email", "is required but missing", "missing"), Problem("id", "must be a string", "x")],
    )
    back = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own object
    assert isinstance(back, InputError)
    assert str(back) == str(err)
    assert back.problems == err.problems
    assert back.field == "email"


def test_an_input_error_can_be_deep_copied() -> None:
    err = InputError.single("Contact", "email", "is required but missing")
    clone = copy.deepcopy(err)
    assert str(clone) == str(err)
    assert clone.problems == err.problems
