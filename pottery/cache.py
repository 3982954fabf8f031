"""redis_cache and CachedOrderedDict: return-value caches shared by every process.

Layout: a cache is one Redis hash, stored exactly as :class:`~pottery.RedisDict`
stores its items (field ``encode_key(k)``, value ``encode(v)``), so a
``RedisDict(key=...)`` on the same key reads and writes the same entries.

* :func:`redis_cache` keys each call by ``encode_key((args, kwargs_items))``:
  the positional arguments, then the keyword arguments in the order they were
  passed.  ``f(5)`` is the field ``[[5], []]``; ``f(5, x='a')`` is
  ``[[5], [["x", "a"]]]``.  The encoding is canonical JSON, never the built-in
  ``hash()`` (which is randomised per process), so every process and machine
  computes the same field for the same call.
* With a timeout, the whole hash carries a TTL that every lookup and every
  write refreshes: a cache nobody uses expires as a unit.
* With ``maxsize``, recency is kept in a companion sorted set (member: field,
  score: a counter that grows with every use) named by :func:`lru_key` so that
  it lives in the hash's cluster slot; one Lua script updates both keys.
"""

from __future__ import annotations

import copy
import functools
import inspect
import itertools
import math
import threading
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, ClassVar, Generic, NamedTuple, ParamSpec, TypeVar, cast, overload

from pottery.base import LUA_SLICES, Base, SyncFront, decode, decode_many, encode, encode_key
from pottery.command import Call, Op, Request, Script, operation, run
from pottery.exceptions import PotteryWarning
from pottery.slots import lru_key

__all__ = [
    'CacheCore',
    'CacheInfo',
    'CachedFunction',
    'CachedFunctionCore',
    'CachedOrderedDict',
    'CachedOrderedDictCore',
    'HashCache',
    'cache_decorator',
    'redis_cache',
]

_P = ParamSpec('_P')
_R = TypeVar('_R')
_K = TypeVar('_K', bound=Hashable)
_V = TypeVar('_V')

DEFAULT_TIMEOUT = 60
DEFAULT_KEY_PREFIX = 'pottery:cache:'

# Fields per HMGET without a script: beyond that, the script pages them.
CHUNK = 1000


class CacheInfo(NamedTuple):
    """What ``cache_info()`` returns, as ``functools.lru_cache``'s does.

    ``hits`` and ``misses`` count this process's calls (since the last
    ``cache_clear()``); ``currsize`` is the number of entries in Redis, shared
    by every process.
    """

    hits: int
    misses: int
    maxsize: int | None
    currsize: int


# --- the Redis side ----------------------------------------------------------------

# KEYS[1]: the cache hash.  KEYS[2] (only with maxsize): its LRU sorted set.
# ARGV[1]: TTL in milliseconds, 0 for none.  ARGV[2...]: the fields to read.
# Returns the values (false for a miss), in ARGV's order.  A lookup is a use:
# it refreshes the TTL and marks the hits most recently used.
LOOKUP = Script(
    LUA_SLICES
    + """
local values = {}
slices(2, 1000, function(...)
    local page = redis.call('HMGET', KEYS[1], ...)
    for j = 1, #page do
        values[#values + 1] = page[j]
    end
end)
if KEYS[2] then
    local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
    local score = top[2] and tonumber(top[2]) or 0
    for i = 1, #values do
        if values[i] then
            score = score + 1
            redis.call('ZADD', KEYS[2], score, ARGV[i + 1])
        end
    end
end
local ttl = tonumber(ARGV[1])
if ttl > 0 then
    for i = 1, #KEYS do
        redis.call('PEXPIRE', KEYS[i], ttl)
    end
end
return values
"""
)

