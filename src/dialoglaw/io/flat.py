"""The flat column layout: one row per contact, consent columns per channel.

| column | meaning |
|---|---|
| ``id``, ``audience``, ``country`` | as in :class:`~dialoglaw.Contact` |
| ``email``, ``phone``, ``mobile``, ``fax``, ``messenger`` | contact points |
| ``street``, ``postal_code``, ``city`` | postal address (all three, or none) |
| ``birth_date`` | date of birth |
| ``robinson_listed``, ``no_ads_sticker`` | flags (true/false, 1/0, yes/no, ja/nein) |
| ``<ch>_consent_at`` | consent for channel ``<ch>`` granted at (phone, automated_call, fax, email, sms, messenger) |
| ``<ch>_consent_method`` | :class:`~dialoglaw.ConsentMethod` value |
| ``<ch>_consent_senders`` | advertisers named, separated by ``;`` |
| ``<ch>_consent_scope`` | product categories, ``;``-separated (empty: all own products) |
| ``<ch>_consent_id`` | consent id (default ``<id>:<ch>``) |
| ``<ch>_confirmed_at``, ``<ch>_confirmation_channel`` | confirmation (channel defaults to ``<ch>``) |
| ``<ch>_withdrawn_at``, ``<ch>_last_used_at`` | withdrawal, last use |
| ``<ch>_subject_age``, ``<ch>_tied_to`` | age when consenting, what the consent was tied to |
| ``objection_at``, ``objection_channels``, ``objection_sender`` | one objection (channels ``;``-separated, empty = all) |
| ``customer_obtained_through``, ``customer_obtained_at``, ``customer_seller``, ``customer_categories``, ``customer_contact_points``, ``customer_opt_out_notice`` | § 7 Abs. 3 UWG facts |
| ``presumed_facts``, ``presumed_assessed_by``, ``presumed_assessed_at``, ``presumed_sender``, ``presumed_topic`` | B2B presumed-consent facts |

Dates are ISO 8601 (``2023-02-01T10:00:00+01:00``) or German ``TT.MM.JJJJ`` (with an
optional ``HH:MM``); a value without a zone is read in Europe/Berlin. Empty cells are
missing values. Unknown columns are an error, so that a typo never silently drops a fact.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from dateutil import parser as dateparser

from dialoglaw.channels import CONSENT_CHANNELS, Channel
from dialoglaw.errors import InputError, Problem, format_loc
from dialoglaw.validity import BERLIN

__all__ = [
    "FLAT_CHANNELS",
    "NULL_IS_ABSENT",
    "exact_flat_row",
    "flat_columns",
    "flat_to_nested",
    "nested_to_flat",
    "parse_datetime",
]

FLAT_CHANNELS: tuple[Channel, ...] = tuple(c for c in Channel if c in CONSENT_CHANNELS)

_CONSENT_FIELDS = (
    "consent_at",
    "consent_method",
    "consent_senders",
    "consent_scope",
    "consent_id",
    "confirmed_at",
    "confirmation_channel",
    "withdrawn_at",
    "last_used_at",
    "subject_age",
    "tied_to",
)
_BASE = (
    "id",
    "audience",
    "country",
    "email",
    "phone",
    "mobile",
    "fax",
    "messenger",
    "street",
    "postal_code",
    "city",
    "birth_date",
    "robinson_listed",
    "no_ads_sticker",
)
_OBJECTION = ("objection_at", "objection_channels", "objection_sender")
_CUSTOMER = (
    "customer_obtained_through",
    "customer_obtained_at",
    "customer_seller",
    "customer_categories",
    "customer_contact_points",
    "customer_opt_out_notice",
)
_PRESUMED = (
    "presumed_facts",
    "presumed_assessed_by",
    "presumed_assessed_at",
    "presumed_sender",
    "presumed_topic",
)


def flat_columns() -> tuple[str, ...]:
    """Every column of the flat layout, in order."""
    per_channel = tuple(f"{c.value}_{f}" for c in FLAT_CHANNELS for f in _CONSENT_FIELDS)
    return (*_BASE, *per_channel, *_OBJECTION, *_CUSTOMER, *_PRESUMED)


_KNOWN = frozenset(flat_columns())
_GERMAN_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}")
_TRUE = frozenset({"true", "1", "yes", "ja", "y", "j", "wahr"})
_FALSE = frozenset({"false", "0", "no", "nein", "n", "falsch"})


def parse_datetime(value: Any, column: str) -> datetime:
    """ISO 8601 first (fast, exact); German ``TT.MM.JJJJ [HH:MM]`` via dateutil with
    ``dayfirst``; no zone → Europe/Berlin. ISO text never goes to dateutil, whose
    ``dayfirst`` would read ``2023-02-01`` as 2 January."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)  # noqa: DTZ001 - zone set below
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            if not _GERMAN_DATE.match(text):
                raise _cell(column, "must be an ISO 8601 date-time or a German date TT.MM.JJJJ") from None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", dateparser.UnknownTimezoneWarning)
                    parsed = dateparser.parse(text, dayfirst=True)
            except dateparser.UnknownTimezoneWarning:
                raise _cell(
                    column, "names a time zone that is not understood; give an offset such as +01:00"
                ) from None
            except (ValueError, OverflowError):
                raise _cell(column, "is not a valid date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BERLIN)
    return parsed


def _cell(column: str, message: str) -> InputError:
    return InputError("row", [Problem(column, message, "value_error")])


def _bool(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _cell(column, "must be true or false")


def _list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        if isinstance(value, float) and value != value:  # NaN from pandas/pyarrow  # noqa: PLR0124
            continue
        if isinstance(value, str) and not value.strip():
            continue
        out[key] = value
    return out


def flat_to_nested(row: Mapping[str, Any]) -> dict[str, Any]:
    """Convert one flat row to the nested model's dict. Raises :class:`InputError`
    naming the column for unknown columns and unreadable cells."""
    cells = _clean(row)
    if not row.keys() <= _KNOWN:
        problems = [
            Problem(format_loc((c,)), "is not a column of the flat layout", "extra_forbidden")
            for c in sorted(set(row) - _KNOWN)
        ]
        raise InputError("row", problems)
    nested: dict[str, Any] = {}
    for key in ("id", "audience", "country", "email", "phone", "mobile", "fax", "messenger", "birth_date"):
        if key in cells:
            nested[key] = str(cells[key]).strip() if key != "birth_date" else _date(cells[key], key)
    for key in ("robinson_listed", "no_ads_sticker"):
        if key in cells:
            nested[key] = _bool(cells[key], key)
    address = {k: str(cells[k]).strip() for k in ("street", "postal_code", "city") if k in cells}
    if address:
        nested["postal_address"] = address
    consents = [c for ch in FLAT_CHANNELS if (c := _consent(cells, ch, nested.get("id")))]
    if consents:
        nested["consents"] = consents
    if "objection_at" in cells:
        objection: dict[str, Any] = {"at": parse_datetime(cells["objection_at"], "objection_at")}
        if "objection_channels" in cells:
            objection["channels"] = _list(cells["objection_channels"])
        if "objection_sender" in cells:
            objection["sender"] = str(cells["objection_sender"]).strip()
        nested["objections"] = [objection]
    elif "objection_channels" in cells or "objection_sender" in cells:
        raise _cell("objection_at", "is required when objection_channels or objection_sender is given")
    if any(k in cells for k in _CUSTOMER):
        nested["relationship"] = _customer(cells)
    if any(k in cells for k in _PRESUMED):
        nested["presumed_consent"] = {
            "facts": cells.get("presumed_facts"),
            "assessed_by": cells.get("presumed_assessed_by"),
            "assessed_at": _maybe_dt(cells, "presumed_assessed_at"),
            "sender": cells.get("presumed_sender"),
            **({"topic": cells["presumed_topic"]} if "presumed_topic" in cells else {}),
        }
    return nested


def _date(value: Any, column: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return parse_datetime(value, column).date()


def _maybe_dt(cells: Mapping[str, Any], column: str) -> datetime | None:
    return parse_datetime(cells[column], column) if column in cells else None


def _consent(cells: Mapping[str, Any], channel: Channel, contact_id: Any) -> dict[str, Any] | None:
    name = _CONSENT_NAMES[channel]
    if cells.keys().isdisjoint(name.values()):  # most rows hold few consents
        return None
    granted = name["consent_at"]
    if granted not in cells:
        raise _cell(granted, f"is required when other {channel.value} consent columns are given")
    consent: dict[str, Any] = {
        "id": str(cells.get(name["consent_id"], f"{contact_id}:{channel.value}")),
        "channels": [channel.value],
        "granted_at": parse_datetime(cells[granted], granted),
        "method": cells.get(name["consent_method"]),
        "senders": _list(cells.get(name["consent_senders"], "")),
    }
    column = name["consent_scope"]
    if column in cells:
        consent["scope"] = _list(cells[column])
    column = name["confirmed_at"]
    if column in cells:
        consent["confirmed_at"] = parse_datetime(cells[column], column)
        consent["confirmation_channel"] = str(cells.get(name["confirmation_channel"], channel.value)).strip()
    elif name["confirmation_channel"] in cells:
        raise _cell(column, "is required when a confirmation channel is given")
    column = name["withdrawn_at"]
    if column in cells:
        consent["withdrawn_at"] = parse_datetime(cells[column], column)
    column = name["last_used_at"]
    if column in cells:
        consent["used_at"] = [parse_datetime(cells[column], column)]
    for field in ("subject_age", "tied_to"):
        column = name[field]
        if column in cells:
            consent[field] = cells[column]
    return consent


# Per flat channel, the column of each consent field ("email_consent_at" …).
_CONSENT_NAMES: Mapping[Channel, Mapping[str, str]] = {
    c: {f: f"{c.value}_{f}" for f in _CONSENT_FIELDS} for c in FLAT_CHANNELS
}


def _customer(cells: Mapping[str, Any]) -> dict[str, Any]:
    rel: dict[str, Any] = {
        "obtained_through": cells.get("customer_obtained_through"),
        "obtained_at": _maybe_dt(cells, "customer_obtained_at"),
        "seller": cells.get("customer_seller"),
    }
    if "customer_categories" in cells:
        rel["purchased_categories"] = _list(cells["customer_categories"])
    if "customer_contact_points" in cells:
        rel["contact_points"] = _list(cells["customer_contact_points"])
    if "customer_opt_out_notice" in cells:
        rel["opt_out_notice_at_collection"] = _bool(
            cells["customer_opt_out_notice"], "customer_opt_out_notice"
        )
    return rel


def nested_to_flat(contact: Mapping[str, Any]) -> dict[str, Any]:
    """The flat row of a contact in the nested model (JSON mode dict), for contacts the
    flat layout can hold: at most one consent per channel, each for a single channel, at
    most one objection, and a German address with street, postal code and city (or none).
    Raises :class:`InputError` otherwise."""
    row: dict[str, Any] = {
        k: contact.get(k) for k in _BASE if k in contact and not isinstance(contact.get(k), dict)
    }
    for key in ("phone", "mobile", "fax"):
        value = contact.get(key)
        if isinstance(value, dict):
            row[key] = value["e164"]
    address = contact.get("postal_address")
    if address is not None:
        if not isinstance(address, Mapping):
            raise InputError.single(
                "row", "postal_address", "must be an object with street, postal code and city"
            )
        if address.get("country", "DE") != "DE":
            raise InputError.single(
                "row", "postal_address", "cannot be flattened: the flat layout holds German addresses only"
            )
        # The layout reads an address without cells as none: an address that lacks one
        # of the three would come back as no address, or as another address.
        missing = [key for key in ("street", "postal_code", "city") if not address.get(key)]
        if missing:
            raise InputError.single(
                "row",
                "postal_address",
                f"cannot be flattened without {', '.join(missing)}: the flat layout holds "
                "an address with street, postal code and city",
            )
        for key in ("street", "postal_code", "city"):
            row[key] = address[key]
    for consent in contact.get("consents") or ():
        channels = consent["channels"]
        if len(channels) != 1:
            raise InputError.single(
                "row", "consents", "cannot be flattened: a consent covers several channels"
            )
        # Never drop a fact silently: a lost flag could permit a channel.
        if consent.get("given_by_subject") is False:
            raise InputError.single(
                "row", "consents", "cannot be flattened: a consent not given by the subject"
            )
        for key in ("parental_authorisation_at", "evidence"):
            if consent.get(key):
                msg = f"cannot be flattened: the flat layout has no column for {key}"
                raise InputError.single("row", "consents", msg)
        p = f"{channels[0]}_"
        if p + "consent_at" in row:
            raise InputError.single("row", "consents", f"cannot be flattened: two consents for {channels[0]}")
        row[p + "consent_at"] = consent["granted_at"]
        row[p + "consent_method"] = consent["method"]
        row[p + "consent_senders"] = ";".join(consent["senders"])
        row[p + "consent_id"] = consent["id"]
        if consent.get("scope"):
            row[p + "consent_scope"] = ";".join(consent["scope"])
        if consent.get("confirmed_at"):
            row[p + "confirmed_at"] = consent["confirmed_at"]
            row[p + "confirmation_channel"] = consent["confirmation_channel"]
        if consent.get("withdrawn_at"):
            row[p + "withdrawn_at"] = consent["withdrawn_at"]
        if consent.get("used_at"):
            row[p + "last_used_at"] = max(consent["used_at"])
        if consent.get("subject_age") is not None:
            row[p + "subject_age"] = consent["subject_age"]
        if consent.get("tied_to"):
            row[p + "tied_to"] = consent["tied_to"]
    objections = contact.get("objections") or ()
    if len(objections) > 1:
        raise InputError.single("row", "objections", "cannot be flattened: more than one objection")
    for objection in objections:
        row["objection_at"] = objection["at"]
        if objection.get("channels"):
            row["objection_channels"] = ";".join(objection["channels"])
        if objection.get("sender"):
            row["objection_sender"] = objection["sender"]
    rel = contact.get("relationship")
    if rel:
        row["customer_obtained_through"] = rel["obtained_through"]
        row["customer_obtained_at"] = rel["obtained_at"]
        row["customer_seller"] = rel["seller"]
        row["customer_categories"] = ";".join(rel.get("purchased_categories") or ())
        row["customer_contact_points"] = ";".join(rel.get("contact_points") or ())
        if rel.get("opt_out_notice_at_collection") is not None:
            row["customer_opt_out_notice"] = rel["opt_out_notice_at_collection"]
    presumed = contact.get("presumed_consent")
    if presumed:
        row["presumed_facts"] = presumed["facts"]
        row["presumed_assessed_by"] = presumed["assessed_by"]
        row["presumed_assessed_at"] = presumed["assessed_at"]
        row["presumed_sender"] = presumed["sender"]
        if presumed.get("topic"):
            row["presumed_topic"] = presumed["topic"]
    return row


# --- exact flattening, for the columnar engine ----------------------------------------
#
# A nested contact is handed to the columnar engine in the flat layout only where the
# flat row reads back as the same contact. Anything the flat layout would change (a
# dropped key, a stripped or split string, a date the two parsers read differently, a
# default put in place of an empty list) makes the row go to the per-object engine as it
# was given, so that its decision and any error are exactly the per-object ones.

# ISO 8601 with an explicit offset, in the shapes datetime.fromisoformat and pydantic read
# identically (the columnar engine's fast path uses the same shapes).
ISO_INSTANT_SHAPE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{3}|\.[0-9]{6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
ISO_DATE_SHAPE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_ISO_INSTANT = re.compile(ISO_INSTANT_SHAPE)
_ISO_DAY = re.compile(ISO_DATE_SHAPE)
_FLAT_CHANNEL_NAMES = frozenset(c.value for c in FLAT_CHANNELS)
_TEXT_KEYS = ("id", "audience", "country", "email", "phone", "mobile", "fax", "messenger")
_CONTACT_KEYS = frozenset(
    (
        *_TEXT_KEYS,
        "birth_date",
        "robinson_listed",
        "no_ads_sticker",
        "postal_address",
        "consents",
        "objections",
        "relationship",
        "presumed_consent",
    )
)
_CONSENT_KEYS = frozenset(
    (
        "id",
        "channels",
        "granted_at",
        "method",
        "senders",
        "scope",
        "confirmed_at",
        "confirmation_channel",
        "withdrawn_at",
        "used_at",
        "subject_age",
        "tied_to",
    )
)
_CONSENT_REQUIRED = frozenset(("id", "channels", "granted_at", "method", "senders"))
_CUSTOMER_KEYS = {
    "obtained_through": "customer_obtained_through",
    "obtained_at": "customer_obtained_at",
    "seller": "customer_seller",
    "purchased_categories": "customer_categories",
    "contact_points": "customer_contact_points",
    "opt_out_notice_at_collection": "customer_opt_out_notice",
}
_PRESUMED_KEYS = {
    "facts": "presumed_facts",
    "assessed_by": "presumed_assessed_by",
    "assessed_at": "presumed_assessed_at",
    "sender": "presumed_sender",
    "topic": "presumed_topic",
}
_INSTANT_KEYS = frozenset(("granted_at", "confirmed_at", "withdrawn_at", "obtained_at", "assessed_at", "at"))

_ADDRESS_KEYS = frozenset(("street", "postal_code", "city", "country"))
NULL_IS_ABSENT: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "contact": frozenset(
            (
                "email",
                "phone",
                "mobile",
                "fax",
                "messenger",
                "birth_date",
                "postal_address",
                "relationship",
                "presumed_consent",
            )
        ),
        "consent": frozenset(
            ("confirmed_at", "confirmation_channel", "withdrawn_at", "subject_age", "tied_to")
        ),
        "objection": frozenset(("channels", "sender")),
        "relationship": frozenset(("opt_out_notice_at_collection",)),
        "presumed_consent": frozenset(("topic",)),
    }
)
"""Per level of the nested model, the optional fields for which it reads ``null`` as
absent (serialisers write null for a missing value): :func:`exact_flat_row` does too.
``tests/test_columnar_nested.py`` checks each against the model."""
_NULLABLE = NULL_IS_ABSENT["contact"]
_OBJECTION_KEYS = frozenset(("at", "channels", "sender"))
# Per flat channel, its columns in the order a consent fills them.
_CONSENT_COLUMNS = {
    name: tuple(
        f"{name}_{f}"
        for f in (
            "consent_at",
            "consent_id",
            "consent_method",
            "consent_senders",
            "consent_scope",
            "confirmed_at",
            "confirmation_channel",
            "withdrawn_at",
            "last_used_at",
            "subject_age",
            "tied_to",
        )
    )
    for name in _FLAT_CHANNEL_NAMES
}
_SECTIONS = (
    ("relationship", _CUSTOMER_KEYS, ("obtained_through", "obtained_at", "seller")),
    ("presumed_consent", _PRESUMED_KEYS, ("facts", "assessed_by", "assessed_at", "sender")),
)
_iso_instant = _ISO_INSTANT.fullmatch
_iso_day = _ISO_DAY.fullmatch

# The checks below are written out inline (one function call per contact); each returns
# None at the first value the flat layout would not read back alike:
# - text: the flat readers strip cells and drop blank ones; the nested model keeps (or
#   rejects) padding. Only text both read alike is flattened.
# - instants: both parsers read the ISO 8601 shapes above alike; pydantic rejects German
#   dates and times without an offset, which the flat reader accepts (in Berlin time).
# - lists: the flat layout joins lists with ";" and splits them again, dropping empty
#   parts; an empty list is an absent cell, which reads as the field's default.
# - null: absent, for the optional fields of NULL_IS_ABSENT (checked only on the path
#   where a value failed its type test, so a contact without nulls pays nothing).


def _items(value: Any, empty: bool) -> str | None:
    # Lists (see above); None where the layout would not read it back alike.
    if type(value) is not list:
        return None
    if not value:
        return "" if empty else None
    for part in value:
        if type(part) is not str or not part or part != part.strip() or ";" in part:
            return None
    return ";".join(value)


def _last_use(uses: list[Any], granted: str, at: datetime | None) -> str | None:
    """Of several recorded uses, the text of the latest where one ``last_used_at`` cell
    decides the contact alike at the send time ``at``; otherwise ``None``.

    The rules read the uses twice: the proof of a consumer phone consent is kept five
    years from the latest trigger, all uses counted (§ 7a Abs. 2 UWG), and a consent's
    staleness runs from its latest use at or before the send (the policy's threshold,
    BGH III ZR 196/17). Both are the latest use where all uses lie on one side of the send
    time; a list straddling it stays nested. A use before the grant, or a date that does
    not parse, is the model's error to word."""
    if at is None:
        return None
    latest: tuple[datetime, str] | None = None
    try:
        first = start = datetime.fromisoformat(granted)
        for text in uses:
            if type(text) is not str or _iso_instant(text) is None:
                return None
            instant = datetime.fromisoformat(text)
            first = instant if latest is None else min(first, instant)
            if latest is None or instant > latest[0]:
                latest = (instant, text)
    except ValueError:  # the shape of a date, not a date (30 February)
        return None
    if latest is None or first < start or first <= at < latest[0]:
        return None
    return latest[1]


def exact_flat_row(contact: Any, at: datetime | None = None) -> dict[str, str] | None:
    """The flat row (text cells) of a contact in the nested model (a dict as read from
    JSON), or ``None`` where the flat layout would not read back as the same contact:
    unknown fields, nulls where the model does not read them as absent, padded text,
    more than one consent per channel or channel per consent, more than one objection,
    dates other than ISO 8601 with an offset, or facts the layout has no column for.

    A consent with more than one recorded use is flattened only for a send time ``at``
    (timezone-aware) and only where all its uses lie on one side of it: its row then holds
    the latest use, which is all the rules read of the uses for a send at ``at``
    (otherwise ``None``)."""
    if at is not None and (not isinstance(at, datetime) or at.utcoffset() is None):
        raise InputError.single("send time", "at", "must be a timezone-aware datetime")
    if type(contact) is not dict or not contact.keys() <= _CONTACT_KEYS:
        return None
    iso_instant = _iso_instant
    row: dict[str, str] = {}
    blank = False  # an empty list joins to "", an absent cell
    for key in _TEXT_KEYS:
        if key in contact:
            text = contact[key]
            if type(text) is not str or not text or text != text.strip():
                if text is None and key in _NULLABLE:
                    continue
                return None
            row[key] = text
    if "birth_date" in contact:
        text = contact["birth_date"]
        if type(text) is not str or not text or text != text.strip() or _iso_day(text) is None:
            if text is not None:
                return None
        else:
            row["birth_date"] = text
    if "robinson_listed" in contact:
        flag = contact["robinson_listed"]
        if type(flag) is not bool:
            return None
        row["robinson_listed"] = "true" if flag else "false"
    if "no_ads_sticker" in contact:
        flag = contact["no_ads_sticker"]
        if type(flag) is not bool:
            return None
        row["no_ads_sticker"] = "true" if flag else "false"
    if "postal_address" in contact and contact["postal_address"] is not None:
        address = contact["postal_address"]
        if type(address) is not dict or not address.keys() <= _ADDRESS_KEYS:
            return None
        if address.get("country", "DE") != "DE":
            return None
        # All three cells or none: the layout reads an address without cells as no
        # address, where the model rejects an address that lacks one ({} included).
        for key in ("street", "postal_code", "city"):
            text = address.get(key)
            if type(text) is not str or not text or text != text.strip():
                return None
            row[key] = text
    if "consents" in contact:
        consents = contact["consents"]
        if type(consents) is not list:
            return None
        for consent in consents:
            if type(consent) is not dict:
                return None
            keys = consent.keys()
            if not keys <= _CONSENT_KEYS or not keys >= _CONSENT_REQUIRED:
                return None
            channels = consent["channels"]
            if type(channels) is not list or len(channels) != 1:
                return None
            first = channels[0]  # anything but a name (a list, say) is the model's error to word
            columns = _CONSENT_COLUMNS.get(first) if type(first) is str else None
            if columns is None:
                return None
            if columns[0] in row:  # a second consent for the channel
                return None
            text = consent["granted_at"]
            if type(text) is not str or iso_instant(text) is None:
                return None
            row[columns[0]] = text
            text = consent["id"]
            if type(text) is not str or not text or text != text.strip():
                return None
            row[columns[1]] = text
            text = consent["method"]
            if type(text) is not str or not text or text != text.strip():
                return None
            row[columns[2]] = text
            senders = consent["senders"]
            if type(senders) is list and len(senders) == 1:  # the common case, inline
                text = senders[0]
                if type(text) is not str or not text or text != text.strip() or ";" in text:
                    return None
                row[columns[3]] = text
            else:
                joined = _items(senders, True)
                if joined is None:
                    return None
                blank = blank or not joined
                row[columns[3]] = joined
            if "scope" in consent:
                joined = _items(consent["scope"], True)
                if joined is None:
                    return None
                blank = blank or not joined
                row[columns[4]] = joined
            # The layout sets the confirmation channel only with the confirmation (and
            # defaults it to the consent's channel); the model wants both or neither.
            confirmed = consent.get("confirmed_at")
            confirmation = consent.get("confirmation_channel")
            if confirmed is not None:
                if confirmation is None:
                    return None
                if type(confirmed) is not str or iso_instant(confirmed) is None:
                    return None
                row[columns[5]] = confirmed
                if type(confirmation) is not str or not confirmation or confirmation != confirmation.strip():
                    return None
                row[columns[6]] = confirmation
            elif confirmation is not None:
                return None
            if "withdrawn_at" in keys:
                text = consent["withdrawn_at"]
                if type(text) is not str or iso_instant(text) is None:
                    if text is not None:
                        return None
                else:
                    row[columns[7]] = text
            if "used_at" in keys:
                uses = consent["used_at"]
                if type(uses) is not list:
                    return None
                if len(uses) > 1:  # the layout keeps the last use only
                    text = _last_use(uses, consent["granted_at"], at)
                    if text is None:
                        return None
                    row[columns[8]] = text
                elif uses:
                    text = uses[0]
                    if type(text) is not str or iso_instant(text) is None:
                        return None
                    row[columns[8]] = text
            if "subject_age" in keys and consent["subject_age"] is not None:
                # The layout hands the cell to the model as text, which reads "78" as 78.
                age = consent["subject_age"]
                if type(age) is int:
                    try:
                        row[columns[9]] = str(age)
                    except ValueError:  # too long to write as text: the model words the error
                        return None
                elif type(age) is not str or not age or age != age.strip():
                    return None
                else:
                    row[columns[9]] = age
            if "tied_to" in keys and consent["tied_to"] is not None:
                text = consent["tied_to"]
                if type(text) is not str or not text or text != text.strip():
                    return None
                row[columns[10]] = text
    if "objections" in contact:
        objections = contact["objections"]
        if type(objections) is not list or len(objections) > 1:
            return None
        for objection in objections:
            if type(objection) is not dict or not objection.keys() <= _OBJECTION_KEYS:
                return None
            if "at" not in objection:
                return None
            text = objection["at"]
            if type(text) is not str or iso_instant(text) is None:
                return None
            row["objection_at"] = text
            # [] is an error in the model, "all" in the layout; null is "all" in both
            if objection.get("channels") is not None:
                joined = _items(objection["channels"], False)
                if joined is None:
                    return None
                row["objection_channels"] = joined
            if objection.get("sender") is not None:
                text = objection["sender"]
                if type(text) is not str or not text or text != text.strip():
                    return None
                row["objection_sender"] = text
    for section, columns_of, required in _SECTIONS:
        facts = contact.get(section)
        if facts is None:
            continue
        if (
            type(facts) is not dict
            or not facts.keys() <= columns_of.keys()
            or not all(k in facts for k in required)
        ):
            return None
        nullable = NULL_IS_ABSENT[section]
        for key, value in facts.items():
            if value is None and key in nullable:
                continue
            if key in _INSTANT_KEYS:
                if type(value) is not str or iso_instant(value) is None:
                    return None
                row[columns_of[key]] = value
            elif key == "opt_out_notice_at_collection":
                if type(value) is not bool:
                    return None
                row[columns_of[key]] = "true" if value else "false"
            elif key in ("purchased_categories", "contact_points"):
                # the default of contact_points is (email,), not empty
                joined = _items(value, key == "purchased_categories")
                if joined is None:
                    return None
                blank = blank or not joined
                row[columns_of[key]] = joined
            else:
                if type(value) is not str or not value or value != value.strip():
                    return None
                row[columns_of[key]] = value
    if blank:  # an empty list joins to "", an absent cell
        return {k: v for k, v in row.items() if v}
    return row
