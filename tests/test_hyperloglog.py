"""HyperLogLog: accuracy, merging across slots and servers, membership, round trips.

Tests taking ``api`` are contract tests: they run on the sync HyperLogLog and
on ``pottery.asyncio.HyperLogLog`` (see tests/fronts.py).  Accuracy is Redis'
own, the same for both fronts, so it is measured on the sync one.
"""

from __future__ import annotations

import asyncio
import contextlib
import doctest
import random
import re
from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
import redis as redis_py
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from redis.cluster import RedisCluster
from redis.crc import key_slot

import pottery.hyperloglog
from pottery import HyperLogLog, KeyExistsError, WrongRedisTypeError
from pottery.asyncio import HyperLogLog as AsyncHyperLogLog
from pottery.base import encode_key
from pottery.slots import scratch_key
from tests.fronts import ASYNC, Api, wait


def warm_up(client: Any) -> None:
    """Open a connection to every node, so that round-trip counts exclude handshakes."""
    if isinstance(client, RedisCluster):
        client.ping(target_nodes=RedisCluster.ALL_NODES)


def fresh(rng: random.Random, count: int, prefix: str) -> list[str]:
    return [f'{prefix}-{i}-{rng.getrandbits(64):016x}' for i in range(count)]


def count_of(client: Any, *iterables: Any) -> int:
    """The count of a HyperLogLog filled by PFADD alone: a merge must match it exactly."""
    oracle: HyperLogLog[Any] = HyperLogLog([element for iterable in iterables for element in iterable], redis=client)
    count = len(oracle)
    oracle.clear()  # now, rather than when the reaper gets to it
    return count


def slot(key: str) -> int:
    return key_slot(key.encode())


# Two keys in different cluster slots, and two sharing a slot.
APART = ('a', 'b')
TOGETHER = ('{t}a', '{t}b')
assert slot(APART[0]) != slot(APART[1])


def test_set_like_basics(any_redis: Any, api: Api) -> None:
    hll = api.HyperLogLog(redis=any_redis, key='searches')
    assert len(hll) == 0
    assert 'snake' not in hll
    assert not any_redis.exists('searches')
    hll.add('snake')
    assert len(hll) == 1
    hll.update(['snake', 'pac-man'], {'minesweeper'}, 'xy')
    assert len(hll) == 5
    assert hll.contains_many('snake', 'pac-man', 'x', 'y', 'tetris') == [True, True, True, True, False]
    hll.add(1)
    hll.update([1.0, True, (1, 2), (1.0, 2)])  # equal elements count once, as in a set
    assert len(hll) == 7
    hll.clear()
    assert len(hll) == 0
    assert not any_redis.exists('searches')
    hll.update()
    hll.update([], ())
    assert not any_redis.exists('searches')
    assert hll.contains_many() == []


def test_not_iterable_and_repr(redis: redis_py.Redis, round_trips: Callable[[], Any]) -> None:
    hll: HyperLogLog[str] = HyperLogLog(['a', 'b', 'c', 'd'], redis=redis, key='hll')
    with pytest.raises(TypeError, match='not iterable'):
        iter(hll)  # type: ignore[call-overload]  # the point: it is not iterable
    with round_trips() as trips:
        assert repr(hll) == '<HyperLogLog key=hll len=4>'  # as pottery 3.x prints it
    assert trips.count == 1  # PFCOUNT


@pytest.mark.parametrize('client', ['redis', 'redis_decoded'])
def test_shared_by_clients_of_one_key(
    client: str, request: pytest.FixtureRequest, redis: redis_py.Redis, api: Api
) -> None:
    other = request.getfixturevalue(client)
    writer = api.HyperLogLog(redis=redis, key='shared')
    reader = api.HyperLogLog(redis=other, key='shared')
    writer.update(['a', 'b'])
    assert len(reader) == 2
    assert reader.contains_many('a', 'b', 'c') == [True, True, False]
    reader.add('c')
    assert len(writer) == 3


# -- accuracy (fixed seed) ----------------------------------------------------------------------


def test_cardinality_of_100_000_elements(any_redis: Any) -> None:
    rng = random.Random(1998)
    hll: HyperLogLog[str] = HyperLogLog(redis=any_redis)
    for chunk in range(10):
        hll.update(fresh(rng, 10_000, f'chunk{chunk}'))
    error = abs(len(hll) - 100_000) / 100_000
    assert error <= 0.02, f'relative error {error:.4f}'


