"""The decision engine: combines a jurisdiction's rules into per-channel verdicts.

For each channel: a channel is **permitted** when some legal ground admitted by the
channel's requirement holds and no bar denies it; **review** when the only possible ground
turns on an unsettled question the policy leaves open; **suppressed** otherwise. Bars beat
every ground (§ 7 Abs. 2 Nr. 3 UWG, Art. 21 Abs. 3 DSGVO). Missing facts never permit.
The engine knows no law itself; it never imports a jurisdiction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import repeat
from typing import TYPE_CHECKING, Any, TypeVar

from dialoglaw.channels import Audience, Channel, ConsentMethod, LineType, UnsettledChoice
from dialoglaw.citations import Citation
from dialoglaw.decision import Decision, Finding, Status, Verdict, build
from dialoglaw.errors import InputError, OutOfCoverageError, RulebookError
from dialoglaw.facts import Consent, Contact, Message
from dialoglaw.policy import Policy
from dialoglaw.registry import rulebook_for
from dialoglaw.retention import Retention
from dialoglaw.rules import (
    Case,
    Kind,
    Level,
    NotMet,
    Precondition,
    Rule,
    Rulebook,
    RuleVersion,
    Unsettled,
)
from dialoglaw.validity import german_date

if TYPE_CHECKING:
    from dialoglaw.privacy import SuppressionList

__all__ = ["decide", "make_finding", "per_verdict"]

DEFAULT_POLICY = Policy()
_ALL_CHANNELS = tuple(Channel)

# Which contact point each channel needs (fact, not law; findings carry no citation).
_CONTACT_POINT: Mapping[Channel, tuple[str] | tuple[str, str]] = {  # at most two: see below
    Channel.POSTAL: ("postal_address",),
    Channel.LEAFLET: ("postal_address",),
    Channel.PHONE: ("phone", "mobile"),
    Channel.AUTOMATED_CALL: ("phone", "mobile"),
    Channel.FAX: ("fax",),
    Channel.EMAIL: ("email",),
    Channel.SMS: ("mobile", "phone"),
    Channel.MESSENGER: ("messenger",),
}


def make_finding(
    code: str,
    rule_id: str,
    version: RuleVersion | None,
    ctx: Mapping[str, Any] | None = None,
    *,
    citation: Citation | None = None,
) -> Finding:
    """A finding citing ``citation`` or else ``version``'s citation (trusted internal
    construction, no re-validation). Findings without context are shared, not rebuilt."""
    if not ctx and citation is None:
        key = (code, rule_id, id(version))
        shared = _SHARED.get(key)
        if shared is None:
            shared = _SHARED[key] = _shared_finding(code, rule_id, version)
            _SHARED_IDS.add(id(shared))
            _KEPT_VERSIONS.append(version)
        return shared
    return build(
        Finding,
        {
            "code": code,
            "rule_id": rule_id,
            "citation": citation if citation is not None or version is None else version.citation,
            "authorities": () if version is None else version.authorities,
            "ctx": dict(ctx) if ctx else {},
        },
    )


# Keyed by the id of the rule version, which is kept alive with it (_KEPT_VERSIONS): a
# rulebook built and dropped (in a test, say) cannot pass its ids on to a later one.
_SHARED: dict[tuple[str, str, int], Finding] = {}
_KEPT_VERSIONS: list[RuleVersion | None] = []
# The identities of the findings shared for good (never dropped, so never reused).
_SHARED_IDS: set[int] = set()


def _shared_finding(code: str, rule_id: str, version: RuleVersion | None) -> Finding:
    # Findings are immutable, so one object per (code, rule, version) serves every decision.
    return build(
        Finding,
        {
            "code": code,
            "rule_id": rule_id,
            "citation": None if version is None else version.citation,
            "authorities": () if version is None else version.authorities,
            "ctx": {},
        },
    )


def decide(
    contact: Contact | Mapping[str, Any],
    message: Message | Mapping[str, Any],
    *,
    at: datetime,
    jurisdiction: str | None = None,
    policy: Policy | None = None,
    channels: Iterable[Channel | str] | None = None,
    suppressions: SuppressionList | None = None,
) -> Decision:
    """Decide, per channel, whether ``message`` may be sent to ``contact`` at ``at``.

    ``jurisdiction`` defaults to the contact's country. ``channels`` limits the verdicts to
    some channels (all eight by default). ``suppressions`` is the sender's suppression list
    (keyed hashes of people who objected): a matching contact is suppressed on the listed
    channels as after an objection. Raises :class:`~dialoglaw.InputError` for bad
    input, :class:`~dialoglaw.OutOfCoverageError` for a send time before the coded law and
    :class:`~dialoglaw.UnknownJurisdictionError` for a country without rules.
    """
    if not isinstance(contact, Contact):
        contact = Contact.model_validate(contact)
    if not isinstance(message, Message):
        message = Message.model_validate(message)
    if not isinstance(at, datetime):
        raise InputError.single("send time", "at", "must be a timezone-aware datetime")
    day = german_date(at)
    if policy is None:
        policy = DEFAULT_POLICY
    elif not isinstance(policy, Policy):
        policy = Policy.model_validate(policy)
    book = rulebook_for(jurisdiction or contact.country)
    _check_policy(book, policy)
    if day < book.coverage_from:
        msg = (
            f"The send date {day.isoformat()} (German local date) is before the coded law of "
            f"{book.jurisdiction}, which starts on {book.coverage_from.isoformat()}."
        )
        raise OutOfCoverageError(msg)
    audience = policy.unknown_audience if contact.audience is Audience.UNKNOWN else contact.audience
    suppressed = frozenset() if suppressions is None else suppressions.matches(contact)
    case = Case(contact, message, at, day, audience, policy, suppressed)
    advertising = message.is_advertising
    # The rulebook's preconditions, each once: a rule whose precondition is false cannot
    # fire, so the plans leave it out (Rule.precondition).
    holding = 0
    bit = 1
    for precondition in _preconditions(book):
        if precondition(case):
            holding |= bit
        bit <<= 1
    # All eight (the engines pass them all as a tuple): their plans in one lookup.
    if channels is None or (type(channels) is tuple and channels == _ALL_CHANNELS):
        verdicts = tuple(
            map(
                _verdict,
                _plans(book, day, audience, holding),
                repeat(case),
                _ALL_CHANNELS,
                repeat(advertising),
            )
        )
    else:
        wanted = _channels(channels)
        verdicts = tuple(
            _verdict(_plan(book, day, channel, audience, holding), case, channel, advertising)
            for channel in wanted
        )
    return build(
        Decision,
        {
            "contact_id": contact.id,
            "at": at,
            "jurisdiction": book.jurisdiction,
            "ruleset": book.ruleset,
            "audience": audience,
            "purpose": message.purpose,
            "sender": message.sender,
            "verdicts": verdicts,
            "retention": _retention(book, case, verdicts),
        },
    )


def _retention(book: Rulebook, case: Case, verdicts: tuple[Verdict, ...]) -> tuple[Retention, ...]:
    """Retention of every consent relied on, as it stands if the message is sent now."""
    if book.retention is None:
        return ()
    # Loops rather than comprehensions here and below: on Python 3.11 each comprehension
    # is a call of its own (3.12 inlines them, PEP 709), and a decision is a few hundred
    # calls (callgrind: 682,000 instructions before 2026-12-07).
    relied: list[str] = []
    for verdict in verdicts:
        cid = verdict.consent_id
        if cid is not None and cid not in relied:
            relied.append(cid)
    if not relied:
        return ()
    by_id = {c.id: c for c in case.contact.consents}
    # The consent relied on was granted before the send, so recording the send as a use
    # needs no re-validation (Consent.with_use validates for callers).
    proofs = []
    for cid in relied:
        consent = by_id[cid]
        used = consent.model_copy(update={"used_at": (*consent.used_at, case.at)})
        proofs.append(book.retention.proof(used, case.contact, case.policy))
    return tuple(proofs)


def _channels(channels: Iterable[Channel | str]) -> tuple[Channel, ...]:
    try:
        return tuple(dict.fromkeys(Channel(c) for c in channels))
    except ValueError:
        known = ", ".join(f"'{c.value}'" for c in Channel)
        raise InputError.single("decision request", "channels", f"must list only {known}") from None


def _check_policy(book: Rulebook, policy: Policy) -> None:
    if not policy.unsettled:  # the common case: nothing to check on this hot path
        return
    unknown = sorted(set(policy.unsettled) - set(book.questions))
    if unknown:
        raise InputError.single(
            "Policy",
            "unsettled",
            f"names unknown question ids for {book.jurisdiction}: {', '.join(unknown)}",
        )


Pairs = tuple[tuple[Rule, RuleVersion], ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """The rule versions that can matter for one channel and audience on one day."""

    requirement: tuple[Rule, RuleVersion]
    bars: Pairs
    neutral_bars: Pairs
    """Bars that reach messages that are not advertising."""
    warnings: Pairs
    grounds: Pairs
    """Advertising grounds admitted by the requirement's level, strongest first."""
    neutral_grounds: Pairs
    """Grounds for messages that are not advertising."""
    conditions: Pairs
    consent_warnings: Pairs
    obligations: Pairs
    neutral_obligations: Pairs
    deny: Finding | None
    """The requirement's own reason where no ground holds (shared: it has no context)."""
    bare: dict[int, Verdict] | None
    """For a plan whose rules, but for the consent ground, are all constant (no bar,
    warning or other ground left that reads the case; see :func:`_bare`): the verdicts
    of contacts without a consent to the channel, by the identity of their shared
    contact-point finding (0 for none). Nothing else of a contact reaches such a
    verdict, so the first one made serves every later one."""


