"""RedisSet against set: an oracle state machine, budgets, processes, bad input."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import multiprocessing
import operator
import re
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_py
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from redis.cluster import RedisCluster

from pottery import KeyExistsError, RedisSet, WrongRedisTypeError
from pottery.asyncio import RedisSet as AsyncRedisSet
from tests.fronts import ASYNC, Api, wait
from tests.servers import RedisServer

# --- the oracle: the same operations on set and on RedisSet ---------------------

ELEMENTS = st.one_of(
    st.integers(min_value=0, max_value=6),
    st.sampled_from(['a', 'b', 'c', (1, 'a'), (), 2.5, 1.0, True, False, None, '']),
)
ITEMS = st.lists(ELEMENTS, max_size=6)
NAMES = st.sampled_from(['a', 'b', 'far'])  # b: a's slot ({t} tag); far: another slot
BINARY = ['__or__', '__and__', '__sub__', '__xor__', '__le__', '__lt__', '__ge__', '__gt__', '__eq__', '__ne__']
REFLECTED = [
    operator.or_,
    operator.and_,
    operator.sub,
    operator.xor,
    operator.le,
    operator.lt,
    operator.ge,
    operator.gt,
]
REFLECTED += [operator.eq, operator.ne]
INPLACE = ['__ior__', '__iand__', '__isub__', '__ixor__']
METHODS = ['union', 'intersection', 'difference', 'update', 'intersection_update', 'difference_update']
SINGLE = ['symmetric_difference', 'symmetric_difference_update', 'issubset', 'issuperset', 'isdisjoint']

_examples = itertools.count()


def outcome(func: Callable[[], Any]) -> tuple[str, Any]:
    """What calling func gives: ('ok', result) or ('raised', exception type)."""
    try:
        return 'ok', func()
    except Exception as error:  # noqa: BLE001  # the oracle compares any exception's type
        return 'raised', type(error)


def slot_apart(client: Any, key: str, anchor: str) -> str:
    # On a cluster, a key surely not in anchor's slot.
    if not isinstance(client, RedisCluster):
        return key
    for suffix in itertools.count():
        candidate = f'{key}:{suffix}'
        if client.keyslot(candidate) != client.keyslot(anchor):  # type: ignore[no-untyped-call]  # untyped upstream
            return candidate
    raise AssertionError  # pragma: no cover


class SetMachine(RuleBasedStateMachine):
    client: Any = None
    api: Api

    def __init__(self) -> None:
        super().__init__()
        n = next(_examples)
        a = f'{{t}}a:{n}'
        keys = {'a': a, 'b': f'{{t}}b:{n}', 'far': slot_apart(self.client, f'far:{n}', a)}
        self.client.delete(*keys.values())
        self.sets = {name: self.api.RedisSet(redis=self.client, key=key) for name, key in keys.items()}
        self.models: dict[str, set[Any]] = {name: set() for name in keys}

    def both(self, name: str, call: Callable[[Any], Any]) -> None:
        expected = outcome(lambda: call(self.models[name]))
        actual = outcome(lambda: call(self.sets[name]))
        assert actual == expected

    def between(self, name: str, other: str, call: Callable[[Any, Any], Any]) -> None:
        expected = outcome(lambda: call(self.models[name], self.models[other]))
        actual = outcome(lambda: call(self.sets[name], self.sets[other]))
        assert actual == expected

    @rule(name=NAMES, items=ITEMS)
    def update(self, name: str, items: list[Any]) -> None:
        self.both(name, lambda s: s.update(items))

    @rule(name=NAMES, item=ELEMENTS)
    def add(self, name: str, item: Any) -> None:
        self.both(name, lambda s: s.add(item))

    @rule(name=NAMES, item=ELEMENTS)
    def discard(self, name: str, item: Any) -> None:
        self.both(name, lambda s: s.discard(item))

    @rule(name=NAMES, item=ELEMENTS)
    def remove(self, name: str, item: Any) -> None:
        self.both(name, lambda s: s.remove(item))

    @rule(name=NAMES, item=st.one_of(ELEMENTS, st.just([1])))
    def contains(self, name: str, item: Any) -> None:
        self.both(name, lambda s: item in s)

    @rule(name=NAMES, items=ITEMS)
    def contains_many(self, name: str, items: list[Any]) -> None:
        expected = tuple(item in self.models[name] for item in items)
        assert self.sets[name].contains_many(*items) == expected

    @rule(name=NAMES)
    def pop(self, name: str) -> None:
        model = self.models[name]
        if not model:
            with pytest.raises(KeyError, match='pop from an empty set'):
                self.sets[name].pop()
            return
        popped = self.sets[name].pop()
        assert popped in model
        model.remove(popped)

    @rule(name=NAMES)
    def clear(self, name: str) -> None:
        self.both(name, lambda s: s.clear())

    @rule(name=NAMES, items=ITEMS, kind=st.sampled_from([set, frozenset, list]))
    def equals(self, name: str, items: list[Any], kind: Callable[[list[Any]], Any]) -> None:
        # == and != on both fronts (the async front's `await s.equals(other)`);
        # a list is never equal to a set.
        other = kind(items)
        self.both(name, lambda s: (s == other, s != other))

    @rule(name=NAMES, other=NAMES)
    def equals_between(self, name: str, other: str) -> None:
        self.between(name, other, lambda s, t: (s == t, s != t))

    @precondition(lambda self: not self.api.asynchronous)  # operators are sync-only
    @rule(name=NAMES, op=st.sampled_from(BINARY), items=ITEMS, frozen=st.booleans())
    def operator_with_plain(self, name: str, op: str, items: list[Any], frozen: bool) -> None:
        other = frozenset(items) if frozen else set(items)
        self.both(name, lambda s: getattr(s, op)(other))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, func=st.sampled_from(REFLECTED), items=ITEMS)
    def reflected_operator(self, name: str, func: Callable[[Any, Any], Any], items: list[Any]) -> None:
        # set(items) <op> s: set returns NotImplemented, Python asks the RedisSet.
        self.both(name, lambda s: func(set(items), s))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, op=st.sampled_from(BINARY + INPLACE), items=ITEMS)
    def operator_with_list(self, name: str, op: str, items: list[Any]) -> None:
        # Operators take set-like operands only, as set's do.
        self.both(name, lambda s: getattr(s, op)(items))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, other=NAMES, op=st.sampled_from(BINARY))
    def operator_between(self, name: str, other: str, op: str) -> None:
        self.between(name, other, lambda s, t: getattr(s, op)(t))

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, other=NAMES, op=st.sampled_from(INPLACE))
    def inplace_between(self, name: str, other: str, op: str) -> None:
        getattr(self.models[name], op)(self.models[other])
        assert getattr(self.sets[name], op)(self.sets[other]) is self.sets[name]

    @precondition(lambda self: not self.api.asynchronous)
    @rule(name=NAMES, op=st.sampled_from(INPLACE), items=ITEMS)
    def inplace_with_plain(self, name: str, op: str, items: list[Any]) -> None:
        getattr(self.models[name], op)(set(items))
        assert getattr(self.sets[name], op)(set(items)) is self.sets[name]

    @rule(name=NAMES, method=st.sampled_from(METHODS), args=st.lists(ITEMS, max_size=3))
    def method_with_iterables(self, name: str, method: str, args: list[list[Any]]) -> None:
        self.both(name, lambda s: getattr(s, method)(*args))

    @rule(name=NAMES, method=st.sampled_from(METHODS), other=NAMES, items=ITEMS)
    def method_with_mixed(self, name: str, method: str, other: str, items: list[Any]) -> None:
        self.between(name, other, lambda s, t: getattr(s, method)(t, items))

    @rule(name=NAMES, method=st.sampled_from(METHODS + SINGLE), other=NAMES)
    def method_between(self, name: str, method: str, other: str) -> None:
        # Only RedisSets: server-side (SUNION, SINTERSTORE, scripts...) when
        # they share a slot, read across otherwise.
        self.between(name, other, lambda s, t: getattr(s, method)(t))

    @rule(name=NAMES, method=st.sampled_from(SINGLE), items=st.one_of(ITEMS, st.just(5)))
    def single_argument_method(self, name: str, method: str, items: Any) -> None:
        self.both(name, lambda s: getattr(s, method)(items))

    @rule(name=NAMES)
    def copy(self, name: str) -> None:
        copied = self.sets[name].copy()
        assert isinstance(copied, self.api.RedisSet)
        assert copied.key != self.sets[name].key
        assert copied.to_set() == self.models[name]

    @invariant()
    def same_contents(self) -> None:
        for name, model in self.models.items():
            assert set(self.sets[name]) == model
            assert self.sets[name].to_set() == model
            assert len(self.sets[name]) == len(model)


def machine_settings(examples: int, steps: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None)


def test_oracle_standalone(redis: redis_py.Redis, api: Api) -> None:
    machine = type('Machine', (SetMachine,), {'client': redis, 'api': api})
    run_state_machine_as_test(machine, settings=machine_settings(25 if api.asynchronous else 50, 30))


def test_oracle_cluster(redis_cluster: RedisCluster, api: Api) -> None:
    machine = type('Machine', (SetMachine,), {'client': redis_cluster, 'api': api})
    run_state_machine_as_test(machine, settings=machine_settings(10 if api.asynchronous else 25, 25))


# --- behaviour ---------------------------------------------------------------------


def test_repr_and_to_set(any_redis: Any) -> None:
    s = RedisSet({'b', 'a'}, redis=any_redis, key='r')
    assert repr(s) == "RedisSet{'a', 'b'}"
    assert repr(RedisSet(redis=any_redis, key='none')) == 'RedisSet{}'
    assert s.to_set() == {'a', 'b'}


def test_canonical_members(redis: redis_py.Redis, api: Api) -> None:
    s = api.RedisSet([1, 1.0, True, (1, 'a')], redis=redis, key='canon')
    assert len(s) == 2
    assert sorted(s, key=repr) == [(1, 'a'), 1]
    assert redis.smembers('canon') == {b'1', b'[1, "a"]'}


def test_key_exists_error(redis: redis_py.Redis, api: Api) -> None:
    api.RedisSet('ab', redis=redis, key='k')
    with pytest.raises(KeyExistsError):
        api.RedisSet('cd', redis=redis, key='k')
    assert api.RedisSet(redis=redis, key='k') == {'a', 'b'}


def test_wrong_redis_type(any_redis: Any, api: Api) -> None:
    any_redis.set('{w}str', 'x')
    s = api.RedisSet(redis=any_redis, key='{w}str')
    same_slot = api.RedisSet('a', redis=any_redis, key='{w}set')
    far = api.RedisSet('a', redis=any_redis, key=slot_apart(any_redis, 'far', '{w}str'))
    for action in (
        lambda: s.add(1),
        lambda: s.discard(1),
        lambda: s.remove(1),
        lambda: list(s),
        s.to_set,
        s.copy,
        lambda: s.update({1}),
        lambda: len(s),
        lambda: 1 in s,
        lambda: s.contains_many(1, 2),
        lambda: s == {1},
        lambda: s.union({1}),
        lambda: s.intersection({1}),
        lambda: s.difference({1}),
        lambda: s.symmetric_difference({1}),
        lambda: s.issubset({1}),
        lambda: s.issuperset({1}),
        lambda: s.isdisjoint({1}),
        lambda: s.intersection_update({1}),
        lambda: s.difference_update({1}),
        lambda: s.symmetric_difference_update({1}),
        lambda: s.issubset(same_slot),
        lambda: s.symmetric_difference(same_slot),
        lambda: same_slot.update(s),
        lambda: same_slot.symmetric_difference_update(s),
        lambda: far.update(s),
        s.pop,
    ):
        with pytest.raises(WrongRedisTypeError, match='set'):
            action()
    with pytest.raises(KeyExistsError):
        api.RedisSet({1}, redis=any_redis, key='{w}str')
    assert any_redis.get('{w}str') == b'x'
    assert same_slot.to_set() == far.to_set() == {'a'}


def test_iteration_in_chunks(redis: redis_py.Redis, round_trips: Any, api: Api) -> None:
    s = api.RedisSet(range(3000), redis=redis, key='big')
    with round_trips() as trips:
        assert sorted(s) == list(range(3000))
    # SSCAN COUNT 1000 visits about 1,000 of the 4,096 buckets per page,
    # plus sorted()'s length hint: a handful, never one per member.
    assert trips.count <= 6


def test_operators_with_a_set_on_another_server(redis: redis_py.Redis, redis_cluster: RedisCluster) -> None:
    here = RedisSet('abc', redis=redis, key='here')
    there = RedisSet('bcd', redis=redis_cluster, key='there')
    assert here | there == set('abcd')
    assert here & there == set('bc')
    assert there - here == {'d'}
    assert here ^ there == set('ad')
    assert not here <= there
    here &= there
    assert here == {'b', 'c'} == there - {'d'}


def test_named_methods_with_a_set_on_another_server(
    redis: redis_py.Redis, redis_cluster: RedisCluster, api: Api
) -> None:
    here = api.RedisSet('abc', redis=redis, key='here')
    there = api.RedisSet('bcd', redis=redis_cluster, key='there')
    assert here.union(there) == set('abcd')
    assert here.intersection(there) == set('bc')
    assert there.difference(here) == {'d'}
    assert here.symmetric_difference(there) == set('ad')
    assert not here.issubset(there)
    assert here != there
    here.intersection_update(there)
    assert here == {'b', 'c'}
    here.symmetric_difference_update(there)
    assert here == {'d'}
    here.update(there, 'x')
    assert here.to_set() == set('bcdx')


def test_json_dumps_refuses_a_set_as_for_set(redis: redis_py.Redis) -> None:
    with pytest.raises(TypeError):
        json.dumps(RedisSet('a', redis=redis))


# --- round-trip budgets ---------------------------------------------------------------


def test_round_trip_budgets(any_redis: Any, round_trips: Any, api: Api) -> None:
    s = api.RedisSet(range(100), redis=any_redis, key='{b}s')
    same_slot = api.RedisSet(range(50, 150), redis=any_redis, key='{b}t')
    plain = set(range(90, 110))
    # warm up: script loads and (on the cluster) slot discovery
    _ = s.issubset(plain), s.intersection(plain), s.contains_many(1), s.symmetric_difference(same_slot), s.pop()
    s.add(0)
    budgets: list[tuple[str, Callable[[], Any]]] = [
        ('add', lambda: s.add(500)),
        ('discard', lambda: s.discard(500)),
        ('remove', lambda: s.remove(0)),
        ('pop', s.pop),
        ('in', lambda: 5 in s),
        ('len', lambda: len(s)),
        ('to_set', s.to_set),
        ('contains_many', lambda: s.contains_many(*range(200))),
        ('union', lambda: s.union(plain)),
        ('intersection', lambda: s.intersection(plain)),
        ('difference', lambda: s.difference(plain)),
        ('symmetric_difference', lambda: s.symmetric_difference(plain)),
        ('issubset', lambda: s.issubset(plain)),
        ('issuperset', lambda: s.issuperset(plain)),
        ('isdisjoint', lambda: s.isdisjoint(plain)),
        ('== set', lambda: s == plain),
        ('update', lambda: s.update(plain)),
        ('intersection_update', lambda: s.intersection_update(set(range(300)))),
        ('difference_update', lambda: s.difference_update({1, 2})),
        ('symmetric_difference_update', lambda: s.symmetric_difference_update({1, 2})),
        ('union same slot', lambda: s.union(same_slot)),
        ('intersection same slot', lambda: s.intersection(same_slot)),
        ('symmetric_difference same slot', lambda: s.symmetric_difference(same_slot)),
        ('issubset same slot', lambda: s.issubset(same_slot)),
        ('== same slot', lambda: s == same_slot),
        ('update same slot', lambda: s.update(same_slot)),
        ('symmetric_difference_update same slot', lambda: s.symmetric_difference_update(same_slot)),
        ('union of 3 iterables', lambda: s.union([1], (2,), {3})),
        ('update with iterables', lambda: s.update([1000], range(1001, 1100))),
    ]
    if not isinstance(any_redis, RedisCluster):  # a cluster's copy reads, then writes elsewhere
        budgets.append(('copy', s.copy))
    if not api.asynchronous:  # operators and repr are the sync front's
        budgets += [
            ('repr', lambda: repr(s)),
            ('|', lambda: s | plain),
            ('&', lambda: s & plain),
            ('-', lambda: s - plain),
            ('^', lambda: s ^ plain),
            ('reflected -', lambda: plain - s),
            ('<=', lambda: s <= plain),
            ('>', lambda: s > plain),
            ('|=', lambda: s.__ior__(plain)),
            ('&=', lambda: s.__iand__(set(range(300)))),
            ('-=', lambda: s.__isub__({1, 2})),
            ('^=', lambda: s.__ixor__({1, 2})),
            ('| same slot', lambda: s | same_slot),
            ('^ same slot', lambda: s ^ same_slot),
            ('<= same slot', lambda: s <= same_slot),
            ('|= same slot', lambda: s.__ior__(same_slot)),
            ('^= same slot', lambda: s.__ixor__(same_slot)),
        ]
    for name, call in budgets:
        with round_trips() as trips:
            call()
        assert trips.count == 1, f'{name}: {trips.count} round trips'


def test_different_slots_cost_one_more_round_trip(redis_cluster: RedisCluster, round_trips: Any, api: Api) -> None:
    s = api.RedisSet('abc', redis=redis_cluster, key='{x}s')
    other = api.RedisSet('bcd', redis=redis_cluster, key=slot_apart(redis_cluster, 'o', '{x}s'))
    _ = s.union(other), s.issubset(other)  # warm up
    with round_trips() as trips:
        assert s.symmetric_difference(other) == {'a', 'd'}
        assert not s.issubset(other)
        s.update(other)
    assert trips.count == 2 * 3
    assert s == set('abcd')


# --- bad input: TypeError, nothing written ---------------------------------------------


def test_bad_input_writes_nothing(any_redis: Any, api: Api, round_trips: Any) -> None:
    with pytest.raises(TypeError):
        api.RedisSet([1, object()], redis=any_redis, key='bad')
    assert not any_redis.exists('bad')
    s = api.RedisSet([1], redis=any_redis, key='bad')
    calls: list[Callable[[], Any]] = [
        lambda: s.add(object()),
        lambda: s.add([1]),
        lambda: s.update([2, 3, object()]),
        lambda: s.update([2], [[3]]),
        lambda: s.update({2, frozenset()}),
        lambda: s.symmetric_difference_update([2, object()]),
        lambda: s.symmetric_difference_update({2, frozenset()}),
    ]
    if not api.asynchronous:  # operators are the sync front's
        calls += [lambda: s.__ixor__({2, frozenset()}), lambda: s.__ior__({2, frozenset()})]
    for call in calls:
        with round_trips() as trips, pytest.raises(TypeError):
            call()
        assert trips.count == 0  # refused before anything was sent
    assert any_redis.smembers('bad') == {b'1'}


def test_unencodable_elements_are_simply_absent(redis: redis_py.Redis, api: Api, round_trips: Any) -> None:
    # As for set: an element that could never be stored is not a member.
    s = api.RedisSet([1], redis=redis, key='s')
    odd = frozenset({1})
    with round_trips() as trips:
        assert odd not in s
        s.discard(odd)
        with pytest.raises(KeyError):
            s.remove(odd)
    assert trips.count == 0  # nothing to ask Redis
    assert s.contains_many(odd, 1) == (False, True)
    assert s.intersection({odd, 1}) == {1}
    assert s.union({odd}) == {1, odd}
    assert s.symmetric_difference({odd}) == {1, odd}
    assert not s.issuperset({odd})
    assert s.isdisjoint({odd})
    s.difference_update({odd})
    s.intersection_update({odd, 1})
    assert s == {1}
    with pytest.raises(TypeError, match='unhashable'):
        [1] in s  # noqa: B015  # the TypeError is the point


def test_unencodable_elements_with_operators(redis: redis_py.Redis) -> None:
    s = RedisSet[Any]([1], redis=redis, key='s')
    odd = frozenset({1})
    assert s & {odd, 1} == {1}
    assert s | {odd} == {1, odd}
    assert not s >= {odd}
    s -= {odd}
    s &= {odd, 1}
    assert s == {1}


# --- several processes --------------------------------------------------------------------


def _adder(url: str, start: int) -> None:
    client = redis_py.Redis.from_url(url)
    shared = RedisSet[int](redis=client, key='shared')
    for i in range(start, start + 300):
        shared.add(i)
    shared.update(range(start, start + 600, 2))


def _popper(url: str) -> list[int]:
    client = redis_py.Redis.from_url(url)
    shared = RedisSet[int](redis=client, key='pool')
    popped = []
    while True:
        try:
            popped.append(shared.pop())
        except KeyError:
            return popped


def test_processes_lose_no_add_and_never_pop_twice(redis_server: RedisServer, redis: redis_py.Redis) -> None:
    context = multiprocessing.get_context('spawn')
    starts = [0, 200, 400, 600]
    with context.Pool(len(starts)) as pool:
        pool.starmap(_adder, [(redis_server.url, start) for start in starts])
        expected = set().union(*(range(s, s + 300) for s in starts), *(range(s, s + 600, 2) for s in starts))
        assert RedisSet(redis=redis, key='shared') == expected

        RedisSet(range(2000), redis=redis, key='pool')
        results = pool.map(_popper, [redis_server.url] * 4)
    popped = [item for result in results for item in result]
    assert len(popped) == 2000
    assert set(popped) == set(range(2000))
    assert not redis.exists('pool')


def test_operators_want_set_like_operands_as_set_does(redis: redis_py.Redis) -> None:
    s = RedisSet[Any]('ab', redis=redis, key='s')
    for func in (operator.or_, operator.and_, operator.sub, operator.xor, operator.le, operator.gt):
        with pytest.raises(TypeError):
            func(set('ab'), ['a'])  # the stdlib behaviour being imitated
        with pytest.raises(TypeError):
            func(s, ['a'])
        with pytest.raises(TypeError):
            func(['a'], s)
    inplace: list[Callable[[Any, Any], Any]] = [operator.ior, operator.iand, operator.isub, operator.ixor]
    for ifunc in inplace:
        with pytest.raises(TypeError):
            ifunc(s, ['a'])
    assert s == {'a', 'b'}
    assert s != ['a', 'b']
    assert s | {'a': 1}.keys() == {'a', 'b'}  # any collections.abc.Set will do
    assert {'c'} | s == {'a', 'b', 'c'}


@pytest.mark.parametrize('fixture', ['redis_decoded', 'redis_unix'])
def test_other_client_kinds(fixture: str, request: pytest.FixtureRequest, api: Api) -> None:
    client = request.getfixturevalue(fixture)
    s = api.RedisSet([1, 'a', (2, 'b')], redis=client, key='{k}s')
    t = api.RedisSet('ab', redis=client, key='{k}t')
    assert set(s) == {1, 'a', (2, 'b')}
    assert s.pop() in {1, 'a', (2, 'b')}
    s.update([1, 'a', (2, 'b')])
    assert s.intersection(t) == {'a'}
    assert s.symmetric_difference(t) == {1, (2, 'b'), 'b'}
    assert s.copy() == s
    if not api.asynchronous:  # repr is the sync front's
        assert repr(t) == "RedisSet{'a', 'b'}"


def test_large_sets_cross_the_script_chunks(any_redis: Any, api: Api) -> None:
    # Past Lua's unpack() limits and the 1,000-member chunks of the scripts.
    model_a, model_b = set(range(0, 5000)), set(range(2500, 7500, 2))
    a = api.RedisSet(model_a, redis=any_redis, key='{big}a')
    b = api.RedisSet(model_b, redis=any_redis, key='{big}b')
    assert a.intersection(model_b) == model_a & model_b
    assert a.issubset(model_a | model_b)
    assert not a.issuperset(model_b)
    assert a.contains_many(*range(7500)) == tuple(i in model_a for i in range(7500))
    assert a.symmetric_difference(b) == model_a ^ model_b
    assert b.copy() == model_b
    a.symmetric_difference_update(model_b)
    model_a ^= model_b
    assert a == model_a
    a.intersection_update(set(range(0, 7500, 3)))
    model_a &= set(range(0, 7500, 3))
    assert a.to_set() == model_a
    a.symmetric_difference_update(b)
    model_a ^= model_b
    assert a.to_set() == model_a
    a.difference_update(range(0, 7500, 5))
    model_a.difference_update(range(0, 7500, 5))
    assert set(a) == model_a


def test_large_sets_with_operators(any_redis: Any) -> None:
    model_a, model_b = set(range(0, 5000)), set(range(2500, 7500, 2))
    a = RedisSet(model_a, redis=any_redis, key='{big}a')
    b = RedisSet(model_b, redis=any_redis, key='{big}b')
    assert a & model_b == model_a & model_b
    assert not a > model_b
    assert a ^ b == model_a ^ model_b
    a ^= model_b
    model_a ^= model_b
    a &= set(range(0, 7500, 3))
    model_a &= set(range(0, 7500, 3))
    assert a == model_a


# --- asyncio only -------------------------------------------------------------------------


def test_async_operators_name_their_coroutines(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        s: Any = await AsyncRedisSet('ab', redis=client, key='letters')
        assert repr(s) == '<RedisSet key=letters>'  # no round trip: an async repr cannot await
        table: list[tuple[Callable[[], Any], str]] = [
            (lambda: len(s), 'await x.len()'),
            (lambda: 'a' in s, 'await x.contains(item)'),
            (lambda: s == set(), 'await x.equals(other)'),
            (lambda: s != set(), 'await x.equals(other)'),
            (lambda: list(s), 'async for item in x'),
            (lambda: s | set(), 'await x.union(other)'),
            (lambda: set() & s, 'await x.intersection(other)'),
            (lambda: set() - s, 'other - await x.to_set()'),
            (lambda: s ^ set(), 'await x.symmetric_difference(other)'),
            (lambda: s <= set(), 'await x.issubset(other)'),
            (lambda: s.__ior__(set()), 'await x.update(other)'),
            (lambda: s.__iand__(set()), 'await x.intersection_update(other)'),
        ]
        for use, instead in table:
            with pytest.raises(TypeError, match=re.escape(instead)):
                use()
        assert await s.contains('a')
        assert sorted([x async for x in s]) == ['a', 'b']
        assert await s.union({'c'}) == {'a', 'b', 'c'}
        assert await s.issubset('abc')

    wait(main())


def test_async_concurrent_adds_lose_nothing(redis: redis_py.Redis) -> None:
    # 200 coroutines of one event loop add to one set concurrently.
    client = ASYNC.client(redis)

    async def main() -> set[int]:
        s: Any = AsyncRedisSet(redis=client, key='shared')
        await asyncio.gather(*(s.add(i) for i in range(200)))
        popped = await asyncio.gather(*(s.pop() for _ in range(100)))
        assert len(set(popped)) == 100  # SPOP never hands a member out twice
        members: set[int] = set(popped) | await s.to_set()
        return members

    assert wait(main()) == set(range(200))


def test_async_cancelled_write_is_whole_or_absent(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        s: Any = AsyncRedisSet(redis=client, key='cancelled')
        task = asyncio.ensure_future(s.update(range(20_000)))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    wait(main())
    assert redis.scard('cancelled') in (0, 20_000)  # one SADD: all of it or nothing
