"""Where the containers once differed from the stdlib (issue 11): a test per case.

Each was found by differential testing against ``list``, ``set``, ``dict``,
``Counter`` and ``deque``; the tests compare with the stdlib type itself
where it has the operation.  Plus the constructor checks: bad arguments fail
at construction, and nothing is written.
"""

from __future__ import annotations

import collections
import copy
import multiprocessing
import pickle
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis as redis_py

import pottery
import pottery.asyncio
import pottery.sequence
from pottery import (
    BloomFilter,
    CachedOrderedDict,
    HyperLogLog,
    RedisCounter,
    RedisDeque,
    RedisDict,
    RedisList,
    RedisSet,
    RedisSimpleQueue,
    redis_cache,
)
from tests.fronts import Api, async_twin, wait

# --- slices with huge steps -----------------------------------------------------------

HUGE_STEPS = [2**53, -(2**53), 2**53 + 1, -(2**53) - 1, 2**63, -(2**63), 2**70, -(2**70)]


@pytest.mark.parametrize('step', HUGE_STEPS)
def test_slice_with_a_huge_step_reads_like_list(redis: redis_py.Redis, api: Api, step: int) -> None:
    lst: Any = api.RedisList([0, 1, 2], redis=redis)
    assert lst[::step] == [0, 1, 2][::step]
    assert lst[1::step] == [0, 1, 2][1::step]


@pytest.mark.parametrize('step', HUGE_STEPS)
def test_slice_with_a_huge_step_writes_like_list(redis: redis_py.Redis, api: Api, step: int) -> None:
    expected: list[Any] = [0, 1, 2]
    expected[::step] = ['x']
    lst: Any = api.RedisList([0, 1, 2], redis=redis)
    lst[::step] = ['x']
    assert lst.to_list() == expected
    del expected[::step]
    del lst[::step]
    assert lst.to_list() == expected


# --- sets look a set argument up as a frozenset ----------------------------------------


def test_set_argument_is_looked_up_as_a_frozenset(redis: redis_py.Redis, api: Api) -> None:
    plain: Any = {1}
    stored: Any = api.RedisSet({1}, redis=redis)
    assert ({1} in stored) is ({1} in plain) is False
    assert stored.discard({1}) is plain.discard({1}) is None
    for target in (plain, stored):
        with pytest.raises(KeyError) as caught:
            target.remove({1})
        assert caught.value.args == ({1},)
    assert stored.contains_many({1}, 1) == (False, True)
    assert stored.to_set() == plain == {1}


# --- deque indices beyond ssize_t ---------------------------------------------------
#
# d[i] = v, del d[i] and operator.setitem/delitem convert i with IndexError on
# deque (PyObject_SetItem); only an explicit d.__setitem__(i, v) call, through
# the slot wrapper, says OverflowError.  RedisDeque follows the syntax.


@pytest.mark.parametrize('index', [2**63, -(2**63) - 1, 2**100])
def test_deque_index_beyond_ssize_t_raises_as_deque(redis: redis_py.Redis, api: Api, index: int) -> None:
    plain, stored = collections.deque([1, 2, 3]), api.RedisDeque([1, 2, 3], redis=redis)
    for target in (plain, stored):
        with pytest.raises(IndexError, match="cannot fit 'int' into an index-sized integer"):
            target[index]
        with pytest.raises(IndexError, match="cannot fit 'int' into an index-sized integer"):
            target[index] = 0
        with pytest.raises(IndexError, match="cannot fit 'int' into an index-sized integer"):
            del target[index]
    assert stored.to_list() == list(plain) == [1, 2, 3]


# --- copy.copy and copy.deepcopy ------------------------------------------------------

COPYABLE: list[tuple[Callable[..., Any], Any, Callable[[Any], Any], Callable[[Any], Any]]] = [
    # (class, initial data, a change, how to read it all)
    (RedisDict, {'a': 1}, lambda d: d.__setitem__('b', 2), dict),
    (RedisSet, {1, 2}, lambda s: s.add(3), set),
    (RedisCounter, {'a': 2}, lambda c: c.update(a=1), dict),
    (RedisList, [1, [2]], lambda lst: lst.append(3), list),
    (RedisDeque, [1, [2]], lambda d: d.appendleft(0), list),
]


@pytest.mark.parametrize('make, data, change, read', COPYABLE, ids=lambda x: getattr(x, '__name__', ''))
@pytest.mark.parametrize('copier', [copy.copy, copy.deepcopy], ids=['copy', 'deepcopy'])
def test_copy_is_an_independent_container(
    *,
    redis: redis_py.Redis,
    make: Callable[..., Any],
    data: Any,
    change: Callable[[Any], Any],
    read: Callable[[Any], Any],
    copier: Callable[[Any], Any],
) -> None:
    original = make(data, redis=redis)  # a random key, deleted once original is collected
    dup = copier(original)
    assert type(dup) is type(original) and dup.key != original.key and read(dup) == read(original)
    change(dup)
    assert read(dup) != read(original) == read(make(data, redis=redis))
    assert {dup.key, original.key} <= {key.decode() for key in redis.scan_iter()}


