"""The suite's servers: which one runs (Redis or Valkey), and tests that need a feature of it."""

from __future__ import annotations

import pytest

from tests.servers import ServerInfo, server_kind


def test_the_servers_are_the_ones_asked_for(server_info: ServerInfo) -> None:
    # POTTERY_TEST_SERVER=valkey (make test-valkey) must not quietly test Redis
    assert server_info.name == server_kind()
    assert server_info.version >= (7, 0)


def test_at_least_compares_versions_per_server() -> None:
    valkey9, redis70 = ServerInfo('valkey', (9, 0, 1)), ServerInfo('redis', (7, 0, 15))
    assert valkey9.at_least(redis='7.4', valkey='9.0')
    assert not valkey9.at_least(redis='7.4', valkey='9.1')
    assert not valkey9.at_least(redis='7.4')  # not listed: not enough
    assert not redis70.at_least(redis='7.4', valkey='9.0')
    assert redis70.at_least(redis='7')
    assert str(valkey9) == 'valkey 9.0.1'


@pytest.mark.requires_server(redis='99', valkey='99')
def test_a_test_needing_a_newer_server_is_skipped() -> None:
    pytest.fail('requires_server let a test run on a server older than it asks for')
