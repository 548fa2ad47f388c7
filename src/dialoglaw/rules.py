"""Rules as dated, cited data.

A :class:`Rule` reads like the law: an id, the channels and audiences it governs, its
kind (a requirement that names the admissible grounds, a ground, a consent condition, a
bar or an obligation), the code it produces and its versions, each with a validity window
and a structured citation. The legal test itself is a small function in the module of
the provision (``jurisdictions/<code>/<provision>.py``); the engine only combines rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from dialoglaw.channels import Audience, Channel
from dialoglaw.citations import Citation
from dialoglaw.errors import RulebookError
from dialoglaw.validity import Validity, check_versions

if TYPE_CHECKING:
    from dialoglaw.decision import Finding
    from dialoglaw.facts import Consent, Contact, Message
    from dialoglaw.policy import Policy
    from dialoglaw.retention import Retention

__all__ = [
    "Case",
    "Kind",
    "Level",
    "NotMet",
    "Precondition",
    "Question",
    "RetentionRules",
    "Rule",
    "RuleVersion",
    "Rulebook",
    "Unsettled",
]

ALL_AUDIENCES = frozenset({Audience.CONSUMER, Audience.BUSINESS})


class Kind(StrEnum):
    """The role a rule plays in a decision (base rule, exception, bar; as in Catala)."""

    REQUIREMENT = "requirement"
    """Names, for a channel and audience, which grounds may permit advertising."""
    GROUND = "ground"
    """A legal ground that can permit a channel."""
    CONSENT_CONDITION = "consent_condition"
    """A condition a consent must meet to be a ground."""
    BAR = "bar"
    """Denies a channel whatever ground exists."""
    OBLIGATION = "obligation"
    """A duty that comes with a permitted send."""
    WARNING = "warning"
    """A risk worth knowing that changes no verdict."""


class Level(StrEnum):
    """What a requirement demands before advertising on a channel."""

    NONE = "none"
    """No consent needed; the channel is open unless barred (postal, leaflets)."""
    CONSENT = "consent"
    """"Einwilligung" without "ausdrücklich" (UWG 2004 wording): implied consent unsettled."""
    EXPRESS_CONSENT = "express_consent"
    """Prior express consent ("vorherige ausdrückliche Einwilligung")."""
    PRESUMED_CONSENT = "presumed_consent"
    """At least presumed consent ("zumindest mutmaßliche Einwilligung")."""


@dataclass(frozen=True, slots=True)
class RuleVersion:
    """One version of a rule: its window, citation and any parameters of the test."""

    valid: Validity
    citation: Citation
    authorities: tuple[Citation, ...] = ()
    level: Level | None = None
    """For requirements: what the law demands in this version."""
    deny: str | None = None
    """For requirements: the code given when no ground holds."""
    question: str | None = None
    """For versions that leave a point open: the unsettled question's id."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """The facts of one decision, shared by every rule test."""

    contact: Contact
    message: Message
    at: datetime
    day: date
    audience: Audience
    """The effective audience (an unknown audience resolved by the policy)."""
    policy: Policy
    suppressed: frozenset[Channel] = frozenset()
    """Channels the caller's suppression list bars for this contact (keyed hashes of its
    contact points; see :class:`dialoglaw.privacy.SuppressionList`)."""


@dataclass(frozen=True, slots=True)
class Unsettled:
    """A test result saying the law is unsettled on this point."""

    question: str
    ctx: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NotMet:
    """A ground test result: the ground exists in principle but fails, for these reasons."""

    reasons: tuple[Finding, ...]


# A rule test returns None (the rule does not fire), a context mapping for its finding,
# Unsettled, or (grounds only) NotMet. Consent conditions also receive the consent under
# examination; obligations receive the ground that permits the send.
Test = Callable[[Case, Channel, RuleVersion], Any]
Precondition = Callable[[Case], object]
"""A cheap test of a case, channel-blind; see :attr:`Rule.precondition`."""
ConsentTest = Callable[[Case, Channel, RuleVersion, "Consent"], Any]
ObligationTest = Callable[[Case, Channel, RuleVersion, "Finding"], Any]


