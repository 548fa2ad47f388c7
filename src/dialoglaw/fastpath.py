"""Fast paths for normalising the common shapes of e-mail addresses and German numbers.

email-validator and phonenumbers are thorough, and slow: a few tens of thousands of calls
a second. Almost every contact in a real file has one of a handful of plain shapes,
``max.mustermann+news@example.de``, ``+491711234567``, ``0171 1234567``, for which
the libraries' answer follows from a short list of rules. This module decides those
shapes directly and leaves everything else to the libraries:

* :func:`fast_email` and :func:`fast_phone` return exactly what the library path of
  :func:`dialoglaw.normalize.check_email` / :func:`~dialoglaw.normalize.check_phone`
  returns for the inputs they accept, and ``None`` ("not decided, ask the library")
  otherwise. They never return a value for an input the library rejects.
* :func:`email_expr` and :func:`phone_expr` are the same decisions as polars expressions,
  for the columnar engine; they agree with the scalar functions row by row.
  :func:`phone_cells` gives :func:`phone_expr`'s values for a Series with less work.

How exactness is kept:

* E-mail: an accepted address is plain ASCII, a dot-atom local part of at most 64
  characters, a domain of at least two LDH labels (1–63 characters, no hyphen at either
  end, no ``--`` anywhere, so no Punycode and no reserved R-LDH label) under an alphabetic
  top-level domain, at most 254 characters in all. For such an address email-validator
  keeps the local part (lower-casing it only for the RFC 2142 mailbox names it lists),
  lower-cases the domain (UTS-46 mapping of ASCII letters) and returns
  ``local@domain``; it rejects it only for a special-use domain. The special-use list
  (``email_validator.SPECIAL_USE_DOMAIN_NAMES``, which users may change) and the mailbox
  names are read from email-validator on every call, so the fast path tracks them.
* Phone: only region ``DE``, written as ``+49``, ``0049``, ``+49 (0)`` or ``0`` followed
  by ASCII digits whose first is 1–9, or with the area code in brackets
  (``(0171) 1234567``), with at most single spaces, hyphens or slashes between digit
  groups. phonenumbers parses all of these to the national significant number made of
  those digits (separators and brackets are punctuation, ``00`` is the international
  prefix, ``0`` the national prefix, also after ``+49``; there is no extension or carrier
  code), so validity and line type are its ``number_type`` logic applied to those
  digits. That logic is reproduced here from phonenumbers' own metadata for the region (each
  description's ``national_number_pattern`` and ``possible_length``, in the order of
  ``_number_type_helper``); no number range is written down in this module. The
  properties of the metadata that this argument relies on (national prefix ``0``, no
  prefix transform, the calling code belongs to this region alone, lengths within the
  parser's limits, …) are checked when the tables are built; if any fails, the fast
  path is switched off and everything goes to the library.

``tests/test_fastpath.py`` checks all of this differentially against the libraries over
large generated samples and with property-based tests.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import email_validator
import phonenumbers

from dialoglaw.channels import LineType

if TYPE_CHECKING:
    import polars as pl

__all__ = ["email_expr", "fast_email", "fast_phone", "phone_cells", "phone_expr"]

# --- e-mail -------------------------------------------------------------------------------

_EMAIL_MAX_LENGTH = 254
_LOCAL_MAX_LENGTH = 64

# RFC 5322 atext, the characters email-validator's DOT_ATOM_TEXT accepts unquoted. Every
# punctuation character is escaped where both Python's ``re`` and Rust's ``regex`` (polars)
# allow an escape, so the same pattern text means the same in both engines.
_ATEXT = r"A-Za-z0-9!\#\$%\&'\*\+/=\?\^_`\{\|\}\~\-"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_EMAIL_PATTERN = rf"([{_ATEXT}]+(?:\.[{_ATEXT}]+)*)@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})"
_EMAIL_RE = re.compile(_EMAIL_PATTERN)
# A special-use name that could ever match an accepted (lower-case LDH) domain.
_MATCHABLE_NAME = re.compile(r"[a-z0-9\-]+(?:\.[a-z0-9\-]+)*")


@dataclass(frozen=True, slots=True)
class _EmailRules:
    """A snapshot of email-validator's lists, with the source lists to detect changes."""

    special_source: list[object]
    names_source: list[object]
    enabled: bool  # False if a list holds something that is not a string
    special: frozenset[str]  # special-use names that an accepted domain could match
    names: frozenset[str]  # local parts that email-validator lower-cases


