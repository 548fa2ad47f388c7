"""JSON Lines read by Arrow's JSON reader (:mod:`dialoglaw.io.arrow_json`).

Source: the project's performance issue (a JSON Lines check at 50,000 contacts a second)
and its input contract (bad input is an error row, never a silently decided one). Arrow
may read a row for the columnar engine only where its cells are exactly the flat row
that ``json.loads`` and :func:`~dialoglaw.io.flat.exact_flat_row` give. These tests
compare every row the reader vouches for with ``exact_flat_row``, on the nested
contacts of ``tests/test_columnar_nested.py`` with their sixteen mutations and on
awkward lines of their own, and compare whole checks read both ways.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialoglaw.io import read_contacts
from dialoglaw.io.flat import exact_flat_row, flat_to_nested
from tests.flat_rows import AT, random_rows
from tests.test_columnar_nested import MESSAGE, _json, _mutated, _nested, _shaped

pl = pytest.importorskip("polars")
pytest.importorskip("pyarrow")
from dialoglaw.columnar import ColumnarEngine  # noqa: E402
from dialoglaw.io.arrow_json import arrow_flat_rows  # noqa: E402
from dialoglaw.io.files import RawLines, _is_utf8  # noqa: E402

# Padding Python's str.strip() removes that a narrower idea of whitespace would not.
_PADDING = (" ", "\t", "\x1c", "\x1f", "\x85", "\u00a0", "\u2007", "\u3000", "\u2028")
# Send times: exact_flat_row reads a consent's uses against the send time.
_TIMES = (AT, AT + timedelta(days=400), AT - timedelta(days=3000))


def _awkward(rng: random.Random, contact: Any) -> None:
    """Text values changed in ways only some readers notice: padding of every kind,
    ``null`` and ``;`` inside text, text beyond ASCII, empty text."""
    if not isinstance(contact, dict):
        return
    targets = [contact, *(c for c in contact.get("consents") or [] if isinstance(c, dict))]
    for target in targets:
        for key, value in list(target.items()):
            if not isinstance(value, str) or rng.random() > 0.15:
                continue
            target[key] = rng.choice(
                [
                    rng.choice(_PADDING) + value,
                    value + rng.choice(_PADDING),
                    f"{value} null",
                    f"{value};x",
                    f"{value} Größe €",
                    "",
                    value.upper(),
                ]
            )


def _lines(contacts: list[Any], rng: random.Random) -> list[str]:
    # As files hold them: some writers escape text beyond ASCII, most do not.
    return [json.dumps(c, ensure_ascii=rng.random() < 0.2) + "\n" for c in contacts]


def _assert_vouched_rows_exact(lines: list[str]) -> int:
    """Every row the reader vouches for is exact_flat_row's row (at any send time);
    the number of rows it vouched for."""
    read = arrow_flat_rows(lines)
    raws = [line.encode("utf-8", "surrogateescape") for line in lines]
    if all(r[:1] == b"{" and b"\r" not in r and _is_utf8(r) for r in raws):
        # The same lines as the raw reader hands them over (bytes for Arrow as read).
        raw = arrow_flat_rows(RawLines(1, raws))
        assert (raw is None) == (read is None)
        if raw is not None and read is not None:
            assert raw[1] == read[1]
            assert raw[0].equals(read[0])
    if read is None:
        return 0
    cells, vouched = read
    assert cells.height == len(vouched) <= len(lines)
    assert vouched == sorted(set(vouched))
    for index, row in zip(vouched, cells.iter_rows(named=True), strict=True):
        line = lines[index]
        mine = {k: v for k, v in row.items() if v is not None}
        value = json.loads(line)  # a vouched line is a JSON object json.loads reads
        for at in _TIMES:
            assert mine == exact_flat_row(value, at), f"{line!r}\nArrow {mine}"
    return len(vouched)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([0.0, 0.3, 0.7, 1.0]))
def test_every_row_arrow_vouches_for_is_the_exact_flat_row(seed: int, share: float) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    contacts = _mutated(_nested(40, seed=seed), seed, share)
    for contact in contacts:
        if rng.random() < 0.3:
            _awkward(rng, contact)
    lines = _lines(contacts, rng)
    # The whole batch (one odd line makes Arrow refuse it all), and each line alone.
    _assert_vouched_rows_exact(lines)
    for line in lines:
        _assert_vouched_rows_exact([line])


def test_arrow_vouches_for_the_rows_json_flattens_exactly() -> None:
    """Arrow reads the lines it can (one line it refuses: the parts of the batch around
    it are read) and vouches for every row exact_flat_row flattens."""
    contacts = [_json(flat_to_nested(row)) for row in random_rows(400, seed=7, bad=0.0)]
    contacts[100] = {"id": "c100", "subject_age": 15}  # a line Arrow refuses
    lines = [json.dumps(c, ensure_ascii=False) + "\n" for c in contacts]
    exact = sum(exact_flat_row(c, AT) is not None for c in contacts)
    assert _assert_vouched_rows_exact(lines) == exact > 300


@settings(max_examples=300, deadline=None)
@given(st.lists(_shaped, min_size=1, max_size=4))
def test_arbitrary_json_values_are_never_vouched_for_wrongly(values: list[Any]) -> None:
    _assert_vouched_rows_exact([json.dumps(v) + "\n" for v in values])


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('\ufeff{"id": "a"}\n', "a byte order mark Python's json refuses"),
        ('{"id": "a"} {"id": "b"}\n', "two objects on one line"),
        ('{"id": "a", "id": "b"}\n', "a key given twice (json keeps the last)"),
        ('{"id": "a",}\n', "a trailing comma"),
        ('{"id": "\\ud800"}\n', "a lone surrogate escape"),
        ('{"id": "a\udcff"}\n', "a byte that is not UTF-8 (read as a lone surrogate)"),
        ('{"id": 5}\n', "a number for text"),
        ('{"robinson_listed": "true"}\n', "text for a flag"),
        ('{"id": "a", "newsletter": true}\n', "a key the model does not know"),
        ('[{"id": "a"}]\n', "an array"),
        ('{"id": NaN}\n', "NaN, which Python's json reads"),
        ("null\n", "not an object (pyarrow 26 crashes on a first line of null)"),
        ('{"id": "a", "consents": [{"subject_age": 15.0}]}\n', "an age that is not a whole number"),
        ('{"id": "a", "postal_address": {"street": "x", "floor": "2"}}\n', "an unknown key in a section"),
    ],
)
def test_a_line_arrow_may_read_otherwise_is_left_to_json(line: str, why: str) -> None:
    plain = '{"id": "c1", "email": "a@example.de"}\n'
    assert arrow_flat_rows([plain]) is not None
    for lines, index in (([plain, line], 1), ([line, plain, plain], 0), ([plain, plain, line, plain], 2)):
        read = arrow_flat_rows(lines)
        assert read is not None, why  # the other lines are read
        assert index not in read[1], why
        assert read[1] == [i for i in range(len(lines)) if i != index], why


@pytest.mark.parametrize(
    "line",
    [
        '{"id": null, "email": "a@example.de"}\n',
        '{"id": "c1", "email": "annulled@example.de"}\n',
        '{"id": "c1", "objections": [{"at": "2024-01-01T10:00:00+01:00", "sender": null}]}\n',
        '{"id": "c1", "email": "caf\\u00e9@example.de"}\n',
        '{"id": "c1 ", "email": "a@example.de"}\n',
        '{"id": "c1", "email": "a@example.de\\u3000"}\n',
        '{"id": "c1", "email": "a@example.de\u3000"}\n',
        '{"id": "c1", "consents": [{"id": "k", "channels": ["email", "sms"], '
        '"granted_at": "2024-01-01T10:00:00+01:00", "method": "double_opt_in", "senders": ["A"]}]}\n',
        '{"id": "c1", "consents": [{"id": "k", "channels": ["email"], '
        '"granted_at": "01.01.2024", "method": "double_opt_in", "senders": ["A"]}]}\n',
    ],
)
def test_rows_arrow_cannot_vouch_for_are_flattened_by_python(line: str) -> None:
    read = arrow_flat_rows([line])
    assert read is not None
    assert read[1] == []


def test_a_null_that_means_absent_is_read_as_absent() -> None:
    """Serialisers write null for a missing value: where the model reads that null as
    absent (NULL_IS_ABSENT), Arrow's reading (every null absent) is the same."""
    consent = (
        '{"id": "k", "channels": ["email"], "granted_at": "2024-01-01T10:00:00+01:00", '
        '"method": "double_opt_in", "senders": ["A"], "withdrawn_at": null, "tied_to" : null}'
    )
    lines = [
        '{"id": "c1", "email": "a@example.de", "fax": null, "birth_date": null, "postal_address": null}\n',
        f'{{"id": "c2", "relationship": null, "consents": [{consent}]}}\n',
    ]
    assert _assert_vouched_rows_exact(lines) == 2


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes("".join(lines).encode("utf-8", "surrogateescape"))
    return path


