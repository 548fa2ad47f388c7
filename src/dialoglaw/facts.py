"""Input facts: contacts, consents, objections, relationships and messages.

Every model is a frozen pydantic v2 model with ``extra="forbid"``: unknown fields are
errors, facts cannot change after validation, and collections are tuples, so facts are
hashable. Every timestamp must be timezone-aware. Invalid input raises
:class:`~dialoglaw.InputError`, whose message names each bad field.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from dialoglaw.channels import (
    ELECTRONIC_MAIL,
    Acquisition,
    Audience,
    Channel,
    ConsentMethod,
    EvidenceKind,
    Purpose,
)
from dialoglaw.errors import InputError
from dialoglaw.normalize import (
    REVEAL_PERSONAL_DATA,
    ContactPointError,
    PhoneNumber,
    check_email,
    check_phone,
    mask_email,
)
from dialoglaw.validity import german_date

__all__ = [
    "Consent",
    "Contact",
    "CustomerRelationship",
    "Evidence",
    "Fact",
    "Message",
    "Objection",
    "PostalAddress",
    "PresumedConsent",
]

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


def _instant(value: datetime) -> datetime:
    """A timestamp in the supported range, with a fixed UTC offset: comparisons are then
    between instants (Python compares two datetimes with the same ZoneInfo by wall clock,
    ignoring fold), and JSON keeps them exactly (an offset with seconds becomes UTC)."""
    if not EARLIEST <= value <= LATEST:
        raise ValueError("must lie between 1900-01-01 and 2999-12-31")
    offset = value.utcoffset()
    assert offset is not None  # noqa: S101 - AwareDatetime
    if offset % timedelta(minutes=1):
        return value.astimezone(UTC)
    return value.astimezone(timezone(offset))


Instant = Annotated[AwareDatetime, AfterValidator(_instant)]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
"""A non-empty, stripped string of at most 500 characters."""
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=100)]
"""A product category; compared case-insensitively."""


@lru_cache(maxsize=4096)  # bounded: a campaign names few senders
def sender_key(name: str) -> str:
    """A company name as compared: NFKC (full-width letters, non-breaking spaces),
    without invisible format characters (zero-width space), whitespace collapsed,
    case-folded (cached: a campaign names few senders)."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split()).casefold()


class Fact(BaseModel):
    """Base of all input models: frozen, no unknown fields, readable errors."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=False,
        validate_default=False,
        hide_input_in_errors=True,
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InputError.from_validation_error(exc, type(self).__name__) from None

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise InputError.from_validation_error(exc, type(self).__name__) from None

    # Tell pydantic this __init__ only wraps errors: nested models are then validated by
    # pydantic-core directly, and their errors surface once, with the full field path.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        **kwargs: Any,
    ) -> Self:
        try:
            return super().model_validate(
                obj, strict=strict, from_attributes=from_attributes, context=context, **kwargs
            )
        except ValidationError as exc:
            raise InputError.from_validation_error(exc, cls.__name__) from None

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        context: Any | None = None,
        **kwargs: Any,
    ) -> Self:
        try:
            return super().model_validate_json(json_data, strict=strict, context=context, **kwargs)
        except ValidationError as exc:
            raise InputError.from_validation_error(exc, cls.__name__) from None


class Evidence(Fact):
    """A reference to the proof of a consent (Art. 7 Abs. 1 DSGVO; § 7a Abs. 1 UWG)."""

    kind: EvidenceKind
    uri: Text | None = None
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    captured_at: Instant | None = None


class Consent(Fact):
    """One declaration of consent to advertising, which may cover several channels
    (BGH III ZR 196/17: one declaration may cover e-mail, phone and SMS)."""

    id: Label
    channels: tuple[Channel, ...] = Field(min_length=1)
    granted_at: Instant
    method: ConsentMethod
    senders: tuple[Label, ...] = Field(
        min_length=1, description="The companies the consent names as advertisers."
    )
    scope: tuple[Topic, ...] = Field(
        default=(), description="Product categories covered; empty = all own products."
    )
    confirmed_at: Instant | None = None
    confirmation_channel: Channel | None = Field(default=None, validate_default=True)
    withdrawn_at: Instant | None = None
    used_at: tuple[Instant, ...] = Field(default=(), description="Uses of the consent.")
    subject_age: int | None = Field(
        default=None, ge=0, le=130, description="Age of the person when consenting."
    )
    parental_authorisation_at: Instant | None = None
    given_by_subject: bool = True
    tied_to: Text | None = Field(
        default=None, description="What the consent was made a condition of (Art. 7(4) GDPR)."
    )
    evidence: tuple[Evidence, ...] = ()

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: tuple[Channel, ...]) -> tuple[Channel, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists a channel twice")
        return value

    # Dates out of order are contradictions: each is reported on its own field. (Fields
    # are validated in declaration order, so granted_at is known here when it was valid.)
    @field_validator("confirmed_at", "withdrawn_at")
    @classmethod
    def _not_before_grant(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        granted = info.data.get("granted_at")
        if value is not None and granted is not None and value < granted:
            raise ValueError("is earlier than 'granted_at'")
        return value

    @field_validator("used_at")
    @classmethod
    def _uses_after_grant(cls, value: tuple[datetime, ...], info: ValidationInfo) -> tuple[datetime, ...]:
        granted = info.data.get("granted_at")
        if granted is not None and any(use < granted for use in value):
            raise ValueError("has a use earlier than 'granted_at'")
        return value

    @field_validator("confirmation_channel")
    @classmethod
    def _confirmation_pair(cls, value: Channel | None, info: ValidationInfo) -> Channel | None:
        if "confirmed_at" in info.data and (info.data["confirmed_at"] is None) != (value is None):
            raise ValueError("must be given together with 'confirmed_at'")
        return value

    def with_use(self, at: datetime) -> Consent:
        """This consent with one more use recorded at ``at`` (for § 7a UWG), validated
        like any consent (a naive time or a use before the grant is an InputError)."""
        german_date(at)  # rejects a naive timestamp with a clear error
        return type(self).model_validate({**self.__dict__, "used_at": (*self.used_at, at)})

    @property
    def last_use(self) -> datetime | None:
        return max(self.used_at) if self.used_at else None


class Objection(Fact):
    """An objection to direct marketing (Art. 21 Abs. 2 DSGVO; § 7 Abs. 1 Satz 2 UWG).

    ``channels=None`` objects to all direct marketing; ``sender=None`` objects to every
    sender that uses this record.
    """

    at: Instant
    channels: tuple[Channel, ...] | None = Field(default=None, min_length=1)
    sender: Label | None = None

    def covers(self, channel: Channel, sender: str) -> bool:
        """Whether this objection reaches ``channel`` for ``sender``."""
        if self.channels is not None and channel not in self.channels:
            return False
        return self.sender is None or sender_key(self.sender) == sender_key(sender)


class CustomerRelationship(Fact):
    """How a seller obtained the contact's electronic address (§ 7 Abs. 3 UWG)."""

    obtained_through: Acquisition
    obtained_at: Instant
    seller: Label
    contact_points: tuple[Channel, ...] = Field(
        default=(Channel.EMAIL,),
        min_length=1,
        description="Which electronic addresses the seller obtained (email, sms, messenger).",
    )
    purchased_categories: tuple[Topic, ...] = ()
    opt_out_notice_at_collection: bool | None = None

    @field_validator("contact_points")
    @classmethod
    def _electronic_only(cls, value: tuple[Channel, ...]) -> tuple[Channel, ...]:
        bad = [c.value for c in value if c not in ELECTRONIC_MAIL]
        if bad:
            raise ValueError(
                f"may only list electronic mail channels (email, sms, messenger), not {', '.join(bad)}"
            )
        return value


