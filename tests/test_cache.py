"""redis_cache and CachedOrderedDict against real Redis servers.

The oracle for redis_cache is ``functools.lru_cache``: which calls are one
entry, which are hits, in which order a bounded cache evicts, what errors bad
arguments raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import doctest
import functools
import inspect
import json
import multiprocessing
import os
import random
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis as redis_py
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.crc import key_slot

import pottery
import pottery.asyncio
import pottery.cache
import pottery.slots
from pottery import CachedOrderedDict, PotteryWarning, RedisDict, WrongRedisTypeError, redis_cache
from pottery.cache import CachedFunction, CacheInfo
from pottery.slots import lru_key
from tests.fronts import ASYNC, Api, Blocking, unwrap_result, wait

Call = tuple[tuple[Any, ...], dict[str, Any]]

HYPOTHESIS = settings(
    deadline=None,
    derandomize=True,
    # too_slow: data generation is slow on a loaded machine, not in our code
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def cache_of(api: Api, func: Callable[..., Any], **options: Any) -> Any:
    """``func`` cached by ``api``'s redis_cache, called with plain syntax on both fronts.

    With the async api, ``func`` runs inside an ``async def`` and the wrapper
    is the asyncio ``redis_cache``'s on the async twin of ``redis``.
    """
    if not api.asynchronous:
        return pottery.redis_cache(**options)(func)
    if options.get('redis') is not None:
        options['redis'] = api.client(options['redis'])

    @functools.wraps(func)
    async def coroutine(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)  # a real suspension point
        return func(*args, **kwargs)

    return BlockingFunction(pottery.asyncio.redis_cache(**options)(coroutine))


class BlockingFunction(Blocking):
    """An asyncio cached function with plain syntax: ``f(x)`` runs ``await f(x)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return unwrap_result(self.target(*args, **kwargs))


class PlainCachedOrderedDict(pottery.asyncio.CachedOrderedDict[Any, Any]):
    """The asyncio CachedOrderedDict whose write coroutines run to completion.

    For contract tests: ``d[k] = v``, ``d.update()``, ``d.setdefault()`` run
    ``await d.setitem()``, ``await d.update()``, ``await d.setdefault()``.
    """

    def __setitem__(self, key: Any, value: Any) -> None:  # type: ignore[override]  # runs the coroutine
        wait(self.setitem(key, value))

    def update(self, other: Any = (), /, **kwargs: Any) -> None:  # type: ignore[override]  # runs the coroutine
        wait(pottery.asyncio.CachedOrderedDict.update(self, other, **kwargs))

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return wait(pottery.asyncio.CachedOrderedDict.setdefault(self, key, default))


def ordered_dict(api: Api, **kwargs: Any) -> Any:
    """A CachedOrderedDict of ``api`` (awaited on the async api), for a blocking ``redis_client``."""
    if not api.asynchronous:
        return pottery.CachedOrderedDict[Any, Any](**kwargs)
    if kwargs.get('redis_client') is not None:
        kwargs['redis_client'] = api.client(kwargs['redis_client'])

    async def build() -> Any:
        return await PlainCachedOrderedDict(**kwargs)

    return wait(build())


def identity(*args: Any, **kwargs: Any) -> Any:
    return [list(args), kwargs]


def field_of(call: Call, *, typed: bool = False) -> str:
    """The Redis field redis_cache uses for a call (no round trip)."""
    wrapper = redis_cache(redis=None, key='unused', typed=typed)(identity)
    args, kwargs = call
    return wrapper._field(args, kwargs)


def same_call(one: Call, other: Call) -> bool:
    """lru_cache's documented notion of one call (typed=False): equal args, kwargs in order."""
    return (one[0], tuple(one[1].items())) == (other[0], tuple(other[1].items()))


# --- which calls are one entry: the key encoding ------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, -0.0, 1.0, 2.0, -1.0, 0.5, 1e16, float('inf')]),
    st.sampled_from(['', 'a', '1', 'é']),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=3),
)
HASHABLES = st.recursive(SCALARS, lambda inner: st.tuples(inner) | st.tuples(inner, inner), max_leaves=4)
KWARG_NAMES = st.lists(st.sampled_from(['a', 'b', 'c']), unique=True, max_size=3)
CALLS = st.tuples(
    st.lists(HASHABLES, max_size=3).map(tuple),
    KWARG_NAMES.flatmap(
        lambda names: st.tuples(*(HASHABLES for _ in names)).map(lambda v: dict(zip(names, v, strict=True)))
    ),
)


@pytest.mark.parametrize(
    ('one', 'other', 'same'),
    [
        (((1,), {}), ((1.0,), {}), True),
        (((1,), {}), ((True,), {}), True),
        (((0,), {}), ((-0.0,), {}), True),
        (((1, 2), {}), ((1.0, 2), {}), True),
        ((((1, 'a'),), {}), (((True, 'a'),), {}), True),
        (((), {'a': 1, 'b': 2}), ((), {'a': 1.0, 'b': 2}), True),
        (((1,), {}), ((), {'a': 1}), False),  # positional vs keyword
        (((), {'a': 1, 'b': 2}), ((), {'b': 2, 'a': 1}), False),  # keyword order, as lru_cache
        (((1,), {}), ((1.5,), {}), False),
        ((('1',), {}), ((1,), {}), False),
        (((None,), {}), ((), {}), False),
        (((1, 2), {}), (((1, 2),), {}), False),
        (((), {}), ((), {}), True),
        ((((),), {}), (((),), {}), True),
        (((2**53 + 1,), {}), ((float(2**53 + 1),), {}), False),  # unequal in Python too
        (((10**16,), {}), ((1e16,), {}), True),
    ],
)
def test_call_equality_table(one: Call, other: Call, same: bool) -> None:
    assert same_call(one, other) is same
    assert (field_of(one) == field_of(other)) is same


