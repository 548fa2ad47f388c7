"""DataFrames of batch decisions for notebooks (pandas or polars).

pandas and polars are optional (``pip install 'dialoglaw[pandas]'`` or
``'dialoglaw[polars]'``) and imported only when a frame is built. The values are those of
the decision files written by :func:`dialoglaw.io.write_results`: status and code slugs,
unsettled questions as ``unsettled_law:<question id>``, German citations.

Examples:
    >>> results = list(decide_many(contacts, message, at=send_time))  # doctest: +SKIP
    >>> frame = decisions_to_frame(results)  # doctest: +SKIP
    >>> frame[frame.status == "permitted"].groupby("channel").size()  # doctest: +SKIP
    >>> summary_frame(results, backend="polars")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

from dialoglaw.batch import BatchResult
from dialoglaw.channels import Channel
from dialoglaw.decision import Status
from dialoglaw.errors import InputError
from dialoglaw.io.files import result_record
from dialoglaw.summary import Summary, reason_keys

__all__ = ["DECISION_COLUMNS", "SUMMARY_COLUMNS", "Backend", "decisions_to_frame", "summary_frame"]

Backend = Literal["pandas", "polars"]
"""The DataFrame library to build frames with."""

DECISION_COLUMNS: tuple[str, ...] = (
    "row",
    "contact_id",
    "channel",
    "status",
    "ground",
    "reasons",
    "citation",
    "error_code",
    "error_message",
)
"""Columns of :func:`decisions_to_frame`, in order."""

SUMMARY_COLUMNS: tuple[str, ...] = ("channel", "status", "reason", "citation", "count")
"""Columns of :func:`summary_frame`, in order."""

ERROR_STATUS = "error"
"""The status of every channel of a row that could not be decided."""

_EXTRAS: dict[str, str] = {"pandas": "pandas", "polars": "polars"}


def _library(backend: str) -> Any:
    """Import ``backend`` lazily, or explain how to install it."""
    if backend not in _EXTRAS:
        raise InputError.single("DataFrame export", "backend", "must be 'pandas' or 'polars'")
    try:
        return importlib.import_module(backend)
    except ImportError:
        raise InputError.single(
            "DataFrame export",
            "backend",
            f"is {backend}, which is not installed: pip install 'dialoglaw[{_EXTRAS[backend]}]'",
        ) from None


def decisions_to_frame(
    results: Iterable[BatchResult],
    backend: Backend = "pandas",
    *,
    channels: Iterable[Channel | str] | None = None,
    reasons: Literal["list", "string"] = "list",
) -> Any:
    """A DataFrame with one row per contact × channel, in input order.

    Columns (:data:`DECISION_COLUMNS`): ``row`` (input row, from 1), ``contact_id``,
    ``channel``, ``status`` (``permitted``, ``suppressed``, ``review`` or ``error``),
    ``ground`` (code of the legal ground of a permitted channel), ``reasons`` (the bars
    and unsettled questions), ``citation`` (German citation of the ground, or else of the
    first cited reason), ``error_code`` and ``error_message``.

    A row that could not be decided gives one row per channel with status ``error`` and
    no ground (fail closed).

    Args:
        results: The results of :func:`~dialoglaw.batch.decide_many` (consumed).
        backend: ``"pandas"`` (the default) or ``"polars"``.
        channels: The channels of the error rows. By default, the channels the decisions
            in ``results`` cover (all eight when there is none).
        reasons: ``"list"`` for a list of codes per row (empty when there are none), or
            ``"string"`` for one ``;``-joined string (empty when there are none).

    Returns:
        A ``pandas.DataFrame`` or a ``polars.DataFrame``.

    Raises:
        InputError: The backend is unknown or not installed (the message says what to
            install), or ``reasons`` is neither ``"list"`` nor ``"string"``.
    """
    if reasons not in ("list", "string"):
        raise InputError.single("DataFrame export", "reasons", "must be 'list' or 'string'")
    library = _library(backend)
    wanted = None if channels is None else tuple(dict.fromkeys(map(Channel, channels)))
    # Error rows are expanded once every channel the batch covers is known.
    entries: list[BatchResult | list[dict[str, Any]]] = []
    seen: set[Channel] = set()
    for result in results:
        if result.decision is None:
            entries.append(result)
            continue
        covered = tuple(v.channel for v in result.decision.verdicts)
        seen.update(covered)
        entries.append(_rows(result, covered if wanted is None else wanted, reasons))
    error_channels = wanted or tuple(c for c in Channel if c in seen) or tuple(Channel)
    data: dict[str, list[Any]] = {column: [] for column in DECISION_COLUMNS}
    for entry in entries:
        rows = _rows(entry, error_channels, reasons) if isinstance(entry, BatchResult) else entry
        for row in rows:
            for column in DECISION_COLUMNS:
                data[column].append(row[column])
    if backend == "polars":
        text = library.Utf8
        schema = dict.fromkeys(DECISION_COLUMNS, text)
        schema["row"] = library.Int64
        if reasons == "list":
            schema["reasons"] = library.List(text)
        return library.DataFrame(data, schema=schema)
    frame = library.DataFrame(data, columns=list(DECISION_COLUMNS))
    return frame.astype({"row": "int64"})


def _rows(
    result: BatchResult, channels: tuple[Channel, ...], reasons: Literal["list", "string"]
) -> list[dict[str, Any]]:
    """The frame rows of one result, from the same record the decision files hold."""
    record = result_record(result, channels)
    rows = []
    for channel in channels:
        c = channel.value
        status = record[f"{c}_status"]
        if status is None:  # the decision has no verdict for this channel
            continue
        joined: str = record[f"{c}_reasons"] or ""
        codes: list[str] | str = (joined.split(";") if joined else []) if reasons == "list" else joined
        rows.append(
            {
                "row": record["row"],
                "contact_id": record["contact_id"],
                "channel": c,
                "status": status,
                "ground": record[f"{c}_ground"],
                "reasons": codes,
                "citation": record[f"{c}_citation"],
                "error_code": record["error_code"],
                "error_message": record["error_message"],
            }
        )
    return rows


def summary_frame(results_or_summary: Summary | Iterable[BatchResult], backend: Backend = "pandas") -> Any:
    """Counts per channel × status × reason, as a DataFrame.

    Columns (:data:`SUMMARY_COLUMNS`): ``channel``, ``status``, ``reason``, ``citation``,
    ``count``. Three kinds of rows, in this order:

    - totals: ``reason`` is empty and ``count`` is the number of verdicts per channel ×
      status (the permitted counts of ``dialoglaw check``);
    - reasons: per channel × status × reason (bar codes and ``unsettled_law:<question>``),
      the number of verdicts carrying that reason, most frequent first. A verdict with
      several reasons counts once under each. A :class:`~dialoglaw.summary.Summary` does
      not record which status a reason led to: from one, ``status`` is empty on these
      rows; from the results themselves it is exact;
    - errors: ``channel`` is empty, ``status`` is ``error``, ``reason`` the error code and
      ``count`` the number of rows that could not be decided.

    Args:
        results_or_summary: A :class:`~dialoglaw.summary.Summary`, or the results of
            :func:`~dialoglaw.batch.decide_many` (consumed).
        backend: ``"pandas"`` (the default) or ``"polars"``.

    Returns:
        A ``pandas.DataFrame`` or a ``polars.DataFrame``.

    Raises:
        InputError: The backend is unknown or not installed (the message says what to
            install).
    """
    library = _library(backend)
    if isinstance(results_or_summary, Summary):
        summary = results_or_summary
        reasons: Counter[tuple[Channel, Status | None, str, str]] = Counter(
            {(ch, None, code, cite): n for (ch, code, cite), n in summary.reasons.items()}
        )
    else:
        summary = Summary()
        reasons = Counter()
        for result in results_or_summary:
            summary.add(result)
            if result.decision is None:
                continue
            for verdict in result.decision.verdicts:
                if verdict.status is Status.PERMITTED:
                    continue
                for channel, code, cite in reason_keys(verdict):
                    reasons[channel, verdict.status, code, cite] += 1
    order = {channel: i for i, channel in enumerate(Channel)}
    statuses = list(Status)
    rows: list[tuple[str | None, str | None, str | None, str | None, int]] = [
        (channel.value, status.value, None, None, summary.status[channel, status])
        for channel in sorted(summary.channels, key=order.__getitem__)
        for status in statuses
        if summary.status[channel, status]
    ]
    ranked = sorted(
        reasons.items(),
        key=lambda item: (
            order[item[0][0]],
            -1 if item[0][1] is None else statuses.index(item[0][1]),
            -item[1],
            item[0][2],
        ),
    )
    rows.extend(
        (ch.value, None if status is None else status.value, code, cite or None, n)
        for (ch, status, code, cite), n in ranked
    )
    rows.extend((None, ERROR_STATUS, code, None, n) for code, n in summary.top_errors())
    data: dict[str, list[Any]] = {
        column: [row[i] for row in rows] for i, column in enumerate(SUMMARY_COLUMNS)
    }
    if backend == "polars":
        schema = dict.fromkeys(SUMMARY_COLUMNS, library.Utf8)
        schema["count"] = library.Int64
        return library.DataFrame(data, schema=schema)
    frame = library.DataFrame(data, columns=list(SUMMARY_COLUMNS))
    return frame.astype({"count": "int64"})
