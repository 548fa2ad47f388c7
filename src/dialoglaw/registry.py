"""The jurisdiction registry.

Jurisdictions are registered by import path and loaded lazily on first use, so importing
dialoglaw loads no rulebook and the core never imports a jurisdiction. A jurisdiction
module exposes ``RULEBOOK``, a :class:`~dialoglaw.rules.Rulebook`.
"""

from __future__ import annotations

import importlib
import re
from functools import cache

from dialoglaw.errors import UnknownJurisdictionError
from dialoglaw.rules import Rulebook

__all__ = ["available_jurisdictions", "register_jurisdiction", "rulebook_for"]

_MODULES: dict[str, str] = {
    "DE": "dialoglaw.jurisdictions.de",
}
_CODE = re.compile(r"^[A-Z]{2}$")


def available_jurisdictions() -> tuple[str, ...]:
    """The codes of all registered jurisdictions, sorted."""
    return tuple(sorted(_MODULES))


def register_jurisdiction(code: str, module: str) -> None:
    """Register a jurisdiction package (e.g. a third-party ``AT`` rulebook)."""
    code = code.strip().upper() if isinstance(code, str) else code
    if not isinstance(code, str) or not _CODE.match(code):
        msg = f"A jurisdiction code must be two upper-case letters (ISO 3166), not {code!r}."
        raise UnknownJurisdictionError(msg)
    _MODULES[code] = module
    rulebook_for.cache_clear()


@cache
def rulebook_for(code: str) -> Rulebook:
    """The rulebook of jurisdiction ``code``, imported on first use."""
    key = code.strip().upper() if isinstance(code, str) else code
    if key not in _MODULES:
        known = ", ".join(available_jurisdictions())
        msg = f"No rules are coded for jurisdiction {key!r}; coded jurisdictions: {known}."
        raise UnknownJurisdictionError(msg)
    module = importlib.import_module(_MODULES[key])
    book = module.RULEBOOK
    if not isinstance(book, Rulebook) or book.jurisdiction != key:
        msg = f"Module {_MODULES[key]} does not define the rulebook of {key}."
        raise UnknownJurisdictionError(msg)
    return book
