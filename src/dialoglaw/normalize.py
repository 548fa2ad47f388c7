"""Normalisation of contact points: e-mail addresses and telephone numbers.

E-mail addresses go through email-validator (syntax and normalisation only; never DNS).
Telephone numbers go through phonenumbers, with the region taken from the contact's
country, and come out in E.164 form with their line type kept, so that an SMS to a
landline is caught. Errors name the field and the problem, never the address or number.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

import email_validator
import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from dialoglaw.channels import LineType
from dialoglaw.errors import InputError
from dialoglaw.fastpath import fast_email, fast_phone

__all__ = ["PhoneNumber", "mask_email", "mask_phone", "normalize_email", "normalize_phone"]

MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 40

_LINE_TYPES: dict[int, LineType] = {
    phonenumbers.PhoneNumberType.FIXED_LINE: LineType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE: LineType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: LineType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE: LineType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE: LineType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST: LineType.SHARED_COST,
    phonenumbers.PhoneNumberType.VOIP: LineType.VOIP,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: LineType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.PAGER: LineType.PAGER,
    phonenumbers.PhoneNumberType.UAN: LineType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL: LineType.VOICEMAIL,
}

REVEAL_PERSONAL_DATA: ContextVar[bool] = ContextVar("dialoglaw_reveal_personal_data", default=False)
"""Set by :func:`dialoglaw.privacy.reveal_personal_data`: ``repr()`` shows full values."""

SMS_CAPABLE: frozenset[LineType] = frozenset({LineType.MOBILE, LineType.FIXED_LINE_OR_MOBILE})
"""Line types that can receive an SMS. Everything else (landline, toll-free, …) cannot."""


class ContactPointError(ValueError):
    """Internal: the problem with one contact point, phrased to follow "'<field>' "."""


class PhoneNumber(BaseModel):
    """A normalised telephone number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    e164: str = Field(description="The number in E.164 form, e.g. '+491711234567'.")
    line_type: LineType
    region: str | None = Field(default=None, description="ISO 3166 region of the number.")

    @property
    def sms_capable(self) -> bool:
        """Whether the line type can receive an SMS (mobile, or fixed-or-mobile)."""
        return self.line_type in SMS_CAPABLE

    def __str__(self) -> str:
        return mask_phone(self.e164)

    def __repr__(self) -> str:
        shown = self.e164 if REVEAL_PERSONAL_DATA.get() else mask_phone(self.e164)
        return f"PhoneNumber({shown!r}, line_type={self.line_type.value!r})"


def check_email(value: str) -> str:
    """Normalise ``value`` or raise :class:`ContactPointError` (used by validators)."""
    if not isinstance(value, str):
        raise ContactPointError("must be a string")
    text = value.strip()
    if not text:
        raise ContactPointError("must not be empty")
    if len(text) > MAX_EMAIL_LENGTH:
        raise ContactPointError(
            f"is not a valid e-mail address (it is longer than {MAX_EMAIL_LENGTH} characters)"
        )
    fast = fast_email(text)  # the common shapes, exactly as email-validator decides them
    if fast is not None:
        return fast
    try:
        result = email_validator.validate_email(text, check_deliverability=False, allow_display_name=False)
    except email_validator.EmailNotValidError as exc:
        raise ContactPointError(f"is not a valid e-mail address ({_safe_reason(str(exc), text)})") from None
    return str(result.normalized)


def check_phone(value: Any, region: str) -> PhoneNumber:
    """Normalise ``value`` or raise :class:`ContactPointError` (used by validators)."""
    if isinstance(value, PhoneNumber):
        value = value.e164
    elif isinstance(value, dict) and "e164" in value:
        # A serialised PhoneNumber: re-derive it rather than trusting the stored line type.
        value = value["e164"]
    if not isinstance(value, str):
        raise ContactPointError("must be a string")
    text = value.strip()
    if not text:
        raise ContactPointError("must not be empty")
    if len(text) > MAX_PHONE_LENGTH:
        raise ContactPointError("is not a valid phone number: it is too long")
    fast = fast_phone(text, region)  # plain German numbers, exactly as phonenumbers decides them
    if fast is not None:
        e164, line_type = fast
        return PhoneNumber(e164=e164, line_type=line_type, region=region)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ContactPointError(
            f"is not a valid phone number for region {region}: it cannot be parsed"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ContactPointError(f"is not a valid phone number for region {region}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    line_type = _LINE_TYPES.get(phonenumbers.number_type(parsed), LineType.UNKNOWN)
    return PhoneNumber(e164=e164, line_type=line_type, region=phonenumbers.region_code_for_number(parsed))


def normalize_email(value: str, *, field: str = "email") -> str:
    """Normalise an e-mail address (syntax only, no DNS): IDNA domains are decoded to
    Unicode and lower-cased; the local part keeps its case, as RFC 5321 requires.

    Raises :class:`~dialoglaw.InputError` naming ``field``; the address is never echoed.
    """
    try:
        return check_email(value)
    except ContactPointError as exc:
        raise InputError.single("e-mail address", field, str(exc)) from None


def normalize_phone(value: str, *, region: str = "DE", field: str = "phone") -> PhoneNumber:
    """Normalise a telephone number to E.164, reading national formats for ``region``
    (``0171 1234567``, ``030/1234567``, ``+49 (0)30 1234567`` …) and keeping the line type.

    Raises :class:`~dialoglaw.InputError` naming ``field``; the number is never echoed.
    """
    try:
        return check_phone(value, region)
    except ContactPointError as exc:
        raise InputError.single("phone number", field, str(exc)) from None


_QUOTED = re.compile(r"'[^']{2,}'")
_MIN_PIECE = 3


def _safe_reason(reason: str, address: str) -> str:
    """email-validator's reason, unless it could quote any part of the address."""
    lowered = reason.lower()
    pieces = [p for p in re.split(r"[@.+_-]", address.lower()) if len(p) >= _MIN_PIECE]
    if _QUOTED.search(reason) or any(piece in lowered for piece in pieces):
        return "its syntax is invalid"
    reason = reason.rstrip(".")
    return reason[:1].lower() + reason[1:]


def mask_email(address: str) -> str:
    """``max.mustermann@example.de`` → ``m***@e***.de``."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}***{dot}{tld}" if dot else f"{domain[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


def mask_phone(e164: str) -> str:
    """``+491711234567`` → ``+49*******67`` (country code and last two digits)."""
    if len(e164) < 6:
        return "***"
    return f"{e164[:3]}{'*' * (len(e164) - 5)}{e164[-2:]}"
