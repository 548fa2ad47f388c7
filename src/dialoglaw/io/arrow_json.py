"""JSON Lines read by Arrow's JSON reader into flat rows, where it provably reads them
as :func:`json.loads` and :func:`~dialoglaw.io.flat.exact_flat_row` do.

``dialoglaw check`` read a JSON Lines contact with ``json.loads`` and flattened it with
``exact_flat_row`` for the columnar engine: about 16 of the 20.5 µs a contact cost once a
check had started. pyarrow's JSON reader (C++, on both cores) and a few polars queries
do the same in about half that (``benchmarks/arrow_jsonl.py``). This module vouches for
a row only where the result is the same, cell for cell; every other line is read by
``json`` as before:

* Only lines that begin with ``{`` and are valid UTF-8 go to Arrow (pyarrow 26 crashes
  on a first line of ``null``; a line that begins with a byte order mark, which ``json``
  refuses and Arrow skips, begins with something else). Arrow reads them with the nested
  model's schema, every value as text, except a consent's ``subject_age``, a whole
  number or text (``_options``): it refuses a key given twice, a number, list or
  object where the model wants text (or the reverse), and text that is not valid JSON;
  a key the model does not know, or an age that is neither, makes the table's schema
  other than planned (``_as_planned``). A batch read as bytes
  (:class:`~dialoglaw.io.files.RawLines`: every line an object's text in valid UTF-8)
  goes to Arrow as read. A part of two objects on a line reads as
  more rows than lines. Each of these makes Arrow's reading of the part void. The whole
  batch is read at once where it can be, else halves, quarters and so on down to single
  lines, for as long as the parts read add up to no more than twice the batch
  (``_ranges``): a line Arrow refuses costs a few readings, a file of such lines not
  many.
* A row Arrow read is vouched for only where its line holds no backslash (no escape, so
  no lone surrogate), holds ``null`` only as the value of a key whose null the model
  reads as absent (Arrow reads every null as absent), and where every value passes the
  checks ``exact_flat_row`` makes (``_vouched``): text non-empty and without the
  whitespace ``str.strip`` removes, timestamps of the ISO 8601 shape both parsers read
  alike, at most one consent a channel and one channel a consent, at most one recorded
  use, at most one objection, list parts without ``;``, the sections' required facts
  present.

``tests/test_arrow_json.py`` compares every vouched row with ``exact_flat_row`` on
generated lines with every such value, and whole checks read both ways.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dialoglaw.io.files import RawLines
from dialoglaw.io.flat import (
    _ADDRESS_KEYS,
    _CONSENT_KEYS,
    _CONTACT_KEYS,
    _CUSTOMER_KEYS,
    _FLAT_CHANNEL_NAMES,
    _OBJECTION_KEYS,
    _PRESUMED_KEYS,
    _SECTIONS,
    _TEXT_KEYS,
    ISO_DATE_SHAPE,
    ISO_INSTANT_SHAPE,
    NULL_IS_ABSENT,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = ["arrow_flat_rows"]

# Every character str.strip() removes, as a class for polars' (Rust) regular expressions.
_SPACE = "".join(f"\\x{{{c:x}}}" for c in range(0x110000) if chr(c).isspace())
_PADDED = f"^[{_SPACE}]|[{_SPACE}]$"
_INSTANT = f"^{ISO_INSTANT_SHAPE}$"
_DAY = f"^{ISO_DATE_SHAPE}$"
# Keys whose null is absent wherever the model has them (exact_flat_row reads them so,
# as Arrow reads every null): "channels" and "sender" are not, a consent's and a
# presumed consent's being required. In a line without a backslash, a quote always
# delimits a string, so '"<key>": null' is that key with a null value.
_KEYS_AT = {
    "contact": _CONTACT_KEYS,
    "consent": _CONSENT_KEYS,
    "objection": _OBJECTION_KEYS,
    "relationship": frozenset(_CUSTOMER_KEYS),
    "presumed_consent": frozenset(_PRESUMED_KEYS),
    "postal_address": _ADDRESS_KEYS,
}
_NULL_KEYS = sorted(
    key
    for keys in NULL_IS_ABSENT.values()
    for key in keys
    if all(key not in at or key in NULL_IS_ABSENT.get(level, ()) for level, at in _KEYS_AT.items())
)
_ABSENT_NULL = re.compile('"(?:' + "|".join(_NULL_KEYS) + ')"[ \t\r\n]*:[ \t\r\n]*null')
_ABSENT_NULL_BYTES = re.compile(_ABSENT_NULL.pattern.encode())
# The columns of a consent, by field, in the flat layout ("<channel>_<column>").
_CONSENT_FIELDS = (
    ("consent_at", "granted_at"),
    ("consent_id", "id"),
    ("consent_method", "method"),
    ("consent_senders", "senders"),
    ("consent_scope", "scope"),
    ("confirmed_at", "confirmed_at"),
    ("confirmation_channel", "confirmation_channel"),
    ("withdrawn_at", "withdrawn_at"),
    ("last_used_at", "used_at"),
    ("subject_age", "subject_age"),
    ("tied_to", "tied_to"),
)
_LISTS = frozenset(("senders", "scope", "used_at", "channels", "purchased_categories", "contact_points"))
_FLAGS = frozenset(("robinson_listed", "no_ads_sticker", "opt_out_notice_at_collection"))
# The facts each section must hold, as exact_flat_row requires them.
_REQUIRED = {section: required for section, _, required in _SECTIONS}


def _options() -> Any:
    """Arrow's parse options: the nested model's schema, every value as text (so that
    each reads exactly as written), except a consent's ``subject_age``, which the model
    holds as a number and files write as a number or as text: Arrow infers its type
    (``_read`` takes whole numbers and text, and any other key it infers is an
    unknown key, which makes the part unread)."""
    import pyarrow as pa  # noqa: PLC0415 - optional dependency
    import pyarrow.json as pj  # noqa: PLC0415

    def field(name: str) -> Any:
        if name in _FLAGS:
            return (name, pa.bool_())
        return (name, pa.list_(pa.string()) if name in _LISTS else pa.string())

    consent = pa.struct([field(f) for _, f in _CONSENT_FIELDS if f != "subject_age"] + [field("channels")])
    schema = pa.schema(
        [
            *(field(k) for k in (*_TEXT_KEYS, "birth_date", "robinson_listed", "no_ads_sticker")),
            ("postal_address", pa.struct([field(k) for k in ("street", "postal_code", "city", "country")])),
            ("consents", pa.list_(consent)),
            ("objections", pa.list_(pa.struct([field(k) for k in ("at", "channels", "sender")]))),
            ("relationship", pa.struct([field(k) for k in _CUSTOMER_KEYS])),
            ("presumed_consent", pa.struct([field(k) for k in _PRESUMED_KEYS])),
        ]
    )
    return pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")


def _as_planned(schema: Any) -> bool:
    """Whether a table Arrow read has the planned schema: no key it inferred but a
    consent's ``subject_age``, read as whole numbers, text or only nulls."""
    import pyarrow as pa  # noqa: PLC0415 - optional dependency

    planned = _OPTIONS.explicit_schema
    if schema.names != planned.names:
        return False
    for name in planned.names:
        if name != "consents":
            if schema.field(name).type != planned.field(name).type:
                return False
            continue
        consent = schema.field(name).type.value_type
        expected = planned.field(name).type.value_type
        for child in consent:
            if child.name == "subject_age":
                if child.type not in (pa.int64(), pa.string(), pa.null()):
                    return False
            elif expected.get_field_index(child.name) < 0 or expected.field(child.name).type != child.type:
                return False
    return True


