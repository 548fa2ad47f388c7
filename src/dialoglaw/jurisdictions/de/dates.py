"""The dates on which the German rules changed (first day in force, German local time)."""

from __future__ import annotations

from datetime import date

__all__ = [
    "BDSG_OLD_ENDS",
    "COVERAGE_FROM",
    "FAIR_CONTRACTS_2021",
    "RENUMBERING_2022",
    "TELEPHONE_ACT_2009",
    "UWG_2004",
    "UWG_2008",
]

UWG_2004 = date(2004, 7, 8)
"""UWG 2004 (G v. 03.07.2004, BGBl. I S. 1414) in force; the start of the coded range."""
UWG_2008 = date(2008, 12, 30)
"""1. UWG-ÄndG (G v. 22.12.2008, BGBl. I S. 2949): "stets"; express consent for automated
calls, fax and electronic mail; "recognisably unwanted" moves to § 7 Abs. 1 Satz 2."""
TELEPHONE_ACT_2009 = date(2009, 8, 4)
"""G zur Bekämpfung unerlaubter Telefonwerbung (BGBl. I S. 2413): consumer calls need
prior express consent."""
BDSG_OLD_ENDS = date(2018, 5, 25)
"""The GDPR applies; § 28 BDSG a.F. ends."""
FAIR_CONTRACTS_2021 = date(2021, 10, 1)
"""G für faire Verbraucherverträge (BGBl. I S. 3433), Art. 3: § 7a UWG."""
RENUMBERING_2022 = date(2022, 5, 28)
"""G v. 10.08.2021 (BGBl. I S. 3504): § 7 Abs. 2 Nr. 2–4 become Nr. 1–3."""
COVERAGE_FROM = UWG_2004
