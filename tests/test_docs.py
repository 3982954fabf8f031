"""Every code example on the documentation site runs, as a doctest.

The site (``make docs``) is the pages under docs/, the README (its tutorial,
run section by section by tests/test_readme.py), and the API reference,
which shows the docstrings of every module in pottery.  Pages and docstrings
get ``redis``, a client of the test server (flushed before each page and
each docstring); a page that names ``m1`` gets ``m1`` ... ``m5``, clients of
five independent masters, and one that names ``caching_redis`` a client of
the test server that caches reads (the ``caching`` fixture).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import redis as redis_py

import pottery
from tests.examples import DOCS, ROOT, pages, run_examples

MODULES = sorted(info.name for info in pkgutil.walk_packages(pottery.__path__, 'pottery.'))


@pytest.mark.parametrize('page', pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_page_examples(page: Path, redis: redis_py.Redis, request: pytest.FixtureRequest) -> None:
    text = page.read_text()
    globs: dict[str, object] = {'redis': redis}
    if re.search(r'\bcaching_redis\b', text):
        globs['caching_redis'] = request.getfixturevalue('caching')
    if re.search(r'\bm1\b', text):
        masters = request.getfixturevalue('masters')
        globs |= {f'm{number}': client for number, client in enumerate(masters, 1)}
    result = run_examples(text, str(page.relative_to(ROOT)), globs, path=page)
    assert result.failed == 0, f'{result.failed} example(s) failed in {page.name}'


@pytest.mark.parametrize('name', MODULES)
def test_docstring_examples(name: str, redis: redis_py.Redis) -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(importlib.import_module(name), extraglobs={'redis': redis}):
        redis.flushdb()
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def documented_modules() -> set[str]:
    """The modules the API reference renders: one ``::: pottery.x`` directive per page under docs/api/.

    A package's page covers its submodules: it renders what the package
    exports (``pottery.asyncio`` re-exports its submodules' classes, as
    ``redis.asyncio`` does).
    """
    names = set()
    for page in (DOCS / 'api').glob('*.md'):
        for name in re.findall(r'^::: (\S+)', page.read_text(), flags=re.MULTILINE):
            names |= {module for module in MODULES if module == name or module.startswith(f'{name}.')}
    return names


def test_every_module_has_an_api_page() -> None:
    missing = sorted(set(MODULES) - documented_modules())
    assert not missing, f'add docs/api/<name>.md holding "::: <module>" and list it in mkdocs.yml, for {missing}'


def test_every_page_is_in_the_nav() -> None:
    # mkdocs reports a page missing from the nav only at INFO level, which
    # --strict lets through: such a page would be built but unreachable.
    listed = set(re.findall(r'^\s*- (?:[^:\n]+: )?(\S+\.md)$', (ROOT / 'mkdocs.yml').read_text(), flags=re.MULTILINE))
    assert {str(page.relative_to(DOCS)) for page in DOCS.rglob('*.md')} == listed
