"""GDPR rules shared by EU member states (Regulation (EU) 2016/679, applicable since
25 May 2018). Each module builds rules from the GDPR version plus the member state's
pre-GDPR versions, so that every rule covers the member state's whole coded range."""

from __future__ import annotations

from datetime import date

__all__ = ["GDPR_APPLIES"]

GDPR_APPLIES = date(2018, 5, 25)
"""Art. 99 Abs. 2 DSGVO: the GDPR applies from 25 May 2018."""
