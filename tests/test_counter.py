"""RedisCounter against Counter: an oracle state machine, budgets, processes, bad input."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import multiprocessing
import operator
import pickle
import re
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_py
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from redis.cluster import RedisCluster

from pottery import InefficientAccessWarning, KeyExistsError, RedisCounter, WrongRedisTypeError
from pottery.asyncio import RedisCounter as AsyncRedisCounter
from pottery.counter import Count
from tests.fronts import ASYNC, Api, wait
from tests.servers import RedisServer
from tests.test_set import outcome, slot_apart

# --- the oracle: the same operations on Counter and on RedisCounter -------------

KEYS = st.sampled_from(['a', 'b', 'c', 'd', '', 0, 3, (1, 'a')])
WORDS = st.sampled_from(['a', 'b', 'c', 'x'])  # keys usable as keyword arguments
COUNTS = st.integers(min_value=-3, max_value=5)
MAPPINGS = st.dictionaries(KEYS, COUNTS, max_size=4)
COUNTERS = MAPPINGS.map(Counter)
ITERABLES = st.lists(KEYS, max_size=6)
KWARGS = st.dictionaries(WORDS, COUNTS, max_size=2)
NAMES = st.sampled_from(['a', 'b', 'far'])
BINARY = [operator.add, operator.sub, operator.or_, operator.and_]
COMPARE = [operator.eq, operator.ne, operator.le, operator.lt, operator.ge, operator.gt]
INPLACE = [operator.iadd, operator.isub, operator.ior, operator.iand]
NAMED_INPLACE = ['iadd', 'isub', 'ior', 'iand']

_examples = itertools.count()


def ordered(result: Any) -> Any:
    # Counters compare equal whatever their order; the oracle also wants the order.
    return list(result.items()) if isinstance(result, Counter) else result


def as_repr(counter: Counter[Any]) -> str:
    return 'RedisCounter' + (repr(dict(counter.most_common())) if counter else '{}')


class CounterMachine(RuleBasedStateMachine):
    client: Any = None
    api: Api

    def __init__(self) -> None:
        super().__init__()
        n = next(_examples)
        a = f'{{t}}a:{n}'
        keys = {'a': a, 'b': f'{{t}}b:{n}', 'far': slot_apart(self.client, f'far:{n}', a)}
        self.client.delete(*keys.values())
        self.counters = {name: self.api.RedisCounter(redis=self.client, key=key) for name, key in keys.items()}
        self.models: dict[str, Counter[Any]] = {name: Counter() for name in keys}

    def both(self, name: str, call: Callable[[Any], Any]) -> None:
        expected = outcome(lambda: ordered(call(self.models[name])))
        actual = outcome(lambda: ordered(call(self.counters[name])))
        assert actual == expected

    @rule(name=NAMES, arg=st.one_of(st.none(), MAPPINGS, COUNTERS, ITERABLES), kwargs=KWARGS)
    def update(self, name: str, arg: Any, kwargs: dict[str, int]) -> None:
        self.both(name, lambda c: c.update(arg, **kwargs))

    @rule(name=NAMES, arg=st.one_of(st.none(), MAPPINGS, ITERABLES), kwargs=KWARGS)
    def subtract(self, name: str, arg: Any, kwargs: dict[str, int]) -> None:
        self.both(name, lambda c: c.subtract(arg, **kwargs))

    @rule(name=NAMES, other=NAMES, subtract=st.booleans())
    def update_from_another(self, name: str, other: str, subtract: bool) -> None:
        method = 'subtract' if subtract else 'update'
        getattr(self.models[name], method)(self.models[other])
        getattr(self.counters[name], method)(self.counters[other])

    @rule(name=NAMES, key=KEYS)
    def getitem(self, name: str, key: Any) -> None:
        self.both(name, lambda c: (c[key], key in c, c.get(key), c.get(key, 7)))

    @rule(name=NAMES, key=KEYS, count=COUNTS)
    def setitem(self, name: str, key: Any, count: int) -> None:
        self.both(name, lambda c: c.__setitem__(key, count))

    @rule(name=NAMES, key=KEYS)
    def delitem(self, name: str, key: Any) -> None:
        self.both(name, lambda c: c.__delitem__(key))

    @rule(name=NAMES, key=KEYS, default=st.one_of(st.just(()), COUNTS.map(lambda n: (n,))))
    def pop(self, name: str, key: Any, default: tuple[int, ...]) -> None:
        self.both(name, lambda c: c.pop(key, *default))

    @rule(name=NAMES)
    def popitem(self, name: str) -> None:
        self.both(name, lambda c: c.popitem())

    @rule(name=NAMES, key=KEYS, count=COUNTS)
    def setdefault(self, name: str, key: Any, count: int) -> None:
        self.both(name, lambda c: c.setdefault(key, count))

    @rule(name=NAMES, n=st.one_of(st.none(), st.integers(min_value=-1, max_value=5)))
    def reads(self, name: str, n: int | None) -> None:
        self.both(name, lambda c: (c.most_common(n), list(c.elements()), c.total(), len(c), list(c)))

    @precondition(lambda self: not self.api.asynchronous)  # operators are sync-only
    @rule(name=NAMES)
    def unary(self, name: str) -> None:
        self.both(name, lambda c: (ordered(+c), ordered(-c)))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, func=st.sampled_from(BINARY + COMPARE), other=COUNTERS, reflected=st.booleans())
    def operator_with_counter(self, name: str, func: Callable[[Any, Any], Any], other: Any, reflected: bool) -> None:
        if reflected:
            self.both(name, lambda c: func(other, c))
        else:
            self.both(name, lambda c: func(c, other))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, func=st.sampled_from(BINARY + COMPARE), other=st.one_of(MAPPINGS, st.just(3)))
    def operator_with_non_counter(self, name: str, func: Callable[[Any, Any], Any], other: Any) -> None:
        # Counter's operators want Counters; == with a dict is dict equality.
        self.both(name, lambda c: func(c, other))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, other=NAMES, func=st.sampled_from(BINARY + COMPARE))
    def operator_between(self, name: str, other: str, func: Callable[[Any, Any], Any]) -> None:
        expected = outcome(lambda: ordered(func(self.models[name], self.models[other])))
        actual = outcome(lambda: ordered(func(self.counters[name], self.counters[other])))
        assert actual == expected

    @rule(name=NAMES, other=st.one_of(COUNTERS, MAPPINGS, st.just(3), NAMES))
    def equals(self, name: str, other: Any) -> None:
        # == and != on both fronts (the async front's `await c.equals(other)`).
        if isinstance(other, str):
            expected = (self.models[name] == self.models[other], self.models[name] != self.models[other])
            assert (
                self.counters[name] == self.counters[other],
                self.counters[name] != self.counters[other],
            ) == expected
        else:
            self.both(name, lambda c: (c == other, c != other))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, func=st.sampled_from(INPLACE), other=COUNTERS)
    def inplace_with_counter(self, name: str, func: Callable[[Any, Any], Any], other: Any) -> None:
        self.models[name] = func(self.models[name], other)
        assert func(self.counters[name], other) is self.counters[name]

    @rule(name=NAMES, method=st.sampled_from(NAMED_INPLACE), other=st.one_of(COUNTERS, MAPPINGS, st.just(3)))
    def named_inplace(self, name: str, method: str, other: Any) -> None:
        # C.iadd(other) is C += other, on both fronts.  += -= |= take any
        # mapping (items()) and raise AttributeError otherwise; &= with a
        # plain mapping is tested on its own (Counter writes before raising).
        if method == 'iand' and not isinstance(other, Counter):
            return
        expected = outcome(lambda: getattr(operator, method)(self.models[name], other))
        actual = outcome(lambda: getattr(self.counters[name], method)(other))
        assert actual[0] == expected[0]
        if actual[0] == 'raised':
            assert actual == expected
        else:
            self.models[name] = expected[1]
            assert actual[1].key == self.counters[name].key

    @rule(name=NAMES, other=NAMES, method=st.sampled_from(NAMED_INPLACE))
    def inplace_between(self, name: str, other: str, method: str) -> None:
        self.models[name] = getattr(operator, method)(self.models[name], self.models[other])
        if self.api.asynchronous:
            getattr(self.counters[name], method)(self.counters[other])
        else:
            assert getattr(operator, method)(self.counters[name], self.counters[other]) is self.counters[name]

    @rule(name=NAMES)
    def clear(self, name: str) -> None:
        self.both(name, lambda c: c.clear())

    @rule(name=NAMES)
    def copy(self, name: str) -> None:
        copied = self.counters[name].copy()
        assert isinstance(copied, self.api.RedisCounter)
        assert ordered(copied.to_counter()) == ordered(self.models[name])

    @invariant()
    def same_contents(self) -> None:
        for name, model in self.models.items():
            counter = self.counters[name]
            assert ordered(counter.to_counter()) == ordered(model)
            if not self.api.asynchronous:  # repr and json.dumps are the sync front's
                assert repr(counter) == as_repr(model)
                assert outcome(lambda: json.dumps(counter)) == outcome(lambda: json.dumps(model))  # noqa: B023


def machine_settings(examples: int, steps: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None)


def test_oracle_standalone(redis: redis_py.Redis, api: Api) -> None:
    machine = type('Machine', (CounterMachine,), {'client': redis, 'api': api})
    run_state_machine_as_test(machine, settings=machine_settings(25 if api.asynchronous else 50, 30))


def test_oracle_cluster(redis_cluster: RedisCluster, api: Api) -> None:
    machine = type('Machine', (CounterMachine,), {'client': redis_cluster, 'api': api})
    run_state_machine_as_test(machine, settings=machine_settings(10 if api.asynchronous else 25, 25))


# --- behaviour ---------------------------------------------------------------------


def test_constructors(redis: redis_py.Redis, api: Api) -> None:
    assert api.RedisCounter('gallahad', redis=redis).to_counter() == Counter('gallahad')
    assert api.RedisCounter({'red': 4, 'blue': 2}, redis=redis).to_counter() == Counter(red=4, blue=2)
    assert api.RedisCounter(redis=redis, cats=4, dogs=8).to_counter() == Counter(cats=4, dogs=8)
    assert api.RedisCounter({'a': 1}, redis=redis, a=2).to_counter() == Counter(a=3)
    assert api.RedisCounter(api.RedisCounter('aab', redis=redis), redis=redis).to_counter() == Counter('aab')
    assert api.RedisCounter(api.RedisDict({'a': 2}, redis=redis), redis=redis, a=1).to_counter() == Counter(a=3)
    api.RedisCounter('ab', redis=redis, key='k')
    with pytest.raises(KeyExistsError):
        api.RedisCounter('cd', redis=redis, key='k')
    with pytest.raises(KeyExistsError):
        api.RedisCounter(api.RedisCounter('cd', redis=redis), redis=redis, key='k')
    assert api.RedisCounter(redis=redis, key='k').to_counter() == Counter('ab')


def test_layout_is_hincrby_compatible(redis: redis_py.Redis, api: Api) -> None:
    c = api.RedisCounter({'a': 3, (1, 'x'): -6, True: 1}, redis=redis, key='c')
    assert redis.hgetall('c') == {b'"a"': b'3', b'[1, "x"]': b'-6', b'1': b'1'}
    redis.hincrby('c', '"a"', 2)
    assert c['a'] == 5
    assert isinstance(c, api.RedisDict)
    assert c[1.0] == 1


def test_missing_keys_count_zero_without_insertion(redis: redis_py.Redis, api: Api) -> None:
    c = api.RedisCounter(redis=redis, key='c')
    assert c['x'] == 0
    assert 'x' not in c
    assert not redis.exists('c')
    del c['x']  # no KeyError, as Counter
    assert c.__missing__('x') == 0


def test_fromkeys_is_refused(redis: redis_py.Redis, api: Api) -> None:
    with pytest.raises(NotImplementedError, match=r'Counter.fromkeys\(\) is undefined'):
        api.RedisCounter.fromkeys('abc', redis=redis)


def test_iand_with_a_plain_mapping_missing_a_key(redis: redis_py.Redis, api: Api) -> None:
    # Counter's &= indexes the other operand: KeyError for a dict missing a
    # key.  Counter has changed some counts by then; RedisCounter nothing.
    c = api.RedisCounter({'a': 3, 'b': 2}, redis=redis, key='c')
    with pytest.raises(KeyError, match="'b'"):
        c.iand({'a': 1})
    assert c.to_counter() == Counter(a=3, b=2)
    c.iand({'a': 1, 'b': 5})
    assert c.to_counter() == Counter(a=1, b=2)


def test_repr(any_redis: Any) -> None:
    c = RedisCounter[str](redis=any_redis, key='c', a=4, b=2, c=0, d=-2)
    c.subtract(Counter(a=1, b=2, c=3, d=4))
    assert repr(c) == "RedisCounter{'a': 3, 'b': 0, 'c': -3, 'd': -6}"
    assert repr(RedisCounter(redis=any_redis, key='none')) == 'RedisCounter{}'


def test_most_common_ties_follow_insertion_order(any_redis: Any, api: Api) -> None:
    c = api.RedisCounter('abracadabra', redis=any_redis, key='c')
    assert c.most_common(3) == [('a', 5), ('b', 2), ('r', 2)]
    assert c.most_common() == Counter('abracadabra').most_common()


def test_operators_with_a_counter_on_another_server(redis: redis_py.Redis, redis_cluster: RedisCluster) -> None:
    here = RedisCounter('aab', redis=redis, key='here')
    there = RedisCounter('abc', redis=redis_cluster, key='there')
    assert here + there == Counter('aab') + Counter('abc')
    assert here - there == Counter(a=1)
    assert not here <= there
    here |= there
    assert here.to_counter() == Counter(a=2, b=1, c=1)


def test_named_operations_with_a_counter_on_another_server(
    redis: redis_py.Redis, redis_cluster: RedisCluster, api: Api
) -> None:
    here = api.RedisCounter('aab', redis=redis, key='here')
    there = api.RedisCounter('abc', redis=redis_cluster, key='there')
    assert here != there
    here.ior(there)
    assert here.to_counter() == Counter(a=2, b=1, c=1)
    here.isub(there)
    assert here == Counter(a=1)
    here.update(there)
    assert here == Counter(a=2, b=1, c=1)


# --- round-trip budgets ---------------------------------------------------------------


def test_round_trip_budgets(any_redis: Any, round_trips: Any, api: Api) -> None:
    c = api.RedisCounter('abracadabra', redis=any_redis, key='{b}c')
    same_slot = api.RedisCounter('alacazam', redis=any_redis, key='{b}d')
    plain = Counter('banana')
    keys = {f'k{i}': i for i in range(500)}
    # warm up: script loads and (on the cluster) slot discovery
    c.update(x=1)
    c.iadd(plain)
    _ = c == same_slot
    budgets: list[tuple[str, Callable[[], Any]]] = [
        ('update of n keys', lambda: c.update(keys)),
        ('update of an iterable', lambda: c.update('abcdefgh' * 100)),
        ('subtract of n keys', lambda: c.subtract(keys)),
        ('most_common', lambda: c.most_common(3)),
        ('c[k]', lambda: c['a']),
        ('c[k] = n', lambda: c.__setitem__('z', 3)),
        ('del c[k]', lambda: c.__delitem__('z')),
        ('in', lambda: 'a' in c),
        ('len', lambda: len(c)),
        ('total', c.total),
        ('elements', lambda: list(c.elements())),
        ('to_counter', c.to_counter),
        ('== Counter', lambda: c == plain),
        ('iadd Counter', lambda: c.iadd(plain)),
        ('iand Counter', lambda: c.iand(plain)),
        ('== same slot', lambda: c == same_slot),
    ]
    if not api.asynchronous:  # operators and repr are the sync front's
        budgets += [
            ('repr', lambda: repr(c)),
            ('+ Counter', lambda: c + plain),
            ('Counter - c', lambda: plain - c),
            ('+= Counter', lambda: c.__iadd__(plain)),
            ('+ same slot', lambda: c + same_slot),
            ('<= same slot', lambda: c <= same_slot),
        ]
    for name, call in budgets:
        with round_trips() as trips:
            call()
        assert trips.count == 1, f'{name}: {trips.count} round trips'


# --- bad input: TypeError, nothing written ---------------------------------------------


def test_bad_input_writes_nothing(any_redis: Any, api: Api, round_trips: Any) -> None:
    with pytest.raises(TypeError):
        api.RedisCounter(['a', object()], redis=any_redis, key='bad')
    with pytest.raises(TypeError):
        api.RedisCounter({'a': 1.5}, redis=any_redis, key='bad')
    assert not any_redis.exists('bad')
    c = api.RedisCounter({'a': 1}, redis=any_redis, key='bad')
    calls: list[Callable[[], Any]] = [
        lambda: c.update(['b', object()]),
        lambda: c.update(['b', ['unhashable']]),
        lambda: c.update({'b': 1, 'c': 'x'}),
        lambda: c.update({'b': 1}, c=2.5),
        lambda: c.subtract({'b': 1, object(): 1}),
        lambda: c.__setitem__('b', 1.5),
        lambda: c.__setitem__(object(), 1),
        lambda: c.setdefault('b'),
        lambda: c.iadd({'b': 1, object(): 1}),
        lambda: c.ior(Counter({'b': 1.5})),
    ]
    for call in calls:
        with round_trips() as trips, pytest.raises(TypeError):
            call()
        assert trips.count == 0  # refused before anything was sent
    assert any_redis.hgetall('bad') == {b'"a"': b'1'}


def test_non_integer_field_stops_the_script_before_writing(redis: redis_py.Redis, api: Api) -> None:
    redis.hset('mixed', mapping={'"a"': '1', '"b"': '"text"'})
    c = api.RedisCounter(redis=redis, key='mixed')
    with pytest.raises(redis_py.ResponseError):
        c.update(['a', 'b'])
    assert redis.hgetall('mixed') == {b'"a"': b'1', b'"b"': b'"text"'}


# --- 64-bit counts: exact, and an OverflowError before anything is written ----------------

MAX = 2**63 - 1


def test_update_that_would_overflow_writes_nothing(any_redis: Any, api: Api) -> None:
    # Counter would store the big int; Redis cannot, so: OverflowError and
    # not even 'b', sent before 'a', is written.
    c = api.RedisCounter({'a': MAX}, redis=any_redis, key='c')
    calls: list[Callable[[], Any]] = [
        lambda: c.update({'b': 1, 'a': 1}),
        lambda: c.update(['b', 'a']),
        lambda: c.subtract({'b': 1, 'a': -1}),
        lambda: c.iadd(Counter(b=1, a=1)),
        lambda: c.isub({'b': -1, 'a': -1}),
    ]
    for call in calls:
        with pytest.raises(OverflowError, match=r"'a' would overflow 64 bits"):
            call()
        assert any_redis.hgetall('c') == {b'"a"': str(MAX).encode()}
    for step in (MAX, MAX, 1):  # down to the smallest count, which fits
        c.subtract(a=step)
    assert c['a'] == -(2**63)
    with pytest.raises(OverflowError):
        c.subtract({'b': -1, 'a': 1})
    assert c.to_counter() == Counter(a=-(2**63))


def test_inplace_operator_that_would_overflow_writes_nothing(redis: redis_py.Redis) -> None:
    c = RedisCounter[str]({'a': MAX}, redis=redis, key='c')
    with pytest.raises(OverflowError, match="'a'"):
        c += Counter(b=1, a=1)
    with pytest.raises(OverflowError, match="'a'"):
        c['a'] += 1
    assert redis.hgetall('c') == {b'"a"': str(MAX).encode()}


def test_counts_outside_64_bits_are_refused(any_redis: Any, api: Api, round_trips: Any) -> None:
    with pytest.raises(OverflowError):
        api.RedisCounter({'a': 2**63}, redis=any_redis, key='c')
    c = api.RedisCounter({'a': 1}, redis=any_redis, key='c')
    calls: list[Callable[[], Any]] = [
        lambda: c.__setitem__('b', 2**63),
        lambda: c.update({'b': 1, 'a': -(2**63) - 1}),
        lambda: c.isub(Counter(a=-(2**63))),  # negated: 2**63
        lambda: c.ior({'a': 2**64}),
    ]
    for call in calls:
        with round_trips() as trips, pytest.raises(OverflowError, match='64-bit'):
            call()
        assert trips.count == 0  # refused before anything was sent
    assert any_redis.hgetall('c') == {b'"a"': b'1'}


def test_or_and_compare_exact_integers(any_redis: Any, api: Api) -> None:
    # 2**53 and 2**53 + 1 are the same double: Lua's tonumber cannot tell them apart.
    c = api.RedisCounter({'a': 2**53, 'b': 2**53 + 1, 'c': -(2**60) + 1}, redis=any_redis, key='c')
    c.ior(Counter(a=2**53 + 1, b=2**53, c=-(2**60)))
    assert c.to_counter() == Counter(a=2**53 + 1, b=2**53 + 1)  # c: not positive, dropped
    c.iand(Counter(a=2**53, b=2**53 + 1))
    assert c.to_counter() == Counter(a=2**53, b=2**53 + 1)
    c.iand({'a': MAX, 'b': 2**53})
    assert c.to_counter() == Counter(a=2**53, b=2**53)


def test_or_and_operators_compare_exact_integers(redis: redis_py.Redis) -> None:
    c = RedisCounter[str]({'a': 2**53}, redis=redis, key='c')
    c |= Counter(a=2**53 + 1)
    assert c['a'] == 2**53 + 1
    c &= Counter(a=2**53)
    assert c['a'] == 2**53


# --- c[k] += 1 is atomic (sync front) ---------------------------------------------------------


def test_augmented_assignment_adds_the_difference(redis: redis_py.Redis, round_trips: Any) -> None:
    c = RedisCounter[str]({'k': 3}, redis=redis, key='c')
    read = c['k']
    assert read == 3 and isinstance(read, Count)
    redis.hincrby('c', '"k"', 10)  # another client, between the read and the write
    c['k'] = read + 1
    assert c['k'] == 14
    c['k'] = 2 + c['k'] - 5  # + and - with an int keep the origin
    assert c['k'] == 11
    with round_trips() as trips:
        c['k'] += 1
    assert trips.count == 2  # HGET, then the increment script
    c['new'] += 1  # a missing key reads 0: HINCRBY creates it
    assert c.to_counter() == Counter(k=12, new=1)


def test_other_values_are_plain_sets(redis: redis_py.Redis) -> None:
    c = RedisCounter[str]({'a': 1, 'b': 5, 'k': 3}, redis=redis, key='c')
    doubled = c['k'] * 2
    assert type(doubled) is int
    redis.hincrby('c', '"k"', 10)
    c['k'] = doubled  # c[k] = c[k] * 2: a plain set of what was read, times 2
    assert c['k'] == 6
    from_b = c['b'] + 1
    redis.hincrby('c', '"a"', 100)
    c['a'] = from_b  # c['a'] = c['b'] + 1: a plain set of b's value plus one
    assert c['a'] == 6
    twin = RedisCounter[str](redis=redis, key='c')  # another counter on the same hash
    from_twin = twin['a'] + 1
    redis.hincrby('c', '"a"', 100)
    c['a'] = from_twin
    assert c['a'] == 7
    for plain in (-c['a'], abs(c['a']), c['a'] // 1, 10 - c['a'], c['a'] + 0.5):
        assert type(plain) in (int, float)
    assert c.to_counter() == Counter(a=7, b=5, k=6)


def test_count_pickles_and_copies_as_a_plain_int(redis: redis_py.Redis) -> None:
    c = RedisCounter[str]({'k': 3}, redis=redis, key='c')
    for clone in (pickle.loads(pickle.dumps(c['k'])), copy.copy(c['k']), copy.deepcopy(c['k'])):
        assert clone == 3 and type(clone) is int
    assert json.dumps(c['k']) == repr(c['k']) == '3'


def test_async_increments_are_named(redis: redis_py.Redis) -> None:
    # No dunders on the async front: getitem is a plain int, setitem a set.
    client = ASYNC.client(redis)

    async def main() -> None:
        c: Any = await AsyncRedisCounter({'k': 3}, redis=client, key='c')
        read = await c.getitem('k')
        assert type(read) is int
        await c.update({'k': 1})
        await c.setitem('k', read + 10)
        assert await c.getitem('k') == 13

    wait(main())


# --- several processes --------------------------------------------------------------------

INCREMENTS = 120


def _incrementer(url: str, seed: int) -> None:
    client = redis_py.Redis.from_url(url)
    shared = RedisCounter[str](redis=client, key='shared')
    for i in range(INCREMENTS):
        shared.update({'hits': 1, f'worker{seed}': 1})
        shared.update(['hits'] if i % 2 else [])
        shared.subtract(balance=1)
        shared += Counter(balance=1)


def _augmented_incrementer(url: str, seed: int) -> None:
    client = redis_py.Redis.from_url(url)
    shared = RedisCounter[str](redis=client, key='augmented')
    for _ in range(INCREMENTS):
        shared['hits'] += 1
        shared[f'worker{seed}'] += 1


def test_processes_lose_no_augmented_increment(redis_server: RedisServer, redis: redis_py.Redis) -> None:
    # The line users of a shared Counter write: c[k] += 1, from 8 processes.
    workers = 8
    context = multiprocessing.get_context('spawn')
    with context.Pool(workers) as pool:
        pool.starmap(_augmented_incrementer, [(redis_server.url, seed) for seed in range(workers)])
    counts = RedisCounter[str](redis=redis, key='augmented').to_counter()
    assert counts == Counter({'hits': workers * INCREMENTS, **{f'worker{seed}': INCREMENTS for seed in range(workers)}})


def test_processes_lose_no_increment(redis_server: RedisServer, redis: redis_py.Redis) -> None:
    workers = 4
    context = multiprocessing.get_context('spawn')
    with context.Pool(workers) as pool:
        pool.starmap(_incrementer, [(redis_server.url, seed) for seed in range(workers)])
    counts = RedisCounter[str](redis=redis, key='shared').to_counter()
    assert counts['hits'] == workers * (INCREMENTS + INCREMENTS // 2)
    assert all(counts[f'worker{seed}'] == INCREMENTS for seed in range(workers))
    assert counts.total() == workers * (2 * INCREMENTS + INCREMENTS // 2) + counts['balance']
    assert counts['balance'] >= 0


def test_wrong_redis_type(any_redis: Any, api: Api) -> None:
    any_redis.sadd('set', 'x')
    c = api.RedisCounter(redis=any_redis, key='set')
    for action in (
        lambda: c.update('a'),
        lambda: c['a'],
        lambda: c.iadd(Counter('a')),
        c.most_common,
        lambda: len(c),
        lambda: list(c),
        lambda: list(c.items()),
        lambda: list(c.values()),
        lambda: c == Counter(),
    ):
        with pytest.raises(WrongRedisTypeError, match='hash'):
            action()
    if not api.asynchronous:
        with pytest.raises(WrongRedisTypeError):
            c += Counter('a')
    assert any_redis.smembers('set') == {b'x'}


@pytest.mark.parametrize('fixture', ['redis_decoded', 'redis_unix'])
def test_other_client_kinds(fixture: str, request: pytest.FixtureRequest, api: Api) -> None:
    client = request.getfixturevalue(fixture)
    c = api.RedisCounter('abracadabra', redis=client, key='{k}c')
    d = api.RedisCounter({(1, 'x'): 2, 'a': 1}, redis=client, key='{k}d')
    assert c.most_common(2) == [('a', 5), ('b', 2)]
    assert c.to_counter() - d.to_counter() == Counter('abracadabra') - Counter[Any]({(1, 'x'): 2, 'a': 1})
    assert d.popitem() == ('a', 1)
    c.iadd(d)
    assert c[(1, 'x')] == 2
    assert c.total() == 13
    assert list(d.items()) == [((1, 'x'), 2)]


def test_large_counters(any_redis: Any, api: Api) -> None:
    # A hash past 128 fields is no longer a listpack: contents still match.
    model = Counter({f'k{i}': i % 7 - 2 for i in range(3000)})
    c = api.RedisCounter(model, redis=any_redis, key='big')
    c.update(f'k{i}' for i in range(0, 3000, 3))
    model.update(f'k{i}' for i in range(0, 3000, 3))
    assert c.to_counter() == model
    assert c.total() == model.total()
    assert sorted(c.elements()) == sorted(model.elements())
    assert [n for _, n in c.most_common(10)] == [n for _, n in model.most_common(10)]
    c.iand(Counter({f'k{i}': 2 for i in range(0, 3000, 2)}))
    model &= Counter({f'k{i}': 2 for i in range(0, 3000, 2)})
    assert c.to_counter() == model


def test_unencodable_keys_are_simply_missing(redis: redis_py.Redis, api: Api) -> None:
    # As for Counter: a key that could never be stored counts 0 and is not in C.
    c = api.RedisCounter('a', redis=redis, key='c')
    odd = frozenset({1})
    assert c[odd] == Counter[Any]()[odd] == 0
    assert odd not in c
    del c[odd]
    with pytest.raises(TypeError, match='unhashable'):
        c[['a']]
    with pytest.raises(TypeError, match='unhashable'):
        ['a'] in c  # noqa: B015  # the TypeError is the point
    assert c.to_counter() == Counter('a')


# --- asyncio only -------------------------------------------------------------------------


def test_async_operators_name_their_coroutines(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        c: Any = await AsyncRedisCounter('aab', redis=client, key='letters')
        assert repr(c) == '<RedisCounter key=letters>'  # no round trip: an async repr cannot await
        table: list[tuple[Callable[[], Any], str]] = [
            (lambda: len(c), 'await x.len()'),
            (lambda: 'a' in c, 'await x.contains(item)'),
            (lambda: c['a'], 'await x.getitem(key)'),
            (lambda: c == Counter(), 'await x.equals(other)'),
            (lambda: list(c), 'async for item in x'),
            (lambda: c + Counter(), '(await x.to_counter()) + other'),
            (lambda: Counter() - c, 'other - (await x.to_counter())'),
            (lambda: c <= Counter(), '(await x.to_counter()) <= other'),
            (lambda: -c, '-(await x.to_counter())'),
            (lambda: c.__iadd__(Counter()), 'await x.iadd(other)'),
            (lambda: c.__ior__(Counter()), 'await x.ior(other)'),
        ]
        for use, instead in table:
            with pytest.raises(TypeError, match=re.escape(instead)):
                use()
        assert await c.getitem('a') == 2
        assert await c.iadd(Counter('b')) is c
        assert await c.most_common(1) == [('a', 2)]
        assert [k async for k in c] == ['a', 'b']
        assert sorted(await c.elements()) == ['a', 'a', 'b', 'b']

    wait(main())


def test_async_concurrent_updates_lose_nothing(redis: redis_py.Redis) -> None:
    # 200 coroutines of one event loop increment one count concurrently.
    client = ASYNC.client(redis)

    async def main() -> int:
        c: Any = AsyncRedisCounter(redis=client, key='shared')
        await asyncio.gather(*(c.update({'x': 1}) for _ in range(200)))
        return await c.getitem('x')  # type: ignore[no-any-return]

    assert wait(main()) == 200


def test_async_cancelled_update_is_whole_or_absent(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        c: Any = AsyncRedisCounter(redis=client, key='cancelled')
        task = asyncio.ensure_future(c.update(f'k{i}' for i in range(20_000)))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    wait(main())
    assert redis.hlen('cancelled') in (0, 20_000)  # one script: all of it or nothing


def test_most_common_n_warns_that_it_fetches_everything(redis: redis_py.Redis, api: Api) -> None:
    c = api.RedisCounter('abracadabra', redis=redis)
    with pytest.warns(InefficientAccessWarning, match='most_common'):
        assert c.most_common(1) == [('a', 5)]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert len(c.most_common()) == 5  # everything was asked for: no warning
