"""Run one contract test against every front-end: sync and asyncio.

A test asks for the ``api`` fixture and builds its containers with
``api.RedisDict(..., redis=client)``, where ``client`` is one of the suite's
blocking clients (``redis``, ``redis_cluster``, ``any_redis``).  With the sync
api that is ``pottery.RedisDict``; with the async api it is
``pottery.asyncio.RedisDict`` on an asyncio twin of the same client (same
server, counted round trips), wrapped in :class:`Blocking` so that the test's
plain Python -- ``d[k]``, ``len(d)``, ``for``, ``==`` -- calls the named
coroutines (``await d.getitem(k)``, ``await d.len()``, ``async for``,
``await d.equals()``) on an event loop running in a background thread.  The
same assertions then check both fronts; tests of what only one front has
(``repr``, ``json.dumps``, the async ``TypeError`` refusals) say so.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

import redis as redis_py
import redis.asyncio
import redis.asyncio.cluster
from redis.cluster import RedisCluster

import pottery
import pottery.asyncio
import tests.servers  # noqa: F401  # counts async round trips as sync ones

__all__ = ['ASYNC', 'SYNC', 'Api', 'Blocking', 'loop']

_T = TypeVar('_T')


# --- the event loop of the async front -------------------------------------------------

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def loop() -> asyncio.AbstractEventLoop:
    """The event loop (in a daemon thread) that runs every async test call."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name='pottery-test-loop', daemon=True).start()
        return _loop


def wait(awaitable: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine on the test loop and return its result (or raise)."""
    return asyncio.run_coroutine_threadsafe(awaitable, loop()).result()


async def _collect(iterator: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in iterator]


# --- asyncio twins of the suite's clients -------------------------------------------------

_twins: dict[int, Any] = {}


def async_twin(client: Any) -> Any:
    """The asyncio client of the same server (or cluster) as a blocking ``client``."""
    twin = _twins.get(id(client))
    if twin is None or twin[0] is not client:
        twin = _twins[id(client)] = (client, wait(_make_twin(client)))
    return twin[1]


async def _make_twin(client: Any) -> Any:
    if isinstance(client, RedisCluster):
        node = client.get_default_node()  # type: ignore[no-untyped-call]  # untyped upstream
        assert node is not None
        twin: Any = redis.asyncio.cluster.RedisCluster(host=node.host, port=node.port, socket_timeout=10)
        # A cold asyncio cluster client discovers the slots on its first
        # command; a burst of concurrent first commands each rediscover.
        await twin.initialize()
        # Connect to every node now: a connection's handshake (CLIENT
        # SETINFO...) would count as round trips of the first test to use it.
        await twin.ping(target_nodes=redis.asyncio.cluster.RedisCluster.ALL_NODES)
        return twin
    settings = client.connection_pool.connection_kwargs
    kwargs = {name: settings[name] for name in ('db', 'socket_timeout', 'decode_responses') if name in settings}
    # redis.asyncio's pool refuses a 101st concurrent connection by default
    # (MaxConnectionsError); tests run up to a few hundred coroutines.
    kwargs['max_connections'] = 1000
    if 'path' in settings:
        return redis.asyncio.Redis(unix_socket_path=settings['path'], **kwargs)
    return redis.asyncio.Redis(host=settings['host'], port=settings['port'], **kwargs)


def async_masters(masters: Any) -> Any:
    """Redlock/NextId ``masters`` for the async front: the asyncio twins of blocking clients."""
    if isinstance(masters, redis_py.Redis):
        return async_twin(masters)
    if isinstance(masters, (list, tuple, set, frozenset)) and all(isinstance(m, redis_py.Redis) for m in masters):
        return [async_twin(master) for master in masters]
    return masters  # bad input stays bad: tests of constructor errors


# --- the fronts ------------------------------------------------------------------------------


class Blocking:
    """An async container used with plain (blocking) Python syntax, for tests."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, 'target', target)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return unwrap_result(attr(*(unwrap(a) for a in args), **{k: unwrap(v) for k, v in kwargs.items()}))

        return call

    def __len__(self) -> int:
        return self.len()  # type: ignore[no-any-return]  # the async container's coroutine

    def __contains__(self, item: object) -> bool:
        return self.contains(item)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Any]:
        return iter(wait(_collect(self.target.__aiter__())))

    def __reversed__(self) -> Iterator[Any]:
        return iter(self.reversed())

    def __getitem__(self, key: Any) -> Any:
        return self.getitem(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.setitem(key, value)

    def __delitem__(self, key: Any) -> None:
        self.delitem(key)

    def __eq__(self, other: object) -> bool:
        return self.equals(other)  # type: ignore[no-any-return]

    def __ne__(self, other: object) -> bool:
        return not self.equals(other)

    # Redlock: `with lock` is `async with lock`; NextId: `next(ids)` is `await anext(ids)`

    def __enter__(self) -> Blocking:
        wait(_awaited(self.target.__aenter__()))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        wait(_awaited(self.target.__aexit__(*exc_info)))

    def __next__(self) -> Any:
        return wait(_awaited(anext(self.target)))

    __hash__ = None  # type: ignore[assignment]  # as the containers it wraps

    def __repr__(self) -> str:
        return f'Blocking({self.target!r})'


def unwrap(value: Any) -> Any:
    return value.target if isinstance(value, Blocking) else value


def unwrap_result(result: Any) -> Any:
    if inspect.isawaitable(result):
        result = wait(_awaited(result))
    elif isinstance(result, AsyncIterator):
        return iter(wait(_collect(result)))
    return Blocking(result) if isinstance(result, pottery.base.AsyncFront) else result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


class Api:
    """One front-end: how a test builds containers and reads their class."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.asynchronous = name == 'async'
        self.module: Any = pottery.asyncio if self.asynchronous else pottery

    def __repr__(self) -> str:
        return self.name

    def client(self, client: Any) -> Any:
        """The client this front's containers take, for a blocking ``client``."""
        return async_twin(client) if self.asynchronous else client

    def __getattr__(self, name: str) -> Any:
        cls = getattr(self.module, name)
        if not self.asynchronous:
            return cls
        return _AsyncFactory(cls)


class _AsyncFactory:
    # Builds an async container from blocking-client arguments, runs its
    # constructor's writes (await container) and wraps it.
    def __init__(self, cls: Any) -> None:
        self.cls = cls

    def __call__(self, *args: Any, **kwargs: Any) -> Blocking:
        if isinstance(kwargs.get('redis'), (redis_py.Redis, RedisCluster)):
            kwargs['redis'] = async_twin(kwargs['redis'])
        if 'masters' in kwargs:
            kwargs['masters'] = async_masters(kwargs['masters'])

        async def build() -> Any:
            built = self.cls(*(unwrap(a) for a in args), **kwargs)
            # a container finishes its constructor's writes on await; a
            # Redlock or NextId writes nothing and is not awaitable
            return await built if inspect.isawaitable(built) else built

        return Blocking(wait(build()))

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.cls, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if isinstance(kwargs.get('redis'), (redis_py.Redis, RedisCluster)):
                kwargs['redis'] = async_twin(kwargs['redis'])
            return unwrap_result(attr(*args, **kwargs))

        return call

    def __instancecheck__(self, instance: Any) -> bool:
        return isinstance(unwrap(instance), self.cls)


SYNC = Api('sync')
ASYNC = Api('async')