@lru_cache(maxsize=256)
def _preconditions(book: Rulebook) -> tuple[Precondition, ...]:
    """The distinct preconditions of ``book``'s rules; bit ``i`` of a decision's
    ``holding`` says whether the ``i``-th holds for its case."""
    return tuple(dict.fromkeys(r.precondition for r in book.rules if r.precondition is not None))


@lru_cache(maxsize=65536)
def _plan(book: Rulebook, day: date, channel: Channel, audience: Audience, holding: int = -1) -> _Plan:
    """Which rules apply (cached: the law changes only at German midnight), leaving out
    the rules whose precondition does not hold (a bit of ``holding`` unset; all hold by
    default)."""
    bits = {precondition: 1 << i for i, precondition in enumerate(_preconditions(book))}
    by_kind: dict[Kind, list[tuple[Rule, RuleVersion]]] = {k: [] for k in Kind}
    for rule, version in book.in_force(day):
        if rule.applies(channel, audience) and (
            rule.precondition is None or holding & bits[rule.precondition]
        ):
            by_kind[rule.kind].append((rule, version))
    requirements = by_kind[Kind.REQUIREMENT]
    if len(requirements) != 1:
        msg = f"Expected one requirement for {channel.value}/{audience.value}, found {len(requirements)}."
        raise RulebookError(msg)
    req_rule, req = requirements[0]
    level = req.level
    grounds = [(r, v) for r, v in by_kind[Kind.GROUND] if r.advertising_only and level in r.levels]
    grounds.sort(key=lambda rv: rv[0].code != "express_consent")  # consent first: the strongest ground
    obligations = tuple((r, v) for r, v in by_kind[Kind.OBLIGATION] if r.obligation_test is not None)
    return _Plan(
        requirement=requirements[0],
        bars=tuple(by_kind[Kind.BAR]),
        neutral_bars=tuple((r, v) for r, v in by_kind[Kind.BAR] if not r.advertising_only),
        warnings=tuple((r, v) for r, v in by_kind[Kind.WARNING] if r.consent_test is None),
        grounds=tuple(grounds),
        neutral_grounds=tuple((r, v) for r, v in by_kind[Kind.GROUND] if not r.advertising_only),
        conditions=tuple(by_kind[Kind.CONSENT_CONDITION]),
        consent_warnings=tuple((r, v) for r, v in by_kind[Kind.WARNING] if r.consent_test is not None),
        obligations=obligations,
        neutral_obligations=tuple((r, v) for r, v in obligations if not r.advertising_only),
        deny=None if req.deny is None else make_finding(req.deny, req_rule.id, req),
        bare={} if _bare(by_kind, grounds, obligations) else None,
    )