def test_copy_refused_where_there_is_no_copy(redis: redis_py.Redis) -> None:
    container: Any
    for container in (
        BloomFilter(num_elements=10, false_positives=0.01, redis=redis),
        HyperLogLog(redis=redis),
        RedisSimpleQueue(redis=redis),
    ):
        for copier in (copy.copy, copy.deepcopy):
            with pytest.raises(TypeError, match=r'cannot copy \w+ object: a copy would be a second handle'):
                copier(container)


def test_async_copy_names_the_coroutine(redis: redis_py.Redis) -> None:
    client = async_twin(redis)
    container: Any
    for container in (pottery.asyncio.RedisDict(redis=client), pottery.asyncio.RedisList(redis=client)):
        with pytest.raises(TypeError, match=r'use await x\.copy\(\) for an independent copy'):
            copy.copy(container)
    with pytest.raises(TypeError, match=r'cannot copy HyperLogLog object: [^;]*$'):
        copy.deepcopy(pottery.asyncio.HyperLogLog(redis=client))


def test_cached_function_copies_as_itself(redis: redis_py.Redis) -> None:
    # As functools.lru_cache's wrapper does.
    cached = redis_cache(redis=redis, key='cache:double')(lambda x: 2 * x)
    assert copy.copy(cached) is cached and copy.deepcopy(cached) is cached


def test_cached_ordered_dict_copies_without_writing(redis: redis_py.Redis, round_trips: Callable[[], Any]) -> None:
    cached: CachedOrderedDict[str, Any] = CachedOrderedDict(redis_client=redis, redis_key='cache', dict_keys=['a'])
    cached['a'] = [1]
    with round_trips() as trips:
        shallow, deep = copy.copy(cached), copy.deepcopy(cached)
    assert trips.count == 0
    assert shallow == deep == {'a': [1]} and shallow.key == deep.key == 'cache'
    assert shallow['a'] is cached['a'] and deep['a'] is not cached['a']


# --- pickling: refused, with the reason -------------------------------------------------


def containers(redis: redis_py.Redis) -> Iterator[Any]:
    client = async_twin(redis)
    for front, client_of_front in ((pottery, redis), (pottery.asyncio, client)):
        yield front.RedisDict(redis=client_of_front)
        yield front.RedisSet(redis=client_of_front, key='set')
        yield front.RedisCounter(redis=client_of_front)
        yield front.RedisList(redis=client_of_front)
        yield front.RedisDeque(redis=client_of_front)
        yield front.BloomFilter(num_elements=10, false_positives=0.01, redis=client_of_front)
        yield front.HyperLogLog(redis=client_of_front)
        yield front.RedisSimpleQueue(redis=client_of_front)


def test_pickling_a_container_is_refused_with_the_reason(redis: redis_py.Redis) -> None:
    for container in containers(redis):
        with pytest.raises(TypeError, match=r'cannot pickle \w+ object: it is a handle on the Redis key .* make \w+'):
            pickle.dumps(container)
    cached: CachedOrderedDict[str, int] = CachedOrderedDict(redis_client=redis, redis_key='cache')
    with pytest.raises(TypeError, match=r'cannot pickle CachedOrderedDict object: .* pickle dict\(D\) instead'):
        pickle.dumps(cached)


# --- sort() and remove() finish while another client keeps writing -------------------


def _rewrite(url: str, key: str, size: int, stop: Any, writes: Any) -> None:
    # Another process that keeps changing every position of the list below
    # ``size`` to one of the values 0-9, 20 writes per round trip, until told
    # to stop: what made the compare-and-set behind sort()/remove() retry
    # without bound (each retry found the list changed again).
    client = redis_py.Redis.from_url(url)
    rng = random.Random(11)
    while not stop.is_set():
        pipe = client.pipeline(transaction=False)
        for _ in range(20):
            pipe.lset(key, rng.randrange(size), str(rng.randrange(10)))
        pipe.execute()
        with writes.get_lock():
            writes.value += 1


@pytest.mark.parametrize('operation', ['sort', 'remove'])
def test_finishes_while_another_process_keeps_writing(
    redis_server: Any, redis: redis_py.Redis, api: Api, operation: str
) -> None:
    size = 5000  # long enough that every read-decide-write window sees a change
    lst: Any = api.RedisList([*(i % 10 for i in range(size)), 'needle'], redis=redis, key='busy')
    context = multiprocessing.get_context('spawn')
    stop, writes = context.Event(), context.Value('i', 0)
    writer = context.Process(target=_rewrite, args=(redis_server.url, 'busy', size, stop, writes))
    writer.start()
    try:
        while writes.value < 10:  # the writer is busy before the operation starts
            stop.wait(0.01)
        before = writes.value
        if operation == 'sort':
            lst.sort(key=str)
        else:
            lst.remove('needle')
        # It finished while the other process kept writing.
        assert writes.value > before and writer.is_alive() and not stop.is_set()
    finally:
        stop.set()
        writer.join(timeout=60)
    assert writer.exitcode == 0
    final = lst.to_list()
    assert ('needle' in final) is (operation == 'sort') and len(final) == size + (operation == 'sort')


