"""The normalisation fast paths give exactly the libraries' answers, and do fire.

Differential tests over large generated samples (fixed seeds) of real-world shapes and
near misses, property-based tests over arbitrary text, the polars expressions against the
scalar functions row by row, and ``check_email``/``check_phone`` with and without the fast
paths.
"""

from __future__ import annotations

import functools
import random
import string
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import email_validator
import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialoglaw import normalize
from dialoglaw.channels import LineType
from dialoglaw.fastpath import _rust_regex, email_expr, fast_email, fast_phone, phone_cells, phone_expr
from dialoglaw.normalize import ContactPointError, PhoneNumber, check_email, check_phone

SETTINGS = settings(max_examples=300, deadline=None)

# --- the libraries, as check_email / check_phone call them ---------------------------------


def library_email(text: str) -> str | None:
    try:
        result = email_validator.validate_email(text, check_deliverability=False, allow_display_name=False)
    except email_validator.EmailNotValidError:
        return None
    return str(result.normalized)


def library_phone(text: str, region: str = "DE") -> tuple[str, LineType, str | None] | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    line_type = normalize._LINE_TYPES.get(phonenumbers.number_type(parsed), LineType.UNKNOWN)
    return e164, line_type, phonenumbers.region_code_for_number(parsed)


# --- e-mail samples ---------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "max erika hans anna lena juergen peter maria sophie paul lukas emma jan ole tim lea mia ben "
    "jonas leon noah elias klaus j m a kim thomas stefan andrea sabine o de van info"
)
LAST = _words(
    "mustermann schmidt mueller moeller schneider fischer weber meyer wagner becker schulz hoffmann "
    "koch richter klein wolf neumann schwarz zimmermann braun krueger hofmann hartmann lange smith "
    "o'brien le-roux van-der-berg x doe"
)
ROLES = _words(
    "info INFO Info support Sales marketing noreply kontakt office postmaster WebMaster abuse news "
    "team hello admin www ftp"
)
WORDS = _words(
    "example beispiel mail web gmx t-online posteo firma shop stadtwerke-muenchen uni-hamburg cs mx1 "
    "a1 123 xyz buecher mein-verein dialoglaw kanzlei autohaus-mayer b2b web2 e q"
)
TLDS = _words(
    "de com net org eu at ch info io berlin co.uk com.au shop online biz email fr nl it museum "
    "travel DE Com co ly example bayern hamburg gmbh"
)
SPECIAL_USE = _words(
    "local localhost test invalid onion arpa in-addr.arpa Local TEST home.arpa example.com example "
    "localdomain testing"
)
SPECIALS = "!#$%&'*+/=?^_`{|}~-"


def _cased(rng: random.Random, word: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return word.capitalize()
    if roll < 0.2:
        return word.upper()
    return word


def _local(rng: random.Random) -> str:
    shape = rng.random()
    first, last = _cased(rng, rng.choice(FIRST)), _cased(rng, rng.choice(LAST))
    if shape < 0.35:
        local = f"{first}{rng.choice(['.', '_', '-', ''])}{last}"
    elif shape < 0.45:
        local = f"{first[0]}.{last}"
    elif shape < 0.55:
        local = rng.choice(ROLES)
    elif shape < 0.65:
        local = f"{first}{rng.randint(1, 2025)}"
    elif shape < 0.72:
        local = f"{first}.{rng.choice(FIRST)}.{last}"
    elif shape < 0.78:
        local = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(1, 20)))
    elif shape < 0.82:
        pieces = [
            "".join(rng.choice(string.ascii_letters + SPECIALS) for _ in range(rng.randint(1, 5)))
            for _ in range(rng.randint(1, 3))
        ]
        local = ".".join(pieces)
    else:
        local = first
    if rng.random() < 0.12:
        local += "+" + rng.choice(["news", "shop", "2024", "x", "", "a.b", "Tag"])
    if rng.random() < 0.01:  # internationalised local parts are rare
        local = local.replace("ue", "ü").replace("oe", "ö") + rng.choice(["", "ß", "é"])
    return local