def _bare(
    by_kind: Mapping[Kind, list[tuple[Rule, RuleVersion]]],
    grounds: Sequence[tuple[Rule, RuleVersion]],
    obligations: Pairs,
) -> bool:
    """Whether, without a consent to the channel, nothing of a contact but its contact
    point can reach the verdict: every rule left but the consent ground is constant and
    poses no question (a question's answer is the policy's, which plans do not know)."""
    others = [(r, v) for r, v in grounds if r.code != "express_consent"]
    if others:
        # A ground that holds brings its duties: they must be constant too.
        others.extend(obligations)
    others.extend(by_kind[Kind.BAR])
    others.extend((r, v) for r, v in by_kind[Kind.WARNING] if r.consent_test is None)
    return all(r.constant and v.question is None for r, v in others)


@lru_cache(maxsize=8192)
def _plans(book: Rulebook, day: date, audience: Audience, holding: int = -1) -> tuple[_Plan, ...]:
    """The plans of all channels (``_ALL_CHANNELS``), in one cached lookup a decision."""
    return tuple(_plan(book, day, channel, audience, holding) for channel in _ALL_CHANNELS)


class _Acc:
    """Collects the findings of one channel's evaluation."""

    __slots__ = ("consent_id", "ground", "ground_reasons", "pending", "questions", "warnings")

    def __init__(self) -> None:
        self.ground: Finding | None = None
        self.consent_id: str | None = None
        self.ground_reasons: list[Finding] = []
        self.questions: list[Finding] = []
        self.pending = False  # an unsettled ground left to review
        self.warnings: list[Finding] = []