@pytest.mark.parametrize('count', [10, 100, 1000, 10_000])
def test_cardinality_of_fewer_elements(count: int, redis: redis_py.Redis) -> None:
    hll: HyperLogLog[int] = HyperLogLog(range(count), redis=redis)
    hll.update(range(count))  # duplicates change nothing
    assert abs(len(hll) - count) <= max(1, 0.02 * count)


# -- membership ---------------------------------------------------------------------------------


def test_contains_has_no_false_negatives(any_redis: Any, api: Api) -> None:
    rng = random.Random(11)
    added: list[Any] = [*fresh(rng, 3000, 'in'), *range(500), *[(i, 'x') for i in range(200)]]
    hll = api.HyperLogLog(redis=any_redis)
    hll.update(added)
    assert hll.contains_many(*added) == [True] * len(added)
    assert all(element in hll for element in added[::97])


def test_contains_is_redis_own_answer_and_reads_only(redis: redis_py.Redis, api: Api) -> None:
    # Oracle: PFADD of each element on its own copy of the registers.
    rng = random.Random(12)
    hll = api.HyperLogLog(fresh(rng, 50, 'sparse'), redis=redis, key='h')
    for size in (50, 5000):  # sparse, then dense registers
        if size == 5000:
            hll.update(fresh(rng, 5000, 'dense'))
        probes = fresh(rng, 300, 'probe')
        before = redis.get('h')
        expected = []
        for probe in probes:
            redis.copy('h', 'oracle', replace=True)
            expected.append(redis.pfadd('oracle', encode_key(probe)) == 0)
        redis.delete('oracle')
        assert hll.contains_many(*probes) == expected
        assert [probe in hll for probe in probes[:30]] == expected[:30]
        assert redis.get('h') == before  # the registers were only read
        assert redis.keys('*') == [b'h']  # no scratch key left behind
    assert any(expected) and not all(expected)  # dense: some collide, some do not


def test_contains_on_cluster_keeps_the_key(redis_cluster: RedisCluster, api: Api) -> None:
    hll = api.HyperLogLog(range(100), redis=redis_cluster, key='a}b')
    before = redis_cluster.get('a}b')
    assert hll.contains_many(*range(100)) == [True] * 100
    assert redis_cluster.get('a}b') == before
    assert redis_cluster.keys(target_nodes=RedisCluster.ALL_NODES) == [b'a}b']


# -- merging ------------------------------------------------------------------------------------


@pytest.mark.parametrize('keys', [APART, TOGETHER])
def test_update_with_hyperloglogs(keys: tuple[str, str], any_redis: Any, api: Api) -> None:
    mine = api.HyperLogLog(range(100), redis=any_redis, key=keys[0])
    theirs = api.HyperLogLog(range(50, 200), redis=any_redis, key=keys[1])
    before = any_redis.get(keys[1])
    mine.update(theirs)
    assert len(mine) == count_of(any_redis, range(200))
    mine.update(theirs, range(300, 310), [400], mine)  # HyperLogLogs and elements together
    assert len(mine) == count_of(any_redis, range(200), range(300, 310), [400])
    assert mine.contains_many(0, 199, 305, 400, 500) == [True, True, True, True, False]
    assert any_redis.get(keys[1]) == before
    assert sorted(any_redis.keys(target_nodes='all') if isinstance(any_redis, RedisCluster) else any_redis.keys()) == [
        k.encode() for k in sorted(keys)
    ]


def test_update_from_other_servers(redis: redis_py.Redis, redis_cluster: RedisCluster, api: Api) -> None:
    # Standalone <- cluster and cluster <- standalone: registers are copied.
    here = api.HyperLogLog(range(100), redis=redis, key='here')
    there = api.HyperLogLog(range(100, 250), redis=redis_cluster, key='there')
    empty = api.HyperLogLog(redis=redis_cluster, key='nothing')
    here.update(there, empty)
    assert len(here) == count_of(redis, range(250))
    there.update(here, [1000])
    assert len(there) == count_of(redis, range(250), [1000])
    assert not redis_cluster.exists('nothing')


def test_update_from_a_decoding_client(redis_decoded: redis_py.Redis, redis: redis_py.Redis, api: Api) -> None:
    # The registers are binary: they are read without decoding.
    theirs = api.HyperLogLog(range(30), redis=redis_decoded, key='theirs')
    mine = api.HyperLogLog(range(20, 40), redis=redis_decoded, key='mine')
    elsewhere = api.HyperLogLog(redis=redis, key='elsewhere')
    elsewhere.update(theirs)
    mine.update(api.HyperLogLog(redis=redis, key='elsewhere'))
    assert len(elsewhere) == count_of(redis, range(30))
    assert len(mine) == count_of(redis, range(40))


