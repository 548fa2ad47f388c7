"""Loader for the legal-case tables in ``cases/*.yaml``.

Each file holds ``defaults`` (contact, message, at, policy) and ``cases``. A case is named
as a sentence, cites its ``source`` (statute or decision) and states what it expects:

    - name: A consumer call without consent on the renumbering day cites the new number
      source: § 7 Abs. 2 Nr. 1 UWG; NOTES § 1.5 (renumbering on 28.05.2022)
      at: 2022-05-28T00:00:00+02:00
      contact: {consents: []}          # merged into the defaults (dicts deep, lists replaced)
      expect:
        phone: {status: suppressed, reasons: [no_express_consent], citation: § 7 Abs. 2 Nr. 1 UWG}
        permitted: [postal, leaflet]   # optional: exactly these channels are permitted

Per-channel keys: ``status``; ``ground``; ``reasons`` (exact set of bar codes);
``reasons_include`` (subset); ``citation`` (German rendering of the ground's citation, or
of the first reason's); ``citations`` (all reasons' citations, subset); ``questions``
(unsettled question ids, exact); ``conditions`` (failed § 7 Abs. 3 conditions, exact);
``obligations`` (codes, exact); ``warnings`` (codes, exact); ``consent_id``;
``retain_until`` (ISO date of the retain_consent_proof obligation). A case may instead
expect ``error: InputError`` (or another error class name) with an optional ``message``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CASES_DIR = Path(__file__).parent / "cases"

CHANNEL_KEYS = frozenset(
    {
        "status",
        "ground",
        "reasons",
        "reasons_include",
        "citation",
        "citations",
        "questions",
        "conditions",
        "obligations",
        "warnings",
        "consent_id",
        "retain_until",
    }
)
CASE_KEYS = frozenset(
    {"name", "source", "at", "contact", "message", "policy", "expect", "error", "message_error", "channels"}
)


@dataclass(frozen=True)
class LegalCase:
    file: str
    name: str
    source: str
    at: Any
    contact: dict[str, Any]
    message: dict[str, Any]
    policy: dict[str, Any] | None
    expect: dict[str, Any]
    error: str | None
    error_message: str | None


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(override)


def load_cases() -> list[LegalCase]:
    cases: list[LegalCase] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = doc.get("defaults", {})
        for raw in doc["cases"]:
            unknown = set(raw) - CASE_KEYS
            if unknown:
                raise ValueError(f"{path.name}: case {raw.get('name')!r} has unknown keys {sorted(unknown)}")
            if not raw.get("source"):
                raise ValueError(f"{path.name}: case {raw.get('name')!r} cites no source")
            expect = raw.get("expect", {})
            for key, value in expect.items():
                if key != "permitted" and isinstance(value, dict) and set(value) - CHANNEL_KEYS:
                    raise ValueError(
                        f"{path.name}: {raw['name']!r}: unknown keys {set(value) - CHANNEL_KEYS}"
                    )
            policy = raw.get("policy", defaults.get("policy"))
            cases.append(
                LegalCase(
                    file=path.name,
                    name=raw["name"],
                    source=raw["source"],
                    at=raw.get("at", defaults.get("at")),
                    contact=_merge(defaults.get("contact", {}), raw.get("contact", {})),
                    message=_merge(defaults.get("message", {}), raw.get("message", {})),
                    policy=policy,
                    expect=expect,
                    error=raw.get("error"),
                    error_message=raw.get("message_error"),
                )
            )
    return cases
