"""Generate the synthetic campaign list ``examples/campaign.jsonl`` and ``examples/campaign.csv``.

Regenerate (from the repository root, with the package installed)::

    .venv/bin/python examples/generate.py

The script is deterministic (``random.Random(20261123)``): running it again writes
byte-identical files, which are committed. Every person, company, address, e-mail
address and telephone number is invented; e-mail domains are ``example.de`` and
``example.com`` only.

The 3000 contacts are checked against ``examples/message.json`` (sender "ACME Kaffee
GmbH", topic "coffee") at the send time 2026-11-23T10:00:00+01:00::

    .venv/bin/dialoglaw check examples/campaign.csv --message examples/message.json \\
        --at 2026-11-23T10:00:00+01:00

They cover consumers, businesses and unknown audiences; every channel; valid and invalid
consents (double opt-in confirmed through the same or another channel, unconfirmed single
opt-in, pre-ticked boxes, opt-out checkboxes, consent buried in terms and conditions,
partner lists with and without the sender, other senders, scopes that do not cover the
topic, consents withdrawn before and after the send time or granted after it, signed and
recorded phone consents, consents by minors and consents tied to a contract); general and
per-channel objections; existing customers (sale, registration, cancelled order, with and
without an opt-out notice at collection); presumed-consent facts for business calls;
Robinson-listed contacts and "Keine Werbung" stickers.

``campaign.jsonl`` holds the nested model (one contact per line). ``campaign.csv`` holds
the same contacts in the flat layout (:mod:`dialoglaw.io.flat`), made with
:func:`dialoglaw.io.nested_to_flat`; so every contact is flattenable: at most one consent
per channel, each for a single channel, and at most one objection. Both files give the
same decisions.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from dialoglaw import Contact
from dialoglaw.io import flat_columns, nested_to_flat

SEED = 20261123
COUNT = 3000
HERE = Path(__file__).resolve().parent
JSONL = HERE / "campaign.jsonl"
CSV = HERE / "campaign.csv"

BERLIN = ZoneInfo("Europe/Berlin")
SEND_AT = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)
EARLIEST = datetime(2019, 1, 1, 8, 0, tzinfo=BERLIN)
SENDER = "ACME Kaffee GmbH"
TOPIC = "coffee"

OTHER_SENDERS = (
    "Teehaus Nordlicht AG",
    "Bohnenwerk Vertriebs GmbH",
    "Gutscheinwelt Direkt GmbH",
    "Frischeparadies Lübke KG",
    "Mühlenhof Backwaren GmbH",
    "Rheinblick Reisen GmbH",
    "Sparfuchs Versicherungsmakler GmbH",
    "Zettelwerk Druck GmbH",
    "Kochlöffel Küchenbedarf GmbH",
    "Sonnenau Energie GmbH",
    "Lesezeichen Verlag GmbH",
    "Wolkenweich Textil GmbH",
)
FIRST_NAMES = (
    "Anna", "Bernd", "Clara", "Dieter", "Emma", "Finn", "Greta", "Hannes", "Ida", "Jonas",
    "Karla", "Lukas", "Mia", "Niklas", "Olga", "Paul", "Rieke", "Sven", "Tilda", "Ulf",
    "Vera", "Wim", "Yara", "Zeno", "Jürgen", "Bärbel", "Sören", "Änne",
)  # fmt: skip
LAST_NAMES = (
    "Ackermann", "Brenneke", "Cordes", "Dreyer", "Eilers", "Fiedler", "Grotjahn", "Hinrichs",
    "Iske", "Janssen", "Kröger", "Lüders", "Meinert", "Nolting", "Oltmanns", "Pieper",
    "Quast", "Rademacher", "Stöver", "Tjaden", "Uphoff", "Vosskamp", "Wübbena", "Zurmühlen",
)  # fmt: skip
TRADES = (
    "Bürobedarf", "Steuerberatung", "Zahnarztpraxis", "Autohaus", "Architekten",
    "Bäckerei", "Logistik", "IT-Service", "Hotel", "Fitnessstudio",
)  # fmt: skip
STREETS = (
    "Lindenallee", "Am Mühlbach", "Birkenweg", "Hafenstraße", "Kastanienring", "Ulmenstraße",
    "Am Deich", "Gartenstraße", "Kirchplatz", "Marktstraße", "Rosenhof", "Schlehdornweg",
)  # fmt: skip
CITIES = (
    ("10115", "Berlin"),
    ("20095", "Hamburg"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("60311", "Frankfurt am Main"),
    ("70173", "Stuttgart"),
    ("01067", "Dresden"),
    ("04109", "Leipzig"),
    ("28195", "Bremen"),
    ("26122", "Oldenburg"),
    ("90402", "Nürnberg"),
    ("24103", "Kiel"),
)
MOBILE_PREFIXES = ("151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173", "175", "176")
AREA_CODES = ("30", "40", "89", "221", "69", "711", "351", "341", "421", "441", "911", "431")
PRESUMED_FACTS = (
    "Orders office coffee from us every quarter and asked for the new espresso range.",
    "Asked for a quote for a coffee machine at the trade fair on 2026-10-14.",
    "Runs a café; requested a call about bean prices in writing on 2026-09-02.",
    "Existing supply contract for break-room coffee; renewal due in December.",
    "Found only in a purchased business directory.",
)
ASSESSORS = ("Vertrieb Innendienst (K. Brandt)", "Compliance (J. Weber)", "Key Account (S. Okafor)")
TIED_TO = ("Gewinnspiel Herbst 2025", "Kundenkarte", "Kostenloser Probierpack")

# What can go right or wrong with a consent, per channel family, with weights.
ELECTRONIC_KINDS = (
    ("doi", 30),
    ("doi_other_channel", 6),
    ("single_opt_in", 8),
    ("pre_ticked_box", 4),
    ("opt_out_checkbox", 4),
    ("terms_and_conditions", 4),
    ("partner_list_with_sender", 5),
    ("partner_list_long", 2),
    ("partner_list_without_sender", 4),
    ("other_sender", 4),
    ("scope_miss", 4),
    ("scope_hit", 5),
    ("withdrawn_before", 5),
    ("withdrawn_after", 3),
    ("granted_after", 3),
    ("minor", 2),
    ("tied", 2),
)
CALL_KINDS = (
    ("written_signed", 20),
    ("verbal_recorded", 20),
    ("doi_other_channel", 6),
    ("single_opt_in", 6),
    ("pre_ticked_box", 4),
    ("terms_and_conditions", 4),
    ("partner_list_with_sender", 4),
    ("partner_list_without_sender", 3),
    ("other_sender", 4),
    ("scope_miss", 3),
    ("withdrawn_before", 5),
    ("withdrawn_after", 3),
    ("granted_after", 3),
)
FAX_KINDS = (
    ("written_signed", 30),
    ("single_opt_in", 10),
    ("pre_ticked_box", 4),
    ("other_sender", 4),
    ("withdrawn_before", 4),
    ("granted_after", 2),
)
ELECTRONIC = ("email", "sms", "messenger")
CONSENT_SHARE = {
    "phone": 0.3,
    "automated_call": 0.06,
    "fax": 0.25,
    "email": 0.5,
    "sms": 0.3,
    "messenger": 0.4,
}
CONTACT_POINTS = {
    "phone": ("phone", "mobile"),
    "automated_call": ("phone", "mobile"),
    "fax": ("fax",),
    "email": ("email",),
    "sms": ("mobile",),
    "messenger": ("messenger",),
}
CHANNELS = ("postal", "leaflet", "phone", "automated_call", "fax", "email", "sms", "messenger")


def iso(moment: datetime) -> str:
    return moment.isoformat()


class Generator:
    """Draws synthetic contacts from one seeded random source."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not cryptography

    # -- small helpers -------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, options: tuple[tuple[str, int], ...]) -> str:
        names = [name for name, _ in options]
        weights = [weight for _, weight in options]
        return self.rng.choices(names, weights=weights)[0]

    def moment(self, start: datetime, end: datetime) -> datetime:
        """A minute between ``start`` and ``end``, in German local time."""
        span = int((end - start).total_seconds() // 60)
        utc = start.astimezone(ZoneInfo("UTC")) + timedelta(minutes=self.rng.randrange(max(span, 1)))
        return utc.astimezone(BERLIN)

    def digits(self, n: int) -> str:
        """``n`` digits, the first not zero (subscriber numbers never start with 0)."""
        return str(self.rng.randint(1, 9)) + "".join(str(self.rng.randrange(10)) for _ in range(n - 1))

    # -- contact points ------------------------------------------------------------------

    def mobile(self) -> str:
        while True:
            prefix = self.rng.choice(MOBILE_PREFIXES)
            number = self.digits(8 if prefix.startswith("15") else 7)
            if not _valid("0" + prefix + number):
                continue
            return self.rng.choice(
                (
                    f"0{prefix} {number}",
                    f"0{prefix}-{number}",
                    f"0{prefix}/{number}",
                    f"+49 {prefix} {number}",
                    f"+49 (0){prefix} {number}",
                    f"0049 {prefix} {number}",
                    f"0{prefix}{number}",
                )
            )

    def landline(self) -> str:
        while True:
            area = self.rng.choice(AREA_CODES)
            number = self.digits(self.rng.choice((6, 7, 7, 8)) if len(area) == 2 else self.rng.choice((6, 7)))
            if not _valid("0" + area + number) or not _fixed("0" + area + number):
                continue
            return self.rng.choice(
                (
                    f"0{area}/{number}",
                    f"0{area} {number}",
                    f"0{area}-{number}",
                    f"(0{area}) {number}",
                    f"+49 (0){area} {number}",
                    f"+49 {area} {number}",
                    f"+49{area}{number}",
                )
            )

    def person_email(self, first: str, last: str, n: int) -> str:
        f, l_ = _ascii(first), _ascii(last)
        domain = self.rng.choice(("example.de", "example.com", "mail.example.de", "Example.DE"))
        local = self.rng.choice(
            (
                f"{f}.{l_}",
                f"{f[0]}.{l_}",
                f"{f}{l_}{n % 97}",
                f"{f}_{l_}",
                f"{f}.{l_}+kaffee",
                f"{f.capitalize()}.{l_.capitalize()}",
            )
        )
        return f"{local}@{domain}"

    def address(self) -> dict[str, str]:
        postal_code, city = self.rng.choice(CITIES)
        street = f"{self.rng.choice(STREETS)} {self.rng.randint(1, 120)}"
        if self.chance(0.1):
            street += self.rng.choice("abc")
        return {"street": street, "postal_code": postal_code, "city": city}

    # -- legal facts ---------------------------------------------------------------------

    def consent(self, contact_id: str, channel: str, kind: str) -> dict[str, Any]:
        granted = self.moment(EARLIEST, SEND_AT - timedelta(days=2))
        if kind == "granted_after":
            granted = self.moment(SEND_AT + timedelta(hours=1), SEND_AT + timedelta(days=40))
        method = {
            "doi": "double_opt_in",
            "doi_other_channel": "double_opt_in",
            "scope_miss": "double_opt_in",
            "scope_hit": "double_opt_in",
            "other_sender": "double_opt_in",
            "withdrawn_before": "double_opt_in",
            "withdrawn_after": "double_opt_in",
            "granted_after": "double_opt_in",
            "minor": "double_opt_in",
            "tied": "double_opt_in",
            "partner_list_with_sender": "partner_list",
            "partner_list_long": "partner_list",
            "partner_list_without_sender": "partner_list",
        }.get(kind, kind)
        if channel not in ELECTRONIC and method == "double_opt_in" and kind != "doi_other_channel":
            # Calls and faxes: a signed or recorded declaration stands in for the double opt-in.
            method = (
                "written_signed"
                if channel == "fax"
                else self.rng.choice(("written_signed", "verbal_recorded"))
            )
        senders = [SENDER]
        if kind == "other_sender":
            senders = [self.rng.choice(OTHER_SENDERS)]
        elif kind == "partner_list_with_sender":
            senders = [SENDER, *self.rng.sample(OTHER_SENDERS, self.rng.randint(2, 6))]
            self.rng.shuffle(senders)
        elif kind == "partner_list_long":
            senders = [SENDER, *self.rng.sample(OTHER_SENDERS, 10)]
            self.rng.shuffle(senders)
        elif kind == "partner_list_without_sender":
            senders = self.rng.sample(OTHER_SENDERS, self.rng.randint(3, 8))
        consent: dict[str, Any] = {
            "id": f"{contact_id}:{channel}",
            "channels": [channel],
            "granted_at": iso(granted),
            "method": method,
            "senders": senders,
        }
        if kind == "scope_miss":
            consent["scope"] = self.rng.choice((["tea"], ["tea", "chocolate"], ["travel"]))
        elif kind == "scope_hit" or self.chance(0.1):
            consent["scope"] = self.rng.choice(
                (["coffee"], ["coffee", "tea"], ["Coffee", "espresso machines"])
            )
        confirm = method == "double_opt_in" or (
            method == "partner_list" and channel in ELECTRONIC and self.chance(0.6)
        )
        if confirm:
            confirmed = granted + timedelta(minutes=self.rng.randint(1, 600))
            if kind == "doi_other_channel":
                others = [c for c in ELECTRONIC if c != channel]
                confirmation = self.rng.choice(others)
            else:
                confirmation = channel
            consent["confirmed_at"] = iso(confirmed)
            consent["confirmation_channel"] = confirmation
        if kind == "withdrawn_before":
            consent["withdrawn_at"] = iso(
                self.moment(granted + timedelta(days=1), SEND_AT - timedelta(hours=1))
            )
        elif kind == "withdrawn_after":
            consent["withdrawn_at"] = iso(
                self.moment(SEND_AT + timedelta(hours=2), SEND_AT + timedelta(days=30))
            )
        if kind == "minor":
            consent["subject_age"] = self.rng.choice((13, 14, 15))
        elif self.chance(0.15) and kind != "granted_after":
            consent["subject_age"] = self.rng.randint(18, 80)
        if kind == "tied":
            consent["tied_to"] = self.rng.choice(TIED_TO)
        if kind not in ("granted_after", "withdrawn_before") and self.chance(0.4):
            consent["used_at"] = [iso(self.moment(granted + timedelta(days=1), SEND_AT - timedelta(days=1)))]
        return consent

    def objection(self, channels: list[str]) -> dict[str, Any]:
        objection: dict[str, Any] = {
            "at": iso(
                self.moment(EARLIEST, SEND_AT - timedelta(days=1))
                if self.chance(0.9)
                else self.moment(SEND_AT + timedelta(hours=1), SEND_AT + timedelta(days=20))
            )
        }
        if self.chance(0.5):
            objection["channels"] = self.rng.sample(channels, self.rng.randint(1, 2))
        if self.chance(0.25):
            objection["sender"] = self.rng.choice((SENDER, *OTHER_SENDERS[:3]))
        return objection

    def relationship(self, has_mobile: bool) -> dict[str, Any]:
        obtained_through = self.rng.choices(("sale", "registration", "cancelled_order"), weights=(7, 2, 1))[0]
        rel: dict[str, Any] = {
            "obtained_through": obtained_through,
            "obtained_at": iso(self.moment(EARLIEST, SEND_AT - timedelta(days=3))),
            "seller": SENDER if self.chance(0.85) else self.rng.choice(OTHER_SENDERS),
            "purchased_categories": self.rng.choice(
                (["coffee"], ["coffee", "espresso machines"], ["Coffee"], ["tea"], ["kitchen textiles"])
            ),
        }
        if has_mobile and self.chance(0.3):
            rel["contact_points"] = ["email", "sms"]
        notice = self.rng.choices((True, False, None), weights=(7, 2, 1))[0]
        if notice is not None:
            rel["opt_out_notice_at_collection"] = notice
        return rel

    def presumed(self) -> dict[str, Any]:
        presumed: dict[str, Any] = {
            "facts": self.rng.choice(PRESUMED_FACTS),
            "assessed_by": self.rng.choice(ASSESSORS),
            "assessed_at": iso(
                self.moment(datetime(2025, 6, 1, tzinfo=BERLIN), SEND_AT - timedelta(days=1))
                if self.chance(0.9)
                else self.moment(SEND_AT + timedelta(hours=1), SEND_AT + timedelta(days=10))
            ),
            "sender": SENDER if self.chance(0.85) else self.rng.choice(OTHER_SENDERS),
        }
        if self.chance(0.4):
            presumed["topic"] = self.rng.choice(("coffee", "coffee", "office supplies"))
        return presumed

    # -- one contact ---------------------------------------------------------------------

    def contact(self, n: int) -> dict[str, Any]:
        audience = self.rng.choices(("consumer", "business", "unknown"), weights=(55, 30, 15))[0]
        contact_id = f"c{n:05d}"
        contact: dict[str, Any] = {"id": contact_id}
        if audience != "unknown" or self.chance(0.5):
            contact["audience"] = audience  # an absent audience is unknown, too
        if self.chance(0.1):
            contact["country"] = "DE"
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        if audience == "business":
            trade = self.rng.choice(TRADES)
            slug = f"{_ascii(last)}-{_ascii(trade)}".replace(" ", "-")
            if self.chance(0.85):
                box = self.rng.choice(("info", "kontakt", "einkauf", _ascii(first)))
                contact["email"] = f"{box}@{slug}.example.com"
            if self.chance(0.8):
                contact["phone"] = self.landline()
            if self.chance(0.35):
                contact["mobile"] = self.mobile()
            if self.chance(0.45):
                contact["fax"] = self.landline()
        else:
            if self.chance(0.85):
                contact["email"] = self.person_email(first, last, n)
            if self.chance(0.3):
                contact["phone"] = self.landline()
            if self.chance(0.55):
                contact["mobile"] = self.mobile()
            if self.chance(0.04):
                contact["fax"] = self.landline()
            if audience == "consumer" and self.chance(0.3):
                year = self.rng.randint(1940, 2011)
                contact["birth_date"] = f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        if self.chance(0.25):
            contact["messenger"] = f"@{_ascii(first)}_{_ascii(last)}_{n}"
        if self.chance(0.78):
            contact["postal_address"] = self.address()

        consents = []
        for channel, share in CONSENT_SHARE.items():
            reachable = any(point in contact for point in CONTACT_POINTS[channel])
            # Mostly consents for contact points on file; a few without (no_contact_point).
            if not self.chance(share if reachable else share / 10):
                continue
            if channel in ELECTRONIC:
                kind = self.weighted(ELECTRONIC_KINDS)
            elif channel == "fax":
                kind = self.weighted(FAX_KINDS)
            else:
                kind = self.weighted(CALL_KINDS)
            consents.append(self.consent(contact_id, channel, kind))
        if consents:
            contact["consents"] = consents
        if self.chance(0.08):
            contact["objections"] = [self.objection(list(CHANNELS))]
        if audience != "business" and "email" in contact and self.chance(0.25):
            contact["relationship"] = self.relationship("mobile" in contact)
        if audience == "business" and ("phone" in contact or "mobile" in contact) and self.chance(0.5):
            contact["presumed_consent"] = self.presumed()
        if self.chance(0.05):
            contact["robinson_listed"] = True
        elif self.chance(0.05):
            contact["robinson_listed"] = False
        if "postal_address" in contact and self.chance(0.08):
            contact["no_ads_sticker"] = True
        return contact


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
    return text.translate(table).lower().replace(" ", "-")


def _parse(number: str) -> Any:
    return phonenumbers.parse(number, "DE")


def _valid(number: str) -> bool:
    return bool(phonenumbers.is_valid_number(_parse(number)))


def _fixed(number: str) -> bool:
    return bool(phonenumbers.number_type(_parse(number)) == phonenumbers.PhoneNumberType.FIXED_LINE)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def generate(count: int = COUNT, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` synthetic contacts in the nested model (JSON-ready dicts)."""
    generator = Generator(seed)
    contacts = [generator.contact(n) for n in range(1, count + 1)]
    for contact in contacts:
        Contact.model_validate(contact)  # fail here, not in the examples, if a fact is invalid
    return contacts


def write(contacts: list[dict[str, Any]], jsonl: Path = JSONL, flat: Path = CSV) -> None:
    """Write ``contacts`` as JSON Lines (nested) and CSV (flat layout)."""
    with jsonl.open("w", encoding="utf-8", newline="\n") as handle:
        for contact in contacts:
            handle.write(json.dumps(contact, ensure_ascii=False) + "\n")
    columns = flat_columns()
    with flat.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for contact in contacts:
            row = nested_to_flat(contact)
            writer.writerow({column: _csv_value(row.get(column)) for column in columns})


def main() -> None:
    contacts = generate()
    write(contacts)
    print(f"wrote {len(contacts)} contacts to {JSONL.name} and {CSV.name} in {HERE}")


if __name__ == "__main__":
    main()
