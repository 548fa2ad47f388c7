"""Decisions: per-channel verdicts with their legal ground, bars, duties and sources.

Decisions are data first: every finding has a stable ``code``, the ``citation`` valid at
the send time, the ``rule_id`` that produced it and the ``ctx`` values that fill its
message. Prose comes second, through :meth:`Finding.render` and :meth:`Decision.explain`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from dialoglaw.channels import Audience, Channel, Purpose
from dialoglaw.citations import Citation, Lang
from dialoglaw.messages import render_message
from dialoglaw.retention import Retention

__all__ = ["Decision", "Finding", "Status", "Verdict", "build"]

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def build(cls: type[M], values: dict[str, Any]) -> M:
    """Construct a trusted output model without validation, as ``model_construct`` does
    but several times faster. ``values`` must hold every field of ``cls``; the engine is
    the only caller, and a test checks the result equals ``model_construct``'s.

    Every model built for ``cls`` shares one set of its set fields (all of them): a set
    of five to nine names takes 728 bytes, and a decision of eight verdicts held about
    14 of them (8.5 of the 14.8 kB a decision kept in memory weighed), each also a
    container the garbage collector walks while decisions are kept. The output models
    are frozen, so pydantic never adds to the set in place; ``model_copy`` and ``copy``
    give the copy a set of its own."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    fields = _FIELDS_SET.get(cls)
    if fields is None:
        fields = _FIELDS_SET[cls] = set(cls.model_fields)
    _set(obj, "__pydantic_fields_set__", fields)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


_FIELDS_SET: dict[type[BaseModel], set[str]] = {}


class Status(StrEnum):
    """The outcome for one channel: permitted, suppressed or review."""

    PERMITTED = "permitted"
    SUPPRESSED = "suppressed"
    REVIEW = "review"