_OPTIONS: Any = None


def arrow_flat_rows(lines: Sequence[str] | RawLines) -> tuple[pl.DataFrame, list[int]] | None:
    """The flat text cells of the rows of ``lines`` (non-blank lines of a JSON Lines
    file, or a batch of them read as bytes) that Arrow provably reads alike, and their
    indexes in ``lines``: each such row's non-null cells are ``exact_flat_row``'s row, at
    any send time. ``None`` where Arrow reads no line of them (see the module)."""
    global _OPTIONS  # noqa: PLW0603 - built once, on first use
    import polars as pl  # noqa: PLC0415 - optional dependency

    if not lines:
        return None
    if _OPTIONS is None:
        _OPTIONS = _options()
    if isinstance(lines, RawLines):
        # Every line an object in UTF-8: Arrow reads the bytes as they are.
        blob, raws = lines.blob, lines.raws
        plain = b"\\" not in blob and b"null" not in blob  # every line, at one look
        table = _read(blob, len(raws))
        blobs: list[bytes | None] = [*raws]  # a part Arrow refuses: its halves, ...
        ranges = [(0, table)] if table is not None else _split_all(blobs)

        def plain_at(i: int) -> bool:
            return _plain(raws[i])

    else:
        text = "".join(lines)
        plain = "\\" not in text and "null" not in text
        del text
        ranges = _ranges(lines)

        def plain_at(i: int) -> bool:
            return _plain(lines[i])

    parts = []
    vouched: list[int] = []
    for first, table in ranges:
        indexes = pl.int_range(first, first + table.num_rows, dtype=pl.UInt32, eager=True).alias("__i")
        frame = pl.DataFrame(pl.from_arrow(table)).with_columns(indexes)
        del table
        consents = _consents(pl, frame)
        ok = _vouched(pl, frame, consents)
        keep = [good and (plain or plain_at(i)) for i, good in enumerate(ok, start=first)]
        cells = _cells(pl, frame, consents)
        parts.append(cells if all(keep) else cells.filter(pl.Series(keep)))  # most batches: all
        vouched.extend(i for i, good in enumerate(keep, start=first) if good)
    if not parts:
        return None
    return (parts[0] if len(parts) == 1 else pl.concat(parts, how="vertical")), vouched