@pytest.mark.parametrize('keys', [APART, TOGETHER])
def test_union(keys: tuple[str, str], any_redis: Any, api: Api) -> None:
    first = api.HyperLogLog(range(100), redis=any_redis, key=keys[0])
    second = api.HyperLogLog(range(50, 150), redis=any_redis, key=keys[1])
    union = first.union(second, [1000, 1001])
    assert isinstance(union, api.HyperLogLog)
    assert union.key.startswith('pottery:')
    assert union.redis is api.client(any_redis)
    assert len(union) == count_of(any_redis, range(150), [1000, 1001])
    assert (len(first), len(second)) == (count_of(any_redis, range(100)), count_of(any_redis, range(50, 150)))
    assert first.union().key != first.key
    assert len(first.union()) == len(first)
    assert first.union(key='').key.startswith('pottery:')  # pottery 3.x's default


@pytest.mark.parametrize('key', ['{t}union', 'union'])
def test_union_at_a_named_key(key: str, any_redis: Any, api: Api) -> None:
    first = api.HyperLogLog(range(100), redis=any_redis, key='{t}a')
    second = api.HyperLogLog(range(50, 150), redis=any_redis, key='b')
    union = first.union(second, [1000], key=key)
    assert union.key == key
    assert len(union) == count_of(any_redis, range(150), [1000])
    assert len(api.HyperLogLog(redis=any_redis, key=key)) == len(union)
    # an existing key is refused and left alone, as by any constructor given data
    before = any_redis.get(key)
    with pytest.raises(KeyExistsError):
        first.union(['new'], key=key)
    with pytest.raises(KeyExistsError):
        second.union(key='{t}a')
    assert any_redis.get(key) == before
    assert len(first) == count_of(any_redis, range(100))


def test_union_onto_another_server(redis: redis_py.Redis, redis_cluster: RedisCluster, api: Api) -> None:
    first = api.HyperLogLog(range(100), redis=redis_cluster, key='a')
    second = api.HyperLogLog(range(100, 300), redis=redis_cluster, key='b')
    union = first.union(second, redis=api.client(redis))
    assert union.redis is api.client(redis)
    assert len(union) == count_of(redis, range(300))
    assert redis.exists(union.key)


@pytest.mark.parametrize(
    'key', ['a', '{a}b', 'a}b', '{}a', '{a', '}', '', '{{a}}', 'x{}{y}', 'é{ü}', 'pottery:0f0e-uuid']
)
def test_scratch_key_shares_the_slot(key: str) -> None:
    scratch = scratch_key(key)
    assert slot(scratch) == slot(key)
    assert scratch != scratch_key(key)


# -- constructor rule and wrong types ------------------------------------------------------------


def test_construct_with_elements_on_existing_key(any_redis: Any, api: Api) -> None:
    first = api.HyperLogLog(['a'], redis=any_redis, key='h')
    before = any_redis.get('h')
    with pytest.raises(KeyExistsError):
        api.HyperLogLog(['b'], redis=any_redis, key='h')
    assert any_redis.get('h') == before
    attached = api.HyperLogLog([], redis=any_redis, key='h')
    attached.update(['b'])
    assert len(first) == 2


def test_construct_with_many_elements(redis: redis_py.Redis, api: Api) -> None:
    # More elements than one PFADD slice in the script.
    hll = api.HyperLogLog(range(2500), redis=redis)
    assert abs(len(hll) - 2500) <= 50