def test_remove_judges_texts_written_meanwhile(
    redis: redis_py.Redis, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # True == 1 in Python: a text written after the read, before the first
    # match, must be compared in Python before the script removes anything.
    lst: Any = api.RedisList(['a', 1, 'b'], redis=redis, key='judged')
    pending = [lambda: redis.lpush('judged', 'true')]
    real = pottery.sequence.judge

    def judge(*args: Any) -> Any:
        while pending:
            pending.pop()()
        return real(*args)

    monkeypatch.setattr(pottery.sequence, 'judge', judge)
    lst.remove(1)
    assert lst.to_list() == ['a', 1, 'b']  # the True pushed meanwhile was the first match


# --- constructor checks: a clear error at once, nothing written ----------------------

BAD_CONSTRUCTORS: list[tuple[str, tuple[Any, ...], dict[str, Any], type[Exception], str]] = [
    # (class name, args, kwargs, exception, message)
    *(
        (name, (data,), {'key': key}, TypeError, rf'{name}\(key=...\) takes a str, not {type(key).__name__}')
        for name, data in [
            ('RedisDict', {'a': 1}),
            ('RedisSet', {1}),
            ('RedisCounter', 'aab'),
            ('RedisList', [1]),
            ('RedisDeque', [1]),
            ('HyperLogLog', [1]),
        ]
        for key in (1, b'k', ('k',))
    ),
    ('RedisSimpleQueue', (), {'key': 1}, TypeError, r'RedisSimpleQueue\(key=...\) takes a str, not int'),
    ('BloomFilter', ([1],), {'key': 1, 'num_elements': 10, 'false_positives': 0.01}, TypeError, 'takes a str'),
    ('RedisDict', ({'a': 1},), {'redis': 'localhost'}, TypeError, r'RedisDict\(redis=...\) takes a redis\.'),
    ('RedisDeque', ([1],), {'maxlen': -1}, ValueError, 'maxlen must be non-negative'),
    ('RedisDeque', ([1],), {'maxlen': '3'}, TypeError, 'an integer is required'),
    ('RedisDeque', ([1],), {'maxlen': 2**63}, OverflowError, 'too large'),
    *(
        ('BloomFilter', ([1],), {'num_elements': n, 'false_positives': 0.01}, error, message)
        for n, error, message in [
            (0, ValueError, 'num_elements must be at least 1, not 0'),
            (-5, ValueError, 'num_elements must be at least 1, not -5'),
            ('10', TypeError, 'num_elements must be an int, not str'),
            (10.0, TypeError, 'num_elements must be an int, not float'),
            (True, TypeError, 'num_elements must be an int, not bool'),
            (10**30, ValueError, 'bits; Redis allows'),
        ]
    ),
    *(
        ('BloomFilter', ([1],), {'num_elements': 10, 'false_positives': p}, error, message)
        for p, error, message in [
            (0, ValueError, 'false_positives must be between 0 and 1'),
            (1, ValueError, 'false_positives must be between 0 and 1'),
            (-0.1, ValueError, 'false_positives must be between 0 and 1'),
            (1.5, ValueError, 'false_positives must be between 0 and 1'),
            (float('nan'), ValueError, 'false_positives must be between 0 and 1'),
            ('0.01', TypeError, 'false_positives must be a float, not str'),
        ]
    ),
]


@pytest.mark.parametrize('name, args, kwargs, error, message', BAD_CONSTRUCTORS)
def test_bad_constructor_arguments_fail_at_once(
    *, redis: redis_py.Redis, api: Api, name: str, args: Any, kwargs: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        getattr(api, name)(*args, **{'redis': redis, **kwargs})
    assert redis.dbsize() == 0


@pytest.mark.parametrize(
    'make',
    [
        lambda redis: CachedOrderedDict(redis_client=redis, redis_key='cache', dict_keys=['a'], timeout=-1),
        lambda redis: CachedOrderedDict(redis_client=redis, redis_key='cache', dict_keys=['a'], timeout=0),
        lambda redis: redis_cache(redis=redis, key='cache', timeout=-1),
        lambda redis: redis_cache(redis=redis, key='cache', timeout=float('nan')),
    ],
)
def test_negative_timeout_fails_at_once(redis: redis_py.Redis, make: Callable[[Any], Any]) -> None:
    with pytest.raises(ValueError, match=r'timeout must be positive \(seconds\) or None'):
        make(redis)
    assert redis.dbsize() == 0


def test_async_constructor_checks_send_nothing(redis: redis_py.Redis) -> None:
    # The async twin raises in the constructor itself, before any await.
    client = async_twin(redis)
    with pytest.raises(ValueError, match='maxlen must be non-negative'):
        pottery.asyncio.RedisDeque([1], maxlen=-1, redis=client, key='q')
    with pytest.raises(TypeError, match='takes a str'):
        pottery.asyncio.RedisDict({'a': 1}, redis=client, key=1)  # type: ignore[arg-type]  # the mistake tested
    assert wait(client.dbsize()) == 0
