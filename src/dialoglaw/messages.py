"""One-sentence messages for every finding code, in English and German.

Templates are filled from a finding's ``ctx``; they never contain personal data, since
``ctx`` holds only ids, dates, channel names and legal terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialoglaw.citations import Lang

__all__ = ["CODES", "render_message"]

# code -> (English, German)
CODES: Mapping[str, tuple[str, str]] = {
    # grounds
    "express_consent": (
        "The contact gave prior express consent ({consent_id}) to advertising on this channel.",
        "Es liegt eine vorherige ausdrückliche Einwilligung ({consent_id}) für diesen Kanal vor.",
    ),
    "presumed_consent": (
        "The business's presumed consent rests on concrete facts assessed by {assessed_by}.",
        "Die mutmaßliche Einwilligung des Unternehmens beruht auf konkreten, von {assessed_by} "
        "geprüften Umständen.",
    ),
    "existing_customer": (
        "All four conditions of the existing-customer exception are met.",
        "Alle vier Voraussetzungen der Bestandskundenausnahme sind erfüllt.",
    ),
    "postal_no_objection": (
        "Addressed postal advertising needs no consent and the contact has not objected.",
        "Adressierte Briefwerbung bedarf keiner Einwilligung, und der Kontakt hat nicht widersprochen.",
    ),
    "leaflet_no_refusal": (
        "Unaddressed leaflets are allowed because no refusal is known.",
        "Unadressierte Werbung ist zulässig, weil keine Ablehnung bekannt ist.",
    ),
    "not_advertising": (
        "The message is transactional, not advertising, so the advertising rules do not apply.",
        "Die Nachricht ist keine Werbung, sondern transaktional; die Werberegeln greifen nicht.",
    ),
    # bars
    "no_consent": (
        "This channel needs prior consent and no valid consent is on file.",
        "Dieser Kanal verlangt eine vorherige Einwilligung, und es liegt keine wirksame vor.",
    ),
    "no_express_consent": (
        "Advertising on this channel needs prior express consent and no valid one is on file.",
        "Werbung über diesen Kanal verlangt eine vorherige ausdrückliche Einwilligung, und es liegt keine wirksame vor.",
    ),
    "no_presumed_consent": (
        "A call to a business needs at least presumed consent based on concrete facts, which are not on file.",
        "Ein Anruf bei einem Unternehmen verlangt zumindest eine auf konkrete Umstände gestützte "
        "mutmaßliche Einwilligung, die nicht vorliegt.",
    ),
    "consent_withdrawn": (
        "Consent {consent_id} was withdrawn on {withdrawn_on}, before the send.",
        "Die Einwilligung {consent_id} wurde am {withdrawn_on} und damit vor dem Versand widerrufen.",
    ),
    "consent_not_yet_granted": (
        "Consent {consent_id} is granted only on {granted_on}, after the send; consent must be prior.",
        "Die Einwilligung {consent_id} wird erst am {granted_on} nach dem Versand erteilt; sie muss vorher vorliegen.",
    ),
    "consent_invalid_method": (
        "Consent {consent_id} was collected by {method}, which is not a valid consent.",
        "Die Einwilligung {consent_id} wurde per {method} eingeholt; das ist keine wirksame Einwilligung.",
    ),
    "consent_unconfirmed": (
        "Consent {consent_id} was not confirmed through this channel before the send "
        "(confirmed through: {confirmed_through}), so it proves no consent here.",
        "Die Einwilligung {consent_id} wurde vor dem Versand nicht über diesen Kanal bestätigt "
        "(bestätigt über: {confirmed_through}) und beweist hier keine Einwilligung.",
    ),
    "consent_other_sender": (
        "Consent {consent_id} names other advertisers than the sender.",
        "Die Einwilligung {consent_id} nennt andere Werbende als den Absender.",
    ),
    "consent_not_specific": (
        "Consent {consent_id} is a partner-list consent that does not specifically name the sender.",
        "Die Einwilligung {consent_id} ist eine Partnerlisten-Einwilligung, die den Absender nicht konkret nennt.",
    ),
    "consent_other_purpose": (
        "Consent {consent_id} does not cover the advertised products ({topic}).",
        "Die Einwilligung {consent_id} deckt die beworbenen Produkte ({topic}) nicht ab.",
    ),
    "consent_by_minor": (
        "Consent {consent_id} was given at age {age} without parental authorisation.",
        "Die Einwilligung {consent_id} wurde im Alter von {age} Jahren ohne Zustimmung der Eltern erteilt.",
    ),
    "consent_not_by_subject": (
        "Consent {consent_id} was not given by the person contacted.",
        "Die Einwilligung {consent_id} wurde nicht von der angesprochenen Person erteilt.",
    ),
    "objection": (
        "The contact objected to this advertising on {objected_on}.",
        "Der Kontakt hat dieser Werbung am {objected_on} widersprochen.",
    ),
    "no_ads_sticker": (
        "The letterbox carries a 'no advertising' sticker.",
        "Der Briefkasten trägt einen Aufkleber „Keine Werbung“.",
    ),
    "robinson_list": (
        "The contact is on the Robinson list, which the policy honours (self-regulation, not law).",
        "Der Kontakt steht auf der Robinsonliste, die die Richtlinie beachtet (Selbstregulierung, kein Gesetz).",
    ),
    "existing_customer_conditions_not_met": (
        "The existing-customer exception does not apply: condition '{condition}' is not met.",
        "Die Bestandskundenausnahme greift nicht: Voraussetzung „{condition}“ ist nicht erfüllt.",
    ),
    "sender_not_identified": (
        "The message conceals or does not state the sender's identity.",
        "Die Nachricht verschleiert oder verheimlicht die Identität des Absenders.",
    ),
    "no_valid_opt_out_address": (
        "The message has no valid address to which the recipient can send an opt-out.",
        "Die Nachricht enthält keine gültige Adresse, an die der Empfänger einen Widerspruch richten kann.",
    ),
    "no_contact_point": (
        "The contact has no {contact_point} for this channel.",
        "Für diesen Kanal fehlt die Kontaktangabe ({contact_point}).",
    ),
    "contact_point_unsuitable": (
        "The contact point cannot receive this channel (line type {line_type}).",
        "Die Kontaktangabe kann diesen Kanal nicht empfangen (Anschlussart {line_type}).",
    ),
    "missing_facts": (
        "The decision needs facts that are missing: {facts}.",
        "Für die Entscheidung fehlen Angaben: {facts}.",
    ),
    # review
    "unsettled_law": (
        "The law is unsettled on this point ({question}); a person must review it.",
        "Die Rechtslage ist hier ungeklärt ({question}); eine Person muss prüfen.",
    ),
    # warnings
    "audience_unknown": (
        "The audience is unknown, so the contact is treated as a {treated_as}.",
        "Die Zielgruppe ist unbekannt; der Kontakt wird als {treated_as} behandelt.",
    ),
    "stale_consent": (
        "Consent {consent_id} has not been used since {since}; consent does not lapse by time alone, but courts differ.",
        "Die Einwilligung {consent_id} wurde seit {since} nicht genutzt; sie erlischt nicht allein durch "
        "Zeitablauf, die Gerichte sind aber uneins.",
    ),
    # obligations
    "include_opt_out_notice": (
        "Tell the recipient clearly in this message that they can object at any time at no extra cost.",
        "Weisen Sie in dieser Nachricht klar darauf hin, dass jederzeit kostenfrei widersprochen werden kann.",
    ),
    "inform_right_to_object": (
        "Inform the recipient of the right to object to direct marketing, at the latest with the first communication.",
        "Weisen Sie spätestens bei der ersten Kommunikation auf das Widerspruchsrecht gegen Direktwerbung hin.",
    ),
    "identify_sender": (
        "Identify the sender in the message.",
        "Nennen Sie den Absender in der Nachricht.",
    ),
    "retain_consent_proof": (
        "Keep the proof of consent {consent_id} until {retain_until}.",
        "Bewahren Sie den Nachweis der Einwilligung {consent_id} bis {retain_until} auf.",
    ),
    "record_use": (
        "Record this use of consent {consent_id}; each use restarts the retention period.",
        "Dokumentieren Sie diese Nutzung der Einwilligung {consent_id}; jede Nutzung lässt die Aufbewahrungsfrist neu laufen.",
    ),
}

_GERMAN_TERMS = {"consumer": "Verbraucher", "business": "Unternehmen", "nothing": "nichts"}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


_VARIANTS: Mapping[tuple[str, str], tuple[str, str]] = {
    ("objection", "suppression_list"): (
        "The contact is on the sender's suppression list (an earlier objection to direct marketing).",
        "Der Kontakt steht auf der Werbesperrliste des Absenders (ein früherer Werbewiderspruch).",
    ),
}


def render_message(code: str, ctx: Mapping[str, Any], lang: Lang = "en") -> str:
    """The one-sentence message for ``code``, filled from ``ctx``."""
    en, de = _VARIANTS.get((code, str(ctx.get("source", ""))), CODES[code])
    values = _Missing({k: _format(v, lang) for k, v in ctx.items()})
    if "retain_until" in values and values["retain_until"] in ("None", "?"):
        values["retain_until"] = "it is no longer relied on" if lang == "en" else "zum Ende der Nutzung"
    return (en if lang == "en" else de).format_map(values)


def _format(value: Any, lang: Lang) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_format(v, lang) for v in value)
    text = str(value)
    if lang == "de":
        return _GERMAN_TERMS.get(text, text)
    return text