# KEYS[1]: the cache hash.  KEYS[2] (only with maxsize): its LRU sorted set.
# ARGV[1]: TTL in milliseconds, 0 for none.  ARGV[2]: maxsize (ignored
# without KEYS[2]).  ARGV[3...]: field1, value1, field2, value2...
# Writes the entries, marks them most recently used, then evicts least
# recently used entries until the hash holds at most maxsize; refreshes the
# TTL of both keys.  Fields that are in the hash but not in the sorted set
# (written by a RedisDict, or by a cache without maxsize) are adopted first
# as the least recently used of all, so that eviction can always make room.
# A script rather than MULTI/EXEC even without maxsize: on a key of another
# type HSET fails and the script stops, where a transaction would still run
# the PEXPIRE and put a TTL on someone else's key.
STORE = Script(
    LUA_SLICES
    + """
slices(3, 2000, function(...) redis.call('HSET', KEYS[1], ...) end)
if KEYS[2] then
    if redis.call('HLEN', KEYS[1]) > redis.call('ZCARD', KEYS[2]) then
        local fields = redis.call('HKEYS', KEYS[1])
        for i = 1, #fields do
            redis.call('ZADD', KEYS[2], 'NX', 0, fields[i])
        end
    end
    local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
    local score = top[2] and tonumber(top[2]) or 0
    for i = 3, #ARGV, 2 do
        score = score + 1
        redis.call('ZADD', KEYS[2], score, ARGV[i])
    end
    local maxsize = tonumber(ARGV[2])
    while redis.call('HLEN', KEYS[1]) > maxsize do
        local oldest = redis.call('ZPOPMIN', KEYS[2])
        if #oldest == 0 then
            break
        end
        redis.call('HDEL', KEYS[1], oldest[1])
    end
end
local ttl = tonumber(ARGV[1])
if ttl > 0 then
    for i = 1, #KEYS do
        redis.call('PEXPIRE', KEYS[i], ttl)
    end
end
return 0
"""
)


def ttl_ms(timeout: float | None) -> int:
    """The TTL in milliseconds for ``timeout`` seconds (0: forever).

    TypeError for a non-number, ValueError for a number that is not positive.
    """
    if timeout is None:
        return 0
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f'timeout must be a number of seconds or None, not {type(timeout).__name__}')
    if not timeout > 0:
        raise ValueError(f'timeout must be positive (seconds) or None, not {timeout!r}')
    if math.isinf(timeout):
        return 0  # forever, as None
    return max(1, round(timeout * 1000))


def check_arguments(
    call: str, front: type[Base], client: Any, key: Any, names: tuple[str, str] = ('redis', 'key')
) -> None:
    """TypeError at once, naming ``call`` and the argument, for a client or key of the wrong type.

    ``front`` is the class whose clients are accepted (sync or asyncio);
    ``names`` the names of the client and key arguments.  No round trip.
    """
    kinds: tuple[type, ...] = front._client_types
    if client is not None and not isinstance(client, kinds):
        accepted = ' or '.join(f'{kind.__module__}.{kind.__qualname__}' for kind in kinds)
        raise TypeError(f'{call}({names[0]}=...) takes a {accepted}, not {type(client).__name__}')
    if key is not None and not isinstance(key, str):
        raise TypeError(f'{call}({names[1]}=...) takes a str, not {type(key).__name__}')


class CacheCore(Base):
    """A Redis hash used as a cache: bulk lookups and writes with TTL and LRU.

    Shared by :func:`redis_cache` and :class:`CachedOrderedDict`, on every
    front.  Each of its steps costs 1 round trip.
    """

    _redis_type: ClassVar[str] = 'hash'

    def __init__(self, *, redis: Any, key: str | None, timeout: float | None, maxsize: int | None = None) -> None:
        super().__init__(redis=redis, key=key)
        self._ttl = ttl_ms(timeout)
        self._maxsize = maxsize
        self._keys = [self.key] if maxsize is None else [self.key, lru_key(self.key)]

    def _lookup(self, fields: list[str]) -> Op[list[Any]]:
        # Raw values of fields (None for misses); refreshes TTL and recency.
        if self._maxsize is None and not self._ttl and len(fields) <= CHUNK:
            # Without recency or a TTL to update, a lookup is one HMGET.  (A
            # TTL refresh is in the script, not pipelined beside the HMGET:
            # on a key of another type HMGET fails and the script stops,
            # where a pipeline would still put a TTL on someone's key.)
            return cast(list[Any], (yield Call('HMGET', self.key, *fields)))
        return cast(list[Any], (yield LOOKUP(self._keys, [self._ttl, *fields])))

    def _store(self, pairs: list[str]) -> Op[None]:
        # Write field, value, field, value...; refreshes TTL, evicts beyond maxsize.
        maxsize = -1 if self._maxsize is None else self._maxsize
        yield STORE(self._keys, [self._ttl, maxsize, *pairs])


class HashCache(CacheCore, SyncFront):
    """The cache of a sync :class:`CachedOrderedDict`."""


# --- redis_cache ----------------------------------------------------------------------