def _domain(rng: random.Random) -> str:
    labels = [_cased(rng, rng.choice(WORDS)) for _ in range(rng.choices([1, 2, 3], [70, 25, 5])[0])]
    if rng.random() < 0.01:  # so are internationalised domains
        labels[0] = rng.choice(["bücher", "müller-bau", "xn--mnchen-3ya", "straße"])
    if rng.random() < 0.002:
        return ".".join([*labels, rng.choice(["xn--p1ai", "рф", "中国"])])
    return ".".join([*labels, _cased(rng, rng.choice(TLDS))])


def _mutate(rng: random.Random, address: str) -> str:
    """A near miss (or a hit) derived from a real-world shape."""
    local, _, domain = address.partition("@")
    kind = rng.randrange(32)
    if kind == 0:
        return f"{local}..x@{domain}"
    if kind == 1:
        return f".{local}@{domain}"
    if kind == 2:
        return f"{local}.@{domain}"
    if kind == 3:
        return f"{'a' * rng.choice([63, 64, 65, 66])}@{domain}"
    if kind == 4:
        return f"{local}@{'b' * rng.choice([62, 63, 64])}.{rng.choice(TLDS)}"
    if kind == 5:
        return f"{local}@{domain.rsplit('.', 1)[0]}.{rng.choice(['123', '1', 'c0m', 'd3', '4de'])}"
    if kind == 6:
        return f"{local}@{rng.choice(WORDS)}.{rng.choice(SPECIAL_USE)}"
    if kind == 7:
        return f"{local}@{rng.choice(SPECIAL_USE)}"
    if kind == 8:
        return f"{local}{rng.choice(['ä', 'é', 'ß', 'ı', 'K', 'ﬁ', '中'])}@{domain}"
    if kind == 9:
        return f"{local}@{rng.choice(['ä', 'xn--mnchen-3ya', 'ＥＸ', 'straße'])}.{domain}"
    if kind == 10:
        return f'"{local}"@{domain}'
    if kind == 11:
        return rng.choice(
            [
                f" {address}",
                f"{address} ",
                f"{local} @{domain}",
                f"{local}@ {domain}",
                f"{address}\n",
                f"\t{address}",
            ]
        )
    if kind == 12:
        return f"Max Mustermann <{address}>"
    if kind == 13:
        return rng.choice([f"{local}@@{domain}", f"{local}{domain}", f"{local}@{domain}@x.de"])
    if kind == 14:
        return f"{local}@-{domain}"
    if kind == 15:
        return f"{local}@{domain.replace('.', '-.', 1)}"
    if kind == 16:
        return f"{local}@{rng.choice(['ab--cd', 'xn--abc', 'XN--ab', 'a--b', 'x---y'])}.{domain}"
    if kind == 17:
        return f"{local}@{domain}."
    if kind == 18:
        return f"{local}@{domain.replace('.', '..', 1)}"
    if kind == 19:
        return f"{local}@[192.168.0.{rng.randint(0, 300)}]"
    if kind == 20:
        return f"{local}@{rng.choice(WORDS)}_x.{rng.choice(TLDS)}"
    if kind == 21:  # total length around 254
        filler = ".".join("c" * 60 for _ in range(4))
        cut = rng.randint(240, 260) - len(local) - 1 - 3
        return f"{local}@{filler[: max(cut, 1)].strip('.')}.de"
    if kind == 22:
        return f"{local}@{domain.rsplit('.', 1)[0]}.{rng.choice(['a', 'Z', 'x1y', 'de-', '-de'])}"
    if kind == 23:
        return f"{local}@{rng.choice(['localhost', 'de', 'com', 'test'])}"
    if kind == 24:
        return address.upper()
    if kind == 25:
        return f"{local}({rng.choice(['comment', ''])})@{domain}"
    if kind == 26:
        return f"{rng.choice(['', 'a'])}\\{local}@{domain}"
    if kind == 27:
        return f"{local}@{domain}".replace("@", rng.choice(["＠", "﹫", "@"]))
    if kind == 28:
        return f"{local}\u200b@{domain}"
    if kind == 29:
        return f"{local}@{rng.choice(['1.2.3.4', '10.0.0.1.de', '0.de', 'de.0de'])}"
    if kind == 30:
        return f"{local.replace('.', ' ')}@{domain}"
    return address