def _verdict(plan: _Plan, case: Case, channel: Channel, advertising: bool) -> Verdict:
    bars = _contact_point_bars(case.contact, channel)
    if advertising and plan.bare is not None:
        for consent in case.contact.consents:
            if channel in consent.channels:
                break
        else:
            # No consent to the channel and no other rule that reads the case: the
            # verdict is the plan's, given the contact point (_Plan.bare), made once by
            # _evaluate.
            key = id(bars[0]) if bars else 0
            verdict = plan.bare.get(key)
            if verdict is None:
                verdict = _evaluate(plan, case, channel, advertising, bars)
                if key == 0 or key in _SHARED_IDS:
                    plan.bare[key] = verdict
            return verdict
    return _evaluate(plan, case, channel, advertising, bars)


def _evaluate(plan: _Plan, case: Case, channel: Channel, advertising: bool, bars: list[Finding]) -> Verdict:
    # Verdicts are built without validation (build): the engine is their only author.
    acc = _Acc()
    for rule, version in plan.bars if advertising else plan.neutral_bars:
        result = rule.test(case, channel, version)
        if result is not None:
            bars.append(make_finding(rule.code, rule.id, version, result))
    for rule, version in plan.warnings:
        result = rule.test(case, channel, version)
        if result is not None:
            acc.warnings.append(make_finding(rule.code, rule.id, version, result))

    if advertising:
        req_rule, req = plan.requirement
        for rule, version in plan.grounds:
            if rule.code == "express_consent":
                # Only a consent to this channel can be its ground (none: no ground, no
                # reason). A loop, not a comprehension: see _retention.
                candidates = []
                for consent in case.contact.consents:
                    if channel in consent.channels:
                        candidates.append(consent)  # noqa: PERF401
                if not candidates:
                    continue
                _consent_ground(plan, case, channel, candidates, rule, version, req_rule, req, acc)
                if acc.ground is not None:
                    break  # the strongest ground; no need to look further
            else:
                _apply(case, rule, version, rule.test(case, channel, version), acc)
        # No ground: the requirement itself is the first reason (unless already given).
        deny = plan.deny
        if (
            acc.ground is None
            and not acc.pending
            and deny is not None
            and (not acc.ground_reasons or all(f.code != deny.code for f in acc.ground_reasons))
        ):
            acc.ground_reasons.insert(0, deny)
    else:
        for rule, version in plan.neutral_grounds:
            _apply(case, rule, version, rule.test(case, channel, version), acc)

    if bars:
        status = Status.SUPPRESSED
        if not acc.ground:
            bars.extend(acc.ground_reasons)
        reasons = tuple(bars) if len(bars) < 2 else _dedupe(bars)
        return _verdict_model(
            channel=channel,
            status=status,
            ground=None,
            reasons=reasons,
            questions=tuple(acc.questions),
            warnings=tuple(acc.warnings),
            obligations=(),
            consent_id=None,
        )
    if acc.ground is not None:
        obligations = []
        for rule, version in plan.obligations if advertising else plan.neutral_obligations:
            assert rule.obligation_test is not None  # noqa: S101 - planned for it
            result = rule.obligation_test(case, channel, version, acc.ground)
            if result is not None:
                obligations.append(make_finding(rule.code, rule.id, version, result))
        return _verdict_model(
            channel=channel,
            status=Status.PERMITTED,
            ground=acc.ground,
            reasons=(),
            questions=tuple(acc.questions),
            warnings=tuple(acc.warnings),
            obligations=tuple(obligations),
            consent_id=acc.consent_id,
        )
    status = Status.REVIEW if acc.pending else Status.SUPPRESSED
    reasons = tuple(acc.ground_reasons) if len(acc.ground_reasons) < 2 else _dedupe(acc.ground_reasons)
    return _verdict_model(
        channel=channel,
        status=status,
        ground=None,
        reasons=reasons,
        questions=tuple(acc.questions),
        warnings=tuple(acc.warnings),
        obligations=(),
        consent_id=None,
    )