@pytest.mark.parametrize('key', ['hash', 'text'])
def test_wrong_redis_types(key: str, redis: redis_py.Redis, api: Api) -> None:
    redis.hset('hash', 'a', '1')
    redis.set('text', 'not a hyperloglog')
    hll = api.HyperLogLog(redis=redis, key=key)
    with pytest.raises(WrongRedisTypeError):
        hll.add('a')
    with pytest.raises(WrongRedisTypeError):
        len(hll)
    with pytest.raises(WrongRedisTypeError):
        'a' in hll  # noqa: B015  # the error is the point
    with pytest.raises(WrongRedisTypeError):
        hll.contains_many('a', 'b')
    with pytest.raises(WrongRedisTypeError):
        hll.update(['a'], api.HyperLogLog(redis=redis, key='fine'))
    with pytest.raises(WrongRedisTypeError):
        hll.update(['a'])
    # merging *from* a key that is not a HyperLogLog, on this client or another
    target = api.HyperLogLog(redis=redis, key='target')
    with pytest.raises(WrongRedisTypeError):
        target.update(hll)
    with pytest.raises(WrongRedisTypeError):
        hll.union()
    another = redis_py.Redis(connection_pool=redis.connection_pool)
    with pytest.raises(WrongRedisTypeError) as raised:
        target.update(api.HyperLogLog(redis=another, key=key))
    assert raised.value.key == key
    assert redis.hgetall('hash') == {b'a': b'1'}
    assert redis.get('text') == b'not a hyperloglog'
    assert sorted(redis.keys()) == [b'hash', b'text']
    redis.delete('hash', 'text')


# -- bad input ------------------------------------------------------------------------------------


# Unhashable (a set refuses them) or hashable but not JSON (never storable).
UNHASHABLE = [[1], {'a': 1}, {1}, (1, [2])]
UNSTORABLE = [object(), frozenset(), b'x', BaseException, (1, frozenset())]


@pytest.mark.parametrize('bad', UNHASHABLE + UNSTORABLE)
def test_bad_elements_write_nothing(bad: Any, any_redis: Any, api: Api) -> None:
    with pytest.raises(TypeError):
        api.HyperLogLog(['a', bad], redis=any_redis, key='h')
    assert not any_redis.exists('h')
    hll = api.HyperLogLog(['a'], redis=any_redis, key='h')
    other = api.HyperLogLog(['z'], redis=any_redis, key='other')
    before = any_redis.get('h')
    with pytest.raises(TypeError):
        hll.add(bad)
    with pytest.raises(TypeError):
        hll.update(['b'], other, [bad])
    if bad in UNHASHABLE:
        with pytest.raises(TypeError):
            bad in hll  # noqa: B015  # the TypeError is the point, as for a set
        with pytest.raises(TypeError):
            hll.contains_many('a', bad)
    with pytest.raises(TypeError):
        hll.union(['b', bad])
    with pytest.raises(TypeError):
        hll.update(5)  # not iterable
    assert any_redis.get('h') == before


@pytest.mark.parametrize('bad', UNSTORABLE)
def test_lookups_of_unstorable_elements_are_false(
    bad: Any, any_redis: Any, round_trips: Callable[[], Any], api: Api
) -> None:
    # It can never have been added: False, as pottery 3.x answers, and no round trip.
    hll = api.HyperLogLog(['a'], redis=any_redis)
    with round_trips() as trips:
        assert bad not in hll
        assert hll.contains_many(bad) == [False]
    assert trips.count == 0
    assert hll.contains_many('a', bad, 'a') == [True, False, True]


# -- round trips ----------------------------------------------------------------------------------


def test_round_trips(any_redis: Any, round_trips: Callable[[], Any], api: Api) -> None:
    rng = random.Random(4)
    clustered = isinstance(any_redis, RedisCluster)
    hll = api.HyperLogLog(['warm'], redis=any_redis, key='{t}a')
    near = api.HyperLogLog(['near'], redis=any_redis, key='{t}b')
    far = api.HyperLogLog(['far'], redis=any_redis, key='b')
    # warm up: every script loaded, every node connected
    hll.update(['w'], near)
    assert 'warm' in hll
    keep = [api.HyperLogLog(['x'], redis=any_redis)]
    warm_up(any_redis)
    budget: list[tuple[str, int, Callable[[], Any]]] = [
        ('add', 1, lambda: hll.add('a')),
        ('update 10 elements', 1, lambda: hll.update(fresh(rng, 10, 'x'), ['y'])),
        ('update 25,000 elements', 1, lambda: hll.update(fresh(rng, 25_000, 'y'))),
        ('update with a HyperLogLog in the slot', 1, lambda: hll.update(near)),
        ('update with elements and a HyperLogLog in the slot', 1, lambda: hll.update(['z'], near, ['zz'])),
        ('update with a HyperLogLog elsewhere', 2 if clustered else 1, lambda: hll.update(far)),
        ('update with elements, near and far', 2 if clustered else 1, lambda: hll.update(['q'], near, far)),
        ('len', 1, lambda: len(hll)),
        ('in', 1, lambda: 'a' in hll),
        ('contains_many 5,000', 1, lambda: hll.contains_many(*fresh(rng, 5000, 'c'))),
        ('clear', 1, hll.clear),
        ('construct with elements', 1, lambda: keep.append(api.HyperLogLog(fresh(rng, 5000, 'n'), redis=any_redis))),
        ('construct without elements', 0, lambda: keep.append(api.HyperLogLog(redis=any_redis))),
        ('update with nothing', 0, lambda: hll.update([], ())),
    ]
    if not clustered:
        budget.append(('union of three', 1, lambda: keep.append(near.union(far, hll))))
        budget.append(('union at a named key', 1, lambda: keep.append(near.union(far, key='named'))))
    for name, expected, operation in budget:
        with round_trips() as trips:
            operation()
        assert trips.count == expected, f'{name}: {trips.count} round trips'


