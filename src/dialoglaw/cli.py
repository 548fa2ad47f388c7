"""The ``dialoglaw`` command line.

Sub-commands: ``check`` (a campaign file against a message at a send time, with a
summary of permitted counts and top reasons), ``explain`` (decisions for contacts from a
JSON or JSON Lines file, in English or German), ``retention`` (which consent proofs to
keep, until when, on a day), ``rules`` (the coded law: every rule, its windows and
citations) and ``schema`` (JSON Schema of the input models). Exit codes: 0 success, 1 some input rows
were invalid, 2 usage or file errors.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from dialoglaw.errors import DialoglawError
from dialoglaw.validity import BERLIN

__all__ = ["main"]


class CliError(Exception):
    """A usage or file problem, reported without a traceback (exit code 2)."""


def _parse_at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(BERLIN)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        msg = f"--at must be an ISO 8601 date-time such as 2026-11-23T10:00:00+01:00, not {text!r}."
        raise CliError(msg) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=BERLIN)  # documented default zone for the command line
    return at


def _read_json_objects(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) for a JSON file (an object or a list) or JSON Lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = _loads(stripped, path, 1)
        yield from enumerate(data, start=1)
        return
    if stripped.startswith("{") and path.suffix == ".json":
        yield 1, _loads(stripped, path, 1)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, _loads(line, path, number)


def _loads(text: str, path: Path, line: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}:{line}: not valid JSON ({exc.msg}).") from None


def _load_message(args: argparse.Namespace) -> Any:
    from dialoglaw.facts import Message  # noqa: PLC0415 - keep --help fast

    if args.message:
        objects = list(_read_json_objects(Path(args.message)))
        if len(objects) != 1:
            raise CliError(f"{args.message}: expected one message object.")
        data = dict(objects[0][1])
    else:
        data = {}
    for field in ("sender", "purpose", "topic"):
        value = getattr(args, field, None)
        if value is not None:
            data[field] = value
    if "sender" not in data:
        raise CliError("Name the sender with --sender or in the --message file.")
    return Message.model_validate(data)


def _cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    from dialoglaw.engine import decide  # noqa: PLC0415
    from dialoglaw.facts import Contact  # noqa: PLC0415

    message = _load_message(args)
    at = _parse_at(args.at)
    failed = 0
    shown = 0
    for number, obj in _read_json_objects(Path(args.input)):
        if args.id and (not isinstance(obj, dict) or obj.get("id") not in args.id):
            continue
        try:
            decision = decide(Contact.model_validate(obj), message, at=at)
        except DialoglawError as exc:
            failed += 1
            print(f"{args.input}:{number}: {exc}", file=out)
            continue
        if shown:
            print(file=out)
        print(decision.explain(args.lang), file=out)
        shown += 1
    if args.id and not shown and not failed:
        raise CliError(f"No contact with id {', '.join(args.id)} in {args.input}.")
    return 1 if failed else 0


def _load_policy(path: str | None) -> Any:
    if path is None:
        return None
    from dialoglaw.policy import Policy  # noqa: PLC0415

    objects = list(_read_json_objects(Path(path)))
    if len(objects) != 1:
        raise CliError(f"{path}: expected one policy object.")
    return Policy.model_validate(objects[0][1])


def _progress(total_hint: int | None, enabled: bool) -> Any:
    """A rich progress bar when rich is installed and output is a terminal, else None."""
    if not enabled or not sys.stderr.isatty():
        return None
    try:
        from rich.progress import Progress  # noqa: PLC0415 - optional dependency
    except ImportError:
        return None
    return Progress(transient=True)


def _check_coverage(at: datetime) -> None:
    """A send time before the coded law is a usage error, not an error of every row."""
    from dialoglaw.registry import rulebook_for  # noqa: PLC0415

    book = rulebook_for("DE")
    day = at.astimezone(BERLIN).date()
    if day < book.coverage_from:
        start = book.coverage_from.isoformat()
        msg = f"--at {day.isoformat()} is before the coded law, which starts on {start}."
        raise CliError(msg)


def _cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from dialoglaw.channels import Channel  # noqa: PLC0415
    from dialoglaw.io.files import detect_format, read_contacts  # noqa: PLC0415
    from dialoglaw.summary import Summary  # noqa: PLC0415

    message = _load_message(args)
    at = _parse_at(args.at)
    policy = _load_policy(args.policy)
    try:
        channels = (
            tuple(Channel(c.strip()) for c in args.channels.split(",")) if args.channels else tuple(Channel)
        )
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise CliError(
            f"--channels must be a comma-separated list of {known}; not {args.channels!r}."
        ) from None
    _check_coverage(at)
    if not Path(args.input).is_file():
        raise CliError(f"Cannot read {args.input}: no such file.")
    if args.out:
        detect_format(args.out, args.format)  # a bad output name fails before the work
    # So do bad CSV options (or CSV options for another format): the readers refuse them
    # when called, and read nothing until iterated.
    read_contacts(args.input, args.input_format, delimiter=args.delimiter, encoding=args.encoding)
    if args.batch_size is not None and args.batch_size < 1:
        raise CliError(f"--batch-size must be at least 1; not {args.batch_size}.")
    engine = _engine_for(args)
    if engine == "columnar" and args.workers != 1:
        if args.engine == "columnar":
            raise CliError("--workers applies to --engine per-object; the columnar engine uses one process.")
        print(
            "dialoglaw: note: --workers applies to --engine per-object; the columnar engine ran "
            "in one process (polars uses every core).",
            file=sys.stderr,
        )
    summary = Summary()
    # A check makes many short-lived containers (a dict per JSON line, a tuple per fact
    # pattern) beside long-lived caches. Collecting the young generation every 50,000
    # allocations instead of every 700 makes a JSON Lines check about a tenth faster
    # (docs/performance.md); cycles are still collected.
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        if engine == "columnar":
            engine_line = _check_columnar(args, message, at, policy, channels, summary)
        else:
            engine_line = _check_per_object(args, message, at, policy, channels, summary)
    finally:
        gc.set_threshold(*thresholds)
    print(
        f"dialoglaw check: {args.input} at {at.isoformat()} for {message.sender} ({message.purpose.value})",
        file=out,
    )
    print(engine_line, file=out)
    print(summary.render(top=args.top), file=out)
    if args.out:
        print(f"decisions written to {args.out}", file=out)
    if args.summary_json:
        Path(args.summary_json).write_text(
            json.dumps(summary.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return 1 if summary.errors and args.fail_on_errors else 0


def _check_per_object(
    args: argparse.Namespace, message: Any, at: datetime, policy: Any, channels: Any, summary: Any
) -> str:
    from dialoglaw.batch import decide_many  # noqa: PLC0415
    from dialoglaw.io import read_contacts, write_results  # noqa: PLC0415

    rows = read_contacts(args.input, args.input_format, delimiter=args.delimiter, encoding=args.encoding)
    results = decide_many(rows, message, at=at, policy=policy, channels=channels, workers=args.workers)
    if args.out:
        results = write_results(results, args.out, args.format, channels)
    progress = _progress(None, not args.quiet)
    if progress is not None:
        with progress:
            task = progress.add_task("checking", total=None)
            for _ in summary.track(results):
                progress.advance(task)
    else:
        for _ in summary.track(results):
            pass
    return "engine: per-object"


def _engine_for(args: argparse.Namespace) -> str:
    """The columnar engine when polars is installed (JSON Lines contacts the flat layout
    cannot hold exactly go through the per-object engine inside it)."""
    if args.engine == "per-object":
        return "per-object"
    try:
        import polars  # noqa: F401, PLC0415
    except ImportError:
        if args.engine == "columnar":
            raise CliError("--engine columnar needs polars: pip install 'dialoglaw[columnar]'.") from None
        return "per-object"
    return "columnar"


def _check_columnar(
    args: argparse.Namespace, message: Any, at: datetime, policy: Any, channels: Any, summary: Any
) -> str:
    from dialoglaw.columnar import ColumnarEngine  # noqa: PLC0415
    from dialoglaw.io import (  # noqa: PLC0415
        read_flat_csv_batches,
        read_flat_parquet_batches,
        write_frames,
    )
    from dialoglaw.io.files import detect_format  # noqa: PLC0415

    # Verdicts for a Parquet file stay dictionary-encoded from the engine to the file.
    encoded = bool(args.out) and detect_format(args.out, args.format) == "parquet"
    engine = ColumnarEngine(
        message, at=at, policy=policy, channels=channels, summary=summary, categorical=encoded
    )
    fmt = detect_format(args.input, args.input_format)
    batch_size = args.batch_size or (6144 if fmt == "jsonl" else 65_536)
    if fmt == "parquet":
        frames: Any = (engine.decide_batch(b) for b in read_flat_parquet_batches(args.input, batch_size))
    elif fmt == "jsonl":
        frames = engine.decide_jsonl(args.input, batch_size=batch_size)
    else:
        rows = read_flat_csv_batches(args.input, batch_size, delimiter=args.delimiter, encoding=args.encoding)
        frames = engine.decide_items(rows, batch_size=batch_size)
    if args.out:
        frames = write_frames(frames, args.out, engine.columns, args.format)
    for _ in frames:
        pass
    return engine.describe()


def _cmd_retention(args: argparse.Namespace, out: TextIO) -> int:
    from dialoglaw.batch import RowError  # noqa: PLC0415
    from dialoglaw.facts import Contact  # noqa: PLC0415
    from dialoglaw.io import read_contacts  # noqa: PLC0415
    from dialoglaw.retention import retention_schedule  # noqa: PLC0415

    try:
        on = date.fromisoformat(args.on) if args.on else datetime.now(BERLIN).date()
    except ValueError:
        raise CliError(f"--on must be a date YYYY-MM-DD, not {args.on!r}.") from None
    contacts: list[Contact] = []
    failed = 0
    items = read_contacts(args.input, args.input_format, delimiter=args.delimiter, encoding=args.encoding)
    for number, item in enumerate(items, start=1):
        try:
            if isinstance(item, RowError):
                raise CliError(item.message)
            contacts.append(Contact.model_validate(item))
        except (CliError, DialoglawError) as exc:
            failed += 1
            print(f"row {number}: {exc}", file=sys.stderr)
    schedule = retention_schedule(contacts, on=on)
    counts: dict[str, int] = {}
    for row in schedule:
        counts[row.action] = counts.get(row.action, 0) + 1
        if not args.deletable_only or row.action == "may_delete":
            until = row.retain_until.isoformat() if row.retain_until else "while held/relied on"
            print(f"{row.contact_id}\t{row.record_id}\t{row.action}\t{until}\t{row.citation}", file=out)
    print(f"records: {len(schedule)}  " + "  ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=out)
    return 1 if failed and args.fail_on_errors else 0


# --delimiter: "tab" (or "\\t" as typed in a shell) for the tab; "auto" for the header's.
_DELIMITER_NAMES = {"auto": None, ",": ",", ";": ";", "tab": "\t", "\\t": "\t", "|": "|"}


def _csv_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--delimiter",
        type=_delimiter,
        default=None,
        metavar="{auto,',',';',tab,'|'}",
        help="CSV separator (default: auto, the header's: semicolons as German Excel saves them, or commas)",
    )
    parser.add_argument(
        "--encoding",
        default="utf-8",
        help="text encoding of a CSV file (default: utf-8; a plain 'CSV' that Excel saves on a German "
        "Windows is cp1252)",
    )


def _delimiter(text: str) -> str | None:
    if text not in _DELIMITER_NAMES:
        msg = f"must be auto, ',', ';', tab or '|'; not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return _DELIMITER_NAMES[text]


def _cmd_rules(args: argparse.Namespace, out: TextIO) -> int:
    from dialoglaw.registry import rulebook_for  # noqa: PLC0415

    book = rulebook_for(args.jurisdiction)
    day: date | None = None
    if args.at:
        day = _parse_at(args.at).astimezone(BERLIN).date()
    head = f"{book.name} ({book.jurisdiction}), ruleset {book.ruleset}, coded from {book.coverage_from}"
    print(head, file=out)
    for rule in book.rules:
        versions = [v for v in rule.versions if day is None or v.valid.contains_day(day)]
        if not versions:
            continue
        channels = ",".join(sorted(c.value for c in rule.channels))
        print(f"\n{rule.id}  [{rule.kind.value}: {rule.code}]  {channels}", file=out)
        print(f"  {rule.title}", file=out)
        for v in versions:
            line = f"  {v.valid!s:<26} {v.citation.render(args.lang)}"
            if v.question:
                line += f"  (unsettled: {v.question})"
            print(line, file=out)
    return 0


def _cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from dialoglaw import facts, policy  # noqa: PLC0415

    models: dict[str, type[facts.Fact]] = {
        "contact": facts.Contact,
        "message": facts.Message,
        "policy": policy.Policy,
    }
    schema = models[args.model].model_json_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False), file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialoglaw",
        description="Check direct-marketing permissions under German law (UWG §§ 7, 7a; GDPR).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    explain = sub.add_parser("explain", help="explain decisions for contacts in a JSON/JSONL file")
    explain.add_argument("input", help="a JSON object, a JSON list or JSON Lines of contacts")
    explain.add_argument("--id", action="append", help="only the contact with this id (repeatable)")
    explain.add_argument("--message", help="a JSON file describing the message")
    explain.add_argument("--sender", help="the advertiser (overrides the message file)")
    explain.add_argument("--purpose", choices=["advertising", "transactional", "feedback_request", "mixed"])
    explain.add_argument("--topic", help="product category advertised")
    explain.add_argument("--at", help="send time, ISO 8601 (default: now; no zone = Europe/Berlin)")
    explain.add_argument("--lang", choices=["en", "de"], default="en")
    explain.set_defaults(func=_cmd_explain)

    check = sub.add_parser("check", help="check a campaign list (JSONL, CSV, Parquet) before a send")
    check.add_argument("input", help="contacts: .jsonl (nested model), .csv or .parquet (flat layout)")
    check.add_argument("--message", help="a JSON file describing the message")
    check.add_argument("--sender", help="the advertiser (overrides the message file)")
    check.add_argument("--purpose", choices=["advertising", "transactional", "feedback_request", "mixed"])
    check.add_argument("--topic", help="product category advertised")
    check.add_argument("--at", help="send time, ISO 8601 (default: now; no zone = Europe/Berlin)")
    check.add_argument("--channels", help="comma-separated channels to decide (default: all eight)")
    check.add_argument("--policy", help="a JSON file with the organisation's Policy")
    check.add_argument("--out", help="write one decision row per contact to this file")
    check.add_argument(
        "--format", choices=["jsonl", "csv", "parquet"], help="output format (default: by suffix)"
    )
    check.add_argument(
        "--input-format", choices=["jsonl", "csv", "parquet"], help="input format (default: by suffix)"
    )
    _csv_options(check)
    check.add_argument(
        "--engine",
        choices=["auto", "columnar", "per-object"],
        default="auto",
        help="auto (default): the columnar engine when polars is installed",
    )
    check.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="rows per batch of the columnar engine (default 65536; 6144 for JSON Lines, whose "
        "lines take more memory while a batch is read and decided)",
    )
    check.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes of the per-object engine (--engine per-object; order is kept)",
    )
    check.add_argument("--top", type=int, default=10, help="how many top reasons to list")
    check.add_argument("--summary-json", help="also write the summary as JSON to this file")
    check.add_argument("--quiet", action="store_true", help="no progress bar")
    check.add_argument(
        "--fail-on-errors",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="exit 1 when rows failed validation (default: yes)",
    )
    check.set_defaults(func=_cmd_check)

    retention = sub.add_parser("retention", help="which consent proofs to keep, until when, on a day")
    retention.add_argument("input", help="contacts: .jsonl, .csv or .parquet")
    retention.add_argument("--on", help="the day, YYYY-MM-DD (default: today in Germany)")
    retention.add_argument("--input-format", choices=["jsonl", "csv", "parquet"])
    _csv_options(retention)
    retention.add_argument("--deletable-only", action="store_true", help="list only what may be deleted")
    retention.add_argument("--fail-on-errors", action=argparse.BooleanOptionalAction, default=True)
    retention.set_defaults(func=_cmd_retention)

    rules = sub.add_parser("rules", help="list the coded law: rules, windows, citations")
    rules.add_argument("--at", help="only the versions in force at this date-time")
    rules.add_argument("--jurisdiction", default="DE")
    rules.add_argument("--lang", choices=["en", "de"], default="de")
    rules.set_defaults(func=_cmd_rules)

    schema = sub.add_parser("schema", help="print the JSON Schema of an input model")
    schema.add_argument("model", nargs="?", choices=["contact", "message", "policy"], default="contact")
    schema.set_defaults(func=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args, stream)
    except (CliError, DialoglawError) as exc:
        print(f"dialoglaw: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        sys.stderr.close()
        return 0
    except OSError as exc:  # e.g. --out in a missing directory, or no permission
        print(
            f"dialoglaw: error: Cannot use {exc.filename or 'a file'}: {exc.strerror or exc}.",
            file=sys.stderr,
        )
        return 2
    return code


# polars' allocator (jemalloc) keeps memory it has freed for reuse, in eight arenas on
# two cores; with one arena it keeps far less, and on this machine it ran as fast or
# faster (docs/performance.md: a million Parquet rows peaked at 582-597 MB instead of
# 735-826 MB). jemalloc reads this when polars loads, so only the command sets it, before
# anything imports polars, and never over the caller's own setting.
_CONSOLE_ENVIRONMENT = {"_RJEM_MALLOC_CONF": "narenas:1"}


def console_environment() -> dict[str, str]:
    """The environment variables the ``dialoglaw`` command sets for itself (and its worker
    processes) before polars loads: those of its defaults the caller has not set."""
    return {name: value for name, value in _CONSOLE_ENVIRONMENT.items() if name not in os.environ}


def console() -> NoReturn:
    """The ``dialoglaw`` command: :func:`main` with :func:`console_environment` set."""
    os.environ.update(console_environment())
    raise SystemExit(main())


if __name__ == "__main__":  # pragma: no cover
    console()