def _verdict_model(
    channel: Channel,
    status: Status,
    ground: Finding | None,
    reasons: tuple[Finding, ...],
    questions: tuple[Finding, ...],
    warnings: tuple[Finding, ...],
    obligations: tuple[Finding, ...],
    consent_id: str | None,
) -> Verdict:
    """The verdict of these parts; one shared verdict where every finding in it is shared.

    Most verdicts say what many others say (no contact point and no consent for the fax,
    say) from findings without context, which are shared already (make_finding).
    Verdicts are frozen, so such a verdict too can be one object for every decision: a
    decision kept in memory then holds fewer models for the garbage collector to walk.
    The key is the identity of each shared finding, which the cache keeps alive."""
    key = None
    if consent_id is None and (ground is None or id(ground) in _SHARED_IDS):
        ids: list[Any] = [channel, status, None if ground is None else id(ground)]
        for part in (reasons, questions, warnings, obligations):
            for finding in part:
                if id(finding) not in _SHARED_IDS:
                    break
                ids.append(id(finding))
            else:
                ids.append(None)  # the end of a part
                continue
            break  # a finding of this contact's own: the verdict is its own too
        else:
            key = tuple(ids)
            shared = _VERDICTS.get(key)
            if shared is not None:
                return shared
    verdict = build(
        Verdict,
        {
            "channel": channel,
            "status": status,
            "ground": ground,
            "reasons": reasons,
            "questions": questions,
            "warnings": warnings,
            "obligations": obligations,
            "consent_id": consent_id,
        },
    )
    if key is not None and len(_VERDICTS) < _VERDICTS_LIMIT:
        _VERDICTS[key] = verdict
        _SHARED_VERDICTS[id(verdict)] = verdict
    return verdict


# Shared verdicts, by channel, status and the identities of their (shared) findings. A
# rulebook yields a few dozen in practice; the bound keeps a pathological one in check.
_VERDICTS: dict[tuple[Any, ...], Verdict] = {}
_VERDICTS_LIMIT = 10_000
# The shared verdicts by identity, held here for good: an identity is never reused.
_SHARED_VERDICTS: dict[int, Verdict] = {}

_T = TypeVar("_T")