def _assert_same_check(path: Path, batch_size: int) -> ColumnarEngine:
    """decide_jsonl gives the frames and summary the line-by-line reader gives."""
    arrow = ColumnarEngine(MESSAGE, at=AT)
    got = pl.concat(list(arrow.decide_jsonl(path, batch_size)))
    lines = ColumnarEngine(MESSAGE, at=AT)
    expected = pl.concat(list(lines.decide_nested(read_contacts(path, "jsonl"), batch_size)))
    assert got.to_dicts() == expected.to_dicts()
    assert arrow.summary.to_dict() == lines.summary.to_dict()
    assert arrow.stats.rows == lines.stats.rows
    return arrow


@pytest.mark.parametrize(("batch_size", "share"), [(1, 0.3), (7, 0.3), (64, 0.05), (8192, 0.3)])
def test_a_check_reads_the_same_with_arrow_and_line_by_line(
    tmp_path: Path, batch_size: int, share: float
) -> None:
    rng = random.Random(batch_size)  # noqa: S311 - test data
    contacts = _mutated(_nested(300, seed=11), 11, share)
    for contact in contacts:
        if rng.random() < share:
            _awkward(rng, contact)
    lines = _lines(contacts, rng)
    # Lines that are errors or that Arrow would read otherwise, and blank lines.
    for odd in (
        "\n",
        "   \n",
        '{"id": "x1"} {"id": "x2"}\n',
        "not json\n",
        '\ufeff{"id": "x3"}\n',
        '{"id": "\\ud800"}\n',
        '{"id": "x4\udcff"}\n',
        "[1, 2]\n",
        '{"id": "x5", "id": "x6"}\n',
    ):
        lines.insert(rng.randrange(len(lines)), odd)
    engine = _assert_same_check(_write(tmp_path / "list.jsonl", lines), batch_size)
    assert engine.stats.arrow_batches > 0
    if batch_size == 8192:  # one batch: Arrow reads the lines around the odd ones
        assert engine.stats.line_batches == 0


