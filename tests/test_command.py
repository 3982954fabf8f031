"""The command layer itself: requests, fronts, error translation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_py

from pottery import RedisDict, WrongRedisTypeError
from pottery.asyncio import RedisDict as AsyncRedisDict
from pottery.base import SyncFront
from pottery.command import Batch, Call, Items, On, Op, Script, Sleep, iteration, operation, run
from tests.fronts import ASYNC, Api, wait

ECHO = Script("return {KEYS[1], ARGV[1]}  -- test_command's own script")


class Probe(SyncFront):
    """A minimal structure: every request kind, once."""

    _redis_type = 'string'

    @operation
    def roundtrip(self, value: str) -> Op[Any]:
        yield Call('SET', self.key, value)
        echoed = yield ECHO([self.key], [value])
        both = yield Batch([Call('GET', self.key), Call('STRLEN', self.key)])
        yield Sleep(0)
        return echoed, both

    @operation
    def recovers(self) -> Op[str]:
        try:
            yield Call('LPUSH', self.key, 'x')  # on a string: WRONGTYPE, thrown in translated
        except WrongRedisTypeError:
            return 'translated'
        return 'not raised'

    @iteration
    def chunks(self) -> Op[None]:
        yield Items([1, 2])
        yield Call('GET', self.key)
        yield Items([3])


def test_every_request_kind(redis: redis_py.Redis) -> None:
    redis.script_flush()  # EVALSHA misses once; Eval falls back to EVAL
    probe = Probe(redis=redis, key='probe')
    assert probe.roundtrip('v') == ([b'probe', b'v'], [b'v', 1])
    assert probe.recovers() == 'translated'
    assert list(probe.chunks()) == [1, 2, 3]


def test_iteration_is_lazy(redis: redis_py.Redis, round_trips: Any) -> None:
    probe = Probe(redis=redis, key='probe')
    with round_trips() as trips:
        chunks: Iterator[int] = probe.chunks()
        assert next(chunks) == 1
    assert trips.count == 0  # the GET waits until the third item is asked for


def test_wrongtype_in_iterators_and_views(redis: redis_py.Redis, api: Api) -> None:
    redis.rpush('list', 'x')
    d = api.RedisDict(redis=redis, key='list')
    for action in (lambda: list(d), lambda: list(d.items()), lambda: list(d.values()), lambda: len(d)):
        with pytest.raises(WrongRedisTypeError, match='hash'):
            action()


def test_operation_is_a_coroutine_function_on_the_async_front(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> None:
        d: Any = AsyncRedisDict(redis=client, key='d')
        assert asyncio.iscoroutinefunction(d.get)
        await d.setitem('a', 1)
        assert await d.get('a') == 1

    wait(main())


def test_on_reads_with_another_client(redis: redis_py.Redis, redis_decoded: redis_py.Redis) -> None:
    a = RedisDict({'x': 1}, redis=redis)
    b = RedisDict({'x': 1}, redis=redis_decoded)
    assert a == b  # b's items read with b's client, in a's operation
    assert run(a, _read_with(b)) == {'"x"': '1'}


def _read_with(other: RedisDict[Any, Any]) -> Op[Any]:
    return (yield On(other.redis, Call('HGETALL', other.key)))


def test_bad_client_type_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match=r'redis\.client\.Redis'):
        RedisDict(redis='localhost', key='k')
    with pytest.raises(TypeError, match=r'redis\.asyncio'):
        AsyncRedisDict(redis=redis_py.Redis(), key='k')
