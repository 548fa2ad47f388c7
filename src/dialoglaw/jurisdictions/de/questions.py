"""The legally unsettled questions of German direct-marketing law.

Each has a stable id. A :class:`~dialoglaw.Policy` decides each one (``review`` by
default, ``permit`` or ``suppress``); the library never pretends the law is settled.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialoglaw.jurisdictions.de.citations import (
    BGH_LAPSE,
    BGH_SPONSORS,
    OLG_FRANKFURT_TIED,
    bgb,
    uwg,
)
from dialoglaw.jurisdictions.eu.citations import art
from dialoglaw.rules import Question

__all__ = ["QUESTIONS"]

_QUESTIONS = (
    Question(
        id="de.uwg.7.3.sms",
        title="Does the existing-customer exception (§ 7 Abs. 3 UWG) cover SMS?",
        for_permitting="Art. 13 Abs. 2 ePrivacy-RL speaks of electronic contact details for "
        "electronic mail, which arguably include mobile numbers.",
        against="Part of the literature reads 'elektronische Postadresse' as an e-mail address only.",
        citation=uwg(7, 3),
    ),
    Question(
        id="de.uwg.7.3.messenger",
        title="Does the existing-customer exception (§ 7 Abs. 3 UWG) cover messenger handles?",
        for_permitting="Messenger messages are 'elektronische Post' (OLG Hamm 18 U 154/22), so "
        "the exception to Abs. 2 Nr. 2 may extend to them.",
        against="A handle is no 'elektronische Postadresse' obtained in a sale; no court has "
        "applied Abs. 3 to messengers.",
        citation=uwg(7, 3),
    ),
    Question(
        id="gdpr.7.4.tied_consent",
        title="Is a consent made a condition of a contract or service freely given?",
        for_permitting="Art. 7 Abs. 4 is no per-se ban; OLG Frankfurt 6 U 6/19 accepted consent "
        "as the price of a prize draw.",
        against="The German DPAs read the Kopplungsverbot strictly.",
        citation=art(7, 4),
        authorities=(OLG_FRANKFURT_TIED,),
    ),
    Question(
        id="de.consent.lapse",
        title="Has a consent that went unused for a long time lapsed?",
        for_permitting="Consent does not expire by lapse of time alone (BGH III ZR 196/17, Rn. 31).",
        against="Lower courts held long-unused consents no longer current (LG München I "
        "17 HK O 138/10: 17 months; AG München 161 C 12736/22: 4 years).",
        citation=BGH_LAPSE,
    ),
    Question(
        id="de.consent.minor",
        title="Can a person under 16 consent outside an online service, or before the GDPR?",
        for_permitting="Outside Art. 8 DSGVO a minor with sufficient insight "
        "(Einsichtsfähigkeit) can consent.",
        against="Insight is doubtful for 14–15-year-olds and lacking for younger children.",
        citation=art(8, 1),
    ),
    Question(
        id="de.consent.partner_list_size",
        title="Is a partner-list consent naming the sender among many companies specific?",
        for_permitting="OLG Frankfurt 6 U 6/19: up to 8 named companies in a clear business "
        "field are specific enough.",
        against="BGH I ZR 7/16: a list of 57 partners with laborious deselection is no "
        "consent 'für den konkreten Fall'.",
        citation=art(4, number=11),
        authorities=(OLG_FRANKFURT_TIED, BGH_SPONSORS),
    ),
    Question(
        id="de.uwg.2004.implied_consent",
        title="Did an implied consent suffice under the UWG 2004 wording ('Einwilligung')?",
        for_permitting="The wording did not require an express consent until 30.12.2008 "
        "(automated calls, fax, e-mail) and 04.08.2009 (consumer calls).",
        against="Courts were strict about implied consent even then.",
        citation=uwg(7, 2),
    ),
    Question(
        id="de.uwg.7a.automated_call",
        title="Does § 7a UWG (documentation, five-year retention) cover automated calls?",
        for_permitting="§ 7a speaks of 'Telefonanruf' only; § 20 Abs. 1 Nr. 1 names "
        "'automatische Anrufmaschine' separately.",
        against="An automated call is still a telephone call to the consumer; keep the proof "
        "as if § 7a applied.",
        citation=uwg("7a", 1),
    ),
    Question(
        id="de.uwg.7a.old_consent",
        title="Does § 7a apply to a consent granted before 01.10.2021 and not used since?",
        for_permitting="The duty to keep arises for consents used after 01.10.2021; an unused "
        "old consent triggers nothing.",
        against="The BNetzA guidance on 'Alteinwilligungen' (07.07.2022) could not be "
        "verified; keep the proof as if granted on 01.10.2021.",
        citation=uwg("7a", 2),
        authorities=(bgb(188, 2),),
    ),
)

QUESTIONS: Mapping[str, Question] = {q.id: q for q in _QUESTIONS}
