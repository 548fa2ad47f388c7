"""The decision API around the rules: arguments, views, serialisation."""

from __future__ import annotations

import copy
import pickle
from datetime import date, datetime
from typing import Any

import pytest

import dialoglaw
from dialoglaw import (
    Act,
    Channel,
    Citation,
    Contact,
    Decision,
    Finding,
    Message,
    Policy,
    Status,
    engine,
    summary,
)
from dialoglaw.batch import BatchResult
from dialoglaw.decision import build
from dialoglaw.engine import _dedupe, make_finding, per_verdict
from dialoglaw.io import files
from dialoglaw.io.files import result_record
from dialoglaw.rules import RuleVersion
from dialoglaw.summary import Summary
from dialoglaw.validity import Validity

BERLIN = dialoglaw.BERLIN
AT = datetime(2024, 3, 1, 10, tzinfo=BERLIN)


def _contact() -> Contact:
    return Contact.model_validate(
        {
            "id": "c-1",
            "audience": "consumer",
            "email": "max@example.de",
            "mobile": "0171 1234567",
            "postal_address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
            "consents": [
                {
                    "id": "k-1",
                    "channels": ["email"],
                    "granted_at": "2023-01-01T10:00:00+01:00",
                    "method": "double_opt_in",
                    "senders": ["ACME GmbH"],
                    "confirmed_at": "2023-01-01T10:05:00+01:00",
                    "confirmation_channel": "email",
                }
            ],
        }
    )


MESSAGE = Message(sender="ACME GmbH", own_products=True, sender_identified=True, valid_opt_out_address=True)


def test_build_gives_the_same_model_as_model_construct() -> None:
    values: dict[str, Any] = {
        "code": "objection",
        "rule_id": "r",
        "citation": None,
        "authorities": (),
        "ctx": {"a": 1},
    }
    fast = build(Finding, dict(values))
    slow = Finding.model_construct(**values)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set


def _models(decision: Decision) -> list[Any]:
    """The output models the engine builds for ``decision``: the decision, its verdicts
    and their findings (retention records are validated models of their own)."""
    models: list[Any] = [decision, *decision.verdicts]
    for verdict in decision.verdicts:
        models.extend(f for f in (verdict.ground,) if f is not None)
        models.extend((*verdict.reasons, *verdict.questions, *verdict.warnings, *verdict.obligations))
    return models


def test_built_models_share_one_fields_set_per_class_and_still_copy_and_pickle() -> None:
    # build() gives every model of a class one set of all its fields (memory: a set took
    # 728 bytes a model). It must still read as model_construct's, and the copies
    # pydantic makes must get their own set, so an update changes only the copy.
    first = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    second = dialoglaw.decide(_contact().model_copy(update={"id": "c-2"}), MESSAGE, at=AT)
    models = _models(first) + _models(second)
    assert {type(m) for m in models} == {Decision, dialoglaw.Verdict, Finding}
    by_class: dict[type, set[int]] = {}
    for m in models:
        assert m.model_fields_set == set(type(m).model_fields), type(m)
        by_class.setdefault(type(m), set()).add(id(m.model_fields_set))
    assert all(len(ids) == 1 for ids in by_class.values()), by_class

    verdict = first.verdicts[0]
    changed = verdict.model_copy(update={"consent_id": "other"})
    assert changed.consent_id == "other"
    assert changed.model_fields_set is not verdict.model_fields_set
    assert verdict.model_fields_set == set(dialoglaw.Verdict.model_fields)
    assert second.verdicts[0].model_fields_set is verdict.model_fields_set
    assert pickle.loads(pickle.dumps(first)) == first  # noqa: S301 - our own bytes
    assert copy.deepcopy(first) == first


def test_verdicts_of_shared_findings_are_shared_and_a_consents_verdict_is_its_own() -> None:
    # Neither contact has a fax number or a fax consent: the same verdict, one object.
    # The e-mail verdict relies on each contact's own consent (its id in the ground).
    first = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    second = dialoglaw.decide(_contact().model_copy(update={"id": "c-2"}), MESSAGE, at=AT)
    assert first[Channel.FAX].codes == ("no_contact_point", "no_consent")
    assert first[Channel.FAX] is second[Channel.FAX]
    assert first[Channel.EMAIL].consent_id == "k-1"
    assert first[Channel.EMAIL] == second[Channel.EMAIL]
    assert first[Channel.EMAIL] is not second[Channel.EMAIL]


