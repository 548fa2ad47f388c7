"""Runs every legal case in ``cases/*.yaml`` against :func:`dialoglaw.decide`."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

import dialoglaw
from dialoglaw import Channel, Decision, Policy
from tests.jurisdictions.de.legal_cases import LegalCase, load_cases

CASES = load_cases()


def _at(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def test_case_names_are_unique_sentences() -> None:
    names = Counter(c.name for c in CASES)
    assert [n for n, k in names.items() if k > 1] == []
    for case in CASES:
        assert case.name[0].isupper(), case.name
        assert " " in case.name, case.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_legal_case(case: LegalCase) -> None:
    policy = Policy.model_validate(case.policy) if case.policy else None
    if case.error:
        error_type = getattr(dialoglaw, case.error)
        with pytest.raises(error_type) as info:
            contact = dialoglaw.Contact.model_validate(case.contact)
            message = dialoglaw.Message.model_validate(case.message)
            dialoglaw.decide(contact, message, at=_at(case.at), policy=policy)
        if case.error_message:
            assert str(info.value) == case.error_message
        return
    contact = dialoglaw.Contact.model_validate(case.contact)
    message = dialoglaw.Message.model_validate(case.message)
    decision = dialoglaw.decide(contact, message, at=_at(case.at), policy=policy)
    _check(decision, case)


def _check(decision: Decision, case: LegalCase) -> None:
    explanation = decision.explain("en")
    for key, want in case.expect.items():
        if key == "permitted":
            assert sorted(c.value for c in decision.permitted) == sorted(want), explanation
            continue
        verdict = decision[Channel(key)]
        ctx = f"{key}: {verdict.explain('en')}"
        if "status" in want:
            assert verdict.status.value == want["status"], ctx
        if "ground" in want:
            assert (verdict.ground.code if verdict.ground else None) == want["ground"], ctx
        if "reasons" in want:
            assert sorted({f.code for f in verdict.reasons}) == sorted(set(want["reasons"])), ctx
        if "reasons_include" in want:
            assert set(want["reasons_include"]) <= {f.code for f in verdict.reasons}, ctx
        if "citation" in want:
            first = verdict.ground or (verdict.reasons[0] if verdict.reasons else None)
            assert first is not None and first.citation is not None, ctx
            assert first.citation.de == want["citation"], ctx
        if "citations" in want:
            have = {f.citation.de for f in (*verdict.reasons, *verdict.questions) if f.citation}
            assert set(want["citations"]) <= have, ctx
        if "questions" in want:
            asked = sorted(
                f.ctx["question"]
                for f in (*verdict.questions, *verdict.warnings, *verdict.reasons)
                if f.code == "unsettled_law"
            )
            assert asked == sorted(want["questions"]), ctx
        if "conditions" in want:
            conds = sorted(
                f.ctx["condition"]
                for f in verdict.reasons
                if f.code == "existing_customer_conditions_not_met"
            )
            assert conds == sorted(want["conditions"]), ctx
        if "obligations" in want:
            assert sorted(f.code for f in verdict.obligations) == sorted(want["obligations"]), ctx
        if "warnings" in want:
            assert sorted({f.code for f in verdict.warnings}) == sorted(set(want["warnings"])), ctx
        if "consent_id" in want:
            assert verdict.consent_id == want["consent_id"], ctx
        if "retain_until" in want:
            dates = [f.ctx["retain_until"] for f in verdict.obligations if f.code == "retain_consent_proof"]
            expected = want["retain_until"]
            expected = expected.isoformat() if isinstance(expected, date) else expected
            assert dates == [expected], ctx
