"""DDV Robinsonliste — self-regulation of the Deutscher Dialogmarketing Verband.

Not law: there is no statutory duty to check it; it binds DDV members under their code of
conduct (entries valid five years). The legally binding route is an objection to the
advertiser (Art. 21 DSGVO). Honoured only where the policy says so (default: honoured).
The list concerns advertising to people who have no relationship with the advertiser: it
does not reach a sender the contact gave consent to for the channel, or bought from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialoglaw.channels import Channel
from dialoglaw.citations import Citation
from dialoglaw.jurisdictions.common import casefolded
from dialoglaw.jurisdictions.de.dates import UWG_2004
from dialoglaw.rules import Case, Kind, Rule, RuleVersion
from dialoglaw.validity import Validity

__all__ = ["ROBINSON"]

DDV_CODE = Citation.self_regulation("DDV-Robinsonliste")


def _listed(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    if not (case.policy.honour_robinson_list and case.contact.robinson_listed):
        return None
    sender = case.message.sender.casefold()
    rel = case.contact.relationship
    if rel is not None and rel.seller.casefold() == sender and rel.obtained_at <= case.at:
        return None
    for consent in case.contact.consents:
        in_force = consent.granted_at <= case.at and (
            consent.withdrawn_at is None or consent.withdrawn_at > case.at
        )
        if in_force and channel in consent.channels and sender in casefolded(consent.senders):
            return None  # whether that consent is valid is for the consent rules to say
    return {}


def _on_list(case: Case) -> bool:
    # The precondition of _listed (one call a decision instead of seven).
    return case.policy.honour_robinson_list and case.contact.robinson_listed


ROBINSON = Rule(
    id="de.ddv.robinson",
    title="Robinson-listed contacts are suppressed where the policy honours the list",
    kind=Kind.BAR,
    code="robinson_list",
    channels=frozenset(Channel) - {Channel.LEAFLET},
    versions=(RuleVersion(Validity(UWG_2004), DDV_CODE),),
    test=_listed,
    precondition=_on_list,
)
