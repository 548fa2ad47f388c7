"""Channels, audiences and the other closed vocabularies of the input facts.

Enum values are stable slugs (they appear in files and audit logs), never display labels.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CONSENT_CHANNELS",
    "ELECTRONIC_MAIL",
    "Acquisition",
    "Audience",
    "Channel",
    "ConsentMethod",
    "EvidenceKind",
    "LineType",
    "Purpose",
    "UnsettledChoice",
]


class Channel(StrEnum):
    """A way of addressing a person directly."""

    POSTAL = "postal"
    """Addressed letter or catalogue."""
    LEAFLET = "leaflet"
    """Unaddressed door drop (Postwurfsendung, Handzettel)."""
    PHONE = "phone"
    """Live telephone call by a person."""
    AUTOMATED_CALL = "automated_call"
    """Call by an automatic calling machine (recorded or synthetic voice)."""
    FAX = "fax"
    EMAIL = "email"
    SMS = "sms"
    """SMS and MMS."""
    MESSENGER = "messenger"
    """WhatsApp and other messengers, social-network and portal direct messages."""


ELECTRONIC_MAIL: frozenset[Channel] = frozenset({Channel.EMAIL, Channel.SMS, Channel.MESSENGER})
"""The channels that are "elektronische Post" in § 7 Abs. 2 UWG (OLG Hamm 18 U 154/22)."""

CONSENT_CHANNELS: frozenset[Channel] = frozenset(Channel) - {Channel.POSTAL, Channel.LEAFLET}
"""Channels for which a consent can be the legal ground of an advertising contact."""


class Audience(StrEnum):
    """Consumer (Verbraucher, § 13 BGB) or business (sonstiger Marktteilnehmer)."""

    CONSUMER = "consumer"
    BUSINESS = "business"
    UNKNOWN = "unknown"


class ConsentMethod(StrEnum):
    """How a consent was declared. Some methods never give a valid consent."""

    DOUBLE_OPT_IN = "double_opt_in"
    SINGLE_OPT_IN = "single_opt_in"
    WRITTEN_SIGNED = "written_signed"
    VERBAL_RECORDED = "verbal_recorded"
    PRE_TICKED_BOX = "pre_ticked_box"
    OPT_OUT_CHECKBOX = "opt_out_checkbox"
    TERMS_AND_CONDITIONS = "terms_and_conditions"
    PARTNER_LIST = "partner_list"
    IMPLIED = "implied"


class Purpose(StrEnum):
    """What a message is for. Only ``transactional`` is not advertising."""

    ADVERTISING = "advertising"
    TRANSACTIONAL = "transactional"
    FEEDBACK_REQUEST = "feedback_request"
    MIXED = "mixed"


class Acquisition(StrEnum):
    """How a seller obtained an electronic address (§ 7 Abs. 3 Nr. 1 UWG needs a sale)."""

    SALE = "sale"
    CANCELLED_ORDER = "cancelled_order"
    REGISTRATION = "registration"
    ENQUIRY = "enquiry"
    NEWSLETTER_SIGNUP = "newsletter_signup"
    OTHER = "other"


class EvidenceKind(StrEnum):
    """What kind of proof backs a consent."""

    DOI_LOG = "doi_log"
    WEB_FORM_LOG = "web_form_log"
    AUDIO_RECORDING = "audio_recording"
    SIGNED_FORM = "signed_form"
    SCREENSHOT = "screenshot"
    OTHER = "other"


class LineType(StrEnum):
    """Line type of a telephone number, as reported by phonenumbers."""

    FIXED_LINE = "fixed_line"
    MOBILE = "mobile"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    TOLL_FREE = "toll_free"
    PREMIUM_RATE = "premium_rate"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"


class UnsettledChoice(StrEnum):
    """What a policy does with a legally unsettled question."""

    REVIEW = "review"
    PERMIT = "permit"
    SUPPRESS = "suppress"
