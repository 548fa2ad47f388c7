"""Rule preconditions and constant rules: speed-ups that must never change a verdict.

A rule may promise that its test says nothing where a cheap precondition of the case is
false (``Rule.precondition``); the engine then leaves the rule out of the plan. A rule
may promise that its test reads nothing of the case but what the plan is made for
(``Rule.constant``); a plan with nothing else to run but the consent ground then gives
every contact without a consent to the channel one verdict per contact point
(``engine._Plan.bare``). These tests check both promises of every rule of every
registered rulebook over generated cases, that decisions equal the verdicts of the full
plans (every rule run), and, on scratch rulebooks, which plans share their verdicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, cast
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialoglaw
from dialoglaw import Audience, Channel, Contact, Message, Policy, UnsettledChoice, engine, rules
from dialoglaw.errors import RulebookError
from dialoglaw.registry import available_jurisdictions, rulebook_for
from dialoglaw.rules import Case, Kind, Level, Question, Rule, Rulebook, RuleVersion, Unsettled
from dialoglaw.validity import Validity, german_date
from tests.strategies import contacts, instants, messages

SETTINGS = settings(max_examples=400, deadline=None)

policies = st.builds(
    Policy,
    honour_robinson_list=st.booleans(),
    unknown_audience=st.sampled_from([Audience.CONSUMER, Audience.BUSINESS]),
)
suppressed = st.frozensets(st.sampled_from(list(Channel)), max_size=3)


def _books() -> Iterator[Rulebook]:
    for code in available_jurisdictions():
        yield rulebook_for(code)


def _case(
    contact: Contact, message: Message, at: datetime, policy: Policy, barred: frozenset[Channel]
) -> Case:
    audience = policy.unknown_audience if contact.audience is Audience.UNKNOWN else contact.audience
    return Case(contact, message, at, german_date(at), audience, policy, barred)


def test_the_rulebooks_declare_preconditions() -> None:
    # Without any the tests below would pass vacuously.
    declared = {r.id for book in _books() for r in book.rules if r.precondition is not None}
    assert {
        "de.ddv.robinson",
        "eu.gdpr.21.3.objection",
        "de.uwg.7.3.email",
        "de.uwg.7.2.identity",
    } <= declared


@SETTINGS
@given(contacts(), messages(), instants, policies, suppressed)
def test_a_rule_whose_precondition_is_false_never_fires(
    contact: Contact, message: Message, at: datetime, policy: Policy, barred: frozenset[Channel]
) -> None:
    # The promise of Rule.precondition, for every rule, version and channel: the test
    # returns None. A wrong promise would drop a bar or a ground unseen.
    case = _case(contact, message, at, policy, barred)
    for book in _books():
        for rule in book.rules:
            if rule.precondition is None or rule.precondition(case):
                continue
            for version in rule.versions:
                for channel in rule.channels:
                    assert rule.test(case, channel, version) is None, (rule.id, channel)


def test_the_rulebooks_declare_constant_rules() -> None:
    declared = {r.id for book in _books() for r in book.rules if r.constant}
    assert {
        "de.uwg.7.1.postal_ground",
        "de.uwg.7.1.leaflet_ground",
        "eu.gdpr.21.4.notice",
        "de.bgb.13.audience",
    } <= declared


def _results(rule: Rule, case: Case, grounds: list[Any]) -> list[Any]:
    if rule.obligation_test is not None:
        return [
            rule.obligation_test(case, channel, version, ground)
            for version in rule.versions
            for channel in sorted(rule.channels)
            for ground in grounds
        ]
    return [
        rule.test(case, channel, version) for version in rule.versions for channel in sorted(rule.channels)
    ]


@SETTINGS
@given(
    st.tuples(contacts(), messages(), instants, policies, suppressed),
    st.tuples(contacts(), messages(), policies, suppressed),
    st.booleans(),
)
def test_a_constant_rule_says_the_same_of_every_case_its_plan_is_for(
    first: tuple[Any, ...], second: tuple[Any, ...], same_audience: bool
) -> None:
    # The promise of Rule.constant: given what a plan is made for (the send day and the
    # effective audience) and its precondition, the result depends on the channel, the
    # version and (obligations) the ground, never on the rest of the case, and is never
    # Unsettled (whose answer is the policy's). The second case is sent at the same time
    # and, half the time, has the first's audience, known or not, resolved alike.
    contact, message, policy, barred = second
    contact = contact.model_copy(update={"id": "another"})  # the strategy's contacts share one
    if same_audience:
        contact = contact.model_copy(update={"audience": first[0].audience})
        policy = policy.model_copy(update={"unknown_audience": first[3].unknown_audience})
    cases = [_case(*first), _case(contact, message, first[2], policy, barred)]
    if cases[0].audience is not cases[1].audience:
        return  # plans for different audiences: nothing is promised
    for book in _books():
        grounds = [engine.make_finding(r.code, r.id, r.versions[-1]) for r in book.of_kind(Kind.GROUND)]
        for rule in book.rules:
            if not rule.constant:
                continue
            if rule.precondition is not None and not all(rule.precondition(case) for case in cases):
                continue  # where it fails, the rule is not in the plan at all
            a, b = (_results(rule, case, grounds) for case in cases)
            assert a == b, rule.id
            assert not any(isinstance(result, Unsettled) for result in a), rule.id


class _Listed:
    """A suppression list that matches the channels it is given (decide calls only
    ``matches``)."""

    def __init__(self, channels: frozenset[Channel]) -> None:
        self.channels = channels

    def matches(self, contact: Contact) -> frozenset[Channel]:
        return self.channels


@SETTINGS
@given(contacts(), messages(), instants, policies, suppressed)
def test_decisions_equal_the_verdicts_of_every_rule_run(
    contact: Contact, message: Message, at: datetime, policy: Policy, barred: frozenset[Channel]
) -> None:
    # The full plans (holding -1: every precondition taken to hold) run every rule.
    case = _case(contact, message, at, policy, barred)
    book = rulebook_for(contact.country)
    full = tuple(
        engine._verdict(plan, case, channel, message.is_advertising)
        for plan, channel in zip(engine._plans(book, case.day, case.audience), Channel, strict=True)
    )
    listed = cast("Any", _Listed(barred))
    decided = dialoglaw.decide(contact, message, at=at, policy=policy, suppressions=listed)
    assert decided.verdicts == full
    # The same through a subset of channels (the other path into the plans).
    some = (Channel.EMAIL, Channel.PHONE, Channel.LEAFLET)
    part = dialoglaw.decide(contact, message, at=at, policy=policy, suppressions=listed, channels=some)
    assert part.verdicts == tuple(v for c in some for v in full if v.channel is c)  # in the order asked


def test_a_plan_leaves_out_exactly_the_rules_whose_precondition_fails() -> None:
    book = rulebook_for("DE")
    day = german_date(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    every = engine._plan(book, day, Channel.EMAIL, Audience.CONSUMER)
    none_hold = engine._plan(book, day, Channel.EMAIL, Audience.CONSUMER, 0)
    full_bars = {r.id for r, _ in every.bars}
    assert {"de.ddv.robinson", "eu.gdpr.21.3.objection", "de.uwg.7.2.identity"} <= full_bars
    assert {r.id for r, _ in none_hold.bars} == {r.id for r, _ in every.bars if r.precondition is None}
    assert {r.id for r, _ in none_hold.grounds} == {"de.uwg.7.2.consent"}
    assert "de.uwg.7.3.email" in {r.id for r, _ in every.grounds}


def _rule(**changes: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "zz.rule",
        "title": "A scratch rule",
        "kind": Kind.BAR,
        "code": "scratch",
        "channels": frozenset({Channel.EMAIL}),
        "versions": (RuleVersion(Validity(date(2020, 1, 1)), _cite()),),
        "test": lambda case, channel, version: {},
        "precondition": lambda case: True,
    }
    fields.update(changes)
    return Rule(**fields)


def _cite() -> Any:
    return rulebook_for("DE").rules[0].versions[0].citation


def test_a_bar_with_a_test_may_have_a_precondition() -> None:
    assert _rule().precondition is not None


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"kind": Kind.OBLIGATION, "obligation_test": lambda *a: {}}, "obligation"),
        ({"kind": Kind.CONSENT_CONDITION, "consent_test": lambda *a: None}, "consent condition"),
        ({"kind": Kind.WARNING, "consent_test": lambda *a: None}, "warning with a consent test"),
        ({"test": rules._never}, "no test of its own"),
    ],
)
def test_a_precondition_is_refused_where_the_engine_could_not_skip_the_rule(
    changes: dict[str, Any], why: str
) -> None:
    # The engine skips the whole rule: only a bar, warning or ground that is nothing but
    # its test may promise something about that test.
    with pytest.raises(RulebookError, match="precondition"):
        _rule(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": Kind.CONSENT_CONDITION, "test": rules._never, "consent_test": lambda *a: None},
        {"kind": Kind.OBLIGATION},  # a test and an obligation test
        {"test": rules._never},  # no test at all
    ],
)
def test_only_a_rule_with_one_test_of_the_case_may_be_constant(changes: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"precondition": None, "constant": True, "obligation_test": lambda *a: {}}
    if changes.get("kind") is not Kind.OBLIGATION:
        fields["obligation_test"] = None
    with pytest.raises(RulebookError, match="constant"):
        _rule(**{**fields, **changes})


def test_a_constant_obligation_and_a_constant_ground_are_accepted() -> None:
    assert _rule(precondition=None, constant=True, kind=Kind.GROUND).constant
    obligation = _rule(
        precondition=None,
        constant=True,
        kind=Kind.OBLIGATION,
        test=rules._never,
        obligation_test=lambda *a: {},
    )
    assert obligation.constant


def test_a_requirement_may_not_have_a_precondition() -> None:
    versions = (RuleVersion(Validity(date(2020, 1, 1)), _cite(), level=Level.NONE),)
    with pytest.raises(RulebookError, match="precondition"):
        _rule(kind=Kind.REQUIREMENT, versions=versions)


# --- plans with nothing to run but the consent ground (engine._Plan.bare) ------------

_AT = datetime.fromisoformat("2026-11-23T10:00:00+01:00")
_MESSAGE = Message(sender="ACME GmbH", sender_identified=True, valid_opt_out_address=True)


def _book(*extra: Rule, questions: tuple[str, ...] = ()) -> Rulebook:
    valid = Validity(date(2020, 1, 1))
    requirement = Rule(
        id="zz.requirement",
        title="E-mail needs consent",
        kind=Kind.REQUIREMENT,
        code="requirement",
        channels=frozenset({Channel.EMAIL}),
        versions=(RuleVersion(valid, _cite(), level=Level.EXPRESS_CONSENT, deny="no_consent"),),
    )
    consent = Rule(
        id="zz.consent",
        title="Consent",
        kind=Kind.GROUND,
        code="express_consent",
        channels=frozenset({Channel.EMAIL}),
        levels=frozenset({Level.EXPRESS_CONSENT}),
        versions=(RuleVersion(valid, _cite()),),
    )
    asked = {
        q: Question(id=q, title="?", for_permitting="yes", against="no", citation=_cite()) for q in questions
    }
    return Rulebook("ZZ", "Scratch", "2026-01-01", date(2020, 1, 1), (requirement, consent, *extra), asked)


def _email_verdict(book: Rulebook, contact: Contact) -> Any:
    case = Case(contact, _MESSAGE, _AT, german_date(_AT), Audience.CONSUMER, Policy())
    return engine._verdict(
        engine._plan(book, case.day, Channel.EMAIL, Audience.CONSUMER), case, Channel.EMAIL, True
    )


def _own(kind: Kind) -> Rule:
    # A rule (no precondition) whose finding names the contact: no plan with it is bare.
    return Rule(
        id=f"zz.{kind.value}",
        title="Names the contact",
        kind=kind,
        code=f"zz_{kind.value}",
        channels=frozenset({Channel.EMAIL}),
        versions=(RuleVersion(Validity(date(2020, 1, 1)), _cite()),),
        test=lambda case, channel, version: {"id": case.contact.id},
    )


def test_a_plan_with_only_the_consent_ground_gives_each_contact_point_its_verdict() -> None:
    book = _book()
    assert engine._plan(book, german_date(_AT), Channel.EMAIL, Audience.CONSUMER).bare == {}
    without = Contact(id="a")
    with_point = Contact(id="b", email="b@example.de")
    first, second, third = (_email_verdict(book, c) for c in (without, with_point, without))
    assert first.codes == ("no_contact_point", "no_consent")
    assert second.codes == ("no_consent",)
    assert third is first  # the plan's, shared


@pytest.mark.parametrize("kind", [Kind.BAR, Kind.WARNING])
def test_a_plan_with_a_bar_or_warning_decides_every_contact_on_its_own(kind: Kind) -> None:
    book = _book(_own(kind))
    assert engine._plan(book, german_date(_AT), Channel.EMAIL, Audience.CONSUMER).bare is None
    verdicts = [_email_verdict(book, Contact(id=name, email="x@example.de")) for name in ("a", "b")]
    findings = [v.reasons if kind is Kind.BAR else v.warnings for v in verdicts]
    assert [[f.ctx for f in part if f.code == f"zz_{kind.value}"] for part in findings] == [
        [{"id": "a"}],
        [{"id": "b"}],
    ]


def test_a_contact_point_finding_of_a_contacts_own_is_not_kept_by_the_plan() -> None:
    # Only shared findings key a bare plan's verdicts: an identity of a finding that is
    # dropped may be another's later.
    book = _book()
    own = engine.make_finding("no_contact_point", "contact_point", None, {"contact_point": "email"})
    plan = engine._plan(book, german_date(_AT), Channel.EMAIL, Audience.CONSUMER)
    with patch.object(engine, "_contact_point_bars", lambda contact, channel: [own]):
        verdict = _email_verdict(book, Contact(id="a"))
    assert verdict.reasons[0] is own
    assert id(own) not in plan.bare  # type: ignore[operator]


def _constant_ground(question: str | None = None) -> Rule:
    return Rule(
        id="zz.open",
        title="Holds whenever no bar stops it",
        kind=Kind.GROUND,
        code="zz_open",
        channels=frozenset({Channel.EMAIL}),
        levels=frozenset({Level.EXPRESS_CONSENT}),
        versions=(RuleVersion(Validity(date(2020, 1, 1)), _cite(), question=question),),
        test=lambda case, channel, version: {},
        constant=True,
    )


def _duty(*, constant: bool) -> Rule:
    return Rule(
        id="zz.duty",
        title="A duty naming the contact, unless constant",
        kind=Kind.OBLIGATION,
        code="zz_duty",
        channels=frozenset({Channel.EMAIL}),
        versions=(RuleVersion(Validity(date(2020, 1, 1)), _cite()),),
        obligation_test=(lambda *a: {}) if constant else (lambda case, *a: {"id": case.contact.id}),
        constant=constant,
    )


def test_a_plan_of_constant_rules_permits_every_contact_with_one_verdict() -> None:
    book = _book(_constant_ground(), _duty(constant=True))
    assert engine._plan(book, german_date(_AT), Channel.EMAIL, Audience.CONSUMER).bare == {}
    a, b = (_email_verdict(book, Contact(id=name, email="x@example.de")) for name in ("a", "b"))
    assert a.status is dialoglaw.Status.PERMITTED
    assert a.ground is not None and a.ground.code == "zz_open"
    assert [f.code for f in a.obligations] == ["zz_duty"]
    assert b is a


def test_a_constant_ground_with_a_duty_that_reads_the_case_leaves_each_contact_its_own_verdict() -> None:
    book = _book(_constant_ground(), _duty(constant=False))
    assert engine._plan(book, german_date(_AT), Channel.EMAIL, Audience.CONSUMER).bare is None
    a, b = (_email_verdict(book, Contact(id=name, email="x@example.de")) for name in ("a", "b"))
    assert [f.ctx for f in a.obligations] == [{"id": "a"}]
    assert [f.ctx for f in b.obligations] == [{"id": "b"}]


def test_a_constant_ground_that_poses_a_question_leaves_the_answer_to_each_policy() -> None:
    question = "zz.open_question"
    book = _book(_constant_ground(question), questions=(question,))
    assert engine._plan(book, german_date(_AT), Channel.EMAIL, Audience.CONSUMER).bare is None
    contact = Contact(id="a", email="x@example.de")
    statuses = []
    for choice in (UnsettledChoice.PERMIT, UnsettledChoice.SUPPRESS):
        case = Case(
            contact, _MESSAGE, _AT, german_date(_AT), Audience.CONSUMER, Policy(unsettled={question: choice})
        )
        plan = engine._plan(book, case.day, Channel.EMAIL, Audience.CONSUMER)
        statuses.append(engine._verdict(plan, case, Channel.EMAIL, True).status)
    assert statuses == [dialoglaw.Status.PERMITTED, dialoglaw.Status.SUPPRESSED]
