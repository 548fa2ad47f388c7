"""Griffe extension: turn the Sphinx roles of dialoglaw's docstrings into cross-references.

The docstrings use reStructuredText roles such as ``:class:`~dialoglaw.InputError``` and
``:meth:`Finding.render```. mkdocstrings reads Markdown, where a role would show up
verbatim. This extension rewrites each role into an *optional* autorefs reference: a
link when the target is rendered somewhere in the site, plain code otherwise, and never a
build warning. Targets are resolved like Sphinx does: as written, then relative to the
object and its parents, then relative to the package.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(class|func|meth|mod|data|attr|exc|obj):`(~?)([^`<>]+)`")
_CALLABLE = frozenset({"func", "meth"})


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring of the package."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        for obj in _walk(pkg):
            if obj.docstring is not None and ":" in obj.docstring.value:
                reference = functools.partial(_reference, obj=obj, loader=loader)
                obj.docstring.value = _ROLE.sub(reference, obj.docstring.value)


def _walk(obj: griffe.Object) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)  # type: ignore[arg-type]


def _reference(match: re.Match[str], obj: griffe.Object, loader: griffe.GriffeLoader) -> str:
    role, tilde, target = match.groups()
    target = target.strip()
    shown = target.rsplit(".", 1)[-1] if tilde else target
    if role in _CALLABLE:
        shown += "()"
    path = _resolve(target, obj, loader)
    if path is None:
        return f"`{shown}`"
    return f'<autoref identifier="{path}" optional>`{shown}`</autoref>'


def _resolve(target: str, obj: griffe.Object, loader: griffe.GriffeLoader) -> str | None:
    scopes: list[str] = [target]
    scope: griffe.Object | None = obj
    while scope is not None:
        scopes.append(f"{scope.path}.{target}")
        scope = scope.parent
    for path in scopes:
        try:
            found = loader.modules_collection[path]
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        return str(found.path)
    return None