def _never(case: Case, channel: Channel, version: RuleVersion) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule and all its versions."""

    id: str
    title: str
    kind: Kind
    code: str
    channels: frozenset[Channel]
    versions: tuple[RuleVersion, ...]
    audiences: frozenset[Audience] = ALL_AUDIENCES
    test: Test = _never
    consent_test: ConsentTest | None = None
    obligation_test: ObligationTest | None = None
    levels: frozenset[Level] = frozenset()
    """For grounds: the requirement levels this ground satisfies."""
    advertising_only: bool = True
    """Whether the rule concerns advertising only (§ 7 UWG and Art. 21 GDPR do)."""
    precondition: Precondition | None = None
    """A promise about ``test``: where ``precondition(case)`` is false, ``test`` returns
    None on every channel and in every version, so the engine need not run it (most
    contacts have no objection, no Robinson entry, no customer relationship; the rule's
    test would say nothing eight times a decision). Speed only, never law: rules sharing
    a precondition share one function object, evaluated once a decision, and
    ``tests/test_preconditions.py`` checks the promise of every rule."""
    constant: bool = False
    """A promise that the rule's test (``test`` or ``obligation_test``) reads nothing of
    the case but what a plan is made for (the send day and the effective audience) and,
    where the rule has a precondition, that it holds: the result depends on those, the
    channel, the version and, for an obligation, the ground alone, and is never
    :class:`Unsettled` (the postal and leaflet grounds, the duty to inform of the right
    to object, the unknown-audience warning). Where every rule of a channel's plan but
    the consent ground is constant, contacts without a consent to the channel get the
    same verdict. Speed only, never law; ``tests/test_preconditions.py`` checks it."""

    def __post_init__(self) -> None:
        if not self.versions:
            raise RulebookError(f"Rule {self.id} has no versions.")
        if self.precondition is not None and (
            self.kind not in (Kind.BAR, Kind.WARNING, Kind.GROUND)
            or self.test is _never
            or self.consent_test is not None
            or self.obligation_test is not None
        ):
            # The engine skips the whole rule: only a rule that is nothing but its test
            # may promise something about that test.
            raise RulebookError(f"Rule {self.id}: a precondition needs a bar, warning or ground with a test.")
        if self.constant and (
            self.kind not in (Kind.BAR, Kind.WARNING, Kind.GROUND, Kind.OBLIGATION)
            or (self.test is _never) == (self.obligation_test is None)
            or self.consent_test is not None
        ):
            raise RulebookError(f"Rule {self.id}: only a rule with one test of the case may be constant.")
        issues = check_versions([v.valid for v in self.versions])
        if issues:
            raise RulebookError(f"Rule {self.id} has {'; '.join(map(str, issues))}.")
        for version in self.versions:
            if self.kind is Kind.REQUIREMENT and (
                version.level is None or (version.deny is None and version.level is not Level.NONE)
            ):
                raise RulebookError(f"Requirement {self.id} needs a level and a deny code.")

    @property
    def valid_from(self) -> date:
        return min(v.valid.valid_from for v in self.versions)

    @property
    def valid_to(self) -> date | None:
        ends = [v.valid.valid_to for v in self.versions]
        return None if None in ends else max(e for e in ends if e is not None)

    def version_on(self, day: date) -> RuleVersion | None:
        """The version in force on the German calendar day ``day``, if any."""
        for version in self.versions:
            if version.valid.contains_day(day):
                return version
        return None

    def applies(self, channel: Channel, audience: Audience) -> bool:
        return channel in self.channels and audience in self.audiences


@dataclass(frozen=True, slots=True)
class Question:
    """A legally unsettled question, with the positions on each side."""

    id: str
    title: str
    for_permitting: str
    against: str
    citation: Citation
    authorities: tuple[Citation, ...] = ()


class RetentionRules(Protocol):
    """How a jurisdiction computes retention requirements (see :mod:`dialoglaw.retention`)."""

    def proof(self, consent: Consent, contact: Contact, policy: Policy) -> Retention: ...

    def suppression(self, contact: Contact) -> tuple[Retention, ...]: ...


@dataclass(frozen=True, eq=False)
class Rulebook:
    """All rules of one jurisdiction."""

    jurisdiction: str
    name: str
    revision: str
    """The date the coded law was last reviewed (ISO), part of every decision's ruleset."""
    coverage_from: date
    rules: tuple[Rule, ...]
    questions: Mapping[str, Question]
    retention: RetentionRules | None = None
    """The jurisdiction's retention rules for consent proof and suppression records."""

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise RulebookError(f"Rule ids are not unique: {', '.join(duplicates)}.")
        for rule in self.rules:
            for version in rule.versions:
                if version.question is not None and version.question not in self.questions:
                    raise RulebookError(f"Rule {rule.id} names unknown question {version.question}.")
        object.__setattr__(self, "_by_kind", {k: tuple(r for r in self.rules if r.kind is k) for k in Kind})

    def of_kind(self, kind: Kind) -> tuple[Rule, ...]:
        by_kind: dict[Kind, tuple[Rule, ...]] = self.__dict__["_by_kind"]
        return by_kind[kind]

    @property
    def ruleset(self) -> str:
        return f"{self.jurisdiction}-{self.revision}"

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def in_force(self, day: date) -> Iterable[tuple[Rule, RuleVersion]]:
        """Every rule version in force on ``day``."""
        for rule in self.rules:
            version = rule.version_on(day)
            if version is not None:
                yield rule, version
