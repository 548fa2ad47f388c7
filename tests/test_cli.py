"""The ``dialoglaw`` command, run end to end in a subprocess as a user would run it.

Exit codes: 0 success, 1 some input rows were invalid, 2 usage or file errors (with a
one-line message on stderr, never a traceback).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dialoglaw import Channel, Contact, Message, decide
from dialoglaw.batch import RowError
from dialoglaw.cli import build_parser
from dialoglaw.io import read_contacts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CAMPAIGN_CSV = EXAMPLES / "campaign.csv"
CAMPAIGN_JSONL = EXAMPLES / "campaign.jsonl"
MESSAGE_FILE = EXAMPLES / "message.json"
AT = "2026-11-23T10:00:00+01:00"
SEND = ["--message", str(MESSAGE_FILE), "--at", AT]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``dialoglaw ARGS`` in a fresh interpreter of this environment."""
    return subprocess.run(
        [sys.executable, "-m", "dialoglaw.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def printed_counts(stdout: str) -> dict[str, tuple[int, int, int]]:
    """The channel table of ``dialoglaw check``: channel → (permitted, suppressed, review)."""
    table = re.compile(r"^(\w+)\s+(\d+)\s+(\d+)\s+(\d+)$")
    counts = {}
    for line in stdout.splitlines():
        match = table.match(line)
        if match and match.group(1) in {c.value for c in Channel}:
            counts[match.group(1)] = (int(match.group(2)), int(match.group(3)), int(match.group(4)))
    return counts


@functools.cache
def expected_counts(path: Path) -> dict[str, tuple[int, int, int]]:
    """The same table computed with ``dialoglaw.decide``, contact by contact."""
    message = Message.model_validate(json.loads(MESSAGE_FILE.read_text(encoding="utf-8")))
    at = datetime.fromisoformat(AT)
    statuses: Counter[tuple[str, str]] = Counter()
    for item in read_contacts(path):
        assert not isinstance(item, RowError), item
        for verdict in decide(Contact.model_validate(item), message, at=at):
            statuses[verdict.channel.value, verdict.status.value] += 1
    return {
        c.value: (
            statuses[c.value, "permitted"],
            statuses[c.value, "suppressed"],
            statuses[c.value, "review"],
        )
        for c in Channel
    }


def write_bad_csv(path: Path) -> None:
    path.write_text(
        "id,audience,email\n"
        "ok-1,consumer,ok@example.de\n"
        "bad-1,consumer,nobody.example.de\n"
        "ok-2,business,info@firma.example.com\n"
        "bad-2,Verbraucher,x@example.de\n",
        encoding="utf-8",
    )


# -- check ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_check_prints_the_permitted_counts_dialoglaw_decide_gives(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"decisions.{fmt}"
    summary = tmp_path / "summary.json"
    done = run("check", str(CAMPAIGN_CSV), *SEND, "--out", str(out), "--summary-json", str(summary))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert f"dialoglaw check: {CAMPAIGN_CSV} at {AT} for ACME Kaffee GmbH (advertising)" in done.stdout
    assert "contacts read: 3000    rows with errors: 0" in done.stdout
    assert f"decisions written to {out}" in done.stdout
    expected = expected_counts(CAMPAIGN_CSV)
    assert printed_counts(done.stdout) == expected
    # the decision file says the same, one row per contact, in input order
    if fmt == "csv":
        with out.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    else:
        rows = pq.read_table(out).to_pylist()
    assert [int(r["row"]) for r in rows] == list(range(1, 3001))
    for channel, (permitted, _, review) in expected.items():
        assert sum(r[f"{channel}_status"] == "permitted" for r in rows) == permitted
        assert sum(r[f"{channel}_status"] == "review" for r in rows) == review
    totals = json.loads(summary.read_text(encoding="utf-8"))
    assert totals["read"] == 3000
    assert {ch: counts["permitted"] for ch, counts in totals["channels"].items()} == {
        ch: counts[0] for ch, counts in expected.items()
    }


def test_check_gives_the_same_summary_for_the_jsonl_and_the_csv_list(tmp_path: Path) -> None:
    summaries = {}
    outputs = {}
    engines = {}
    for path in (CAMPAIGN_CSV, CAMPAIGN_JSONL):
        target = tmp_path / f"{path.suffix[1:]}.json"
        done = run("check", str(path), *SEND, "--summary-json", str(target), "--top", "50")
        assert done.returncode == 0, done.stderr
        summaries[path.suffix] = json.loads(target.read_text(encoding="utf-8"))
        # all but the lines naming the file and the engine
        outputs[path.suffix] = done.stdout.split("\n", 2)[2]
        engines[path.suffix] = done.stdout.split("\n", 2)[1]
    assert engines[".csv"].startswith("engine: columnar · 3,000 rows")
    assert engines[".jsonl"].startswith("engine: columnar · 3,000 rows")
    assert summaries[".csv"] == summaries[".jsonl"]
    assert summaries[".csv"]["errors"] == 0
    assert outputs[".csv"] == outputs[".jsonl"]


def test_check_with_two_workers_prints_what_one_worker_prints() -> None:
    one = run("check", str(CAMPAIGN_JSONL), *SEND, "--engine", "per-object")
    two = run("check", str(CAMPAIGN_JSONL), *SEND, "--engine", "per-object", "--workers", "2")
    assert one.returncode == two.returncode == 0, two.stderr
    assert two.stdout == one.stdout


def test_check_exits_1_when_rows_fail_and_0_with_no_fail_on_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    write_bad_csv(path)
    out = tmp_path / "decisions.csv"
    failed = run("check", str(path), *SEND, "--out", str(out))
    assert failed.returncode == 1, failed.stderr
    assert "contacts read: 4    rows with errors: 2" in failed.stdout
    assert "errors: invalid_input 2" in failed.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["contact_id"] for r in rows] == ["ok-1", "bad-1", "ok-2", "bad-2"]
    assert [r["error_field"] for r in rows] == ["", "email", "", "audience"]
    for row in rows[1::2]:  # a failed row is an error on every channel, never permitted
        assert {row[f"{c.value}_status"] for c in Channel} == {"error"}
    tolerated = run("check", str(path), *SEND, "--no-fail-on-errors")
    assert tolerated.returncode == 0, tolerated.stderr
    assert "rows with errors: 2" in tolerated.stdout


def test_check_exits_2_with_a_clear_message_for_a_missing_input_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    done = run("check", str(missing), *SEND)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"dialoglaw: error: Cannot read {missing}: no such file.\n"


def test_check_exits_2_with_a_clear_message_for_a_bad_send_time() -> None:
    done = run("check", str(CAMPAIGN_CSV), "--message", str(MESSAGE_FILE), "--at", "23.11.2026 10:00")
    assert done.returncode == 2
    assert done.stderr == (
        "dialoglaw: error: --at must be an ISO 8601 date-time such as 2026-11-23T10:00:00+01:00, "
        "not '23.11.2026 10:00'.\n"
    )


def test_check_exits_2_for_a_missing_message_file(tmp_path: Path) -> None:
    done = run("check", str(CAMPAIGN_CSV), "--message", str(tmp_path / "nope.json"), "--at", AT)
    assert done.returncode == 2
    assert done.stderr.startswith("dialoglaw: error: Cannot read ")
    assert "Traceback" not in done.stderr


def test_check_exits_2_for_an_unknown_output_format(tmp_path: Path) -> None:
    done = run("check", str(CAMPAIGN_CSV), *SEND, "--out", str(tmp_path / "decisions.txt"))
    assert done.returncode == 2
    assert "unknown suffix .txt" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_exits_2_with_a_clear_message_for_an_unknown_channel() -> None:
    done = run("check", str(CAMPAIGN_CSV), *SEND, "--channels", "email,emial")
    assert "Traceback" not in done.stderr
    assert done.returncode == 2
    assert done.stderr.startswith("dialoglaw: error: ")
    assert "emial" in done.stderr


def test_check_exits_2_with_a_clear_message_for_an_output_file_it_cannot_write(tmp_path: Path) -> None:
    done = run("check", str(CAMPAIGN_CSV), *SEND, "--out", str(tmp_path / "no" / "such" / "dir" / "out.csv"))
    assert "Traceback" not in done.stderr
    assert done.returncode == 2
    assert done.stderr.startswith("dialoglaw: error: ")


def test_check_decides_only_the_channels_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "decisions.jsonl"
    done = run("check", str(CAMPAIGN_CSV), *SEND, "--channels", "email,sms", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert set(printed_counts(done.stdout)) == {"email", "sms"}
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert sorted(k for k in first if k.endswith("_status")) == ["email_status", "sms_status"]


# -- explain, rules, schema, retention --------------------------------------------------------


def test_explain_prints_one_contact_in_german() -> None:
    done = run("explain", str(CAMPAIGN_JSONL), *SEND, "--id", "c00004", "--lang", "de")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Entscheidung für Kontakt c00004 am {AT}")
    assert "email: zulässig" in done.stdout


def _rule_block(stdout: str, rule_id: str) -> str:
    blocks = stdout.split("\n\n")
    [block] = [b for b in blocks if b.startswith(f"{rule_id} ")]
    return block


def test_rules_in_2020_cite_the_consumer_call_under_its_old_number() -> None:
    done = run("rules", "--at", "2020-01-01")
    assert done.returncode == 0, done.stderr
    assert "§ 7 Abs. 2 Nr. 2 UWG" in done.stdout
    assert "§ 7 Abs. 2 Nr. 2 UWG" in _rule_block(done.stdout, "de.uwg.7.2.phone.consumer")
    assert "§ 7 Abs. 2 Nr. 1 UWG" not in done.stdout


def test_rules_in_2023_cite_the_consumer_call_under_its_new_number() -> None:
    done = run("rules", "--at", "2023-01-01")
    assert done.returncode == 0, done.stderr
    assert "§ 7 Abs. 2 Nr. 1 UWG" in done.stdout
    block = _rule_block(done.stdout, "de.uwg.7.2.phone.consumer")
    assert "§ 7 Abs. 2 Nr. 1 UWG" in block
    assert "Nr. 2" not in block


def test_rules_without_a_date_list_every_version() -> None:
    done = run("rules")
    assert done.returncode == 0, done.stderr
    block = _rule_block(done.stdout, "de.uwg.7.2.phone.consumer")
    assert "§ 7 Abs. 2 Nr. 2 UWG" in block
    assert "§ 7 Abs. 2 Nr. 1 UWG" in block


def test_rules_exit_2_for_a_bad_date() -> None:
    done = run("rules", "--at", "gestern")
    assert done.returncode == 2
    assert done.stderr.startswith("dialoglaw: error: --at must be an ISO 8601 date-time")


@pytest.mark.parametrize("model", ["contact", "message", "policy"])
def test_schema_prints_valid_json_schema(model: str) -> None:
    done = run("schema", model)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["type"] == "object"
    assert "properties" in schema


def test_schema_defaults_to_the_contact() -> None:
    done = run("schema")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert {"id", "audience", "consents", "objections"} <= set(schema["properties"])


def test_retention_runs_on_the_example_list() -> None:
    done = run("retention", str(CAMPAIGN_JSONL), "--on", "2026-11-23")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    summary = lines[-1]
    assert summary.startswith("records: ")
    records = int(summary.split()[1])
    assert records == len(lines) - 1 > 0
    contacts = CAMPAIGN_JSONL.read_text(encoding="utf-8").splitlines()
    consents = sum(len(json.loads(line).get("consents", [])) for line in contacts)
    assert records >= consents
    assert all(len(line.split("\t")) == 5 for line in lines[:-1])


def test_retention_exits_2_for_a_bad_day() -> None:
    done = run("retention", str(CAMPAIGN_JSONL), "--on", "23.11.2026")
    assert done.returncode == 2
    assert done.stderr == "dialoglaw: error: --on must be a date YYYY-MM-DD, not '23.11.2026'.\n"


# -- help -------------------------------------------------------------------------------------


def _subcommands() -> list[str]:
    parser = build_parser()
    [action] = [a for a in parser._actions if a.dest == "command"]
    assert isinstance(action.choices, dict)
    return sorted(action.choices)


def test_the_subcommands_are_the_documented_five() -> None:
    assert _subcommands() == ["check", "explain", "retention", "rules", "schema"]


@pytest.mark.parametrize(
    "command", [[], *[[c] for c in ["check", "explain", "retention", "rules", "schema"]]]
)
def test_help_works_for_every_subcommand(command: list[str]) -> None:
    done = run(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: dialoglaw {' '.join(command)}".rstrip())
    assert done.stderr == ""


def test_the_console_script_is_installed_and_runs() -> None:
    script = shutil.which("dialoglaw", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and "retention" in done.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_both_engines_write_the_same_decision_files_for_a_list(tmp_path: Path, suffix: str) -> None:
    """``--engine columnar`` (the default) and ``--engine per-object`` write
    byte-identical CSV and JSON Lines and equal Parquet decision files, for flat (CSV,
    Parquet) and nested (JSON Lines) input."""
    source = tmp_path / "campaign.parquet"
    pq.write_table(_csv_as_table(), source)
    written = {}
    for engine in ("columnar", "per-object"):
        target = tmp_path / f"{engine}{suffix}"
        for given in (CAMPAIGN_CSV, source, CAMPAIGN_JSONL):
            done = run("check", str(given), *SEND, "--engine", engine, "--out", str(target), "--quiet")
            assert done.returncode == 0, done.stderr
            assert f"engine: {engine}" in done.stdout
            written[engine, given.suffix] = (
                pq.read_table(target).to_pylist() if suffix == ".parquet" else target.read_bytes()
            )
    for kind in (".csv", ".parquet", ".jsonl"):
        assert written["columnar", kind] == written["per-object", kind]


def _csv_as_table() -> pa.Table:
    with CAMPAIGN_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = list(rows[0])
    return pa.table(
        {n: [r[n] or None for r in rows] for n in names}, schema=pa.schema([(n, pa.string()) for n in names])
    )


def test_the_columnar_engine_decides_nested_only_contacts_and_bad_lines_as_the_per_object_engine(
    tmp_path: Path,
) -> None:
    """JSON Lines contacts the flat layout cannot hold exactly (a consent for two
    channels, two uses, an unknown field, padded text, a German date, a null the model
    rejects) and unreadable lines get exactly the per-object engine's rows, in place; a
    null the model reads as absent joins the projection."""
    lines = CAMPAIGN_JSONL.read_text(encoding="utf-8").splitlines()[:40]
    first = json.loads(lines[1])
    consent = {"id": "k", "granted_at": "2024-01-02T10:00:00+01:00", "method": "double_opt_in"}
    odd = [
        {**first, "consents": [{**consent, "channels": ["email", "sms"], "senders": ["ACME Kaffee GmbH"]}]},
        {
            **first,
            "consents": [
                {
                    **consent,
                    "channels": ["email"],
                    "senders": ["ACME Kaffee GmbH"],
                    "used_at": ["2024-02-01T10:00:00+01:00", "2030-01-01T10:00:00+01:00"],
                }
            ],
        },
        {**first, "newsletter": True},
        {**first, "email": " padded@example.de "},
        {**first, "relationship": {**first["relationship"], "obtained_at": "01.02.2019"}},
        {**first, "country": None},
    ]
    absent = {
        **first,
        "fax": None,
        "relationship": {**first["relationship"], "opt_out_notice_at_collection": None},
    }
    mixed = [*lines[:10], "", "{not json", "[1, 2]", *(json.dumps(o) for o in [*odd, absent]), *lines[10:]]
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    written = {}
    for engine in ("columnar", "per-object"):
        target = tmp_path / f"{engine}.jsonl"
        done = run("check", str(source), *SEND, "--engine", engine, "--out", str(target), "--quiet")
        assert done.returncode == 1, done.stderr  # the two bad lines are errors
        written[engine] = target.read_text(encoding="utf-8")
        if engine == "columnar":
            assert "engine: columnar · 49 rows" in done.stdout
            assert "· 8 rows decided one by one" in done.stdout  # six odd contacts, two bad lines
    assert written["columnar"] == written["per-object"]
    rows = [json.loads(line) for line in written["columnar"].splitlines()]
    assert [r["error_code"] for r in rows[10:12]] == ["invalid_json", "invalid_input"]


def test_a_batch_size_below_one_is_a_clear_error() -> None:
    done = run("check", str(CAMPAIGN_JSONL), *SEND, "--batch-size", "0")
    assert done.returncode == 2
    assert "--batch-size must be at least 1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_lone_surrogate_escape_in_json_lines_is_an_error_row_for_both_engines(tmp_path: Path) -> None:
    source = tmp_path / "surrogates.jsonl"
    lines = ['{"id": "a\\ud800b"}', '{"id": "pair \\ud83d\\ude00", "email": "x@example.de"}']
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written = {}
    for engine in ("columnar", "per-object"):
        target = tmp_path / f"{engine}.jsonl"
        done = run("check", str(source), *SEND, "--engine", engine, "--out", str(target), "--quiet")
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        written[engine] = target.read_text(encoding="utf-8")
    assert written["columnar"] == written["per-object"]
    first, second = (json.loads(line) for line in written["columnar"].splitlines())
    assert "unpaired surrogate" in first["error_message"]
    assert second["contact_id"] == "pair \U0001f600"


def test_workers_with_the_columnar_engine_is_said_not_silently_ignored() -> None:
    auto = run("check", str(CAMPAIGN_JSONL), *SEND, "--workers", "2", "--quiet")
    assert auto.returncode == 0, auto.stderr
    assert "--workers applies to --engine per-object" in auto.stderr
    assert "engine: columnar" in auto.stdout
    explicit = run("check", str(CAMPAIGN_JSONL), *SEND, "--engine", "columnar", "--workers", "2")
    assert explicit.returncode == 2
    assert "--workers applies to --engine per-object" in explicit.stderr
    quiet = run("check", str(CAMPAIGN_JSONL), *SEND, "--quiet")
    assert "--workers" not in quiet.stderr


@pytest.mark.parametrize("engine", ["columnar", "per-object"])
def test_check_leaves_the_callers_garbage_collector_settings_as_it_found_them(
    tmp_path: Path, engine: str
) -> None:
    """``check`` collects garbage less often while it runs (docs/performance.md); a caller
    of ``main()`` in the same process, a notebook say, keeps its own settings, also when
    the check fails."""
    import gc

    from dialoglaw.cli import main

    before = gc.get_threshold()
    gc.set_threshold(321, 9, 8)
    try:
        out = tmp_path / "decisions.jsonl"
        code = main(["check", str(CAMPAIGN_CSV), *SEND, "--engine", engine, "--out", str(out), "--quiet"])
        assert code == 0
        assert gc.get_threshold() == (321, 9, 8)
        directory = tmp_path / "a-directory.jsonl"
        directory.mkdir()
        failing = main(["check", str(CAMPAIGN_CSV), *SEND, "--engine", engine, "--out", str(directory)])
        assert failing == 2  # the output is a directory: the writer fails mid-check
        assert gc.get_threshold() == (321, 9, 8)
    finally:
        gc.set_threshold(*before)


# -- the command's own environment ------------------------------------------------------

_PROBE = """
import os, sys
import dialoglaw.cli as cli
seen = {}
def main(argv=None, out=None):
    seen["conf"] = os.environ.get("_RJEM_MALLOC_CONF")
    seen["polars loaded"] = "polars" in sys.modules
    return 0
cli.main = main
try:
    cli.console()
except SystemExit as done:
    print(seen["conf"], seen["polars loaded"], done.code)
"""


@pytest.mark.parametrize(("given", "expected"), [(None, "narenas:1"), ("narenas:3", "narenas:3")])
def test_the_command_sets_its_allocator_default_before_polars_loads_and_keeps_the_callers(
    given: str | None, expected: str
) -> None:
    """``dialoglaw`` asks polars' allocator for one arena (docs/performance.md: less
    memory kept); it is read when polars loads, and a caller's own setting wins."""
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if given is not None:
        env["_RJEM_MALLOC_CONF"] = given
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    assert done.stdout.split() == [expected, "False", "0"]


@pytest.mark.parametrize(("suffix", "coded"), [(".parquet", True), (".csv", False), (".jsonl", False)])
def test_check_hands_the_parquet_writer_dictionary_encoded_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, coded: bool
) -> None:
    """For a Parquet file the engine gives its verdicts dictionary-encoded (polars
    Categorical), which the writer takes as they are; text files get text."""
    import polars as pl

    import dialoglaw.io
    from dialoglaw.cli import main

    seen: list[bool] = []
    write_frames = dialoglaw.io.write_frames

    def spy(frames: Any, *args: Any, **kwargs: Any) -> Any:
        def watched() -> Any:
            for frame in frames:
                seen.append(frame.schema["email_status"] == pl.Categorical)
                yield frame

        return write_frames(watched(), *args, **kwargs)

    monkeypatch.setattr(dialoglaw.io, "write_frames", spy)
    target = tmp_path / f"out{suffix}"
    assert main(["check", str(CAMPAIGN_CSV), *SEND, "--out", str(target), "--quiet"], out=io.StringIO()) == 0
    assert seen and set(seen) == {coded}
    assert target.stat().st_size > 0
