"""Expiry: a whole container's (every container) and a field's (RedisDict, RedisCounter).

One test per promise of docs/expiry.md, on both fronts (``api``) and, where
scripts or key routing matter, on the cluster too.  TTLs are read with PTTL
(no sleeping); the tests that watch a key expire give it 50 ms and poll with
a bounded wait.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import redis as redis_py
from redis.exceptions import RedisError

from pottery import KeyExistsError, ServerVersionError
from tests.fronts import Api

# Every container, with the initial data its constructor takes.
DATA: dict[str, Any] = {
    'RedisDict': {'a': 1, 'b': 2},
    'RedisCounter': 'aab',
    'RedisSet': {1, 2},
    'BloomFilter': [1, 2],
    'HyperLogLog': [1, 2],
    'RedisList': [1, 2],
    'RedisDeque': [1, 2],
}
OPTIONS: dict[str, dict[str, Any]] = {'BloomFilter': {'num_elements': 100, 'false_positives': 0.01}}
# A write that modifies an existing container.
WRITE: dict[str, Callable[[Any], Any]] = {
    'RedisDict': lambda c: c.update({'c': 3}),
    'RedisCounter': lambda c: c.update('c'),
    'RedisSet': lambda c: c.add(3),
    'BloomFilter': lambda c: c.add(3),
    'HyperLogLog': lambda c: c.add(3),
    'RedisList': lambda c: c.append(3),
    'RedisDeque': lambda c: c.appendleft(3),
}

kinds = pytest.mark.parametrize('kind', sorted(DATA))


def make(api: Api, kind: str, client: Any, *, data: bool = True, **kwargs: Any) -> Any:
    args = (DATA[kind],) if data else ()
    return getattr(api, kind)(*args, redis=client, **OPTIONS.get(kind, {}), **kwargs)


def between(client: Any, key: str, low: int, high: int) -> bool:
    """Whether the key's PTTL is in (low, high] milliseconds."""
    return bool(low < client.pttl(key) <= high)


def wait_until_gone(client: Any, key: str) -> None:
    # A key set to expire in ~50 ms: poll for it, giving up after 5 s.
    deadline = time.monotonic() + 5
    while client.exists(key):
        assert time.monotonic() < deadline, f'{key} did not expire'
        time.sleep(0.01)


# --- expire(), expire_at(), ttl(), persist(): every container ------------------------------


@kinds
def test_expire_sets_the_key_ttl(api: Api, kind: str, any_redis: Any) -> None:
    container = make(api, kind, any_redis, key='c')
    assert container.expire(30) is True
    assert between(any_redis, 'c', 29_000, 30_000)
    assert container.expire(timedelta(minutes=2)) is True  # replaces the earlier expiry
    assert between(any_redis, 'c', 119_000, 120_000)
    assert container.expire(0.5) is True  # floats: millisecond precision
    assert between(any_redis, 'c', 0, 500)


@kinds
def test_expired_container_is_empty(api: Api, kind: str, redis: redis_py.Redis) -> None:
    container = make(api, kind, redis, key='c')
    container.expire(0.05)
    wait_until_gone(redis, 'c')
    assert len(container) == 0
    assert container.ttl() is None


@kinds
def test_expire_zero_empties_at_once(api: Api, kind: str, redis: redis_py.Redis) -> None:
    container = make(api, kind, redis, key='c')
    assert container.expire(0) is True
    assert not redis.exists('c')


@kinds
def test_expire_on_empty_container_is_false(api: Api, kind: str, redis: redis_py.Redis) -> None:
    container = make(api, kind, redis, data=False, key='c')
    assert container.expire(30) is False
    assert container.expire_at(datetime.now(timezone.utc) + timedelta(seconds=30)) is False
    assert not redis.exists('c')


@kinds
def test_expire_at_a_datetime(api: Api, kind: str, redis: redis_py.Redis) -> None:
    container = make(api, kind, redis, key='c')
    assert container.expire_at(datetime.now(timezone.utc) + timedelta(seconds=30)) is True
    assert between(redis, 'c', 28_000, 30_100)  # the server clock may lag ours by some ms
    # a naive datetime is local time, as datetime.timestamp() reads it
    assert container.expire_at(datetime.now() + timedelta(seconds=60)) is True
    assert between(redis, 'c', 58_000, 60_100)
    # a time in the past empties the container at once
    assert container.expire_at(datetime.now(timezone.utc) - timedelta(seconds=1)) is True
    assert not redis.exists('c')


@kinds
def test_ttl_in_seconds_or_none(api: Api, kind: str, redis: redis_py.Redis) -> None:
    container = make(api, kind, redis, key='c')
    assert container.ttl() is None  # never expires
    redis.pexpire('c', 30_000)
    ttl = container.ttl()
    assert isinstance(ttl, float)
    assert 29 < ttl <= 30
    redis.delete('c')
    assert container.ttl() is None  # empty: no key, no expiry


