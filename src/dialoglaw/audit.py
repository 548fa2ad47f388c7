"""Audit records: what was decided, on which facts, under which law — without the facts.

An :class:`AuditRecord` is one line for an append-only log. It names the library version,
the jurisdiction and ruleset, the send time, the contact id and the sender, and for each
channel the status with its ground and reason codes. The input facts themselves are not
in the record: only a SHA-256 *fingerprint* of their canonical JSON is. Whoever holds the
facts (the contact, the message and the policy) can later show that these were the facts
decided on, and :func:`verify` re-runs the decision and checks that it comes out the same.

**Canonical JSON** (format 1) of the facts is the JSON text of the object::

    {"format": 1, "contact": …, "message": …, "policy": …, "suppressed": […]}

where each model is dumped with every field (defaults included) after validation and
normalisation (e-mail normalised, phone numbers in E.164 with line type), every
date-time is converted to UTC and written ``YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00``, dates
as ``YYYY-MM-DD``, enumerations as their values, sets as sorted lists, and ``suppressed``
lists the channels the caller's suppression list barred for the contact (in channel
order). The text has sorted keys, no whitespace (separators ``,`` and ``:``) and ASCII
escapes for everything outside ASCII (Python's ``json.dumps`` default); the fingerprint
is the SHA-256 of its UTF-8 bytes, in lower-case hex. The decision's own hash is the
SHA-256 of the canonical JSON of the whole decision (every finding, citation and
retention entry), computed the same way.

The fingerprint is a hash, not anonymisation: the facts it covers include personal data,
so it is pseudonymous data tied to the contact id, like the record itself. See
``docs/audit.md`` for how to store records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from dialoglaw.channels import Channel, Purpose
from dialoglaw.decision import Decision, Status
from dialoglaw.engine import DEFAULT_POLICY, decide
from dialoglaw.errors import InputError
from dialoglaw.facts import Contact, Message
from dialoglaw.policy import Policy
from dialoglaw.privacy import SuppressionList

__all__ = [
    "FINGERPRINT_FORMAT",
    "AuditRecord",
    "AuditVerdict",
    "audit_record",
    "canonical_json",
    "decision_hash",
    "facts_fingerprint",
    "verify",
]

FINGERPRINT_FORMAT: Literal[1] = 1
"""The version of the canonical JSON layout hashed into :attr:`AuditRecord.facts_sha256`."""

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class AuditVerdict(BaseModel):
    """One channel's outcome, by code only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    status: Status
    ground: str | None = None
    """The ground's code (permitted verdicts only)."""
    rule_id: str | None = None
    """The rule that gave the ground."""
    codes: tuple[str, ...] = ()
    """The reason codes (bars), in the verdict's order."""
    questions: tuple[str, ...] = ()
    """The ids of the unsettled questions behind a review."""


class AuditRecord(BaseModel):
    """A decision as an audit-log line: no personal data except the contact id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = FINGERPRINT_FORMAT
    library_version: str
    jurisdiction: str
    ruleset: str
    at: AwareDatetime
    """The send time decided for."""
    contact_id: str
    sender: str
    purpose: Purpose
    suppressed: tuple[Channel, ...] = ()
    """Channels the caller's suppression list barred for this contact at decision time."""
    facts_sha256: Sha256
    """SHA-256 of the canonical JSON of the normalised facts (contact, message, policy,
    suppressed channels)."""
    verdicts: tuple[AuditVerdict, ...]
    decision_sha256: Sha256
    """SHA-256 of the canonical JSON of the full decision."""

    @property
    def permitted(self) -> frozenset[Channel]:
        return frozenset(v.channel for v in self.verdicts if v.status is Status.PERMITTED)

    def to_json(self) -> str:
        """The record as one line of JSON (for an append-only log)."""
        return self.model_dump_json()


# -- canonical JSON ---------------------------------------------------------------------