class Compute(Request):
    """Call the cached function (no round trip); the reply is its outcome.

    On an asyncio front an awaitable result is awaited.  The function's
    exception is returned, not raised, so that the front does not take it
    for a Redis error; the operation raises it.
    """

    __slots__ = ('args', 'func', 'kwargs')

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.func, self.args, self.kwargs = func, args, kwargs

    def run(self, client: Any) -> Outcome:
        try:
            return Outcome(self.func(*self.args, **self.kwargs))
        except Exception as error:  # noqa: BLE001 -- re-raised by the operation
            return Outcome(error=error)

    async def run_async(self, client: Any) -> Outcome:
        try:
            result = self.func(*self.args, **self.kwargs)
            return Outcome(await result if inspect.isawaitable(result) else result)
        except Exception as error:  # noqa: BLE001 -- re-raised by the operation
            return Outcome(error=error)


class Outcome:
    """What a :class:`Compute` gives back: the result, or the exception raised."""

    __slots__ = ('error', 'result')

    def __init__(self, result: Any = None, *, error: Exception | None = None) -> None:
        self.result, self.error = result, error

    def get(self) -> Any:
        """The result; raises the function's exception if it raised."""
        if self.error is not None:
            raise self.error
        return self.result


def _type_name(value: Any) -> str:
    kind = type(value)
    return f'{kind.__module__}.{kind.__qualname__}'


def _default_key(func: Callable[..., Any]) -> str | None:
    # pottery:cache:<module>.<qualname>, or None when that name is not one
    # function's: '<lambda>' and 'factory.<locals>.f' are shared by every
    # closure the factory makes, a partial has no name at all.
    module = getattr(func, '__module__', None)
    qualname = getattr(func, '__qualname__', None)
    if not module or not isinstance(qualname, str) or '<' in qualname:
        return None
    return f'{DEFAULT_KEY_PREFIX}{module}.{qualname}'


