"""Counts a reviewer wants from a batch: per channel, statuses and reasons with citations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from dialoglaw.batch import BatchResult
from dialoglaw.channels import Channel
from dialoglaw.decision import Status, Verdict
from dialoglaw.engine import per_verdict

__all__ = ["Summary", "summarize"]

_PENDING_LIMIT = 16_384


class Summary:
    """Accumulates batch results in constant memory (only counters are kept)."""

    def __init__(self) -> None:
        self._read = 0
        self._errors = 0
        self._error_codes: Counter[str] = Counter()
        self._status: Counter[tuple[Channel, Status]] = Counter()
        self._reasons: Counter[tuple[Channel, str, str]] = Counter()
        self._channels: dict[Channel, None] = {}
        # Pattern summaries counted but not yet added in (see count_pattern): by id, the
        # summary (held, so that the id stays its own) and how many rows it stands for.
        self._pending: dict[int, list[Any]] = {}

    @property
    def read(self) -> int:
        """Rows counted."""
        return self._settled()._read

    @property
    def errors(self) -> int:
        """Rows that are errors."""
        return self._settled()._errors

    @property
    def error_codes(self) -> Counter[str]:
        """Error rows per error code."""
        return self._settled()._error_codes

    @property
    def status(self) -> Counter[tuple[Channel, Status]]:
        """Verdicts per channel and status."""
        return self._settled()._status

    @property
    def reasons(self) -> Counter[tuple[Channel, str, str]]:
        """Suppression and review findings per channel, code and citation."""
        return self._settled()._reasons

    @property
    def channels(self) -> dict[Channel, None]:
        """The channels seen, in the order first seen (a dict used as an ordered set)."""
        return self._settled()._channels

    def add(self, result: BatchResult, count: int = 1) -> None:
        """Count ``result``; ``count`` > 1 counts it for that many rows with the same
        verdicts (the columnar engine's fact patterns)."""
        self._read += count
        if result.error is not None or result.decision is None:
            self._errors += count
            self._error_codes[result.error.code if result.error else "unknown"] += count
            return
        status, reasons = self._status, self._reasons
        for verdict in result.decision.verdicts:
            self._channels.setdefault(verdict.channel)
            status[verdict.channel, verdict.status] += count
            if verdict.status is not Status.PERMITTED:
                for key in reason_keys(verdict):
                    reasons[key] += count

    def merge(self, other: Summary, times: int = 1) -> None:
        """Add the counts of ``other`` (as they are now), ``times`` over."""
        self._read += other.read * times
        self._errors += other.errors * times
        for counter, more in (
            (self._error_codes, other.error_codes),
            (self._status, other.status),
            (self._reasons, other.reasons),
        ):
            for key, n in more.items():
                counter[key] += n * times  # type: ignore[index]
        for channel in other.channels:
            self._channels.setdefault(channel)

    def count_pattern(self, pattern: Summary, times: int) -> None:
        """Count ``pattern`` (the summary of one fact pattern's decision, which must not
        change afterwards) for ``times`` more rows. The columnar engine counts each of
        its patterns once per batch; the counts are added in when they are read, or
        every few thousand patterns, so a pattern seen in many batches is added once."""
        entry = self._pending.get(id(pattern))
        if entry is None:
            self._pending[id(pattern)] = [pattern, times]
            if len(self._pending) > _PENDING_LIMIT:
                self._settled()
        else:
            entry[1] += times

    def _settled(self) -> Summary:
        if self._pending:
            pending, self._pending = self._pending, {}
            for pattern, times in pending.values():
                self.merge(pattern, times)
        return self

    def track(self, results: Iterable[BatchResult]) -> Iterator[BatchResult]:
        """Pass results through while counting them."""
        for result in results:
            self.add(result)
            yield result

    def permitted(self, channel: Channel) -> int:
        return self.status[channel, Status.PERMITTED]

    def top_reasons(self, n: int | None = None) -> list[tuple[tuple[Channel, str, str], int]]:
        """Reasons by count, ties in the order of the channels, then by code and citation,
        so that the ranking does not depend on the order rows were counted in (the
        engines count in different orders)."""
        order: dict[Channel, int] = {}
        for ch in (*self.channels, *Channel):
            order.setdefault(ch, len(order))
        ranked = sorted(self.reasons.items(), key=lambda kv: (-kv[1], order[kv[0][0]], kv[0][1], kv[0][2]))
        return ranked if n is None else ranked[:n]

    def top_errors(self) -> list[tuple[str, int]]:
        """Error codes by count, ties by code."""
        return sorted(self.error_codes.items(), key=lambda kv: (-kv[1], kv[0]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "errors": self.errors,
            "error_codes": dict(self.top_errors()),
            "channels": {ch.value: {s.value: self.status[ch, s] for s in Status} for ch in self.channels},
            "top_reasons": [
                {"channel": ch.value, "code": code, "citation": cite, "count": n}
                for (ch, code, cite), n in self.top_reasons()
            ],
        }

    def render(self, top: int = 10) -> str:
        lines = [f"contacts read: {self.read}    rows with errors: {self.errors}"]
        if self.error_codes:
            lines.append("  errors: " + ", ".join(f"{c} {n}" for c, n in self.top_errors()))
        lines.append(f"{'channel':<16}{'permitted':>10}{'suppressed':>12}{'review':>8}")
        lines.extend(
            f"{ch.value:<16}{self.status[ch, Status.PERMITTED]:>10}"
            f"{self.status[ch, Status.SUPPRESSED]:>12}{self.status[ch, Status.REVIEW]:>8}"
            for ch in self.channels
        )
        if self.reasons:
            lines.append(f"top {top} suppression and review reasons:")
            for (ch, code, cite), n in self.top_reasons(top):
                lines.append(f"  {n:>8}  {ch.value:<15} {code:<40} {cite}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def reason_keys(verdict: Verdict) -> tuple[tuple[Channel, str, str], ...]:
    """The reason counter's keys (channel, code, citation) of a verdict's reasons and
    questions; an unsettled question counts as ``unsettled_law:<question id>``."""
    return per_verdict(_REASON_KEYS, verdict, _reason_keys)


def _reason_keys(verdict: Verdict) -> tuple[tuple[Channel, str, str], ...]:
    return tuple(
        (
            verdict.channel,
            f.code if f.code != "unsettled_law" else f"unsettled_law:{f.ctx.get('question')}",
            f.citation.de if f.citation else "",
        )
        for f in (*verdict.reasons, *verdict.questions)
    )


# The keys of the shared verdicts, by identity (engine.per_verdict).
_REASON_KEYS: dict[int, tuple[tuple[Channel, str, str], ...]] = {}


def summarize(results: Iterable[BatchResult]) -> Summary:
    """Count ``results`` (consumes the iterable)."""
    summary = Summary()
    for result in results:
        summary.add(result)
    return summary
