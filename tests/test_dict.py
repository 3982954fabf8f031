"""RedisDict against dict: the same operations, the same results and errors."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_py
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from redis.cluster import RedisCluster

from pottery import KeyExistsError, PotteryError, RedisDict, WrongRedisTypeError
from pottery.asyncio import RedisDict as AsyncRedisDict
from pottery.base import CREATE_IF_ABSENT, encode, encode_key
from tests.fronts import ASYNC, Api, wait
from tests.servers import RedisServer

# Keys mix the types Python merges (1, 1.0, True), tuples and strings.
scalar_keys = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 2.0, 1.5, -0.5, True, False, None]),
    st.text(max_size=3),
)
keys = st.one_of(scalar_keys, st.tuples(scalar_keys, scalar_keys))
# Values that survive JSON unchanged (as Python compares them).
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=5,
)
unhashable = st.sampled_from([[1], {'a': 1}, {1, 2}])
# Hashable, but JSON cannot store them: never present, never storable.
unstorable: st.SearchStrategy[Any] = st.sampled_from([frozenset(), b'x', (1, frozenset())])


def outcome(func: Callable[[], Any]) -> tuple[str, Any]:
    """('ok', result) or ('error', exception type): what to compare."""
    try:
        return 'ok', func()
    except Exception as error:  # noqa: BLE001 -- the type is what we compare
        return 'error', type(error)


class DictMachine(RuleBasedStateMachine):
    client: Any = None
    api: Api

    def __init__(self) -> None:
        super().__init__()
        self.client.flushall() if not isinstance(self.client, RedisCluster) else None
        self.real: dict[Any, Any] = {}
        self.fake: Any = self.api.RedisDict(redis=self.client)
        self.converted = False

    def same(self, real: Callable[[dict[Any, Any]], Any], fake: Callable[[RedisDict[Any, Any]], Any]) -> Any:
        expected = outcome(lambda: real(self.real))
        got = outcome(lambda: fake(self.fake))
        assert got == expected
        return got

    @rule(key=keys, value=json_values)
    def setitem(self, key: Any, value: Any) -> None:
        self.real[key] = value
        self.fake[key] = value

    @rule(key=keys)
    def getitem(self, key: Any) -> None:
        self.same(lambda d: d[key], lambda d: d[key])

    @rule(key=keys)
    def delitem(self, key: Any) -> None:
        def delete(d: Any) -> None:
            del d[key]

        self.same(delete, delete)

    @rule(key=st.one_of(keys, unhashable))
    def contains(self, key: Any) -> None:
        self.same(lambda d: key in d, lambda d: key in d)

    @rule(key=unstorable)
    def lookups_of_unstorable(self, key: Any) -> None:
        def delete(d: Any) -> None:
            del d[key]

        self.same(lambda d: key in d, lambda d: key in d)
        self.same(lambda d: d[key], lambda d: d[key])
        self.same(lambda d: d.get(key, 5), lambda d: d.get(key, 5))
        self.same(lambda d: d.pop(key, 5), lambda d: d.pop(key, 5))
        self.same(delete, delete)

    @rule(key=unhashable, value=json_values)
    def setitem_unhashable(self, key: Any, value: Any) -> None:
        def store(d: Any) -> None:
            d[key] = value

        self.same(store, store)

    @rule(key=keys, default=json_values)
    def get(self, key: Any, default: Any) -> None:
        self.same(lambda d: d.get(key), lambda d: d.get(key))
        self.same(lambda d: d.get(key, default), lambda d: d.get(key, default))

    @rule(key=keys)
    def pop(self, key: Any) -> None:
        self.same(lambda d: d.pop(key), lambda d: d.pop(key))

    @rule(key=keys, default=json_values)
    def pop_default(self, key: Any, default: Any) -> None:
        self.same(lambda d: d.pop(key, default), lambda d: d.pop(key, default))

    @rule()
    def popitem(self) -> None:
        if not self.real:
            self.same(lambda d: d.popitem(), lambda d: d.popitem())
            return
        if self.ordered():
            self.same(lambda d: d.popitem(), lambda d: d.popitem())
            return
        key, value = self.fake.popitem()  # some item, not necessarily the last
        assert self.real.pop(key) == value

    @rule(key=keys, default=json_values)
    def setdefault(self, key: Any, default: Any) -> None:
        self.same(lambda d: d.setdefault(key, default), lambda d: d.setdefault(key, default))

    @rule(items=st.dictionaries(keys, json_values, max_size=5))
    def update_mapping(self, items: dict[Any, Any]) -> None:
        self.same(lambda d: d.update(items), lambda d: d.update(items))

    @rule(items=st.lists(st.tuples(keys, json_values), max_size=5))
    def update_pairs(self, items: list[tuple[Any, Any]]) -> None:
        self.same(lambda d: d.update(items), lambda d: d.update(items))

    @rule(items=st.dictionaries(st.text(min_size=1, max_size=3), json_values, max_size=3))
    def update_kwargs(self, items: dict[str, Any]) -> None:
        self.same(lambda d: d.update(**items), lambda d: d.update(**items))

    @rule(items=st.lists(st.tuples(keys, json_values, json_values), min_size=1, max_size=2))
    def update_bad_pairs(self, items: list[Any]) -> None:
        self.same(lambda d: d.update(items), lambda d: d.update(items))

    @precondition(lambda self: not self.api.asynchronous)  # operators are sync-only
    @rule(items=st.dictionaries(keys, json_values, max_size=4))
    def merge(self, items: dict[Any, Any]) -> None:
        self.same(lambda d: d | items, lambda d: d | items)
        self.same(lambda d: items | d, lambda d: items | d)

    @precondition(lambda self: not self.api.asynchronous)
    @rule(items=st.dictionaries(keys, json_values, max_size=4))
    def inplace_merge(self, items: dict[Any, Any]) -> None:
        self.real |= items
        self.fake |= items

    @precondition(lambda self: len(self.real) < 6)
    @rule()
    def clear(self) -> None:
        self.same(lambda d: d.clear(), lambda d: d.clear())

    @rule()
    def copy(self) -> None:
        duplicate = self.fake.copy()
        assert isinstance(duplicate, self.api.RedisDict)
        assert duplicate.key != self.fake.key
        assert duplicate == self.real

    @rule(items=st.dictionaries(keys, json_values, max_size=4))
    def equality(self, items: dict[Any, Any]) -> None:
        self.same(lambda d: d == items, lambda d: d == items)
        self.same(lambda d: d != items, lambda d: d != items)

    def ordered(self) -> bool:
        # Redis keeps a hash in insertion order while it is a listpack: at
        # most 128 fields, each field and value at most 64 bytes.  Once
        # converted to a hashtable it stays one until the key is deleted.
        if not self.real:
            self.converted = False
        elif len(self.real) > 128 or any(
            len(encode_key(k).encode()) > 64 or len(encode(v).encode()) > 64 for k, v in self.real.items()
        ):
            self.converted = True
        return not self.converted

    @invariant()
    def same_contents(self) -> None:
        if self.ordered():
            assert list(self.fake) == list(self.real)
            assert list(self.fake.items()) == list(self.real.items())
            assert list(self.fake.values()) == list(self.real.values())
            assert list(reversed(self.fake)) == list(reversed(self.real))
        else:
            assert sorted(map(encode_key, self.fake)) == sorted(map(encode_key, self.real))
            assert sorted(map(encode, self.fake.values())) == sorted(map(encode, self.real.values()))
        assert dict(self.fake.items()) == self.real
        assert len(self.fake) == len(self.real)
        assert self.fake.to_dict() == self.real
        assert self.fake == self.real


def machine_settings(examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )


def test_dict_machine_standalone(redis: redis_py.Redis, api: Api) -> None:
    DictMachine.client, DictMachine.api = redis, api
    run_state_machine_as_test(DictMachine, settings=machine_settings(30 if api.asynchronous else 60, 30))


def test_dict_machine_cluster(redis_cluster: RedisCluster, api: Api) -> None:
    DictMachine.client, DictMachine.api = redis_cluster, api
    run_state_machine_as_test(DictMachine, settings=machine_settings(8 if api.asynchronous else 15, 25))


# --- spec and semantics ---------------------------------------------------------------


def test_spec_example(redis: redis_py.Redis) -> None:
    tel = RedisDict({'jack': 4098, 'sape': 4139}, redis=redis, key='tel')
    tel['guido'] = 4127
    assert repr(tel) == "RedisDict{'jack': 4098, 'sape': 4139, 'guido': 4127}"
    del tel['sape']
    tel['irv'] = 4127
    assert list(tel) == ['jack', 'guido', 'irv']


def test_equal_keys_are_one_key(any_redis: Any, api: Api) -> None:
    d: Any = api.RedisDict(redis=any_redis)
    d[1] = 'int'
    d[1.0] = 'float'
    d[True] = 'bool'
    assert len(d) == 1
    assert d[1] == 'bool'
    assert d.to_dict() == {1: 'bool'}
    d[(1, 'a')] = 'tuple'
    assert d[(1.0, 'a')] == 'tuple'
    assert (True, 'a') in d


def test_tuple_keys_come_back_as_tuples(any_redis: Any, api: Api) -> None:
    d = api.RedisDict({(1, (2, 'x')): [1, 2], 'k': (3, 4)}, redis=any_redis)
    assert list(d) == [(1, (2, 'x')), 'k']
    assert d['k'] == [3, 4]  # values go through JSON: tuples become lists


def test_constructor_forms(redis: redis_py.Redis, api: Api) -> None:
    assert api.RedisDict([('a', 1)], redis=redis, b=2) == {'a': 1, 'b': 2}
    assert api.RedisDict({'a': 1}, redis=redis) == {'a': 1}
    assert api.RedisDict(redis=redis, a=1) == {'a': 1}
    original = api.RedisDict({'x': 1}, redis=redis)
    assert api.RedisDict(original, redis=redis) == {'x': 1}
    bad: Any = [(1, 2, 3)]
    with pytest.raises(ValueError, match='length 3'):
        api.RedisDict(bad, redis=redis)
    with pytest.raises(TypeError):
        api.RedisDict([1], redis=redis)


def test_fromkeys(redis: redis_py.Redis, api: Api) -> None:
    d = api.RedisDict.fromkeys('abc', 0, redis=redis, key='fk')
    assert d == dict.fromkeys('abc', 0)
    assert d.key == 'fk'
    assert api.RedisDict.fromkeys([1, 2], redis=redis) == {1: None, 2: None}


def test_views(redis: redis_py.Redis) -> None:
    d: RedisDict[Any, Any] = RedisDict({'a': 1, 'b': [2]}, redis=redis)
    assert d.keys() == {'a', 'b'}
    assert d.keys() & {'a', 'z'} == {'a'}
    assert ('b', [2]) in d.items()
    assert ('b', 2) not in d.items()
    assert ('zz', None) not in d.items()
    assert 'nope' not in d.items()  # type: ignore[operator]  # dict allows any object
    assert [2] in d.values()
    assert len(d.items()) == len(d.values()) == 2


def test_equality_between_redis_dicts(redis: redis_py.Redis, redis_server: RedisServer, api: Api) -> None:
    a = api.RedisDict({'a': 1}, redis=redis)
    b = api.RedisDict({'a': 1}, redis=redis_server.client())
    assert a == b
    assert a == a  # noqa: PLR0124 -- the same key short-cuts
    b['b'] = 2
    assert a != b
    assert a != [('a', 1)]
    assert (a == 5) is False


def test_large_dict_iterates_in_chunks(redis: redis_py.Redis, round_trips: Any, api: Api) -> None:
    n = 5000
    d = api.RedisDict({f'k{i}': i for i in range(n)}, redis=redis)
    expected = {f'k{i}': i for i in range(n)}
    with round_trips() as trips:
        assert dict(d.items()) == expected
    assert 2 <= trips.count <= 12  # HSCAN pages of ~1,000, never one per item
    assert sorted(d.values()) == sorted(expected.values())
    assert sorted(d) == sorted(expected)
    # popitem on a large (hashtable) hash removes some item, atomically
    key, value = d.popitem()
    assert expected[key] == value
    assert key not in d


def test_decode_responses_and_unix_socket(redis_decoded: redis_py.Redis, redis_unix: redis_py.Redis, api: Api) -> None:
    for client in (redis_decoded, redis_unix):
        d: Any = api.RedisDict({'a': [1], (1, 2): None}, redis=client)
        d.setdefault('b', 2)
        assert d.pop('a') == [1]
        assert d.popitem() == ('b', 2)
        assert d == {(1, 2): None}
        assert list(d.items()) == [((1, 2), None)]


# --- constructor rule, bad input, wrong types -----------------------------------------


def test_construct_with_data_never_overwrites(redis: redis_py.Redis, api: Api) -> None:
    api.RedisDict({'a': 1}, redis=redis, key='k')
    with pytest.raises(KeyExistsError):
        api.RedisDict({'b': 2}, redis=redis, key='k')
    assert api.RedisDict(redis=redis, key='k') == {'a': 1}


def test_keyexistserror(redis: redis_py.Redis) -> None:
    # The error says where: the key and the client, for a caller to attach
    # to the existing data instead.  (The spec's `make test` example selects
    # this test as tests.test_dict.DictTests.test_keyexistserror.)
    RedisDict({'a': 1}, redis=redis, key='tel')
    with pytest.raises(KeyExistsError) as raised:
        RedisDict({'b': 2}, redis=redis, key='tel')
    assert isinstance(raised.value, PotteryError)
    assert raised.value.key == 'tel'
    assert raised.value.redis is redis


def test_unencodable_writes_nothing(redis: redis_py.Redis, round_trips: Any, api: Api) -> None:
    d: Any = api.RedisDict({'keep': 1}, redis=redis, key='k')
    with round_trips() as trips:
        with pytest.raises(TypeError):
            d.update({'a': 1, 'b': object()})
        with pytest.raises(TypeError):
            d[object()] = 1
        with pytest.raises(TypeError):
            d['x'] = {1, 2}
        with pytest.raises(TypeError):
            api.RedisDict({'a': object()}, redis=redis, key='new')
        with pytest.raises(TypeError, match='unhashable'):
            d.setdefault([1], 2)
    assert trips.count == 0  # refused before anything was sent
    assert d == {'keep': 1}
    assert not redis.exists('new')


def test_wrong_redis_type(any_redis: Any, api: Api) -> None:
    any_redis.rpush('list', 'x')
    d: Any = api.RedisDict(redis=any_redis, key='list')
    for action in (lambda: d['a'], lambda: d.update(a=1), lambda: list(d), lambda: d.pop('a'), lambda: len(d), d.copy):
        with pytest.raises(WrongRedisTypeError, match='hash'):
            action()
    with pytest.raises(KeyExistsError):
        api.RedisDict({'a': 1}, redis=any_redis, key='list')
    assert any_redis.lrange('list', 0, -1) == [b'x']


def test_down_server_raises_promptly() -> None:
    server = RedisServer().start()
    client = redis_py.Redis(host='127.0.0.1', port=server.port, socket_timeout=2, socket_connect_timeout=2)
    d: RedisDict[str, int] = RedisDict(redis=client)
    d['a'] = 1
    server.stop()
    started = time.monotonic()
    with pytest.raises(redis_py.ConnectionError):
        d['a']
    # It raises instead of hanging.  redis-py 6+ retries a refused connection
    # 10 times with jittered backoff (up to about 5 s in all): the bound is
    # that budget plus slack for a loaded machine.
    assert time.monotonic() - started < 15


# --- round trips ------------------------------------------------------------------------


def test_round_trip_budgets(any_redis: Any, round_trips: Any, api: Api) -> None:
    d: Any = api.RedisDict({'a': 1, 'b': 2}, redis=any_redis)
    # warm up: scripts loaded, cluster slots known
    d.pop('zz', None)
    d.popitem()
    d.setdefault('b', 2)
    any_redis.script_load(CREATE_IF_ABSENT)  # on every cluster master: new random keys land anywhere
    single: dict[str, Callable[[], object]] = {
        'get': lambda: d['a'],
        'set': lambda: d.__setitem__('c', 3),
        'del': lambda: d.__delitem__('c'),
        'in': lambda: 'a' in d,
        'len': lambda: len(d),
        'pop': lambda: d.pop('a'),
        'popitem': d.popitem,
        'setdefault': lambda: d.setdefault('x', 1),
        'update': lambda: d.update({f'k{i}': i for i in range(3000)}),
        'to_dict': d.to_dict,
        '== dict': lambda: d == {},
        'clear': d.clear,
        'construct': lambda: api.RedisDict({i: i for i in range(3000)}, redis=any_redis),
    }
    for name, action in single.items():
        with round_trips() as trips:
            action()
        assert trips.count == 1, name


# --- concurrency ------------------------------------------------------------------------


def _worker(url: str, worker: int, rounds: int) -> list[Any]:
    client = redis_py.Redis.from_url(url)
    d: RedisDict[str, Any] = RedisDict(redis=client, key='shared')
    seen = []
    for i in range(rounds):
        seen.append(('setdefault', d.setdefault(f'once{i}', worker)))
        d.update({f'w{worker}-{i}': i})
        d[f'set{worker}-{i}'] = i
        seen.append(('pop', d.pop(f'pop{i}', None)))
    return seen


def test_processes_lose_nothing_and_pop_once(redis: redis_py.Redis, redis_server: RedisServer) -> None:
    rounds, workers = 60, 4
    RedisDict({f'pop{i}': i for i in range(rounds)}, redis=redis, key='shared')
    with multiprocessing.get_context('spawn').Pool(workers) as pool:
        results = pool.starmap(_worker, [(redis_server.url, w, rounds) for w in range(workers)])
    final: dict[str, Any] = RedisDict(redis=redis, key='shared').to_dict()
    for i in range(rounds):
        # every setdefault caller saw the one value that won
        winners = {value for result in results for op, value in result[2 * i : 2 * i + 1] if op == 'setdefault'}
        assert winners == {final[f'once{i}']}
        # each popped value was returned exactly once
        popped = [value for result in results for op, value in result[2 * i + 1 : 2 * i + 2] if value is not None]
        assert popped == [i]
        for w in range(workers):
            assert final[f'w{w}-{i}'] == i
            assert final[f'set{w}-{i}'] == i
    assert len(final) == rounds + 2 * rounds * workers


def test_async_contract_names(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        d: Any = await AsyncRedisDict({'a': 1}, redis=client, key='tel')
        assert repr(d) == '<RedisDict key=tel>'  # no round trip: an async repr cannot await
        for use, coroutine in [
            (lambda: len(d), 'await x.len()'),
            (lambda: 'a' in d, 'await x.contains(item)'),
            (lambda: d['a'], 'await x.getitem(key)'),
            (lambda: d == {}, 'await x.equals(other)'),
            (lambda: list(d), 'async for item in x'),
        ]:
            with pytest.raises(TypeError, match=re.escape(coroutine)):
                use()  # type: ignore[no-untyped-call]  # the lambdas of the table above
        assert await d.getitem('a') == 1
        assert [k async for k in d.keys()] == ['a']  # noqa: SIM118 -- the async keys() under test

    wait(main())


def test_async_concurrent_coroutines_lose_nothing(redis: redis_py.Redis) -> None:
    # 200 coroutines of one event loop write one hash concurrently.
    client = ASYNC.client(redis)

    async def main() -> dict[Any, Any]:
        d: Any = AsyncRedisDict(redis=client, key='shared')
        firsts = await asyncio.gather(*(d.setdefault('first', i) for i in range(200)))
        await asyncio.gather(*(d.update({f'k{i}': i}) for i in range(200)))
        popped = await asyncio.gather(*(d.pop('first', None) for _ in range(200)))
        assert len(set(firsts)) == 1
        assert [value for value in popped if value is not None] == [firsts[0]]
        return await d.to_dict()  # type: ignore[no-any-return]

    assert wait(main()) == {f'k{i}': i for i in range(200)}


def test_async_cancelled_write_is_whole_or_absent(redis: redis_py.Redis) -> None:
    big = {f'k{i}': i for i in range(20_000)}

    client = ASYNC.client(redis)

    async def main() -> None:
        d: Any = AsyncRedisDict(redis=client, key='cancelled')
        task = asyncio.ensure_future(d.update(big))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    wait(main())
    assert redis.hlen('cancelled') in (0, len(big))  # one HSET: all of it or nothing
