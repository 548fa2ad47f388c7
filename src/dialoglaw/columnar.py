"""The columnar engine: decisions for whole Arrow/polars batches in the flat layout.

The law is coded once, as rules that the per-object engine (:func:`dialoglaw.decide`)
applies. The columnar engine does not code it a second time. It projects every row of a
batch, with vectorised polars expressions, onto the facts the rules can see, the **fact
pattern**: the raw values of the low-cardinality columns (audience, consent methods,
senders, scopes, objection and customer facts, flags), whether each other cell is
present, how every date compares with the send time, the age at each grant, the line
type of each number. Rows with the same pattern get the same verdicts (statuses, grounds,
reasons, citations), because nothing else of a row reaches a rule. One representative row
per pattern is decided by the per-object engine, from its own raw cells, and the result
is broadcast to every row with that pattern. A campaign of millions of rows has a few
thousand patterns; results are cached across batches.

A row goes through the per-object engine on its own whenever the projection cannot vouch
for it: a cell the fast paths do not recognise (an e-mail address or phone number of an
unusual shape, a date in a format other than ISO 8601 with an offset that no cached parse
covers, text with surrounding white space, a typed column other than timestamps and
dates), dates out of order, or a representative that turned out invalid. Those rows get
exactly the per-object result, errors included. ``tests/test_columnar.py`` proves the two
engines identical on random rows, edge dates and every reason code.

Contacts in the nested model (JSON Lines) take the same path where the flat layout holds
them exactly (:func:`dialoglaw.io.flat.exact_flat_row`); every other contact is decided
by the per-object engine from the dict as given (``tests/test_columnar_nested.py``).

Needs the ``columnar`` extra (polars and pyarrow).
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from dialoglaw.batch import BatchResult, RowError, _one, printable
from dialoglaw.channels import Channel
from dialoglaw.errors import DialoglawError, InputError
from dialoglaw.facts import Contact, Message, _instant
from dialoglaw.io.files import (
    RawLines,
    _flat,
    _jsonl_items,
    _jsonl_raw_batches,
    _row_id,
    holds_surrogate,
    read_contacts,
    result_columns,
    result_record,
)
from dialoglaw.io.flat import (
    FLAT_CHANNELS,
    ISO_DATE_SHAPE,
    ISO_INSTANT_SHAPE,
    exact_flat_row,
    flat_columns,
    parse_datetime,
)
from dialoglaw.normalize import ContactPointError, check_email, check_phone
from dialoglaw.policy import Policy
from dialoglaw.summary import Summary
from dialoglaw.validity import german_date

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from dialoglaw.privacy import SuppressionList

__all__ = ["ColumnarEngine", "DecidedFrame", "EngineName", "EngineStats", "decide_frame"]

EngineName = Literal["columnar", "per-object"]

# --- how each flat column is projected ------------------------------------------------

_PER_CHANNEL_KEY = (
    "consent_method",
    "consent_senders",
    "consent_scope",
    "confirmation_channel",
    "subject_age",
)
_KEY: tuple[str, ...] = (
    "audience",
    "country",
    "robinson_listed",
    "no_ads_sticker",
    *(f"{c.value}_{f}" for c in FLAT_CHANNELS for f in _PER_CHANNEL_KEY),
    "objection_channels",
    "objection_sender",
    "customer_obtained_through",
    "customer_seller",
    "customer_categories",
    "customer_contact_points",
    "customer_opt_out_notice",
    "presumed_sender",
    "presumed_topic",
)
"""Low-cardinality columns: their raw values are part of the pattern (any dtype)."""

_TEXT: dict[str, tuple[int, int]] = {
    "id": (1, 200),
    "messenger": (1, 200),
    "street": (1, 500),
    "postal_code": (3, 12),
    "city": (1, 500),
    **{f"{c.value}_tied_to": (1, 500) for c in FLAT_CHANNELS},
    "presumed_facts": (1, 500),
    "presumed_assessed_by": (1, 200),
}
"""Free text: only presence matters to the rules; a cell is vouched for when it has no
surrounding white space and a valid length (then the model's stripping is a no-op)."""

_CONSENT_DATES = ("consent_at", "confirmed_at", "withdrawn_at", "last_used_at")
_DATETIME: tuple[str, ...] = (
    *(f"{c.value}_{f}" for c in FLAT_CHANNELS for f in _CONSENT_DATES),
    "objection_at",
    "customer_obtained_at",
    "presumed_assessed_at",
)
_EMAIL = ("email",)
_PHONE = ("phone", "mobile", "fax")
_DATE = ("birth_date",)
_CONSENT_ID = tuple(f"{c.value}_consent_id" for c in FLAT_CHANNELS)

# Columns the per-object path reads as ``str(cell)`` (flat_to_nested), for which an
# integer cell is its decimal digits alike in polars and Python.
_INT_AS_TEXT = frozenset(("id", "messenger", "street", "postal_code", "city", *_PHONE, *_CONSENT_ID))

_CLASSIFIED = (*_KEY, *_TEXT, *_DATETIME, *_EMAIL, *_PHONE, *_DATE, *_CONSENT_ID)
assert sorted(_CLASSIFIED) == sorted(flat_columns()), "every flat column is projected once"  # noqa: S101

# Python's str.isspace() is Unicode White_Space (the regex class \s) plus U+001C-U+001F.
_WS = r"\s\x1c-\x1f"
_BLANK = rf"^[{_WS}]*$"
# The same characters listed, for str.strip_chars: a cell that stripping leaves as it is
# (and that is not empty) is trimmed text, found at a third of the cost of the regex
# ^[^ws](?s:.*[^ws])?$ it replaced (tests/test_columnar_checks.py compares the two, and
# the list with the class over every code point).
_WS_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ISO_INSTANT = rf"^{ISO_INSTANT_SHAPE}$"
_ISO_DATE = rf"^{ISO_DATE_SHAPE}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_US = (datetime(1900, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
_MAX_US = (datetime(2999, 12, 31, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
_PARSE_CACHE_LIMIT = 200_000
_RESULT_CACHE_LIMIT = 100_000
_PLAN_CACHE_LIMIT = 64


def _polars() -> Any:
    try:
        import polars as pl  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise InputError.single(
            "columnar engine", "polars", "is needed: pip install 'dialoglaw[columnar]'"
        ) from None
    return pl


@dataclass
class EngineStats:
    """What the columnar engine did: how many rows it broadcast and how many it decided
    one by one."""

    rows: int = 0
    broadcast_rows: int = 0
    """Rows that received the verdicts of their fact pattern's representative."""
    per_object_rows: int = 0
    """Rows decided on their own by the per-object engine (unusual cells, errors)."""
    patterns: int = 0
    """Distinct fact patterns seen."""
    decided_patterns: int = 0
    """Patterns decided by the rule engine (the others came from the cache)."""
    arrow_batches: int = 0
    """Batches of JSON Lines read by Arrow's JSON reader (:meth:`ColumnarEngine.decide_jsonl`)."""
    line_batches: int = 0
    """Batches of JSON Lines read line by line (:meth:`ColumnarEngine.decide_jsonl`)."""


@dataclass
class DecidedFrame:
    """The decisions for a frame: one row per input row, in input order."""

    frame: pl.DataFrame
    """Columns of :func:`dialoglaw.io.result_columns`: ``row``, ``contact_id``, the error
    columns and, per channel, status, ground, reasons and citation."""
    engine: EngineName
    """Which engine ran: ``columnar`` or ``per-object``."""
    summary: Summary
    stats: EngineStats = field(default_factory=EngineStats)

    def to_pandas(self) -> Any:
        """The decisions as a pandas DataFrame (needs pandas)."""
        return self.frame.to_pandas()

    def __len__(self) -> int:
        return self.frame.height

    def describe(self) -> str:
        """Which engine ran and what it did, in one line."""
        return _describe(self.engine, self.stats)

    def __str__(self) -> str:
        return f"{self.describe()}\n{self.summary.render()}"

    def _repr_html_(self) -> str:
        import html  # noqa: PLC0415

        head = f"<p>{html.escape(self.describe())}</p><pre>{html.escape(self.summary.render())}</pre>"
        return head + str(self.frame.head(20)._repr_html_())


def _describe(engine: EngineName, s: EngineStats) -> str:
    if engine == "columnar":
        return (
            f"engine: columnar · {s.rows:,} rows · {s.patterns:,} fact patterns "
            f"({s.decided_patterns:,} decided by the rule engine) · "
            f"{s.per_object_rows:,} rows decided one by one" + _jsonl_batches(s)
        )
    return f"engine: per-object · {s.rows:,} rows"


def _jsonl_batches(s: EngineStats) -> str:
    """How the batches of a JSON Lines file were read (:meth:`ColumnarEngine.decide_jsonl`)."""
    if not (s.arrow_batches or s.line_batches):
        return ""
    batches = "batch" if s.arrow_batches == 1 else "batches"
    return f" · JSON Lines: {s.arrow_batches:,} {batches} read by Arrow, {s.line_batches:,} line by line"


class ColumnarEngine:
    """Decides flat-layout batches for one message, send time, policy and channel set.

    Create one per campaign run and feed it batches in order (:meth:`decide_batch`): row
    numbers continue across batches and decided fact patterns are cached.

    With ``categorical=True`` the output frames hold every column but ``row`` and
    ``contact_id`` (the error and verdict columns, a few distinct values each) as polars
    ``Categorical`` instead of ``String``: a code of four bytes a cell, gathered from the
    decided patterns, where a text column holds a view of up to sixteen (about a third of
    the memory: 40 MB against 14 MB for 100,000 rows of all eight channels); and
    :func:`dialoglaw.io.write_frames` writes such frames to Parquet as they are
    dictionary-encoded, without encoding every cell again (the same file). The values
    are the same either way (a ``Categorical`` compares equal to its text).
    """

    def __init__(
        self,
        message: Message | Mapping[str, Any],
        *,
        at: datetime,
        policy: Policy | Mapping[str, Any] | None = None,
        channels: Iterable[Channel | str] | None = None,
        suppressions: SuppressionList | None = None,
        summary: Summary | None = None,
        categorical: bool = False,
    ) -> None:
        self._pl = _polars()
        if type(categorical) is not bool:
            raise InputError.single("columnar engine", "categorical", "must be True or False")
        self.categorical = categorical
        """Whether the output's verdict and error columns are polars ``Categorical``."""
        self.message = message if isinstance(message, Message) else Message.model_validate(message)
        if not isinstance(at, datetime):
            raise InputError.single("send time", "at", "must be a timezone-aware datetime")
        german_date(at)  # a naive send time is an input error, as in decide()
        self.at = at
        if policy is not None and not isinstance(policy, Policy):
            policy = Policy.model_validate(policy)
        self.policy: Policy | None = policy
        try:
            self.channels: tuple[Channel, ...] = (
                tuple(Channel) if channels is None else tuple(dict.fromkeys(map(Channel, channels)))
            )
        except ValueError:
            known = ", ".join(f"'{c.value}'" for c in Channel)
            raise InputError.single("decision request", "channels", f"must list only {known}") from None
        self.suppressions = suppressions if suppressions is not None and len(suppressions) else None
        self.summary = summary if summary is not None else Summary()
        self.stats = EngineStats()
        self._columns = result_columns(self.channels)
        self._at_us = (at - _EPOCH) // timedelta(microseconds=1)
        self._stale_us = (
            None
            if self.policy is None or self.policy.stale_consent_after_days is None
            else self.policy.stale_consent_after_days * 86_400_000_000
        )
        # Decided fact patterns, by number: the number of its record (its row in the
        # decided frame) and its summary counts, or None where its representative is
        # invalid; per key layout, the known patterns' keys with their numbers.
        self._patterns: list[tuple[int, Summary] | None] = []
        self._known: dict[tuple[tuple[str, ...], tuple[str, ...]], pl.DataFrame] = {}
        self._records: list[dict[str, Any]] = []  # output columns of record number i
        self._decided: pl.DataFrame | None = None  # the records as a frame, built lazily
        self._instants: dict[str, int | None] = {}
        self._email_cache: dict[str, str | None] = {}
        self._phone_cache: dict[str, tuple[str | None, str | None]] = {}
        self._dates: dict[str, Any] = {}
        self._plans: dict[Any, tuple[list[Any], list[Any], dict[str, Any]]] = {}
        self._next_row = 1

    # --- public ------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """The output columns (:func:`dialoglaw.io.result_columns` of the channels)."""
        return list(self._columns)

    def describe(self) -> str:
        """Which engine ran and what it did, in one line."""
        return _describe("columnar", self.stats)

    def decide_batch(self, batch: Any) -> pl.DataFrame:
        """Decide one batch (a polars DataFrame, a pyarrow Table or RecordBatch, or a
        pandas DataFrame) in the flat layout; returns one output row per input row."""
        frame = self._frame(batch)
        first = self._next_row
        self._next_row += frame.height
        self.stats.rows += frame.height
        if frame.height == 0:
            return self._empty()
        unknown = [c for c in frame.columns if c not in _KNOWN]
        if unknown:  # every row is an error; the per-object path words it
            return self._per_object(frame, list(range(frame.height)), first)
        return self._columnar(frame, first)

    @property
    def arrow_schema(self) -> pa.Schema:
        """The pyarrow schema of the batches :meth:`decide_arrow` yields: :attr:`columns`
        in order, ``row`` as ``int64`` and every other column as ``string`` (32-bit
        offsets, the type Spark's Arrow exchange expects without large variable types)."""
        import pyarrow as pa  # noqa: PLC0415 - installed with polars by the columnar extra

        return pa.schema([(c, pa.int64() if c == "row" else pa.string()) for c in self._columns])

    def decide_arrow(self, batches: Iterable[Any], batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        """Decide a stream of batches in the flat layout (pyarrow RecordBatches or Tables,
        or anything :meth:`decide_batch` takes) and yield pyarrow RecordBatches of
        :attr:`arrow_schema`, one output row per input row, in order.

        Consecutive batches with the same columns are decided together, up to
        ``batch_size`` rows at a time (a larger batch is decided as it comes): each
        decided batch costs a fixed ~80 ms besides its rows, and Spark hands over batches
        of 10,000 rows. The output batches follow the decided ones, not the input's.

        This is the function Spark's ``mapInArrow`` calls per partition (see the recipe
        "Deciding on a cluster"). Create one engine per partition: row numbers count
        within it, so join results on ``contact_id``."""
        _check_batch_size(batch_size)
        schema = self.arrow_schema
        for frame in self._coalesced(batches, batch_size):
            yield from self.decide_batch(frame).to_arrow().cast(schema).to_batches()

    def _coalesced(self, batches: Iterable[Any], batch_size: int) -> Iterator[pl.DataFrame]:
        """``batches`` as polars frames, consecutive ones of the same schema concatenated
        while they hold at most ``batch_size`` rows together."""
        pl = self._pl
        held: list[Any] = []
        rows = 0
        for batch in batches:
            try:
                frame = self._frame(batch)
            except InputError:  # data of another kind: the batches before it are decided first
                if held:
                    yield _joined(pl, held)
                raise
            if held and (rows + frame.height > batch_size or frame.schema != held[0].schema):
                yield _joined(pl, held)
                held, rows = [], 0
            held.append(frame)
            rows += frame.height
        if held:
            yield _joined(pl, held)

    def decide_items(
        self, items: Iterable[Mapping[str, Any] | RowError | Any], batch_size: int = 65_536
    ) -> Iterator[Any]:
        """Decide a stream of raw flat rows (dicts) and reader errors, in order, a batch
        at a time; yields output frames. The stream may also hold whole batches of rows
        (a polars or pandas DataFrame, or a pyarrow Table or RecordBatch, as
        :func:`~dialoglaw.io.read_flat_csv_batches` gives them), decided in their place;
        any other item is an error row in its place."""
        _check_batch_size(batch_size)
        buffer: list[Mapping[str, Any]] = []
        for item in items:
            if isinstance(item, RowError) or not isinstance(item, Mapping):
                if buffer:
                    yield from self._flat_batch(buffer)
                    buffer = []
                if isinstance(item, RowError):
                    yield self._error_row(item)
                elif _is_batch(self._pl, item):
                    yield self.decide_batch(item)
                else:  # not a row: an error row in its place, as the readers give one
                    message = (
                        f"Item {self._next_row} of the stream ({type(item).__name__}) is neither a row "
                        "(a mapping of column names to cells) nor a batch of rows."
                    )
                    yield self._error_row(RowError("invalid_input", "", message))
                continue
            buffer.append(item)
            if len(buffer) >= batch_size:
                yield from self._flat_batch(buffer)
                buffer = []
        if buffer:
            yield from self._flat_batch(buffer)

    def _flat_batch(self, rows: Sequence[Mapping[str, Any]], *, split: bool = True) -> Iterator[Any]:
        # A cell other than text (a number, a date, a flag from a database row) is read by
        # the per-object reader as str(cell) or as its type; a String column would read it
        # otherwise (1.0 as "1", True as "true") or not at all: such rows go alone.
        if split and any(_not_text(row) for row in rows):
            yield from self._around_lone_rows(rows, flat=True)
            return
        try:
            frame = _rows_frame(self._pl, rows)
        except UnicodeEncodeError:  # a lone surrogate, which Arrow cannot hold
            if not split:
                raise
            yield from self._around_lone_rows(rows, flat=True)
            return
        yield self.decide_batch(frame)

    def decide_nested(
        self, items: Iterable[Mapping[str, Any] | RowError], batch_size: int = 12_288
    ) -> Iterator[Any]:
        """Decide a stream of contacts in the nested model (dicts, as read from JSON
        Lines) and reader errors, in order, a batch at a time; yields output frames.

        A contact the flat layout holds exactly (:func:`dialoglaw.io.flat.exact_flat_row`)
        joins the columnar projection; any other contact, and any row the projection
        cannot vouch for, is decided by the per-object engine from the dict as given."""
        _check_batch_size(batch_size)
        originals: list[Mapping[str, Any]] = []
        for item in items:
            if isinstance(item, RowError):
                if originals:
                    yield from self._nested_batch(originals)
                    originals = []
                yield self._error_row(item)
                continue
            originals.append(item)
            if len(originals) >= batch_size:
                yield from self._nested_batch(originals)
                originals = []
        if originals:
            yield from self._nested_batch(originals)

    def decide_jsonl(self, path: str | Path, batch_size: int = 6144) -> Iterator[Any]:
        """Decide a JSON Lines file (the nested model, one contact a line), in order, a
        batch of lines at a time; yields output frames. The same as
        ``decide_nested(read_contacts(path, "jsonl"), batch_size)``, faster: where pyarrow
        is installed, Arrow's JSON reader reads each batch it provably reads alike
        (:mod:`dialoglaw.io.arrow_json`), and the other batches are read line by line."""
        _check_batch_size(batch_size)
        try:
            import pyarrow  # noqa: F401, PLC0415 - the reader's dependency

            from dialoglaw.io.arrow_json import arrow_flat_rows  # noqa: PLC0415
        except ImportError:  # pragma: no cover - polars without pyarrow
            yield from self.decide_nested(read_contacts(path, "jsonl"), batch_size=batch_size)
            return
        unread = 0  # batches in a row of which Arrow read less than half
        for lines in _jsonl_raw_batches(path, batch_size):
            text = lines if isinstance(lines, RawLines) else [line for _, line in lines]
            read = arrow_flat_rows(text) if unread < _UNREAD_LIMIT else None
            unread = unread + 1 if read is None or 2 * len(read[1]) < len(lines) else 0
            if read is None:
                self.stats.line_batches += 1
                yield from self.decide_nested(_jsonl_items([lines]), batch_size=batch_size)
            else:
                self.stats.arrow_batches += 1
                yield from self._arrow_batch(lines, *read)

    def _arrow_batch(
        self, lines: Sequence[tuple[int, str]], cells: pl.DataFrame, vouched: list[int]
    ) -> Iterator[pl.DataFrame]:
        """Decide a batch of lines of which Arrow read the rows ``vouched`` (their
        ``cells``): the other lines are read by json as before, flattened by
        :func:`exact_flat_row` (or decided from the dict where the flat layout cannot
        hold them), and an input error among them keeps its place between the parts."""
        pl = self._pl
        cells = cells.with_columns(pl.Series("__i", vouched, dtype=pl.UInt32))
        mine = set(vouched)
        others = [i for i in range(len(lines)) if i not in mine]
        values: dict[int, Any] = {}
        flats: dict[int, dict[str, str] | None] = {}
        errors: dict[int, RowError] = {}
        for i, item in zip(others, _jsonl_items([[lines[i] for i in others]]), strict=True):
            if isinstance(item, RowError):
                errors[i] = item
            else:
                values[i] = item
                flats[i] = exact_flat_row(item, self.at)
        start = 0
        for end in [*sorted(errors), len(lines)]:
            if end > start:
                yield self._arrow_part(lines, cells, values, flats, start, end)
            if end in errors:
                yield self._error_row(errors[end])
            start = end + 1

    def _arrow_part(
        self,
        lines: Sequence[tuple[int, str]],
        cells: pl.DataFrame,
        values: dict[int, Any],
        flats: dict[int, dict[str, str] | None],
        start: int,
        end: int,
    ) -> pl.DataFrame:
        """Decide lines ``start`` to ``end`` (none an input error) of an Arrow batch."""
        pl = self._pl
        first = self._next_row
        self._next_row += end - start
        self.stats.rows += end - start
        parsed = [i for i in range(start, end) if i in flats]
        originals = _LineValues(lines[start:end], {i - start: values[i] for i in parsed})
        forced = [i - start for i in parsed if flats[i] is None]
        if len(forced) == end - start:  # no row the flat layout holds
            return self._per_object(None, range(end - start), first, originals=originals)
        # The whole batch (no input error in it): every row Arrow read is in the part.
        whole = start == 0 and end == len(lines)
        part = cells if whole else cells.filter(pl.col("__i").is_between(start, end - 1))
        if parsed:
            rows = _exact_rows_frame(pl, [flats[i] or {} for i in parsed])
            rows = rows.with_columns(pl.Series("__i", parsed, dtype=pl.UInt32))
            part = pl.concat([part, rows], how="diagonal").sort("__i")
        part = part.drop("__i")
        # Columns without a value are absent facts: dropped, as the flat rows leave them
        # out (but for the id: a frame without columns would have no rows).
        part = part.select(c.name for c in part.get_columns() if c.null_count() < c.len() or c.name == "id")
        return self._columnar(part, first, originals=originals, forced=forced)

    def _nested_batch(self, originals: Sequence[Mapping[str, Any]], *, split: bool = True) -> Iterator[Any]:
        at = self.at
        flats = [exact_flat_row(item, at) for item in originals]
        forced = [i for i, row in enumerate(flats) if row is None]
        if len(forced) == len(flats):
            first = self._next_row
            self._next_row += len(originals)
            self.stats.rows += len(originals)
            yield self._per_object(None, range(len(flats)), first, originals=originals)
            return
        try:
            frame = _exact_rows_frame(self._pl, [row or {} for row in flats])
        except UnicodeEncodeError:  # a lone surrogate, which Arrow cannot hold
            if not split:
                raise
            yield from self._around_lone_rows(originals, flat=False)
            return
        del flats  # the frame holds them now; not kept while the batch is decided
        first = self._next_row
        self._next_row += len(originals)
        self.stats.rows += len(originals)
        yield self._columnar(frame, first, originals=originals, forced=forced)

    def _around_lone_rows(self, rows: Sequence[Mapping[str, Any]], *, flat: bool) -> Iterator[Any]:
        """Decide ``rows`` in order, each row holding a lone surrogate (``"\\ud800"``, text
        no Arrow column can hold) on its own: it is an input error of that row. So is
        each flat row with a cell other than text (see :meth:`_flat_batch`)."""
        run: list[Mapping[str, Any]] = []
        for row in rows:
            if not holds_surrogate(row) and not (flat and _not_text(row)):
                run.append(row)
                continue
            if run:
                yield from (
                    self._flat_batch(run, split=False) if flat else self._nested_batch(run, split=False)
                )
                run = []
            result = self._result(self._next_row, row, flat=flat)
            self._next_row += 1
            self.stats.rows += 1
            self.stats.per_object_rows += 1
            self.summary.add(result)
            yield self._pl.DataFrame([result_record(result, self.channels)], schema=self._schema())
        if run:
            yield from self._flat_batch(run, split=False) if flat else self._nested_batch(run, split=False)

    # --- the projection ----------------------------------------------------------------

    def _frame(self, batch: Any) -> pl.DataFrame:
        pl = self._pl
        if isinstance(batch, pl.DataFrame):
            return batch  # type: ignore[no-any-return]
        try:
            import pyarrow as pa  # noqa: PLC0415
        except ImportError:  # pragma: no cover - polars without pyarrow
            pa = None
        if pa is not None and isinstance(batch, pa.RecordBatch):
            return pl.from_arrow(pa.Table.from_batches([batch]))  # type: ignore[no-any-return]
        if pa is not None and isinstance(batch, pa.Table):
            return pl.from_arrow(batch)  # type: ignore[no-any-return]
        if type(batch).__module__.startswith("pandas"):
            try:
                return pl.from_pandas(batch)  # type: ignore[no-any-return]
            except UnicodeEncodeError:  # a lone surrogate, which Arrow cannot hold
                column = next((str(c) for c in batch.columns if batch[c].map(holds_surrogate).any()), "data")
                raise InputError.single(
                    "DataFrame",
                    printable(column),
                    "holds an unpaired surrogate (\\ud800-\\udfff), which is not text; "
                    "decide such rows as dicts (ColumnarEngine.decide_items) to get them as error rows",
                ) from None
        raise InputError.single(
            "columnar engine", "data", "must be a polars or pandas DataFrame or a pyarrow Table"
        )

    def _columnar(
        self,
        frame: pl.DataFrame,
        first: int,
        *,
        originals: Sequence[Mapping[str, Any]] | None = None,
        forced: Sequence[int] = (),
    ) -> pl.DataFrame:
        pl = self._pl
        # An all-null column may arrive typed Null: read it as (absent) text. Categorical
        # and dictionary-encoded text is text. Integers (also decimals without a
        # fraction, as Spark reads NUMBER ids) in a column the readers read as str(cell)
        # (an id or a postal code from a database export) are read as the same digits.
        # So are whole numbers in a float column (pandas' reading of a postal code column
        # with gaps), "26122.0" in both. Otherwise such rows would go one by one.
        frame = frame.with_columns(
            pl.col(c).cast(pl.String)
            for c, t in frame.schema.items()
            if t == pl.Null
            or isinstance(t, pl.Categorical | pl.Enum)
            or (
                c in _INT_AS_TEXT
                and (
                    t.is_integer()
                    or (isinstance(t, pl.Decimal) and t.scale == 0)
                    or (t == pl.Float64 and _whole_numbers(frame.get_column(c)))
                )
            )
        )
        # Columns in several chunks (a slice across Parquet row groups, say) are made
        # contiguous once: helper columns come out in one chunk, and every query on a
        # frame whose columns are chunked differently cost about as much as rechunking
        # it (10 ms at 65,536 rows); the batch runs half a dozen queries on its frame.
        if max(frame.n_chunks("all"), default=1) > 1:
            frame = frame.rechunk()
        # A column without a value in this batch is an absent fact for every row.
        cols = {c for c in frame.columns if frame.get_column(c).null_count() < frame.height}
        schema = frame.schema
        text = {c for c in cols if schema[c] == pl.String}
        # Typed timestamps and dates (as a Parquet file holds them) are read directly.
        typed = {c for c in cols - text if _typed_date(pl, c, schema[c])}
        work, residual = self._fast_pass(frame, text, typed)
        work = self._ages(work, self._german_days(work))
        # The expressions depend on the batch's columns only (and on white-space cells,
        # rare): built once per such layout, they are the same objects for every batch
        # (2-3 ms less a batch, whatever its size).
        blanks = tuple(
            sorted(
                (c, tuple(sorted(v for v, r in results.items() if r is _BLANK_CELL)))
                for c, results in residual.items()
                if _BLANK_CELL in results.values()
            )
        )
        layout = (frozenset(cols), frozenset(text), frozenset(typed), blanks)
        plan = self._plans.get(layout)
        if plan is None:
            if len(self._plans) >= _PLAN_CACHE_LIMIT:
                self._plans.clear()
            plan = self._plans[layout] = self._plan(cols, text, typed, dict(blanks))
        ok, key, shared = plan
        work = work.with_columns(**shared)
        if self.suppressions is not None:
            work = self._suppressed(work, cols)
        # Eager, not lazy: polars' plan optimiser costs more than it saves on the two
        # large queries of several hundred expressions (here and in the fast pass): a warm
        # batch of 1,000 rows took 66-77 ms and takes 53-70 ms, one of 65,536 rows 300-310
        # and 276-286 ms (alternating runs, 2026-12-06).
        # A row is vouched for when all its conditions hold. They are computed as columns
        # and and-ed as Series: in one expression polars plans all_horizontal in time
        # growing faster than its inputs (86 conditions took 14 ms to plan, whatever the
        # batch's size), and summing them cost 7-9 ms at 65,536 rows, where the Series
        # take 2 ms. A null condition (none is built to be null) leaves the row not
        # vouched for, so it is decided on its own rather than lost to both filters in
        # _broadcast. (There is always a condition: the order of each consent's dates.)
        conditions = work.select(c.alias(f"__ok{i}") for i, c in enumerate(ok)).get_columns()
        vouched = functools.reduce(operator.and_, conditions).fill_null(value=False)
        projected = work.select(pl.lit(vouched).alias("__ok"), *key).with_row_index("__i")
        if forced:  # rows the flat layout cannot hold: decided from their nested dicts
            projected = projected.with_columns(pl.col("__ok") & ~pl.col("__i").is_in(forced))
        return self._broadcast(frame, projected, first, originals)

    def _plan(
        self, cols: set[str], text: set[str], typed: set[str], blanks: dict[str, tuple[str, ...]]
    ) -> tuple[list[Any], list[Any], dict[str, Any]]:
        """The expressions of a batch with the columns ``cols`` (``text``, ``typed``):
        the conditions that vouch for a row, the key of its fact pattern, and the helper
        columns they read (``shared``). ``blanks``: per column, its cells of white space
        only, which are missing values."""
        pl = self._pl
        at = self._at_us
        ok: list[Any] = []  # per-row conditions that vouch for the row
        flags: list[Any] = []  # boolean parts of the fact pattern
        key: list[Any] = [pl.col(c) for c in _KEY if c in cols]
        present: dict[str, Any] = {}

        def column(c: str, helper: str | None, vouched: Any = None) -> None:
            """Presence of ``c``, and the condition that vouches for a present cell."""
            if c not in cols:
                present[c] = pl.lit(value=False)
                return
            if c not in text and c not in typed:  # other typed cells: the per-object path
                present[c] = pl.col(c).is_not_null()
                ok.append(pl.col(c).is_null())
                return
            blank = blanks.get(c)
            present[c] = (
                pl.col(c).is_not_null() & ~pl.col(c).is_in(list(blank)) if blank else pl.col(c).is_not_null()
            )
            good = vouched if vouched is not None else pl.col(helper).is_not_null()
            ok.append(~present[c] | good.fill_null(value=False))

        for c in (*_TEXT, *_CONSENT_ID):
            column(c, None, pl.col(f"__t_{c}") if c in text else None)
        column("email", "__email")
        column("birth_date", "__birth")
        for c in _DATETIME:
            column(c, f"__u_{c}")
        if "id" not in cols:
            ok.append(pl.lit(value=False))
        # Columns the projection reads more than once are computed once, before it (an
        # eager query has no common subexpressions): whether the row is German, read by
        # each phone number's condition, and each consent's effective id (below).
        shared: dict[str, Any] = {}
        if "country" in text:
            country = pl.col("country")
            shared["__german"] = country.is_null() | (country == "DE") | country.str.contains(_BLANK)
            german = pl.col("__german")
        else:
            german = pl.lit(value="country" not in cols)
        for c in _PHONE:
            column(
                c, None, german & pl.col(f"__{c}").struct.field("e164").is_not_null() if c in text else None
            )
            line = pl.col(f"__{c}").struct.field("line_type") if c in text else pl.lit(None, pl.String)
            key.append(pl.when(present[c]).then(line).alias(f"__t_{c}"))

        flags.extend(present[c] for c in (*_TEXT, *_CONSENT_ID, "email", "birth_date"))
        for c in _DATETIME:
            flags.append(present[c])
            flags.append((pl.col(f"__u_{c}") <= at).fill_null(value=False))
        for ch in FLAT_CHANNELS:
            p = ch.value
            granted = pl.col(f"__u_{p}_consent_at")
            # A date before the grant is an input error: the row is decided on its own.
            ok.extend(
                ~((pl.col(f"__u_{p}_{later}") < granted).fill_null(value=False))
                for later in ("confirmed_at", "withdrawn_at", "last_used_at")
            )
            if self._stale_us is not None:
                used = pl.col(f"__u_{p}_last_used_at")
                last = pl.when(used <= at).then(pl.max_horizontal(granted, used)).otherwise(granted)
                flags.append(((at - last) > self._stale_us).fill_null(value=False))
            key.append(pl.col(f"__age_{p}"))
        shared.update(self._consent_ids(cols, text, present, ok))
        # The boolean parts are packed into integers: a narrower key groups faster. A
        # choice between two typed literals packs in about half the time of a cast and a
        # product (63 flags at 65,536 rows: 7 against 14 ms); no flag is null.
        zero = pl.lit(0, pl.UInt64)
        for n in range(0, len(flags), 63):
            packed = [
                pl.when(f).then(pl.lit(1 << i, pl.UInt64)).otherwise(zero)
                for i, f in enumerate(flags[n : n + 63])
            ]
            key.append(pl.sum_horizontal(packed).alias(f"__flags{n}"))

        if self.suppressions is not None:
            key.append(pl.col("__suppressed"))
        return ok, key, shared

    def _broadcast(
        self,
        frame: pl.DataFrame,
        projected: pl.DataFrame,
        first: int,
        originals: Sequence[Mapping[str, Any]] | None = None,
    ) -> pl.DataFrame:
        """Decide one representative per fact pattern and give its verdicts to every row
        with that pattern; decide the rows not vouched for one by one (from
        ``originals`` where the rows came from nested contacts)."""
        pl = self._pl
        key_names = [c for c in projected.columns if c not in ("__i", "__ok")]
        # Patterns are known across batches, per key layout: a batch with other columns
        # (or dtypes) has another key, which no known pattern's key can equal.
        schema = projected.schema
        layout = (tuple(key_names), tuple(str(schema[c]) for c in key_names))
        fast = projected.filter(pl.col("__ok")).drop("__ok")
        slow_rows: list[int] = projected.filter(~pl.col("__ok"))["__i"].to_list()
        # Each row's pattern, by its key: a join keeps the rows in order. It matches keys
        # as the group-by below groups them (nulls equal), so a pattern found in an
        # earlier batch is the pattern the group-by would have formed.
        rows = self._patterns_of(fast, layout, key_names)
        new = fast.filter(rows.get_column("__pattern").is_null())  # same rows, same order
        if new.height:
            groups = new.group_by(key_names).agg(pl.col("__i").min().alias("__rep"))
            if len(self._patterns) + groups.height > _RESULT_CACHE_LIMIT:
                self._forget_patterns()  # bounded memory: decide patterns anew from here
                groups = fast.group_by(key_names).agg(pl.col("__i").min().alias("__rep"))
            self._learn(frame, groups, layout, key_names, originals)
            rows = self._patterns_of(fast, layout, key_names)

        # Per pattern, its rows in this batch: its summary counts once for all of them.
        counts = rows.group_by("__pattern").len()
        self.stats.patterns += counts.height
        known = self._patterns
        count_pattern = self.summary.count_pattern
        for number, n in counts.iter_rows():
            decided = known[number]
            if decided is not None:  # else its representative is invalid: see below
                count_pattern(decided[1], n)
        # A pattern whose representative is invalid has no record: each of its rows is
        # decided alone.
        failed = rows.get_column("__record").is_null()
        if failed.any():
            slow_rows.extend(rows.filter(failed)["__i"].to_list())
            rows = rows.filter(~failed)

        parts = []
        if rows.height:
            parts.append(self._patterned(frame, rows, first))
            self.stats.broadcast_rows += rows.height
        if slow_rows:
            parts.append(self._per_object(frame, sorted(slow_rows), first, originals=originals))
        result = pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]
        return result.sort("row") if len(parts) > 1 else result

    def _patterns_of(self, fast: pl.DataFrame, layout: Any, key_names: list[str]) -> pl.DataFrame:
        """``fast`` (``__i`` and the key) with each row's ``__pattern`` and ``__record``
        (null where its pattern is not yet known), rows in order."""
        pl = self._pl
        known = self._known.get(layout)
        if known is None:
            return fast.select(
                "__i", pl.lit(None, pl.UInt32).alias("__pattern"), pl.lit(None, pl.UInt32).alias("__record")
            )
        joined = fast.join(known, on=key_names, how="left", nulls_equal=True, maintain_order="left")
        return joined.select("__i", "__pattern", "__record")

    def _learn(
        self,
        frame: pl.DataFrame,
        groups: pl.DataFrame,
        layout: Any,
        key_names: list[str],
        originals: Sequence[Mapping[str, Any]] | None,
    ) -> None:
        """Decide the representatives (``__rep``) of the new patterns ``groups`` and add
        the patterns, by key, to those known for ``layout``."""
        pl = self._pl
        reps: list[int] = groups.get_column("__rep").to_list()
        # Read in one go: from the contacts as given where the rows came from nested
        # contacts (an exactly flattened contact validates to the same Contact), else
        # from their cells.
        raws = [originals[i] for i in reps] if originals is not None else _rows_cells(frame, reps)
        start = len(self._patterns)
        self._patterns.extend(
            self._decide_rep(raw, rep, flat=originals is None) for rep, raw in zip(reps, raws, strict=True)
        )
        self.stats.decided_patterns += len(reps)
        records = [None if p is None else p[0] for p in self._patterns[start:]]
        table = groups.select(
            *key_names,
            pl.int_range(start, start + groups.height, dtype=pl.UInt32).alias("__pattern"),
            pl.Series("__record", records, dtype=pl.UInt32),
        )
        known = self._known.get(layout)
        self._known[layout] = table if known is None else pl.concat([known, table], rechunk=True)

    def _fast_pass(
        self,
        frame: pl.DataFrame,
        text: set[str],
        typed: AbstractSet[str] = frozenset(),
    ) -> tuple[pl.DataFrame, dict[str, dict[Any, Any]]]:
        """One vectorised pass of the fast paths, then the libraries and parsers once per
        distinct value the fast paths left undecided. Returns the frame with helper
        columns (``__email``, ``__<phone>``, ``__u_<date>`` in UTC microseconds,
        ``__birth``, ``__t_<text>``) and, per column, what the fallback made of each
        residual value (``_BLANK_CELL`` for white space, which is a missing value)."""
        pl = self._pl
        from dialoglaw.fastpath import email_expr, phone_cells  # noqa: PLC0415

        helpers: dict[str, Any] = {}
        pending: dict[str, Any] = {}  # raw column -> "the fast path left it undecided"
        if "email" in text:
            helpers["__email"] = email_expr(pl.col("email"))
            pending["email"] = pl.col("__email").is_null()
        phones = _on_cells(pl, frame, [c for c in _PHONE if c in text], phone_cells)
        for c, helper in phones.items():
            helpers[f"__{c}"] = helper
            pending[c] = pl.col(f"__{c}").struct.field("e164").is_null()
        # An instant outside 1900-2999 is an input error: the row is decided on its own.
        # The range is checked on the cells of text columns (the residual cells by
        # dialoglaw.facts._instant), not on each of 27 columns of the batch afterwards,
        # and on typed columns after the helpers (in one expression it would evaluate
        # their instants twice: an eager query has no common subexpressions).
        instants = _on_cells(
            pl, frame, [c for c in _DATETIME if c in text], functools.partial(_instant_cells, pl)
        )
        for c in _DATETIME:
            if c in text:
                helpers[f"__u_{c}"] = instants[c]
                pending[c] = pl.col(f"__u_{c}").is_null()
            elif c in typed:
                helpers[f"__u_{c}"] = _typed_instant(pl, c, frame.schema[c])
            else:
                helpers[f"__u_{c}"] = pl.lit(None, pl.Int64)
        if "birth_date" in text:
            raw = pl.col("birth_date")
            # polars reads the year 0000, which Python's date (and so the reader) rejects.
            helpers["__birth"] = pl.when(raw.str.contains(_ISO_DATE) & ~raw.str.starts_with("0000")).then(
                raw.str.to_date("%Y-%m-%d", strict=False)
            )
            pending["birth_date"] = pl.col("__birth").is_null()
        elif "birth_date" in typed:
            birth = pl.col("birth_date")
            # A timestamp's calendar day in its own zone, as the readers take it (.date()).
            day = birth if frame.schema["birth_date"] == pl.Date else birth.dt.date()
            # Years Python's date cannot hold (polars holds 0000 and beyond 9999): the row
            # goes to the per-object path, which makes it an error row.
            helpers["__birth"] = pl.when(day.dt.year().is_between(1, 9999)).then(day)
        else:
            helpers["__birth"] = pl.lit(None, pl.Date)
        for c in (*_TEXT, *_CONSENT_ID):
            if c in text:
                low, high = _TEXT.get(c, (1, 200))
                cell = pl.col(c)
                helpers[f"__t_{c}"] = (
                    cell.str.strip_chars(_WS_CHARS) == cell
                ) & cell.str.len_chars().is_between(low, high)
                pending[c] = ~pl.col(f"__t_{c}")
        work = frame.with_columns(**helpers)  # eager: see the projection in _columnar
        ranged = [_in_range(pl, pl.col(f"__u_{c}")).alias(f"__u_{c}") for c in _DATETIME if c in typed]
        if ranged:
            work = work.with_columns(ranged)
        if not pending:
            return work, {}
        left = work.select(
            pl.col(c).filter(cond & pl.col(c).is_not_null()).unique().implode().alias(c)
            for c, cond in pending.items()
        ).row(0, named=True)
        residual: dict[str, dict[Any, Any]] = {}
        fills: list[Any] = []
        for c, values in left.items():
            if not values:
                continue
            results = {v: _BLANK_CELL if not v.strip() else self._fallback(c, v) for v in values}
            residual[c] = results
            good = {v: r for v, r in results.items() if r is not _BLANK_CELL and r is not None}
            if not good:
                continue
            if c == "email":
                fills.append(
                    pl.coalesce(
                        "__email", pl.col(c).replace_strict(good, default=None, return_dtype=pl.String)
                    ).alias("__email")
                )
            elif c in _PHONE:
                e164 = pl.col(c).replace_strict(
                    {k: v[0] for k, v in good.items()}, default=None, return_dtype=pl.String
                )
                line = pl.col(c).replace_strict(
                    {k: v[1] for k, v in good.items()}, default=None, return_dtype=pl.String
                )
                fast = pl.col(f"__{c}")
                slow = pl.struct(e164.alias("e164"), line.alias("line_type"))
                fills.append(
                    pl.when(fast.struct.field("e164").is_not_null())
                    .then(fast)
                    .otherwise(slow)
                    .alias(f"__{c}")
                )
            elif c == "birth_date":
                fills.append(
                    pl.coalesce(
                        "__birth", pl.col(c).replace_strict(good, default=None, return_dtype=pl.Date)
                    ).alias("__birth")
                )
            elif c in _DATETIME:
                slow = pl.col(c).replace_strict(good, default=None, return_dtype=pl.Int64)
                fills.append(pl.coalesce(f"__u_{c}", slow).alias(f"__u_{c}"))
        return work.with_columns(fills), residual

    def _fallback(self, column: str, value: str) -> Any:
        """The per-object reading of one cell the fast paths left undecided (cached)."""
        if column == "email":
            return self._cached(self._email_cache, value, _python_email)
        if column in _PHONE:
            return self._cached(self._phone_cache, value, _python_phone)
        if column == "birth_date":
            return self._date(value)
        if column in _DATETIME:
            return self._instant(value, column)
        return None  # free text with surrounding white space: the per-object path strips it

    @staticmethod
    def _cached(cache: dict[str, Any], value: str, compute: Any) -> Any:
        found = cache.get(value, _MISSING)
        if found is _MISSING:
            found = compute(value)
            if len(cache) < _PARSE_CACHE_LIMIT:
                cache[value] = found
        return found

    def _instant(self, text: str, column: str) -> int | None:
        cached = self._instants.get(text, _MISSING)
        if cached is _MISSING:
            try:
                value = _instant(parse_datetime(text, column))
                cached = (value - _EPOCH) // timedelta(microseconds=1)
            except (DialoglawError, ValueError, OverflowError):
                cached = None
            if len(self._instants) < _PARSE_CACHE_LIMIT:
                self._instants[text] = cached
        return cached  # type: ignore[no-any-return]

    def _date(self, text: str) -> Any:
        cached = self._dates.get(text, _MISSING)
        if cached is _MISSING:
            try:
                cached = parse_datetime(text, "birth_date").date()
            except (DialoglawError, ValueError, OverflowError):
                cached = None
            if len(self._dates) < _PARSE_CACHE_LIMIT:
                self._dates[text] = cached
        return cached

    def _grant_day(self, pl: Any, granted: Any, residual_days: dict[int, Any]) -> Any:
        """The German calendar day of a grant instant (UTC microseconds). Berlin is
        between UTC+1 and UTC+3 on every day from 1900 on, so the German day is the UTC
        day of the instant plus one hour whenever that equals the day of the instant plus
        three hours; the other instants (late evening UTC) were converted with zoneinfo,
        as the per-object engine converts them, in ``residual_days``."""
        day_us = 86_400_000_000
        hour_us = 3_600_000_000
        plus_one = (granted + hour_us) // day_us
        plus_three = (granted + 3 * hour_us) // day_us
        exact = pl.when(plus_one == plus_three).then(plus_one)
        if residual_days:
            looked_up = granted.replace_strict(residual_days, default=None, return_dtype=pl.Int64)
            exact = pl.coalesce(exact, looked_up)
        return exact.cast(pl.Int32).cast(pl.Date)

    def _ages(self, work: pl.DataFrame, residual_days: dict[int, Any]) -> pl.DataFrame:
        """``__age_<channel>``: full years between the birth date and the German day of
        each grant (:meth:`_grant_day`), as
        :func:`dialoglaw.jurisdictions.common.age_at_grant` counts them; computed over
        the rows with a birth date only (most rows have none) and null elsewhere."""
        pl = self._pl
        names = [f"__age_{c.value}" for c in FLAT_CHANNELS]
        born = work.get_column("__birth").is_not_null()  # the rows computed, and put back
        granted = [f"__u_{c.value}_consent_at" for c in FLAT_CHANNELS]
        birth = pl.col("__birth")
        # Two steps of small expressions, not one of large ones: polars plans every use
        # of a subexpression anew, whatever the batch's size (a batch of 1,000 rows: 3.9
        # ms in one step, about 1.5 ms in two). polars gives months and days as 8-bit
        # integers: widen them before month * 100 + day, which overflows 8 bits
        # (tests/test_columnar.py, birthdays in other months).
        days = (
            work.select("__birth", *granted)
            .filter(born)
            .select(
                (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)).alias("__birthday"),
                birth.dt.year().cast(pl.Int32).alias("__birth_year"),
                *(
                    self._grant_day(pl, pl.col(g), residual_days).alias(n)
                    for g, n in zip(granted, names, strict=True)
                ),
            )
        )
        if days.height == 0:
            return work.with_columns(pl.lit(None, pl.Int32).alias(n) for n in names)
        ages = days.select(
            (
                pl.col(n).dt.year().cast(pl.Int32)
                - pl.col("__birth_year")
                - (
                    pl.col(n).dt.month().cast(pl.Int32) * 100 + pl.col(n).dt.day().cast(pl.Int32)
                    < pl.col("__birthday")
                ).cast(pl.Int32)
            ).alias(n)
            for n in names
        )
        return work.with_columns(_put_back(pl, ages, born))

    def _german_days(self, work: pl.DataFrame) -> dict[int, int]:
        """The German day (days since 1970-01-01) of every grant instant with a birth date
        whose day the UTC+1/UTC+3 rule does not settle, by zoneinfo."""
        pl = self._pl
        hour_us, day_us = 3_600_000_000, 86_400_000_000
        columns = [f"__u_{c.value}_consent_at" for c in FLAT_CHANNELS]
        lists = work.select(
            pl.col(c)
            .filter(
                pl.col("__birth").is_not_null()
                & ((pl.col(c) + hour_us) // day_us != (pl.col(c) + 3 * hour_us) // day_us)
            )
            .unique()
            .implode()
            for c in columns
        ).row(0)
        unsettled = {us for values in lists for us in values if us is not None}
        epoch_day = _EPOCH.date().toordinal()
        return {
            us: german_date(_EPOCH + timedelta(microseconds=us)).toordinal() - epoch_day for us in unsettled
        }

    def _consent_ids(
        self, cols: set[str], text: set[str], present: dict[str, Any], ok: list[Any]
    ) -> dict[str, Any]:
        """Each consent's id (given, or ``<id>:<channel>``) must be a label of at most
        200 characters, and the ids of a row distinct. Returns the effective ids as
        helper columns (``__cid_<channel>``, null without a consent) for ``ok``'s
        conditions to read: each id is read by up to six conditions, and built inside
        each of them (the default is a concatenation) it cost about 3.5 ms a reading at
        65,536 rows."""
        pl = self._pl
        helpers: dict[str, Any] = {}
        ids = []
        for ch in FLAT_CHANNELS:
            p = ch.value
            column = f"{p}_consent_id"
            has_consent = present[f"{p}_consent_at"]
            default = (
                pl.concat_str(pl.col("id"), pl.lit(f":{p}")) if "id" in cols else pl.lit(None, pl.String)
            )
            effective = (
                pl.when(present[column]).then(pl.col(column)).otherwise(default)
                if column in text
                else default
            )
            helpers[f"__cid_{p}"] = pl.when(has_consent).then(effective)
            cid = pl.col(f"__cid_{p}")
            ok.append(~has_consent | (cid.str.len_chars() <= 200).fill_null(value=False))
            ids.append((column in text, cid))
        # Default ids differ by their channel suffix; only a given id can collide.
        for i, (given_a, a) in enumerate(ids):
            for given_b, b in ids[i + 1 :]:
                if given_a or given_b:
                    ok.append(~(a == b).fill_null(value=False))
        return helpers

    def _suppressed(self, work: pl.DataFrame, cols: set[str]) -> pl.DataFrame:
        """``__suppressed``: the channels the caller's suppression list bars for the row,
        from its normalised contact points (as :meth:`SuppressionList.matches` does)."""
        pl = self._pl
        assert self.suppressions is not None  # noqa: S101
        suppressions = self.suppressions
        fields = []
        if "email" in cols:
            fields.append(pl.col("__email").alias("email"))
        names = work.columns
        fields.extend(pl.col(f"__{c}").struct.field("e164").alias(c) for c in _PHONE if f"__{c}" in names)
        if not fields:
            return work.with_columns(pl.lit("", pl.String).alias("__suppressed"))

        def match(row: dict[str, str | None]) -> str:
            email = row.get("email")
            folded = None if email is None else unicodedata.normalize("NFC", email.casefold())
            numbers = [v for k, v in row.items() if k != "email" and v is not None]
            found = suppressions.matches_points(folded, numbers)
            return ",".join(sorted(c.value for c in found))

        return work.with_columns(
            pl.struct(fields).map_elements(match, return_dtype=pl.String).alias("__suppressed")
        )

    # --- deciding representatives and single rows ---------------------------------------

    def _result(
        self, row_number: int, raw: Mapping[str, Any] | RowError, *, flat: bool = True
    ) -> BatchResult:
        return _one(
            row_number,
            raw if isinstance(raw, RowError) or not flat else _flat(raw),
            self.message,
            self.at,
            self.policy,
            None,
            self.channels,
            self.suppressions,
        )

    def _patterned(self, frame: pl.DataFrame, rows: pl.DataFrame, first: int) -> pl.DataFrame:
        """Output rows for ``rows`` (``__i``, in order, and ``__record``): each row's
        number and id, and its pattern's decided columns."""
        pl = self._pl
        ids = frame.get_column("id").cast(pl.String).gather(rows.get_column("__i")).alias("contact_id")
        start = rows.select((pl.col("__i").cast(pl.Int64) + first).alias("row"), ids)
        decided = self._decided_frame().gather(rows.get_column("__record"))
        return pl.concat([start, decided], how="horizontal")  # type: ignore[no-any-return]

    def _decide_rep(
        self, raw: Mapping[str, Any] | RowError, index: int, *, flat: bool = True
    ) -> tuple[int, Summary] | None:
        """Decide one row (its cells, or its nested contact where not ``flat``) as the
        representative of its fact pattern: the number of the pattern's new record (its
        output columns, without row and id) and its summary counts; ``None`` where the row
        is an input error."""
        result = self._result(index + 1, raw, flat=flat)
        if result.error is not None:
            return None
        record = result_record(result, self.channels)
        del record["row"], record["contact_id"]
        counted = Summary()
        counted.add(result)
        self._records.append(record)
        return len(self._records) - 1, counted

    def _decided_frame(self) -> pl.DataFrame:
        """The decided patterns' output columns, row ``i`` for record number ``i``
        (extended by the patterns decided since it was last built)."""
        pl = self._pl
        decided = self._decided
        built = 0 if decided is None else decided.height
        if decided is None or built < len(self._records):
            new = pl.DataFrame(self._records[built:], schema=self._schema(skip=2))
            decided = new if decided is None else pl.concat([decided, new], rechunk=True)
            self._decided = decided
        return decided

    def _forget_patterns(self) -> None:
        """Drop the decided patterns (more than ``_RESULT_CACHE_LIMIT`` were decided)."""
        self._patterns.clear()
        self._known.clear()
        self._records.clear()
        self._decided = None

    def _per_object(
        self,
        frame: pl.DataFrame | None,
        indices: Sequence[int],
        first: int,
        *,
        originals: Sequence[Mapping[str, Any]] | None = None,
        flat: bool = True,
    ) -> pl.DataFrame:
        pl = self._pl
        records = []
        for i in indices:
            if originals is not None:
                result = self._result(first + i, originals[i], flat=False)
            else:
                assert frame is not None  # noqa: S101
                result = self._result(first + i, _cells(frame, i), flat=flat)
            self.summary.add(result)
            records.append(result_record(result, self.channels))
        self.stats.per_object_rows += len(indices)
        return pl.DataFrame(records, schema=self._schema(), orient="row") if records else self._empty()

    def _error_row(self, error: RowError) -> pl.DataFrame:
        result = BatchResult(self._next_row, error.contact_id, None, error)
        self._next_row += 1
        self.stats.rows += 1
        self.stats.per_object_rows += 1
        self.summary.add(result)
        record = result_record(result, self.channels)
        row: pl.DataFrame = self._pl.DataFrame([record], schema=self._schema())
        return row

    def _empty(self) -> pl.DataFrame:
        empty: pl.DataFrame = self._pl.DataFrame(schema=self._schema())
        return empty

    def _schema(self, skip: int = 0) -> dict[str, Any]:
        """The output frames' dtypes (of the columns from ``skip`` on)."""
        pl = self._pl
        text = pl.Categorical if self.categorical else pl.String
        keyed = {"row": pl.Int64, "contact_id": pl.String}
        return {c: keyed.get(c, text) for c in self._columns[skip:]}


_MISSING: Any = object()
_BLANK_CELL: Any = object()
_KNOWN = frozenset(flat_columns())
_NESTED = frozenset(Contact.model_fields) - _KNOWN


def _python_email(value: str) -> str | None:
    # The per-object reader strips the cell first; a padded cell is left to that path.
    if value != value.strip():
        return None
    try:
        return check_email(value)
    except ContactPointError:
        return None


def _python_phone(value: str) -> tuple[str | None, str | None]:
    if value != value.strip():
        return None, None
    try:
        number = check_phone(value, "DE")
    except ContactPointError:
        return None, None
    return number.e164, number.line_type.value


def _on_cells(
    pl: Any, frame: pl.DataFrame, columns: Sequence[str], function: Callable[[pl.Series], pl.Series]
) -> dict[str, Any]:
    """``function`` (elementwise, from a Series to one of the same length) of the text
    ``columns``, run once over their non-null cells only, each column's results put back
    in its rows (null elsewhere) as a Series of the frame's height. Polars runs string
    functions on null slots too, and most flat columns are mostly null."""
    if not columns:
        return {}
    cells = [frame.get_column(c).drop_nulls() for c in columns]
    results = function(pl.concat(cells).alias("cell"))
    if results.dtype.is_numeric():
        spread = _spread(pl, frame, columns, results)
        if spread is not None:
            return spread
    # Each row's place in the results: its column's offset plus its rank among the
    # column's cells, null where the cell is null. One query for all columns' places and
    # one for all gathers: a batch's fixed cost (a Series operation per column took 4
    # calls into polars; at 1,000 rows they cost 11 ms a batch).
    offsets = itertools.accumulate((len(c) for c in cells[:-1]), initial=0)
    places = frame.select(
        pl.when(pl.col(c).is_not_null()).then(pl.col(c).is_not_null().cum_sum().cast(pl.Int64) + (offset - 1))
        for c, offset in zip(columns, offsets, strict=True)
    )
    if isinstance(results.dtype, pl.Struct):  # null rows: a struct of nulls, as read whole
        fields = results.struct.unnest()
        gathered = fields.select(pl.struct(pl.all().gather(places.get_column(c))).alias(c) for c in columns)
    else:
        gathered = (
            results.alias("cell")
            .to_frame()
            .select(pl.col("cell").gather(places.get_column(c)).alias(c) for c in columns)
        )
    return dict(zip(columns, gathered.get_columns(), strict=True))


def _spread(
    pl: Any, frame: pl.DataFrame, columns: Sequence[str], results: pl.Series
) -> dict[str, Any] | None:
    """:func:`_on_cells`' numeric ``results`` put back in their rows by Arrow's
    ``replace_with_mask``, which fills a column's non-null slots from the results in
    order. The 27 timestamp columns of 65,536 rows took 12 ms by places and a gather,
    and take 5 ms so (at 6,144 rows: 4.1 and 2.5 ms). ``None`` without pyarrow."""
    try:
        import pyarrow as pa  # noqa: PLC0415 - installed with polars by the columnar extra
        import pyarrow.compute as pc  # noqa: PLC0415
    except ImportError:  # pragma: no cover - polars without pyarrow
        return None
    # The system allocator, as for Arrow's JSON reader: pyarrow's own pool keeps what it
    # frees. (Loading pyarrow.compute costs about 10 MB of peak memory once.)
    pool = pa.system_memory_pool()
    values = results.to_arrow()
    empty = pa.nulls(frame.height, values.type, memory_pool=pool)
    spread: dict[str, Any] = {}
    start = 0
    for c in columns:
        cell = frame.get_column(c)
        count = cell.len() - cell.null_count()
        mask = cell.is_not_null().to_arrow()
        filled = pc.replace_with_mask(empty, mask, values.slice(start, count), memory_pool=pool)
        spread[c] = pl.Series(c, filled)
        start += count
    return spread


_TEXT_CELLS = frozenset((str, type(None)))


def _not_text(row: Mapping[str, Any]) -> bool:
    return not _TEXT_CELLS.issuperset(map(type, row.values()))  # in C: a CSV row costs ~2 µs


def _cells(frame: pl.DataFrame, index: int) -> dict[str, Any] | RowError:
    """Row ``index`` of ``frame`` as Python values, or the error naming the first cell
    Python cannot hold (a date in the year 0, say, which polars and Arrow can)."""
    try:
        return frame.row(index, named=True)
    except (ValueError, OverflowError):
        pass
    cells: dict[str, Any] = {}
    for name in sorted(frame.columns, key=lambda c: c != "id"):  # the id first, for the error
        try:
            cells[name] = frame.get_column(name)[index]
        except (ValueError, OverflowError) as exc:
            msg = f"Invalid row: '{name}' holds a value Python cannot read ({printable(str(exc))})."
            return RowError("invalid_input", name, msg, _row_id(cells.get("id")))
    return cells  # pragma: no cover - the row failed as a whole but no cell alone


def _rows_cells(frame: pl.DataFrame, indices: list[int]) -> list[dict[str, Any] | RowError]:
    """:func:`_cells` of each of the rows ``indices``, read together where Python can
    hold them all (a row at a time costs about twice as much)."""
    try:
        return list(frame[indices].rows(named=True))
    except (ValueError, OverflowError):
        return [_cells(frame, i) for i in indices]


def _put_back(pl: Any, values: pl.DataFrame, present: pl.Series) -> list[pl.Series]:
    """``values`` (one row per row where the mask ``present`` holds, in order) as columns
    of ``len(present)`` rows: the k-th row of ``values`` in the k-th such row, null
    elsewhere. Gathered by the rank of each row of the mask, in one query for all
    columns."""
    rank = present.cum_sum().cast(pl.Int64) - 1
    place = rank.zip_with(present, rank.clear(len(present)))
    return values.select(pl.all().gather(place)).get_columns()


def _instant_cells(pl: Any, cells: pl.Series) -> pl.Series:
    """The UTC microseconds of the text ``cells`` (:func:`_iso_instant_us`) within 1900-2999
    (:func:`_in_range`), null for any other cell. Two queries: in one, the range check
    would compute the instants twice (an eager query has no common subexpressions)."""
    instants = cells.to_frame().select(_iso_instant_us(pl, pl.col(cells.name)).alias("us"))
    return instants.select(_in_range(pl, pl.col("us"))).to_series()


def _iso_instant_us(pl: Any, raw: Any) -> Any:
    """UTC microseconds of a cell of the shape ``ISO_INSTANT_SHAPE``, null for any other
    cell and for an impossible calendar date: what
    ``strptime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone="UTC")`` gives on that shape, at a
    fraction of the cost. On the shape every field has its place: the wall time is the
    first 19 characters, the length (all ASCII) tells a fraction of 3 or 6 digits (24 or
    29, 27 or 32 bytes) and an offset ``Z`` from ``+hh:mm``/``-hh:mm`` (both valid)."""
    length = raw.str.len_bytes()
    wall = raw.str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False)
    fraction = (
        pl.when(length.is_in([24, 29]))
        .then(raw.str.slice(20, 3).cast(pl.Int64, strict=False) * 1_000)
        .when(length.is_in([27, 32]))
        .then(raw.str.slice(20, 6).cast(pl.Int64, strict=False))
        .otherwise(0)
    )
    minutes = raw.str.slice(-5, 2).cast(pl.Int64, strict=False) * 60 + raw.str.slice(-2).cast(
        pl.Int64, strict=False
    )
    offset = (
        pl.when(raw.str.ends_with("Z"))
        .then(0)
        .when(raw.str.slice(-6, 1) == "-")
        .then(-minutes)
        .otherwise(minutes)
    )
    return pl.when(raw.str.contains(_ISO_INSTANT)).then(wall.dt.epoch("us") + fraction - offset * 60_000_000)


def _in_range(pl: Any, instant: Any) -> Any:
    """``instant`` (UTC microseconds) where it lies in 1900-2999, else null: an instant
    outside is an input error, and the row is decided on its own."""
    return pl.when(instant.is_between(_MIN_US, _MAX_US)).then(instant)


def _joined(pl: Any, frames: list[Any]) -> Any:
    """``frames`` (at least one) as one frame, in one chunk where there were several."""
    return pl.concat(frames, rechunk=True) if len(frames) > 1 else frames[0]


def _check_batch_size(batch_size: Any) -> None:
    if type(batch_size) is not int or batch_size < 1:
        raise InputError.single("columnar engine", "batch_size", "must be a whole number of at least 1")


def _whole_numbers(values: Any) -> bool:
    """Whether every value of a float column is a whole number below 10**15 in size,
    which polars writes as Python's ``str()`` does (``26122.0``); a NaN, which the
    readers take as a missing cell, is not."""
    values = values.drop_nulls()
    return bool(
        values.is_finite().all() and (values == values.round(0)).all() and (values.abs() < 1e15).all()
    )


def _typed_date(pl: Any, column: str, dtype: Any) -> bool:
    """Whether a typed column is read directly: timestamps (nanoseconds where they are
    whole microseconds, see :func:`_typed_instant`), and birth dates as calendar dates or
    timestamps (pandas holds dates as timestamps)."""
    if column in _DATETIME:
        return isinstance(dtype, pl.Datetime) and dtype.time_unit in ("us", "ms", "ns")
    return column == "birth_date" and (dtype == pl.Date or isinstance(dtype, pl.Datetime))


def _typed_instant(pl: Any, column: str, dtype: Any) -> Any:
    """UTC microseconds of a typed timestamp. A timestamp without a zone is Berlin wall
    time, as the readers take it (``replace(tzinfo=Europe/Berlin)``, fold 0): in the
    repeated autumn hour the earlier instant; a time in the spring gap is left to the
    per-object path (null here). So is a nanosecond timestamp that is not a whole
    microsecond (pandas' unit): a Python datetime, which the readers make of it, cannot
    hold it."""
    value = pl.col(column)
    if dtype.time_zone is None:
        value = value.dt.replace_time_zone("Europe/Berlin", ambiguous="earliest", non_existent="null")
    if dtype.time_unit == "ns":
        ns = value.dt.epoch("ns")
        return pl.when(ns % 1000 == 0).then(ns // 1000)
    return value.dt.epoch("us")


def _is_batch(pl: Any, item: object) -> bool:
    """Whether ``item`` is a batch of flat rows the engine reads: a polars or pandas
    DataFrame, or a pyarrow Table or RecordBatch."""
    if isinstance(item, pl.DataFrame):
        return True
    kind, module = type(item).__name__, type(item).__module__
    if module.startswith("pyarrow"):
        return kind in ("Table", "RecordBatch")
    return module.startswith("pandas") and kind == "DataFrame"


# Arrow is no longer tried on a file after this many batches in a row of which it vouched
# for less than half the lines (a file of lines it refuses throughout, such as flags
# written as text): each such batch costs up to three readings for nothing.
_UNREAD_LIMIT = 2


class _LineValues(Sequence[Mapping[str, Any]]):
    """The contacts of numbered JSON Lines, parsed when asked for (the engine asks for a
    batch's pattern representatives and rows it decides one by one only)."""

    def __init__(self, lines: Sequence[tuple[int, str]], parsed: dict[int, Any]) -> None:
        self._lines = lines
        self._parsed = parsed

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = self._parsed.get(index)
        if value is None:
            # A line Arrow read whole and vouched for is a JSON object json.loads reads.
            value = self._parsed[index] = json.loads(self._lines[index][1])
        return value


def _rows_frame(pl: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
    names = list(dict.fromkeys(itertools.chain.from_iterable(rows)))
    # An empty cell is a missing value (as the readers' cleaning treats it).
    frame = pl.from_dicts(rows, schema=dict.fromkeys(names, pl.String), strict=False)
    return frame.with_columns(pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names)


def _exact_rows_frame(pl: Any, rows: Sequence[Mapping[str, str]]) -> Any:
    """:func:`_rows_frame` of rows from :func:`~dialoglaw.io.flat.exact_flat_row` (or
    empty), whose cells are all non-empty text: built a column at a time, without the
    empty-cell pass."""
    height = len(rows)
    cells: dict[str, list[str | None]] = {}  # columns in the order they first appear
    for index, row in enumerate(rows):
        for name, value in row.items():
            column = cells.get(name)
            if column is None:
                column = cells[name] = [None] * height
            column[index] = value
    if not cells:  # no column: a frame of the rows' height, as from_dicts gives it
        return _rows_frame(pl, rows)
    return pl.DataFrame([pl.Series(name, column, dtype=pl.String) for name, column in cells.items()])


def decide_frame(
    data: Any,
    message: Message | Mapping[str, Any],
    *,
    at: datetime,
    policy: Policy | Mapping[str, Any] | None = None,
    channels: Iterable[Channel | str] | None = None,
    suppressions: SuppressionList | None = None,
    engine: Literal["auto", "columnar", "per-object"] = "auto",
    batch_size: int = 65_536,
    categorical: bool = False,
) -> DecidedFrame:
    """Decide every row of a DataFrame (polars or pandas) or pyarrow Table.

    With ``engine="auto"`` a frame in the flat layout (:mod:`dialoglaw.io.flat`) goes
    through the columnar engine; a frame with nested columns (``consents``,
    ``objections`` …) through the per-object engine, row by row. The result says which
    engine ran. Needs polars (``pip install 'dialoglaw[columnar]'``). With
    ``categorical=True`` the error and verdict columns are polars ``Categorical`` (see
    :class:`ColumnarEngine`): about a third of the memory for a large frame.
    """
    pl = _polars()
    _check_batch_size(batch_size)
    if engine not in ("auto", "columnar", "per-object"):
        raise InputError.single("decide_frame", "engine", "must be 'auto', 'columnar' or 'per-object'")
    runner = ColumnarEngine(
        message, at=at, policy=policy, channels=channels, suppressions=suppressions, categorical=categorical
    )
    frame = runner._frame(data)
    # Nested-model columns (consents, objections …) mean the nested layout; anything else
    # is read as the flat layout, where an unknown column is an error of every row.
    flat = not set(frame.columns) & _NESTED
    if engine == "per-object" or (engine == "auto" and not flat):
        parts = [
            runner._per_object(
                frame.slice(offset, batch_size),
                range(min(batch_size, frame.height - offset)),
                offset + 1,
                flat=flat,
            )
            for offset in range(0, frame.height, batch_size)
        ]
        runner.stats.rows = frame.height
        out = pl.concat(parts) if parts else runner._empty()
        return DecidedFrame(out, "per-object", runner.summary, runner.stats)
    parts = [
        runner.decide_batch(frame.slice(offset, batch_size)) for offset in range(0, frame.height, batch_size)
    ]
    out = pl.concat(parts) if parts else runner._empty()
    return DecidedFrame(out, "columnar", runner.summary, runner.stats)