def test_output_cells_and_summary_keys_are_made_once_per_shared_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the writers (result_record) and the summary make of a shared verdict is kept
    # by its identity; a verdict of a contact's own is worked out each time and not kept.
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    fax, email = decision[Channel.FAX], decision[Channel.EMAIL]
    result = BatchResult(row=1, contact_id="c-1", decision=decision, error=None)
    expected = result_record(result)
    assert expected["fax_reasons"] == "no_contact_point;no_consent"
    assert expected["email_status"] == "permitted"
    assert id(fax) in files._CELLS
    assert id(email) not in files._CELLS
    made: list[Channel] = []
    cells = files._cells

    def counted_cells(verdict: dialoglaw.Verdict) -> Any:
        made.append(verdict.channel)
        return cells(verdict)

    monkeypatch.setattr(files, "_cells", counted_cells)
    assert result_record(result) == expected
    assert Channel.FAX not in made
    assert made.count(Channel.EMAIL) == 1

    counted = Summary()
    counted.add(result)
    counted.add(result)
    assert id(fax) in summary._REASON_KEYS
    assert id(email) not in summary._REASON_KEYS
    assert counted.reasons[Channel.FAX, "no_consent", "§ 7 Abs. 2 Nr. 2 UWG"] == 2


def test_only_a_shared_verdict_is_remembered_by_its_identity() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    memo: dict[int, str] = {}
    for verdict in decision.verdicts:
        assert per_verdict(memo, verdict, lambda v: v.status.value) == verdict.status.value
    shared = {id(v) for v in decision.verdicts if id(v) in engine._SHARED_VERDICTS}
    assert id(decision[Channel.FAX]) in shared
    assert set(memo) == shared
    assert per_verdict(memo, decision[Channel.FAX], lambda v: "made anew") == "suppressed"


def test_a_shared_finding_cites_its_own_version_after_other_versions_were_dropped() -> None:
    # Shared findings are keyed by the id of their rule version; a version dropped after
    # use must not pass its id (and so its finding and citation) on to a later version.
    valid = Validity(date(2020, 1, 1), None)
    for number in range(1, 200):
        cited = Citation.statute(Act.UWG, 7, 2, number=number)
        finding = make_finding("test_only_code", "test_only_rule", RuleVersion(valid=valid, citation=cited))
        assert finding.citation == cited, number


def test_a_decision_answers_per_channel_and_selects_the_first_permitted() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    assert decision.permitted == {Channel.POSTAL, Channel.LEAFLET, Channel.EMAIL}
    assert decision["email"].status is Status.PERMITTED
    assert decision[Channel.SMS].codes == ("no_consent",)
    assert decision.select(["sms", "email", "postal"]) is Channel.EMAIL
    assert decision.select([Channel.SMS, Channel.FAX]) is None
    assert decision.ruleset == "DE-2026-11-23"
    assert decision.jurisdiction == "DE"


@pytest.mark.parametrize(
    ("points", "line_type"),
    [
        ({"mobile": "030 7654321"}, "fixed_line"),
        ({"phone": "030 7654321"}, "fixed_line"),
        ({"mobile": "030 7654321", "phone": "0800 1234567"}, "fixed_line"),
        ({"mobile": "0800 1234567", "phone": "030 7654321"}, "toll_free"),
        ({"mobile": "030 7654321", "phone": "0171 1234567"}, None),
        ({"mobile": "0171 1234567", "phone": "030 7654321"}, None),
        ({"phone": "0171 1234567"}, None),
    ],
)
def test_an_sms_needs_a_line_that_takes_texts_and_else_names_the_first_lines_type(
    points: dict[str, str], line_type: str | None
) -> None:
    # The mobile field is read before the phone field (engine._CONTACT_POINT); either
    # number that takes texts will do.
    decision = dialoglaw.decide(Contact.model_validate({"id": "c-1", **points}), MESSAGE, at=AT)
    unsuitable = [f.ctx for f in decision["sms"].reasons if f.code == "contact_point_unsuitable"]
    assert unsuitable == ([] if line_type is None else [{"line_type": line_type}])
    assert "no_contact_point" not in decision["sms"].codes
    for channel in ("phone", "automated_call"):  # a line of any type can be called
        assert not {"no_contact_point", "contact_point_unsuitable"} & set(decision[channel].codes)


def test_a_channel_without_its_contact_point_says_which_it_lacks() -> None:
    decision = dialoglaw.decide(
        Contact.model_validate({"id": "c-1", "mobile": "0171 1234567"}), MESSAGE, at=AT
    )
    lacking = {
        v.channel.value: v.reasons[0].ctx["contact_point"] for v in decision if "no_contact_point" in v.codes
    }
    assert lacking == {
        "postal": "postal_address",
        "leaflet": "postal_address",
        "fax": "fax",
        "email": "email",
        "messenger": "messenger",
    }


