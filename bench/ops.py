"""The operations the bench measures, each written twice: pottery and raw redis-py.

Every operation has a *pottery* side, written only against pottery's public
API (the one the spec README shows, shared by pottery 3.0.1), and a *raw*
side: redis-py doing the same job -- JSON encoding and decoding included -- in
the fewest round trips, the way a careful user would write it by hand:

* single items: the one command (``HGET`` + ``json.loads``, ``SADD``...);
* bulk writes: one variadic command (``HSET`` mapping, ``SADD``, ``RPUSH``,
  ``PFADD``), or one ``MULTI``/``EXEC`` pipeline where Redis has no variadic
  form (counter increments);
* reads of a whole container: one ``HGETALL``/``SMEMBERS`` and a decode;
  iteration, which must not hold everything at once, pages of 1,000
  (``HSCAN``/``SSCAN``/``LRANGE``);
* Redlock and NextId: the same ``SET NX PX``/``EVAL`` fan-out, sent to every
  master concurrently from a thread pool made once: for NextId, a
  set-if-greater script (``EVALSHA``) that raises each master's counter to
  the proposal, as any NextId that survives a master's restart must (a bare
  ``INCR`` per master cannot tell a lost vote from a won one).

Both sides write the storage layout pottery uses (``json.dumps(x,
sort_keys=True)``).  A side is built fresh for each size, on its own keys; its
``run`` is what is timed, its ``reset`` (untimed) runs before every timed call.

This module must not import ``pottery`` at import time: the pottery-3.0.1
subprocess imports it too, and there ``env.pottery`` is that version.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import heapq
import importlib.util
import itertools
import json
import math
import operator
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import mmh3
import redis

from tests.servers import ServerInfo

__all__ = ['OPS', 'Env', 'Op', 'Side', 'select']

CHUNK = 1000  # items per page for raw iteration: the same as pottery's
SINGLE_SIZE = 1000  # items already in a container for single-element operations
CACHE_TTL = 60  # seconds: redis_cache's default timeout
BLOOM_ELEMENTS, BLOOM_FALSE_POSITIVES = 10_000, 0.01
LOCK_TTL_MS = 10_000
# redis-py >= 5.1 caches reads in the client (``protocol=3, cache_config=``)
CLIENT_CACHING = importlib.util.find_spec('redis.cache') is not None


@dataclass
class Side:
    """One implementation of an operation, ready to run on its own keys."""

    run: Callable[[], object]
    reset: Callable[[], None] | None = None
    cleanup: Callable[[], None] | None = None
    loop: asyncio.AbstractEventLoop | None = None  # set: ``run`` returns an awaitable to time in this loop


@dataclass
class Env:
    """What the operations run against.

    ``redis`` is a round-trip-counting client of the standalone server;
    ``masters`` counting clients of five independent servers; ``pottery`` the
    imported package (ours, or 3.0.1 in the comparison subprocess).  For the
    asyncio twins: ``loop``, the event loop they run in, and ``aio`` and
    ``aio_masters``, ``redis.asyncio`` clients of the same servers.
    """

    redis: Any
    masters: list[Any]
    pottery: Any
    loop: asyncio.AbstractEventLoop | None = None
    aio: Any = None
    aio_masters: list[Any] = field(default_factory=list)
    _keys: itertools.count[int] = field(default_factory=itertools.count)

    def key(self, name: str) -> str:
        """A key no other side uses."""
        return f'bench:{name}:{next(self._keys)}'


Builder = Callable[[Env, int], Side]


@dataclass(frozen=True)
class Op:
    """An operation: its name, family, and how to build each side.

    ``kind`` says which target applies: ``single`` (one element: 1 round trip,
    within 1.2x raw), ``bulk`` (n elements: 1 round trip per chunk, within
    1.5x raw), ``fanout`` (Redlock/NextId: within 1.3x of the raw fan-out) or
    ``cached`` (a read redis-py's client-side cache answers: no target).
    ``headline`` marks the operations that must be 10x faster than pottery
    3.0.1 at n >= 1,000.
    """

    name: str
    kind: str
    needs: str
    pottery: Builder
    raw: Builder
    sized: bool = False
    headline: bool = False

    def available(self, pottery: Any) -> bool:
        # ``needs`` may name alternatives: 'NextId|NextID' (3.0.1 spells it
        # NextID), and a submodule: 'asyncio.RedisDict'
        return pottery is not None and any(_has(pottery, name) for name in self.needs.split('|'))


def _has(module: Any, path: str) -> bool:
    for name in path.split('.'):
        module = getattr(module, name, None)
        if module is None:
            return False
    return True


# --- helpers -----------------------------------------------------------------------


def enc(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def names(n: int, prefix: str = 'k') -> list[str]:
    return [f'{prefix}{i}' for i in range(n)]


def numbered(n: int) -> dict[str, int]:
    return {f'k{i}': i for i in range(n)}


def hash_mapping(data: dict[str, int]) -> dict[str, str]:
    return {enc(k): enc(v) for k, v in data.items()}


def hscan_pages(redis: Any, key: str) -> Iterable[dict[bytes, bytes]]:
    cursor = 0
    while True:
        cursor, page = redis.hscan(key, cursor, count=CHUNK)
        yield page
        if not cursor:
            return


def sscan_pages(redis: Any, key: str) -> Iterable[list[bytes]]:
    cursor = 0
    while True:
        cursor, page = redis.sscan(key, cursor, count=CHUNK)
        yield page
        if not cursor:
            return


def lrange_pages(redis: Any, key: str) -> Iterable[list[bytes]]:
    start = 0
    while True:
        page = redis.lrange(key, start, start + CHUNK - 1)
        yield page
        if len(page) < CHUNK:
            return
        start += CHUNK


def hash_to_dict(redis: Any, key: str) -> dict[Any, Any]:
    return {json.loads(f): json.loads(v) for f, v in redis.hgetall(key).items()}


def set_members(redis: Any, key: str) -> set[Any]:
    return {json.loads(m) for m in redis.smembers(key)}


def deleting(redis: Any, key: str) -> Callable[[], None]:
    def cleanup() -> None:
        redis.delete(key)

    return cleanup


def refilling(redis: Any, key: str, per_fill: int = 1000) -> Callable[[], None]:
    """A reset for pops: refill the list (untimed) whenever it may run dry."""
    left = [0]
    values = [enc(i) for i in range(per_fill)]

    def reset() -> None:
        if left[0] <= 0:
            redis.rpush(key, *values)
            left[0] = per_fill
        left[0] -= 1

    return reset


# --- dict --------------------------------------------------------------------------


def _dict(env: Env, n: int) -> tuple[Any, str]:
    key = env.key('dict')
    return env.pottery.RedisDict(numbered(n), redis=env.redis, key=key), key


def _raw_dict(env: Env, n: int) -> str:
    key = env.key('dict')
    if n:
        env.redis.hset(key, mapping=hash_mapping(numbered(n)))
    return key


def p_dict_set(env: Env, n: int) -> Side:
    d, key = _dict(env, SINGLE_SIZE)

    def run() -> None:
        d['k5'] = 5

    return Side(run, cleanup=deleting(env.redis, key))


def r_dict_set(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, SINGLE_SIZE), env.redis
    return Side(lambda: r.hset(key, enc('k5'), enc(5)), cleanup=deleting(r, key))


def p_dict_get(env: Env, n: int) -> Side:
    d, key = _dict(env, SINGLE_SIZE)
    return Side(lambda: d['k5'], cleanup=deleting(env.redis, key))


def r_dict_get(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, SINGLE_SIZE), env.redis

    def run() -> object:
        raw = r.hget(key, enc('k5'))
        if raw is None:
            raise KeyError('k5')
        return json.loads(raw)

    return Side(run, cleanup=deleting(r, key))


def caching_client(env: Env) -> Any:
    """A client of ``env.redis``'s server that caches reads (RESP3, redis-py >= 5.1).

    redis-py turns client-side caching on only for a server that calls itself
    Redis >= 7.4; what it needs (CLIENT TRACKING and invalidation pushes) is
    Redis 6's and Valkey's, so on another server the bench lifts that gate (the
    two public class constants) for its own process.
    """
    from redis.cache import CacheConfig  # noqa: PLC0415  # redis-py >= 5.1 only: see CLIENT_CACHING

    server = ServerInfo.of(env.redis)
    if not server.at_least(redis='7.4'):
        proxy = redis.connection.CacheProxyConnection
        proxy.DEFAULT_SERVER_NAME, proxy.MIN_ALLOWED_VERSION = server.name, '6.0'
    pool = env.redis.connection_pool
    return redis.Redis(
        connection_pool=redis.ConnectionPool(
            connection_class=pool.connection_class,
            host=pool.connection_kwargs['host'],
            port=pool.connection_kwargs['port'],
            protocol=3,
            cache_config=CacheConfig(),
        )
    )


def p_dict_get_cached(env: Env, n: int) -> Side:
    cached = caching_client(env)
    key = env.key('dict')
    d = env.pottery.RedisDict(numbered(SINGLE_SIZE), redis=cached, key=key)

    def cleanup() -> None:
        env.redis.delete(key)
        cached.close()

    return Side(lambda: d['k5'], cleanup=cleanup)


def r_dict_get_cached(env: Env, n: int) -> Side:
    cached = caching_client(env)
    key = _raw_dict(env, SINGLE_SIZE)

    def run() -> object:
        raw = cached.hget(key, enc('k5'))
        if raw is None:
            raise KeyError('k5')
        return json.loads(raw)

    def cleanup() -> None:
        env.redis.delete(key)
        cached.close()

    return Side(run, cleanup=cleanup)


def p_dict_in(env: Env, n: int) -> Side:
    d, key = _dict(env, SINGLE_SIZE)
    return Side(lambda: 'k5' in d, cleanup=deleting(env.redis, key))


def r_dict_in(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, SINGLE_SIZE), env.redis
    return Side(lambda: bool(r.hexists(key, enc('k5'))), cleanup=deleting(r, key))


def p_dict_len(env: Env, n: int) -> Side:
    d, key = _dict(env, SINGLE_SIZE)
    return Side(lambda: len(d), cleanup=deleting(env.redis, key))


def r_dict_len(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, SINGLE_SIZE), env.redis
    return Side(lambda: int(r.hlen(key)), cleanup=deleting(r, key))


def p_dict_iter(env: Env, n: int) -> Side:
    d, key = _dict(env, n)
    return Side(lambda: [k for k in d], cleanup=deleting(env.redis, key))


def r_dict_iter(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, n), env.redis
    return Side(lambda: [json.loads(f) for page in hscan_pages(r, key) for f in page], cleanup=deleting(r, key))


def p_dict_items(env: Env, n: int) -> Side:
    d, key = _dict(env, n)
    return Side(lambda: [kv for kv in d.items()], cleanup=deleting(env.redis, key))


def r_dict_items(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, n), env.redis

    def run() -> object:
        return [(json.loads(f), json.loads(v)) for page in hscan_pages(r, key) for f, v in page.items()]

    return Side(run, cleanup=deleting(r, key))


def p_dict_update(env: Env, n: int) -> Side:
    d, key = _dict(env, 0)
    data = numbered(n)
    return Side(lambda: d.update(data), cleanup=deleting(env.redis, key))


def r_dict_update(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, 0), env.redis
    data = numbered(n)
    return Side(lambda: r.hset(key, mapping=hash_mapping(data)), cleanup=deleting(r, key))


def p_dict_construct(env: Env, n: int) -> Side:
    key, data, redis_dict = env.key('dict'), numbered(n), env.pottery.RedisDict
    reset = deleting(env.redis, key)
    return Side(lambda: redis_dict(data, redis=env.redis, key=key), reset=reset, cleanup=reset)


def r_dict_construct(env: Env, n: int) -> Side:
    key, data, r = env.key('dict'), numbered(n), env.redis
    reset = deleting(r, key)
    return Side(lambda: r.hset(key, mapping=hash_mapping(data)), reset=reset, cleanup=reset)


def p_dict_eq(env: Env, n: int) -> Side:
    d, key = _dict(env, n)
    other = numbered(n)
    return Side(lambda: d == other, cleanup=deleting(env.redis, key))


def r_dict_eq(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, n), env.redis
    other = numbered(n)
    return Side(lambda: hash_to_dict(r, key) == other, cleanup=deleting(r, key))


def p_dict_to_dict(env: Env, n: int) -> Side:
    d, key = _dict(env, n)
    return Side(d.to_dict, cleanup=deleting(env.redis, key))


def r_dict_to_dict(env: Env, n: int) -> Side:
    key, r = _raw_dict(env, n), env.redis
    return Side(lambda: hash_to_dict(r, key), cleanup=deleting(r, key))


# --- set ---------------------------------------------------------------------------


def _set(env: Env, n: int) -> tuple[Any, str]:
    key = env.key('set')
    return env.pottery.RedisSet(names(n, 'm'), redis=env.redis, key=key), key


def _raw_set(env: Env, n: int) -> str:
    key = env.key('set')
    if n:
        env.redis.sadd(key, *[enc(m) for m in names(n, 'm')])
    return key


def _other(n: int) -> set[str]:
    # half of it overlaps a set of n members
    return {f'm{i}' for i in range(n // 2, n + n // 2)}


def p_set_add(env: Env, n: int) -> Side:
    s, key = _set(env, SINGLE_SIZE)
    return Side(lambda: s.add('m5'), cleanup=deleting(env.redis, key))


def r_set_add(env: Env, n: int) -> Side:
    key, r = _raw_set(env, SINGLE_SIZE), env.redis
    return Side(lambda: r.sadd(key, enc('m5')), cleanup=deleting(r, key))


def p_set_in(env: Env, n: int) -> Side:
    s, key = _set(env, SINGLE_SIZE)
    return Side(lambda: 'm5' in s, cleanup=deleting(env.redis, key))


def r_set_in(env: Env, n: int) -> Side:
    key, r = _raw_set(env, SINGLE_SIZE), env.redis
    return Side(lambda: bool(r.sismember(key, enc('m5'))), cleanup=deleting(r, key))


def p_set_update(env: Env, n: int) -> Side:
    s, key = _set(env, 0)
    members = names(n, 'm')
    return Side(lambda: s.update(members), cleanup=deleting(env.redis, key))


def r_set_update(env: Env, n: int) -> Side:
    key, r = _raw_set(env, 0), env.redis
    members = names(n, 'm')
    return Side(lambda: r.sadd(key, *[enc(m) for m in members]), cleanup=deleting(r, key))


def p_set_iter(env: Env, n: int) -> Side:
    s, key = _set(env, n)
    return Side(lambda: [m for m in s], cleanup=deleting(env.redis, key))


def r_set_iter(env: Env, n: int) -> Side:
    key, r = _raw_set(env, n), env.redis
    return Side(lambda: [json.loads(m) for page in sscan_pages(r, key) for m in page], cleanup=deleting(r, key))


def p_set_or(env: Env, n: int) -> Side:
    s, key = _set(env, n)
    other = _other(n)
    return Side(lambda: s | other, cleanup=deleting(env.redis, key))


def r_set_or(env: Env, n: int) -> Side:
    key, r = _raw_set(env, n), env.redis
    other = _other(n)
    return Side(lambda: set_members(r, key) | other, cleanup=deleting(r, key))


def p_set_and(env: Env, n: int) -> Side:
    s, key = _set(env, n)
    other = _other(n)
    return Side(lambda: s & other, cleanup=deleting(env.redis, key))


def r_set_and(env: Env, n: int) -> Side:
    key, r = _raw_set(env, n), env.redis
    other = _other(n)
    return Side(lambda: set_members(r, key) & other, cleanup=deleting(r, key))


def p_set_issubset(env: Env, n: int) -> Side:
    s, key = _set(env, n)
    superset = set(names(2 * n, 'm'))
    return Side(lambda: s.issubset(superset), cleanup=deleting(env.redis, key))


def r_set_issubset(env: Env, n: int) -> Side:
    key, r = _raw_set(env, n), env.redis
    superset = set(names(2 * n, 'm'))
    return Side(lambda: set_members(r, key) <= superset, cleanup=deleting(r, key))


def p_set_contains_many(env: Env, n: int) -> Side:
    s, key = _set(env, n)
    probe = sorted(_other(n))
    return Side(lambda: list(s.contains_many(*probe)), cleanup=deleting(env.redis, key))


def r_set_contains_many(env: Env, n: int) -> Side:
    key, r = _raw_set(env, n), env.redis
    probe = sorted(_other(n))
    return Side(lambda: [bool(x) for x in r.smismember(key, [enc(m) for m in probe])], cleanup=deleting(r, key))


# --- list and deque ----------------------------------------------------------------


def _list(env: Env, n: int, kind: str = 'RedisList') -> tuple[Any, str]:
    key = env.key('list')
    return getattr(env.pottery, kind)(range(n), redis=env.redis, key=key), key


def _raw_list(env: Env, n: int) -> str:
    key = env.key('list')
    if n:
        env.redis.rpush(key, *[enc(i) for i in range(n)])
    return key


def p_list_append(env: Env, n: int) -> Side:
    lst, key = _list(env, SINGLE_SIZE)
    return Side(lambda: lst.append(5), cleanup=deleting(env.redis, key))


def r_list_append(env: Env, n: int) -> Side:
    key, r = _raw_list(env, SINGLE_SIZE), env.redis
    return Side(lambda: r.rpush(key, enc(5)), cleanup=deleting(r, key))


def p_list_getitem(env: Env, n: int) -> Side:
    lst, key = _list(env, SINGLE_SIZE)
    return Side(lambda: lst[SINGLE_SIZE // 2], cleanup=deleting(env.redis, key))


def r_list_getitem(env: Env, n: int) -> Side:
    key, r = _raw_list(env, SINGLE_SIZE), env.redis

    def run() -> object:
        raw = r.lindex(key, SINGLE_SIZE // 2)
        if raw is None:
            raise IndexError('list index out of range')
        return json.loads(raw)

    return Side(run, cleanup=deleting(r, key))


def p_list_slice(env: Env, n: int) -> Side:
    # the middle half: l[n/4:3n/4]
    lst, key = _list(env, n)
    return Side(lambda: lst[n // 4 : 3 * n // 4], cleanup=deleting(env.redis, key))


def r_list_slice(env: Env, n: int) -> Side:
    key, r = _raw_list(env, n), env.redis
    return Side(lambda: [json.loads(x) for x in r.lrange(key, n // 4, 3 * n // 4 - 1)], cleanup=deleting(r, key))


def p_list_extend(env: Env, n: int) -> Side:
    lst, key = _list(env, 0)
    values = list(range(n))
    reset = deleting(env.redis, key)
    return Side(lambda: lst.extend(values), reset=reset, cleanup=reset)


def r_list_extend(env: Env, n: int) -> Side:
    key, r = _raw_list(env, 0), env.redis
    values = list(range(n))
    reset = deleting(r, key)
    return Side(lambda: r.rpush(key, *[enc(v) for v in values]), reset=reset, cleanup=reset)


def p_list_insert0(env: Env, n: int) -> Side:
    lst, key = _list(env, SINGLE_SIZE)
    return Side(lambda: lst.insert(0, 5), cleanup=deleting(env.redis, key))


def r_list_insert0(env: Env, n: int) -> Side:
    key, r = _raw_list(env, SINGLE_SIZE), env.redis
    return Side(lambda: r.lpush(key, enc(5)), cleanup=deleting(r, key))


def p_list_iter(env: Env, n: int) -> Side:
    lst, key = _list(env, n)
    return Side(lambda: [x for x in lst], cleanup=deleting(env.redis, key))


def r_list_iter(env: Env, n: int) -> Side:
    key, r = _raw_list(env, n), env.redis
    return Side(lambda: [json.loads(x) for page in lrange_pages(r, key) for x in page], cleanup=deleting(r, key))


def p_list_pop(env: Env, n: int) -> Side:
    lst, key = _list(env, 0)
    return Side(lst.pop, reset=refilling(env.redis, key), cleanup=deleting(env.redis, key))


def r_list_pop(env: Env, n: int) -> Side:
    key, r = _raw_list(env, 0), env.redis

    def run() -> object:
        raw = r.rpop(key)
        if raw is None:
            raise IndexError('pop from empty list')
        return json.loads(raw)

    return Side(run, reset=refilling(r, key), cleanup=deleting(r, key))


def _deque_push(method: str) -> Builder:
    def build(env: Env, n: int) -> Side:
        d, key = _list(env, SINGLE_SIZE, 'RedisDeque')
        push = getattr(d, method)
        return Side(lambda: push(5), cleanup=deleting(env.redis, key))

    return build


def _raw_deque_push(command: str) -> Builder:
    def build(env: Env, n: int) -> Side:
        key, r = _raw_list(env, SINGLE_SIZE), env.redis
        push = getattr(r, command)
        return Side(lambda: push(key, enc(5)), cleanup=deleting(r, key))

    return build


def _deque_pop(method: str) -> Builder:
    def build(env: Env, n: int) -> Side:
        d, key = _list(env, 0, 'RedisDeque')
        return Side(getattr(d, method), reset=refilling(env.redis, key), cleanup=deleting(env.redis, key))

    return build


def _raw_deque_pop(command: str) -> Builder:
    def build(env: Env, n: int) -> Side:
        key, r = _raw_list(env, 0), env.redis
        pop = getattr(r, command)

        def run() -> object:
            raw = pop(key)
            if raw is None:
                raise IndexError('pop from an empty deque')
            return json.loads(raw)

        return Side(run, reset=refilling(r, key), cleanup=deleting(r, key))

    return build


def p_deque_rotate(env: Env, n: int) -> Side:
    d, key = _list(env, SINGLE_SIZE, 'RedisDeque')
    return Side(lambda: d.rotate(1), cleanup=deleting(env.redis, key))


def r_deque_rotate(env: Env, n: int) -> Side:
    key, r = _raw_list(env, SINGLE_SIZE), env.redis
    return Side(lambda: r.lmove(key, key, 'RIGHT', 'LEFT'), cleanup=deleting(r, key))


# --- counter -----------------------------------------------------------------------


def _counts(n: int) -> dict[str, int]:
    return {f'k{i}': i % 97 + 1 for i in range(n)}


def p_counter_update(env: Env, n: int) -> Side:
    key = env.key('counter')
    c = env.pottery.RedisCounter(redis=env.redis, key=key)
    data = _counts(n)
    return Side(lambda: c.update(data), cleanup=deleting(env.redis, key))


def r_counter_update(env: Env, n: int) -> Side:
    key, r = env.key('counter'), env.redis
    data = _counts(n)

    def run() -> object:
        # no variadic HINCRBY: one MULTI/EXEC pipeline, atomic like update()
        pipe = r.pipeline(transaction=True)
        for k, v in data.items():
            pipe.hincrby(key, enc(k), v)
        return pipe.execute()

    return Side(run, cleanup=deleting(r, key))


def p_counter_most_common(env: Env, n: int) -> Side:
    key = env.key('counter')
    c = env.pottery.RedisCounter(_counts(n), redis=env.redis, key=key)
    return Side(lambda: c.most_common(10), cleanup=deleting(env.redis, key))


def r_counter_most_common(env: Env, n: int) -> Side:
    key, r = env.key('counter'), env.redis
    r.hset(key, mapping=hash_mapping(_counts(n)))
    return Side(
        lambda: heapq.nlargest(10, hash_to_dict(r, key).items(), key=operator.itemgetter(1)),
        cleanup=deleting(r, key),
    )


# --- redis_cache -------------------------------------------------------------------


def _identity(x: int) -> int:
    return x


def p_cache_hit(env: Env, n: int) -> Side:
    key = env.key('cache')
    cached = env.pottery.redis_cache(redis=env.redis, key=key)(_identity)
    cached(5)
    return Side(lambda: cached(5), cleanup=deleting(env.redis, key))


def r_cache_hit(env: Env, n: int) -> Side:
    key, r = env.key('cache'), env.redis
    r.hset(key, enc([5]), enc(5))

    def run() -> object:
        # the value and the TTL refresh in one pipeline
        pipe = r.pipeline(transaction=False)
        pipe.hget(key, enc([5]))
        pipe.expire(key, CACHE_TTL)
        raw, _ = pipe.execute()
        return json.loads(raw)

    return Side(run, cleanup=deleting(r, key))


def p_cache_miss(env: Env, n: int) -> Side:
    key = env.key('cache')
    cached = env.pottery.redis_cache(redis=env.redis, key=key)(_identity)
    fresh = itertools.count()
    return Side(lambda: cached(next(fresh)), cleanup=deleting(env.redis, key))


def r_cache_miss(env: Env, n: int) -> Side:
    key, r = env.key('cache'), env.redis
    fresh = itertools.count()

    def run() -> object:
        arg = next(fresh)
        field = enc([arg])
        pipe = r.pipeline(transaction=False)
        pipe.hget(key, field)
        pipe.expire(key, CACHE_TTL)
        raw, _ = pipe.execute()
        if raw is not None:
            return json.loads(raw)
        value = _identity(arg)
        pipe.hset(key, field, enc(value))
        pipe.expire(key, CACHE_TTL)
        pipe.execute()
        return value

    return Side(run, cleanup=deleting(r, key))


# --- BloomFilter and HyperLogLog ---------------------------------------------------


def bloom_shape(num_elements: int, false_positives: float) -> tuple[int, int]:
    """(bits, hashes) of a Bloom filter, by the usual formulas."""
    bits = math.ceil(-num_elements * math.log(false_positives) / math.log(2) ** 2)
    return bits, max(1, round(bits / num_elements * math.log(2)))


def bloom_offsets(element: Any, bits: int, hashes: int) -> list[int]:
    text = enc(element)
    return [mmh3.hash(text, seed) % bits for seed in range(hashes)]


def _bloom(env: Env) -> tuple[Any, str]:
    key = env.key('bloom')
    bloom = env.pottery.BloomFilter(
        num_elements=BLOOM_ELEMENTS, false_positives=BLOOM_FALSE_POSITIVES, redis=env.redis, key=key
    )
    return bloom, key


def _raw_bloom_set(redis: Any, key: str, elements: Iterable[Any]) -> object:
    bits, hashes = bloom_shape(BLOOM_ELEMENTS, BLOOM_FALSE_POSITIVES)
    args: list[Any] = []
    for element in elements:
        for offset in bloom_offsets(element, bits, hashes):
            args += ('SET', 'u1', offset, 1)
    return redis.execute_command('BITFIELD', key, *args)


def p_bloom_add(env: Env, n: int) -> Side:
    bloom, key = _bloom(env)
    return Side(lambda: bloom.add('e5'), cleanup=deleting(env.redis, key))


def r_bloom_add(env: Env, n: int) -> Side:
    key, r = env.key('bloom'), env.redis
    return Side(lambda: _raw_bloom_set(r, key, ['e5']), cleanup=deleting(r, key))


def p_bloom_in(env: Env, n: int) -> Side:
    bloom, key = _bloom(env)
    bloom.update(names(SINGLE_SIZE, 'e'))
    return Side(lambda: 'e5' in bloom, cleanup=deleting(env.redis, key))


def r_bloom_in(env: Env, n: int) -> Side:
    key, r = env.key('bloom'), env.redis
    _raw_bloom_set(r, key, names(SINGLE_SIZE, 'e'))
    bits, hashes = bloom_shape(BLOOM_ELEMENTS, BLOOM_FALSE_POSITIVES)

    def run() -> bool:
        args: list[Any] = []
        for offset in bloom_offsets('e5', bits, hashes):
            args += ('GET', 'u1', offset)
        return all(r.execute_command('BITFIELD', key, *args))

    return Side(run, cleanup=deleting(r, key))


def p_bloom_update(env: Env, n: int) -> Side:
    bloom, key = _bloom(env)
    elements = names(n, 'e')
    return Side(lambda: bloom.update(elements), cleanup=deleting(env.redis, key))


def r_bloom_update(env: Env, n: int) -> Side:
    key, r = env.key('bloom'), env.redis
    elements = names(n, 'e')
    return Side(lambda: _raw_bloom_set(r, key, elements), cleanup=deleting(r, key))


def _hll(env: Env, n: int) -> tuple[Any, str]:
    key = env.key('hll')
    return env.pottery.HyperLogLog(names(n, 'e'), redis=env.redis, key=key), key


def _raw_hll(env: Env, n: int) -> str:
    key = env.key('hll')
    if n:
        env.redis.pfadd(key, *[enc(e) for e in names(n, 'e')])
    return key


def p_hll_add(env: Env, n: int) -> Side:
    hll, key = _hll(env, SINGLE_SIZE)
    return Side(lambda: hll.add('e5'), cleanup=deleting(env.redis, key))


def r_hll_add(env: Env, n: int) -> Side:
    key, r = _raw_hll(env, SINGLE_SIZE), env.redis
    return Side(lambda: r.pfadd(key, enc('e5')), cleanup=deleting(r, key))


def p_hll_update(env: Env, n: int) -> Side:
    hll, key = _hll(env, 0)
    elements = names(n, 'e')
    return Side(lambda: hll.update(elements), cleanup=deleting(env.redis, key))


def r_hll_update(env: Env, n: int) -> Side:
    key, r = _raw_hll(env, 0), env.redis
    elements = names(n, 'e')
    return Side(lambda: r.pfadd(key, *[enc(e) for e in elements]), cleanup=deleting(r, key))


def p_hll_len(env: Env, n: int) -> Side:
    hll, key = _hll(env, SINGLE_SIZE)
    return Side(lambda: len(hll), cleanup=deleting(env.redis, key))


def r_hll_len(env: Env, n: int) -> Side:
    key, r = _raw_hll(env, SINGLE_SIZE), env.redis
    return Side(lambda: int(r.pfcount(key)), cleanup=deleting(r, key))


# --- Redlock and NextId: fan-out to masters ----------------------------------------

# KEYS[1]: the lock.  ARGV[1]: our token.  Delete the lock only if we hold it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def _fanout(masters: list[Any]) -> tuple[Callable[[Callable[[Any], Any]], list[Any]], Callable[[], None]]:
    """Call a function on every master, concurrently when there are several."""
    if len(masters) == 1:
        return (lambda call: [call(masters[0])]), (lambda: None)
    pool = ThreadPoolExecutor(max_workers=len(masters), thread_name_prefix='bench-fanout')

    def each(call: Callable[[Any], Any]) -> list[Any]:
        return list(pool.map(call, masters))

    return each, lambda: pool.shutdown(wait=True)


def _flush_masters(masters: list[Any]) -> Callable[[], None]:
    def cleanup() -> None:
        for master in masters:
            master.flushdb()

    return cleanup


def _p_redlock(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        masters = env.masters[:count]
        lock = env.pottery.Redlock(key=env.key('lock'), masters=set(masters), auto_release_time=LOCK_TTL_MS)

        def run() -> None:
            if not lock.acquire():
                raise RuntimeError('Redlock.acquire() failed with every master up')
            lock.release()

        return Side(run, cleanup=_flush_masters(masters))

    return build


def _r_redlock(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        masters = env.masters[:count]
        key, quorum = f'redlock:{env.key("lock")}', count // 2 + 1
        each, shutdown = _fanout(masters)
        releases = [master.register_script(_RELEASE) for master in masters]
        release_by_master = dict(zip(map(id, masters), releases, strict=True))

        def run() -> None:
            token = os.urandom(16).hex()
            start = _monotonic_ms()
            acquired = sum(bool(x) for x in each(lambda m: m.set(key, token, nx=True, px=LOCK_TTL_MS)))
            validity = LOCK_TTL_MS - (_monotonic_ms() - start) - (LOCK_TTL_MS * 0.01 + 2)
            if acquired < quorum or validity <= 0:
                raise RuntimeError('raw fan-out failed to lock with every master up')
            each(lambda m: release_by_master[id(m)](keys=[key], args=[token], client=m))

        def cleanup() -> None:
            shutdown()
            _flush_masters(masters)()

        return Side(run, cleanup=cleanup)

    return build


def _monotonic_ms() -> float:
    return time.monotonic() * 1000


def _p_nextid(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        masters = env.masters[:count]
        next_id = getattr(env.pottery, 'NextId', None) or env.pottery.NextID
        ids = next_id(key=env.key('ids'), masters=set(masters))
        return Side(lambda: next(ids), cleanup=_flush_masters(masters))

    return build


# KEYS[1]: the counter.  ARGV[1]: the proposed ID.  Raise the counter to it if
# it is lower; reply {1, id} when raised, else {0, counter}.
_SET_IF_GREATER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], ARGV[1])
    return {1, tonumber(ARGV[1])}
end
return {0, current}
"""


def _won(last: list[int], proposal: int, replies: list[Any], quorum: int) -> bool:
    """Whether a majority raised its counter to ``proposal``; ``last[0]``: the largest counter seen."""
    last[0] = max([last[0], *(int(reply[1]) for reply in replies)])
    return sum(1 for reply in replies if int(reply[0]) == 1) >= quorum


def _r_nextid(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        masters = env.masters[:count]
        key, quorum = f'nextid:{env.key("ids")}', count // 2 + 1
        each, shutdown = _fanout(masters)
        scripts = {id(m): m.register_script(_SET_IF_GREATER) for m in masters}
        last = [0]

        def propose(proposal: int, master: Any) -> Any:
            return scripts[id(master)](keys=[key], args=[proposal], client=master)

        def run() -> int:
            while True:
                proposal = last[0] + 1
                if _won(last, proposal, each(functools.partial(propose, proposal)), quorum):
                    return proposal

        def cleanup() -> None:
            shutdown()
            _flush_masters(masters)()

        return Side(run, cleanup=cleanup)

    return build


# --- asyncio twins: pottery.asyncio vs raw redis.asyncio -----------------------------
#
# Each sync row above gets a twin below, named ``aio.<name>``, declared in one
# line: the call on a ``pottery.asyncio`` container and the same job written
# with raw ``redis.asyncio``, each returning an awaitable.  The family of the
# row (the part before the dot) says how to fill a key with n items in
# pottery's layout (with the blocking client: untimed) and how to open the
# asyncio container on it; the sync row gives the kind, sizes and headline.

Call = Callable[[Any, Any], Awaitable[Any]]  # (container, arg) -> awaitable
RawCall = Callable[[Any, str, Any], Awaitable[Any]]  # (redis.asyncio client, key, arg) -> awaitable
BLOOM_SHAPE = bloom_shape(BLOOM_ELEMENTS, BLOOM_FALSE_POSITIVES)
CONCURRENCY = 100  # coroutines at once on one client for the concurrency row


@dataclass(frozen=True)
class Family:
    """How the twins of one family get their key and their asyncio container."""

    cls: str
    fill: Callable[[Env, int], str]
    open: Callable[[Any, Any, str], Any] = lambda cls, redis, key: cls(redis=redis, key=key)


async def _async_identity(x: int) -> int:
    return x


def _raw_counter(env: Env, n: int) -> str:
    key = env.key('counter')
    if n:
        env.redis.hset(key, mapping=hash_mapping(_counts(n)))
    return key


def _raw_bloom(env: Env, n: int) -> str:
    key = env.key('bloom')
    if n:
        _raw_bloom_set(env.redis, key, names(n, 'e'))
    return key


def _raw_cache(env: Env, n: int) -> str:
    # raw's layout for f(5); pottery's side fills its own on the warm-up call
    key = env.key('cache')
    env.redis.hset(key, enc([5]), enc(5))
    return key


FAMILIES = {
    'dict': Family('RedisDict', _raw_dict),
    'set': Family('RedisSet', _raw_set),
    'list': Family('RedisList', _raw_list),
    'deque': Family('RedisDeque', _raw_list),
    'counter': Family('RedisCounter', _raw_counter),
    'redis_cache': Family(
        'redis_cache', _raw_cache, lambda decorator, redis, key: decorator(redis=redis, key=key)(_async_identity)
    ),
    'bloom': Family(
        'BloomFilter',
        _raw_bloom,
        lambda cls, redis, key: cls(
            num_elements=BLOOM_ELEMENTS, false_positives=BLOOM_FALSE_POSITIVES, redis=redis, key=key
        ),
    ),
    'hll': Family('HyperLogLog', _raw_hll),
}


def _twin_builders(
    family: Family,
    ours: Call,
    raw: RawCall,
    *,
    sized: bool,
    arg: Callable[[int], Any],
    empty: bool,
    reset: str | None,
) -> tuple[Builder, Builder]:
    def build(env: Env, n: int, call: Callable[[Any, str, Any], Awaitable[Any]], opened: bool) -> Side:
        key = family.fill(env, 0 if empty else n if sized else SINGLE_SIZE)
        target = family.open(getattr(env.pottery.asyncio, family.cls), env.aio, key) if opened else env.aio
        argument = arg(n)
        resets = {None: None, 'delete': deleting(env.redis, key), 'refill': refilling(env.redis, key)}
        return Side(
            lambda: call(target, key, argument), reset=resets[reset], cleanup=deleting(env.redis, key), loop=env.loop
        )

    def pottery_side(env: Env, n: int) -> Side:
        return build(env, n, lambda container, key, argument: ours(container, argument), opened=True)

    def raw_side(env: Env, n: int) -> Side:
        return build(env, n, raw, opened=False)

    return pottery_side, raw_side


def twin(
    name: str,
    ours: Call,
    raw: RawCall,
    *,
    arg: Callable[[int], Any] = lambda n: None,
    empty: bool = False,
    reset: str | None = None,
) -> Op:
    """The asyncio twin ``aio.<name>`` of the sync row ``name``.

    ``arg(n)`` is made once per side (untimed) and handed to each call;
    ``empty`` starts from an empty key; ``reset`` ('delete' or 'refill') runs
    untimed before every call.
    """
    sync = next(op for op in OPS if op.name == name)
    family = FAMILIES[name.split('.', maxsplit=1)[0]]
    pottery_side, raw_side = _twin_builders(family, ours, raw, sized=sync.sized, arg=arg, empty=empty, reset=reset)
    return Op(
        f'aio.{name}',
        sync.kind,
        f'asyncio.{family.cls}',
        pottery_side,
        raw_side,
        sized=sync.sized,
        headline=sync.headline,
    )


async def a_collect(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


async def a_hget(redis: Any, key: str, field: str) -> Any:
    raw = await redis.hget(key, enc(field))
    if raw is None:
        raise KeyError(field)
    return json.loads(raw)


async def a_hscan_pages(redis: Any, key: str) -> AsyncIterator[dict[bytes, bytes]]:
    cursor = 0
    while True:
        cursor, page = await redis.hscan(key, cursor, count=CHUNK)
        yield page
        if not cursor:
            return


async def a_hscan_keys(redis: Any, key: str) -> AsyncIterator[Any]:
    async for page in a_hscan_pages(redis, key):
        for name in page:
            yield json.loads(name)


async def a_hscan_items(redis: Any, key: str) -> AsyncIterator[tuple[Any, Any]]:
    async for page in a_hscan_pages(redis, key):
        for name, value in page.items():
            yield json.loads(name), json.loads(value)


async def a_then(value: Awaitable[Any], then: Callable[[Any], Any]) -> Any:
    return then(await value)


def _loads_all(raws: list[bytes]) -> list[Any]:
    return [json.loads(x) for x in raws]


def _ten_largest(counts: dict[Any, int]) -> list[tuple[Any, int]]:
    return heapq.nlargest(10, counts.items(), key=operator.itemgetter(1))


async def a_sscan_members(redis: Any, key: str) -> list[Any]:
    cursor, members = 0, []
    while True:
        cursor, page = await redis.sscan(key, cursor, count=CHUNK)
        members += [json.loads(m) for m in page]
        if not cursor:
            return members


async def a_lrange_items(redis: Any, key: str) -> list[Any]:
    start, items = 0, []
    while True:
        page = await redis.lrange(key, start, start + CHUNK - 1)
        items += [json.loads(x) for x in page]
        if len(page) < CHUNK:
            return items
        start += CHUNK


async def a_hash_to_dict(redis: Any, key: str) -> dict[Any, Any]:
    return {json.loads(f): json.loads(v) for f, v in (await redis.hgetall(key)).items()}


async def a_set_members(redis: Any, key: str) -> set[Any]:
    return {json.loads(m) for m in await redis.smembers(key)}


async def a_lindex(redis: Any, key: str, index: int) -> Any:
    raw = await redis.lindex(key, index)
    if raw is None:
        raise IndexError('list index out of range')
    return json.loads(raw)


async def a_pop(redis: Any, command: str, key: str) -> Any:
    raw = await getattr(redis, command)(key)
    if raw is None:
        raise IndexError('pop from an empty list')
    return json.loads(raw)


async def a_counter_update(redis: Any, key: str, data: dict[str, int]) -> object:
    pipe = redis.pipeline(transaction=True)
    for k, v in data.items():
        pipe.hincrby(key, enc(k), v)
    return await pipe.execute()


async def a_cache_hit(redis: Any, key: str) -> Any:
    pipe = redis.pipeline(transaction=False)
    pipe.hget(key, enc([5]))
    pipe.expire(key, CACHE_TTL)
    raw, _ = await pipe.execute()
    return json.loads(raw)


async def a_cache_miss(redis: Any, key: str, fresh: Iterator[int]) -> Any:
    arg = next(fresh)
    field = enc([arg])
    pipe = redis.pipeline(transaction=False)
    pipe.hget(key, field)
    pipe.expire(key, CACHE_TTL)
    raw, _ = await pipe.execute()
    if raw is not None:
        return json.loads(raw)
    value = await _async_identity(arg)
    pipe.hset(key, field, enc(value))
    pipe.expire(key, CACHE_TTL)
    await pipe.execute()
    return value


async def a_bloom_set(redis: Any, key: str, elements: Iterable[Any]) -> object:
    bits, hashes = BLOOM_SHAPE
    args: list[Any] = []
    for element in elements:
        for offset in bloom_offsets(element, bits, hashes):
            args += ('SET', 'u1', offset, 1)
    return await redis.execute_command('BITFIELD', key, *args)


async def a_bloom_in(redis: Any, key: str, element: Any) -> bool:
    bits, hashes = BLOOM_SHAPE
    args: list[Any] = []
    for offset in bloom_offsets(element, bits, hashes):
        args += ('GET', 'u1', offset)
    return all(await redis.execute_command('BITFIELD', key, *args))


def _p_aio_redlock(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        masters = env.aio_masters[:count]
        lock = env.pottery.asyncio.Redlock(key=env.key('lock'), masters=set(masters), auto_release_time=LOCK_TTL_MS)

        async def run() -> None:
            if not await lock.acquire():
                raise RuntimeError('Redlock.acquire() failed with every master up')
            await lock.release()

        return Side(run, cleanup=_flush_masters(env.masters[:count]), loop=env.loop)

    return build


def _r_aio_redlock(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        masters = env.aio_masters[:count]
        key, quorum = f'redlock:{env.key("lock")}', count // 2 + 1
        releases = [master.register_script(_RELEASE) for master in masters]

        async def run() -> None:
            token = os.urandom(16).hex()
            start = _monotonic_ms()
            replies = await asyncio.gather(*(m.set(key, token, nx=True, px=LOCK_TTL_MS) for m in masters))
            validity = LOCK_TTL_MS - (_monotonic_ms() - start) - (LOCK_TTL_MS * 0.01 + 2)
            if sum(bool(x) for x in replies) < quorum or validity <= 0:
                raise RuntimeError('raw fan-out failed to lock with every master up')
            await asyncio.gather(*(release(keys=[key], args=[token]) for release in releases))

        return Side(run, cleanup=_flush_masters(env.masters[:count]), loop=env.loop)

    return build


def _p_aio_nextid(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        ids = env.pottery.asyncio.NextId(key=env.key('ids'), masters=set(env.aio_masters[:count]))
        return Side(lambda: anext(ids), cleanup=_flush_masters(env.masters[:count]), loop=env.loop)

    return build


def _r_aio_nextid(count: int) -> Builder:
    def build(env: Env, n: int) -> Side:
        masters = env.aio_masters[:count]
        key, quorum = f'nextid:{env.key("ids")}', count // 2 + 1
        scripts = [m.register_script(_SET_IF_GREATER) for m in masters]
        last = [0]

        async def run() -> int:
            while True:
                proposal = last[0] + 1
                calls = (
                    script(keys=[key], args=[proposal], client=m) for script, m in zip(scripts, masters, strict=True)
                )
                if _won(last, proposal, list(await asyncio.gather(*calls)), quorum):
                    return proposal

        return Side(run, cleanup=_flush_masters(env.masters[:count]), loop=env.loop)

    return build


def _aio_fanout(name: str, ours: Builder, raw: Builder) -> Op:
    sync = next(op for op in OPS if op.name == name)
    return Op(f'aio.{name}', sync.kind, 'asyncio.' + sync.needs.split('|')[0], ours, raw)


def _concurrently(call: Callable[[], Awaitable[Any]]) -> Awaitable[list[Any]]:
    return asyncio.gather(*(call() for _ in range(CONCURRENCY)))


_get_pottery, _get_raw = _twin_builders(
    FAMILIES['dict'],
    lambda d, _: _concurrently(lambda: d.get('k5')),
    lambda r, k, _: _concurrently(lambda: a_hget(r, k, 'k5')),
    sized=False,
    arg=lambda n: None,
    empty=False,
    reset=None,
)


# --- the registry ------------------------------------------------------------------

OPS: list[Op] = [
    Op('dict.set', 'single', 'RedisDict', p_dict_set, r_dict_set),
    Op('dict.get', 'single', 'RedisDict', p_dict_get, r_dict_get),
    *([Op('dict.get_cached', 'cached', 'RedisDict', p_dict_get_cached, r_dict_get_cached)] if CLIENT_CACHING else []),
    Op('dict.in', 'single', 'RedisDict', p_dict_in, r_dict_in),
    Op('dict.len', 'single', 'RedisDict', p_dict_len, r_dict_len),
    Op('dict.iterate', 'bulk', 'RedisDict', p_dict_iter, r_dict_iter, sized=True, headline=True),
    Op('dict.items', 'bulk', 'RedisDict', p_dict_items, r_dict_items, sized=True, headline=True),
    Op('dict.update', 'bulk', 'RedisDict', p_dict_update, r_dict_update, sized=True),
    Op('dict.construct', 'bulk', 'RedisDict', p_dict_construct, r_dict_construct, sized=True),
    Op('dict.eq_dict', 'bulk', 'RedisDict', p_dict_eq, r_dict_eq, sized=True, headline=True),
    Op('dict.to_dict', 'bulk', 'RedisDict', p_dict_to_dict, r_dict_to_dict, sized=True),
    Op('set.add', 'single', 'RedisSet', p_set_add, r_set_add),
    Op('set.in', 'single', 'RedisSet', p_set_in, r_set_in),
    Op('set.update', 'bulk', 'RedisSet', p_set_update, r_set_update, sized=True),
    Op('set.iterate', 'bulk', 'RedisSet', p_set_iter, r_set_iter, sized=True, headline=True),
    Op('set.or_set', 'bulk', 'RedisSet', p_set_or, r_set_or, sized=True, headline=True),
    Op('set.and_set', 'bulk', 'RedisSet', p_set_and, r_set_and, sized=True, headline=True),
    Op('set.issubset', 'bulk', 'RedisSet', p_set_issubset, r_set_issubset, sized=True, headline=True),
    Op('set.contains_many', 'bulk', 'RedisSet', p_set_contains_many, r_set_contains_many, sized=True),
    Op('list.append', 'single', 'RedisList', p_list_append, r_list_append),
    Op('list.getitem', 'single', 'RedisList', p_list_getitem, r_list_getitem),
    Op('list.slice', 'bulk', 'RedisList', p_list_slice, r_list_slice, sized=True),
    Op('list.extend', 'bulk', 'RedisList', p_list_extend, r_list_extend, sized=True),
    Op('list.insert0', 'single', 'RedisList', p_list_insert0, r_list_insert0),
    Op('list.iterate', 'bulk', 'RedisList', p_list_iter, r_list_iter, sized=True, headline=True),
    Op('list.pop', 'single', 'RedisList', p_list_pop, r_list_pop),
    Op('deque.append', 'single', 'RedisDeque', _deque_push('append'), _raw_deque_push('rpush')),
    Op('deque.appendleft', 'single', 'RedisDeque', _deque_push('appendleft'), _raw_deque_push('lpush')),
    Op('deque.pop', 'single', 'RedisDeque', _deque_pop('pop'), _raw_deque_pop('rpop')),
    Op('deque.popleft', 'single', 'RedisDeque', _deque_pop('popleft'), _raw_deque_pop('lpop')),
    Op('deque.rotate', 'single', 'RedisDeque', p_deque_rotate, r_deque_rotate),
    Op('counter.update', 'bulk', 'RedisCounter', p_counter_update, r_counter_update, sized=True),
    Op(
        'counter.most_common',
        'bulk',
        'RedisCounter',
        p_counter_most_common,
        r_counter_most_common,
        sized=True,
        headline=True,
    ),
    Op('redis_cache.hit', 'single', 'redis_cache', p_cache_hit, r_cache_hit),
    Op('redis_cache.miss', 'single', 'redis_cache', p_cache_miss, r_cache_miss),
    Op('bloom.add', 'single', 'BloomFilter', p_bloom_add, r_bloom_add),
    Op('bloom.in', 'single', 'BloomFilter', p_bloom_in, r_bloom_in),
    Op('bloom.update', 'bulk', 'BloomFilter', p_bloom_update, r_bloom_update, sized=True),
    Op('hll.add', 'single', 'HyperLogLog', p_hll_add, r_hll_add),
    Op('hll.update', 'bulk', 'HyperLogLog', p_hll_update, r_hll_update, sized=True),
    Op('hll.len', 'single', 'HyperLogLog', p_hll_len, r_hll_len),
    Op('redlock.1_master', 'fanout', 'Redlock', _p_redlock(1), _r_redlock(1)),
    Op('redlock.5_masters', 'fanout', 'Redlock', _p_redlock(5), _r_redlock(5)),
    Op('nextid.1_master', 'fanout', 'NextId|NextID', _p_nextid(1), _r_nextid(1)),
    Op('nextid.5_masters', 'fanout', 'NextId|NextID', _p_nextid(5), _r_nextid(5)),
]


OPS += [
    twin('dict.set', lambda d, _: d.setitem('k5', 5), lambda r, k, _: r.hset(k, enc('k5'), enc(5))),
    twin('dict.get', lambda d, _: d.getitem('k5'), lambda r, k, _: a_hget(r, k, 'k5')),
    twin('dict.in', lambda d, _: d.contains('k5'), lambda r, k, _: r.hexists(k, enc('k5'))),
    twin('dict.len', lambda d, _: d.len(), lambda r, k, _: r.hlen(k)),
    twin('dict.iterate', lambda d, _: a_collect(d), lambda r, k, _: a_collect(a_hscan_keys(r, k))),
    twin('dict.items', lambda d, _: a_collect(d.items()), lambda r, k, _: a_collect(a_hscan_items(r, k))),
    twin(
        'dict.update',
        lambda d, data: d.update(data),
        lambda r, k, data: r.hset(k, mapping=hash_mapping(data)),
        arg=numbered,
        empty=True,
    ),
    twin(
        'dict.construct',
        lambda d, data: type(d)(data, redis=d.redis, key=d.key),
        lambda r, k, data: r.hset(k, mapping=hash_mapping(data)),
        arg=numbered,
        empty=True,
        reset='delete',
    ),
    twin(
        'dict.eq_dict', lambda d, o: d.equals(o), lambda r, k, o: a_then(a_hash_to_dict(r, k), o.__eq__), arg=numbered
    ),
    twin('dict.to_dict', lambda d, _: d.to_dict(), lambda r, k, _: a_hash_to_dict(r, k)),
    twin('set.add', lambda s, _: s.add('m5'), lambda r, k, _: r.sadd(k, enc('m5'))),
    twin('set.in', lambda s, _: s.contains('m5'), lambda r, k, _: r.sismember(k, enc('m5'))),
    twin(
        'set.update',
        lambda s, ms: s.update(ms),
        lambda r, k, ms: r.sadd(k, *[enc(m) for m in ms]),
        arg=lambda n: names(n, 'm'),
        empty=True,
    ),
    twin('set.iterate', lambda s, _: a_collect(s), lambda r, k, _: a_sscan_members(r, k)),
    twin(
        'set.or_set',
        lambda s, o: s.union(o),
        lambda r, k, o: a_then(a_set_members(r, k), lambda members: members | o),
        arg=_other,
    ),
    twin(
        'set.and_set',
        lambda s, o: s.intersection(o),
        lambda r, k, o: a_then(a_set_members(r, k), lambda members: members & o),
        arg=_other,
    ),
    twin(
        'set.issubset',
        lambda s, sup: s.issubset(sup),
        lambda r, k, sup: a_then(a_set_members(r, k), lambda members: members <= sup),
        arg=lambda n: set(names(2 * n, 'm')),
    ),
    twin(
        'set.contains_many',
        lambda s, probe: s.contains_many(*probe),
        lambda r, k, probe: r.smismember(k, [enc(m) for m in probe]),
        arg=lambda n: sorted(_other(n)),
    ),
    twin('list.append', lambda lst, _: lst.append(5), lambda r, k, _: r.rpush(k, enc(5))),
    twin(
        'list.getitem', lambda lst, _: lst.getitem(SINGLE_SIZE // 2), lambda r, k, _: a_lindex(r, k, SINGLE_SIZE // 2)
    ),
    twin(
        'list.slice',
        lambda lst, middle: lst.getitem(middle),
        lambda r, k, middle: a_then(r.lrange(k, middle.start, middle.stop - 1), _loads_all),
        arg=lambda n: slice(n // 4, 3 * n // 4),
    ),
    twin(
        'list.extend',
        lambda lst, values: lst.extend(values),
        lambda r, k, values: r.rpush(k, *[enc(v) for v in values]),
        arg=lambda n: list(range(n)),
        empty=True,
        reset='delete',
    ),
    twin('list.insert0', lambda lst, _: lst.insert(0, 5), lambda r, k, _: r.lpush(k, enc(5))),
    twin('list.iterate', lambda lst, _: a_collect(lst), lambda r, k, _: a_lrange_items(r, k)),
    twin('list.pop', lambda lst, _: lst.pop(), lambda r, k, _: a_pop(r, 'rpop', k), empty=True, reset='refill'),
    twin('deque.append', lambda dq, _: dq.append(5), lambda r, k, _: r.rpush(k, enc(5))),
    twin('deque.appendleft', lambda dq, _: dq.appendleft(5), lambda r, k, _: r.lpush(k, enc(5))),
    twin('deque.pop', lambda dq, _: dq.pop(), lambda r, k, _: a_pop(r, 'rpop', k), empty=True, reset='refill'),
    twin('deque.popleft', lambda dq, _: dq.popleft(), lambda r, k, _: a_pop(r, 'lpop', k), empty=True, reset='refill'),
    twin('deque.rotate', lambda dq, _: dq.rotate(1), lambda r, k, _: r.lmove(k, k, 'RIGHT', 'LEFT')),
    twin(
        'counter.update',
        lambda c, data: c.update(data),
        a_counter_update,
        arg=_counts,
        empty=True,
    ),
    twin(
        'counter.most_common',
        lambda c, _: c.most_common(10),
        lambda r, k, _: a_then(a_hash_to_dict(r, k), _ten_largest),
    ),
    twin('redis_cache.hit', lambda f, _: f(5), lambda r, k, _: a_cache_hit(r, k)),
    twin(
        'redis_cache.miss',
        lambda f, fresh: f(next(fresh)),
        a_cache_miss,
        arg=lambda n: itertools.count(),
    ),
    twin('bloom.add', lambda b, _: b.add('e5'), lambda r, k, _: a_bloom_set(r, k, ['e5']), empty=True),
    twin('bloom.in', lambda b, _: b.contains('e5'), lambda r, k, _: a_bloom_in(r, k, 'e5')),
    twin(
        'bloom.update',
        lambda b, elements: b.update(elements),
        a_bloom_set,
        arg=lambda n: names(n, 'e'),
        empty=True,
    ),
    twin('hll.add', lambda h, _: h.add('e5'), lambda r, k, _: r.pfadd(k, enc('e5'))),
    twin(
        'hll.update',
        lambda h, elements: h.update(elements),
        lambda r, k, elements: r.pfadd(k, *[enc(e) for e in elements]),
        arg=lambda n: names(n, 'e'),
        empty=True,
    ),
    twin('hll.len', lambda h, _: h.len(), lambda r, k, _: r.pfcount(k)),
    _aio_fanout('redlock.1_master', _p_aio_redlock(1), _r_aio_redlock(1)),
    _aio_fanout('redlock.5_masters', _p_aio_redlock(5), _r_aio_redlock(5)),
    _aio_fanout('nextid.1_master', _p_aio_nextid(1), _r_aio_nextid(1)),
    _aio_fanout('nextid.5_masters', _p_aio_nextid(5), _r_aio_nextid(5)),
    # 100 coroutines at once on one client, each `await d.get(k)`: the time
    # of the whole burst; the report turns it into operations per second
    Op(f'aio.dict.get_x{CONCURRENCY}', 'concurrent', 'asyncio.RedisDict', _get_pottery, _get_raw),
]


def select(patterns: Iterable[str] = ()) -> list[Op]:
    """The operations whose name matches a glob pattern or family (all when none given)."""
    patterns = list(patterns)
    if not patterns:
        return list(OPS)
    return [op for op in OPS if any(fnmatch.fnmatchcase(op.name, p) or p == op.name.split('.')[0] for p in patterns)]
