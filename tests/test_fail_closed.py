"""Fail-closed review: every way a channel can end up ``permitted``, and what it rests on.

Review of ``dialoglaw/engine.py`` (pinned by the first tests below, so a new path cannot
be added without this review being updated):

* A verdict is ``permitted`` in exactly one place, ``_evaluate``: only when no bar fired
  (contact-point bars included) **and** ``acc.ground`` is set. The permitted verdict
  carries that ground; every other verdict carries none. ``_verdict`` returns
  ``_evaluate``'s verdict, or for a plan with nothing to run but the consent ground and
  a contact without a consent to the channel the verdict ``_evaluate`` made for the
  first such contact with the same contact point (``_Plan.bare``). Such a plan's rules,
  but for the consent ground, are all constant (they read nothing of the case but the
  send day and the effective audience the plan is made for), so
  that verdict is the one ``_evaluate`` would make again: ``permitted`` only by a
  constant ground (postal, leaflet) with no bar. ``tests/test_preconditions.py`` checks
  every constant rule's promise and compares decisions with ``_evaluate`` on the full
  plans.
* ``acc.ground`` is set in four places:

  1. ``_apply`` — an advertising ground (presumed consent, existing customer for e-mail,
     postal, leaflet) or a neutral ground (``not_advertising``) whose test returned a
     context and whose version poses no question. Citation: the rule version's.
  2. ``_unsettled`` — the ground's version poses an unsettled question (existing customer
     for SMS / messenger), or its test returned ``Unsettled``, and the policy says
     ``permit``. Citation: the rule version's.
  3. ``_consent_ground`` — a consent on file for the channel passes every consent
     condition. Citation: the channel's requirement in force (e.g. § 7 Abs. 2 Nr. 2 UWG).
  4. ``_consent_ground`` — a consent fails no condition but raises open questions, and
     the policy permits every one of them. Citation: as in 3.

The tests below construct each path, check that the ground is a finding of a ground rule
in force with a citation, and that removing the fact behind it takes the permission away.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialoglaw
from dialoglaw import (
    Audience,
    Channel,
    Contact,
    Message,
    Policy,
    Purpose,
    Status,
    UnsettledChoice,
    Verdict,
)
from dialoglaw import engine as engine_module
from dialoglaw.citations import Citation
from dialoglaw.engine import _plan, _verdict
from dialoglaw.jurisdictions.de.dates import UWG_2004
from dialoglaw.rules import Case, Kind, Level, Rule, Rulebook, RuleVersion, Unsettled
from dialoglaw.validity import BERLIN, Validity, german_date
from tests.strategies import contacts, instants, messages

BOOK = dialoglaw.rulebook_for("DE")
AT = datetime(2024, 3, 1, 10, tzinfo=BERLIN)
ACME = "ACME GmbH"
MESSAGE: dict[str, Any] = {
    "sender": ACME,
    "topic": "coffee",
    "own_products": True,
    "includes_opt_out_notice": True,
    "sender_identified": True,
    "valid_opt_out_address": True,
}
ADDRESS = {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"}
POINTS: dict[str, Any] = {
    "email": "max@example.de",
    "mobile": "0171 1234567",
    "fax": "030 7654321",
    "messenger": "@max",
    "postal_address": ADDRESS,
}


# -- the review, pinned ------------------------------------------------------------------


def _functions() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(engine_module))
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_the_engine_sets_a_ground_in_exactly_the_four_reviewed_places() -> None:
    sites: list[tuple[str, str]] = []
    for name, func in _functions().items():
        for node in ast.walk(func):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == "ground"
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "acc"
                    ):
                        sites.append((name, ast.unparse(node.value).split("(")[0]))
    assert sorted(sites) == [
        ("_apply", "make_finding"),
        ("_consent_ground", "_consent_finding"),
        ("_consent_ground", "_consent_finding"),
        ("_unsettled", "make_finding"),
    ]


def test_permitted_is_produced_once_and_only_with_the_ground_and_no_bar() -> None:
    uses = [
        name
        for name, func in _functions().items()
        for node in ast.walk(func)
        if isinstance(node, ast.Attribute)
        and node.attr == "PERMITTED"
        and isinstance(node.value, ast.Name)
        and node.value.id == "Status"
    ]
    assert uses == ["_evaluate"]
    # At the top level of _evaluate: the bar branch returns first; the only permitted
    # verdict is built inside the branch that has a ground, and carries that ground.
    body = _functions()["_evaluate"].body
    tests = [ast.unparse(node.test) if isinstance(node, ast.If) else None for node in body]
    bars_at = tests.index("bars")
    ground_at = tests.index("acc.ground is not None")
    assert bars_at < ground_at
    bars_branch, ground_branch = body[bars_at], body[ground_at]
    assert isinstance(bars_branch, ast.If)
    assert isinstance(bars_branch.body[-1], ast.Return)
    assert "Status.PERMITTED" not in ast.unparse(bars_branch)
    assert isinstance(ground_branch, ast.If)
    returned = ground_branch.body[-1]
    assert isinstance(returned, ast.Return)
    # _verdict_model(field=...): a verdict of those fields, shared where its findings are
    # (test_properties compares it with a verdict of its own); every field by keyword.
    assert isinstance(returned.value, ast.Call)
    assert ast.unparse(returned.value.func) == "_verdict_model"
    assert not returned.value.args
    keywords = {k.arg: ast.unparse(k.value) for k in returned.value.keywords}
    assert set(keywords) == set(Verdict.model_fields)
    assert keywords["status"] == "Status.PERMITTED"
    assert keywords["ground"] == "acc.ground"
    assert keywords["reasons"] == "()"
    rest = "\n".join(ast.unparse(node) for node in body[ground_at + 1 :])
    assert "Status.PERMITTED" not in rest


# -- the paths --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """A way to a permitted channel, and the changes of fact that must take it away."""

    contact: dict[str, Any]
    channel: Channel
    ground: str
    rule_id: str
    message: dict[str, Any] = field(default_factory=lambda: dict(MESSAGE))
    policy: Policy = field(default_factory=Policy)
    at: datetime = AT
    removals: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    via_question: str | None = None


def consent(channels: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "id": "k1",
        "channels": channels,
        "granted_at": "2023-01-01T10:00:00+01:00",
        "method": "written_signed",
        "senders": [ACME],
        **extra,
    }


def without(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: {k: v for k, v in data.items() if k not in keys}


def withdrawn(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "consents": [{**c, "withdrawn_at": "2024-02-01T00:00:00Z"} for c in data["consents"]]}


def objected_at(at: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: {**data, "objections": [{"at": at}]}


objected = objected_at("2024-02-01T00:00:00Z")


RELATIONSHIP = {
    "obtained_through": "sale",
    "obtained_at": "2022-01-01T00:00:00Z",
    "seller": ACME,
    "contact_points": ["email", "sms", "messenger"],
    "purchased_categories": ["coffee"],
    "opt_out_notice_at_collection": True,
}
PRESUMED = {
    "facts": "Asked for an offer at the trade fair.",
    "assessed_by": "Compliance",
    "assessed_at": "2023-06-01T00:00:00Z",
    "sender": ACME,
}
CONSENT_REMOVALS = {"no consent": without("consents"), "withdrawn": withdrawn, "objection": objected}

PATHS: dict[str, Path] = {
    **{
        f"express consent ({channel.value})": Path(
            {"id": "c", "audience": "consumer", **POINTS, "consents": [consent([channel.value])]},
            channel,
            "express_consent",
            "de.uwg.7.2.consent",
            removals=CONSENT_REMOVALS,
        )
        for channel in (
            Channel.PHONE,
            Channel.AUTOMATED_CALL,
            Channel.FAX,
            Channel.EMAIL,
            Channel.SMS,
            Channel.MESSENGER,
        )
    },
    "express consent (business call)": Path(
        {"id": "c", "audience": "business", **POINTS, "consents": [consent(["phone"])]},
        Channel.PHONE,
        "express_consent",
        "de.uwg.7.2.consent",
        removals=CONSENT_REMOVALS,
    ),
    "express consent with an open question the policy permits (tied consent)": Path(
        {"id": "c", "audience": "consumer", **POINTS, "consents": [consent(["email"], tied_to="prize draw")]},
        Channel.EMAIL,
        "express_consent",
        "de.uwg.7.2.consent",
        policy=Policy(unsettled={"gdpr.7.4.tied_consent": UnsettledChoice.PERMIT}),
        removals=CONSENT_REMOVALS,
        via_question="gdpr.7.4.tied_consent",
    ),
    "implied consent under the UWG 2004 wording, permitted by the policy": Path(
        {
            "id": "c",
            "audience": "consumer",
            **POINTS,
            "consents": [consent(["email"], method="implied", granted_at="2005-01-01T00:00:00Z")],
        },
        Channel.EMAIL,
        "express_consent",
        "de.uwg.7.2.consent",
        at=datetime(2006, 3, 1, 10, tzinfo=BERLIN),
        policy=Policy(
            unsettled={"de.uwg.2004.implied_consent": UnsettledChoice.PERMIT},
            require_confirmed_opt_in=frozenset(),
        ),
        removals={"no consent": without("consents"), "objection": objected_at("2006-02-01T00:00:00Z")},
        via_question="de.uwg.2004.implied_consent",
    ),
    "presumed consent of a business": Path(
        {"id": "c", "audience": "business", **POINTS, "presumed_consent": PRESUMED},
        Channel.PHONE,
        "presumed_consent",
        "de.uwg.7.2.presumed",
        removals={
            "no assessment": without("presumed_consent"),
            "assessment for another caller": lambda d: {
                **d,
                "presumed_consent": {**PRESUMED, "sender": "Other AG"},
            },
            "objection": objected,
            "consumer": lambda d: {**d, "audience": "consumer"},
        },
    ),
    "existing customer (email)": Path(
        {"id": "c", "audience": "consumer", **POINTS, "relationship": RELATIONSHIP},
        Channel.EMAIL,
        "existing_customer",
        "de.uwg.7.3.email",
        removals={
            "no relationship": without("relationship"),
            "no sale": lambda d: {**d, "relationship": {**RELATIONSHIP, "obtained_through": "enquiry"}},
            "objection": objected,
        },
    ),
    **{
        f"existing customer ({channel.value}), permitted by the policy": Path(
            {"id": "c", "audience": "consumer", **POINTS, "relationship": RELATIONSHIP},
            channel,
            "existing_customer",
            f"de.uwg.7.3.{channel.value}",
            policy=Policy(unsettled={f"de.uwg.7.3.{channel.value}": UnsettledChoice.PERMIT}),
            removals={"no relationship": without("relationship"), "objection": objected},
            via_question=f"de.uwg.7.3.{channel.value}",
        )
        for channel in (Channel.SMS, Channel.MESSENGER)
    },
    "addressed letter": Path(
        {"id": "c", "audience": "consumer", "postal_address": ADDRESS},
        Channel.POSTAL,
        "postal_no_objection",
        "de.uwg.7.1.postal_ground",
        removals={"no address": without("postal_address"), "objection": objected},
    ),
    "leaflet": Path(
        {"id": "c", "audience": "consumer", "postal_address": ADDRESS},
        Channel.LEAFLET,
        "leaflet_no_refusal",
        "de.uwg.7.1.leaflet_ground",
        removals={
            "no address": without("postal_address"),
            "sticker": lambda d: {**d, "no_ads_sticker": True},
            "refusal": objected,
        },
    ),
    **{
        f"transactional ({channel.value})": Path(
            {"id": "c", "audience": "consumer", **POINTS},
            channel,
            "not_advertising",
            "de.uwg.7.scope",
            message={**MESSAGE, "purpose": "transactional"},
            removals={"no contact point": without(*POINTS)},
        )
        for channel in Channel
    },
}


def _decide(path: Path, contact: dict[str, Any], message: dict[str, Any] | None = None) -> Any:
    return dialoglaw.decide(contact, message or path.message, at=path.at, policy=path.policy)[path.channel]


@pytest.mark.parametrize("name", PATHS, ids=list(PATHS))
def test_each_path_permits_only_with_a_cited_ground_of_a_rule_in_force(name: str) -> None:
    path = PATHS[name]
    verdict = _decide(path, path.contact)
    assert verdict.status is Status.PERMITTED, verdict.explain()
    ground = verdict.ground
    assert ground is not None
    assert (ground.code, ground.rule_id) == (path.ground, path.rule_id)
    assert ground.citation is not None
    day = german_date(path.at)
    rule = BOOK.rule(path.rule_id)
    assert rule.kind is Kind.GROUND
    assert rule.version_on(day) is not None
    in_force = {v.citation for _, v in BOOK.in_force(day)}
    assert ground.citation in in_force
    assert verdict.reasons == ()
    if path.via_question is not None:
        # The policy's permission is visible: the open question stays on the verdict.
        assert path.via_question in {w.ctx.get("question") for w in verdict.warnings}


@pytest.mark.parametrize(
    ("name", "removal"),
    [(n, r) for n, p in PATHS.items() for r in p.removals],
    ids=[f"{n} - {r}" for n, p in PATHS.items() for r in p.removals],
)
def test_removing_the_fact_behind_the_ground_takes_the_permission_away(name: str, removal: str) -> None:
    path = PATHS[name]
    verdict = _decide(path, path.removals[removal](path.contact))
    assert verdict.status is not Status.PERMITTED
    assert verdict.ground is None
    assert verdict.reasons or verdict.questions


@pytest.mark.parametrize("name", [n for n, p in PATHS.items() if p.via_question], ids=str)
def test_without_the_policys_permission_an_open_question_is_never_a_permission(name: str) -> None:
    path = PATHS[name]
    question = path.via_question
    assert question is not None
    for choice, status in (
        (UnsettledChoice.REVIEW, Status.REVIEW),
        (UnsettledChoice.SUPPRESS, Status.SUPPRESSED),
    ):
        policy = path.policy.model_copy(update={"unsettled": {question: choice}})
        verdict = dialoglaw.decide(path.contact, path.message, at=path.at, policy=policy)[path.channel]
        assert verdict.status is status
        assert verdict.ground is None


# Letters and leaflets need no consent: advertising has its own ground there.
NEEDS_CONSENT = [
    n
    for n, p in PATHS.items()
    if n.startswith("transactional") and p.channel not in (Channel.POSTAL, Channel.LEAFLET)
]


@pytest.mark.parametrize("name", NEEDS_CONSENT, ids=str)
def test_a_transactional_permission_disappears_when_the_message_is_advertising(name: str) -> None:
    path = PATHS[name]
    verdict = _decide(path, path.contact, {**MESSAGE, "purpose": "advertising"})
    assert verdict.status is not Status.PERMITTED


def test_every_ground_rule_of_the_rulebook_has_a_fail_closed_path() -> None:
    grounds = {r.id for r in BOOK.of_kind(Kind.GROUND)}
    covered = {p.rule_id for p in PATHS.values()}
    assert grounds == covered
    assert {r.code for r in BOOK.of_kind(Kind.GROUND)} == {
        "express_consent",
        "presumed_consent",
        "existing_customer",
        "postal_no_objection",
        "leaflet_no_refusal",
        "not_advertising",
    }


# -- a ground that returns Unsettled itself (no German rule does; the engine allows it) -------

_Q = "zz.test.question"
_CITE = dialoglaw.Citation.statute(dialoglaw.Act.UWG, 7, 3)
_VALID = Validity(UWG_2004)


def _scratch_book(test: Callable[[Case, Channel, RuleVersion], Any]) -> Rulebook:
    from dialoglaw.rules import Question

    requirement = Rule(
        id="zz.requirement",
        title="Consent needed",
        kind=Kind.REQUIREMENT,
        code="requirement",
        channels=frozenset({Channel.EMAIL}),
        versions=(RuleVersion(_VALID, _CITE, level=Level.CONSENT, deny="no_consent"),),
    )
    ground = Rule(
        id="zz.ground",
        title="A ground whose test may say the law is unsettled",
        kind=Kind.GROUND,
        code="existing_customer",
        channels=frozenset({Channel.EMAIL}),
        levels=frozenset({Level.CONSENT}),
        versions=(RuleVersion(_VALID, _CITE),),
        test=test,
    )
    question = Question(id=_Q, title="?", for_permitting="yes", against="no", citation=_CITE)
    return Rulebook("ZZ", "Scratch", "2024-01-01", UWG_2004, (requirement, ground), {_Q: question})


def _scratch_verdict(book: Rulebook, choice: UnsettledChoice) -> Any:
    contact = Contact(id="c", audience=Audience.CONSUMER, email="max@example.de")
    message = Message.model_validate(MESSAGE)
    policy = Policy(unsettled={_Q: choice})
    case = Case(contact, message, AT, german_date(AT), Audience.CONSUMER, policy)
    return _verdict(
        _plan(book, case.day, Channel.EMAIL, Audience.CONSUMER), case, Channel.EMAIL, message.is_advertising
    )


def test_a_ground_test_returning_unsettled_permits_only_when_the_policy_says_so() -> None:
    book = _scratch_book(lambda case, channel, version: Unsettled(_Q, {"why": "test"}))
    permitted = _scratch_verdict(book, UnsettledChoice.PERMIT)
    assert permitted.status is Status.PERMITTED
    assert permitted.ground.rule_id == "zz.ground"
    assert permitted.ground.citation == _CITE
    assert _scratch_verdict(book, UnsettledChoice.REVIEW).status is Status.REVIEW
    suppressed = _scratch_verdict(book, UnsettledChoice.SUPPRESS)
    assert suppressed.status is Status.SUPPRESSED
    assert suppressed.ground is None
    # The fact behind it removed: the test no longer fires, and the requirement denies.
    gone = _scratch_verdict(_scratch_book(lambda case, channel, version: None), UnsettledChoice.PERMIT)
    assert gone.status is Status.SUPPRESSED
    assert gone.codes == ("no_consent",)


# -- the same, over generated facts --------------------------------------------------------------


def _strip_ground_fact(data: dict[str, Any], verdict: Any) -> dict[str, Any]:
    ground = verdict.ground
    if ground.code == "express_consent":
        return {**data, "consents": [c for c in data["consents"] if c["id"] != ground.ctx["consent_id"]]}
    if ground.code == "presumed_consent":
        return {**data, "presumed_consent": None}
    if ground.code == "existing_customer":
        return {**data, "relationship": None}
    if ground.code in ("postal_no_objection", "leaflet_no_refusal"):
        return {**data, "postal_address": None}
    assert ground.code == "not_advertising"
    fields = {
        Channel.POSTAL: ("postal_address",),
        Channel.LEAFLET: ("postal_address",),
        Channel.PHONE: ("phone", "mobile"),
        Channel.AUTOMATED_CALL: ("phone", "mobile"),
        Channel.FAX: ("fax",),
        Channel.EMAIL: ("email",),
        Channel.SMS: ("phone", "mobile"),
        Channel.MESSENGER: ("messenger",),
    }[verdict.channel]
    return {**data, **dict.fromkeys(fields)}


@settings(max_examples=150, deadline=None)
@given(contacts(), messages(), instants)
def test_no_permitted_verdict_survives_removing_the_fact_its_ground_rests_on(
    contact: Contact, message: Message, at: datetime
) -> None:
    decision = dialoglaw.decide(contact, message, at=at)
    data = contact.model_dump(mode="python")
    for verdict in decision:
        if verdict.status is not Status.PERMITTED:
            continue
        assert verdict.ground is not None
        assert verdict.ground.citation is not None
        after = dialoglaw.decide(_strip_ground_fact(data, verdict), message, at=at)[verdict.channel]
        # Another fact may still carry the channel, but never the same ground on the same fact.
        if after.status is Status.PERMITTED:
            assert after.ground is not None
            assert (after.ground.code, after.ground.ctx) != (verdict.ground.code, verdict.ground.ctx) or (
                after.ground.code == "express_consent"
            )
            if after.ground.code == "express_consent":
                assert after.consent_id != verdict.consent_id


@settings(max_examples=150, deadline=None)
@given(contacts(), messages(purpose=Purpose.ADVERTISING), instants)
def test_without_consent_relationship_or_presumed_consent_only_letters_and_leaflets_can_be_permitted(
    contact: Contact, message: Message, at: datetime
) -> None:
    bare = contact.model_copy(update={"consents": (), "relationship": None, "presumed_consent": None})
    assert dialoglaw.decide(bare, message, at=at).permitted <= {Channel.POSTAL, Channel.LEAFLET}


@settings(max_examples=150, deadline=None)
@given(
    contacts(),
    messages(purpose=Purpose.ADVERTISING),
    instants,
    st.sampled_from(["sender_identified", "valid_opt_out_address"]),
)
def test_an_unknown_message_fact_never_permits_electronic_mail(
    contact: Contact, message: Message, at: datetime, unknown: str
) -> None:
    decision = dialoglaw.decide(contact, message.model_copy(update={unknown: None}), at=at)
    assert decision.permitted.isdisjoint({Channel.EMAIL, Channel.SMS, Channel.MESSENGER})


def test_a_naive_or_out_of_range_send_time_is_an_error_not_a_verdict() -> None:
    data = PATHS["addressed letter"].contact
    with pytest.raises(dialoglaw.InputError):
        dialoglaw.decide(data, MESSAGE, at=datetime(2024, 3, 1, 10))  # noqa: DTZ001
    with pytest.raises(dialoglaw.OutOfCoverageError):
        dialoglaw.decide(data, MESSAGE, at=datetime(2004, 7, 7, 23, 59, tzinfo=BERLIN))
    first = dialoglaw.decide(data, MESSAGE, at=datetime(2004, 7, 8, 0, 0, tzinfo=BERLIN))
    assert first.permitted == {Channel.POSTAL, Channel.LEAFLET}
    assert german_date(datetime(2004, 7, 7, 22, 0, tzinfo=BERLIN) + timedelta(hours=2)) == date(2004, 7, 8)


def test_a_ground_rule_citation_is_never_free_text() -> None:
    for rule in BOOK.of_kind(Kind.GROUND):
        for version in rule.versions:
            assert isinstance(version.citation, Citation)
