"""RedisDeque against ``collections.deque``: same results, same exceptions, same edge cases."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import doctest
import json
import multiprocessing
import operator
import random
import re
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import hypothesis.strategies as st
import pytest
import redis as redis_py
from hypothesis import settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from redis.cluster import RedisCluster

import pottery.deque
from pottery import KeyExistsError, RedisDeque, RedisList, WrongRedisTypeError
from pottery.asyncio import RedisDeque as AsyncRedisDeque
from tests.fronts import ASYNC, Api, wait
from tests.test_list import SMALL, VALUES, connect, measure, outcome, shared_servers

# --- the spec and the basics -------------------------------------------------------------


def test_readme_example(redis: redis_py.Redis) -> None:
    d: RedisDeque[str] = RedisDeque('ghi', redis=redis, key='letters')
    assert [elem.upper() for elem in d] == ['G', 'H', 'I']
    d.append('j')
    d.appendleft('f')
    assert repr(d) == "RedisDeque(['f', 'g', 'h', 'i', 'j'])"
    assert (d.pop(), d.popleft(), list(d), d[0], d[-1]) == ('j', 'f', ['g', 'h', 'i'], 'g', 'i')
    assert list(reversed(d)) == ['i', 'h', 'g'] and 'h' in d
    d.extend('jkl')
    d.rotate(1)
    assert repr(d) == "RedisDeque(['l', 'g', 'h', 'i', 'j', 'k'])"
    d.rotate(-1)
    assert repr(RedisDeque(reversed(d), redis=redis)) == "RedisDeque(['l', 'k', 'j', 'i', 'h', 'g'])"
    d.clear()
    d.extendleft('abc')
    assert repr(d) == "RedisDeque(['c', 'b', 'a'])"


def test_docstring_examples(redis: redis_py.Redis) -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(pottery.deque, globs={'redis': redis, 'RedisDeque': RedisDeque}):
        redis.flushdb()
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_not_a_stdlib_deque(redis: redis_py.Redis) -> None:
    d: RedisDeque[int] = RedisDeque([1, 2], redis=redis)
    assert not isinstance(d, collections.deque)
    assert isinstance(d, collections.abc.MutableSequence)
    assert not isinstance(d, RedisList)
    with pytest.raises(TypeError, match="sequence index must be integer, not 'slice'"):
        d[0:1]
    with pytest.raises(TypeError):
        json.dumps(d)  # like a deque, not JSON serializable
    assert not hasattr(d, 'sort')
    with pytest.raises(TypeError):
        hash(d)


@pytest.mark.parametrize('maxlen', ['a', 1.0, -1, 2**70, None, 0, 3, True])
def test_maxlen_validation(redis: redis_py.Redis, maxlen: Any, api: Api) -> None:
    assert outcome(lambda: api.RedisDeque('abcd', maxlen, redis=redis).maxlen) == outcome(
        lambda: collections.deque('abcd', maxlen).maxlen
    )


def test_maxlen_semantics(redis: redis_py.Redis, api: Api) -> None:
    d: Any = api.RedisDeque('abcdef', maxlen=3, redis=redis, key='bounded')
    assert d.to_list() == ['d', 'e', 'f'] and d.maxlen == 3
    d.append('g')
    d.appendleft('c')
    assert list(d) == ['c', 'e', 'f']
    with pytest.raises(IndexError, match='deque already at its maximum size'):
        d.insert(1, 'x')
    # Another instance on the same key, unbounded, sees the same items.
    same: Any = api.RedisDeque(redis=redis, key='bounded')
    same.extend('xyz')
    assert same.maxlen is None and len(same) == 6
    zero: Any = api.RedisDeque('abc', maxlen=0, redis=redis)
    zero.append('a')
    zero.extendleft('bc')
    assert zero.to_list() == [] and len(zero) == 0
    with pytest.raises(IndexError):
        zero.insert(0, 'a')
    assert d.copy().maxlen == 3


def test_maxlen_is_read_only(redis: redis_py.Redis) -> None:
    d: RedisDeque[str] = RedisDeque('abcdef', maxlen=3, redis=redis)
    assert repr(d) == "RedisDeque(['d', 'e', 'f'], maxlen=3)"
    with pytest.raises(AttributeError):
        d.maxlen = 4  # type: ignore[misc]  # read-only, as deque's


def test_maxlen_below_an_existing_list_raises(any_redis: Any, api: Api) -> None:
    # pottery 3.0.1: a bounded deque on a key whose list is already longer
    # than maxlen raises IndexError (and leaves the list alone).
    any_redis.rpush('long', *(json.dumps(n) for n in range(5)))
    for maxlen in (0, 2, 4):
        with pytest.raises(IndexError):
            api.RedisDeque(maxlen=maxlen, redis=any_redis, key='long')
    assert any_redis.lrange('long', 0, -1) == [b'0', b'1', b'2', b'3', b'4']
    for maxlen in (5, 6):
        assert api.RedisDeque(maxlen=maxlen, redis=any_redis, key='long').to_list() == [0, 1, 2, 3, 4]
    assert api.RedisDeque(maxlen=1, redis=any_redis, key='absent').to_list() == []


def test_to_list(any_redis: Any, api: Api) -> None:
    d: Any = api.RedisDeque('abc', maxlen=2, redis=any_redis)
    assert d.to_list() == ['b', 'c'] and type(d.to_list()) is list


def test_constructor_with_items_on_existing_key(redis: redis_py.Redis, api: Api) -> None:
    api.RedisDeque('ab', redis=redis, key='taken')
    with pytest.raises(KeyExistsError):
        api.RedisDeque('c', redis=redis, key='taken')
    assert list(api.RedisDeque(redis=redis, key='taken')) == ['a', 'b']
    assert api.RedisDeque(api.RedisDeque('xyz', redis=redis), 2, redis=redis).to_list() == ['y', 'z']


def test_shares_layout_with_redis_list(redis: redis_py.Redis, api: Api) -> None:
    api.RedisList([1, 'a'], redis=redis, key='shared')
    assert list(api.RedisDeque(redis=redis, key='shared')) == [1, 'a']


def test_wrong_redis_type(any_redis: Any, api: Api) -> None:
    any_redis.set('string', 'x')
    d: Any = api.RedisDeque(redis=any_redis, key='string')
    attempts: list[Callable[[], Any]] = [
        lambda: d.append('x'),
        lambda: d.appendleft('x'),
        lambda: d.extendleft('x'),
        d.pop,
        d.popleft,
        lambda: d.rotate(2),
        lambda: d.rotate(1),
        lambda: len(d),
        d.to_list,
        lambda: list(d),
        lambda: list(reversed(d)),
        lambda: d[0],
        lambda: 'x' in d,
        lambda: d == collections.deque(),
        d.copy,
    ]
    for attempt in attempts:
        with pytest.raises(WrongRedisTypeError, match='list'):
            attempt()
    with pytest.raises(WrongRedisTypeError):
        api.RedisDeque(maxlen=3, redis=any_redis, key='string')
    assert any_redis.get('string') == b'x'


def test_operators(redis: redis_py.Redis) -> None:
    d: RedisDeque[int] = RedisDeque([1, 2], maxlen=3, redis=redis)
    assert d == collections.deque([1, 2]) and d == RedisDeque([1, 2], redis=redis) and d != [1, 2]
    assert d < collections.deque([1, 3]) and d >= RedisDeque([1], redis=redis)
    with pytest.raises(TypeError):
        _ = d < [1, 3]
    both = d + collections.deque([3, 4])
    assert type(both) is collections.deque and both == collections.deque([2, 3, 4], maxlen=3)
    assert collections.deque([0]) + d == collections.deque([0, 1, 2])
    assert d * 2 == collections.deque([2, 1, 2]) and (d * 2).maxlen == 3
    with pytest.raises(TypeError, match='can only concatenate deque'):
        _ = d + [1]  # type: ignore[operator]  # noqa: RUF005  # the + operator under test
    d *= 2
    assert list(d) == [2, 1, 2]
    d += [5]
    assert list(d) == [1, 2, 5]


# --- bad input ---------------------------------------------------------------------------


def test_unencodable_items_write_nothing(any_redis: Any, api: Api) -> None:
    d: Any = api.RedisDeque([1, 2, 3], maxlen=5, redis=any_redis, key='bad')
    before = any_redis.lrange('bad', 0, -1)
    attempts: list[Callable[[], Any]] = [
        lambda: d.append(object()),
        lambda: d.appendleft(object()),
        lambda: d.extend([1, object()]),
        lambda: d.extendleft([1, object()]),
        lambda: d.extend([object(), *range(10)]),  # even an item the maxlen trim would drop
        lambda: d.insert(1, object()),
        lambda: d.__setitem__(0, object()),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError):
            attempt()
        assert any_redis.lrange('bad', 0, -1) == before
    with pytest.raises(TypeError):
        api.RedisDeque([1, object()], redis=any_redis, key='new')
    assert not any_redis.exists('new')


@pytest.mark.parametrize('n', ['a', 1.0, None, 2**70])
def test_rotate_validation(redis: redis_py.Redis, n: Any, api: Api) -> None:
    d: Any = api.RedisDeque([1, 2, 3], redis=redis)
    assert outcome(lambda: d.rotate(n)) == outcome(lambda: collections.deque([1, 2, 3]).rotate(n))
    assert list(d) == [1, 2, 3]


@pytest.mark.parametrize('n', [0, 1, -1, 2, 3, 7, -7, 10**18 + 1, -(10**18) - 1, 2**63 - 1, -(2**63)])
def test_rotate_big(redis: redis_py.Redis, n: int, api: Api) -> None:
    for size in (0, 1, 2, 5, 1500):
        model = collections.deque(range(size))
        d: Any = api.RedisDeque(model, redis=redis, key='rotate')
        d.rotate(n)
        model.rotate(n)
        assert list(d) == list(model), (size, n)
        redis.delete('rotate')


# --- Redis Cluster ---------------------------------------------------------------------------


def test_cluster_cross_slot(redis_cluster: RedisCluster) -> None:
    left: RedisDeque[int] = RedisDeque([1, 2], maxlen=3, redis=redis_cluster, key='left')
    right: RedisDeque[int] = RedisDeque([3], redis=redis_cluster, key='right')
    assert left + right == collections.deque([1, 2, 3]) and left < right and left != right
    left.extend(right)
    left.extendleft(right)
    assert list(left) == [3, 1, 2]
    left += right
    assert list(left) == [1, 2, 3]
    assert list(left.copy()) == [1, 2, 3] and left.copy().maxlen == 3


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize('maxlen', [None, 100])
def test_round_trip_budgets(any_redis: Any, maxlen: int | None, round_trips: Callable[[], Any], api: Api) -> None:
    d: Any = api.RedisDeque(range(50), maxlen, redis=any_redis, key='{budget}deque')
    other: Any = api.RedisDeque([1, 2], redis=any_redis, key='{budget}other')
    budgets: dict[str, tuple[int, Callable[[], Any]]] = {
        'append': (1, lambda: d.append(1)),
        'appendleft': (1, lambda: d.appendleft(1)),
        'extend(n)': (1, lambda: d.extend(range(30))),
        'extendleft(n)': (1, lambda: d.extendleft(range(30))),
        'extend(same-slot RedisDeque)': (1, lambda: d.extend(other)),
        'pop()': (1, d.pop),
        'popleft()': (1, d.popleft),
        'd[i]': (1, lambda: d[3]),
        'd[i] = v': (1, lambda: d.__setitem__(3, 'x')),
        'del d[i]': (1, lambda: d.__delitem__(3)),
        'insert': (1, partial(_insert, d)),
        'rotate(n)': (1, lambda: d.rotate(17)),
        'len': (1, lambda: len(d)),
        'in': (1, lambda: 'absent' in d),
        'iter': (1, lambda: [item for item in d]),
        'reverse': (1, d.reverse),
        'to_list': (1, d.to_list),
        '== RedisDeque': (1, lambda: d == other),
    }
    if not api.asynchronous:  # sync-only: repr and the in-place operators
        budgets['repr'] = (1, lambda: repr(d))
        budgets['*='] = (1, lambda: other.__imul__(2))
    measured = {name: measure(func, round_trips) for name, (_, func) in budgets.items()}
    assert measured == {name: budget for name, (budget, _) in budgets.items()}


def _insert(d: Any) -> None:
    # On a full bounded deque, insert costs one round trip to find out.
    with contextlib.suppress(IndexError):
        d.insert(3, 'y')


# --- the oracle: a state machine against collections.deque --------------------------------


class DequeMachine(RuleBasedStateMachine):
    """Apply each operation to a deque and to a RedisDeque; compare everything."""

    client: Any = None
    api: Api
    KEY = 'pottery-test:deque-machine'

    def __init__(self) -> None:
        super().__init__()
        self.model: collections.deque[Any] = collections.deque()
        self.d: Any = self.api.RedisDeque(redis=self.client, key=self.KEY)

    @initialize(items=st.lists(VALUES, max_size=8), maxlen=st.sampled_from([None, None, 0, 1, 3, 6]))
    def start(self, items: list[Any], maxlen: int | None) -> None:
        self.client.delete(self.KEY)
        self.model = collections.deque(items, maxlen)
        self.d = self.api.RedisDeque(items, maxlen, redis=self.client, key=self.KEY)

    def same(self, redis_side: Callable[[], Any], deque_side: Callable[[], Any]) -> None:
        assert outcome(redis_side) == outcome(deque_side)

    @rule(value=VALUES)
    def append(self, value: Any) -> None:
        self.same(partial(self.d.append, value), partial(self.model.append, value))

    @rule(value=VALUES)
    def appendleft(self, value: Any) -> None:
        self.same(partial(self.d.appendleft, value), partial(self.model.appendleft, value))

    @rule(values=st.lists(VALUES, max_size=5))
    def extend(self, values: list[Any]) -> None:
        self.same(partial(self.d.extend, values), partial(self.model.extend, values))

    @rule(values=st.lists(VALUES, max_size=5))
    def extendleft(self, values: list[Any]) -> None:
        self.same(partial(self.d.extendleft, values), partial(self.model.extendleft, values))

    @rule()
    def extend_self(self) -> None:
        self.same(partial(self.d.extend, self.d), partial(self.model.extend, self.model))

    @rule()
    def pop(self) -> None:
        self.same(self.d.pop, self.model.pop)

    @rule()
    def popleft(self) -> None:
        self.same(self.d.popleft, self.model.popleft)

    @rule(n=st.one_of(st.integers(-7, 7), st.sampled_from([10**12 + 1, -(10**12), 'a'])))
    def rotate(self, n: Any) -> None:
        self.same(partial(self.d.rotate, n), partial(self.model.rotate, n))

    @rule(value=VALUES, start=st.one_of(st.none(), SMALL), stop=st.one_of(st.none(), SMALL))
    def index(self, value: Any, start: int | None, stop: int | None) -> None:
        args = [arg for arg in (start, stop if start is not None else None) if arg is not None]
        self.same(partial(self.d.index, value, *args), partial(self.model.index, value, *args))

    @rule(index=st.integers(-10, 10), value=VALUES)
    def insert(self, index: int, value: Any) -> None:
        self.same(partial(self.d.insert, index, value), partial(self.model.insert, index, value))

    @rule(value=VALUES)
    def remove(self, value: Any) -> None:
        self.same(partial(self.d.remove, value), partial(self.model.remove, value))

    @rule(value=VALUES)
    def count_and_contains(self, value: Any) -> None:
        self.same(
            lambda: (self.d.count(value), value in self.d), lambda: (self.model.count(value), value in self.model)
        )

    @rule()
    def reverse(self) -> None:
        self.same(self.d.reverse, self.model.reverse)

    @rule(index=st.one_of(SMALL, st.sampled_from(['a', 1.5, slice(0, 1)])))
    def getitem(self, index: Any) -> None:
        self.same(partial(operator.getitem, self.d, index), partial(operator.getitem, self.model, index))

    @rule(index=st.one_of(SMALL, st.sampled_from(['a', slice(0, 1)])), value=VALUES)
    def setitem(self, index: int, value: Any) -> None:
        self.same(partial(operator.setitem, self.d, index, value), partial(operator.setitem, self.model, index, value))

    @rule(index=st.one_of(SMALL, st.sampled_from(['a', slice(0, 1)])))
    def delitem(self, index: Any) -> None:
        self.same(partial(operator.delitem, self.d, index), partial(operator.delitem, self.model, index))

    @rule()
    def clear(self) -> None:
        self.same(self.d.clear, self.model.clear)

    @precondition(lambda self: not self.api.asynchronous)  # operators are sync-only
    @rule(values=st.lists(VALUES, max_size=4))
    def iadd(self, values: list[Any]) -> None:
        def redis_side() -> None:
            self.d += values

        def deque_side() -> None:
            self.model += values

        self.same(redis_side, deque_side)

    @precondition(lambda self: not self.api.asynchronous)
    @rule(times=st.integers(-1, 3))
    def imul(self, times: int) -> None:
        def redis_side() -> None:
            self.d *= times

        def deque_side() -> None:
            self.model *= times

        self.same(redis_side, deque_side)

    @precondition(lambda self: not self.api.asynchronous)
    @rule(values=st.lists(VALUES, max_size=4), maxlen=st.sampled_from([None, 2]))
    def binary_operators(self, values: list[Any], maxlen: int | None) -> None:
        other = collections.deque(values, maxlen)
        self.same(lambda: self.d + other, lambda: self.model + other)
        self.same(lambda: other + self.d, lambda: other + self.model)
        self.same(lambda: self.d * 2, lambda: self.model * 2)
        for op in ('__eq__', '__ne__', '__lt__', '__le__', '__gt__', '__ge__'):
            self.same(partial(getattr(self.d, op), other), partial(getattr(self.model, op), other))

    @rule()
    def views(self) -> None:
        self.same(
            lambda: (len(self.d), list(self.d), list(reversed(self.d)), bool(self.d), self.d.maxlen),
            lambda: (
                len(self.model),
                list(self.model),
                list(reversed(self.model)),
                bool(self.model),
                self.model.maxlen,
            ),
        )
        copy = self.d.copy()
        assert (list(copy), copy.maxlen) == (list(self.model), self.model.maxlen)

    @rule(values=st.lists(VALUES, max_size=4))
    def equals(self, values: list[Any]) -> None:
        for other in (collections.deque(values), values):
            self.same(partial(operator.eq, self.d, other), partial(operator.eq, self.model, other))

    @invariant()
    def contents(self) -> None:
        assert repr(self.d.to_list()) == repr(list(self.model))
        if not self.api.asynchronous:
            assert repr(self.d) == 'RedisD' + repr(self.model)[1:]


@pytest.mark.parametrize(('where', 'examples', 'steps'), [('standalone', 60, 30), ('cluster', 15, 20)])
def test_deque_machine(where: str, examples: int, steps: int, request: pytest.FixtureRequest, api: Api) -> None:
    DequeMachine.client = request.getfixturevalue('redis' if where == 'standalone' else 'redis_cluster')
    DequeMachine.api = api
    if api.asynchronous:  # the same rules, fewer examples: the suite's time budget
        examples //= 2
    run_state_machine_as_test(
        DequeMachine, settings=settings(max_examples=examples, stateful_step_count=steps, deadline=None)
    )


# --- several processes on one key ----------------------------------------------------------


@pytest.fixture(params=['standalone', 'cluster'])
def shared(request: pytest.FixtureRequest) -> tuple[str, Any]:
    return shared_servers(request)


def _bounded_worker(url: str, key: str, worker: int, count: int, queue: Any, *, maxlen: int) -> None:
    d: RedisDeque[Any] = RedisDeque(maxlen=maxlen, redis=connect(url), key=key)
    rng = random.Random(worker)
    popped = []
    for n in range(count):
        choice = rng.random()
        if choice < 0.3:
            d.append([worker, n])
        elif choice < 0.6:
            d.appendleft([worker, n])
        elif choice < 0.8:
            d.extend([[worker, n, 'a'], [worker, n, 'b']])
        else:
            with contextlib.suppress(IndexError):
                popped.append(d.popleft() if choice < 0.9 else d.pop())
    queue.put(popped)


def test_processes_never_exceed_maxlen(shared: tuple[str, Any]) -> None:
    url, redis = shared
    maxlen = 20
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    processes = [
        context.Process(target=_bounded_worker, args=(url, 'bounded', n, 300, queue), kwargs={'maxlen': maxlen})
        for n in range(4)
    ]
    for process in processes:
        process.start()
    longest = 0
    while any(process.is_alive() for process in processes) and queue.qsize() < len(processes):
        longest = max(longest, int(redis.llen('bounded')))
        time.sleep(0.001)
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert longest <= maxlen and redis.llen('bounded') <= maxlen
    popped = [json.dumps(item) for result in results for item in result]
    left = [json.dumps(item) for item in RedisDeque[Any](redis=redis, key='bounded')]
    assert len(popped + left) == len(set(popped + left))  # nothing returned twice


def _queue_worker(url: str, key: str, worker: int, count: int, queue: Any) -> None:
    d: RedisDeque[Any] = RedisDeque(redis=connect(url), key=key)
    rng = random.Random(worker)
    popped = []
    for n in range(count):
        (d.append if rng.random() < 0.5 else d.appendleft)([worker, n])
        if rng.random() < 0.6:
            with contextlib.suppress(IndexError):
                popped.append(d.popleft() if rng.random() < 0.5 else d.pop())
        if rng.random() < 0.1:
            d.rotate(rng.randint(-3, 3))
    queue.put(popped)


def test_processes_append_pop_rotate(shared: tuple[str, Any]) -> None:
    url, redis = shared
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    processes = [context.Process(target=_queue_worker, args=(url, 'queue', n, 250, queue)) for n in range(4)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    popped = [tuple(item) for result in results for item in result]
    left = [tuple(item) for item in RedisDeque[Any](redis=redis, key='queue')]
    assert len(popped + left) == len(set(popped + left)) == 4 * 250  # none lost, none twice


# --- asyncio only -----------------------------------------------------------------------


def test_async_refuses_blocking_syntax(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        d: Any = await AsyncRedisDeque('ab', maxlen=3, redis=client, key='letters')
        assert repr(d) == '<RedisDeque key=letters>' and d.maxlen == 3
        table: list[tuple[Callable[[], Any], str]] = [
            (lambda: len(d), 'await x.len()'),
            (lambda: 'a' in d, 'await x.contains(item)'),
            (lambda: d[0], 'await x.getitem(key)'),
            (lambda: d.__setitem__(0, 'z'), 'await x.setitem(key, value)'),
            (lambda: d.__delitem__(0), 'await x.delitem(key)'),
            (lambda: d == collections.deque('ab'), 'await x.equals(other)'),
            (lambda: list(d), 'async for item in x'),
            (lambda: list(reversed(d)), 'async for item in x.reversed()'),
            (lambda: d.__iadd__('c'), 'await x.extend(other)'),
        ]
        for use, coroutine in table:
            with pytest.raises(TypeError, match=re.escape(coroutine)):
                use()
        await d.appendleft('z')
        await d.rotate(-1)
        assert [item async for item in d] == ['a', 'b', 'z'] and await d.popleft() == 'a'
        assert await d.equals(collections.deque('bz')) and await d.to_list() == ['b', 'z']

    wait(main())


def test_async_concurrent_pushes_and_pops(redis: redis_py.Redis) -> None:
    # 200 coroutines push to both ends, then 200 pop: nothing lost, nothing twice.
    client = ASYNC.client(redis)

    async def main() -> list[Any]:
        d: Any = AsyncRedisDeque(redis=client, key='shared')
        await asyncio.gather(*((d.append if i % 2 else d.appendleft)(i) for i in range(200)))
        return await asyncio.gather(*((d.pop if i % 2 else d.popleft)() for i in range(200)))

    assert sorted(wait(main())) == list(range(200))
    assert redis.llen('shared') == 0