@HYPOTHESIS
@given(one=CALLS, other=CALLS)
def test_fields_are_equal_exactly_for_equal_calls(one: Call, other: Call) -> None:
    assert (field_of(one) == field_of(other)) is same_call(one, other)


@HYPOTHESIS
@given(calls=st.lists(CALLS, max_size=12))
def test_every_call_lru_cache_reuses_has_the_same_field(calls: list[Call]) -> None:
    # CPython's lru_cache keys a lone int or str argument by the object
    # itself, so it treats f(1) and f(1.0) as two entries (a documented "may");
    # everything it does treat as one call must be one field here.
    computed: list[Call] = []

    @functools.cache
    def oracle(*args: Any, **kwargs: Any) -> None:
        computed.append((args, kwargs))

    seen: set[str] = set()
    for call in calls:
        before = len(computed)
        oracle(*call[0], **call[1])
        field = field_of(call)
        if len(computed) == before:  # lru_cache hit: an equal call came earlier
            assert field in seen
        seen.add(field)


def test_field_is_canonical_json_not_hash() -> None:
    # The same text in every process and on every machine.
    assert field_of((('hello', 1.0, None), {'x': (True, 'é')})) == '[["hello", 1, null], [["x", [1, "\\u00e9"]]]]'
    assert field_of(((5,), {})) == '[[5], []]'


def test_typed_separates_types_of_immediate_arguments_only() -> None:
    assert field_of(((1,), {}), typed=True) != field_of(((1.0,), {}), typed=True)
    assert field_of(((1,), {}), typed=True) != field_of(((True,), {}), typed=True)
    assert field_of((((1,),), {}), typed=True) == field_of((((1.0,),), {}), typed=True)  # as lru_cache
    assert field_of(((), {'a': 1}), typed=True) != field_of(((), {'a': 1.0}), typed=True)


@HYPOTHESIS
@given(key=st.text(alphabet='ab{}:x', max_size=8))
def test_lru_key_shares_the_slot_of_the_key(key: str) -> None:
    assert key_slot(lru_key(key).encode()) == key_slot(key.encode())
    assert lru_key(key) != key


@pytest.mark.parametrize(
    ('key', 'expected'),
    [
        ('cache', '{cache}:lru'),
        ('{user:1}:cache', '{user:1}:cache:lru'),
        ('a{b', '{a{b}:lru'),
    ],
)
def test_lru_key_names(key: str, expected: str) -> None:
    assert lru_key(key) == expected


@pytest.mark.parametrize('key', ['a}b', '{}x', ''])
def test_lru_key_for_braces_without_a_tag(key: str) -> None:
    name = lru_key(key)
    assert name.startswith('{pottery-slot-') and name.endswith(f'}}:{key}:lru')
    assert key_slot(name.encode()) == key_slot(key.encode())


# --- redis_cache against lru_cache -------------------------------------------------------


def counting(func: Callable[..., Any]) -> tuple[Callable[..., Any], list[Any]]:
    calls: list[Any] = []

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return func(*args, **kwargs)

    return wrapper, calls


def test_hits_misses_and_currsize(api: Api, any_redis: Any) -> None:
    square, calls = counting(lambda n: n * n)
    f = cache_of(api, square, redis=any_redis, key='squares')
    assert f(3) == 9
    assert f(3) == 9
    assert f(4) == 16
    assert calls == [((3,), {}), ((4,), {})]
    assert f.cache_info() == CacheInfo(hits=1, misses=2, maxsize=None, currsize=2)
    assert repr(f.cache_info()) == 'CacheInfo(hits=1, misses=2, maxsize=None, currsize=2)'


@pytest.mark.parametrize('maxsize', [None, 3])
def test_round_trips(api: Api, any_redis: Any, round_trips: Callable[[], Any], maxsize: int | None) -> None:
    f = cache_of(api, identity, redis=any_redis, key='{budget}', maxsize=maxsize)
    f('warm-up')  # SCRIPT LOAD and slot discovery happen once
    f('warm-up')
    with round_trips() as trips:
        f('x')
    assert trips.count == 2, 'a miss is one lookup plus one write'
    with round_trips() as trips:
        f('x')
    assert trips.count == 1, 'a hit is one round trip'
    with round_trips() as trips:
        f.__bypass__('x')
    assert trips.count == 1
    with round_trips() as trips:
        f.cache_info()
    assert trips.count == 1
    with round_trips() as trips:
        f.cache_clear()
    assert trips.count == 1


def test_ttl_set_and_refreshed(api: Api, any_redis: Any) -> None:
    f = cache_of(api, identity, redis=any_redis, key='ttl', timeout=30)
    f(1)
    assert 29_000 < any_redis.pttl('ttl') <= 30_000
    any_redis.pexpire('ttl', 5_000)
    f(1)  # a hit refreshes
    assert 29_000 < any_redis.pttl('ttl') <= 30_000
    any_redis.pexpire('ttl', 5_000)
    f(2)  # so does a miss
    assert 29_000 < any_redis.pttl('ttl') <= 30_000
    assert f.cache_parameters()['timeout'] == 30