@dataclass(frozen=True)
class EmailSample:
    texts: list[str]
    real_world: int  # the first ``real_world`` texts are real-world shapes, the rest near misses
    fast: list[str | None]
    # email-validator's answer, by index: for every real-world shape and wherever the fast
    # path decided (a near miss the fast path declines needs no answer to be checked).
    library: dict[int, str | None]


@pytest.fixture(scope="module")
def emails() -> EmailSample:
    rng = random.Random(20240501)  # noqa: S311 - a reproducible sample
    real = [f"{_local(rng)}@{_domain(rng)}" for _ in range(60_000)]
    near = [_mutate(rng, rng.choice(real)) for _ in range(45_000)]
    texts = real + near
    fast = [fast_email(t) for t in texts]
    library = {
        i: library_email(t)
        for i, (t, f) in enumerate(zip(texts, fast, strict=True))
        if i < len(real) or f is not None
    }
    return EmailSample(texts=texts, real_world=len(real), fast=fast, library=library)


# --- phone samples ------------------------------------------------------------------------


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _spaced(rng: random.Random, digits: str) -> str:
    """Digit groups separated by single spaces, hyphens or slashes, as people write them."""
    roll = rng.random()
    sep = rng.choice(" -/ ")
    if roll < 0.3:
        cut = rng.randint(2, 5)
        return f"{digits[:cut]}{sep}{digits[cut:]}".rstrip(sep)
    if roll < 0.6:
        return sep.join(digits[i : i + 3] for i in range(0, len(digits), 3))
    if roll < 0.8:
        return sep.join(digits[i : i + 2] for i in range(0, len(digits), 2))
    out = [digits[0]]
    for c in digits[1:]:
        out.append((rng.choice(" -/") if rng.random() < 0.3 else "") + c)
    return "".join(out)


def _written(rng: random.Random, nsn: str, *, spaces: float = 0.3) -> str:
    """A plain form the fast path decides: +49, 0049, +49 (0) or 0 and the digits, or the
    area code in brackets: "(0171) 1234567"."""
    if len(nsn) > 2 and rng.random() < 0.1:
        cut = rng.randint(1, min(5, len(nsn) - 1))
        rest = _spaced(rng, nsn[cut:]) if rng.random() < spaces else nsn[cut:]
        return f"(0{nsn[:cut]}){rng.choice([' ', ''])}{rest}"
    body = _spaced(rng, nsn) if rng.random() < spaces else nsn
    return rng.choice(["+49", "0", "+49 ", "0", "+49 (0)", "+49 (0) ", "+49(0)", "0049", "0049 "]) + body


# Real-world shapes by number class (the fast path does not know these; they are samples).
SHAPES: list[tuple[str, tuple[int, ...]]] = [
    ("15", (9, 10)),
    ("160", (7, 8)),
    ("162", (7, 8)),
    ("163", (7, 8)),
    ("17", (8, 9)),
    ("151", (8,)),
    ("152", (8,)),
    ("157", (8,)),
    ("159", (8,)),
    ("30", (7, 8)),
    ("40", (7, 8)),
    ("89", (7, 8)),
    ("69", (7, 8)),
    ("221", (5, 6, 7, 8)),
    ("711", (5, 6, 7)),
    ("351", (6, 7)),
    ("3", (8, 9)),
    ("2", (8, 9)),
    ("4", (8, 9)),
    ("5", (8, 9)),
    ("6", (8, 9)),
    ("7", (8, 9)),
    ("8", (8, 9)),
    ("9", (8, 9)),
    ("800", (7, 8)),
    ("900", (7, 8)),
    ("9001", (6,)),
    ("9009", (7,)),
    ("180", (5, 6, 7, 8)),
    ("1371", (6,)),
    ("1378", (6,)),
    ("700", (8,)),
    ("164", (3, 5, 7)),
    ("168", (4, 6, 8)),
    ("181", (6, 8)),
    ("185", (8,)),
    ("32", (9, 10)),
    ("491", (8, 10)),
    ("4930", (4, 6)),
    ("16013", (7,)),
    ("1513", (7, 8)),
    ("322", (6,)),
]


