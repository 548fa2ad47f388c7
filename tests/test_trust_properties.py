"""Trust invariants over generated facts (hypothesis): suppression lists only ever take
away, every permission cites law in force, decisions and their audit fingerprints are the
same in every process, and facts survive a JSON round trip unchanged.

Budget: the whole file runs in well under a minute on two cores (see ``SETTINGS``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import dialoglaw
from dialoglaw import Channel, Contact, InputError, Message, Purpose, Status
from dialoglaw.audit import audit_record, decision_hash, facts_fingerprint, verify
from dialoglaw.privacy import SuppressionList
from dialoglaw.rules import Kind
from dialoglaw.validity import german_date
from tests.strategies import contacts, instants, messages

ROOT = Path(__file__).resolve().parents[1]
KEY = b"trust-properties-key-0123456789ab"
SETTINGS = settings(max_examples=250, deadline=None)
SUBPROCESS_SETTINGS = settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
BOOK = dialoglaw.rulebook_for("DE")
ADDRESSED = frozenset(Channel) - {Channel.LEAFLET}

# What a suppression entry can be keyed on: the contact points tests.strategies uses, a
# spelling variant of them, and an address of somebody else.
ENTRY_KEYS = st.sampled_from(
    [
        ("email", "max@example.de"),
        ("email", "MAX@Example.DE"),
        ("phone", "030 1234567"),
        ("phone", "+49 171 1234567"),
        ("phone", "0171 7654321"),
        ("phone", "030 7654321"),
        ("email", "somebody.else@example.de"),
        ("phone", "0172 9999999"),
    ]
)
ENTRY_CHANNELS = st.one_of(
    st.none(), st.lists(st.sampled_from(list(Channel)), min_size=1, max_size=4, unique=True)
)


@st.composite
def suppression_lists(draw: st.DrawFn) -> SuppressionList:
    lst = SuppressionList(KEY)
    for kind, value in draw(st.lists(ENTRY_KEYS, min_size=1, max_size=3)):
        channels = draw(ENTRY_CHANNELS)
        if kind == "email":
            lst.add_email(value, channels)
        else:
            lst.add_phone(value, channels=channels)
    return lst


@SETTINGS
@given(contacts(), messages(), instants, suppression_lists())
def test_a_suppression_list_entry_never_permits_more(
    contact: Contact, message: Message, at: datetime, lst: SuppressionList
) -> None:
    without = dialoglaw.decide(contact, message, at=at)
    with_list = dialoglaw.decide(contact, message, at=at, suppressions=lst)
    assert with_list.permitted <= without.permitted
    assert with_list.review <= without.review | without.permitted
    if message.is_advertising:
        # The matched channels are barred outright (leaflets process no personal data).
        assert with_list.permitted.isdisjoint(lst.matches(contact) & ADDRESSED)
    else:
        assert with_list.permitted == without.permitted
    for verdict in with_list:
        if any(f.rule_id == "de.suppression_list" for f in verdict.reasons):
            assert verdict.status is Status.SUPPRESSED
            assert verdict.channel in lst.matches(contact)


def _in_force(day: Any) -> tuple[set[Any], dict[str, Kind]]:
    citations = set()
    kinds: dict[str, Kind] = {}
    for rule, version in BOOK.in_force(day):
        citations.add(version.citation)
        kinds[rule.id] = rule.kind
    return citations, kinds


@SETTINGS
@given(contacts(), messages(), instants)
def test_every_ground_and_every_obligation_of_a_permitted_verdict_cites_law_in_force(
    contact: Contact, message: Message, at: datetime
) -> None:
    decision = dialoglaw.decide(contact, message, at=at)
    citations, kinds = _in_force(german_date(at))
    for verdict in decision:
        if verdict.status is not Status.PERMITTED:
            assert verdict.ground is None
            assert verdict.obligations == ()
            continue
        ground = verdict.ground
        assert ground is not None
        assert ground.citation is not None
        assert ground.citation in citations
        assert kinds.get(ground.rule_id) is Kind.GROUND
        for obligation in verdict.obligations:
            assert obligation.citation is not None
            assert obligation.citation in citations
            assert kinds.get(obligation.rule_id) is Kind.OBLIGATION


PHONES = ["+49 171 1234567", "030 1234567", "+43 664 1234567", "+41 79 123 45 67", "+44 20 7946 0958"]
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def varied_contacts(draw: st.DrawFn) -> Contact:
    """Contacts of tests.strategies with arbitrary ids, addresses, numbers and handles, and
    every timestamp moved into some zone (whole-minute offsets: see test_adversarial for
    sub-minute ones)."""

    def rezone(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(draw(OFFSETS))
        if isinstance(value, dict):
            return {k: rezone(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [rezone(v) for v in value]
        return value

    data = rezone(draw(contacts()).model_dump(mode="python"))
    data["id"] = draw(st.text(min_size=1, max_size=40))
    if draw(st.booleans()):
        data["email"] = draw(st.emails())
    for key in ("phone", "mobile", "fax"):
        if data.get(key) is not None:
            data[key] = draw(st.sampled_from(PHONES))
    if data.get("messenger") is not None:
        data["messenger"] = draw(st.text(min_size=1, max_size=30))
    try:
        return Contact.model_validate(data)
    except InputError:
        assume(False)
        raise  # pragma: no cover - assume() does not return


@SETTINGS
@given(st.one_of(contacts(), varied_contacts()))
def test_a_contact_survives_a_json_round_trip_unchanged(contact: Contact) -> None:
    again = Contact.model_validate_json(contact.model_dump_json())
    assert again == contact
    assert again.model_dump_json() == contact.model_dump_json()
    assert facts_fingerprint(again, Message(sender="X")) == facts_fingerprint(contact, Message(sender="X"))


@SETTINGS
@given(messages())
def test_a_message_survives_a_json_round_trip_unchanged(message: Message) -> None:
    assert Message.model_validate_json(message.model_dump_json()) == message


@SETTINGS
@given(contacts(), messages(), instants)
def test_an_audit_record_of_any_decision_verifies_and_names_its_verdicts(
    contact: Contact, message: Message, at: datetime
) -> None:
    decision = dialoglaw.decide(contact, message, at=at)
    record = audit_record(contact, message, decision)
    assert verify(record, contact, message, strict=True)
    assert record.permitted == decision.permitted
    assert record.decision_sha256 == decision_hash(decision)


_DECIDE_ELSEWHERE = """
import json, sys
from datetime import datetime
import dialoglaw
from dialoglaw.audit import decision_hash, facts_fingerprint
out = []
for case in json.loads(sys.stdin.read()):
    at = datetime.fromisoformat(case["at"])
    decision = dialoglaw.decide(case["contact"], case["message"], at=at)
    out.append({
        "decision": decision.to_json(),
        "hash": decision_hash(decision),
        "fingerprint": facts_fingerprint(case["contact"], case["message"]),
    })
print(json.dumps(out))
"""


@SUBPROCESS_SETTINGS
@given(
    st.lists(
        st.tuples(contacts(), messages(purpose=Purpose.ADVERTISING), instants), min_size=15, max_size=15
    ),
    st.integers(0, 2**32 - 1),
)
def test_another_process_decides_a_sample_identically(
    sample: list[tuple[Contact, Message, datetime]], seed: int
) -> None:
    payload = [
        {"contact": c.model_dump(mode="json"), "message": m.model_dump(mode="json"), "at": at.isoformat()}
        for c, m, at in sample
    ]
    done = subprocess.run(
        [sys.executable, "-c", _DECIDE_ELSEWHERE],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": str(seed)},
        timeout=120,
        check=True,
    )
    there = json.loads(done.stdout)
    assert len(there) == len(sample)
    for (contact, message, at), other in zip(sample, there, strict=True):
        decision = dialoglaw.decide(contact, message, at=at)
        assert other["decision"] == decision.to_json()
        assert other["hash"] == decision_hash(decision)
        assert other["fingerprint"] == facts_fingerprint(contact, message)