def test_ttl_with_maxsize_covers_both_keys(api: Api, any_redis: Any) -> None:
    f = cache_of(api, identity, redis=any_redis, key='ttl', timeout=30, maxsize=5)
    f(1)
    assert 29_000 < any_redis.pttl('ttl') <= 30_000
    assert 29_000 < any_redis.pttl(lru_key('ttl')) <= 30_000


@pytest.mark.parametrize('timeout', [None, float('inf')])
def test_timeout_none_keeps_forever(api: Api, any_redis: Any, timeout: float | None) -> None:
    f = cache_of(api, identity, redis=any_redis, key='forever', timeout=timeout, maxsize=3)
    f(1)
    f(1)
    assert any_redis.ttl('forever') == -1
    assert any_redis.ttl(lru_key('forever')) == -1
    assert f.cache_parameters()['timeout'] is None


def test_cache_expires_after_timeout(redis: redis_py.Redis) -> None:
    f, calls = counting(identity)
    cached = redis_cache(redis=redis, key='short', timeout=0.05)(f)
    cached(1)
    time.sleep(0.1)
    assert not redis.exists('short')
    cached(1)
    assert len(calls) == 2


# Issue 11's rule: a bad argument raises at once, naming it, and nothing is written.
BAD_CACHE_ARGUMENTS = [
    ({'redis': 'localhost'}, TypeError, r'redis_cache\(redis=...\) takes a redis\.'),
    ({'key': 5}, TypeError, r'redis_cache\(key=...\) takes a str, not int'),
    ({'timeout': '60'}, TypeError, 'timeout must be a number'),
    ({'timeout': 0}, ValueError, 'timeout must be positive'),
    ({'timeout': -1}, ValueError, 'timeout must be positive'),
    ({'timeout': float('nan')}, ValueError, 'timeout must be positive'),
    ({'maxsize': 1.5}, TypeError, 'maxsize must be an integer'),
    ({'maxsize': True}, TypeError, 'maxsize must be an integer'),
]


