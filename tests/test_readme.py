"""Every README example, verbatim, as a doctest against the test server."""

from __future__ import annotations

import pytest
import redis as redis_py

from tests.examples import run_section, sections
from tests.servers import RedisServer

# Sections whose examples sleep for many seconds, or (ContextTimer: the spec's
# examples, verbatim) assert a timing a loaded machine can miss.
SLOW = {'Redlock', 'ContextTimer'}


@pytest.mark.parametrize(
    'title', [pytest.param(title, marks=[pytest.mark.slow] if title in SLOW else []) for title in sections()]
)
def test_readme_section(title: str, redis_server: RedisServer, redis: redis_py.Redis) -> None:
    result = run_section(title, redis_server.url)
    assert result.attempted > 0
    assert result.failed == 0, f'{result.failed} README example(s) failed in section {title!r}'
