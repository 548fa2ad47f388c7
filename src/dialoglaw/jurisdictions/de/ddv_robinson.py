"""DDV Robinsonliste — self-regulation of the Deutscher Dialogmarketing Verband.

Not law: there is no statutory duty to check it; it binds DDV members under their code of
conduct (entries valid five years). The legally binding route is an objection to the
advertiser (Art. 21 DSGVO). Honoured only where the policy says so (default: honoured).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialoglaw.channels import Channel
from dialoglaw.citations import Citation
from dialoglaw.jurisdictions.de.dates import UWG_2004
from dialoglaw.rules import Case, Kind, Rule, RuleVersion
from dialoglaw.validity import Validity

__all__ = ["ROBINSON"]

DDV_CODE = Citation.self_regulation("DDV-Robinsonliste (Selbstregulierung, kein Gesetz)")


def _listed(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    if case.policy.honour_robinson_list and case.contact.robinson_listed:
        return {}
    return None


ROBINSON = Rule(
    id="de.ddv.robinson",
    title="Robinson-listed contacts are suppressed where the policy honours the list",
    kind=Kind.BAR,
    code="robinson_list",
    channels=frozenset(Channel) - {Channel.LEAFLET},
    versions=(RuleVersion(Validity(UWG_2004), DDV_CODE),),
    test=_listed,
)