class CachedFunctionCore(CacheCore, Generic[_P, _R]):
    """A function wrapped by ``redis_cache``, for every front.

    A call costs 1 round trip on a hit and 2 on a miss (the lookup, then the
    write, each refreshing the TTL), plus the call itself.  Every call
    returns what JSON gives back for the result, whether it was a hit or a
    miss: a function returning a tuple returns a list, every time.
    """

    # Set by functools.update_wrapper, as on lru_cache's wrapper.
    __wrapped__: Callable[_P, Any]
    __name__: str
    __qualname__: str

    def __init__(
        self,
        func: Callable[_P, Any],
        *,
        redis: Any,
        key: str | None,
        timeout: float | None,
        maxsize: int | None,
        typed: bool,
    ) -> None:
        super().__init__(redis=redis, key=key, timeout=timeout, maxsize=maxsize)
        self._func = func
        self._typed = typed
        self._name = f'{getattr(func, "__module__", "?")}.{getattr(func, "__qualname__", func)}'
        self._qualname = str(getattr(func, '__qualname__', ''))
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        functools.update_wrapper(self, func)

    def _field(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        # lru_cache's notion of one call: the positional arguments, then the
        # keyword arguments in the order given (f(a=1, b=2) and f(b=2, a=1)
        # are two entries, as are f(1) and f(a=1)).  Equal arguments are one
        # call (1, 1.0 and True are the same key), as lru_cache documents for
        # typed=False; with typed=True the argument types are part of the key.
        call: tuple[Any, ...] = (args, tuple(kwargs.items()))
        if self._typed:
            call += (tuple(_type_name(value) for value in itertools.chain(args, kwargs.values())),)
        hash(call)  # TypeError: unhashable type: 'list', exactly as lru_cache raises
        try:
            return encode_key(call)
        except (TypeError, ValueError) as error:
            raise TypeError(f'redis_cache arguments must be JSON serializable: {error}') from error

    def _count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self._hits += 1
            else:
                self._misses += 1

    @operation
    def __call__(self, /, *args: _P.args, **kwargs: _P.kwargs) -> Op[_R]:
        """Return the cached result of this call, computing it on a miss.

        Hit: 1 round trip.  Miss: 2 round trips.  TypeError for unhashable or
        unencodable arguments (before anything is sent), and for a result
        JSON cannot encode (then nothing is cached).
        """
        if self._maxsize == 0:
            self._count(hit=False)  # lru_cache(maxsize=0) caches nothing
            return cast(_R, (yield Compute(self._func, args, kwargs)).get())
        field = self._field(args, kwargs)
        (raw,) = yield from self._lookup([field])
        if raw is not None:
            self._count(hit=True)
            return cast(_R, decode(raw))
        self._count(hit=False)
        return (yield from self._compute(field, args, kwargs))

    def _compute(self, field: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Op[_R]:
        result = (yield Compute(self._func, args, kwargs)).get()
        try:
            encoded = encode(result)
        except (TypeError, ValueError) as error:
            raise TypeError(f'redis_cache can only cache JSON serializable results: {error}') from error
        yield from self._store([field, encoded])
        return cast(_R, decode(encoded))

    @operation
    def __bypass__(self, /, *args: _P.args, **kwargs: _P.kwargs) -> Op[_R]:
        """Call the function and cache its result, without looking up the cache.

        Counts neither a hit nor a miss.  1 round trip (the write).
        """
        if self._maxsize == 0:
            return cast(_R, (yield Compute(self._func, args, kwargs)).get())
        return (yield from self._compute(self._field(args, kwargs), args, kwargs))

    @operation
    def cache_info(self) -> Op[CacheInfo]:
        """Return CacheInfo(hits, misses, maxsize, currsize).  1 round trip (HLEN)."""
        size = int((yield Call('HLEN', self.key)))
        with self._lock:
            return CacheInfo(self._hits, self._misses, self._maxsize, size)

    @operation
    def cache_clear(self) -> Op[None]:
        """Empty the cache (for every process) and reset this process's counters.

        1 round trip (UNLINK of the hash and its LRU set).
        """
        yield Call('UNLINK', *self._keys)
        with self._lock:
            self._hits = self._misses = 0

    def cache_parameters(self) -> dict[str, Any]:
        """Return the cache's parameters, as ``lru_cache``'s method does (no round trip)."""
        return {
            'maxsize': self._maxsize,
            'typed': self._typed,
            'key': self.key,
            'timeout': self._ttl / 1000 if self._ttl else None,
        }

    @property
    def cache_key(self) -> str:
        """The Redis key of the cache's hash."""
        return self.key

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        # Like a function (and lru_cache's wrapper), bind as a method.
        if instance is None:
            return self
        return types.MethodType(self, instance)

    def __reduce__(self) -> str:
        # Pickled by name, like a function, so that multiprocessing can pass
        # a module-level cached function to another process.
        return self._qualname

    # Copied as itself, like a function (and lru_cache's wrapper): a copy
    # would be one more handle on the same cache.
    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self

    def __repr__(self) -> str:
        return f'<redis_cache {self._name} key={self.key!r}>'


class CachedFunction(CachedFunctionCore[_P, _R], SyncFront):
    """A function wrapped by :func:`redis_cache` (what the decorator returns).

    See :class:`CachedFunctionCore` for the costs.
    """


def cache_decorator(
    front: type[CachedFunctionCore[Any, Any]],
    user_function: Callable[..., Any] | None,
    *,
    redis: Any,
    key: str | None,
    timeout: float | None,
    maxsize: int | None,
    typed: bool,
) -> Any:
    """What ``redis_cache(...)`` returns, for the ``front`` class it builds.

    Checks every argument now (TypeError or ValueError before any function
    is decorated, nothing sent); returns the wrapper when called bare, else
    the decorator.
    """
    check_arguments('redis_cache', front, redis, key)
    if maxsize is not None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError('maxsize must be an integer or None')
        maxsize = max(maxsize, 0)  # as lru_cache: negative means 0
    ttl_ms(timeout)

    def wrap(func: Callable[..., Any], stacklevel: int) -> Any:
        if not callable(func):
            raise TypeError(f'redis_cache decorates a function, not {type(func).__name__}')
        name = key
        if name is None:
            name = _default_key(func)
            if name is None:
                # The name, not the repr: a repr's address would defeat the
                # warnings module's once-per-place rule.
                label = getattr(func, '__qualname__', type(func).__qualname__)
                warnings.warn(
                    f'redis_cache: {label} has no unique qualified name, so its cache has a random key '
                    'that other processes do not know: pass key=... to share the cache',
                    PotteryWarning,
                    stacklevel=stacklevel + 1,
                )
        return front(func, redis=redis, key=name, timeout=timeout, maxsize=maxsize, typed=typed)

    if user_function is not None:
        # Frames above wrap: cache_decorator, redis_cache, the decorated code.
        return wrap(user_function, 3)

    def decorator(func: Callable[..., Any]) -> Any:
        return wrap(func, 2)  # frames above wrap: decorator, the decorated code

    return decorator


@overload
def redis_cache(user_function: Callable[_P, _R], /) -> CachedFunction[_P, _R]: ...


@overload
def redis_cache(
    *,
    redis: Any = None,
    key: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    maxsize: int | None = None,
    typed: bool = False,
) -> Callable[[Callable[_P, _R]], CachedFunction[_P, _R]]: ...


def redis_cache(
    user_function: Callable[..., Any] | None = None,
    /,
    *,
    redis: Any = None,
    key: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    maxsize: int | None = None,
    typed: bool = False,
) -> Any:
    """Decorator: cache a function's return values in a Redis hash, like lru_cache.

    ``redis`` is the client (default: the default client); ``key`` the Redis
    key of the cache (default: ``pottery:cache:<module>.<qualname>``, the
    same in every process); ``timeout`` the seconds the cache lives after its
    last use (``None``: forever); ``maxsize`` bounds the number of entries,
    evicting the least recently used (``None``: unbounded, ``0``: cache
    nothing); ``typed`` caches arguments of different types separately.

    A function whose qualified name is not its own (a lambda, a function
    defined inside a function, a ``functools.partial``) gets a random key
    without ``key=``, with a :class:`~pottery.PotteryWarning`: its cache is
    not shared with other processes (and is deleted once the wrapper is
    garbage collected).  Pass ``key=`` to share it.

    Arguments must be hashable and JSON serializable, results JSON
    serializable.  The wrapper has ``cache_info()``, ``cache_clear()``,
    ``cache_parameters()``, ``__wrapped__`` and ``__bypass__(*args, **kwargs)``.
    Also usable bare, as ``@redis_cache``.  Bad arguments (a client or key of
    the wrong type, a bad timeout or maxsize) raise at once.
    """
    return cache_decorator(
        CachedFunction, user_function, redis=redis, key=key, timeout=timeout, maxsize=maxsize, typed=typed
    )


# --- CachedOrderedDict ------------------------------------------------------------------


class CachedOrderedDictCore(OrderedDict[_K, _V]):
    """An OrderedDict of looked-up keys, over a Redis hash cache, for every front.

    Holds what the sync :class:`CachedOrderedDict` and
    ``pottery.asyncio.CachedOrderedDict`` share: the lookup at construction
    and the write-through operations, run on the cache's front.
    """

    # The cache class of this front (sync or asyncio).
    _cache_class: ClassVar[type[CacheCore]] = HashCache

    def __init__(
        self,
        *,
        redis_client: Any = None,
        redis_key: str | None = None,
        dict_keys: Iterable[_K] = (),
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        """Complexity: O(n), 1 round trip (none for no keys)."""
        super().__init__()
        check_arguments(type(self).__name__, self._cache_class, redis_client, redis_key, ('redis_client', 'redis_key'))
        keys = list(dict_keys)
        fields = [encode_key(key) for key in keys]  # TypeError before anything is sent
        self._cache = self._cache_class(redis=redis_client, key=redis_key, timeout=timeout)
        self._misses: set[_K] = set()
        if fields:
            self._cache._start(self._fill(keys, fields))

    def _fill(self, keys: list[_K], fields: list[str]) -> Op[None]:
        raws = yield from self._cache._lookup(fields)
        found = iter(decode_many(raw for raw in raws if raw is not None))
        setitem = OrderedDict.__setitem__
        for key, raw in zip(keys, raws, strict=True):
            if raw is None:
                setitem(self, key, cast(_V, None))
                self._misses.add(key)
            else:
                setitem(self, key, next(found))
                self._misses.discard(key)

    def _write(self, items: dict[_K, _V]) -> Op[None]:
        # Write items through (1 round trip, atomic with the TTL refresh),
        # then here; nothing at all if any key or value cannot be encoded.
        pairs = [text for key, value in items.items() for text in (encode_key(key), encode(value))]
        if pairs:
            yield from self._cache._store(pairs)
        setitem = OrderedDict.__setitem__
        for key, value in items.items():
            setitem(self, key, value)
            self._misses.discard(key)

    # OrderedDict.setdefault would return the None placeholder of a miss.
    def _setdefault(self, key: _K, default: Any) -> Op[Any]:
        if key in self and key not in self._misses:
            return OrderedDict.__getitem__(self, key)
        yield from self._write({key: default})
        return default

    @property
    def redis(self) -> Any:
        """The Redis client of the cache."""
        return self._cache.redis

    @property
    def key(self) -> str:
        """The Redis key of the cache's hash."""
        return self._cache.key

    def misses(self) -> set[_K]:
        """Return the keys that were not in the cache and have not been assigned since."""
        return {key for key in self._misses if key in self}

    # OrderedDict's copy() and | call type(self)() without the cache's arguments.
    def copy(self) -> CachedOrderedDictCore[_K, _V]:
        """D.copy() -> a shallow copy on the same cache.  No round trip."""
        new = OrderedDict.__new__(type(self))
        OrderedDict.__init__(new)
        new._cache = self._cache
        new._misses = self.misses()
        for key, value in self.items():
            OrderedDict.__setitem__(new, key, value)
        return new

    # OrderedDict's copy protocol calls type(self)() -- a new cache at a
    # random key -- then writes every item through to it.
    def __copy__(self) -> CachedOrderedDictCore[_K, _V]:
        """copy.copy(D): D.copy(), on the same cache.  No round trip."""
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> CachedOrderedDictCore[_K, _V]:
        """copy.deepcopy(D): D.copy() with deep copies of the values, on the same cache.  No round trip."""
        new = self.copy()
        for key, value in list(new.items()):
            OrderedDict.__setitem__(new, key, copy.deepcopy(value, memo))
        return new

    def __reduce__(self) -> Any:
        """pickle: refused, as for every pottery container (see ``Base.__reduce__``)."""
        raise TypeError(
            f'cannot pickle {type(self).__name__} object: it writes through to the Redis key {self.key!r} '
            'with a client that cannot be pickled; pickle dict(D) instead'
        )

    def __or__(self, other: Any) -> OrderedDict[Any, Any]:  # type: ignore[override]  # a plain OrderedDict
        """D | other -> a plain OrderedDict (in memory only).  No round trip."""
        if not isinstance(other, dict):
            return NotImplemented
        new: OrderedDict[Any, Any] = OrderedDict(self)
        new.update(other)
        return new

    def __ror__(self, other: Any) -> OrderedDict[Any, Any]:  # type: ignore[override]  # a plain OrderedDict
        """other | D -> a plain OrderedDict (in memory only).  No round trip."""
        if not isinstance(other, dict):
            return NotImplemented
        new: OrderedDict[Any, Any] = OrderedDict(other)
        new.update(self)
        return new


class CachedOrderedDict(CachedOrderedDictCore[_K, _V]):
    """An OrderedDict of ``dict_keys`` whose values come from a Redis hash cache.

    Construction looks every key up in 1 round trip (HMGET).  The dict holds
    the keys in ``dict_keys``' order; keys found in the cache map to their
    cached values, the others (``misses()``) to ``None`` until assigned.
    Assigning an item writes it through to the cache (1 round trip, atomic,
    TTL refreshed) so that later CachedOrderedDicts find it.  Everything else
    (reads, deletes, iteration, ``move_to_end``...) is the in-memory
    OrderedDict's: deleting an item here does not evict it from the cache.

    The cache hash has RedisDict's layout: ``RedisDict(key=redis_key)`` sees
    the same entries.  Without ``redis_key`` the cache has a random key,
    deleted once this dict and its copies are garbage collected.
    ``timeout`` is the cache's TTL in seconds, refreshed by every lookup and
    write (``None``: forever).
    """

    def __setitem__(self, key: _K, value: _V) -> None:
        """D[k] = v, also written to the cache.  1 round trip, atomic with the TTL refresh."""
        run(self._cache, self._write({key: value}))

    # OrderedDict.update calls __setitem__ per item: a round trip each.
    def update(self, other: Any = (), /, **kwargs: _V) -> None:
        """D.update([E, ]**F) -> None, also written to the cache.

        O(n), 1 round trip, atomic; nothing is written (in Redis or here) if
        any key or value cannot be encoded.
        """
        run(self._cache, self._write(dict(other, **kwargs)))

    def setdefault(self, key: _K, default: Any = None) -> Any:
        """D.setdefault(k[,d]) -> D[k] if k was found or assigned, else D[k]=d (written through)."""
        return run(self._cache, self._setdefault(key, default))

    def __ior__(self, other: Any) -> CachedOrderedDict[_K, _V]:  # type: ignore[override]  # writes through
        """D |= other: D.update(other), written through.  1 round trip."""
        self.update(other)
        return self