def _near_phone(rng: random.Random, nsn: str) -> str:
    kind = rng.randrange(24)
    options = [
        f"+490{nsn}",
        f"00{nsn}",
        f"0049{nsn}",
        f"0049 {nsn}",
        f"+49 (0){nsn}",
        f"+49 (0) {nsn}",
        f"0{nsn[:3]}-{nsn[3:]}",
        f"0{nsn[:3]}/{nsn[3:]}",
        f"(0{nsn[:3]}) {nsn[3:]}",
        f"+49-{nsn}",
        f"0{nsn[:3]}  {nsn[3:]}",
        f" 0{nsn}",
        f"0{nsn} ",
        f"+4 9{nsn}",
        f"+49{nsn} x12",
        f"0{nsn} ext. 7",
        f"0{nsn}#",
        f"0{nsn}\t",
        f"+{nsn}",
        f"0{nsn}a",
        "0" + nsn.translate(str.maketrans(string.digits, "٠١٢٣٤٥٦٧٨٩")),
        "0" + nsn.translate(str.maketrans(string.digits, "０１２３４５６７８９")),
        f"+49 {nsn[:1]} {nsn[1:]}",
        f"0 {nsn}",
    ]
    return options[kind]


@dataclass(frozen=True)
class PhoneSample:
    texts: list[str]
    plain: list[bool]  # in a form the fast path reads (+49, 0049, +49 (0), 0, (0…); single separators)
    fast: list[tuple[str, LineType] | None]
    # phonenumbers' answer, by index: for every plain text and wherever the fast path decided.
    library: dict[int, tuple[str, LineType, str | None] | None]


@pytest.fixture(scope="module")
def phones() -> PhoneSample:
    rng = random.Random(4915)  # noqa: S311 - a reproducible sample
    texts: list[str] = []
    plain: list[bool] = []

    def add(text: str, *, is_plain: bool) -> None:
        texts.append(text)
        plain.append(is_plain)

    # Every German prefix range: each 3-digit start 100-999 with every length 3-17, after
    # "+49" and after "0".
    for first in range(100, 1000):
        for length in range(3, 18):
            nsn = (str(first) + _digits(rng, length))[:length]
            add(f"+49{nsn}", is_plain=True)
            add(f"0{nsn}", is_plain=True)
    # Random digit strings (first digit 1-9) of every length 1-17, some with spaces.
    for _ in range(20_000):
        nsn = str(rng.randint(1, 9)) + _digits(rng, rng.randint(0, 16))
        add(_written(rng, nsn), is_plain=True)
    # Mobile, landline, toll-free, premium, shared-cost … shapes.
    for _ in range(30_000):
        start, lengths = rng.choice(SHAPES)
        nsn = start + _digits(rng, rng.choice(lengths))
        add(_written(rng, nsn, spaces=0.5), is_plain=True)
    # Near misses: other forms, which the library reads but the fast path leaves to it.
    for _ in range(25_000):
        start, lengths = rng.choice(SHAPES)
        add(_near_phone(rng, start + _digits(rng, rng.choice(lengths))), is_plain=False)
    fast = [fast_phone(t, "DE") for t in texts]
    library = {i: library_phone(t) for i, t in enumerate(texts) if plain[i] or fast[i] is not None}
    return PhoneSample(texts=texts, plain=plain, fast=fast, library=library)


# --- differential tests -----------------------------------------------------------------


def test_fast_email_agrees_with_email_validator(emails: EmailSample) -> None:
    assert len(emails.texts) >= 100_000
    decided = [i for i, fast in enumerate(emails.fast) if fast is not None]
    wrong = [
        (emails.texts[i], emails.fast[i], emails.library[i])
        for i in decided
        if emails.fast[i] != emails.library[i]
    ]
    assert wrong == []
    # The near misses reach both sides of the fast path.
    near = range(emails.real_world, len(emails.texts))
    assert sum(emails.fast[i] is None for i in near) > 25_000
    assert sum(emails.fast[i] is not None for i in near) > 5_000


def test_fast_email_decides_the_common_shapes(emails: EmailSample) -> None:
    valid = [i for i in range(emails.real_world) if emails.library[i] is not None]
    decided = sum(emails.fast[i] is not None for i in valid)
    assert len(valid) > 50_000
    assert decided / len(valid) >= 0.95, f"fast path decides {decided}/{len(valid)}"