def test_repeated_findings_are_given_once_and_findings_that_differ_all_in_order() -> None:
    version = RuleVersion(valid=Validity(date(2020, 1, 1)), citation=Citation.statute(Act.UWG, 7, 2))
    one = make_finding("no_consent", "r", version, {"consent_id": "k-1"})
    again = make_finding("no_consent", "r", version, {"consent_id": "k-1"})
    other = make_finding("no_consent", "r", version, {"consent_id": "k-2"})
    listed = make_finding("objection", "r", version, {"channels": ["email"]})
    listed_again = make_finding("objection", "r", version, {"channels": ["email"]})
    shared = make_finding("robinson_listed", "s", version)
    assert one is not again
    assert _dedupe([one, again, other, shared]) == (one, other, shared)
    assert _dedupe([listed, shared, listed_again]) == (listed, shared)  # a list in the context
    assert _dedupe([shared, one, other]) == (shared, one, other)
    assert _dedupe([one]) == (one,)


def test_channels_limits_the_verdicts_in_the_order_given() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT, channels=["sms", "email", "sms"])
    assert [v.channel for v in decision] == [Channel.SMS, Channel.EMAIL]
    with pytest.raises(KeyError):
        decision[Channel.POSTAL]


def test_all_channels_given_in_any_order_or_form_decide_as_all_by_default() -> None:
    default = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    assert dialoglaw.decide(_contact(), MESSAGE, at=AT, channels=tuple(Channel)) == default
    assert dialoglaw.decide(_contact(), MESSAGE, at=AT, channels=[c.value for c in Channel]) == default
    backwards = dialoglaw.decide(_contact(), MESSAGE, at=AT, channels=tuple(reversed(Channel)))
    assert backwards.verdicts == tuple(reversed(default.verdicts))


def test_explanations_render_in_english_and_german_with_citations() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    en = decision.explain("en")
    de = decision.explain("de")
    assert "sms: suppressed" in en
    assert "[Section 7(2) no. 2 UWG]" in en
    assert "sms: gesperrt" in de
    assert "[§ 7 Abs. 2 Nr. 2 UWG]" in de
    assert "max@example.de" not in en
    table = str(decision)
    assert "email" in table
    assert "§ 7 Abs. 2 Nr. 2 UWG" in table
    html = decision._repr_html_()
    assert html.startswith("<table>")
    assert "<script" not in html


def test_a_decision_round_trips_through_json() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    restored = Decision.model_validate_json(decision.to_json())
    assert restored == decision
    assert restored.at == AT


def test_every_finding_message_is_one_sentence() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    for finding in decision.findings:
        assert finding.message.endswith("."), finding.code
        assert "?" not in finding.message, finding.code
        assert finding.render("de").endswith("]") or finding.citation is None


def test_a_naive_send_time_is_an_input_error() -> None:
    with pytest.raises(dialoglaw.InputError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=datetime(2024, 3, 1, 10))  # noqa: DTZ001
    assert str(info.value) == "Invalid send time: 'at' must be timezone-aware (a naive date-time was given)."


def test_a_send_before_the_coded_law_is_out_of_coverage() -> None:
    with pytest.raises(dialoglaw.OutOfCoverageError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=datetime(2004, 7, 7, 23, 59, tzinfo=BERLIN))
    assert str(info.value) == (
        "The send date 2004-07-07 (German local date) is before the coded law of DE, which starts on 2004-07-08."
    )


def test_an_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(dialoglaw.UnknownJurisdictionError):
        dialoglaw.decide(_contact().model_copy(update={"country": "FR"}), MESSAGE, at=AT)


def test_a_policy_naming_an_unknown_question_is_refused() -> None:
    policy = Policy(unsettled={"de.uwg.7.3.whatsapp": "permit"})
    with pytest.raises(dialoglaw.InputError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=AT, policy=policy)
    assert "de.uwg.7.3.whatsapp" in str(info.value)


def test_plain_dicts_are_accepted_and_validated() -> None:
    decision = dialoglaw.decide(_contact().model_dump(mode="json"), MESSAGE.model_dump(mode="json"), at=AT)
    assert Channel.EMAIL in decision.permitted
    with pytest.raises(dialoglaw.InputError):
        dialoglaw.decide({"id": "x", "email": "not-an-address"}, MESSAGE, at=AT)


def test_the_retention_of_relied_on_consents_is_part_of_the_decision() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT)
    assert [(r.record_id, r.statutory, r.retain_until) for r in decision.retention] == [("k-1", False, None)]


def test_an_unknown_channel_name_is_an_input_error() -> None:
    with pytest.raises(dialoglaw.InputError) as info:
        dialoglaw.decide(_contact(), MESSAGE, at=AT, channels=["mail"])
    assert info.value.field == "channels"


def test_a_policy_may_be_given_as_a_dict() -> None:
    decision = dialoglaw.decide(_contact(), MESSAGE, at=AT, policy={"require_confirmed_opt_in": []})  # type: ignore[arg-type]
    assert Channel.EMAIL in decision.permitted
    with pytest.raises(dialoglaw.InputError):
        dialoglaw.decide(_contact(), MESSAGE, at=AT, policy={"honour_robinson": True})  # type: ignore[arg-type]
