"""pottery on a redis-py client that caches reads (client-side caching).

redis-py >= 5.1 keeps the replies of plain reads (``HGET``, ``LINDEX``,
``SISMEMBER``, ...) in the client when it is built with ``protocol=3,
cache_config=CacheConfig()``; the server tracks what the client read and pushes
an invalidation when another client changes it.  These tests run on real
servers: a cached read makes no round trip, a script always does, and a write
by another client reaches the caching client's next reads.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_py

from pottery import RedisDict, RedisList, RedisSet, RedisSimpleQueue
from pottery.command import READ_KEYS, Call

cache = pytest.importorskip('redis.cache', reason='client-side caching needs redis-py >= 5.1')


def eventually(read: Callable[[], Any], expected: Any, timeout: float = 10.0) -> Any:
    """``read()`` until it returns ``expected`` or ``timeout`` passes; the last value.

    An invalidation is a push the server sends after the write; the caching
    client applies the ones waiting on its socket before each command.
    """
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.001)
    return value


def test_cacheable_reads_name_their_keys() -> None:
    # A caching client refuses a cacheable command sent without keys= and
    # files the reply under those keys: every command of redis-py's list but
    # the modules' must be in READ_KEYS.
    allowed = {name for name in cache.CacheConfig.DEFAULT_ALLOW_LIST if '.' not in name}
    assert allowed <= READ_KEYS.keys()
    assert Call('HGET', 'k', 'f').options['keys'] == ('k',)
    assert Call('SUNION', 'a', 'b').options['keys'] == ('a', 'b')
    assert Call('SINTERCARD', 2, 'a', 'b', 'LIMIT', 1).options['keys'] == ('a', 'b')
    assert Call('XREAD', 'COUNT', 1, 'BLOCK', 5, 'STREAMS', 'a', 'b', '0-0', '0-0').options['keys'] == ('a', 'b')
    assert 'keys' not in Call('HSET', 'k', 'f', 'v').options


def test_plain_reads_are_cached(caching: redis_py.Redis, round_trips: Any) -> None:
    d = RedisDict({'a': 1, 'b': 2}, redis=caching)
    s = RedisSet({'x'}, redis=caching)

    def reads() -> tuple[Any, ...]:
        return d['a'], d.get('b'), 'a' in d, len(d), 'x' in s, 'y' in s, len(s)

    first = reads()
    with round_trips() as trips:
        assert reads() == first == (1, 2, True, 2, True, False, 1)
    assert trips.count == 0


def test_scripts_are_not_cached(caching: redis_py.Redis, round_trips: Any) -> None:
    d = RedisDict({'a': 1}, redis=caching)
    assert d.setdefault('a', 5) == 1  # a Lua script: read-or-write, never from the cache
    with round_trips() as trips:
        assert d.setdefault('a', 5) == 1
        assert d.setdefault('a', 5) == 1
    assert trips.count == 2


def test_a_write_by_another_client_invalidates(caching: redis_py.Redis, redis: redis_py.Redis) -> None:
    mine = RedisDict({'a': 1}, redis=caching)
    theirs: RedisDict[str, int] = RedisDict(redis=redis, key=mine.key)
    members = RedisSet({'x'}, redis=caching)
    their_members: RedisSet[str] = RedisSet(redis=redis, key=members.key)
    assert (mine['a'], 'y' in members) == (1, False)

    theirs['a'] = 2
    their_members.add('y')
    assert eventually(lambda: mine['a'], 2) == 2
    assert eventually(lambda: 'y' in members, True) is True

    del theirs['a']
    assert eventually(lambda: 'a' in mine, False) is False
    with pytest.raises(KeyError):
        mine['a']


def test_own_writes_are_read_back(caching: redis_py.Redis) -> None:
    d = RedisDict({'a': 1}, redis=caching)
    assert d['a'] == 1
    d['a'] = 2  # the server invalidates our own read too
    assert eventually(lambda: d['a'], 2) == 2
    d.update({'a': 3, 'b': 4})
    assert eventually(d.to_dict, {'a': 3, 'b': 4}) == {'a': 3, 'b': 4}


def test_list_reads_on_a_caching_client(caching: redis_py.Redis, redis: redis_py.Redis) -> None:
    mine = RedisList([1, 2, 3], redis=caching)
    theirs: RedisList[int] = RedisList(redis=redis, key=mine.key)
    assert (mine[0], len(mine), list(mine)) == (1, 3, [1, 2, 3])
    theirs[0] = 10
    assert eventually(lambda: mine[0], 10) == 10
    assert eventually(lambda: list(mine), [10, 2, 3]) == [10, 2, 3]


def test_cluster_reads_are_cached_and_invalidated(
    caching_cluster: redis_py.RedisCluster, redis_cluster: Any, round_trips: Any
) -> None:
    mine = RedisDict({'a': 1}, redis=caching_cluster)
    theirs: RedisDict[str, int] = RedisDict(redis=redis_cluster, key=mine.key)
    assert mine['a'] == 1
    with round_trips() as trips:
        assert mine['a'] == 1
    assert trips.count == 0
    theirs['a'] = 2
    assert eventually(lambda: mine['a'], 2) == 2


def test_a_queue_waits_on_the_server_each_time(
    caching: redis_py.Redis, redis: redis_py.Redis, round_trips: Any
) -> None:
    # An empty queue's get(timeout) takes, waits on the server (XREAD BLOCK,
    # which the cache may keep), takes again: no wait is answered by the
    # cache with a reply that makes it spin.
    q: RedisSimpleQueue[int] = RedisSimpleQueue(redis=caching)
    with pytest.raises(queue.Empty):
        q.get(timeout=0.05)  # connects: HELLO, CLIENT TRACKING
    for _ in range(3):
        with round_trips() as trips, pytest.raises(queue.Empty):
            q.get(timeout=0.05)
        assert trips.count == 3
    theirs: RedisSimpleQueue[int] = RedisSimpleQueue(redis=redis, key=q.key)
    theirs.put(1)
    assert eventually(q.qsize, 1) == 1  # XLEN: cached, and invalidated by their XADD
    assert q.get(timeout=1) == 1
    assert eventually(q.empty, True) is True
