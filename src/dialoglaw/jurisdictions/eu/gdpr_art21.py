"""Art. 21 DSGVO — Widerspruchsrecht.

Abs. 2, 3: a person may object at any time to processing for direct marketing; the data
are then "no longer processed for such purposes" — absolute, no weighing. An objection
may be limited to one channel. It acts for the future only. Abs. 4: the right must be
brought to the person's attention, at the latest with the first communication.
Unaddressed leaflets process no personal data and are outside Art. 21 (§ 7 Abs. 1 UWG
reaches them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dialoglaw.channels import Channel
from dialoglaw.citations import Citation
from dialoglaw.decision import Finding
from dialoglaw.jurisdictions.common import has_objections, objections_in_force
from dialoglaw.jurisdictions.eu import GDPR_APPLIES
from dialoglaw.jurisdictions.eu.citations import art
from dialoglaw.rules import Case, Kind, Rule, RuleVersion
from dialoglaw.validity import Validity, german_date

__all__ = ["ADDRESSED", "inform_rule", "objection_rule"]

ADDRESSED: frozenset[Channel] = frozenset(Channel) - {Channel.LEAFLET}


def _objection(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    if not case.contact.objections:  # the common case, decided without a scan
        return None
    first = min((o.at for o in objections_in_force(case, channel)), default=None)
    if first is None:
        return None
    return {"objected_on": german_date(first).isoformat()}


def objection_rule(before: Sequence[RuleVersion], *authorities: Citation) -> Rule:
    return Rule(
        id="eu.gdpr.21.3.objection",
        title="An objection to direct marketing bars every ground",
        kind=Kind.BAR,
        code="objection",
        channels=ADDRESSED,
        versions=(
            *before,
            RuleVersion(Validity(GDPR_APPLIES), art(21, 3), authorities=(art(21, 2), *authorities)),
        ),
        test=_objection,
        precondition=has_objections,
    )


def _inform(case: Case, channel: Channel, version: RuleVersion, ground: Finding) -> Any:
    return {} if ground.code != "not_advertising" else None


def inform_rule(before: Sequence[RuleVersion]) -> Rule:
    return Rule(
        id="eu.gdpr.21.4.notice",
        title="Inform of the right to object, at the latest with the first communication",
        kind=Kind.OBLIGATION,
        code="inform_right_to_object",
        channels=ADDRESSED,
        versions=(*before, RuleVersion(Validity(GDPR_APPLIES), art(21, 4))),
        obligation_test=_inform,
        constant=True,
    )
