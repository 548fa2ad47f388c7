"""How long to keep proof of consent and suppression records, and why.

The only statutory period is § 7a UWG (consumer phone consent: five years from the grant
and after every use). Everything else is accountability without a fixed period (Art. 5
Abs. 2, 7 Abs. 1 DSGVO) and practice driven by limitation periods (§ 11 UWG, §§ 195, 199
BGB, § 31 OWiG); the library labels it as such. Suppression records (objections,
withdrawals) are kept as long as any data of the contact is held, so that the objection
is honoured (Art. 17 Abs. 3, Art. 21 Abs. 3 DSGVO).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from dialoglaw.citations import Citation
from dialoglaw.errors import InputError
from dialoglaw.facts import Consent, Contact
from dialoglaw.policy import Policy
from dialoglaw.registry import rulebook_for

__all__ = [
    "Retention",
    "RetentionSchedule",
    "ScheduleRow",
    "proof_retention",
    "retention_schedule",
    "suppression_retention",
]


class Retention(BaseModel):
    """What to keep for one record, until when, and on which basis."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record: Literal["consent_proof", "suppression_record"]
    record_id: str
    statutory: bool
    """True only where a statute sets the period (§ 7a UWG)."""
    basis: Literal["statute", "accountability", "practice"]
    retain_until: date | None
    """Last day to keep the record (inclusive); None: keep while relied on or held."""
    citation: Citation
    authorities: tuple[Citation, ...] = ()
    explanation: str
    question: str | None = None
    """Set when whether the statute applies is unsettled (the date is then the cautious one)."""


def proof_retention(
    consent: Consent,
    contact: Contact,
    *,
    jurisdiction: str | None = None,
    policy: Policy | None = None,
) -> Retention:
    """The retention requirement for the proof of ``consent``, given to ``contact``."""
    if not isinstance(consent, Consent) or not isinstance(contact, Contact):
        raise InputError.single("retention request", "consent", "must be a Consent of a Contact")
    book = rulebook_for(jurisdiction or contact.country)
    if book.retention is None:
        msg = f"cannot be computed: no retention rules are coded for {book.jurisdiction}"
        raise InputError.single("retention request", "jurisdiction", msg)
    result: Retention = book.retention.proof(consent, contact, policy or Policy())
    return result


def suppression_retention(contact: Contact, *, jurisdiction: str | None = None) -> tuple[Retention, ...]:
    """One requirement per objection and per withdrawn consent of ``contact``."""
    book = rulebook_for(jurisdiction or contact.country)
    if book.retention is None:
        return ()
    result: tuple[Retention, ...] = book.retention.suppression(contact)
    return result


class ScheduleRow(BaseModel):
    """One line of a retention schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str
    record: Literal["consent_proof", "suppression_record"]
    record_id: str
    action: Literal["keep", "may_delete", "review"]
    statutory: bool
    basis: str
    retain_until: date | None
    citation: str
    explanation: str


class RetentionSchedule:
    """The retention schedule of a population on one day; a table in notebooks."""

    def __init__(self, on: date, rows: list[ScheduleRow]) -> None:
        self.on = on
        self.rows = rows

    def __iter__(self) -> Iterator[ScheduleRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def deletable(self) -> list[ScheduleRow]:
        return [r for r in self.rows if r.action == "may_delete"]

    def to_records(self) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in self.rows]

    def to_pandas(self) -> Any:
        """A pandas DataFrame (needs the ``pandas`` extra)."""
        import pandas as pd  # noqa: PLC0415 - optional dependency

        return pd.DataFrame(self.to_records())

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ScheduleRow.model_fields)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.model_dump().values()) + "</tr>"
            for r in self.rows
        )
        return f"<table><caption>Retention schedule on {self.on}</caption><tr>{head}</tr>{body}</table>"


def retention_schedule(
    contacts: Iterable[Contact],
    *,
    on: date,
    jurisdiction: str | None = None,
    policy: Policy | None = None,
) -> RetentionSchedule:
    """Which proofs and suppression records must be kept, until when, and which may be
    deleted on ``on``, for every consent and objection of ``contacts``."""
    rows: list[ScheduleRow] = []
    for contact in contacts:
        for consent in contact.consents:
            r = proof_retention(consent, contact, jurisdiction=jurisdiction, policy=policy)
            rows.append(_row(contact.id, r, on))
        rows.extend(
            _row(contact.id, r, on) for r in suppression_retention(contact, jurisdiction=jurisdiction)
        )
    return RetentionSchedule(on, rows)


def _row(contact_id: str, r: Retention, on: date) -> ScheduleRow:
    if r.question is not None:
        action: Literal["keep", "may_delete", "review"] = (
            "review" if r.retain_until and r.retain_until < on else "keep"
        )
    elif r.retain_until is None or r.retain_until >= on:
        action = "keep"
    else:
        action = "may_delete"
    return ScheduleRow(
        contact_id=contact_id,
        record=r.record,
        record_id=r.record_id,
        action=action,
        statutory=r.statutory,
        basis=r.basis,
        retain_until=r.retain_until,
        citation=r.citation.de,
        explanation=r.explanation,
    )
