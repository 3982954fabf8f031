"""Run the documentation's examples as doctests.

The README's examples run section by section (``make demo`` reports each
section; ``tests/test_readme.py`` tests each).  The README sets up its client
with ``Redis.from_url('redis://localhost:6379/')`` as the spec writes it;
here that URL (and ``$REDIS_URL``, which the default client reads) points at
a server we started instead, so that examples run verbatim without touching
anybody's Redis on port 6379.

The pages under docs/ (``tests/test_docs.py``) are run whole, with
``redis`` bound to a client of the test server.
"""

from __future__ import annotations

import doctest
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / 'README.md'
DOCS = ROOT / 'docs'
SPEC_URL = 'redis://localhost:6379/'
SETUP_SECTION = 'Usage'


def sections(path: Path = README) -> dict[str, tuple[int, str]]:
    """The README's ``## `` sections that hold examples: title -> (0-based line of the text, text)."""
    found: dict[str, tuple[int, str]] = {}
    title, start, lines = None, 0, path.read_text().splitlines(keepends=True)
    for number, line in enumerate([*lines, '## end\n']):
        if line.startswith('## '):
            text = ''.join(lines[start:number])
            if title is not None and '>>>' in text:
                found[title] = (start, text)
            title, start = line[3:].strip(), number + 1
    return found


def pages() -> list[Path]:
    """The pages under docs/ that hold examples."""
    return sorted(page for page in DOCS.rglob('*.md') if '>>>' in page.read_text())


def run_examples(
    text: str, name: str, globs: dict[str, Any], *, path: Path, out: Callable[[str], object] | None = None
) -> doctest.TestResults:
    """Run every ``>>>`` example in ``text`` as one doctest; report failures to ``out`` (default stdout)."""
    test = doctest.DocTestParser().get_doctest(text, globs, name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=out)
    return doctest.TestResults(runner.failures, runner.tries)


def run_section(
    title: str, url: str, *, path: Path = README, out: Callable[[str], object] | None = None
) -> doctest.TestResults:
    """Run one README section's examples, after the client set-up, against ``url``.

    Failures name the README's own line numbers.
    """
    os.environ['REDIS_URL'] = url
    found = sections(path)
    globs: dict[str, Any] = {}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for name in dict.fromkeys([SETUP_SECTION, title]):
        lineno, text = found[name]
        test = doctest.DocTestParser().get_doctest(
            text.replace(SPEC_URL, url), globs, f'{path.name}: {name}', str(path), lineno
        )
        runner.run(test, out=out, clear_globs=False)
        globs = test.globs  # the section runs in the namespace the set-up left
    return doctest.TestResults(runner.failures, runner.tries)
