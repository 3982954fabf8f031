"""Run README.md's examples as doctests, section by section.

The README sets up its client with ``Redis.from_url('redis://localhost:6379/')``
as the spec writes it; here that URL (and ``$REDIS_URL``, which the default
client reads) points at a server we started instead, so that examples run
verbatim without touching anybody's Redis on port 6379.
"""

from __future__ import annotations

import doctest
import os
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / 'README.md'
SPEC_URL = 'redis://localhost:6379/'
SETUP_SECTION = 'Usage'


def sections(path: Path = README) -> dict[str, str]:
    """The README's ``## `` sections that hold examples, by title, in order."""
    parts = re.split(r'^## ', path.read_text(), flags=re.MULTILINE)[1:]
    found = {}
    for part in parts:
        title, _, text = part.partition('\n')
        if '>>>' in text:
            found[title.strip()] = text
    return found


def run_section(title: str, url: str, *, verbose: bool = False, path: Path = README) -> doctest.TestResults:
    """Run one section's examples (after the client set-up) against ``url``."""
    os.environ['REDIS_URL'] = url
    texts = sections(path)
    setup = texts[SETUP_SECTION].split('## ')[0]
    source = setup if title == SETUP_SECTION else setup + '\n' + texts[title]
    source = source.replace(SPEC_URL, url)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, {}, f'README.md: {title}', str(path), 0)
    runner = doctest.DocTestRunner(verbose=verbose, optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=verbose)
