"""Streaming batch decisions: one result per input row, in input order, never a lost row.

``decide_many`` accepts :class:`~dialoglaw.Contact` objects or plain dicts and yields
:class:`BatchResult` lazily. A row that fails validation yields a result with an
:class:`RowError` (row number, field, code, message) — it never stops the batch and never
carries a permitted channel. With ``workers > 1`` rows are decided in worker processes;
the output order is the input order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dialoglaw.channels import Channel
from dialoglaw.decision import Decision
from dialoglaw.engine import decide
from dialoglaw.errors import DialoglawError, InputError
from dialoglaw.facts import Contact, Message
from dialoglaw.policy import Policy
from dialoglaw.privacy import SuppressionList

__all__ = ["BatchResult", "RowError", "decide_many"]


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one input row could not be decided."""

    code: str
    field: str
    message: str
    contact_id: str | None = None
    """The contact's id where the reader could still read it."""


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome for one input row (``row`` counts from 1)."""

    row: int
    contact_id: str | None
    decision: Decision | None
    error: RowError | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def permitted(self) -> frozenset[Channel]:
        """Permitted channels; always empty for a row with an error (fail closed)."""
        return frozenset() if self.decision is None else self.decision.permitted


def _one(
    row: int,
    item: Contact | Mapping[str, Any] | RowError,
    message: Message,
    at: datetime,
    policy: Policy | None,
    jurisdiction: str | None,
    channels: tuple[Channel, ...] | None,
    suppressions: SuppressionList | None = None,
) -> BatchResult:
    contact_id = _guess_id(item)
    if isinstance(item, RowError):
        return BatchResult(row, item.contact_id, None, item)
    try:
        contact = item if isinstance(item, Contact) else Contact.model_validate(item)
        decision = decide(
            contact,
            message,
            at=at,
            policy=policy,
            jurisdiction=jurisdiction,
            channels=channels,
            suppressions=suppressions,
        )
    except DialoglawError as exc:
        return BatchResult(row, contact_id, None, _error(exc))
    return BatchResult(row, contact.id, decision, None)


def _guess_id(item: object) -> str | None:
    if isinstance(item, Contact):
        return item.id
    if isinstance(item, Mapping):
        value = item.get("id")
        return printable(str(value)) if value is not None and str(value).strip() else None
    return None


def printable(text: str) -> str:
    """``text`` with any unpaired surrogate (``"\\ud800"``, which no UTF-8 file or Arrow
    column can hold) written as its escape, so that an error row about it can be written."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _error(exc: DialoglawError) -> RowError:
    return RowError(exc.code, exc.field if isinstance(exc, InputError) else "", printable(str(exc)))


def _chunk(
    rows: list[tuple[int, Any]],
    message: Message,
    at: datetime,
    policy: Policy | None,
    jurisdiction: str | None,
    channels: tuple[Channel, ...] | None,
    suppressions: SuppressionList | None = None,
) -> list[BatchResult]:
    return [_one(row, item, message, at, policy, jurisdiction, channels, suppressions) for row, item in rows]


def decide_many(
    contacts: Iterable[Contact | Mapping[str, Any] | RowError],
    message: Message | Mapping[str, Any],
    *,
    at: datetime,
    policy: Policy | None = None,
    jurisdiction: str | None = None,
    channels: Iterable[Channel | str] | None = None,
    workers: int = 1,
    chunk_size: int = 2000,
    suppressions: SuppressionList | None = None,
) -> Iterator[BatchResult]:
    """Decide every contact of ``contacts``, lazily and in order.

    Items may be :class:`Contact` objects, dicts in the nested model, or :class:`RowError`
    (readers yield one for a row they could not parse, so that it is reported, not
    dropped). ``suppressions`` is passed to :func:`~dialoglaw.decide` for every row (and
    pickled to the workers, key included). Memory stays bounded: at most ``workers * 2``
    chunks are in flight.
    """
    if not isinstance(message, Message):
        message = Message.model_validate(message)
    wanted = None if channels is None else tuple(dict.fromkeys(map(Channel, channels)))
    numbered = enumerate(contacts, start=1)
    if workers <= 1:
        for row, item in numbered:
            yield _one(row, item, message, at, policy, jurisdiction, wanted, suppressions)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Any] = []
        chunks = iter(lambda: list(itertools.islice(numbered, chunk_size)), [])
        for chunk in chunks:
            pending.append(
                pool.submit(_chunk, chunk, message, at, policy, jurisdiction, wanted, suppressions)
            )
            if len(pending) >= workers * 2:
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()
