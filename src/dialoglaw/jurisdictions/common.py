"""Fact helpers shared by rule modules (no law here: only readings of the facts)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from dialoglaw.channels import Channel, ConsentMethod
from dialoglaw.facts import Consent, Contact, Objection, sender_key
from dialoglaw.rules import Case
from dialoglaw.validity import german_date

__all__ = ["age_at_grant", "casefolded", "objections_in_force", "online_method", "withdrawals_in_force"]

# Methods by which consent is typically collected through an information society service
# (a web form or app): the Art. 8 GDPR age threshold applies to them.
_ONLINE = frozenset(
    {
        ConsentMethod.DOUBLE_OPT_IN,
        ConsentMethod.SINGLE_OPT_IN,
        ConsentMethod.PRE_TICKED_BOX,
        ConsentMethod.OPT_OUT_CHECKBOX,
        ConsentMethod.TERMS_AND_CONDITIONS,
        ConsentMethod.PARTNER_LIST,
    }
)


def online_method(method: ConsentMethod) -> bool:
    return method in _ONLINE


@lru_cache(maxsize=4096)  # bounded: a campaign names few senders
def casefolded(names: tuple[str, ...]) -> frozenset[str]:
    """The names case-folded, to test ``name.casefold() in casefolded(names)`` (cached:
    a campaign's consents repeat a few sender lists)."""
    return frozenset(name.casefold() for name in names)


def has_objections(case: Case) -> bool:
    """The precondition of every rule that reads objections (see
    :attr:`dialoglaw.rules.Rule.precondition`): without one on file, none is in force."""
    return bool(case.contact.objections)


def objections_in_force(case: Case, channel: Channel) -> Iterator[Objection]:
    """Objections made at or before the send that reach ``channel`` for the sender.
    An objection acts only for the future (Art. 21 Abs. 3 DSGVO)."""
    for objection in case.contact.objections:
        if objection.at <= case.at and objection.covers(channel, case.message.sender):
            yield objection


def withdrawals_in_force(case: Case, channel: Channel) -> Iterator[Consent]:
    """Consents for ``channel`` naming the sender that were withdrawn before the send."""
    sender = sender_key(case.message.sender)
    for consent in case.contact.consents:
        if (
            consent.withdrawn_at is not None
            and consent.withdrawn_at <= case.at
            and channel in consent.channels
            and any(sender_key(s) == sender for s in consent.senders)
        ):
            yield consent


def age_at_grant(consent: Consent, contact: Contact) -> int | None:
    """The person's age in full years when consenting, if known."""
    if consent.subject_age is not None:
        return consent.subject_age
    if contact.birth_date is None:
        return None
    return _full_years(contact.birth_date, german_date(consent.granted_at))


def _full_years(born: date, on: date) -> int:
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years