def test_fast_phone_agrees_with_phonenumbers(phones: PhoneSample) -> None:
    assert len(phones.texts) >= 100_000
    wrong = []
    for i, fast in enumerate(phones.fast):
        if fast is not None:
            lib = phones.library[i]
            if lib is None or fast != lib[:2] or lib[2] != "DE":
                wrong.append((phones.texts[i], fast, lib))
    assert wrong == []
    assert sum(lib is None for lib in phones.library.values()) > 20_000  # invalid numbers were generated


def test_fast_phone_decides_the_common_shapes(phones: PhoneSample) -> None:
    valid = [i for i, is_plain in enumerate(phones.plain) if is_plain and phones.library[i] is not None]
    decided = sum(phones.fast[i] is not None for i in valid)
    assert len(valid) > 40_000
    assert decided / len(valid) >= 0.95, f"fast path decides {decided}/{len(valid)}"
    # Every line type the region has turns up among the decided numbers.
    seen = {fast[1] for fast in phones.fast if fast is not None}
    assert seen >= {
        LineType.MOBILE,
        LineType.FIXED_LINE,
        LineType.TOLL_FREE,
        LineType.PREMIUM_RATE,
        LineType.SHARED_COST,
        LineType.PERSONAL_NUMBER,
        LineType.PAGER,
        LineType.UAN,
        LineType.VOICEMAIL,
    }


def test_fast_phone_is_only_for_germany() -> None:
    assert fast_phone("0171 1234567", "DE") == ("+491711234567", LineType.MOBILE)
    for region in ("AT", "CH", "de", "", "ZZ"):
        assert fast_phone("0171 1234567", region) is None
        assert fast_phone("+491711234567", region) is None


# --- properties over arbitrary text ---------------------------------------------------------

EMAILISH = st.from_regex(r"\A[a-zA-Z0-9.+_'-]{0,12}@[a-zA-Z0-9.-]{0,12}\.[a-zA-Z0-9-]{0,5}\Z")
PHONEISH = st.from_regex(r"\A(\+49|0|\+49 |00|0049|\+|\+49 \(0\)|\(0)[0-9 /()-]{0,18}\Z")


@SETTINGS
@given(st.one_of(st.text(max_size=40), EMAILISH))
def test_fast_email_never_contradicts_the_library(text: str) -> None:
    fast = fast_email(text)
    if fast is not None:
        assert fast == library_email(text)


@SETTINGS
@given(st.one_of(st.text(max_size=30), PHONEISH, st.text(alphabet="+0123456789 -()/", max_size=22)))
def test_fast_phone_never_contradicts_the_library(text: str) -> None:
    fast = fast_phone(text, "DE")
    if fast is not None:
        lib = library_phone(text)
        assert lib is not None
        assert fast == lib[:2]


# --- the polars expressions -----------------------------------------------------------------


def test_email_expr_agrees_with_fast_email_row_by_row(emails: EmailSample) -> None:
    texts: list[str | None] = [*emails.texts, None]
    frame = pl.DataFrame({"email": texts}, schema={"email": pl.String})
    got = frame.select(email_expr(pl.col("email")).alias("out"))["out"].to_list()
    assert got == [*emails.fast, None]


def test_phone_expr_agrees_with_fast_phone_row_by_row(phones: PhoneSample) -> None:
    texts: list[str | None] = [*phones.texts, None, "", "+49" + "1" * 40]
    frame = pl.DataFrame({"phone": texts}, schema={"phone": pl.String})
    out = frame.select(phone_expr(pl.col("phone")).alias("out")).unnest("out")
    assert out.schema == pl.Schema({"e164": pl.String, "line_type": pl.String})
    expected = [(f[0], f[1].value) if f is not None else (None, None) for f in phones.fast]
    assert list(zip(out["e164"].to_list(), out["line_type"].to_list(), strict=True)) == [
        *expected,
        (None, None),
        (None, None),
        (None, None),
    ]


