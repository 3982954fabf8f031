"""Fixtures: real redis-server processes started by this test session.

* ``redis`` -- a client of one standalone server (flushed before each test);
  ``redis_decoded`` the same with ``decode_responses=True``; ``redis_unix``
  over a Unix socket.
* ``redis_cluster`` -- a client of a 6-node Redis Cluster (3 masters + 3
  replicas), started on first use and flushed before each test.
* ``masters`` -- five independent servers for Redlock/NextId, started on
  first use; before each test every one is running, unpaused and empty.
* ``round_trips`` -- ``with round_trips() as trips: ...; trips.count``.
* ``caching`` / ``caching_cluster`` -- clients of the standalone server / the
  cluster that cache reads (redis-py's client-side caching, RESP3).
* ``server_info`` -- the :class:`~tests.servers.ServerInfo` (name, version) of
  the servers the suite runs on.

``POTTERY_TEST_SERVER=valkey`` runs every server as ``valkey-server``
(``make test-valkey``).  A test that needs a server feature says so with
``@pytest.mark.requires_server(redis='7.4', valkey='9.0')``: it is skipped,
with the reason, on another server or an older version.

Tests marked ``slow`` (fault/soak tests, examples that sleep for seconds) run
only with ``--run-slow`` (``make test-all``).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis as redis_py
from hypothesis import HealthCheck, settings
from redis.cluster import RedisCluster

import pottery
from pottery.command import Script
from tests.fronts import ASYNC, SYNC, Api
from tests.servers import RedisServer, ServerCluster, ServerInfo, count_round_trips, server_binary, server_kind

# Nothing in the suite may fall back to a server it did not start.
os.environ['REDIS_URL'] = 'redis://127.0.0.1:1/0'

# Hypothesis' defaults are timing assertions: an example slower than 200 ms
# fails (or is reported flaky), and so does slow data generation.  On a
# loaded machine both happen to correct code.  Every test's own settings
# start from this profile (it is loaded before any test module is imported).
settings.register_profile('pottery', deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile('pottery')


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption('--run-slow', action='store_true', help='also run tests marked slow')


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line('markers', 'slow: long fault/soak test; runs only with --run-slow')
    config.addinivalue_line(
        'markers',
        "requires_server(redis='7.4', valkey='9.0'): skip unless the server is one of these at that version or newer",
    )


def pytest_report_header() -> str:
    return f'servers: {server_kind()} ({server_binary()})'


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption('--run-slow'):
        return
    skip = pytest.mark.skip(reason='slow: run with --run-slow (make test-all)')
    for item in items:
        if 'slow' in item.keywords:
            item.add_marker(skip)


def pottery_scripts() -> list[str]:
    """Every Lua script pottery's modules define as a module-level constant."""
    scripts = []
    for info in pkgutil.iter_modules(pottery.__path__):
        module = importlib.import_module(f'pottery.{info.name}')
        for value in vars(module).values():
            if isinstance(value, Script):
                scripts.append(value.lua)
            elif isinstance(value, str) and 'redis.call' in value:
                scripts.append(value)
    return scripts


def preload_scripts(client: Any) -> None:
    # A script's first EVALSHA on a server costs NOSCRIPT + SCRIPT LOAD + a
    # retry (and on a cluster, a SCRIPT LOAD on every node).  Round-trip
    # budget tests measure steady state, so load every script up front
    # rather than hoping each test's warm-up touched each script it uses.
    for lua in pottery_scripts():
        client.script_load(lua)


@pytest.fixture(scope='session')
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(unix_socket=True).start()
    with server.client() as client:
        preload_scripts(client)
    yield server
    server.stop()


@pytest.fixture(scope='session')
def server_info(redis_server: RedisServer) -> ServerInfo:
    """Name and version of the servers the suite runs on (all run the same binary)."""
    with redis_server.client() as client:
        return ServerInfo.of(client)