def _snapshot(special: Sequence[object], names: Sequence[object]) -> _EmailRules:
    enabled = all(isinstance(d, str) for d in special) and all(isinstance(n, str) for n in names)
    return _EmailRules(
        special_source=list(special),
        names_source=list(names),
        enabled=enabled,
        special=frozenset(d for d in special if isinstance(d, str) and _MATCHABLE_NAME.fullmatch(d)),
        names=frozenset(n for n in names if isinstance(n, str)),
    )


_RULES: list[_EmailRules] = []  # the current snapshot (a one-element cache)
# The module whose validate_email runs: it holds the mailbox-name list it actually consults
# (the package attribute of the same name is the function).
_VALIDATE_MODULE = importlib.import_module("email_validator.validate_email")


def _email_rules() -> _EmailRules:
    """email-validator's special-use names and case-insensitive mailbox names, as of now."""
    special: Sequence[object] = email_validator.SPECIAL_USE_DOMAIN_NAMES
    names: Sequence[object] = _VALIDATE_MODULE.CASE_INSENSITIVE_MAILBOX_NAMES
    if _RULES:
        rules = _RULES[0]
        if rules.special_source == special and rules.names_source == names:
            return rules
    rules = _snapshot(special, names)
    _RULES[:] = [rules]
    return rules


def _is_special_use(domain: str, special: frozenset[str]) -> bool:
    """Whether ``domain`` is one of ``special`` or a subdomain of one (as email-validator checks)."""
    if domain in special:
        return True
    dot = domain.find(".")
    while dot >= 0:
        if domain[dot + 1 :] in special:
            return True
        dot = domain.find(".", dot + 1)
    return False


def fast_email(text: str) -> str | None:
    """The normalised form of ``text`` if it is a plain address, else ``None``.

    For the addresses it accepts (see the module docstring) the result is exactly
    ``email_validator.validate_email(text, check_deliverability=False,
    allow_display_name=False).normalized``. ``None`` means "not decided": the address may
    still be valid (quoted, internationalised, unusual) and must go to the library.
    ``text`` is expected to be stripped already, as :func:`~dialoglaw.normalize.check_email`
    does; surrounding white space is left to the library.
    """
    if len(text) > _EMAIL_MAX_LENGTH:
        return None
    match = _EMAIL_RE.fullmatch(text)
    if match is None:
        return None
    local, domain = match.group(1), match.group(2)
    if len(local) > _LOCAL_MAX_LENGTH or "--" in domain:
        return None
    rules = _email_rules()
    if not rules.enabled:
        return None
    domain = domain.lower()
    if _is_special_use(domain, rules.special):
        return None
    lowered = local.lower()
    if lowered in rules.names:
        local = lowered
    return f"{local}@{domain}"