def _plain(value: Any, where: str) -> Any:
    """A JSON-ready value with one spelling per meaning (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return _plain(value.value, where)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError.single("audit record", where, "must be timezone-aware")
        try:
            return value.astimezone(UTC).isoformat()
        except OverflowError:
            raise InputError.single("audit record", where, "is out of the supported range") from None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # noqa: PLR0124
            raise InputError.single("audit record", where, "must be a finite number")
        return value
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="python"), where)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        items = [_plain(v, where) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    msg = f"Cannot put a {type(value).__name__} into canonical JSON (at {where or 'top level'})."
    raise TypeError(msg)


def canonical_json(value: Any) -> str:
    """``value`` (models, mappings, sequences, sets, date-times, enums) as canonical JSON:
    sorted keys, no whitespace, ASCII, date-times in UTC, sets sorted."""
    return json.dumps(_plain(value, ""), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ordered(channels: Iterable[Channel]) -> tuple[Channel, ...]:
    wanted = frozenset(channels)
    return tuple(c for c in Channel if c in wanted)


def facts_fingerprint(
    contact: Contact | Mapping[str, Any],
    message: Message | Mapping[str, Any],
    *,
    policy: Policy | None = None,
    suppressed: Iterable[Channel] = (),
) -> str:
    """The SHA-256 (hex) of the canonical JSON of the normalised facts."""
    contact = contact if isinstance(contact, Contact) else Contact.model_validate(contact)
    message = message if isinstance(message, Message) else Message.model_validate(message)
    facts = {
        "format": FINGERPRINT_FORMAT,
        "contact": contact,
        "message": message,
        "policy": DEFAULT_POLICY if policy is None else policy,
        "suppressed": list(_ordered(suppressed)),
    }
    return _sha256(canonical_json(facts))


def decision_hash(decision: Decision) -> str:
    """The SHA-256 (hex) of the canonical JSON of ``decision``."""
    return _sha256(canonical_json(decision))


# -- records ----------------------------------------------------------------------------


def _audit_verdicts(decision: Decision) -> tuple[AuditVerdict, ...]:
    return tuple(
        AuditVerdict(
            channel=v.channel,
            status=v.status,
            ground=None if v.ground is None else v.ground.code,
            rule_id=None if v.ground is None else v.ground.rule_id,
            codes=v.codes,
            questions=tuple(str(q.ctx.get("question", "")) for q in v.questions),
        )
        for v in decision.verdicts
    )


def _library_version() -> str:
    import dialoglaw  # noqa: PLC0415 - the package imports nothing of this module

    return dialoglaw.__version__


def audit_record(
    contact: Contact | Mapping[str, Any],
    message: Message | Mapping[str, Any],
    decision: Decision,
    *,
    policy: Policy | None = None,
    suppressions: SuppressionList | None = None,
) -> AuditRecord:
    """The audit record of ``decision``, made for ``contact`` and ``message`` under
    ``policy`` (the default policy when None) and ``suppressions``, the suppression
    list passed to :func:`~dialoglaw.decide` (its digests are not recorded, only the
    channels it barred for this contact).

    Raises :class:`~dialoglaw.InputError` when the decision is not one about this contact
    and message (other contact id, sender or purpose).
    """
    contact = contact if isinstance(contact, Contact) else Contact.model_validate(contact)
    message = message if isinstance(message, Message) else Message.model_validate(message)
    if not isinstance(decision, Decision):
        raise InputError.single("audit record", "decision", "must be a Decision")
    mismatched = [
        name
        for name, ours, theirs in (
            ("contact_id", contact.id, decision.contact_id),
            ("sender", message.sender, decision.sender),
            ("purpose", message.purpose, decision.purpose),
        )
        if ours != theirs
    ]
    if mismatched:
        raise InputError.single(
            "audit record",
            "decision",
            f"was not made for this contact and message (different {', '.join(mismatched)})",
        )
    suppressed = frozenset() if suppressions is None else suppressions.matches(contact)
    return _record(contact, message, decision, policy, suppressed)


def _record(
    contact: Contact,
    message: Message,
    decision: Decision,
    policy: Policy | None,
    suppressed: frozenset[Channel],
) -> AuditRecord:
    return AuditRecord(
        library_version=_library_version(),
        jurisdiction=decision.jurisdiction,
        ruleset=decision.ruleset,
        at=decision.at,
        contact_id=decision.contact_id,
        sender=decision.sender,
        purpose=decision.purpose,
        suppressed=_ordered(suppressed),
        facts_sha256=facts_fingerprint(contact, message, policy=policy, suppressed=suppressed),
        verdicts=_audit_verdicts(decision),
        decision_sha256=decision_hash(decision),
    )


class _Recorded(SuppressionList):
    """A stand-in suppression list that bars exactly the channels a record names."""

    __slots__ = ("_channels",)

    def __init__(self, channels: Iterable[Channel]) -> None:
        super().__init__(b"\0" * 32)
        self._channels = frozenset(channels)

    def matches(self, contact: Contact) -> frozenset[Channel]:
        return self._channels


def verify(
    record: AuditRecord,
    contact: Contact | Mapping[str, Any],
    message: Message | Mapping[str, Any],
    *,
    policy: Policy | None = None,
    suppressions: SuppressionList | None = None,
    strict: bool = False,
) -> bool:
    """Whether ``record`` was made from these facts and the library reproduces it.

    Recomputes the fingerprint of the facts and re-runs the decision for the record's
    send time, jurisdiction and channels. True when the fingerprint, the ruleset and
    every channel's status, ground, reason codes and questions are the same. With
    ``strict``, the full decision's hash and the library version must match too (a later
    release may add an authority to a finding without changing any verdict).

    ``suppressions`` is the suppression list as it is now; by default the channels the
    record says were barred are used (lists grow: a person added after the send would
    otherwise change the facts). Invalid facts raise :class:`~dialoglaw.InputError`.
    """
    contact = contact if isinstance(contact, Contact) else Contact.model_validate(contact)
    message = message if isinstance(message, Message) else Message.model_validate(message)
    suppressed = frozenset(record.suppressed) if suppressions is None else suppressions.matches(contact)
    if facts_fingerprint(contact, message, policy=policy, suppressed=suppressed) != record.facts_sha256:
        return False
    decision = decide(
        contact,
        message,
        at=record.at,
        jurisdiction=record.jurisdiction,
        policy=policy,
        channels=[v.channel for v in record.verdicts],
        suppressions=_Recorded(suppressed),
    )
    fresh = _record(contact, message, decision, policy, suppressed)
    same = (
        fresh.ruleset == record.ruleset
        and fresh.jurisdiction == record.jurisdiction
        and fresh.contact_id == record.contact_id
        and fresh.verdicts == record.verdicts
    )
    if strict:
        same = (
            same
            and fresh.decision_sha256 == record.decision_sha256
            and fresh.library_version == record.library_version
        )
    return same