def test_chunked_update(
    redis: redis_py.Redis, round_trips: Callable[[], Any], monkeypatch: pytest.MonkeyPatch, api: Api
) -> None:
    monkeypatch.setattr(pottery.hyperloglog, 'CHUNK', 10)
    hll = api.HyperLogLog(redis=redis)
    assert len(hll) == 0  # warm up: the client's connection made
    with round_trips() as trips:
        hll.update(range(95))  # 10 PFADDs in one pipeline
    assert trips.count == 1
    assert len(hll) == 95


# -- documentation -------------------------------------------------------------------------------


def test_module_doctests(redis: redis_py.Redis) -> None:
    result = doctest.testmod(pottery.hyperloglog, extraglobs={'redis': redis}, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# -- oracle state machine ---------------------------------------------------------------------

ELEMENTS = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 2.5]) | st.text(max_size=3),
    lambda children: st.tuples(children, children),
    max_leaves=4,
)


class HyperLogLogMachine(RuleBasedStateMachine):
    """A HyperLogLog against an oracle HyperLogLog filled by PFADD alone.

    HyperLogLog registers depend only on the set of elements added, so the
    oracle's count must be *equal*, however the elements got in (added,
    merged from near or far HyperLogLogs).  ``in`` is checked against PFADD
    on a COPY of the registers.
    """

    client: Any = None
    api: Api
    machines = count()

    def __init__(self) -> None:
        super().__init__()
        tag = f'm{next(self.machines)}'
        self.oracle = f'{{{tag}}}oracle'
        self.client.delete(self.oracle)
        self.client.delete(f'{{{tag}}}hll')
        self.hll: Any = self.api.HyperLogLog(redis=self.client, key=f'{{{tag}}}hll')
        self.near: Any = self.api.HyperLogLog(redis=self.client, key=f'{{{tag}}}near')
        self.near.clear()
        # Another slot on a cluster; another client object on a standalone server.
        far_client = self.client
        if not isinstance(self.client, RedisCluster):
            far_client = redis_py.Redis(connection_pool=self.client.connection_pool)
        self.far: Any = self.api.HyperLogLog(redis=far_client, key=f'{tag}-far')
        self.far.clear()
        self.added: set[Any] = set()
        self.near_added: set[Any] = set()
        self.far_added: set[Any] = set()

    def oracle_add(self, elements: Any) -> None:
        encoded = [encode_key(element) for element in elements]
        self.client.pfadd(self.oracle, *encoded)

    @rule(element=ELEMENTS)
    def add(self, element: Any) -> None:
        self.hll.add(element)
        self.added.add(element)
        self.oracle_add([element])

    @rule(elements=st.lists(ELEMENTS, max_size=8))
    def update(self, elements: list[Any]) -> None:
        self.hll.update(elements)
        self.added.update(elements)
        self.oracle_add(elements)

    @rule(elements=st.lists(ELEMENTS, max_size=5), near=st.booleans())
    def fill_another(self, elements: list[Any], near: bool) -> None:
        (self.near if near else self.far).update(elements)
        (self.near_added if near else self.far_added).update(elements)

    @rule(elements=st.lists(ELEMENTS, max_size=4), near=st.booleans(), far=st.booleans())
    def update_with_hyperloglogs(self, elements: list[Any], near: bool, far: bool) -> None:
        others: list[Any] = [elements]
        if near:
            others.append(self.near)
            self.added |= self.near_added
            self.oracle_add(self.near_added)
        if far:
            others.append(self.far)
            self.added |= self.far_added
            self.oracle_add(self.far_added)
        self.hll.update(*others)
        self.added.update(elements)
        self.oracle_add(elements)

    @rule(elements=st.lists(ELEMENTS, max_size=4))
    def union(self, elements: list[Any]) -> None:
        union = self.hll.union(self.near, self.far, elements)
        oracle: HyperLogLog[Any] = HyperLogLog(
            [*self.added, *self.near_added, *self.far_added, *elements], redis=self.client
        )
        assert len(union) == len(oracle)
        union.clear()
        oracle.clear()

    @rule(elements=st.lists(ELEMENTS, max_size=3))
    def update_with_a_bad_element(self, elements: list[Any]) -> None:
        with pytest.raises(TypeError):
            self.hll.update(elements, self.far, [[1]])

    @rule()
    def clear(self) -> None:
        self.hll.clear()
        self.client.delete(self.oracle)
        self.added.clear()

    @rule(elements=st.lists(ELEMENTS, min_size=1, max_size=6))
    def contains_many(self, elements: list[Any]) -> None:
        expected = []
        scratch = scratch_key(self.oracle)
        for element in elements:
            if self.client.exists(self.oracle):
                self.client.copy(self.oracle, scratch, replace=True)
                expected.append(self.client.pfadd(scratch, encode_key(element)) == 0)
            else:
                expected.append(False)
        self.client.delete(scratch)
        assert self.hll.contains_many(*elements) == expected
        assert (elements[0] in self.hll) == expected[0]

    @invariant()
    def same_count_as_the_oracle(self) -> None:
        assert len(self.hll) == self.client.pfcount(self.oracle)
        assert all(self.hll.contains_many(*self.added))