def email_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`fast_email` as a polars expression over a string column.

    The normalised address where the fast path accepts the string, null where it does
    not decide (and for null input). email-validator's lists are read when the expression
    is built. The result keeps the name of ``expr``'s column.
    """
    import polars as pl  # noqa: PLC0415 - optional dependency

    rules = _email_rules()
    if not rules.enabled:
        return pl.when(pl.lit(value=False)).then(expr).otherwise(pl.lit(None, pl.String)).name.keep()
    # In stages inside one struct, so that each part is computed once: whether the text has
    # the accepted shape and its two parts around the "@", then the local part and the
    # lower-cased domain as fields, then the result.
    shaped = (expr.str.len_bytes() <= _EMAIL_MAX_LENGTH) & expr.str.contains(f"^(?:{_EMAIL_PATTERN})$")
    staged = pl.struct(shaped.alias("shaped"), expr.str.split_exact("@", 1).alias("parts"))
    parts = pl.field("parts")
    split = staged.struct.with_fields(
        parts.struct.field("field_0").alias("local"),
        parts.struct.field("field_1").str.to_lowercase().alias("domain"),
    )
    local, domain = pl.field("local"), pl.field("domain")
    ok = (
        pl.field("shaped")
        & (local.str.len_bytes() <= _LOCAL_MAX_LENGTH)
        & ~domain.str.contains("--", literal=True)
    )
    if rules.special:
        names = "|".join(re.escape(d) for d in sorted(rules.special))  # only [a-z0-9.-]: '\.' and '\-'
        ok = ok & ~domain.str.contains(f"(?:^|\\.)(?:{names})$")
    if rules.names:
        lowered = local.str.to_lowercase()
        local = pl.when(lowered.is_in(sorted(rules.names))).then(lowered).otherwise(local)
    normalised = (
        pl.when(ok).then(pl.concat_str([local, pl.lit("@"), domain])).otherwise(pl.lit(None, pl.String))
    )
    return split.struct.with_fields(normalised.alias("out")).struct.field("out").name.keep()


# --- telephone numbers --------------------------------------------------------------------

_FAST_REGION = "DE"
_MAX_PHONE_LENGTH = 40  # as dialoglaw.normalize.MAX_PHONE_LENGTH
_SEPARATORS = re.compile(r"[ /-]")


@dataclass(frozen=True, slots=True)
class _Desc:
    """One ``PhoneNumberDesc``: a number matches if its length is possible and it matches."""

    lengths: frozenset[int]  # empty: any length (phonenumbers then relies on the general desc)
    source: str | None  # the national_number_pattern; None or empty never matches
    pattern: re.Pattern[str] | None

    def matches(self, nsn: str) -> bool:
        """phonenumbers' ``_is_number_matching_desc``."""
        if self.lengths and len(nsn) not in self.lengths:
            return False
        return self.pattern is not None and self.pattern.fullmatch(nsn) is not None


_NEVER = _Desc(lengths=frozenset(), source=None, pattern=None)


def _desc(desc: phonenumbers.PhoneNumberDesc | None) -> _Desc:
    if desc is None:
        return _NEVER
    source = desc.national_number_pattern
    return _Desc(
        lengths=frozenset(desc.possible_length),
        source=source,
        pattern=re.compile(source) if source else None,
    )


@dataclass(frozen=True, slots=True)
class _PhoneTables:
    """What :func:`fast_phone` needs, built from phonenumbers' metadata for the region."""

    country_code: str
    shape: re.Pattern[str]  # the accepted input forms; the groups hold the NSN's digits
    shape_source: str
    prefix_source: str  # the part of a shaped text before the NSN
    general: _Desc
    specific: tuple[tuple[_Desc, LineType], ...]  # in _number_type_helper's order
    any_specific: re.Pattern[str] | None
    """Matches every NSN some specific type's pattern matches (None: no such pattern)."""
    fixed_line: _Desc
    mobile: _Desc
    same_mobile_and_fixed_line_pattern: bool
    fixed_line_type: LineType
    mobile_type: LineType
    fixed_line_or_mobile_type: LineType


