"""§ 7 UWG — Unzumutbare Belästigungen.

Abs. 1: advertising the addressee recognisably does not want is unlawful (since
30.12.2008 Satz 2; before, § 7 Abs. 2 Nr. 1 UWG 2004). Abs. 2: per-se harassment — calls
to consumers without prior express consent, to others without at least presumed consent
(Nr. 1, until 27.05.2022 Nr. 2); automated calls, fax and electronic mail without prior
express consent (Nr. 2, before Nr. 3); messages concealing the sender or lacking a valid
opt-out address (Nr. 3, before Nr. 4). Abs. 3: the existing-customer exception for
electronic mail. The 2022 renumbering changed citations, not outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialoglaw.channels import CONSENT_CHANNELS, ELECTRONIC_MAIL, Acquisition, Audience, Channel
from dialoglaw.citations import Citation
from dialoglaw.decision import Finding
from dialoglaw.engine import make_finding
from dialoglaw.facts import Consent
from dialoglaw.jurisdictions.common import has_objections, objections_in_force, withdrawals_in_force
from dialoglaw.jurisdictions.de.citations import (
    BGH_AUTOREPLY,
    BGH_DOI,
    BGH_FEEDBACK,
    BGH_FREE_PAPER,
    BGH_LEAFLET,
    BGH_PRESUMED,
    BGH_PRESUMED_OWN_SERVICES,
    BGH_SUBSCRIPTION_ENTRY,
    LG_LUENEBURG,
    OLG_HAMM_MESSENGER,
    OLG_HAMM_POSTAL,
    uwg,
)
from dialoglaw.jurisdictions.de.dates import (
    BDSG_OLD_ENDS,
    RENUMBERING_2022,
    TELEPHONE_ACT_2009,
    UWG_2004,
    UWG_2008,
)
from dialoglaw.jurisdictions.eu.gdpr_art6 import ART_6_1_A, ART_6_1_B, ART_6_1_F, RECITAL_47
from dialoglaw.rules import Case, Kind, Level, NotMet, Rule, RuleVersion
from dialoglaw.validity import Validity, german_date

__all__ = ["RULES", "prior_consent_rule"]

CONSUMER = frozenset({Audience.CONSUMER})
BUSINESS = frozenset({Audience.BUSINESS})
REMOTE = frozenset({Channel.AUTOMATED_CALL, Channel.FAX, *ELECTRONIC_MAIL})
IMPLIED_2004 = "de.uwg.2004.implied_consent"

OLD = Validity(UWG_2004, RENUMBERING_2022)
NEW = Validity(RENUMBERING_2022)


def _renumbered(old: Citation, new: Citation, **kw: Any) -> tuple[RuleVersion, RuleVersion]:
    """Two versions around the 28.05.2022 renumbering, same substance."""
    return RuleVersion(OLD, old, **kw), RuleVersion(NEW, new, **kw)


# --- Abs. 2: what each channel requires ---------------------------------------------

PHONE_CONSUMER = Rule(
    id="de.uwg.7.2.phone.consumer",
    title="Telephone advertising to consumers needs prior express consent",
    kind=Kind.REQUIREMENT,
    code="requirement",
    channels=frozenset({Channel.PHONE}),
    audiences=CONSUMER,
    versions=(
        # UWG 2004: "ohne deren Einwilligung" — implied consent was arguable, courts strict.
        RuleVersion(
            Validity(UWG_2004, TELEPHONE_ACT_2009),
            uwg(7, 2, number=2),
            level=Level.CONSENT,
            deny="no_consent",
            question=IMPLIED_2004,
        ),
        RuleVersion(
            Validity(TELEPHONE_ACT_2009, RENUMBERING_2022),
            uwg(7, 2, number=2),
            level=Level.EXPRESS_CONSENT,
            deny="no_express_consent",
        ),
        RuleVersion(NEW, uwg(7, 2, number=1), level=Level.EXPRESS_CONSENT, deny="no_express_consent"),
    ),
)

PHONE_BUSINESS = Rule(
    id="de.uwg.7.2.phone.business",
    title="Telephone advertising to businesses needs at least presumed consent",
    kind=Kind.REQUIREMENT,
    code="requirement",
    channels=frozenset({Channel.PHONE}),
    audiences=BUSINESS,
    versions=_renumbered(
        uwg(7, 2, number=2),
        uwg(7, 2, number=1),
        level=Level.PRESUMED_CONSENT,
        deny="no_presumed_consent",
        authorities=(BGH_PRESUMED, BGH_SUBSCRIPTION_ENTRY, BGH_PRESUMED_OWN_SERVICES),
    ),
)

REMOTE_REQUIREMENT = Rule(
    id="de.uwg.7.2.remote",
    title="Automated calls, fax and electronic mail need prior express consent",
    kind=Kind.REQUIREMENT,
    code="requirement",
    channels=REMOTE,
    versions=(
        # UWG 2004 Nr. 3: "ohne dass eine Einwilligung der Adressaten vorliegt".
        RuleVersion(
            Validity(UWG_2004, UWG_2008),
            uwg(7, 2, number=3),
            level=Level.CONSENT,
            deny="no_consent",
            question=IMPLIED_2004,
        ),
        RuleVersion(
            Validity(UWG_2008, RENUMBERING_2022),
            uwg(7, 2, number=3),
            level=Level.EXPRESS_CONSENT,
            deny="no_consent",
            authorities=(OLG_HAMM_MESSENGER,),
        ),
        RuleVersion(
            NEW,
            uwg(7, 2, number=2),
            level=Level.EXPRESS_CONSENT,
            deny="no_consent",
            authorities=(OLG_HAMM_MESSENGER,),
        ),
    ),
)

POSTAL_REQUIREMENT = Rule(
    id="de.uwg.7.1.postal",
    title="Addressed postal advertising needs no consent",
    kind=Kind.REQUIREMENT,
    code="requirement",
    channels=frozenset({Channel.POSTAL, Channel.LEAFLET}),
    versions=(RuleVersion(Validity(UWG_2004), uwg(7, 1), level=Level.NONE),),
)

# --- grounds --------------------------------------------------------------------------


def prior_consent_rule() -> Rule:
    """The consent ground. Its findings cite the provision demanding the consent (the
    channel's requirement); this rule's own citations are the authorities."""
    return Rule(
        id="de.uwg.7.2.consent",
        title="Prior consent permits advertising on any channel",
        kind=Kind.GROUND,
        code="express_consent",
        channels=CONSENT_CHANNELS,
        levels=frozenset({Level.CONSENT, Level.EXPRESS_CONSENT, Level.PRESUMED_CONSENT}),
        versions=(
            RuleVersion(Validity(UWG_2004, BDSG_OLD_ENDS), uwg(7, 2), authorities=(BGH_DOI,)),
            RuleVersion(Validity(BDSG_OLD_ENDS), ART_6_1_A, authorities=(BGH_DOI,)),
        ),
    )


def _presumed(case: Case, channel: Channel, version: RuleVersion) -> Any:
    facts = case.contact.presumed_consent
    if facts is None:
        return None
    problems = []
    if facts.sender.casefold() != case.message.sender.casefold():
        problems.append("the assessment covers another caller")
    if facts.assessed_at > case.at:
        problems.append("the assessment was made after the call")
    if facts.topic is not None and facts.topic != case.message.topic:
        problems.append("the assessment covers another offer")
    if problems:
        return NotMet(
            (make_finding("no_presumed_consent", PRESUMED.id, version, {"detail": "; ".join(problems)}),)
        )
    return {"assessed_by": facts.assessed_by}


def _assessed(case: Case) -> bool:
    # The precondition of _presumed: without an assessment on file the ground is not in
    # play (and a business's phone plan has nothing else to run: engine._Plan.bare).
    return case.contact.presumed_consent is not None


PRESUMED = Rule(
    id="de.uwg.7.2.presumed",
    title="A business's presumed consent, inferred from concrete facts, permits a call",
    kind=Kind.GROUND,
    code="presumed_consent",
    channels=frozenset({Channel.PHONE}),
    audiences=BUSINESS,
    levels=frozenset({Level.PRESUMED_CONSENT}),
    versions=_renumbered(
        uwg(7, 2, number=2),
        uwg(7, 2, number=1),
        authorities=(BGH_PRESUMED, BGH_SUBSCRIPTION_ENTRY, BGH_PRESUMED_OWN_SERVICES),
    ),
    test=_presumed,
    precondition=_assessed,
)


def _postal(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any]:
    return {}  # the ground holds unless a bar stops it (Rule.constant)


POSTAL_GROUND = Rule(
    id="de.uwg.7.1.postal_ground",
    title="Addressed advertising letters are allowed unless the addressee objected",
    kind=Kind.GROUND,
    code="postal_no_objection",
    channels=frozenset({Channel.POSTAL}),
    levels=frozenset({Level.NONE}),
    versions=(
        RuleVersion(Validity(UWG_2004, BDSG_OLD_ENDS), uwg(7, 1), authorities=(OLG_HAMM_POSTAL,)),
        # Art. 6 Abs. 1 lit. f with ErwG 47 (DSK Orientierungshilfe Direktwerbung 2022).
        RuleVersion(Validity(BDSG_OLD_ENDS), ART_6_1_F, authorities=(RECITAL_47, uwg(7, 1))),
    ),
    test=_postal,
    constant=True,
)

LEAFLET_GROUND = Rule(
    id="de.uwg.7.1.leaflet_ground",
    title="Unaddressed leaflets are allowed unless refused",
    kind=Kind.GROUND,
    code="leaflet_no_refusal",
    channels=frozenset({Channel.LEAFLET}),
    levels=frozenset({Level.NONE}),
    versions=(RuleVersion(Validity(UWG_2004), uwg(7, 1), authorities=(BGH_LEAFLET,)),),
    test=_postal,
    constant=True,
)


def _not_advertising(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any]:
    return {"purpose": case.message.purpose.value}


NOT_ADVERTISING = Rule(
    id="de.uwg.7.scope",
    title="§ 7 UWG restricts advertising only; transactional messages are outside it",
    kind=Kind.GROUND,
    code="not_advertising",
    channels=frozenset(Channel),
    advertising_only=False,
    versions=(
        RuleVersion(Validity(UWG_2004, BDSG_OLD_ENDS), uwg(7), authorities=(BGH_FEEDBACK, BGH_AUTOREPLY)),
        RuleVersion(Validity(BDSG_OLD_ENDS), uwg(7), authorities=(ART_6_1_B, BGH_FEEDBACK, BGH_AUTOREPLY)),
    ),
    test=_not_advertising,
)

# --- Abs. 3: existing customers ------------------------------------------------------

_SEVEN_THREE_VERSIONS = (
    # Until 27.05.2022 "Abweichend von Absatz 2 Nummer 3", since then "Nummer 2".
    RuleVersion(Validity(UWG_2004, BDSG_OLD_ENDS), uwg(7, 3), authorities=(BGH_FEEDBACK,)),
    RuleVersion(
        Validity(BDSG_OLD_ENDS, RENUMBERING_2022),
        uwg(7, 3),
        authorities=(ART_6_1_F, RECITAL_47, BGH_FEEDBACK),
    ),
    RuleVersion(
        NEW,
        uwg(7, 3),
        authorities=(ART_6_1_F, RECITAL_47, BGH_FEEDBACK),
        note='Renumbering: "Abweichend von Absatz 2 Nummer 2" (until 27.05.2022: "Nummer 3").',
    ),
)


_CONDITION_CITATIONS = {n: uwg(7, 3, number=n) for n in (1, 2, 3, 4)}
_SEVEN_THREE = uwg(7, 3)


def _condition(rule_id: str, number: int, name: str, **ctx: Any) -> Finding:
    # One finding per failed condition, citing its number (all four are cumulative).
    return make_finding(
        "existing_customer_conditions_not_met",
        rule_id,
        None,
        {"condition": name, **ctx},
        citation=_CONDITION_CITATIONS[number],
    )


def _existing_customer(rule_id: str) -> Any:
    def test(case: Case, channel: Channel, version: RuleVersion) -> Any:
        rel = case.contact.relationship
        if rel is None:
            return None  # no relationship on file: the exception is not in play
        msg = case.message
        failed: list[Finding] = []
        missing: list[str] = []
        # Nr. 1: the address was obtained "im Zusammenhang mit dem Verkauf" — a real
        # sale, not a registration, enquiry or cancelled order (LG Nürnberg-Fürth
        # 4 HK O 655/21).
        if rel.obtained_through is not Acquisition.SALE or rel.obtained_at > case.at:
            failed.append(_condition(rule_id, 1, "sale", obtained_through=rel.obtained_through.value))
        elif channel not in rel.contact_points:
            failed.append(_condition(rule_id, 1, "sale", obtained_through="another contact point"))
        # Nr. 2: direct marketing by the seller itself for its own similar goods.
        if rel.seller.casefold() != msg.sender.casefold():
            failed.append(_condition(rule_id, 2, "own_similar_products", detail="another company sold"))
        elif msg.own_products is False:
            failed.append(_condition(rule_id, 2, "own_similar_products", detail="not own products"))
        elif msg.own_products is None:
            missing.append("message.own_products")
        else:
            similar = msg.similar_to_purchases
            if similar is None and msg.topic is not None:
                similar = case.policy.similar(msg.topic, rel.purchased_categories)
            if similar is None:
                missing.append("message.topic or message.similar_to_purchases")
            elif not similar:
                failed.append(_condition(rule_id, 2, "own_similar_products", detail="not similar"))
        # Nr. 3: no objection to the use — a withdrawn consent for this channel is one.
        if any(objections_in_force(case, channel)) or any(withdrawals_in_force(case, channel)):
            failed.append(_condition(rule_id, 3, "no_objection"))
        # Nr. 4: clear opt-out notice at collection AND in every use; a notice missing at
        # collection cannot be cured later (BGH VI ZR 225/17).
        if rel.opt_out_notice_at_collection is False:
            failed.append(_condition(rule_id, 4, "opt_out_notice", detail="none at collection"))
        elif rel.opt_out_notice_at_collection is None:
            missing.append("relationship.opt_out_notice_at_collection")
        if msg.includes_opt_out_notice is False:
            failed.append(_condition(rule_id, 4, "opt_out_notice", detail="none in this message"))
        elif msg.includes_opt_out_notice is None:
            missing.append("message.includes_opt_out_notice")
        if missing:
            failed.append(
                make_finding("missing_facts", rule_id, None, {"facts": missing}, citation=_SEVEN_THREE)
            )
        if failed:
            return NotMet(tuple(failed))
        return {"seller": rel.seller}

    return test


def _customer(case: Case) -> bool:
    # The precondition of the three exceptions: without a relationship none is in play.
    return case.contact.relationship is not None


def _seven_three(channel: Channel, question: str | None) -> Rule:
    rule_id = f"de.uwg.7.3.{channel.value}"
    versions = tuple(
        RuleVersion(v.valid, v.citation, authorities=v.authorities, question=question, note=v.note)
        for v in _SEVEN_THREE_VERSIONS
    )
    return Rule(
        id=rule_id,
        title=f"Existing-customer exception for {channel.value}",
        kind=Kind.GROUND,
        code="existing_customer",
        channels=frozenset({channel}),
        levels=frozenset({Level.CONSENT, Level.EXPRESS_CONSENT}),
        versions=versions,
        test=_existing_customer(rule_id),
        precondition=_customer,
    )


# E-mail is "elektronische Post" beyond doubt. Whether a mobile number or a messenger
# handle is an "elektronische Postadresse" in Abs. 3 is disputed (Art. 13 Abs. 2
# ePrivacy-RL arguably yes; part of the literature no): the policy decides, or review.
EXISTING_CUSTOMER = (
    _seven_three(Channel.EMAIL, None),
    _seven_three(Channel.SMS, "de.uwg.7.3.sms"),
    _seven_three(Channel.MESSENGER, "de.uwg.7.3.messenger"),
)

# --- bars -----------------------------------------------------------------------------

_UNWANTED = (
    RuleVersion(Validity(UWG_2004, UWG_2008), uwg(7, 2, number=1)),
    RuleVersion(Validity(UWG_2008), uwg(7, 1, sentence=2)),
)


def _with(versions: tuple[RuleVersion, ...], *authorities: Citation) -> tuple[RuleVersion, ...]:
    return tuple(RuleVersion(v.valid, v.citation, authorities=authorities) for v in versions)


def _sticker_applies(case: Case) -> bool:
    # A "Keine Werbung" sticker does not cover free papers with an editorial part
    # (BGH I ZR 158/11), nor addressed mail.
    return case.contact.no_ads_sticker and not case.message.editorial_content


def _sticker(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    # Its own precondition: without the sticker the leaflet plan has nothing to run.
    return {} if _sticker_applies(case) else None


STICKER = Rule(
    id="de.uwg.7.1.sticker",
    title="A 'Keine Werbung' sticker refuses unaddressed advertising",
    kind=Kind.BAR,
    code="no_ads_sticker",
    channels=frozenset({Channel.LEAFLET}),
    versions=_with(_UNWANTED, BGH_LEAFLET, BGH_FREE_PAPER),
    test=_sticker,
    precondition=_sticker_applies,
)


def _leaflet_refusal(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    first = min((o.at for o in objections_in_force(case, channel)), default=None)
    return None if first is None else {"objected_on": german_date(first).isoformat()}


LEAFLET_REFUSAL = Rule(
    id="de.uwg.7.1.leaflet_refusal",
    title="Leaflets refused towards the advertiser are recognisably unwanted",
    kind=Kind.BAR,
    code="objection",
    channels=frozenset({Channel.LEAFLET}),
    versions=_with(_UNWANTED, LG_LUENEBURG),
    test=_leaflet_refusal,
    precondition=has_objections,
)


def _message_in_doubt(case: Case) -> bool:
    # The precondition of the three message bars below: a message that names its sender
    # and gives a valid opt-out address passes all three (one call a decision, not nine).
    message = case.message
    return message.sender_identified is not True or message.valid_opt_out_address is not True


def _identity(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    return {} if case.message.sender_identified is False else None


def _opt_out_address(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    return {} if case.message.valid_opt_out_address is False else None


def _message_facts(case: Case, channel: Channel, version: RuleVersion) -> Mapping[str, Any] | None:
    missing = [
        f"message.{name}"
        for name in ("sender_identified", "valid_opt_out_address")
        if getattr(case.message, name) is None
    ]
    return {"facts": missing} if missing else None


SENDER_IDENTITY = Rule(
    id="de.uwg.7.2.identity",
    title="Electronic advertising must not conceal the sender (bar even with consent)",
    kind=Kind.BAR,
    code="sender_not_identified",
    channels=ELECTRONIC_MAIL,
    versions=_renumbered(uwg(7, 2, number=4), uwg(7, 2, number=3, letter="a")),
    test=_identity,
    precondition=_message_in_doubt,
)

OPT_OUT_ADDRESS = Rule(
    id="de.uwg.7.2.opt_out_address",
    title="Electronic advertising needs a valid opt-out address (bar even with consent)",
    kind=Kind.BAR,
    code="no_valid_opt_out_address",
    channels=ELECTRONIC_MAIL,
    versions=_renumbered(uwg(7, 2, number=4), uwg(7, 2, number=3, letter="c")),
    test=_opt_out_address,
    precondition=_message_in_doubt,
)

MESSAGE_FACTS = Rule(
    id="de.uwg.7.2.message_facts",
    title="Whether the message names its sender and an opt-out address must be known",
    kind=Kind.BAR,
    code="missing_facts",
    channels=ELECTRONIC_MAIL,
    versions=_renumbered(uwg(7, 2, number=4), uwg(7, 2, number=3)),
    test=_message_facts,
    precondition=_message_in_doubt,
)

# --- consent conditions from § 7 Abs. 2 ("vorherige") ----------------------------------


def _not_yet(case: Case, channel: Channel, version: RuleVersion, consent: Consent) -> Any:
    if consent.granted_at > case.at:
        return {"consent_id": consent.id, "granted_on": german_date(consent.granted_at).isoformat()}
    return None


PRIOR = Rule(
    id="de.uwg.7.2.prior",
    title="Consent must be given before the advertising",
    kind=Kind.CONSENT_CONDITION,
    code="consent_not_yet_granted",
    channels=CONSENT_CHANNELS,
    versions=(RuleVersion(Validity(UWG_2004), uwg(7, 2)),),
    consent_test=_not_yet,
)

# --- obligations ----------------------------------------------------------------------


def _notice(case: Case, channel: Channel, version: RuleVersion, ground: Finding) -> Any:
    return {} if ground.code == "existing_customer" else None


OPT_OUT_NOTICE = Rule(
    id="de.uwg.7.3.notice",
    title="Mail sent under the existing-customer exception carries the opt-out notice",
    kind=Kind.OBLIGATION,
    code="include_opt_out_notice",
    channels=ELECTRONIC_MAIL,
    versions=(RuleVersion(Validity(UWG_2004), uwg(7, 3, number=4)),),
    obligation_test=_notice,
)


def _identify(case: Case, channel: Channel, version: RuleVersion, ground: Finding) -> Any:
    return {} if ground.code != "not_advertising" else None


IDENTIFY_SENDER = Rule(
    id="de.uwg.7.2.identify",
    title="Electronic advertising names its sender",
    kind=Kind.OBLIGATION,
    code="identify_sender",
    channels=ELECTRONIC_MAIL,
    versions=_renumbered(uwg(7, 2, number=4), uwg(7, 2, number=3, letter="a")),
    obligation_test=_identify,
)

RULES: tuple[Rule, ...] = (
    PHONE_CONSUMER,
    PHONE_BUSINESS,
    REMOTE_REQUIREMENT,
    POSTAL_REQUIREMENT,
    prior_consent_rule(),
    PRESUMED,
    *EXISTING_CUSTOMER,
    POSTAL_GROUND,
    LEAFLET_GROUND,
    NOT_ADVERTISING,
    STICKER,
    LEAFLET_REFUSAL,
    SENDER_IDENTITY,
    OPT_OUT_ADDRESS,
    MESSAGE_FACTS,
    PRIOR,
    OPT_OUT_NOTICE,
    IDENTIFY_SENDER,
)
