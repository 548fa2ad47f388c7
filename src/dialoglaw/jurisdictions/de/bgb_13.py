"""§ 13 BGB — Verbraucher.

Whether a contact is a consumer decides the phone rule (§ 7 Abs. 2 Nr. 1 UWG). Where the
audience is unknown, the policy decides (by default: consumer, the stricter reading) and
every verdict carries a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialoglaw.channels import Audience, Channel
from dialoglaw.jurisdictions.de.citations import bgb
from dialoglaw.jurisdictions.de.dates import UWG_2004
from dialoglaw.rules import Case, Kind, Rule, RuleVersion
from dialoglaw.validity import Validity

__all__ = ["AUDIENCE_UNKNOWN"]


def _unknown(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    if case.contact.audience is Audience.UNKNOWN:
        return {"treated_as": case.audience.value}
    return None


def _audience_unknown(case: Case) -> bool:
    return case.contact.audience is Audience.UNKNOWN


AUDIENCE_UNKNOWN = Rule(
    id="de.bgb.13.audience",
    title="Unknown audience: treated as the policy says, with a warning",
    kind=Kind.WARNING,
    code="audience_unknown",
    channels=frozenset(Channel),
    versions=(RuleVersion(Validity(UWG_2004), bgb(13)),),
    test=_unknown,
    precondition=_audience_unknown,
    constant=True,  # where the audience is unknown, the warning names the plan's audience
)