def _plain(line: str | bytes) -> bool:
    """No escape (a lone surrogate, say), and a null only where it means absent (Arrow
    reads every null as absent): every "null" in the line is such a key's value."""
    if isinstance(line, bytes):
        if b"\\" in line:
            return False
        nulls = line.count(b"null")
        return not nulls or nulls == len(_ABSENT_NULL_BYTES.findall(line))
    if "\\" in line:
        return False
    nulls = line.count("null")
    return not nulls or nulls == len(_ABSENT_NULL.findall(line))


def _ranges(lines: Sequence[str]) -> list[tuple[int, Any]]:
    """Arrow's tables of the lines it reads, each with the index of its first line.
    The whole batch at once where it can; otherwise halves, quarters and so on, down to
    single lines, for as long as the parts read take no more than twice the batch's
    size (a file of odd lines throughout is left to json, not read over and over)."""
    # Only objects go to Arrow: pyarrow 26 crashes on a first line of null (a segfault).
    # A line that begins with a byte order mark is not one (json refuses it; Arrow skips
    # it at the start of its input).
    objects = [line[:1] == "{" or line.lstrip(" \t\r\n")[:1] == "{" for line in lines]
    if all(objects):
        try:
            blob = "\n".join(lines).encode()  # a lone surrogate (bytes not UTF-8) cannot
        except UnicodeEncodeError:
            blob = None
        if blob is not None:
            table = _read(blob, len(lines))
            if table is not None:
                return [(0, table)]
    # Lines Arrow may read: objects in valid UTF-8.
    blobs: list[bytes | None] = []
    for line, an_object in zip(lines, objects, strict=True):
        try:
            data = line.encode() if an_object else None
        except UnicodeEncodeError:
            data = None
        blobs.append(data)
    return _split_all(blobs)


def _split_all(blobs: list[bytes | None]) -> list[tuple[int, Any]]:
    """Arrow's tables of the parts of ``blobs`` (the lines, ``None`` where a line is not
    for Arrow) it reads, after a reading of the whole failed (or was not tried)."""
    budget = [2 * sum(len(b) for b in blobs if b is not None)]
    out: list[tuple[int, Any]] = []
    mid = len(blobs) // 2  # the whole batch was read (or holds a line not for Arrow)
    if mid:
        _split(blobs, 0, mid, budget, out)
    _split(blobs, mid, len(blobs), budget, out)
    return out


def _split(
    blobs: list[bytes | None], lo: int, hi: int, budget: list[int], out: list[tuple[int, Any]]
) -> None:
    """Read ``blobs[lo:hi]`` (``None``: a line not for Arrow) where Arrow reads it whole,
    else its halves; ``budget`` is the number of bytes left to read."""
    part = blobs[lo:hi]
    if None not in part:
        data = b"\n".join(part)  # type: ignore[arg-type] # no None in part
        if budget[0] < len(data):
            return  # the rest is left to json
        budget[0] -= len(data)
        table = _read(data, hi - lo)
        if table is not None:
            out.append((lo, table))
            return
    if hi - lo > 1:
        mid = (lo + hi) // 2
        _split(blobs, lo, mid, budget, out)
        _split(blobs, mid, hi, budget, out)