@pytest.fixture(autouse=True)
def _requires_server(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker('requires_server')
    if marker is None:
        return
    info: ServerInfo = request.getfixturevalue('server_info')
    if not info.at_least(**marker.kwargs):
        wanted = ' or '.join(f'{name} >= {version}' for name, version in marker.kwargs.items())
        pytest.skip(f'needs {wanted}; the suite runs on {info}')


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[redis_py.Redis]:
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def redis_decoded(redis_server: RedisServer) -> Iterator[redis_py.Redis]:
    client = redis_server.client(decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def redis_unix(redis_server: RedisServer) -> Iterator[redis_py.Redis]:
    client = redis_server.client(unix=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope='session')
def server_cluster() -> Iterator[ServerCluster]:
    cluster = ServerCluster().start()
    with cluster.client() as client:
        preload_scripts(client)
    yield cluster
    cluster.stop()


@pytest.fixture
def redis_cluster(server_cluster: ServerCluster) -> Iterator[RedisCluster]:
    server_cluster.flushall()
    client = server_cluster.client()
    yield client
    client.close()


@pytest.fixture(params=['standalone', 'cluster'])
def any_redis(request: pytest.FixtureRequest) -> Any:
    """Each test using it runs once on the standalone server, once on the cluster."""
    name = 'redis' if request.param == 'standalone' else 'redis_cluster'
    return request.getfixturevalue(name)


@pytest.fixture
def lift_cache_gate(server_info: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip('redis.cache', reason='client-side caching needs redis-py >= 5.1')
    # redis-py turns caching on only for a server that calls itself Redis >=
    # 7.4 ("to maximize compatibility with all Redis products"), and refuses
    # Valkey.  What it relies on -- RESP3 CLIENT TRACKING and invalidation
    # pushes -- is Redis 6's and Valkey's: on the servers this suite runs,
    # lift the gate (its two public class constants) instead of not testing.
    if not server_info.at_least(redis='7.4'):
        proxy = redis_py.connection.CacheProxyConnection
        monkeypatch.setattr(proxy, 'DEFAULT_SERVER_NAME', server_info.name)
        monkeypatch.setattr(proxy, 'MIN_ALLOWED_VERSION', '6.0')


@pytest.fixture
def caching(redis: redis_py.Redis, redis_server: RedisServer, lift_cache_gate: None) -> Iterator[redis_py.Redis]:
    """A client of the ``redis`` fixture's (flushed) server that caches its reads."""
    from redis.cache import CacheConfig  # noqa: PLC0415  # redis-py >= 5.1: lift_cache_gate skips before

    client = redis_server.client(protocol=3, cache_config=CacheConfig())
    yield client
    client.close()


@pytest.fixture
def caching_cluster(
    redis_cluster: RedisCluster, server_cluster: ServerCluster, lift_cache_gate: None
) -> Iterator[RedisCluster]:
    """A client of the ``redis_cluster`` fixture's (flushed) cluster that caches its reads."""
    from redis.cache import CacheConfig  # noqa: PLC0415  # redis-py >= 5.1: lift_cache_gate skips before

    client = server_cluster.client(protocol=3, cache_config=CacheConfig())
    yield client
    client.close()


@pytest.fixture(scope='session')
def master_servers() -> Iterator[list[RedisServer]]:
    servers = [RedisServer().start() for _ in range(5)]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def masters(master_servers: list[RedisServer]) -> Iterator[list[redis_py.Redis]]:
    """Clients of five running, empty, independent masters (short timeouts)."""
    for server in master_servers:
        if not server.alive:
            server.start()
        elif server.paused:
            server.resume()
    clients = [server.client(socket_timeout=1, socket_connect_timeout=1) for server in master_servers]
    for client in clients:
        client.flushall()
    yield clients
    for server in master_servers:
        if server.paused:
            server.resume()
    for client in clients:
        client.close()


@pytest.fixture(params=[SYNC, ASYNC], ids=str)
def api(request: pytest.FixtureRequest) -> Api:
    """Each contract test using it runs once per front-end: sync, then asyncio."""
    return request.param  # type: ignore[no-any-return]  # one of the params above


@pytest.fixture
def round_trips() -> Callable[[], Any]:
    return count_round_trips