@pytest.mark.parametrize(('options', 'error', 'match'), BAD_CACHE_ARGUMENTS)
def test_bad_redis_cache_arguments_raise_at_once(
    redis: redis_py.Redis, api: Api, options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        api.module.redis_cache(**options)
    with pytest.raises(error, match=match):
        api.module.redis_cache(identity, **options)  # the bare form
    assert redis.dbsize() == 0


def test_redis_cache_takes_its_fronts_clients(redis: redis_py.Redis) -> None:
    with pytest.raises(TypeError, match=r'redis_cache\(redis=...\) takes a redis\.asyncio'):
        pottery.asyncio.redis_cache(redis=redis)
    with pytest.raises(TypeError, match=r'redis_cache\(redis=...\) takes a redis\.client\.Redis'):
        redis_cache(redis=ASYNC.client(redis))
    with pytest.raises(TypeError, match='decorates a function, not int'):
        redis_cache(key='k')(5)  # type: ignore[arg-type]  # the point


BAD_ORDERED_DICT_ARGUMENTS = [
    ({'redis_client': 'localhost'}, TypeError, r'CachedOrderedDict\(redis_client=...\) takes a redis\.'),
    ({'redis_key': 5}, TypeError, r'CachedOrderedDict\(redis_key=...\) takes a str, not int'),
    ({'dict_keys': 5}, TypeError, 'not iterable'),
    ({'dict_keys': [[1]]}, TypeError, 'unhashable'),
    ({'dict_keys': [b'x']}, TypeError, 'JSON serializable'),
    ({'timeout': '60'}, TypeError, 'timeout must be a number'),
    ({'timeout': -1}, ValueError, 'timeout must be positive'),
]


@pytest.mark.parametrize('case', BAD_ORDERED_DICT_ARGUMENTS)
def test_bad_cached_ordered_dict_arguments_raise_at_once(
    redis: redis_py.Redis, round_trips: Callable[[], Any], api: Api, case: tuple[dict[str, Any], type[Exception], str]
) -> None:
    options, error, match = case
    with round_trips() as trips, pytest.raises(error, match=match):
        api.module.CachedOrderedDict(**{'redis_key': 'docs', **options})
    assert trips.count == 0


LRU_SETTINGS = settings(HYPOTHESIS, max_examples=40)


@pytest.mark.parametrize('deployment', ['standalone', 'cluster'])
def test_maxsize_evicts_like_lru_cache(deployment: str, request: pytest.FixtureRequest, api: Api) -> None:
    client = request.getfixturevalue('redis' if deployment == 'standalone' else 'redis_cluster')
    examples = (40 if deployment == 'standalone' else 15) // (2 if api.asynchronous else 1)
    api.client(client)  # the async twin, made outside the examples

    @settings(LRU_SETTINGS, max_examples=examples)
    @given(maxsize=st.integers(-1, 4), calls=st.lists(st.integers(0, 6), max_size=25))
    def check(maxsize: int, calls: list[int]) -> None:
        client.delete('lru', lru_key('lru'))
        oracle_calls: list[int] = []
        ours_calls: list[int] = []

        @functools.lru_cache(maxsize=maxsize)
        def oracle(n: int) -> int:
            oracle_calls.append(n)
            return n

        def compute(n: int) -> int:
            ours_calls.append(n)
            return n

        ours = cache_of(api, compute, redis=client, key='lru', maxsize=maxsize)

        for n in calls:
            assert ours(n) == oracle(n)
            assert ours_calls == oracle_calls
        assert ours.cache_info()._asdict() == oracle.cache_info()._asdict()

    check()


def test_maxsize_eviction_order(api: Api, any_redis: Any) -> None:
    f, calls = counting(identity)
    cached = cache_of(api, f, redis=any_redis, key='lru', maxsize=2)
    for n in (1, 2, 1, 3):  # 1 is used again, so 2 is the least recent when 3 comes
        cached(n)
    assert len(calls) == 3
    cached(1)
    assert len(calls) == 3
    cached(2)
    assert calls[-1] == ((2,), {})
    assert cached.cache_info() == CacheInfo(hits=2, misses=4, maxsize=2, currsize=2)


def test_bypass_counts_as_a_use_for_eviction(api: Api, any_redis: Any) -> None:
    f, calls = counting(identity)
    cached = cache_of(api, f, redis=any_redis, key='lru', maxsize=2)
    cached(1)
    cached(2)
    cached.__bypass__(1)
    cached(3)  # evicts 2
    count = len(calls)
    cached(1)
    assert len(calls) == count


def test_maxsize_evicts_entries_written_by_others_first(api: Api, any_redis: Any) -> None:
    RedisDict({'x': 1, 'y': 2, 'z': 3}, redis=any_redis, key='lru')
    cached = cache_of(api, identity, redis=any_redis, key='lru', maxsize=2)
    cached(1)
    cached(2)
    assert any_redis.hlen('lru') == 2
    assert cached.cache_info().currsize == 2
    assert cached.cache_info().hits == 0
    cached(1)
    cached(2)
    assert cached.cache_info().hits == 2


def test_concurrent_writers_never_exceed_maxsize(any_redis: Any) -> None:
    # Six threads (six connections) race lookups, writes and evictions; the
    # scripts keep the hash and its recency set in step.
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        cached = redis_cache(redis=any_redis, key='{race}', maxsize=4)(identity)
        rng = random.Random(seed)
        barrier.wait()
        try:
            for _ in range(60):
                n = rng.randrange(10)
                assert cached(n) == [[n], {}]
        except (AssertionError, redis_py.RedisError) as error:  # reported by the test thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    fields = set(any_redis.hkeys('{race}'))
    assert len(fields) == 4
    assert set(any_redis.zrange(lru_key('{race}'), 0, -1)) == fields


def test_maxsize_zero_caches_nothing(api: Api, any_redis: Any, round_trips: Callable[[], Any]) -> None:
    f, calls = counting(identity)
    cached = cache_of(api, f, redis=any_redis, key='none', maxsize=0)
    with round_trips() as trips:
        cached([1])  # not even hashed, as lru_cache(maxsize=0)
        cached([1])
    assert trips.count == 0
    assert len(calls) == 2
    assert cached.cache_info() == CacheInfo(hits=0, misses=2, maxsize=0, currsize=0)
    assert cache_of(api, f, redis=any_redis, key='none', maxsize=-5).cache_info().maxsize == 0


# --- bad arguments and results -----------------------------------------------------------


@pytest.mark.parametrize(
    ('args', 'kwargs'),
    [(([1],), {}), (({'a': 1},), {}), ((), {'a': {1}}), (((1, [2]),), {})],
)
def test_unhashable_arguments_raise_like_lru_cache(
    api: Api, redis: redis_py.Redis, round_trips: Callable[[], Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    f, calls = counting(identity)
    cached = cache_of(api, f, redis=redis, key='bad')
    with pytest.raises(TypeError) as expected:
        functools.lru_cache(f)(*args, **kwargs)
    with round_trips() as trips, pytest.raises(TypeError) as raised:
        cached(*args, **kwargs)
    assert str(raised.value) == str(expected.value)
    assert trips.count == 0
    assert calls == []
    assert cached.cache_info().misses == 0


@pytest.mark.parametrize('arg', [frozenset({1}), object(), b'bytes', 1j])
def test_unencodable_arguments_raise_type_error(api: Api, redis: redis_py.Redis, arg: Any) -> None:
    f, calls = counting(identity)
    cached = cache_of(api, f, redis=redis, key='bad')
    with pytest.raises(TypeError, match='JSON serializable'):
        cached(arg)
    assert calls == []


@pytest.mark.parametrize('result', [{1, 2}, object(), {'a': b'x'}, {1: 'a', 'b': 2}])
def test_unencodable_results_raise_and_cache_nothing(api: Api, any_redis: Any, result: Any) -> None:
    cached = cache_of(api, lambda: result, redis=any_redis, key='bad')
    with pytest.raises(TypeError, match='JSON serializable'):
        cached()
    assert not any_redis.exists('bad')
    assert cached.cache_info() == CacheInfo(hits=0, misses=1, maxsize=None, currsize=0)


def test_exceptions_propagate_and_cache_nothing(api: Api, redis: redis_py.Redis) -> None:
    def fail(n: int) -> int:
        raise ZeroDivisionError(n)

    cached = cache_of(api, fail, redis=redis, key='bad')
    with pytest.raises(ZeroDivisionError):
        cached(1)
    assert not redis.exists('bad')


def test_results_come_back_as_json_gives_them_hit_or_miss(api: Api, redis: redis_py.Redis) -> None:
    cached = cache_of(api, lambda: ((1, 2), {1: 'a'}), redis=redis, key='json')
    results: list[Any] = [cached(), cached()]
    assert results == [[[1, 2], {'1': 'a'}]] * 2
    assert cached.cache_info().hits == 1


def test_none_is_cached(api: Api, redis: redis_py.Redis) -> None:
    f, calls = counting(lambda: None)
    cached = cache_of(api, f, redis=redis, key='none')
    assert cached() is None
    assert cached() is None
    assert len(calls) == 1


def test_wrong_redis_type(api: Api, any_redis: Any) -> None:
    any_redis.set('str', 'x')
    cached = cache_of(api, identity, redis=any_redis, key='str')
    with pytest.raises(WrongRedisTypeError):
        cached(1)
    with pytest.raises(WrongRedisTypeError):
        cached.__bypass__(1)
    with pytest.raises(WrongRedisTypeError):
        cached.cache_info()
    expiring = cache_of(api, identity, redis=any_redis, key='str', timeout=60)
    with pytest.raises(WrongRedisTypeError):
        expiring(1)
    assert any_redis.get('str') == b'x'
    assert any_redis.ttl('str') == -1  # a failed lookup put no TTL on someone else's key
    bounded = cache_of(api, identity, redis=any_redis, key='str', maxsize=2)
    with pytest.raises(WrongRedisTypeError):
        bounded(1)
    with pytest.raises(WrongRedisTypeError):
        bounded.__bypass__(1)


# --- the rest of the API ----------------------------------------------------------------------


def test_bypass_recomputes_and_counts_nothing(api: Api, any_redis: Any) -> None:
    version = [1]
    f, calls = counting(lambda n: [n, version[0]])
    cached = cache_of(api, f, redis=any_redis, key='bypass')
    assert cached(7) == [7, 1]
    version[0] = 2
    assert cached(7) == [7, 1]
    assert cached.__bypass__(7) == [7, 2]
    assert cached(7) == [7, 2]
    assert len(calls) == 2
    assert cached.cache_info() == CacheInfo(hits=2, misses=1, maxsize=None, currsize=1)


def test_cache_clear_empties_redis_for_everyone(api: Api, any_redis: Any) -> None:
    one = cache_of(api, identity, redis=any_redis, key='shared', maxsize=4)
    other = cache_of(api, identity, redis=any_redis, key='shared', maxsize=4)
    one(1)
    other(1)
    assert other.cache_info() == CacheInfo(hits=1, misses=0, maxsize=4, currsize=1)
    one.cache_clear()
    assert one.cache_info() == CacheInfo(hits=0, misses=0, maxsize=4, currsize=0)
    assert not any_redis.exists('shared', lru_key('shared'))
    other(1)
    assert other.cache_info() == CacheInfo(hits=1, misses=1, maxsize=4, currsize=1)


def documented(a: int, b: str = 'x', *, c: float = 1.0) -> list[Any]:
    """Add things up."""
    return [a, b, c]


def test_wraps_metadata(redis: redis_py.Redis) -> None:
    cached = redis_cache(redis=redis, key='meta')(documented)
    assert cached.__wrapped__ is documented
    assert cached.__name__ == 'documented'
    assert cached.__qualname__ == 'documented'
    assert cached.__module__ == __name__
    assert cached.__doc__ == 'Add things up.'
    assert inspect.signature(cached) == inspect.signature(documented)
    assert cached.cache_parameters() == {'maxsize': None, 'typed': False, 'key': 'meta', 'timeout': 60}
    assert 'documented' in repr(cached) and "'meta'" in repr(cached)


def test_default_key_from_module_and_qualname() -> None:
    cached = redis_cache(documented)  # bare decorator, default client: nothing is sent
    assert isinstance(cached, CachedFunction)
    assert cached.cache_key == 'pottery:cache:tests.test_cache.documented'
    assert redis_cache()(documented).cache_key == cached.cache_key


async def async_identity(*args: Any, **kwargs: Any) -> Any:
    return [list(args), kwargs]


def test_functions_without_a_unique_name_get_a_random_key_and_a_warning(api: Api) -> None:
    def local() -> None:
        pass

    async def local_async() -> None:
        pass

    target: Any = local_async if api.asynchronous else local
    candidates = [target, functools.partial(target)] + ([] if api.asynchronous else [lambda: 1])
    keys = []
    for func in candidates:
        with pytest.warns(PotteryWarning, match=r'random key .* not know: pass key=\.\.\. to share') as bare:
            keys.append(api.module.redis_cache(func).cache_key)
        with pytest.warns(PotteryWarning) as called:
            keys.append(api.module.redis_cache(timeout=None)(func).cache_key)
        assert [bare[0].filename, called[0].filename] == [__file__] * 2  # points at the decorated code
    assert all(key.startswith('pottery:') for key in keys)
    assert len(set(keys)) == len(keys), 'a cache of its own each time'
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert api.module.redis_cache(key='k')(target).cache_key == 'k'
        assert api.module.redis_cache(async_identity if api.asynchronous else identity).cache_key.endswith('identity')


def test_the_warning_comes_once_per_place(redis: redis_py.Redis) -> None:
    def factory(n: int) -> Any:
        def local() -> int:
            return n

        return local

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('default')
        wrappers = [redis_cache(redis=redis)(factory(n)) for n in range(3)]
    assert len(caught) == 1 and caught[0].category is PotteryWarning
    assert [wrapper() for wrapper in wrappers] == [0, 1, 2], 'closures never share a cache'


class Name(str):
    """A str subclass, so that ``self`` is a JSON-encodable argument."""

    __slots__ = ()

    @redis_cache(key='methods')
    def shout(self) -> str:
        return self.upper()


def test_binds_as_a_method(redis: redis_py.Redis) -> None:
    Name.shout._redis = redis  # point the cache made at import time at the test server
    assert Name('hi').shout() == 'HI'
    assert Name('hi').shout() == 'HI'
    assert Name('hi').shout.cache_info().hits == 1
    Name.shout.cache_clear()


def test_counters_are_thread_safe(redis: redis_py.Redis) -> None:
    cached = redis_cache(redis=redis, key='threads')(identity)
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        for n in range(50):
            cached(n % 5)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    info = cached.cache_info()
    assert info.hits + info.misses == 400
    assert 5 <= info.misses <= 40
    assert info.currsize == 5


def test_decoded_responses_client(api: Api, redis_decoded: redis_py.Redis) -> None:
    cached = cache_of(api, identity, redis=redis_decoded, key='decoded', maxsize=2)
    assert cached('é', k=(1,)) == [['é'], {'k': [1]}]
    assert cached('é', k=(1,)) == [['é'], {'k': [1]}]
    assert cached.cache_info().hits == 1


def test_layout_is_a_redis_dict(api: Api, any_redis: Any) -> None:
    cached = cache_of(api, identity, redis=any_redis, key='layout')
    cached(5, x='a')
    assert RedisDict[Any, Any](redis=any_redis, key='layout').to_dict() == {((5,), (('x', 'a'),)): [[5], {'x': 'a'}]}
    RedisDict[Any, Any](redis=any_redis, key='layout')[((6,), ())] = 'planted'
    assert cached(6) == 'planted'
    assert cached.cache_info().hits == 1


# --- two real processes ------------------------------------------------------------------------


def shout(text: str) -> str:
    """Upper-case text, counting how often it really runs in the INCR key 'runs'."""
    client = redis_py.Redis.from_url(_CHILD_URL[0])
    client.incr('runs')
    return text.upper()


_CHILD_URL: list[str] = ['']


def child(url: str, text: str) -> tuple[int, str, dict[str, Any]]:
    """Run in a fresh process: cache shout() under its default key, call it once."""
    _CHILD_URL[0] = url
    cached = redis_cache(redis=redis_py.Redis.from_url(url))(shout)
    result = cached(text)
    return os.getpid(), result, cached.cache_info()._asdict()


def test_two_processes_share_one_entry(redis: redis_py.Redis, redis_server: Any) -> None:
    context = multiprocessing.get_context('spawn')
    with context.Pool(1, maxtasksperchild=1) as pool:  # a new process per task
        first = pool.apply(child, (redis_server.url, 'hello'))
        second = pool.apply(child, (redis_server.url, 'hello'))
    assert first[0] != second[0] != os.getpid()  # two fresh processes, each with its own hash() seed
    assert first[1:] == ('HELLO', {'hits': 0, 'misses': 1, 'maxsize': None, 'currsize': 1})
    assert second[1:] == ('HELLO', {'hits': 1, 'misses': 0, 'maxsize': None, 'currsize': 1})
    assert redis.get('runs') == b'1'
    assert redis.hkeys('pottery:cache:tests.test_cache.shout') == [b'[["hello"], []]']


# --- CachedOrderedDict -------------------------------------------------------------------------


def test_lookup_in_one_round_trip(api: Api, any_redis: Any, round_trips: Callable[[], Any]) -> None:
    RedisDict({1: 'one', 3: ['three'], (4, 'x'): None}, redis=any_redis, key='docs')
    ordered_dict(api, redis_client=any_redis, redis_key='docs', dict_keys=(0,))  # warm-up
    with round_trips() as trips:
        docs = ordered_dict(api, redis_client=any_redis, redis_key='docs', dict_keys=(3, 2, (4, 'x'), 1, 5))
    assert trips.count == 1
    assert list(docs.items()) == [(3, ['three']), (2, None), ((4, 'x'), None), (1, 'one'), (5, None)]
    assert docs.misses() == {2, 5}
    with round_trips() as trips:
        docs[2] = 'two'
    assert trips.count == 1
    with round_trips() as trips:
        docs.update({5: 'five', 6: 'six'}, seven=7)
    assert trips.count == 1
    assert list(docs) == [3, 2, (4, 'x'), 1, 5, 6, 'seven']
    assert docs.misses() == set()
    assert isinstance(docs, OrderedDict)


def test_assignments_are_written_through(api: Api, any_redis: Any) -> None:
    first = ordered_dict(api, redis_client=any_redis, redis_key='docs', dict_keys=('a', 'b'))
    first['a'] = {'doc': 1}
    second = ordered_dict(api, redis_client=any_redis, redis_key='docs', dict_keys=['b', 'a', 'c'])
    assert second == OrderedDict([('b', None), ('a', {'doc': 1}), ('c', None)])
    assert second.misses() == {'b', 'c'}
    assert RedisDict[Any, Any](redis=any_redis, key='docs').to_dict() == {'a': {'doc': 1}}
    second['extra'] = 1  # keys outside dict_keys are written through too, appended
    assert list(second) == ['b', 'a', 'c', 'extra']
    assert RedisDict[Any, Any](redis=any_redis, key='docs')['extra'] == 1


def test_equal_keys_are_one_entry(api: Api, redis: redis_py.Redis) -> None:
    ordered_dict(api, redis_client=redis, redis_key='docs', dict_keys=())[1] = 'one'
    docs = ordered_dict(api, redis_client=redis, redis_key='docs', dict_keys=(1.0, True, 2, 2))
    assert list(docs.items()) == [(1.0, 'one'), (2, None)]
    assert docs.misses() == {2}


def test_ttl_refreshed_by_lookups_and_writes(api: Api, any_redis: Any) -> None:
    docs = ordered_dict(api, redis_client=any_redis, redis_key='docs', dict_keys=(1,), timeout=30)
    docs[1] = 'one'
    assert 29_000 < any_redis.pttl('docs') <= 30_000
    any_redis.pexpire('docs', 1_000)
    ordered_dict(api, redis_client=any_redis, redis_key='docs', dict_keys=(1,), timeout=30)
    assert 29_000 < any_redis.pttl('docs') <= 30_000
    forever = ordered_dict(api, redis_client=any_redis, redis_key='forever', dict_keys=(1,), timeout=None)
    forever[1] = 'one'
    assert any_redis.ttl('forever') == -1


def test_bad_keys_and_values_send_nothing(api: Api, redis: redis_py.Redis, round_trips: Callable[[], Any]) -> None:
    with round_trips() as trips, pytest.raises(TypeError):
        ordered_dict(api, redis_client=redis, redis_key='docs', dict_keys=(1, [2]))
    assert trips.count == 0
    docs = ordered_dict(api, redis_client=redis, redis_key='docs', dict_keys=(1,))
    with pytest.raises(TypeError):
        docs[1] = {1, 2}
    with pytest.raises(TypeError):
        docs.update({2: 'two', 3: object()})
    assert not redis.exists('docs')
    assert docs == {1: None}
    assert docs.misses() == {1}


def test_deleting_is_in_memory_only(api: Api, redis: redis_py.Redis) -> None:
    docs = ordered_dict(api, redis_client=redis, redis_key='docs', dict_keys=(1, 2, 3))
    docs[1] = 'one'
    del docs[1]
    docs.pop(2)
    assert docs.misses() == {3}
    assert RedisDict[Any, Any](redis=redis, key='docs').to_dict() == {1: 'one'}


def test_setdefault_fills_a_miss(api: Api, redis: redis_py.Redis) -> None:
    docs = ordered_dict(api, redis_client=redis, redis_key='docs', dict_keys=(1, 2))
    assert docs.setdefault(1, 'one') == 'one'
    assert docs.setdefault(1, 'uno') == 'one'
    assert docs.setdefault(3, 'three') == 'three'
    assert list(docs.items()) == [(1, 'one'), (2, None), (3, 'three')]
    assert RedisDict[Any, Any](redis=redis, key='docs').to_dict() == {1: 'one', 3: 'three'}


def test_copy_and_operators(redis: redis_py.Redis) -> None:
    docs = CachedOrderedDict[Any, Any](redis_client=redis, redis_key='docs', dict_keys=(1, 2))
    docs[1] = 'one'
    copy = docs.copy()
    assert type(copy) is CachedOrderedDict
    assert copy == docs and copy.misses() == {2} and copy.key == 'docs'
    copy[2] = 'two'
    assert docs.misses() == {2}
    merged = docs | {3: 'three'}
    assert type(merged) is OrderedDict and list(merged) == [1, 2, 3]
    assert type({0: 'zero'} | docs) is OrderedDict
    docs |= {2: 'deux'}
    assert docs[2] == 'deux'
    assert RedisDict[Any, Any](redis=redis, key='docs').to_dict() == {1: 'one', 2: 'deux'}
    assert json.dumps(docs) == '{"1": "one", "2": "deux"}'


def test_wrong_redis_type_for_cached_ordered_dict(api: Api, any_redis: Any) -> None:
    any_redis.rpush('list', 'x')
    with pytest.raises(WrongRedisTypeError):
        ordered_dict(api, redis_client=any_redis, redis_key='list', dict_keys=(1,))
    docs = ordered_dict(api, redis_client=any_redis, redis_key='list')
    with pytest.raises(WrongRedisTypeError):
        docs['a'] = 1
    with pytest.raises(WrongRedisTypeError):
        docs.update(a=1)
    with pytest.raises(WrongRedisTypeError):
        docs.setdefault('a', 1)
    assert any_redis.lrange('list', 0, -1) == [b'x'] and list(docs) == []


@pytest.mark.parametrize('deployment', ['standalone', 'cluster'])
def test_cached_ordered_dict_against_a_model(deployment: str, request: pytest.FixtureRequest, api: Api) -> None:
    client = request.getfixturevalue('redis' if deployment == 'standalone' else 'redis_cluster')
    examples = (40 if deployment == 'standalone' else 15) // (2 if api.asynchronous else 1)
    api.client(client)  # the async twin, made outside the examples
    keys = st.one_of(st.integers(0, 5), st.sampled_from(['a', 'b', (1, 'a')]))
    values = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2))
    steps = st.lists(
        st.one_of(
            st.tuples(st.just('new'), st.lists(keys, max_size=6)),
            st.tuples(st.just('set'), st.tuples(keys, values)),
            st.tuples(st.just('update'), st.dictionaries(keys, values, max_size=3)),
        ),
        max_size=12,
    )

    @settings(HYPOTHESIS, max_examples=examples)
    @given(steps=steps)
    def check(steps: list[tuple[str, Any]]) -> None:
        client.delete('model')
        cache: dict[Any, Any] = {}  # what Redis should hold
        docs = ordered_dict(api, redis_client=client, redis_key='model', dict_keys=())
        expected: OrderedDict[Any, Any] = OrderedDict()
        for action, arg in steps:
            if action == 'new':
                docs = ordered_dict(api, redis_client=client, redis_key='model', dict_keys=arg)
                expected = OrderedDict((key, json.loads(json.dumps(cache.get(key)))) for key in arg)
            elif action == 'set':
                docs[arg[0]] = arg[1]
                expected[arg[0]] = arg[1]
                cache[arg[0]] = arg[1]
            else:
                docs.update(arg)
                expected.update(arg)
                cache.update(arg)
            assert list(docs.items()) == list(expected.items())
            assert docs.misses() == {key for key in expected if key not in cache}
        stored: dict[Any, Any] = RedisDict[Any, Any](redis=client, key='model').to_dict()
        assert stored == {key: json.loads(json.dumps(value)) for key, value in cache.items()}

    check()


def test_without_redis_key_and_dict_keys(redis: redis_py.Redis, api: Api) -> None:
    docs = ordered_dict(api, redis_client=redis)
    assert docs.key.startswith('pottery:') and list(docs) == [] and docs.misses() == set()
    docs['a'] = 1
    assert ordered_dict(api, redis_client=redis, redis_key=docs.key, dict_keys=['a'])['a'] == 1
    assert ordered_dict(api, redis_client=redis).key != docs.key


# --- sync and async share a cache; what only the async front has ----------------------


def test_sync_and_async_share_one_cache(any_redis: Any) -> None:
    sync = redis_cache(redis=any_redis, key='{shared}', maxsize=3)(identity)
    asynchronous = cache_of(ASYNC, identity, redis=any_redis, key='{shared}', maxsize=3)
    assert sync(1, a=(2,)) == asynchronous(1, a=(2,)) == [[1], {'a': [2]}]
    assert asynchronous(2) == sync(2) == [[2], {}]
    assert sync.cache_info() == CacheInfo(hits=1, misses=1, maxsize=3, currsize=2)
    assert asynchronous.cache_info() == CacheInfo(hits=1, misses=1, maxsize=3, currsize=2)
    pottery.CachedOrderedDict[Any, Any](redis_client=any_redis, redis_key='docs')['a'] = 1
    assert ordered_dict(ASYNC, redis_client=any_redis, redis_key='docs', dict_keys=['a', 'b']) == {'a': 1, 'b': None}


def test_async_names(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    @pottery.asyncio.redis_cache(redis=client, key='squares')
    async def square(n: int) -> int:
        return n * n

    async def main() -> None:
        call = square(3)
        assert inspect.iscoroutine(call)
        assert await call == 9
        assert await square.__bypass__(3) == 9
        assert await square.cache_info() == CacheInfo(hits=0, misses=1, maxsize=None, currsize=1)
        assert square.cache_parameters()['key'] == 'squares'
        await square.cache_clear()
        assert await square.cache_info() == CacheInfo(hits=0, misses=0, maxsize=None, currsize=0)
        docs = await pottery.asyncio.CachedOrderedDict[Any, Any](redis_client=client, redis_key='d', dict_keys=[1])
        await docs.setitem(1, 'one')
        assert await docs.setdefault(2, 'two') == 'two'
        await docs.update({3: 'three'})
        assert docs == {1: 'one', 2: 'two', 3: 'three'} and docs[1] == 'one' and len(docs) == 3
        with pytest.raises(TypeError, match=r'await d\.setitem\(k, v\)'):
            docs[1] = 'uno'
        with pytest.raises(TypeError, match=r'await d\.update\(other\)'):
            docs |= {4: 'four'}
        assert docs[1] == 'one' and 4 not in docs

    wait(main())
    assert redis.hlen('d') == 3


def test_async_concurrent_coroutines_lose_nothing(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)
    runs: list[int] = []

    @pottery.asyncio.redis_cache(redis=client, key='{gather}', maxsize=20)
    async def ident(n: int) -> int:
        runs.append(n)
        await asyncio.sleep(0)
        return n

    async def main() -> list[int]:
        return await asyncio.gather(*(ident(n % 10) for n in range(200)))

    assert wait(main()) == [n % 10 for n in range(200)]
    info = wait(ident.cache_info())
    assert info.hits + info.misses == 200 and info.misses == len(runs) and info.currsize == 10


def test_async_cancelled_write_is_whole_or_absent(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)
    items = {n: n for n in range(3000)}

    async def main(delay: int) -> None:
        docs = await pottery.asyncio.CachedOrderedDict[Any, Any](redis_client=client, redis_key=f'd{delay}')
        task = asyncio.ensure_future(docs.update(items))
        for _ in range(delay):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    for delay in range(6):
        wait(main(delay))
        assert redis.hlen(f'd{delay}') in {0, 3000}

    started = threading.Event()

    @pottery.asyncio.redis_cache(redis=client, key='slow')
    async def slow() -> int:
        started.set()
        await asyncio.sleep(60)
        return 1

    async def cancelled_miss() -> None:
        task = asyncio.ensure_future(slow())
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    wait(cancelled_miss())
    assert not redis.exists('slow')


# --- documentation -------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / 'docs' / 'cache.md'


def test_docs_examples(redis: redis_py.Redis) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(DOCS.read_text(), {'redis': redis}, 'docs/cache.md', str(DOCS), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 10
    assert result.failed == 0


def test_module_docstrings() -> None:
    result = doctest.testmod(pottery.slots)
    assert result.attempted > 0
    assert result.failed == 0