def test_oracle_state_machine(any_redis: Any, api: Api) -> None:
    clustered = isinstance(any_redis, RedisCluster)
    machine = type('Machine', (HyperLogLogMachine,), {'client': any_redis, 'api': api})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=(8 if clustered else 15) if api.asynchronous else (15 if clustered else 30),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# -- asyncio only ---------------------------------------------------------------------------------


def test_async_names_and_refusals(redis: redis_py.Redis, round_trips: Callable[[], Any]) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        hll: Any = await AsyncHyperLogLog(['snake', 'minesweeper'], redis=client, key='hll')
        with round_trips() as trips:
            assert repr(hll) == '<HyperLogLog key=hll>'  # an async repr cannot await the count
        assert trips.count == 0
        for use, coroutine in [
            (lambda: len(hll), 'await x.len()'),
            (lambda: 'a' in hll, 'await x.contains(item)'),
            (lambda: bool(hll), 'await x.len()'),
        ]:
            with pytest.raises(TypeError, match=re.escape(coroutine)):
                use()  # type: ignore[no-untyped-call]  # the lambdas of the table above
        await hll.add('snake')
        await hll.update(['pac-man'], {'rgb to hex'})
        assert await hll.len() == 4
        assert await hll.contains('snake')
        assert not await hll.contains(BaseException)
        assert await hll.contains_many('snake', 'tetris') == [True, False]
        union = await hll.union(['tetris'], key='both')
        assert isinstance(union, AsyncHyperLogLog)
        assert (union.key, await union.len()) == ('both', 5)
        await hll.clear()
        assert await hll.len() == 0

    wait(main())


def test_async_concurrent_coroutines_lose_nothing(redis: redis_py.Redis) -> None:
    # 200 coroutines of one event loop add to one HyperLogLog concurrently.
    client = ASYNC.client(redis)
    elements = [f'e{i}' for i in range(200)]

    async def main() -> None:
        hll: Any = AsyncHyperLogLog(redis=client, key='shared')
        await asyncio.gather(*(hll.add(element) for element in elements[:100]))
        await asyncio.gather(*(hll.update([element]) for element in elements[100:]))

    wait(main())
    assert redis.pfcount('shared') == count_of(redis, elements)


def test_async_cancelled_write_is_whole_or_absent(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)
    near: HyperLogLog[int] = HyperLogLog(range(1000), redis=redis, key='near')

    async def main() -> None:
        hll: Any = AsyncHyperLogLog(redis=client, key='cancelled')
        task = asyncio.ensure_future(
            hll.update(range(20_000, 40_000), await AsyncHyperLogLog(redis=client, key='near'))
        )
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    wait(main())
    assert not redis.exists('cancelled') or redis.pfcount('cancelled') == count_of(
        redis, range(20_000, 40_000), range(1000)
    )
    assert len(near) == count_of(redis, range(1000))