@functools.cache
def _phone_tables() -> _PhoneTables | None:
    """The tables for the fast region, or ``None`` if its metadata breaks an assumption."""
    # Imported here: dialoglaw.normalize imports this module (one mapping of line types).
    from dialoglaw.normalize import _LINE_TYPES  # noqa: PLC0415

    util = phonenumbers.phonenumberutil
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(_FAST_REGION, None)
    if metadata is None or metadata.country_code is None:
        return None
    code = str(metadata.country_code)
    general = metadata.general_desc
    national_prefix = "0"
    if (
        # The calling code is this region's alone, and no shorter code is a prefix of it.
        tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ())) != (_FAST_REGION,)
        or any(int(code[:i]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for i in range(1, len(code)))
        # A leading "0" is the national prefix, stripped as it is, and never an IDD prefix.
        or metadata.national_prefix != national_prefix
        or metadata.national_prefix_for_parsing != national_prefix
        or metadata.national_prefix_transform_rule
        or not metadata.international_prefix
        or any(re.match(metadata.international_prefix, f"0{d}") for d in "123456789")
        # "00" is the international prefix: "0049 …" is "+49 …".
        or not re.fullmatch(metadata.international_prefix, "00")
        # Every valid NSN has a possible, parseable length that is not "local only".
        or general is None
        or not general.national_number_pattern
        or not general.possible_length
        or min(general.possible_length) < util._MIN_LENGTH_FOR_NSN
        or max(general.possible_length) > util._MAX_LENGTH_FOR_NSN
        or set(general.possible_length) & set(general.possible_length_local_only)
    ):
        return None

    def line(kind: int) -> LineType:
        return _LINE_TYPES.get(kind, LineType.UNKNOWN)

    kinds = phonenumbers.PhoneNumberType
    specific = (
        (metadata.premium_rate, kinds.PREMIUM_RATE),
        (metadata.toll_free, kinds.TOLL_FREE),
        (metadata.shared_cost, kinds.SHARED_COST),
        (metadata.voip, kinds.VOIP),
        (metadata.personal_number, kinds.PERSONAL_NUMBER),
        (metadata.pager, kinds.PAGER),
        (metadata.uan, kinds.UAN),
        (metadata.voicemail, kinds.VOICEMAIL),
    )
    # "+49 171 1234567", "0049 171 1234567", "+49 (0)171 1234567", "0171-1234567",
    # "0171/1234567" (group 1) and "(0171) 1234567" (groups 2 and 3): the international
    # and national prefixes, the country code and single separators between digit groups
    # are all phonenumbers strips from these shapes.
    np = national_prefix
    digits = r"(?:[ /-]?[0-9])*"
    country = rf"(?:\+|00){code} ?(?:\({np}\) ?)?"
    shape = rf"(?:{country}|{np})([1-9]{digits})|\({np}([1-9][0-9]*)\) ?([0-9]{digits})"
    prefix = rf"(?:{country}|\(?{np})"
    specific_descs = tuple((_desc(desc), line(kind)) for desc, kind in specific)
    # The rare types (premium rate, toll free, ...) are tested one by one only where one
    # of their patterns matches: most numbers are of none of them (as phone_cells does).
    sources = [d.source for d, _ in specific_descs if d.pattern is not None]
    return _PhoneTables(
        country_code=code,
        shape=re.compile(shape),
        shape_source=shape,
        prefix_source=prefix,
        general=_desc(general),
        specific=specific_descs,
        any_specific=re.compile("|".join(f"(?:{source})" for source in sources)) if sources else None,
        fixed_line=_desc(metadata.fixed_line),
        mobile=_desc(metadata.mobile),
        same_mobile_and_fixed_line_pattern=bool(metadata.same_mobile_and_fixed_line_pattern),
        fixed_line_type=line(kinds.FIXED_LINE),
        mobile_type=line(kinds.MOBILE),
        fixed_line_or_mobile_type=line(kinds.FIXED_LINE_OR_MOBILE),
    )


def _line_type(tables: _PhoneTables, nsn: str) -> LineType | None:
    """phonenumbers' ``_number_type_helper``; ``None`` for UNKNOWN (an invalid number)."""
    if not tables.general.matches(nsn):
        return None
    if tables.any_specific is not None and tables.any_specific.fullmatch(nsn) is not None:
        for desc, line_type in tables.specific:
            if desc.matches(nsn):
                return line_type
    if tables.fixed_line.matches(nsn):
        if tables.same_mobile_and_fixed_line_pattern or tables.mobile.matches(nsn):
            return tables.fixed_line_or_mobile_type
        return tables.fixed_line_type
    if not tables.same_mobile_and_fixed_line_pattern and tables.mobile.matches(nsn):
        return tables.mobile_type
    return None