def per_verdict(memo: dict[int, _T], verdict: Verdict, compute: Callable[[Verdict], _T]) -> _T:
    """``compute(verdict)``, remembered in ``memo`` (by identity) where ``verdict`` is a
    shared verdict.

    Most verdicts are shared: one frozen object for every decision that says the same
    for a channel (65 % of the verdicts of the example list). What a writer or a counter
    makes of a verdict (the output cells of :func:`dialoglaw.io.result_record`, the keys
    of :class:`dialoglaw.summary.Summary`) is made once per shared verdict. Only a shared
    verdict is remembered: it lives as long as the process, so its identity is never
    another object's. ``compute`` must read nothing but the verdict; ``memo`` is a dict
    of the caller's own, one per ``compute``, and grows to at most the number of shared
    verdicts (bounded)."""
    found = memo.get(id(verdict), _NOT_FOUND)
    if found is _NOT_FOUND:
        found = compute(verdict)
        if id(verdict) in _SHARED_VERDICTS:
            memo[id(verdict)] = found
    return found  # type: ignore[no-any-return]


_NOT_FOUND: Any = object()


def _apply(case: Case, rule: Rule, version: RuleVersion, result: Any, acc: _Acc) -> None:
    """Fold one ground test result into the accumulator, applying the policy."""
    if result is None:
        return
    if isinstance(result, NotMet):
        acc.ground_reasons.extend(result.reasons)
        return
    if isinstance(result, Unsettled):
        _unsettled(case, rule, version, result, acc, established_ctx=None)
        return
    if version.question is not None:  # the ground holds, but whether it applies is open
        _unsettled(case, rule, version, Unsettled(version.question, result), acc, established_ctx=result)
        return
    if acc.ground is None:
        acc.ground = make_finding(rule.code, rule.id, version, result)


def _unsettled(
    case: Case,
    rule: Rule,
    version: RuleVersion,
    result: Unsettled,
    acc: _Acc,
    *,
    established_ctx: Mapping[str, Any] | None,
    grant: bool = True,
) -> None:
    question = make_finding("unsettled_law", rule.id, version, {**result.ctx, "question": result.question})
    choice = case.policy.choice(result.question)
    if choice is UnsettledChoice.SUPPRESS:
        acc.ground_reasons.append(question)
    elif choice is UnsettledChoice.PERMIT:
        acc.warnings.append(question)
        if grant and acc.ground is None:
            ctx = established_ctx if established_ctx is not None else result.ctx
            acc.ground = make_finding(rule.code, rule.id, version, ctx)
    else:
        acc.questions.append(question)
        acc.pending = True


def _consent_ground(
    plan: _Plan,
    case: Case,
    channel: Channel,
    candidates: list[Consent],
    rule: Rule,
    version: RuleVersion,
    req_rule: Rule,
    req: RuleVersion,
    acc: _Acc,
) -> None:
    """Whether one of ``candidates``, the consents on file to ``channel``, is a valid
    ground for it."""
    if len(candidates) > 1:
        candidates.sort(key=_granted, reverse=True)  # the latest first (stable for ties)
    implied_fails = req.level is not Level.PRESUMED_CONSENT
    open_questions: list[tuple[Consent, Unsettled, Rule, RuleVersion]] = []
    for consent in candidates:
        failures: list[Finding] = []
        questions: list[tuple[Unsettled, Rule, RuleVersion]] = []
        if implied_fails and consent.method is ConsentMethod.IMPLIED:
            if req.level is Level.CONSENT and req.question is not None:
                questions.append((Unsettled(req.question, {"consent_id": consent.id}), req_rule, req))
            else:
                failures.append(
                    make_finding("no_express_consent", req_rule.id, req, {"consent_id": consent.id})
                )
        for cond_rule, cond_version in plan.conditions:
            assert cond_rule.consent_test is not None  # noqa: S101
            result = cond_rule.consent_test(case, channel, cond_version, consent)
            if result is None:
                continue
            if isinstance(result, Unsettled):
                questions.append((result, cond_rule, cond_version))
            else:
                failures.append(make_finding(cond_rule.code, cond_rule.id, cond_version, result))
        for warn_rule, warn_version in plan.consent_warnings:
            assert warn_rule.consent_test is not None  # noqa: S101
            result = warn_rule.consent_test(case, channel, warn_version, consent)
            if result is not None:
                acc.warnings.append(make_finding(warn_rule.code, warn_rule.id, warn_version, result))
        if failures:
            acc.ground_reasons.extend(failures)
            continue
        if questions:
            open_questions.extend((consent, q, r, v) for q, r, v in questions)
            continue
        acc.ground = _consent_finding(rule, version, req, consent)
        acc.consent_id = consent.id
        return
    # No consent is valid outright; consents that only hit open questions are decided by
    # the policy (a consent counts only if every one of its open questions is permitted).
    if not open_questions:
        return
    for consent in dict.fromkeys(c for c, *_ in open_questions):
        mine = [(q, r, v) for c, q, r, v in open_questions if c is consent]
        choices = [case.policy.choice(q.question) for q, _, _ in mine]
        for q, r, v in mine:
            _unsettled(case, r, v, q, acc, established_ctx=None, grant=False)
        if all(ch is UnsettledChoice.PERMIT for ch in choices):
            acc.ground = _consent_finding(rule, version, req, consent)
            acc.consent_id = consent.id
            acc.pending = False
            return