class Finding(BaseModel):
    """One legal finding: a ground, a bar, a warning, an obligation or an open question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    rule_id: str
    citation: Citation | None = Field(
        default=None, description="None only for factual findings (e.g. no contact point)."
    )
    authorities: tuple[Citation, ...] = ()
    ctx: Mapping[str, Any] = Field(default_factory=dict)

    @property
    def message(self) -> str:
        """The finding as one English sentence."""
        return render_message(self.code, self.ctx, "en")

    def render(self, lang: Lang = "en", *, with_citation: bool = True) -> str:
        text = render_message(self.code, self.ctx, lang)
        if with_citation and self.citation is not None:
            text += f" [{self.citation.render(lang)}]"
        return text

    def __hash__(self) -> int:
        return hash((self.code, self.rule_id, self.citation, tuple(sorted(map(repr, self.ctx.items())))))


class Verdict(BaseModel):
    """Whether one channel may be used, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    status: Status
    ground: Finding | None = None
    reasons: tuple[Finding, ...] = ()
    questions: tuple[Finding, ...] = Field(
        default=(), description="Unsettled questions (code unsettled_law) behind a review."
    )
    warnings: tuple[Finding, ...] = ()
    obligations: tuple[Finding, ...] = ()
    consent_id: str | None = None

    @property
    def permitted(self) -> bool:
        return self.status is Status.PERMITTED

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes (bars) of this verdict."""
        return tuple(f.code for f in self.reasons)

    def explain(self, lang: Lang = "en") -> str:
        label = _STATUS_LABEL[lang][self.status]
        lines = [f"{self.channel.value}: {label}"]
        if self.ground is not None:
            lines.append(f"  + {self.ground.render(lang)}")
        lines.extend(f"  - {f.render(lang)}" for f in self.reasons)
        lines.extend(f"  ? {f.render(lang)}" for f in self.questions)
        lines.extend(f"  ! {f.render(lang)}" for f in self.warnings)
        lines.extend(f"  > {f.render(lang)}" for f in self.obligations)
        return "\n".join(lines)


_STATUS_LABEL: Mapping[str, Mapping[Status, str]] = {
    "en": {Status.PERMITTED: "permitted", Status.SUPPRESSED: "suppressed", Status.REVIEW: "review"},
    "de": {Status.PERMITTED: "zulässig", Status.SUPPRESSED: "gesperrt", Status.REVIEW: "prüfen"},
}


class Decision(BaseModel):
    """All verdicts for one contact, one message and one send time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str
    at: datetime
    jurisdiction: str
    ruleset: str
    audience: Audience = Field(description="The audience the rules were applied for.")
    purpose: Purpose
    sender: str
    verdicts: tuple[Verdict, ...]
    retention: tuple[Retention, ...] = Field(
        default=(),
        description="Proof retention for each consent relied on, as if sent now (the send is a use).",
    )

    def __getitem__(self, channel: Channel | str) -> Verdict:
        wanted = Channel(channel)
        for verdict in self.verdicts:
            if verdict.channel is wanted:
                return verdict
        raise KeyError(wanted.value)

    def __iter__(self) -> Iterator[Verdict]:  # type: ignore[override]
        return iter(self.verdicts)

    @property
    def permitted(self) -> frozenset[Channel]:
        return frozenset(v.channel for v in self.verdicts if v.status is Status.PERMITTED)

    @property
    def review(self) -> frozenset[Channel]:
        return frozenset(v.channel for v in self.verdicts if v.status is Status.REVIEW)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding of every verdict (grounds and bars alike)."""
        out: list[Finding] = []
        for v in self.verdicts:
            if v.ground is not None:
                out.append(v.ground)
            out.extend((*v.reasons, *v.questions, *v.warnings, *v.obligations))
        return tuple(out)

    def select(self, preference: Iterable[Channel | str]) -> Channel | None:
        """The first channel of ``preference`` that is permitted, or None."""
        allowed = self.permitted
        for channel in preference:
            if Channel(channel) in allowed:
                return Channel(channel)
        return None

    def explain(self, lang: Lang = "en") -> str:
        """A readable account of the decision, in English (``en``) or German (``de``)."""
        if lang == "de":
            head = (
                f"Entscheidung für Kontakt {self.contact_id} am {self.at.isoformat()} "
                f"({self.jurisdiction}, Regelwerk {self.ruleset}; Absender {self.sender}, "
                f"Zweck {self.purpose.value}, Zielgruppe {self.audience.value})"
            )
        else:
            head = (
                f"Decision for contact {self.contact_id} at {self.at.isoformat()} "
                f"({self.jurisdiction}, ruleset {self.ruleset}; sender {self.sender}, "
                f"purpose {self.purpose.value}, audience {self.audience.value})"
            )
        return "\n".join([head, *(v.explain(lang) for v in self.verdicts)])

    def to_json(self, *, indent: int | None = None) -> str:
        return self.model_dump_json(indent=indent)

    def __str__(self) -> str:
        rows = [("channel", "status", "ground / reasons", "citation")]
        for v in self.verdicts:
            findings: Sequence[Finding] = [v.ground] if v.ground is not None else [*v.reasons, *v.questions]
            if not findings:
                rows.append((v.channel.value, v.status.value, "", ""))
            for i, f in enumerate(findings):
                rows.append(
                    (
                        v.channel.value if i == 0 else "",
                        v.status.value if i == 0 else "",
                        _short(f),
                        f.citation.de if f.citation else "",
                    )
                )
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        head = f"Decision {self.contact_id} @ {self.at.isoformat()} [{self.ruleset}]"
        body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        return "\n".join([head, *body])

    def _repr_html_(self) -> str:
        esc = html.escape
        out = [
            "<table><caption>",
            esc(f"{self.contact_id} @ {self.at.isoformat()} · {self.ruleset}"),
            "</caption><thead><tr><th>channel</th><th>status</th><th>ground / reasons</th>"
            "<th>citation</th></tr></thead><tbody>",
        ]
        colour = {
            Status.PERMITTED: "#1a7f37",
            Status.SUPPRESSED: "#cf222e",
            Status.REVIEW: "#9a6700",
        }
        for v in self.verdicts:
            findings = [v.ground] if v.ground is not None else [*v.reasons, *v.questions]
            text = "<br>".join(esc(f.message) for f in findings)
            cites = "<br>".join(esc(f.citation.de) if f.citation else "" for f in findings)
            out.append(
                f"<tr><td>{esc(v.channel.value)}</td>"
                f'<td style="color:{colour[v.status]}"><b>{esc(v.status.value)}</b></td>'
                f"<td>{text}</td><td>{cites}</td></tr>"
            )
        out.append("</tbody></table>")
        return "".join(out)


def _short(f: Finding) -> str:
    extra = f.ctx.get("condition") or f.ctx.get("question")
    return f"{f.code} ({extra})" if extra else f.code
