"""The organisation's choices where the law leaves room or is unsettled.

Defaults are the cautious reading: unknown audiences are consumers, electronic and phone
consents must be confirmed through the channel they cover, the DDV Robinson list is
honoured, and every unsettled question goes to review.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_serializer, field_validator

from dialoglaw.channels import Audience, Channel, UnsettledChoice
from dialoglaw.facts import Fact

__all__ = ["DEFAULT_CONFIRMED_CHANNELS", "Policy"]

DEFAULT_CONFIRMED_CHANNELS: frozenset[Channel] = frozenset(
    {Channel.EMAIL, Channel.SMS, Channel.MESSENGER, Channel.PHONE, Channel.AUTOMATED_CALL}
)

Group = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]


class Policy(Fact):
    """Organisation-level settings for :func:`dialoglaw.decide`."""

    unknown_audience: Literal[Audience.CONSUMER, Audience.BUSINESS] = Field(
        default=Audience.CONSUMER,
        description="How a contact of unknown audience is treated (with a warning).",
    )
    require_confirmed_opt_in: frozenset[Channel] = Field(
        default=DEFAULT_CONFIRMED_CHANNELS,
        description=(
            "Channels whose consent counts only when confirmed through that channel "
            "(double opt-in) or given in signed or recorded form (BGH I ZR 164/09)."
        ),
    )
    similarity_groups: tuple[frozenset[Group], ...] = Field(
        default=(),
        description=(
            "Product categories treated as similar for § 7 Abs. 3 Nr. 2 UWG when the "
            "message does not say; equal categories are always similar."
        ),
    )
    unsettled: Mapping[str, UnsettledChoice] = Field(
        default_factory=dict,
        description="What to do with each unsettled question id; absent ids go to review.",
    )
    honour_robinson_list: bool = Field(
        default=True,
        description="Suppress Robinson-listed contacts (DDV self-regulation, not law).",
    )
    stale_consent_after_days: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Warn (and ask the unsettled question de.consent.lapse) when a consent has not "
            "been used for this many days. Consent does not lapse by time alone "
            "(BGH III ZR 196/17); some lower courts disagree."
        ),
    )
    partner_list_max_senders: int = Field(
        default=8,
        ge=1,
        description=(
            "A partner-list consent naming the sender among at most this many companies "
            "is specific (OLG Frankfurt 6 U 6/19); longer lists go to review."
        ),
    )
    practice_retention_years: int = Field(
        default=3,
        ge=0,
        le=30,
        description=(
            "Years after the end of the year of last use or withdrawal for which non-"
            "statutory consent proof is kept (practice, §§ 195, 199 BGB), not law."
        ),
    )

    @field_validator("unsettled")
    @classmethod
    def _freeze_unsettled(cls, value: Mapping[str, UnsettledChoice]) -> Mapping[str, UnsettledChoice]:
        # Read-only, so a validated policy cannot change behind the engine's back.
        return MappingProxyType(dict(sorted(value.items())))

    @field_serializer("unsettled")
    def _serialise_unsettled(self, value: Mapping[str, UnsettledChoice]) -> dict[str, UnsettledChoice]:
        return dict(value)

    def choice(self, question: str) -> UnsettledChoice:
        """What this policy does with the unsettled question ``question``."""
        return self.unsettled.get(question, UnsettledChoice.REVIEW)

    def similar(self, topic: str, categories: tuple[str, ...]) -> bool:
        """Whether ``topic`` is similar to one of ``categories`` under this policy."""
        if topic in categories:
            return True
        return any(topic in group and not group.isdisjoint(categories) for group in self.similarity_groups)

    def __hash__(self) -> int:
        return hash(
            (
                self.unknown_audience,
                self.require_confirmed_opt_in,
                self.similarity_groups,
                tuple(self.unsettled.items()),
                self.honour_robinson_list,
                self.stale_consent_after_days,
                self.partner_list_max_senders,
                self.practice_retention_years,
            )
        )
