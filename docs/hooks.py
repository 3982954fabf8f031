"""MkDocs hooks (mkdocs.yml loads this file).

GitHub's Markdown reads ``\\|`` inside a table cell as a literal pipe, also
in a code span (`` `s \\| t` ``), which is how the pages write the set and
counter operators; Python-Markdown keeps the backslash inside code.  So that
both render ``s | t``, the backslash is dropped from code in table cells.
"""

from __future__ import annotations

import re
from typing import Any

CELL = re.compile(r'<t[dh]>.*?</t[dh]>', re.DOTALL)
CODE = re.compile(r'<code>.*?</code>', re.DOTALL)


def on_page_content(html: str, **kwargs: Any) -> str:
    def cell(match: re.Match[str]) -> str:
        return CODE.sub(lambda code: code.group(0).replace('\\|', '|'), match.group(0))

    return CELL.sub(cell, html)
