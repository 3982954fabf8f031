"""A Griffe extension: render pottery's plain-text docstrings as Markdown.

pottery's docstrings follow the stdlib's style, not a Markdown dialect: their
examples are bare ``>>>`` blocks (which Markdown would read as nested block
quotes) and cross-references are reST roles (``:class:`Redlock```).  On load,
this extension fences every doctest block as ``pycon`` and turns each role
into inline code, so the API reference shows the docstrings as written
without anyone writing them twice.  ``mkdocs.yml`` loads it by path.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

# :class:`~pottery.exceptions.KeyExistsError` -> `KeyExistsError`;
# :meth:`Redlock.acquire` -> `Redlock.acquire`.
ROLE = re.compile(r':(?:class|func|meth|mod|exc|data|attr|obj):`(~?)([^`]+)`')


def inline_code(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f'`{target.rsplit(".", 1)[-1] if tilde else target}`'


def fence_doctests(text: str) -> str:
    """Wrap each run of doctest lines (a ``>>>`` line up to the next blank line) in a fence."""
    out: list[str] = []
    indent: str | None = None  # the open block's indentation, None outside a block
    for line in text.splitlines():
        stripped = line.lstrip()
        if indent is None and stripped.startswith('>>>'):
            indent = line[: len(line) - len(stripped)]
            out.append(f'{indent}```pycon')
        elif indent is not None and not stripped:
            out.append(f'{indent}```')
            indent = None
        out.append(line)
    if indent is not None:
        out.append(f'{indent}```')
    return '\n'.join(out)


class DoctestFences(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(ROLE.sub(inline_code, obj.docstring.value))