def _read(data: bytes, lines: int) -> Any:
    """Arrow's table of ``data`` (``lines`` lines), or ``None`` where Arrow refuses a line
    or reads other than one row a line (two objects on a line)."""
    import pyarrow as pa  # noqa: PLC0415 - optional dependency
    import pyarrow.json as pj  # noqa: PLC0415

    try:
        # The system allocator: pyarrow's own keeps freed memory for later.
        table = pj.read_json(io.BytesIO(data), parse_options=_OPTIONS, memory_pool=pa.system_memory_pool())
    except pa.ArrowInvalid:
        return None
    return table if table.num_rows == lines and _as_planned(table.schema) else None


def _text(e: Any) -> Any:
    """Absent, or text the flat layout reads back alike."""
    return e.is_null() | ((e.str.len_bytes() > 0) & ~e.str.contains(_PADDED))


def _given(e: Any) -> Any:
    return e.is_not_null() & _text(e)


def _instant(e: Any) -> Any:
    return e.is_null() | e.str.contains(_INSTANT)


def _parts(pl: Any, e: Any, *, empty: bool) -> Any:
    """Absent, or a list whose parts join with ";" and split back alike (an empty list
    only where ``empty``: it joins to an absent cell)."""
    part = pl.element()
    good = (part.str.len_bytes() > 0) & ~part.str.contains(_PADDED) & ~part.str.contains(";", literal=True)
    parts_ok = e.list.eval(good.fill_null(value=False)).list.all()
    return e.is_null() | (parts_ok if empty else parts_ok & (e.list.len() > 0))


def _joined(pl: Any, e: Any) -> Any:
    joined = e.list.join(";")
    return pl.when(joined != "").then(joined)


def _consents(pl: Any, frame: pl.DataFrame) -> pl.DataFrame:
    """One row a consent: ``__i``, its fields, ``__ch`` (its first channel)."""
    consents: Any = frame.schema["consents"]  # a list of structs
    names = {f.name for f in consents.inner.fields}
    return (
        frame.select("__i", "consents")
        .explode("consents")
        .filter(pl.col("consents").is_not_null())
        .unnest("consents")
        .with_columns(
            pl.col("channels").list.first().alias("__ch"),
            # A whole number as the flat layout writes it (str(15) is "15").
            (pl.col("subject_age") if "subject_age" in names else pl.lit(None))
            .cast(pl.String)
            .alias("subject_age"),
        )
    )


def _vouched(pl: Any, frame: pl.DataFrame, consents: pl.DataFrame) -> list[bool]:
    """Per row, whether its values pass ``exact_flat_row``'s checks (see the module)."""
    c = pl.col
    row_ok, consent_ok = _vouching(pl)
    rows = frame.select("__i", row_ok)
    per_row = consents.group_by("__i").agg(
        consent_ok.all().alias("__consents_ok"), (c("__ch").n_unique() == pl.len()).alias("__one_each")
    )
    joined = rows.join(per_row, on="__i", how="left", maintain_order="left")
    ok = joined.select(
        c("__ok") & c("__consents_ok").fill_null(value=True) & c("__one_each").fill_null(value=True)
    )
    return ok.to_series().fill_null(value=False).to_list()