def test_phone_cells_agree_with_phone_expr_row_by_row(phones: PhoneSample) -> None:
    # The sample holds every German prefix range at every length: the rare types
    # (premium rate, toll free, shared cost, personal numbers, pagers, UAN, voicemail)
    # take phone_cells' second reading, all others only the first.
    texts: list[str | None] = [*phones.texts, None, "", "+49" + "1" * 40]
    cells = pl.Series("phone", texts, dtype=pl.String)
    expected = cells.to_frame().select(phone_expr(pl.col("phone"))).to_series()
    got = phone_cells(cells)
    assert got.name == "phone"
    assert got.dtype == expected.dtype
    assert got.to_list() == expected.to_list()
    rare = {t.value for t in (LineType.PREMIUM_RATE, LineType.TOLL_FREE, LineType.SHARED_COST, LineType.UAN)}
    assert rare <= set(got.struct.field("line_type").drop_nulls().to_list())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), EMAILISH, PHONEISH), min_size=1, max_size=25))
def test_expressions_agree_with_the_scalar_functions_on_arbitrary_text(texts: list[str]) -> None:
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    out = frame.select(email_expr(pl.col("t")).alias("email"), phone_expr(pl.col("t")).alias("phone")).unnest(
        "phone"
    )
    assert out["email"].to_list() == [fast_email(t) for t in texts]
    expected = [fast_phone(t, "DE") for t in texts]
    assert out["e164"].to_list() == [None if f is None else f[0] for f in expected]
    assert out["line_type"].to_list() == [None if f is None else f[1].value for f in expected]
    cells = phone_cells(pl.Series("t", texts, dtype=pl.String)).struct.unnest()
    assert cells.equals(out.select("e164", "line_type"))


def test_rust_patterns_read_digits_as_ascii_digits() -> None:
    assert _rust_regex(r"1(?:6[023]|7\d)\d{7,8}") == "1(?:6[023]|7[0-9])[0-9]{7,8}"
    assert _rust_regex(r"[\d+]\.\\d") == r"[0-9+]\.\\d"
    for unsupported in (r"(?=1)\d", r"(\d)\1", r"\d{,3}"):
        with pytest.raises(ValueError, match="not supported"):
            _rust_regex(unsupported)


# --- email-validator's lists are tracked -------------------------------------------------------


@contextmanager
def _special_use(names: list[str]) -> Iterator[None]:
    saved = email_validator.SPECIAL_USE_DOMAIN_NAMES
    email_validator.SPECIAL_USE_DOMAIN_NAMES = names
    try:
        yield
    finally:
        email_validator.SPECIAL_USE_DOMAIN_NAMES = saved


def _email_expr_one(text: str) -> str | None:
    frame = pl.DataFrame({"e": [text]})
    value = frame.select(email_expr(pl.col("e")))["e"][0]
    assert value is None or isinstance(value, str)
    return value