@kinds
def test_persist_removes_the_expiry(api: Api, kind: str, redis: redis_py.Redis) -> None:
    container = make(api, kind, redis, key='c')
    assert container.persist() is False  # nothing to remove
    container.expire(30)
    assert container.persist() is True
    assert redis.pttl('c') == -1
    assert container.ttl() is None
    redis.delete('c')
    assert container.persist() is False


@kinds
def test_writes_keep_the_expiry(api: Api, kind: str, redis: redis_py.Redis) -> None:
    container = make(api, kind, redis, key='c')
    container.expire(30)
    WRITE[kind](container)
    assert between(redis, 'c', 29_000, 30_000)


# Each bad duration and the error it raises.
BAD_DURATIONS = {
    'str': ('10', TypeError),
    'bool': (True, TypeError),
    'None': (None, TypeError),
    'negative': (-1, ValueError),
    'nan': (math.nan, ValueError),
    'inf': (math.inf, ValueError),
}


@kinds
@pytest.mark.parametrize('case', sorted(BAD_DURATIONS))
def test_arguments_are_checked_before_sending(
    api: Api, kind: str, redis: redis_py.Redis, round_trips: Any, case: str
) -> None:
    bad, error = BAD_DURATIONS[case]
    container = make(api, kind, redis, key='c')
    container.expire(30)
    with round_trips() as trips:
        with pytest.raises(error):
            container.expire(bad)
        with pytest.raises(TypeError):
            container.expire_at(bad)
    assert trips.count == 0
    assert between(redis, 'c', 29_000, 30_000)
    if bad is not None:  # ttl=None is the default: no expiry
        with round_trips() as trips, pytest.raises(error):
            make(api, kind, redis, key='new', ttl=bad)
        assert trips.count == 0
        assert not redis.exists('new')


# --- ttl=: the constructor option ----------------------------------------------------------


@kinds
def test_ttl_option_creates_the_key_with_its_expiry(api: Api, kind: str, any_redis: Any, round_trips: Any) -> None:
    make(api, kind, any_redis, key='c')  # connects the front's client to c's node
    any_redis.delete('c')
    with round_trips() as trips:
        make(api, kind, any_redis, key='c', ttl=30)
    # one script creates the key and sets its expiry: no client sees it without
    assert trips.count == 1
    assert between(any_redis, 'c', 29_000, 30_000)
    make(api, kind, any_redis, key='d', ttl=timedelta(seconds=90))
    assert between(any_redis, 'd', 89_000, 90_000)


@kinds
def test_ttl_option_on_a_temporary_container(api: Api, kind: str, any_redis: Any) -> None:
    container = make(api, kind, any_redis, ttl=30)
    assert container.key.startswith('pottery:')
    assert between(any_redis, container.key, 29_000, 30_000)


@kinds
def test_ttl_option_refused_with_the_key_existing(api: Api, kind: str, redis: redis_py.Redis) -> None:
    make(api, kind, redis, key='c')
    with pytest.raises(KeyExistsError):
        make(api, kind, redis, key='c', ttl=30)
    assert redis.pttl('c') == -1  # the existing key is left alone


@kinds
def test_ttl_option_without_data_expires_the_existing_key(api: Api, kind: str, redis: redis_py.Redis) -> None:
    make(api, kind, redis, key='c')
    container = make(api, kind, redis, data=False, key='c', ttl=30)
    assert between(redis, 'c', 29_000, 30_000)
    assert len(container) > 0


@kinds
def test_ttl_option_without_data_refuses_a_missing_key(api: Api, kind: str, redis: redis_py.Redis) -> None:
    with pytest.raises(ValueError, match='does not exist'):
        make(api, kind, redis, data=False, key='c', ttl=30)
    assert not redis.exists('c')


@kinds
def test_ttl_option_without_data_refuses_a_temporary_container(
    api: Api, kind: str, redis: redis_py.Redis, round_trips: Any
) -> None:
    make(api, kind, redis, key='warm')
    with round_trips() as trips, pytest.raises(ValueError, match='initial data'):
        make(api, kind, redis, data=False, ttl=30)
    assert trips.count == 0


def test_ttl_option_of_a_copy(api: Api, redis: redis_py.Redis) -> None:
    source = api.RedisDict({'a': 1}, redis=redis, key='source')
    api.RedisDict(source, redis=redis, key='copy', ttl=30)
    assert between(redis, 'copy', 29_000, 30_000)
    assert redis.pttl('source') == -1
    counted = api.RedisCounter(source, redis=redis, key='counted', ttl=30)
    assert between(redis, 'counted', 29_000, 30_000)
    assert counted['a'] == 1