def fast_phone(text: str, region: str) -> tuple[str, LineType] | None:
    """``(e164, line_type)`` for a valid German number in a plain form, else ``None``.

    Only for ``region == "DE"`` and the forms ``+49…``, ``0049…``, ``+49 (0)…``, ``0…`` and
    ``(0…) …`` (ASCII digits, the first national digit 1–9, optionally single spaces,
    hyphens or slashes between digit groups). For these the result is exactly what
    :func:`~dialoglaw.normalize.check_phone` returns (its region is then ``"DE"``).
    ``None`` means "not decided": an invalid number, or another form or region, which the
    library handles (with its error message, if any).
    """
    if region != _FAST_REGION or len(text) > _MAX_PHONE_LENGTH:
        return None
    tables = _phone_tables()
    if tables is None:
        return None
    match = tables.shape.fullmatch(text)
    if match is None:
        return None
    nsn = _SEPARATORS.sub("", "".join(group for group in match.groups() if group))
    line_type = _line_type(tables, nsn)
    if line_type is None:
        return None
    return f"+{tables.country_code}{nsn}", line_type


def _rust_regex(pattern: str) -> str:
    """A phonenumbers pattern for Rust's regex: ``\\d`` there is any Unicode digit."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt.isdigit():
                raise ValueError("back-references are not supported")
            out.append(("0-9" if in_class else "[0-9]") if nxt == "d" else c + nxt)
            i += 2
            continue
        if c == "(" and pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            raise ValueError("look-around is not supported")
        if c == "{" and pattern.startswith("{,", i):
            raise ValueError("'{,n}' is not supported")
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def phone_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`fast_phone` for region ``DE`` as a polars expression over a string column.

    A struct with the fields ``e164`` and ``line_type`` (the :class:`LineType` value), both
    null where the fast path does not decide (and for null input), named like ``expr``'s
    column.
    """
    import polars as pl  # noqa: PLC0415 - optional dependency

    planned = _phone_plan()
    if planned is None:
        null = pl.lit(None, pl.String)
        undecided = pl.when(pl.lit(value=False)).then(expr).otherwise(null)
        return pl.struct(undecided.alias("e164"), undecided.alias("line_type")).name.keep()
    return _phone_stages(expr, *planned, rare=True)


def phone_cells(cells: pl.Series) -> pl.Series:
    """:func:`phone_expr` of a Series of texts, the same values for less work.

    The rarely used types (premium rate, toll free, shared cost, VoIP, personal numbers,
    pagers, UAN, voicemail; eight patterns) are tested only on the numbers that match one
    of their patterns, which for most lists is none: one pattern of all eight decides
    which numbers those are, and only they are read again by :func:`phone_expr`. A
    number no rare pattern matches is of none of these types, whatever its length.
    """
    import polars as pl  # noqa: PLC0415 - optional dependency

    frame = cells.to_frame()
    column = pl.col(cells.name)
    if _phone_plan() is None:
        return frame.select(phone_expr(column)).to_series()
    common = frame.select(_common_stages(cells.name)).to_series().struct.unnest()
    rows = common.get_column("rare").arg_true()
    e164, line_type = common.get_column("e164"), common.get_column("line_type")
    if len(rows):
        again = frame[rows].select(phone_expr(column)).to_series().struct.unnest()
        e164 = e164.scatter(rows, again.get_column("e164"))
        line_type = line_type.scatter(rows, again.get_column("line_type"))
    return pl.struct(e164, line_type, eager=True).alias(cells.name)


@functools.cache
def _phone_plan() -> tuple[_PhoneTables, dict[str, str]] | None:
    """The tables and their patterns for Rust's regex, or ``None`` where the fast path is
    off (built once: translating the patterns took about half a millisecond a call)."""
    tables = _phone_tables()
    rust = _phone_rust_patterns(tables)
    return None if tables is None or rust is None else (tables, rust)


