"""RedisList against ``list``: same results, same exceptions, same edge cases."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import doctest
import gc
import itertools
import json
import multiprocessing
import random
import re
import time
from collections.abc import Callable, Iterator
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

import pottery.base
import pottery.list
import pottery.sequence
from pottery import InefficientAccessWarning, KeyExistsError, RedisList, WrongRedisTypeError
from pottery.asyncio import RedisList as AsyncRedisList
from pottery.sequence import SequenceCore
from tests.fronts import ASYNC, Api, unwrap, wait

# --- helpers shared with test_deque.py ------------------------------------------


def outcome(func: Callable[[], Any]) -> tuple[Any, ...]:
    """What calling func gives: ('ok', repr of the result) or ('error', type, message)."""
    try:
        result = func()
    except Exception as error:  # noqa: BLE001  # the exception is the result being compared
        return ('error', type(error).__name__, str(error))
    if isinstance(unwrap(result), SequenceCore):
        result = result.to_list()
    return ('ok', repr(result))


# JSON-stable values (they read back equal and of the same type), with many
# Python-equal pairs of different types (1, 1.0, True) to exercise equality.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.sampled_from([1.0, 2.5, -0.0]),
    st.text('ab', max_size=2),
    st.lists(st.integers(0, 2), max_size=2),
)
SMALL = st.integers(-8, 8)
BOUNDS = st.one_of(st.none(), SMALL)
STEPS = st.one_of(st.none(), st.integers(-3, 3))


@pytest.fixture
def key() -> str:
    return 'pottery-test:list'


def fresh(client: Any, key: str, items: list[Any]) -> RedisList[Any]:
    client.delete(key)
    return RedisList(items, redis=client, key=key)


# --- the spec -----------------------------------------------------------------------


def test_readme_example(redis: redis_py.Redis) -> None:
    squares = RedisList([1, 4, 9, 16, 25], redis=redis, key='squares')
    assert repr(squares) == 'RedisList[1, 4, 9, 16, 25]'
    assert (squares[0], squares[-1], squares[-3:], squares[:]) == (1, 25, [9, 16, 25], [1, 4, 9, 16, 25])
    more = squares + [36, 49, 64, 81, 100]  # noqa: RUF005  # the + operator under test
    assert isinstance(more, RedisList)
    assert more.key != squares.key and more.redis is squares.redis
    assert repr(more) == 'RedisList[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]'
    assert squares.to_list() == [1, 4, 9, 16, 25]


def test_docstring_examples(redis: redis_py.Redis) -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(pottery.list, globs={'redis': redis, 'RedisList': RedisList}):
        redis.flushdb()
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_storage_layout(redis: redis_py.Redis) -> None:
    RedisList(['a', {'b': 1, 'a': [2.5, None]}, True], redis=redis, key='layout')
    assert redis.lrange('layout', 0, -1) == [b'"a"', b'{"a": [2.5, null], "b": 1}', b'true']


def test_json_dumps(redis: redis_py.Redis) -> None:
    items = [1, 'a', [2, None], {'x': 1.5}]
    assert json.dumps(RedisList(items, redis=redis)) == json.dumps(items)
    assert json.dumps({'l': RedisList([1], redis=redis)}) == '{"l": [1]}'


def test_constructor_with_items_on_existing_key(redis: redis_py.Redis, api: Api) -> None:
    api.RedisList([1, 2], redis=redis, key='taken')
    with pytest.raises(KeyExistsError):
        api.RedisList([3], redis=redis, key='taken')
    assert redis.lrange('taken', 0, -1) == [b'1', b'2']
    assert api.RedisList(redis=redis, key='taken').to_list() == [1, 2]
    assert api.RedisList(api.RedisList([5], redis=redis), redis=redis).to_list() == [5]


def test_wrong_redis_type(any_redis: Any, api: Api) -> None:
    any_redis.set('string', 'x')
    lst: Any = api.RedisList(redis=any_redis, key='string')
    attempts: list[Callable[[], Any]] = [
        lambda: lst.append('x'),
        lambda: len(lst),
        lst.to_list,
        lambda: list(lst),
        lambda: list(reversed(lst)),
        lambda: lst[0:2],
        lambda: lst[0],
        lambda: lst.__setitem__(0, 1),
        lambda: lst.__delitem__(0),
        lambda: 1 in lst,
        lambda: lst.index(1),
        lambda: lst.count(1),
        lambda: lst.insert(1, 1),
        lst.pop,
        lambda: lst.pop(1),
        lambda: lst.remove(1),
        lst.sort,
        lst.reverse,
        lambda: lst.extend([1]),
        lambda: lst == [1],
        lst.copy,
    ]
    for attempt in attempts:
        with pytest.raises(WrongRedisTypeError, match='list'):
            attempt()
    with pytest.raises(KeyExistsError):
        api.RedisList([1], redis=any_redis, key='string')
    assert any_redis.get('string') == b'x'


def test_value_equality_is_pythons(redis: redis_py.Redis, api: Api) -> None:
    lst: Any = api.RedisList([True, 1.0, 1, 'x'], redis=redis)
    stdlib: list[Any] = [True]
    assert lst.index(1) == stdlib.index(1) == 0
    assert lst.count(1) == 3 and 1.0 in lst
    lst.remove(1)
    assert repr(lst.to_list()) == "[1.0, 1, 'x']"


def test_comparisons(redis: redis_py.Redis) -> None:
    lst: RedisList[Any] = RedisList([1, 2], redis=redis)
    other: RedisList[Any] = RedisList([1, 3], redis=redis)
    assert lst == [1, 2] and lst != [1, 3] and lst == RedisList([1, 2], redis=redis)
    assert lst < other and lst <= other and other > lst and other >= [1, 3] and lst < [2]
    assert lst != (1, 2) and (lst == (1, 2)) is False
    with pytest.raises(TypeError):
        _ = lst < (1, 2)
    assert [0] + lst == [0, 1, 2] and type([0] + lst) is list  # noqa: RUF005  # the + operator under test
    with pytest.raises(TypeError):
        _ = lst + (1,)  # type: ignore[operator]  # noqa: RUF005  # the + operator under test
    with pytest.raises(TypeError, match="can't multiply sequence by non-int"):
        _ = lst * 'a'  # type: ignore[operator]
    with pytest.raises(TypeError):
        hash(lst)


def test_copy(any_redis: Any, api: Api) -> None:
    lst: Any = api.RedisList([1, [2]], redis=any_redis, key='orig')
    dup = lst.copy()
    assert isinstance(dup, api.RedisList) and dup.key != lst.key and dup.redis is lst.redis
    assert dup.to_list() == [1, [2]]
    dup.append(3)
    assert lst.to_list() == [1, [2]]


def test_copy_module(redis: redis_py.Redis) -> None:
    lst: RedisList[Any] = RedisList([1, [2]], redis=redis)
    for dup in (copy.copy(lst), copy.deepcopy(lst)):
        assert isinstance(dup, RedisList) and dup.key != lst.key and dup.to_list() == [1, [2]]


@pytest.mark.parametrize('fixture', ['redis_decoded', 'redis_unix'])
def test_other_clients(fixture: str, request: pytest.FixtureRequest, api: Api) -> None:
    client = request.getfixturevalue(fixture)
    lst: Any = api.RedisList(['b', 1, 'a', True], redis=client)
    lst.remove(True)
    lst.sort(key=str)
    lst[0:1] = ['x', 'y']
    assert lst.to_list() == ['x', 'y', 'a', 'b'] and lst.index('a') == 2 and lst.pop(1) == 'y'


def interfere(monkeypatch: pytest.MonkeyPatch, change: Callable[[], Any]) -> None:
    """Run ``change`` (another client's write) once, between a read and the script that writes."""
    pending = [change]

    def hooked(real: Callable[..., Any]) -> Callable[..., Any]:
        def decide(*args: Any) -> Any:
            result = real(*args)
            while pending:
                pending.pop()()
            return result

        return decide

    monkeypatch.setattr(pottery.sequence, 'judge', hooked(pottery.sequence.judge))  # remove()
    monkeypatch.setattr(pottery.list, 'rank', hooked(pottery.list.rank))  # sort()


def test_remove_retries_when_the_prefix_changes(redis: redis_py.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    lst: RedisList[Any] = RedisList(['a', 'x', 'b', 'x'], redis=redis, key='contended')
    other: RedisList[Any] = RedisList(redis=redis, key='contended')
    interfere(monkeypatch, lambda: other.insert(0, 'x'))
    lst.remove('x')  # the first 'x' is now the one inserted meanwhile
    assert lst.to_list() == ['a', 'x', 'b', 'x']


def test_remove_does_not_retry_for_changes_after_the_match(
    redis: redis_py.Redis, monkeypatch: pytest.MonkeyPatch, round_trips: Callable[[], Any]
) -> None:
    lst: RedisList[Any] = RedisList(['a', 'x', 'b'], redis=redis, key='contended')
    lst.remove('b')  # warm up the script
    interfere(monkeypatch, lambda: redis.rpush('contended', '"x"'))
    with quiet(), round_trips() as trips:
        lst.remove('x')
    assert trips.count == 3 and lst.to_list() == ['a', 'x']  # read, the append, the script


def test_sort_retries_when_the_list_changes(redis: redis_py.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    lst: RedisList[Any] = RedisList([3, 1, 2], redis=redis, key='contended')
    interfere(monkeypatch, lambda: redis.rpush('contended', '0'))
    lst.sort()
    assert lst.to_list() == [0, 1, 2, 3]


# --- slicing: an exhaustive sweep against list ------------------------------------
#
# Every (start, stop, step) below on lists of 0 to 5 items, for get, set (with
# values of the right and of a wrong size) and del.  Each case gets its own
# key; the keys are filled, and read back, by one pipeline per batch.

SIZES = range(6)
SWEEP_BOUNDS = [None, *range(-6, 7)]
SWEEP_STEPS = [None, -3, -2, -1, 0, 1, 2, 3]


def sweep_slices() -> Iterator[slice]:
    for start, stop, step in itertools.product(SWEEP_BOUNDS, SWEEP_BOUNDS, SWEEP_STEPS):
        yield slice(start, stop, step)


def sweep(client: redis_py.Redis, cases: list[tuple[Any, ...]], apply: Callable[[Any, Any], Any]) -> None:
    """Run ``apply(target, case)`` on a list and on a RedisList for each case; compare."""
    fill = client.pipeline(transaction=False)
    for number, case in enumerate(cases):
        fill.delete(f'sweep:{number}')
        if case[0]:
            fill.rpush(f'sweep:{number}', *(json.dumps(item) for item in case[0]))
    fill.execute()
    models = []
    for number, case in enumerate(cases):
        model = list(case[0])
        lst: RedisList[Any] = RedisList(redis=client, key=f'sweep:{number}')
        assert outcome(partial(apply, lst, case)) == outcome(partial(apply, model, case)), case
        models.append(model)
    read = client.pipeline(transaction=False)
    for number in range(len(cases)):
        read.lrange(f'sweep:{number}', 0, -1)
    for case, model, raws in zip(cases, models, read.execute(), strict=True):
        assert [json.loads(raw) for raw in raws] == model, case


def test_slice_get_sweep(redis: redis_py.Redis, api: Api) -> None:
    # Reads change nothing: one list per size is enough.
    for size in SIZES:
        model = list(range(size))
        lst: Any = api.RedisList(model, redis=redis, key=f'get-sweep:{size}')
        for index in sweep_slices():
            assert outcome(partial(lst.__getitem__, index)) == outcome(partial(model.__getitem__, index)), index
        assert lst.to_list() == model


def test_slice_set_sweep(redis: redis_py.Redis) -> None:
    cases = []
    for size in SIZES:
        for index in sweep_slices():
            if index.step in (None, 1):
                counts = {0, 2, len(range(size)[index])}
            elif index.step == 0:
                counts = {0}
            else:
                length = len(range(size)[index])
                counts = {length, length + 1}
            cases += [(list(range(size)), index, [f'v{n}' for n in range(count)]) for count in sorted(counts)]

    def assign(target: Any, case: tuple[Any, ...]) -> None:
        target[case[1]] = case[2]

    sweep(redis, cases, assign)


def test_slice_del_sweep(redis: redis_py.Redis) -> None:
    cases = [(list(range(size)), index) for size in SIZES for index in sweep_slices()]

    def delete(target: Any, case: tuple[Any, ...]) -> None:
        del target[case[1]]

    sweep(redis, cases, delete)


@pytest.mark.parametrize('index', [slice('a', None), slice(None, 1.5), slice(None, None, 'x'), slice(2**80, -(2**80))])
def test_odd_slices(redis: redis_py.Redis, index: slice, api: Api) -> None:
    model = [1, 2, 3]
    lst: Any = api.RedisList(model, redis=redis)
    assert outcome(lambda: lst[index]) == outcome(lambda: model[index])


def test_slice_assignment_errors(redis: redis_py.Redis, api: Api) -> None:
    model = [1, 2, 3]
    lst: Any = api.RedisList(model, redis=redis)
    for index, value in [(slice(0, 2), 5), (slice(0, 3, 2), 5), (slice(0, 3, 2), [1]), (slice(None, None, 0), [])]:

        def redis_side(index: slice = index, value: Any = value) -> None:
            lst[index] = value

        def list_side(index: slice = index, value: Any = value) -> None:
            model[index] = value

        assert outcome(redis_side) == outcome(list_side)
    assert lst.to_list() == model == [1, 2, 3]
    lst[:] = lst  # the value is read before anything is written
    lst[1:1] = api.RedisList([7], redis=redis)
    assert lst.to_list() == [1, 7, 2, 3]
    with pytest.raises(ValueError, match='attempt to assign sequence of size 1 to extended slice of size 2'):
        lst[::2] = api.RedisList([7], redis=redis)
    lst[::2] = lst[::2][::-1]
    lst[::-2] = api.RedisList(['a', 'b'], redis=redis)
    assert lst.to_list() == [2, 'b', 1, 'a']


@pytest.mark.parametrize('index', ['a', 1.0, None, 2**70, -(2**70), True])
def test_bad_indices(redis: redis_py.Redis, index: Any, api: Api) -> None:
    model = [1, 2]
    lst: Any = api.RedisList(model, redis=redis)
    assert outcome(lambda: lst[index]) == outcome(lambda: model[index])

    def redis_set() -> None:
        lst[index] = 0

    def list_set() -> None:
        model[index] = 0

    assert outcome(redis_set) == outcome(list_set)

    def redis_del() -> None:
        del lst[index]

    def list_del() -> None:
        del model[index]

    assert outcome(redis_del) == outcome(list_del)
    assert lst.to_list() == model


def test_big_list_slices_and_chunks(any_redis: Any, api: Api) -> None:
    model: list[Any] = list(range(2500))
    lst: Any = api.RedisList(model, redis=any_redis)
    assert list(lst) == model and list(reversed(lst)) == model[::-1]
    assert lst.index(2400) == 2400 and lst.index(5, -2499) == 5 and lst.count(1234) == 1 and 2499 in lst
    for index in [slice(10, 20), slice(2400, 2490), slice(1000, 1001), slice(None, None, 7), slice(2000, 100, -13)]:
        assert lst[index] == model[index]
        lst[index] = ['x'] * len(model[index])
        model[index] = ['x'] * len(model[index])
        del lst[index]
        del model[index]
        assert lst.to_list() == model
    lst[3:1500] = [1, 2]
    model[3:1500] = [1, 2]
    lst[-4:] = list(range(3000))
    model[-4:] = list(range(3000))
    assert lst.to_list() == model


# --- bad input ------------------------------------------------------------------------


def test_unencodable_items_write_nothing(any_redis: Any, api: Api) -> None:
    lst: Any = api.RedisList([1, 2, 3], redis=any_redis, key='bad')
    before = any_redis.lrange('bad', 0, -1)
    attempts: list[Callable[[], Any]] = [
        lambda: lst.append(object()),
        lambda: lst.extend([1, object()]),
        lambda: lst.insert(1, object()),
        lambda: lst.__setitem__(0, object()),
        lambda: lst.__setitem__(slice(0, 2), [4, object()]),
    ]
    if not api.asynchronous:  # operators are sync-only
        attempts += [lambda: lst.__iadd__([4, {1, 2}]), lambda: lst + [object()]]  # noqa: RUF005  # the + operator under test
    for attempt in attempts:
        with pytest.raises(TypeError):
            attempt()
        assert any_redis.lrange('bad', 0, -1) == before
    with pytest.raises(TypeError):
        api.RedisList([1, object()], redis=any_redis, key='new')
    assert not any_redis.exists('new')
    with pytest.raises(TypeError):
        lst.sort(key=lambda x: object() if x == 2 else 0)
    assert any_redis.lrange('bad', 0, -1) == before


def test_not_iterable(redis: redis_py.Redis, api: Api) -> None:
    model = [1]
    lst: Any = api.RedisList(model, redis=redis)
    for name in ('extend',) if api.asynchronous else ('extend', '__iadd__'):
        assert outcome(partial(getattr(lst, name), 5)) == outcome(partial(getattr(model, name), 5))


# --- Redis Cluster: operations between keys in different slots --------------------


def test_cluster_cross_slot(redis_cluster: RedisCluster) -> None:
    left: RedisList[Any] = RedisList([1, 2], redis=redis_cluster, key='left')
    right: RedisList[Any] = RedisList([3], redis=redis_cluster, key='right')
    assert redis_cluster.keyslot('left') != redis_cluster.keyslot('right')  # type: ignore[no-untyped-call]  # untyped upstream
    assert (left + right).to_list() == [1, 2, 3]
    assert (left * 2).to_list() == [1, 2, 1, 2]
    assert left < right and left != right and left == RedisList([1, 2], redis=redis_cluster)
    left.extend(right)
    left += right
    assert left.to_list() == [1, 2, 3, 3]
    assert left.copy().to_list() == [1, 2, 3, 3]
    left[0:1] = right
    assert left.to_list() == [3, 2, 3, 3]


# --- round trips -------------------------------------------------------------------------


def budgets(lst: Any, other: Any, api: Api) -> dict[str, tuple[int, Callable[[], Any]]]:
    found: dict[str, tuple[int, Callable[[], Any]]] = {
        'append': (1, lambda: lst.append(1)),
        'extend(n)': (1, lambda: lst.extend(range(200))),
        'extend(same-slot RedisList)': (1, lambda: lst.extend(other)),
        'insert': (1, lambda: lst.insert(3, 'x')),
        'l[i]': (1, lambda: lst[5]),
        'l[i] = v': (1, lambda: lst.__setitem__(5, 'y')),
        'del l[i]': (1, lambda: lst.__delitem__(5)),
        'slice read': (1, lambda: lst[2:400:3]),
        'slice write': (1, lambda: lst.__setitem__(slice(2, 4), [1, 2, 3])),
        'slice write from same-slot RedisList': (1, lambda: lst.__setitem__(slice(2, 4), other)),
        'slice delete': (1, lambda: lst.__delitem__(slice(2, 5))),
        'pop()': (1, lst.pop),
        'pop(i)': (1, lambda: lst.pop(3)),
        'len': (1, lambda: len(lst)),
        'in (< 1,000 items)': (1, lambda: 'absent' in lst),
        'count (< 1,000 items)': (1, lambda: lst.count(1)),
        'index': (1, lambda: lst.index(1)),
        'reverse': (1, lst.reverse),
        'to_list': (1, lst.to_list),
        'iter (< 1,000 items)': (1, lambda: [item for item in lst]),  # list(l) also calls len(l)
        '== list': (1, lambda: lst == [1]),
        '== same-slot RedisList': (1, lambda: lst == other),
        'remove (no contention)': (2, lambda: lst.remove(1)),
        'sort (no contention)': (2, lambda: lst.sort(key=repr)),
        'clear': (1, other.clear),
    }
    if not api.asynchronous:  # sync-only: repr and the in-place operators
        found['repr'] = (1, lambda: repr(lst))
        found['+='] = (1, lambda: lst.__iadd__([1, 2]))
        found['*='] = (1, lambda: other.__imul__(2))
    return found


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """A block in which no temporary key of earlier code is unlinked: count round trips in it.

    The cyclic garbage collector is off in the block, and the reaper has sent
    the UNLINKs of the keys already collected.  (A full ``gc.collect()``
    instead cost half a second each in a test session's heap.)
    """
    gc.disable()
    try:
        deadline = time.monotonic() + 5
        while not pottery.base._doomed.empty() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(0.005)  # the UNLINK of the last key taken off the queue
        yield
    finally:
        gc.enable()


def measure(func: Callable[[], Any], round_trips: Callable[[], Any]) -> int:
    """Round trips of one call of ``func``, after a warm-up call (SCRIPT LOAD, slot discovery)."""
    func()
    with quiet(), round_trips() as trips:
        func()
    return int(trips.count)


def test_round_trip_budgets(any_redis: Any, round_trips: Callable[[], Any], api: Api) -> None:
    lst: Any = api.RedisList(range(300), redis=any_redis, key='{budget}list')
    other: Any = api.RedisList([1, 2], redis=any_redis, key='{budget}other')
    measured = {name: measure(func, round_trips) for name, (_, func) in budgets(lst, other, api).items()}
    expected = {name: budget for name, (budget, _) in budgets(lst, other, api).items()}
    assert measured == expected


def test_round_trips_per_chunk(any_redis: Any, round_trips: Callable[[], Any], api: Api) -> None:
    lst: Any = api.RedisList(range(2500), redis=any_redis, key='chunked')
    assert measure(lambda: [item for item in lst], round_trips) == 3
    assert measure(lambda: [item for item in reversed(lst)], round_trips) == 3
    assert measure(lambda: 'absent' in lst, round_trips) == 3
    assert measure(lst.to_list, round_trips) == 1


def test_round_trips_new_lists(redis: redis_py.Redis, round_trips: Callable[[], Any]) -> None:
    lst: RedisList[Any] = RedisList(range(10), redis=redis, key='source')
    keep: list[Any] = []
    assert measure(lambda: keep.append(lst + [1, 2]), round_trips) == 1  # noqa: RUF005  # the + operator under test
    assert measure(lambda: keep.append(lst + lst), round_trips) == 1
    assert measure(lambda: keep.append(lst * 3), round_trips) == 1
    assert measure(lambda: keep.append(lst.copy()), round_trips) == 1


# --- the oracle: a state machine against list ------------------------------------------


class ListMachine(RuleBasedStateMachine):
    """Apply each operation to a list and to a RedisList; compare everything."""

    client: Any = None
    api: Api

    def __init__(self) -> None:
        super().__init__()
        self.model: list[Any] = []
        self.lst: Any = self.api.RedisList(redis=self.client, key='pottery-test:machine')

    @initialize(items=st.lists(VALUES, max_size=8))
    def start(self, items: list[Any]) -> None:
        self.client.delete(self.lst.key)
        self.model = list(items)
        if items:
            self.lst = self.api.RedisList(items, redis=self.client, key='pottery-test:machine')

    def same(self, redis_side: Callable[[], Any], list_side: Callable[[], Any]) -> None:
        assert outcome(redis_side) == outcome(list_side)

    @rule(value=VALUES)
    def append(self, value: Any) -> None:
        self.same(lambda: self.lst.append(value), lambda: self.model.append(value))

    @rule(values=st.lists(VALUES, max_size=4))
    def extend(self, values: list[Any]) -> None:
        self.same(lambda: self.lst.extend(values), lambda: self.model.extend(values))

    @precondition(lambda self: not self.api.asynchronous)  # operators are sync-only
    @rule(values=st.lists(VALUES, max_size=4))
    def iadd(self, values: list[Any]) -> None:
        def redis_side() -> None:
            self.lst += values

        def list_side() -> None:
            self.model += values

        self.same(redis_side, list_side)

    @precondition(lambda self: not self.api.asynchronous)
    @rule(times=st.integers(-1, 3))
    def imul(self, times: int) -> None:
        def redis_side() -> None:
            self.lst *= times

        def list_side() -> None:
            self.model *= times

        self.same(redis_side, list_side)

    @rule(index=st.integers(-12, 12), value=VALUES)
    def insert(self, index: int, value: Any) -> None:
        self.same(lambda: self.lst.insert(index, value), lambda: self.model.insert(index, value))

    @rule(index=st.one_of(st.none(), SMALL))
    def pop(self, index: int | None) -> None:
        if index is None:
            self.same(self.lst.pop, self.model.pop)
        else:
            self.same(lambda: self.lst.pop(index), lambda: self.model.pop(index))

    @rule(value=VALUES)
    def remove(self, value: Any) -> None:
        self.same(lambda: self.lst.remove(value), lambda: self.model.remove(value))

    @rule(value=VALUES, start=st.one_of(st.none(), SMALL), stop=st.one_of(st.none(), SMALL))
    def index(self, value: Any, start: int | None, stop: int | None) -> None:
        args = [arg for arg in (start, stop if start is not None else None) if arg is not None]
        self.same(lambda: self.lst.index(value, *args), lambda: self.model.index(value, *args))

    @rule(value=VALUES)
    def count_and_contains(self, value: Any) -> None:
        self.same(
            lambda: (self.lst.count(value), value in self.lst), lambda: (self.model.count(value), value in self.model)
        )

    @rule()
    def reverse(self) -> None:
        self.same(self.lst.reverse, self.model.reverse)

    @rule(reverse=st.booleans(), by_repr=st.booleans())
    def sort(self, reverse: bool, by_repr: bool) -> None:
        numbers = all(type(item) in (int, float, bool) for item in self.model)
        key = repr if by_repr or not numbers else None
        self.same(lambda: self.lst.sort(key=key, reverse=reverse), lambda: self.model.sort(key=key, reverse=reverse))

    @rule(index=st.one_of(SMALL, st.sampled_from(['a', 1.5])))
    def getitem(self, index: Any) -> None:
        self.same(lambda: self.lst[index], lambda: self.model[index])

    @rule(index=SMALL, value=VALUES)
    def setitem(self, index: int, value: Any) -> None:
        def redis_side() -> None:
            self.lst[index] = value

        def list_side() -> None:
            self.model[index] = value

        self.same(redis_side, list_side)

    @rule(index=SMALL)
    def delitem(self, index: int) -> None:
        def redis_side() -> None:
            del self.lst[index]

        def list_side() -> None:
            del self.model[index]

        self.same(redis_side, list_side)

    @rule(start=BOUNDS, stop=BOUNDS, step=STEPS)
    def get_slice(self, start: int | None, stop: int | None, step: int | None) -> None:
        index = slice(start, stop, step)
        self.same(lambda: self.lst[index], lambda: self.model[index])

    @rule(start=BOUNDS, stop=BOUNDS, step=STEPS, values=st.lists(VALUES, max_size=5))
    def set_slice(self, start: int | None, stop: int | None, step: int | None, values: list[Any]) -> None:
        index = slice(start, stop, step)

        def redis_side() -> None:
            self.lst[index] = values

        def list_side() -> None:
            self.model[index] = values

        self.same(redis_side, list_side)

    @rule(start=BOUNDS, stop=BOUNDS, step=STEPS)
    def del_slice(self, start: int | None, stop: int | None, step: int | None) -> None:
        index = slice(start, stop, step)

        def redis_side() -> None:
            del self.lst[index]

        def list_side() -> None:
            del self.model[index]

        self.same(redis_side, list_side)

    @precondition(lambda self: not self.api.asynchronous)
    @rule(other=st.lists(VALUES, max_size=4))
    def binary_operators(self, other: list[Any]) -> None:
        self.same(lambda: self.lst + other, lambda: self.model + other)
        self.same(lambda: other + self.lst, lambda: other + self.model)
        self.same(lambda: self.lst * 2, lambda: self.model * 2)
        for op in ('__eq__', '__ne__', '__lt__', '__le__', '__gt__', '__ge__'):
            self.same(partial(getattr(self.lst, op), other), partial(getattr(self.model, op), other))

    @rule(other=st.one_of(st.lists(VALUES, max_size=4), st.tuples(VALUES)))
    def equals(self, other: Any) -> None:
        self.same(lambda: self.lst == other, lambda: self.model == other)
        self.same(lambda: self.lst != other, lambda: self.model != other)

    @rule()
    def views(self) -> None:
        self.same(
            lambda: (len(self.lst), list(self.lst), list(reversed(self.lst))),
            lambda: (len(self.model), list(self.model), list(reversed(self.model))),
        )
        self.same(self.lst.copy, self.model.copy)

    @rule()
    def clear(self) -> None:
        self.same(self.lst.clear, self.model.clear)

    @invariant()
    def contents(self) -> None:
        assert repr(self.lst.to_list()) == repr(self.model)


@pytest.mark.parametrize(('where', 'examples', 'steps'), [('standalone', 60, 30), ('cluster', 15, 20)])
def test_list_machine(where: str, examples: int, steps: int, request: pytest.FixtureRequest, api: Api) -> None:
    ListMachine.client = request.getfixturevalue('redis' if where == 'standalone' else 'redis_cluster')
    ListMachine.api = api
    if api.asynchronous:  # the same rules, fewer examples: the suite's time budget
        examples //= 2
    run_state_machine_as_test(
        ListMachine, settings=settings(max_examples=examples, stateful_step_count=steps, deadline=None)
    )


# --- several processes on one key ------------------------------------------------------


def connect(url: str) -> Any:
    """A client for a worker process: ``cluster:<url>`` for the cluster."""
    if url.startswith('cluster:'):
        return RedisCluster.from_url(url.removeprefix('cluster:'))
    return redis_py.Redis.from_url(url)


def shared_servers(request: pytest.FixtureRequest) -> tuple[str, Any]:
    """(URL for worker processes, client for the test) on standalone, then on the cluster."""
    if request.param == 'standalone':
        return request.getfixturevalue('redis_server').url, request.getfixturevalue('redis')
    client = request.getfixturevalue('redis_cluster')
    return 'cluster:' + request.getfixturevalue('server_cluster').servers[0].url, client


@pytest.fixture(params=['standalone', 'cluster'])
def shared(request: pytest.FixtureRequest) -> tuple[str, Any]:
    return shared_servers(request)


def _worker(url: str, key: str, worker: int, count: int, queue: Any) -> None:
    client = connect(url)
    lst: RedisList[Any] = RedisList(redis=client, key=key)
    rng = random.Random(worker)
    popped = []
    mine = [[worker, n] for n in range(count)]
    for item in mine:
        lst.append(item)
        if rng.random() < 0.5:
            with contextlib.suppress(IndexError):
                popped.append(lst.pop(0) if rng.random() < 0.5 else lst.pop())
    queue.put(popped)


def _remover(url: str, key: str, worker: int, count: int, queue: Any) -> None:
    # Appends its own items, then removes them again while others do the same.
    client = connect(url)
    lst: RedisList[Any] = RedisList(redis=client, key=key)
    rng = random.Random(worker)
    mine = [f'{worker}:{n}' for n in range(count)]
    lst.extend(mine)
    rng.shuffle(mine)
    for item in mine:
        lst.remove(item)
        lst.insert(rng.randint(-5, 5), f'{worker}:keep')
    queue.put(count)


def run_workers(target: Callable[..., None], url: str, key: str, workers: int, count: int) -> list[Any]:
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    processes = [context.Process(target=target, args=(url, key, n, count, queue)) for n in range(workers)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return results


def test_processes_append_and_pop(shared: tuple[str, Any]) -> None:
    url, client = shared
    results = run_workers(_worker, url, 'shared', workers=4, count=200)
    popped = [tuple(item) for result in results for item in result]
    left = [tuple(item) for item in RedisList[Any](redis=client, key='shared')]
    everything = popped + left
    assert len(everything) == len(set(everything)) == 4 * 200  # none lost, none twice


def test_processes_remove(shared: tuple[str, Any]) -> None:
    url, client = shared
    run_workers(_remover, url, 'shared', workers=4, count=60)
    left = RedisList[Any](redis=client, key='shared').to_list()
    assert sorted(left) == sorted(f'{worker}:keep' for worker in range(4) for _ in range(60))


# --- asyncio only -----------------------------------------------------------------------


def test_async_refuses_blocking_syntax(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        lst: Any = await AsyncRedisList([1, 2], redis=client, key='squares')
        assert repr(lst) == '<RedisList key=squares>'  # no round trip: an async repr cannot await
        table: list[tuple[Callable[[], Any], str]] = [
            (lambda: len(lst), 'await x.len()'),
            (lambda: bool(lst), 'await x.len()'),
            (lambda: 1 in lst, 'await x.contains(item)'),
            (lambda: lst[0], 'await x.getitem(key)'),
            (lambda: lst.__setitem__(0, 1), 'await x.setitem(key, value)'),
            (lambda: lst.__delitem__(0), 'await x.delitem(key)'),
            (lambda: lst == [1, 2], 'await x.equals(other)'),
            (lambda: list(lst), 'async for item in x'),
            (lambda: list(reversed(lst)), 'async for item in x.reversed()'),
            (lambda: lst.__iadd__([3]), 'await x.extend(other)'),
        ]
        for use, coroutine in table:
            with pytest.raises(TypeError, match=re.escape(coroutine)):
                use()
        assert await lst.getitem(slice(None, None, -1)) == [2, 1]
        assert [item async for item in lst] == [1, 2]
        assert [item async for item in lst.reversed()] == [2, 1]
        assert await lst.equals([1, 2]) and await lst.len() == 2 and await lst.contains(2)
        assert await lst.to_list() == [1, 2]

    wait(main())


def test_async_concurrent_appends_lose_nothing(redis: redis_py.Redis) -> None:
    # 200 coroutines of one event loop append to one list concurrently.
    client = ASYNC.client(redis)

    async def main() -> list[Any]:
        lst: Any = AsyncRedisList(redis=client, key='shared')
        await asyncio.gather(*(lst.append(i) for i in range(200)))
        await asyncio.gather(*(lst.extend([-i, -i]) for i in range(1, 51)))
        return await lst.to_list()  # type: ignore[no-any-return]  # the items

    items = wait(main())
    assert sorted(items) == sorted([*range(200), *(-i for i in range(1, 51) for _ in range(2))])


def test_async_cancelled_extend_is_whole_or_absent(redis: redis_py.Redis) -> None:
    big = list(range(20_000))
    client = ASYNC.client(redis)

    async def main() -> None:
        lst: Any = AsyncRedisList([0], redis=client, key='cancelled')
        await lst.len()
        task = asyncio.ensure_future(lst.extend(big))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    wait(main())
    assert redis.llen('cancelled') in (1, 1 + len(big))  # one RPUSH: all of it or nothing


def test_python_side_searches_warn_that_they_read_everything(redis: redis_py.Redis, api: Api) -> None:
    items = api.RedisList([1, 2, 3], redis=redis)
    with pytest.warns(InefficientAccessWarning, match='count'):
        assert items.count(2) == 1
    with pytest.warns(InefficientAccessWarning, match='index'):
        assert items.index(2) == 1
    with pytest.warns(InefficientAccessWarning, match='remove'):
        items.remove(2)