def test_ttl_option_of_a_bounded_deque(api: Api, redis: redis_py.Redis) -> None:
    api.RedisDeque([1, 2, 3], redis=redis, key='d')
    bounded = api.RedisDeque(maxlen=5, redis=redis, key='d', ttl=30)  # the bound check, then the expiry
    assert between(redis, 'd', 29_000, 30_000)
    assert list(bounded) == [1, 2, 3]
    with pytest.raises(ValueError, match='does not exist'):
        api.RedisDeque(maxlen=5, redis=redis, key='missing', ttl=30)
    copied = api.RedisList(api.RedisList(redis=redis, key='empty'), redis=redis, key='d', ttl=60)
    assert between(redis, 'd', 59_000, 60_000)
    assert list(copied) == [1, 2, 3]


def test_ttl_option_of_a_large_bloom_filter(api: Api, redis: redis_py.Redis) -> None:
    # More bit offsets than one script call takes: the first call, which
    # creates the key, sets its expiry.
    bloom = api.BloomFilter(range(40_000), num_elements=40_000, false_positives=0.01, redis=redis, key='b', ttl=30)
    assert between(redis, 'b', 29_000, 30_000)
    assert 39_000 in bloom


# --- per-field expiry: RedisDict, RedisCounter ---------------------------------------------


def has_field_expiry(client: Any) -> bool:
    """Whether the server has per-field expiry (Redis >= 7.4, Valkey >= 9)."""
    try:
        client.execute_command('HPTTL', 'probe', 'FIELDS', 1, 'f')
    except RedisError:  # unknown command (a cluster client: "doesn't exist")
        return False
    return True


@pytest.fixture
def fields(any_redis: Any) -> Any:
    """A client of a server with per-field expiry; skips the test otherwise."""
    if not has_field_expiry(any_redis):
        pytest.skip('needs per-field expiry (Redis >= 7.4 or Valkey >= 9)')
    return any_redis


@pytest.fixture
def no_fields(any_redis: Any) -> Any:
    """A client of a server without per-field expiry; skips the test otherwise."""
    if has_field_expiry(any_redis):
        pytest.skip('tests servers older than Redis 7.4 / Valkey 9; this one has per-field expiry')
    return any_redis


hashes = pytest.mark.parametrize(('kind', 'value'), [('RedisDict', 'v'), ('RedisCounter', 3)])


@hashes
def test_set_with_ttl(api: Api, kind: str, value: Any, fields: Any) -> None:
    container = getattr(api, kind)(redis=fields, key='h')
    container.set('k', value, ttl=30)
    container.set('forever', value)
    assert container['k'] == value
    assert 29 < container.ttl_field('k') <= 30
    assert container.ttl_field('forever') is None
    assert fields.pttl('h') == -1  # the hash itself does not expire
    container['k'] = value  # overwriting a field removes its expiry, as the server does
    assert container.ttl_field('k') is None


@hashes
def test_field_expires(api: Api, kind: str, value: Any, fields: Any) -> None:
    container = getattr(api, kind)(redis=fields, key='h')
    container.set('k', value, ttl=0.05)
    container.set('stays', value)
    deadline = time.monotonic() + 5
    while fields.hexists('h', '"k"'):
        assert time.monotonic() < deadline, 'the field did not expire'
        time.sleep(0.01)
    assert 'k' not in container
    assert container.to_dict() == {'stays': value}


@hashes
def test_expire_field(api: Api, kind: str, value: Any, fields: Any) -> None:
    container = getattr(api, kind)(redis=fields, key='h')
    container['k'] = value
    container.expire_field('k', timedelta(minutes=1))
    assert 59 < container.ttl_field('k') <= 60
    assert container.persist_field('k') is True
    assert container.ttl_field('k') is None
    assert container.persist_field('k') is False
    with pytest.raises(KeyError):
        container.expire_field('missing', 30)
    with pytest.raises(KeyError):
        container.ttl_field('missing')
    with pytest.raises(KeyError):
        container.persist_field('missing')
    with pytest.raises(TypeError):
        container.expire_field('k', '30')
    with pytest.raises(ValueError):
        container.set('k', value, ttl=-1)


@hashes
def test_field_expiry_on_an_older_server(api: Api, kind: str, value: Any, no_fields: Any) -> None:
    container = getattr(api, kind)({'k': 1}, redis=no_fields, key='h')
    calls: list[Callable[[], Any]] = [
        lambda: container.set('new', value, ttl=30),
        lambda: container.expire_field('k', 30),
        lambda: container.ttl_field('k'),
        lambda: container.persist_field('k'),
    ]
    for call in calls:
        with pytest.raises(ServerVersionError, match=r'Redis >= 7\.4 or Valkey >= 9'):
            call()
    assert container.to_dict() == {'k': 1}  # nothing was written
    container.set('plain', value)  # without ttl=, set() works everywhere
    assert container['plain'] == value