class PresumedConsent(Fact):
    """The documented assessment of concrete facts from which a business's presumed
    consent to a call is inferred (§ 7 Abs. 2 Nr. 1 UWG; BGH I ZR 88/05)."""

    facts: Text = Field(description="The concrete facts showing the business's interest.")
    assessed_by: Label
    assessed_at: Instant
    sender: Label = Field(description="The caller whose call the assessment covers.")
    topic: Topic | None = Field(default=None, description="The offer assessed, if limited.")


class PostalAddress(Fact):
    """A postal address."""

    street: Text
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=12)]
    city: Text
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "DE"


class Contact(Fact):
    """A person or business that might be addressed, with everything the law looks at."""

    id: Label
    audience: Audience = Audience.UNKNOWN
    country: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")
    ] = "DE"
    email: str | None = None
    phone: PhoneNumber | None = None
    mobile: PhoneNumber | None = None
    fax: PhoneNumber | None = None
    messenger: Label | None = Field(default=None, description="Messenger or platform handle.")
    postal_address: PostalAddress | None = None
    birth_date: date | None = None
    consents: tuple[Consent, ...] = ()
    objections: tuple[Objection, ...] = ()
    relationship: CustomerRelationship | None = None
    presumed_consent: PresumedConsent | None = None
    robinson_listed: bool = False
    no_ads_sticker: bool = False

    @field_validator("country", mode="before")
    @classmethod
    def _upper_country(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("email", mode="before")
    @classmethod
    def _normalise_email(cls, value: Any) -> Any:
        return None if value is None else check_email(value)

    @field_validator("phone", "mobile", "fax", mode="before")
    @classmethod
    def _normalise_phone(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        country = info.data.get("country")
        if country is None:
            raise ContactPointError("cannot be checked because 'country' is invalid")
        return check_phone(value, country)

    @field_validator("consents")
    @classmethod
    def _unique_consent_ids(cls, value: tuple[Consent, ...]) -> tuple[Consent, ...]:
        ids = [c.id for c in value]
        if len(set(ids)) != len(ids):
            raise ValueError("contains two consents with the same id")
        return value

    def __repr_args__(self) -> Any:
        # Keep personal data out of repr() (mask e-mail, phone numbers are self-masking),
        # unless a reviewer opted in with dialoglaw.privacy.reveal_personal_data().
        if REVEAL_PERSONAL_DATA.get():
            yield from super().__repr_args__()
            return
        for name, value in super().__repr_args__():
            if name == "email" and isinstance(value, str):
                yield name, mask_email(value)
            elif name in ("messenger", "birth_date", "postal_address") and value is not None:
                yield name, "***"
            else:
                yield name, value


class Message(Fact):
    """The message to be sent: who sends it, what for, and what it contains.

    Fields left ``None`` are unknown facts; where the law turns on them, the verdict says
    ``missing_facts`` instead of guessing (fail closed).
    """

    sender: Label
    purpose: Purpose = Purpose.ADVERTISING
    topic: Topic | None = Field(default=None, description="Product category advertised.")
    own_products: bool | None = Field(
        default=None, description="Advertises the sender's own goods or services."
    )
    similar_to_purchases: bool | None = Field(
        default=None,
        description="Explicit judgement for § 7 Abs. 3 Nr. 2 UWG; None lets the Policy decide.",
    )
    includes_opt_out_notice: bool | None = None
    sender_identified: bool | None = None
    valid_opt_out_address: bool | None = None
    editorial_content: bool = Field(
        default=False, description="A free paper with an editorial part (BGH I ZR 158/11)."
    )

    @property
    def is_advertising(self) -> bool:
        """Feedback requests and mixed messages are advertising (BGH VI ZR 225/17)."""
        return self.purpose is not Purpose.TRANSACTIONAL
