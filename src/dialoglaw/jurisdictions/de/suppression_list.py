"""Werbesperrdatei — the sender's suppression list (Art. 21 Abs. 3 DSGVO; before
25.05.2018 § 28 Abs. 4 BDSG a.F.).

After an objection to direct marketing the data "shall no longer be processed for such
purposes" (Art. 21 Abs. 3). When the person's record is erased (Art. 17 Abs. 1 lit. c),
a minimal suppression entry may and should remain so that the objection keeps working,
e.g. when the address is bought or entered again (DSK, Orientierungshilfe Direktwerbung,
February 2022; see legal/NOTES.md § 2 and § 4: the exact DSK wording is still to be
confirmed). The library keeps such entries as keyed hashes
(:class:`dialoglaw.privacy.SuppressionList`); the caller passes its list to ``decide``
and the engine hands the channels it bars for the contact to this rule as
``case.suppressed``. A listed contact is barred like one whose objection is on file:
on every addressed channel, whatever the ground. Unaddressed leaflets process no
personal data and stay outside (§ 7 Abs. 1 UWG reaches them through a known refusal).
Before the GDPR the same followed from § 28 Abs. 4 BDSG a.F.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialoglaw.channels import Channel
from dialoglaw.jurisdictions.de import bdsg_28
from dialoglaw.jurisdictions.eu import GDPR_APPLIES
from dialoglaw.jurisdictions.eu.citations import art
from dialoglaw.jurisdictions.eu.gdpr_art21 import ADDRESSED
from dialoglaw.rules import Case, Kind, Rule, RuleVersion
from dialoglaw.validity import Validity

__all__ = ["SUPPRESSION_LIST"]


def _listed(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    return {"source": "suppression_list"} if channel in case.suppressed else None


def _any_listed(case: Case) -> bool:
    return bool(case.suppressed)


SUPPRESSION_LIST = Rule(
    id="de.suppression_list",
    title="A contact on the sender's suppression list is not advertised to",
    kind=Kind.BAR,
    code="objection",
    channels=ADDRESSED,
    versions=(
        *bdsg_28.objection_versions(),
        # Art. 21 Abs. 2 gives the right to object; Art. 17 Abs. 1 lit. c the erasure that
        # leaves only the suppression entry behind.
        RuleVersion(Validity(GDPR_APPLIES), art(21, 3), authorities=(art(21, 2), art(17, 1, letter="c"))),
    ),
    test=_listed,
    precondition=_any_listed,
)