def test_changes_to_the_special_use_list_are_followed() -> None:
    assert fast_email("max@example.com") == "max@example.com"
    assert fast_email("max@mail.test") is None
    with _special_use(
        [*email_validator.SPECIAL_USE_DOMAIN_NAMES, "example.com", "my-corp.example", "corp.example"]
    ):
        for text in (
            "max@example.com",
            "max@Mail.Example.COM",
            "max@my-corp.example",
            "max@a.MY-CORP.example",
        ):
            assert library_email(text) is None
            assert fast_email(text) is None
            assert _email_expr_one(text) is None
        for text in ("max@anexample.com", "max@a.corpxexample", "max@mycorp.example"):
            assert fast_email(text) == library_email(text) == _email_expr_one(text) == text
    assert fast_email("max@example.com") == "max@example.com"
    # Removing an entry in place, as email-validator's documentation suggests.
    special_use = email_validator.SPECIAL_USE_DOMAIN_NAMES
    saved = list(special_use)
    special_use.remove("test")
    try:
        assert fast_email("max@mail.test") == library_email("max@mail.test") == "max@mail.test"
        assert _email_expr_one("max@mail.test") == "max@mail.test"
    finally:
        special_use[:] = saved
    assert fast_email("max@mail.test") is None
    # Entries the library cannot match against an LDH domain, and a non-string entry.
    with _special_use(["DE", ".de", "", "de."]):
        assert fast_email("max@example.de") == library_email("max@example.de") == "max@example.de"
    with _special_use([1]):  # type: ignore[list-item]
        assert fast_email("max@example.de") is None
        assert _email_expr_one("max@example.de") is None


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("STRICT", True),
        ("TEST_ENVIRONMENT", True),
        ("GLOBALLY_DELIVERABLE", False),
        ("ALLOW_SMTPUTF8", False),
        ("ALLOW_QUOTED_LOCAL", True),
        ("ALLOW_DOMAIN_LITERAL", True),
        ("ALLOW_EMPTY_LOCAL", True),
    ],
)
def test_email_validators_global_settings_never_make_the_fast_path_wrong(
    emails: EmailSample, setting: str, value: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The settings only widen what the library accepts (or, STRICT, limit the local part to
    # the 64 characters the fast path already keeps to), so a decided address stays right.
    monkeypatch.setattr(email_validator, setting, value)
    decided = [(t, f) for t, f in zip(emails.texts, emails.fast, strict=True) if f is not None][::60]
    assert len(decided) > 1_000
    assert [(t, library_email(t)) for t, _ in decided] == decided
    long_local = "a" * 64 + "@example.de"
    assert fast_email(long_local) == library_email(long_local) == long_local


def test_role_mailboxes_are_lower_cased_like_the_library() -> None:
    for local in ("INFO", "Info", "PostMaster", "www", "Sales", "infos", "Kontakt"):
        text = f"{local}@Example.DE"
        assert fast_email(text) == library_email(text) == _email_expr_one(text)
    assert fast_email("Kontakt@example.de") == "Kontakt@example.de"
    names = email_validator.rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES
    names.append("kontakt")
    try:
        assert fast_email("Kontakt@example.de") == library_email("Kontakt@example.de") == "kontakt@example.de"
        assert _email_expr_one("Kontakt@example.de") == "kontakt@example.de"
    finally:
        names.remove("kontakt")
    assert fast_email("Kontakt@example.de") == "Kontakt@example.de"


# --- check_email / check_phone with and without the fast paths -----------------------------------


@contextmanager
def _without_fast_paths() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(normalize, "fast_email", lambda text: None)
        patch.setattr(normalize, "fast_phone", lambda text, region: None)
        yield


def _outcome(check: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", check()
    except ContactPointError as exc:
        return "error", str(exc)


def _both(check: Callable[[], Any]) -> tuple[tuple[str, Any], tuple[str, Any]]:
    with _without_fast_paths():
        slow = _outcome(check)
    return _outcome(check), slow


EDGE_EMAILS: list[Any] = [
    "",
    "   ",
    " max@example.de ",
    "max@example.de\n",
    "a" * 250 + "@x.de",
    "max",
    "max@",
    "@example.de",
    "max@example",
    "max@localhost",
    "INFO@Example.DE",
    42,
    None,
]
EDGE_PHONES: list[Any] = [
    "",
    "  ",
    " 0171 1234567 ",
    "0171 1234567",
    "+491711234567",
    "+49 30 1234567",
    "0" + "1" * 45,
    "0171",
    "+4917",
    "abc",
    42,
    None,
    PhoneNumber(e164="+491711234567", line_type=LineType.MOBILE),
    {"e164": "+49301234567", "line_type": "mobile"},
]


def test_check_email_is_unchanged_by_the_fast_path(emails: EmailSample) -> None:
    sample = [*emails.texts[::25], *EDGE_EMAILS]
    assert len(sample) > 4_000
    decided = 0
    for value in sample:
        fast, slow = _both(functools.partial(check_email, value))
        assert fast == slow, value
        decided += fast[0] == "ok"
    assert decided > 2_000


def test_check_phone_is_unchanged_by_the_fast_path(phones: PhoneSample) -> None:
    sample = [*phones.texts[::25], *EDGE_PHONES]
    assert len(sample) > 4_000
    for value in sample:
        for region in ("DE", "AT"):
            fast, slow = _both(functools.partial(check_phone, value, region))
            assert fast == slow, (value, region)


# --- the module needs no optional dependency ----------------------------------------------


def test_the_module_imports_without_polars() -> None:
    code = (
        "import sys; sys.modules['polars'] = None\n"
        "from dialoglaw.fastpath import fast_email, fast_phone\n"
        "assert fast_email('max@example.de') == 'max@example.de'\n"
        "assert fast_phone('0171 1234567', 'DE')[0] == '+491711234567'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