@functools.cache
def _vouching(pl: Any) -> tuple[Any, Any]:
    """The checks of :func:`_vouched`: of a row (``__ok``), and of a consent. Built once:
    they read nothing but the layout (building them took about a millisecond a batch)."""
    c = pl.col
    address = c("postal_address").struct.field
    objection = c("objections").list.first().struct.field
    checks = [
        *(_text(c(k)) for k in _TEXT_KEYS),
        c("birth_date").is_null() | c("birth_date").str.contains(_DAY),
        c("postal_address").is_null()
        | (
            (address("country").is_null() | (address("country") == "DE"))
            & _given(address("street"))
            & _given(address("postal_code"))
            & _given(address("city"))
        ),
        c("objections").is_null()
        | (c("objections").list.len() == 0)
        | (
            (c("objections").list.len() == 1)
            & objection("at").is_not_null()
            & _instant(objection("at"))
            & _parts(pl, objection("channels"), empty=False)
            & _text(objection("sender"))
        ),
    ]
    for section, keys in (("relationship", _CUSTOMER_KEYS), ("presumed_consent", _PRESUMED_KEYS)):
        value = c(section).struct.field
        parts = [value(k).is_not_null() for k in _REQUIRED[section]]
        for key in keys:
            if key.endswith("_at"):
                parts.append(_instant(value(key)))
            elif key in _LISTS:
                parts.append(_parts(pl, value(key), empty=key == "purchased_categories"))
            elif key not in _FLAGS:
                parts.append(_text(value(key)))
        checks.append(c(section).is_null() | pl.all_horizontal(parts))
    row_ok = pl.all_horizontal(checks).alias("__ok")
    used = c("used_at")
    consent_ok = pl.all_horizontal(
        _given(c("id")),
        _given(c("method")),
        c("granted_at").is_not_null() & _instant(c("granted_at")),
        c("channels").list.len() == 1,
        c("__ch").is_in(sorted(_FLAT_CHANNEL_NAMES)),
        c("senders").is_not_null() & _parts(pl, c("senders"), empty=True),
        _parts(pl, c("scope"), empty=True),
        # The confirmation and its channel: both or neither.
        c("confirmed_at").is_null() == c("confirmation_channel").is_null(),
        _instant(c("confirmed_at")),
        _text(c("confirmation_channel")),
        _instant(c("withdrawn_at")),
        # More than one use: the layout keeps the latest only (exact_flat_row decides
        # by the send time); not vouched for here.
        used.is_null() | (used.list.len() <= 1),
        _instant(used.list.first()),
        _text(c("subject_age")),
        _text(c("tied_to")),
    )
    return row_ok, consent_ok


def _cells(pl: Any, frame: pl.DataFrame, consents: pl.DataFrame) -> pl.DataFrame:
    """The flat layout's text cells of every row (see :func:`arrow_flat_rows`)."""
    c = pl.col
    row_cells, consent_cells = _cell_expressions(pl)
    cells = frame.select(row_cells)
    # A channel's consent fills that channel's columns (a vouched row has at most one
    # consent a channel; the cells of other rows mean nothing): each row's first consent
    # of each channel found by one group-by and one join, and all channels' cells taken
    # by one gather query. A join a channel took five queries each, 40 a batch: 8.7 ms
    # against 6.5 ms at 6,144 lines, 4.9-7.5 against 2.9-3.3 ms at 1,536.
    flat = consents.select("__i", "__ch", *consent_cells).with_row_index("__pos")
    fields = flat.columns[3:]
    names = sorted(_FLAT_CHANNEL_NAMES)
    first = flat.group_by("__i").agg(
        c("__pos").filter(c("__ch") == name).first().alias(name) for name in names
    )
    at = frame.select("__i").join(first, on="__i", how="left", maintain_order="left")
    wide = flat.select(
        c(k).gather(at.get_column(name)).alias(f"{name}_{k}") for name in names for k in fields
    )
    return pl.concat([cells, wide], how="horizontal")  # type: ignore[no-any-return]


@functools.cache
def _cell_expressions(pl: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The cells of :func:`_cells`: of a row, and of a consent (named by the column, less
    its channel). Built once, as :func:`_vouching`."""
    c = pl.col
    flag = {True: "true", False: "false"}
    objection = c("objections").list.first().struct.field

    def section(name: str, key: str) -> Any:
        value = c(name).struct.field(key)
        if key in _FLAGS:
            return value.replace_strict(flag, return_dtype=pl.String)
        return _joined(pl, value) if key in _LISTS else value

    row_cells = [
        *(c(k) for k in _TEXT_KEYS),
        c("birth_date"),
        c("robinson_listed").replace_strict(flag, return_dtype=pl.String),
        c("no_ads_sticker").replace_strict(flag, return_dtype=pl.String),
        *(c("postal_address").struct.field(k) for k in ("street", "postal_code", "city")),
        objection("at").alias("objection_at"),
        _joined(pl, objection("channels")).alias("objection_channels"),
        objection("sender").alias("objection_sender"),
        *(section("relationship", k).alias(column) for k, column in _CUSTOMER_KEYS.items()),
        *(section("presumed_consent", k).alias(column) for k, column in _PRESUMED_KEYS.items()),
    ]
    fields = {}
    for column, name in _CONSENT_FIELDS:
        value = c(name)
        if name == "used_at":
            value = value.list.first()  # at most one use in a vouched row
        elif name in _LISTS:
            value = _joined(pl, value)
        fields[column] = value
    return tuple(row_cells), tuple(e.alias(k) for k, e in fields.items())