def _granted(consent: Consent) -> datetime:
    return consent.granted_at


def _consent_finding(rule: Rule, version: RuleVersion, req: RuleVersion, consent: Consent) -> Finding:
    """The consent ground cites the provision that demands the consent on this channel at
    this time (e.g. § 7 Abs. 2 Nr. 1 UWG), with the ground rule's own citation (Art. 6
    Abs. 1 lit. a DSGVO) as authority."""
    return build(
        Finding,
        {
            "code": rule.code,
            "rule_id": rule.id,
            "citation": req.citation,
            "authorities": (version.citation, *version.authorities),
            "ctx": {"consent_id": consent.id},
        },
    )


def _contact_point_bars(contact: Contact, channel: Channel) -> list[Finding]:
    # At most two fields a channel, read without a loop (eight calls a decision).
    fields = _CONTACT_POINT[channel]
    point = getattr(contact, fields[0])
    other = getattr(contact, fields[1]) if len(fields) > 1 else None
    if point is None:
        if other is None:
            return [_NO_CONTACT_POINT[channel]]
        point, other = other, None
    # SMS needs a line that takes texts; the finding names the first point's line type.
    if channel is Channel.SMS and not point.sms_capable and (other is None or not other.sms_capable):
        return [_UNSUITABLE[point.line_type]]
    return []


# One finding per channel without a contact point, shared by every decision (immutable).
_NO_CONTACT_POINT: Mapping[Channel, Finding] = {
    channel: make_finding("no_contact_point", "contact_point", None, {"contact_point": " or ".join(fields)})
    for channel, fields in _CONTACT_POINT.items()
}
# And one per line type that takes no texts.
_UNSUITABLE: Mapping[LineType, Finding] = {
    line_type: make_finding("contact_point_unsuitable", "contact_point", None, {"line_type": line_type.value})
    for line_type in LineType
}
_SHARED_IDS.update(id(f) for f in (*_NO_CONTACT_POINT.values(), *_UNSUITABLE.values()))


def _dedupe(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    if len(findings) < 2:  # the common case: nothing to compare
        return tuple(findings)
    # Findings of distinct rules and codes cannot repeat one another: their contexts
    # need not be compared (3.5 lists a decision, almost all of them such).
    rules = set()
    for f in findings:
        rules.add((f.code, f.rule_id))
    if len(rules) == len(findings):
        return tuple(findings)
    seen: set[Any] = set()
    out: list[Finding] = []
    for f in findings:
        try:
            key: Any = (f.code, f.rule_id, frozenset(f.ctx.items()))
        except TypeError:  # a list in ctx
            key = (f.code, f.rule_id, repr(sorted(f.ctx.items())))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return tuple(out)
