"""Random flat-layout rows for the differential tests of the columnar engine.

Every value is drawn around one send time ``AT``: dates a second, a day or years before
or after it (and exactly at it), birth dates that make the person 13 to 17 on the day of
the grant (birthdays on the grant day included), every consent method, sender lists with
and without the sender, scopes, confirmations through the same and other channels,
withdrawals and uses before and after the send, objections per channel and per sender,
existing customers, presumed consent, Robinson and sticker flags — and a share of bad
cells (invalid addresses and numbers, German and zone-less dates, padded text, dates out
of order, duplicate consent ids) so that error rows and rows the projection cannot vouch
for are covered too.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from dialoglaw.channels import ConsentMethod
from dialoglaw.io.flat import FLAT_CHANNELS, flat_columns

BERLIN = ZoneInfo("Europe/Berlin")
AT = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)
SENDER = "ACME Kaffee GmbH"
COLUMNS = flat_columns()

_OFFSETS = [timezone(timedelta(hours=1)), timezone(timedelta(hours=2)), UTC, timezone(timedelta(hours=-5))]
_DELTAS = [
    timedelta(0),
    timedelta(seconds=1),
    timedelta(seconds=-1),
    timedelta(microseconds=-1),
    timedelta(days=1),
    timedelta(days=-1),
    timedelta(days=-30),
    timedelta(days=-400),
    timedelta(days=-365 * 3),
    timedelta(days=-365 * 8),
    timedelta(days=-365 * 21),
    timedelta(days=40),
]
_SENDERS = [
    SENDER,
    f"{SENDER};Other AG",
    "Other AG",
    "acme kaffee gmbh",
    ";".join([SENDER, *(f"Partner {i} GmbH" for i in range(9))]),
    ";".join([SENDER, "Partner 1 GmbH"]),
    "ACME\u00a0Kaffee GmbH",
]
_METHODS = [m.value for m in ConsentMethod]


class _Rng(random.Random):
    """A random source that draws deliberately bad values only for rows marked bad."""

    bad = False

    def pick(self, good: list[Any], bad: list[Any] = (), weights: list[int] | None = None) -> Any:  # type: ignore[assignment]
        if self.bad and bad and self.random() < 0.15:
            return self.choice(bad)
        return self.choices(good, weights)[0] if weights else self.choice(good)


def _stamp(rng: _Rng, when: datetime) -> str:
    """``when`` written in one of the formats the flat layout accepts."""
    roll = rng.random()
    if roll < 0.80:
        return when.astimezone(rng.choice(_OFFSETS)).isoformat()
    if roll < 0.85:
        return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if roll < 0.90:
        return when.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    if roll < 0.93:
        return when.astimezone(BERLIN).date().isoformat()
    if roll < 0.96:
        return when.astimezone(BERLIN).replace(tzinfo=None).isoformat()
    stamp: str = rng.pick(
        [when.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="milliseconds")],
        ["not a date", "31.02.2023", "2023-13-01T10:00:00+01:00", "1899-12-31T23:00:00+00:00"],
    )
    return stamp


def _around(rng: _Rng, base: datetime) -> datetime:
    return base + rng.choice(_DELTAS) + timedelta(seconds=rng.choice([0, 0, 0, rng.randrange(86_400)]))


def _maybe(rng: _Rng, p: float, value: Any) -> Any:
    return value if rng.random() < p else None


def _flag(rng: _Rng) -> str | None:
    flag: str | None = rng.pick([None, "true", "false", "ja", "0"], ["vielleicht"], [60, 15, 15, 5, 4])
    return flag


def random_row(rng: _Rng, i: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row["id"] = rng.pick([f"r{i}", f" r{i} ", f"r{i}\u00e4"], ["", "x" * 201], [90, 3, 4])
    row["audience"] = rng.pick(
        ["consumer", "business", "unknown", None, " business"], ["Consumer"], [35, 30, 10, 20, 3]
    )
    row["country"] = rng.pick([None, "DE", "de"], ["AT"], [60, 35, 3])
    row["email"] = rng.pick(
        [
            None,
            f"user{i}@example.de",
            f"Max.Muster{i}@Example.COM",
            f"j\u00fcrgen{i}@beispiel.de",
            "   ",
            f" user{i}@example.de",
        ],
        ["no-at-sign", "x@localhost"],
        [25, 45, 10, 5, 5, 5],
    )
    row["phone"] = rng.pick(
        [
            None,
            f"+4930{rng.randrange(10**6, 10**8)}",
            f"030 {rng.randrange(10**6, 10**7)}",
            f"+4980{rng.randrange(10**7)}",
        ],
        ["123"],
        [45, 30, 15, 5],
    )
    row["mobile"] = rng.pick(
        [
            None,
            f"+49171{rng.randrange(10**6, 10**7)}",
            f"0151 {rng.randrange(10**7, 10**8)}",
            f"+4940{rng.randrange(10**6, 10**7)}",
        ],
        weights=[40, 40, 10, 10],
    )
    row["fax"] = _maybe(rng, 0.15, f"+49211{rng.randrange(10**5, 10**7)}")
    row["messenger"] = rng.pick([None, f"@handle{i}", " @pad "], weights=[75, 23, 2])
    address = rng.random()
    if address < 0.6:
        row["street"], row["postal_code"], row["city"] = f"Hauptstr. {i % 200}", "10115", "Berlin"
    elif rng.bad and address < 0.7:
        row["street"], row["postal_code"] = "Hauptstr. 1", "10"
    grant_base = _around(rng, AT)
    if rng.random() < 0.25:
        age = rng.choice([13, 14, 15, 16, 17])
        born = grant_base.astimezone(BERLIN).date() - timedelta(
            days=365 * age + rng.choice([-2, -1, 0, 1, 2, 5])
        )
        row["birth_date"] = rng.pick([born.isoformat(), born.strftime("%d.%m.%Y")], ["soon"], [90, 8])
    row["robinson_listed"] = _flag(rng)
    row["no_ads_sticker"] = _flag(rng)
    for ch in FLAT_CHANNELS:
        if rng.random() < 0.45:
            _consent(rng, row, ch.value, i, grant_base)
        elif rng.bad and rng.random() < 0.1:
            row[f"{ch.value}_consent_method"] = "double_opt_in"  # a consent column without its date
    if rng.random() < 0.2:
        row["objection_at"] = _stamp(rng, _around(rng, AT))
        row["objection_channels"] = rng.pick(
            [None, "email", "email;sms", "phone;postal", "leaflet"], ["carrier pigeon"]
        )
        row["objection_sender"] = rng.pick([None, None, SENDER, "Other AG", "ACME  Kaffee\u200b GmbH"])
    elif rng.bad and rng.random() < 0.1:
        row["objection_sender"] = SENDER  # an objection sender without its date
    if rng.random() < 0.25:
        row["customer_obtained_through"] = rng.pick(
            ["sale", "sale", "registration", "cancelled_order"], ["theft"]
        )
        row["customer_obtained_at"] = _stamp(rng, _around(rng, AT))
        row["customer_seller"] = rng.pick([SENDER, SENDER, "Other AG", "acme kaffee gmbh"])
        row["customer_categories"] = rng.pick(["coffee", "tea", "", "coffee;tea", "Coffee"])
        row["customer_contact_points"] = rng.pick([None, "email", "email;sms", "sms;messenger"], ["phone"])
        row["customer_opt_out_notice"] = rng.pick([None, "true", "false"])
    if rng.random() < 0.1:
        row["presumed_facts"] = rng.pick(["Met at the trade fair", " padded "], weights=[9, 1])
        row["presumed_assessed_by"] = "Sales"
        row["presumed_assessed_at"] = _stamp(rng, _around(rng, AT))
        row["presumed_sender"] = rng.pick([SENDER, "Other AG"])
        row["presumed_topic"] = rng.pick([None, "coffee", "tea"])
    return row


def _consent(rng: _Rng, row: dict[str, Any], p: str, i: int, grant_base: datetime) -> None:
    granted = grant_base if rng.random() < 0.5 else _around(rng, AT)
    row[f"{p}_consent_at"] = _stamp(rng, granted)
    row[f"{p}_consent_method"] = rng.pick(_METHODS, ["carrier_pigeon"])
    row[f"{p}_consent_senders"] = rng.pick(_SENDERS, [""])
    row[f"{p}_consent_scope"] = rng.pick([None, None, None, "coffee", "tea", "coffee;tea"])
    row[f"{p}_consent_id"] = rng.pick([None, f"c{i}-{p}"], ["dup", f"r{i}:email"], [70, 25])
    if rng.random() < 0.6:
        later = rng.pick([timedelta(minutes=5), timedelta(0), timedelta(days=500)])
        row[f"{p}_confirmed_at"] = _stamp(rng, granted + later)
        row[f"{p}_confirmation_channel"] = rng.pick(
            [None, p, "email", "sms", "phone"], ["telepathy"], [40, 30, 10, 10, 8]
        )
    elif rng.bad and rng.random() < 0.1:
        row[f"{p}_confirmation_channel"] = p  # a confirmation channel without its date
    if rng.random() < 0.2:
        later = rng.pick([timedelta(days=1), AT - granted, timedelta(days=900)], [timedelta(days=-1)])
        row[f"{p}_withdrawn_at"] = _stamp(rng, granted + later)
    if rng.random() < 0.3:
        later = rng.pick([timedelta(days=10), timedelta(days=800)], [timedelta(days=-2)])
        row[f"{p}_last_used_at"] = _stamp(rng, granted + later)
    row[f"{p}_subject_age"] = rng.pick([None, "13", "14", "15", "16", "40"], ["abc"], [85, 3, 3, 3, 2, 3])
    row[f"{p}_tied_to"] = rng.pick([None, "the loyalty card", "  "], weights=[90, 8, 2])


def random_rows(n: int, seed: int, bad: float = 0.1, distinct: int | None = None) -> list[dict[str, Any]]:
    """``n`` rows; a share ``bad`` of them may hold deliberately bad cells. With
    ``distinct``, only that many rows are drawn; the others are copies of them for other
    people (new ids, addresses and consent ids), as real lists repeat fact patterns."""
    rng = _Rng(seed)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        if distinct is not None and i >= distinct:
            j = rng.randrange(distinct)
            rows.append({k: _renumber(v, j, i, k) for k, v in rows[j].items()})
            continue
        rng.bad = rng.random() < bad
        rows.append(random_row(rng, i))
    return rows


_PERSONAL = ("id", "email", "messenger", *(f"{c.value}_consent_id" for c in FLAT_CHANNELS))


def _renumber(value: Any, old: int, new: int, column: str) -> Any:
    if column in _PERSONAL and isinstance(value, str):
        return (
            value.replace(f"r{old}", f"r{new}")
            .replace(f"{old}@", f"{new}@")
            .replace(f"c{old}-", f"c{new}-")
            .replace(f"handle{old}", f"handle{new}")
        )
    return value


__all__ = ["AT", "COLUMNS", "SENDER", "random_row", "random_rows"]