@functools.lru_cache(maxsize=16)
def _common_stages(name: str) -> pl.Expr:
    """:func:`phone_cells`' first reading of the column ``name`` (without the rare
    types), built once per name: an expression is the same for every batch."""
    import polars as pl  # noqa: PLC0415 - optional dependency

    planned = _phone_plan()
    assert planned is not None  # noqa: S101 - phone_cells asks only where it is on
    return _phone_stages(pl.col(name), *planned, rare=False)


def _phone_stages(expr: pl.Expr, tables: _PhoneTables, rust: dict[str, str], *, rare: bool) -> pl.Expr:
    """:func:`phone_expr` with the tables built; without the rare types (``rare=False``) a
    struct with a third field ``rare``: whether a rare type's pattern matches the number
    (its type is then left to :func:`phone_expr`)."""
    import polars as pl  # noqa: PLC0415 - optional dependency

    null = pl.lit(None, pl.String)
    # Computed in stages inside one struct, so that the NSN is derived once per row and every
    # test reads it as a column: first ``e164`` holds the NSN and ``line_type`` whether the
    # text has an accepted shape; then ``line_type`` becomes the type (read from the NSN and
    # the shape flag); then ``e164`` becomes "+49" and the NSN where a type was found.
    patterns = rust
    nsn, shaped = pl.field("e164"), pl.field("line_type")
    length = nsn.str.len_bytes()

    def hit(desc: _Desc) -> pl.Expr:
        if desc.pattern is None or not desc.source:
            return pl.lit(value=False)
        condition = nsn.str.contains(f"^(?:{patterns[desc.source]})$")
        if desc.lengths:
            condition = length.is_in(sorted(desc.lengths)) & condition
        return condition

    # The first type whose description matches, in _number_type_helper's order.
    cases = [(hit(desc), line_type) for desc, line_type in tables.specific] if rare else []
    fixed, mobile = hit(tables.fixed_line), hit(tables.mobile)
    if tables.same_mobile_and_fixed_line_pattern:
        cases.append((fixed, tables.fixed_line_or_mobile_type))
    else:
        cases.append((fixed & mobile, tables.fixed_line_or_mobile_type))
        cases.append((fixed, tables.fixed_line_type))
        cases.append((mobile, tables.mobile_type))
    first = pl.coalesce([pl.when(hit_).then(pl.lit(line_type.value)) for hit_, line_type in cases])

    staged = pl.struct(
        expr.str.replace(f"^{tables.prefix_source}", "").str.replace_all(r"[ ()/-]", "").alias("e164"),
        (
            (expr.str.len_bytes() <= _MAX_PHONE_LENGTH) & expr.str.contains(f"^(?:{tables.shape_source})$")
        ).alias("line_type"),
    )
    fields = [pl.when(shaped & hit(tables.general)).then(first).otherwise(null).alias("line_type")]
    if not rare:
        # hit() of a rare type needs its pattern to match; its lengths only narrow it.
        sources = [
            patterns[desc.source] for desc, _ in tables.specific if desc.pattern is not None and desc.source
        ]
        any_rare = "|".join(f"(?:{source})" for source in sources)
        fields.append(
            (nsn.str.contains(f"^(?:{any_rare})$") if sources else pl.lit(value=False)).alias("rare")
        )
    typed = staged.struct.with_fields(fields)
    e164 = pl.concat_str([pl.lit(f"+{tables.country_code}"), nsn])
    decided = typed.struct.with_fields(
        pl.when(pl.field("line_type").is_not_null()).then(e164).otherwise(null).alias("e164")
    )
    return decided.name.keep()


def _phone_rust_patterns(tables: _PhoneTables | None) -> dict[str, str] | None:
    """Each description's pattern for Rust's regex; ``None`` if one cannot be translated."""
    if tables is None:
        return None
    descs = [tables.general, tables.fixed_line, tables.mobile, *(d for d, _ in tables.specific)]
    try:
        return {d.source: _rust_regex(d.source) for d in descs if d.source}
    except ValueError:
        return None
