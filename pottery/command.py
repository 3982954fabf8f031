"""The command layer: operations decide what to send, fronts send it.

Every pottery operation is written once, as a generator (the "sans-I/O"
shape of h11 and hyper-h2): it *yields* a :class:`Request` -- one command, a
Lua script, a pipelined batch, a pause -- and receives the reply (or has the
error thrown into it), then decides what to do next, and finally *returns*
the operation's result.  It never touches a client.

A front runs operations against a client:

* :class:`SyncFront` (``redis.Redis`` / ``redis.cluster.RedisCluster``) runs
  them to completion in the calling thread;
* :class:`AsyncFront` (``redis.asyncio.Redis`` /
  ``redis.asyncio.cluster.RedisCluster``) runs them as coroutines.

A container class is a *core* (its operations, decorated with
:class:`operation` or :class:`iteration`) combined with one front: the sync
``pottery.RedisDict`` is ``RedisDict(DictCore, SyncFront, MutableMapping)``,
the async ``pottery.asyncio.RedisDict`` is ``RedisDict(DictCore,
AsyncFront)``.  Errors are translated in one place (WRONGTYPE becomes
:class:`~pottery.exceptions.WrongRedisTypeError` for every operation), and a
round trip is one :meth:`Request.run`, so budgets are easy to read off an
operation: count its ``yield`` statements.

See docs/design.md for how to add an operation or a structure.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterable, Iterator
from typing import Any, ClassVar, Concatenate, Generic, TypeVar, overload

import redis
from redis.exceptions import NoScriptError
from typing_extensions import ParamSpec

__all__ = [
    'BLOCKING_DUNDERS',
    'Batch',
    'Call',
    'Eval',
    'Items',
    'On',
    'Op',
    'Request',
    'Script',
    'Sleep',
    'iteration',
    'operation',
]

_P = ParamSpec('_P')
_R = TypeVar('_R')
_T = TypeVar('_T')

# What an operation is: a generator of requests that returns a result.
Op = Generator['Request', Any, _R]


class Request:
    """One step of an operation, as a front executes it: one round trip."""

    __slots__ = ()

    def run(self, client: Any) -> Any:
        """Send this request with a blocking client; return the reply."""
        raise NotImplementedError

    async def run_async(self, client: Any) -> Any:
        """Send this request with an asyncio client; return the reply."""
        raise NotImplementedError


# Client-side caching (redis-py >= 5.1 with ``protocol=3, cache_config=...``)
# keeps the replies of the reads on redis-py's allow list, filed under the keys
# each read, and drops them when the server reports one of those keys changed.
# redis-py's named methods pass those keys as the ``keys=`` option;
# ``execute_command`` cannot guess them, and a caching client refuses a
# cacheable command without them.  So a Call of a cacheable read names its keys
# the way the named method would -- the right keys, or an invalidation of one
# would leave a stale reply in the cache.  redis-py < 5.1 has no such option
# (and would hand it to a reply callback that takes none).
NAMES_KEYS = tuple(int(part) for part in redis.__version__.split('.')[:2]) >= (5, 1)


def _first_key(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return args[1:2]


def _every_key(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return args[1:]


def _counted_keys(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # SINTERCARD numkeys key [key ...] [LIMIT n], ZUNION numkeys key ...
    return args[2 : 2 + int(args[1])]


def _two_keys(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return args[1:3]


_ONE_KEY_READS = (
    'BITCOUNT', 'BITFIELD_RO', 'BITPOS', 'GEODIST', 'GEOHASH', 'GEOPOS', 'GEORADIUSBYMEMBER_RO',
    'GEORADIUS_RO', 'GEOSEARCH', 'GET', 'GETBIT', 'GETRANGE', 'HEXISTS', 'HGET', 'HGETALL', 'HKEYS',
    'HLEN', 'HMGET', 'HSTRLEN', 'HVALS', 'LINDEX', 'LLEN', 'LPOS', 'LRANGE', 'SCARD', 'SISMEMBER',
    'SMEMBERS', 'SMISMEMBER', 'SORT_RO', 'STRLEN', 'SUBSTR', 'TYPE', 'XLEN', 'XPENDING', 'XRANGE',
    'XREVRANGE', 'ZCARD', 'ZCOUNT', 'ZLEXCOUNT', 'ZMSCORE', 'ZRANGE', 'ZRANGEBYLEX', 'ZRANGEBYSCORE',
    'ZRANK', 'ZREVRANGE', 'ZREVRANGEBYLEX', 'ZREVRANGEBYSCORE', 'ZREVRANK', 'ZSCORE',
)  # fmt: skip


def _stream_keys(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...].  The
    # queue's XREAD BLOCK is a wait whose reply only wakes it up: a cached
    # reply (never a timed-out nil: redis-py caches no nil) is at worst one
    # early wake-up before the invalidation lands, and the queue takes again.
    rest = args[[str(arg).upper() for arg in args].index('STREAMS') + 1 :]
    return rest[: len(rest) // 2]


# Every command of redis-py's cache allow list but the modules' (JSON., TS.):
# which of its arguments are keys.
READ_KEYS: dict[str, Callable[[tuple[Any, ...]], tuple[Any, ...]]] = {
    **dict.fromkeys(('EXISTS', 'MGET', 'SDIFF', 'SINTER', 'SUNION'), _every_key),
    **dict.fromkeys(('SINTERCARD', 'ZDIFF', 'ZINTER', 'ZINTERCARD', 'ZUNION'), _counted_keys),
    'LCS': _two_keys,
    'XREAD': _stream_keys,
    **dict.fromkeys(_ONE_KEY_READS, _first_key),
}


class Call(Request):
    """One Redis command, e.g. ``Call('HGET', key, field)``.

    ``options`` go to redis-py's ``execute_command`` (they select reply
    parsing, e.g. ``withscores=True``); redis-py's response callbacks apply as
    for its named methods (``HGETALL`` gives a dict, ``HSCAN`` a pair).  A
    cacheable read names its keys (``keys=``, from :data:`READ_KEYS`), as the
    named methods do, so that a client-side caching client can cache it.
    """

    __slots__ = ('args', 'options')

    def __init__(self, *args: Any, **options: Any) -> None:
        self.args = args
        self.options = options
        if NAMES_KEYS and 'keys' not in options:
            keys_of = READ_KEYS.get(args[0])
            if keys_of is not None:
                options['keys'] = keys_of(args)

    def __repr__(self) -> str:
        return f'Call{self.args!r}'

    def run(self, client: Any) -> Any:
        return client.execute_command(*self.args, **self.options)

    async def run_async(self, client: Any) -> Any:
        return await client.execute_command(*self.args, **self.options)


class Script:
    """A Lua script, identified by its SHA1 (computed here: no round trip).

    ``script(keys, args)`` is the request that runs it.
    """

    __slots__ = ('lua', 'sha')

    def __init__(self, lua: str) -> None:
        self.lua = lua
        self.sha = hashlib.sha1(lua.encode()).hexdigest()

    def __call__(self, keys: Iterable[str], args: Iterable[Any] = ()) -> Eval:
        return Eval(self, list(keys), list(args))


class Eval(Request):
    """Run a :class:`Script`: EVALSHA, then EVAL once if the server lacks it.

    1 round trip once the server has cached the script, 2 the first time
    (EVAL caches it).  On a cluster the keys pick the node, as for any command.
    """

    __slots__ = ('args', 'keys', 'script')

    def __init__(self, script: Script, keys: list[str], args: list[Any]) -> None:
        self.script, self.keys, self.args = script, keys, args

    def __repr__(self) -> str:
        return f'Eval({self.script.sha[:8]}, {self.keys!r}, {self.args!r})'

    def run(self, client: Any) -> Any:
        try:
            return client.execute_command('EVALSHA', self.script.sha, len(self.keys), *self.keys, *self.args)
        except NoScriptError:
            return client.execute_command('EVAL', self.script.lua, len(self.keys), *self.keys, *self.args)

    async def run_async(self, client: Any) -> Any:
        try:
            return await client.execute_command('EVALSHA', self.script.sha, len(self.keys), *self.keys, *self.args)
        except NoScriptError:
            return await client.execute_command('EVAL', self.script.lua, len(self.keys), *self.keys, *self.args)


class Batch(Request):
    """Several commands in one pipeline (1 round trip); the reply is their list.

    Not atomic unless ``transaction=True`` (MULTI/EXEC, standalone only).  The
    first command that fails raises, as redis-py's ``execute()`` does.
    """

    __slots__ = ('calls', 'transaction')

    def __init__(self, calls: Iterable[Call], *, transaction: bool = False) -> None:
        self.calls = list(calls)
        self.transaction = transaction

    def __repr__(self) -> str:
        return f'Batch({self.calls!r})'

    def run(self, client: Any) -> Any:
        pipe = client.pipeline(transaction=self.transaction)
        for call in self.calls:
            pipe.execute_command(*call.args, **call.options)
        return pipe.execute()

    async def run_async(self, client: Any) -> Any:
        pipe = client.pipeline(transaction=self.transaction)
        for call in self.calls:
            pipe.execute_command(*call.args, **call.options)
        return await pipe.execute()


class Sleep(Request):
    """Pause the operation (``time.sleep`` or ``asyncio.sleep``): no round trip."""

    __slots__ = ('seconds',)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def run(self, client: Any) -> None:
        time.sleep(self.seconds)

    async def run_async(self, client: Any) -> None:
        await asyncio.sleep(self.seconds)


class On(Request):
    """Send ``request`` with another container's ``client`` (1 round trip).

    For operations that read a second container on another client, e.g.
    ``a == b``.  A blocking client used from an asyncio container runs
    blocking.
    """

    __slots__ = ('client', 'request')

    def __init__(self, client: Any, request: Request) -> None:
        self.client, self.request = client, request

    def run(self, client: Any) -> Any:
        return self.request.run(self.client)

    async def run_async(self, client: Any) -> Any:
        if not _is_async_client(self.client):
            return self.request.run(self.client)
        return await self.request.run_async(self.client)


def _is_async_client(client: Any) -> bool:
    return type(client).__module__.startswith('redis.asyncio')


class Items(Request):
    """Hand ``values`` to the caller of an :class:`iteration` (no round trip)."""

    __slots__ = ('values',)

    def __init__(self, values: Iterable[Any]) -> None:
        self.values = values


# --- running operations ------------------------------------------------------------


class _Result:
    # What _resume returns once the operation has returned.
    __slots__ = ('value',)

    def __init__(self, value: Any) -> None:
        self.value = value


# The outcome of a request: (reply, None) or (None, the error to throw in).
_Outcome = tuple[Any, 'BaseException | None']
_NOTHING: _Outcome = (None, None)


def _resume(op: Op[Any], outcome: _Outcome) -> Request | _Result:
    # Feed an outcome to the operation: its next request, or its result.
    reply, error = outcome
    try:
        return op.send(reply) if error is None else op.throw(error)
    except StopIteration as stop:
        return _Result(stop.value)


# An error is thrown into the operation, which may handle it.  An interrupt
# (KeyboardInterrupt, asyncio's CancelledError) closes the operation at once,
# not when the traceback holding it is collected, so that its cleanup (a
# finally: block) runs in time, then propagates.


def _execute(front: Any, op: Op[Any], request: Request) -> _Outcome:
    try:
        return request.run(front.redis), None
    except Exception as exc:  # noqa: BLE001 -- see above
        return None, front._translate(exc)
    except BaseException:
        op.close()
        raise


async def _execute_async(front: Any, op: Op[Any], request: Request) -> _Outcome:
    try:
        return await request.run_async(front.redis), None
    except Exception as exc:  # noqa: BLE001 -- see above
        return None, front._translate(exc)
    except BaseException:
        op.close()
        raise


# The three loops below are the whole executor: each runs _resume until the
# operation returns.  An Items request hands values to an iteration's caller.


def _drive(front: Any, op: Op[_R]) -> Generator[Iterable[Any], None, _R]:
    outcome = _NOTHING
    while not isinstance(request := _resume(op, outcome), _Result):
        if type(request) is Items:
            outcome = _NOTHING
            yield request.values
        else:
            outcome = _execute(front, op, request)
    return request.value  # type: ignore[no-any-return]  # the operation's result


async def _drive_async(front: Any, op: Op[Any]) -> AsyncIterator[Iterable[Any]]:
    outcome = _NOTHING
    while not isinstance(request := _resume(op, outcome), _Result):
        if type(request) is Items:
            outcome = _NOTHING
            yield request.values
        else:
            outcome = await _execute_async(front, op, request)


async def _run_async(front: Any, op: Op[_R]) -> _R:
    # _drive_async without Items, without an async generator's overhead.
    outcome = _NOTHING
    while not isinstance(request := _resume(op, outcome), _Result):
        outcome = await _execute_async(front, op, request)
    return request.value  # type: ignore[no-any-return]  # the operation's result


def run(front: Any, op: Op[_R]) -> _R:
    """Run an operation to completion with a blocking client."""
    driver = _drive(front, op)
    try:
        next(driver)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]  # the operation's result
    raise TypeError('an operation yielded Items: decorate it with @iteration')


def iterate(front: Any, op: Op[Any]) -> Iterator[Any]:
    """Run an iteration with a blocking client, yielding its items lazily."""
    for values in _drive(front, op):
        yield from values


async def run_async(front: Any, op: Op[_R]) -> _R:
    """Run an operation to completion with an asyncio client."""
    await front._settle()
    return await _run_async(front, op)


async def iterate_async(front: Any, op: Op[Any]) -> AsyncIterator[Any]:
    """Run an iteration with an asyncio client, yielding its items lazily."""
    await front._settle()
    async for values in _drive_async(front, op):
        for value in values:
            yield value


# --- declaring operations --------------------------------------------------------


class operation(Generic[_P, _R]):
    """Make a generator method an operation of every front.

    On a sync container the attribute is a plain method that runs the
    operation; on an async container it is a coroutine function.  Written
    once in the structure's core class.
    """

    def __init__(self, func: Callable[Concatenate[Any, _P], Op[_R]]) -> None:
        self.func = func
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    @overload
    def __get__(self, instance: None, owner: type) -> operation[_P, _R]: ...

    @overload
    def __get__(self, instance: SyncMarker, owner: type) -> Callable[_P, _R]: ...

    @overload
    def __get__(self, instance: AsyncMarker, owner: type) -> Callable[_P, Coroutine[Any, Any, _R]]: ...

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        func = self.func
        if instance._asynchronous:

            async def coroutine(*args: Any, **kwargs: Any) -> Any:
                return await run_async(instance, func(instance, *args, **kwargs))

            return functools.update_wrapper(coroutine, func)

        def method(*args: Any, **kwargs: Any) -> Any:
            return run(instance, func(instance, *args, **kwargs))

        return functools.update_wrapper(method, func)


class iteration(Generic[_P, _T]):
    """Make a generator method that yields :class:`Items` an iteration.

    On a sync container calling it gives an iterator, on an async container
    an async iterator; items arrive chunk by chunk, one round trip each.
    """

    def __init__(self, func: Callable[Concatenate[Any, _P], Op[None]]) -> None:
        self.func = func
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    @overload
    def __get__(self, instance: None, owner: type) -> iteration[_P, _T]: ...

    @overload
    def __get__(self, instance: SyncMarker, owner: type) -> Callable[_P, Iterator[_T]]: ...

    @overload
    def __get__(self, instance: AsyncMarker, owner: type) -> Callable[_P, AsyncIterator[_T]]: ...

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        func = self.func
        if instance._asynchronous:

            def async_iterator(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                return iterate_async(instance, func(instance, *args, **kwargs))

            return functools.update_wrapper(async_iterator, func)

        def iterator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return iterate(instance, func(instance, *args, **kwargs))

        return functools.update_wrapper(iterator, func)


class SyncMarker:
    """Marks a blocking front (see :class:`pottery.base.SyncFront`)."""

    _asynchronous: ClassVar[bool] = False


class AsyncMarker:
    """Marks an asyncio front (see :class:`pottery.base.AsyncFront`)."""

    _asynchronous: ClassVar[bool] = True


# Python calls these without awaiting, so an async container cannot serve
# them: each raises a TypeError naming what to use instead.
BLOCKING_DUNDERS: dict[str, str] = {
    '__len__': 'await x.len()',
    '__contains__': 'await x.contains(item)',
    '__iter__': 'async for item in x',
    '__reversed__': 'async for item in x.reversed()',
    '__getitem__': 'await x.getitem(key)',
    '__setitem__': 'await x.setitem(key, value)',
    '__delitem__': 'await x.delitem(key)',
    '__eq__': 'await x.equals(other)',
    '__ne__': 'not await x.equals(other)',
    '__bool__': 'await x.len()',
    '__iadd__': 'await x.extend(other)',
    '__ior__': 'await x.update(other)',
}