_line = st.one_of(
    _shaped.map(lambda v: json.dumps(v) + "\n"),
    st.sampled_from(["{}\n", '{"id": "x"}\n', "\n", "null\n", '{"id": null}\n', "not json\n"]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_line, min_size=1, max_size=12), st.integers(1, 5), st.integers(0, 10**6))
def test_a_check_of_any_lines_reads_the_same_with_arrow_and_line_by_line(
    tmp_path_factory: Any, odd: list[str], batch_size: int, seed: int
) -> None:
    """Arbitrary JSON values (and lines with no value but braces: an object without a
    fact is a row too) among contacts: every row is in the output, in its place."""
    rng = random.Random(seed)  # noqa: S311 - test data
    lines = _lines(_nested(8, seed=seed), rng)
    for line in odd:
        lines.insert(rng.randrange(len(lines) + 1), line)
    path = _write(tmp_path_factory.mktemp("lines") / "list.jsonl", lines)
    _assert_same_check(path, batch_size)


def test_lines_of_objects_without_a_fact_keep_their_rows(tmp_path: Path) -> None:
    """Once, a batch of such lines left the engine a frame without columns, and so
    without rows (it crashed)."""
    path = _write(tmp_path / "empty.jsonl", ["{}\n", "{}\n", '{"id": "a"}\n'])
    for batch_size in (1, 2, 8192):
        engine = _assert_same_check(path, batch_size)
        assert engine.stats.rows == 3


def test_arrow_is_no_longer_tried_on_a_file_it_cannot_read(tmp_path: Path, monkeypatch: Any) -> None:
    """Flags written as text ("false"): Arrow refuses every line. It is tried on two
    batches, then the file is read line by line (each refused batch costs readings for
    nothing)."""
    from dialoglaw.io import arrow_json

    calls: list[int] = []
    real = arrow_json.arrow_flat_rows

    def counted(lines: Any) -> Any:
        calls.append(len(lines))
        return real(lines)

    monkeypatch.setattr(arrow_json, "arrow_flat_rows", counted)
    consent = {
        "id": "k",
        "channels": ["email"],
        "granted_at": "2024-01-01T10:00:00+01:00",
        "method": "double_opt_in",
        "senders": ["ACME Kaffee GmbH"],
    }
    lines = [
        json.dumps(
            {"id": f"c{i}", "email": f"a{i}@example.de", "no_ads_sticker": "false", "consents": [consent]}
        )
        + "\n"
        for i in range(50)
    ]
    engine = _assert_same_check(_write(tmp_path / "ages.jsonl", lines), 10)
    assert calls == [10, 10]
    assert (engine.stats.arrow_batches, engine.stats.line_batches) == (0, 5)


def test_the_example_list_is_read_by_arrow_alone(tmp_path: Path) -> None:
    path = Path(__file__).resolve().parent.parent / "examples" / "campaign.jsonl"
    engine = _assert_same_check(path, 1000)
    assert (engine.stats.arrow_batches, engine.stats.line_batches) == (3, 0)
    assert "JSON Lines: 3 batches read by Arrow, 0 line by line" in engine.describe()
