"""The asyncio redis_cache and CachedOrderedDict, for ``redis.asyncio`` clients.

The same layout, keys and results as :func:`pottery.redis_cache` and
:class:`pottery.CachedOrderedDict` (one implementation, in
:mod:`pottery.cache`), so sync and async processes share one cache.

``redis_cache`` decorates ``async def`` functions; the wrapper is called as
``await f(x)`` (a hit is 1 round trip, a miss 2, plus the call), and
``await f.cache_info()``, ``await f.cache_clear()``, ``await
f.__bypass__(x)`` are coroutines; ``f.cache_parameters()`` is not (it
sends nothing).

``CachedOrderedDict`` is an ``OrderedDict`` filled by its lookup when
awaited; reads are in memory and stay plain, writes go through Redis:

==============================  ====================================
sync CachedOrderedDict          asyncio CachedOrderedDict
==============================  ====================================
``d = CachedOrderedDict(...)``  ``d = await CachedOrderedDict(...)``
``d[k] = v``                    ``await d.setitem(k, v)``
``d.update(other)``             ``await d.update(other)``
``d.setdefault(k, v)``          ``await d.setdefault(k, v)``
``d |= other``                  ``await d.update(other)``
``d[k]``, ``len(d)``, ...       the same (in memory, no round trip)
==============================  ====================================
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Hashable
from typing import Any, ClassVar, NoReturn, ParamSpec, TypeVar, overload

from pottery.base import AsyncFront
from pottery.cache import (
    DEFAULT_TIMEOUT,
    CacheCore,
    CachedFunctionCore,
    CachedOrderedDictCore,
    cache_decorator,
)
from pottery.command import run_async

__all__ = ['CachedFunction', 'CachedOrderedDict', 'HashCache', 'redis_cache']

_P = ParamSpec('_P')
_R = TypeVar('_R')
_K = TypeVar('_K', bound=Hashable)
_V = TypeVar('_V')


class HashCache(CacheCore, AsyncFront):
    """The cache of an asyncio :class:`CachedOrderedDict`."""


class CachedFunction(CachedFunctionCore[_P, _R], AsyncFront):
    """An ``async def`` function wrapped by :func:`redis_cache`.

    ``await f(*args)``: 1 round trip on a hit, 2 on a miss, plus the call.
    """


@overload
def redis_cache(user_function: Callable[_P, Awaitable[_R]], /) -> CachedFunction[_P, _R]: ...


@overload
def redis_cache(
    *,
    redis: Any = None,
    key: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    maxsize: int | None = None,
    typed: bool = False,
) -> Callable[[Callable[_P, Awaitable[_R]]], CachedFunction[_P, _R]]: ...


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
    """Decorator: cache an ``async def`` function's results in a Redis hash.

    The arguments, the key and the layout are :func:`pottery.redis_cache`'s,
    so a sync and an async function on one key share their entries; ``redis``
    is a ``redis.asyncio`` client (default: the event loop's default one).

    >>> @redis_cache(key='squares')
    ... async def square(n):
    ...     return n * n
    >>> async def main():
    ...     return await square(3), await square(3), (await square.cache_info()).hits
    """
    return cache_decorator(
        CachedFunction, user_function, redis=redis, key=key, timeout=timeout, maxsize=maxsize, typed=typed
    )


class CachedOrderedDict(CachedOrderedDictCore[_K, _V]):
    """An OrderedDict of ``dict_keys`` whose values come from a Redis hash cache.

    The asyncio equivalent of :class:`pottery.CachedOrderedDict` (same
    arguments and semantics): build it with ``await``, which looks every key
    up in 1 round trip; write through with the coroutines in the module
    docstring.  Reads, deletes and iteration are the in-memory
    OrderedDict's.  ``d[k] = v`` and ``d |= other`` raise ``TypeError``
    naming the coroutine to use.

    >>> async def main(redis):
    ...     docs = await CachedOrderedDict(redis_client=redis, redis_key='docs', dict_keys=(1, 2))
    ...     await docs.setitem(1, 'one')
    ...     return docs.misses()
    """

    _cache_class: ClassVar[type[CacheCore]] = HashCache
    _cache: HashCache

    def __await__(self) -> Generator[Any, None, CachedOrderedDict[_K, _V]]:
        """``await d`` runs the lookup (1 round trip, once) and returns ``d``."""
        return self._looked_up().__await__()

    async def _looked_up(self) -> CachedOrderedDict[_K, _V]:
        await self._cache  # runs the lookup the constructor left pending
        return self

    async def setitem(self, key: _K, value: _V) -> None:
        """d[k] = v, also written to the cache.  1 round trip, atomic with the TTL refresh."""
        await run_async(self._cache, self._write({key: value}))

    async def update(self, other: Any = (), /, **kwargs: _V) -> None:  # type: ignore[override]  # a coroutine
        """D.update([E, ]**F) -> None, also written to the cache.

        O(n), 1 round trip, atomic; nothing is written (in Redis or here) if
        any key or value cannot be encoded.
        """
        await run_async(self._cache, self._write(dict(other, **kwargs)))

    async def setdefault(self, key: _K, default: Any = None) -> Any:  # type: ignore[override]  # a coroutine
        """D.setdefault(k[,d]) -> D[k] if k was found or assigned, else D[k]=d (written through)."""
        return await run_async(self._cache, self._setdefault(key, default))

    def __setitem__(self, key: _K, value: _V) -> NoReturn:
        raise TypeError('__setitem__ of an asyncio CachedOrderedDict cannot await Redis: use `await d.setitem(k, v)`')

    def __ior__(self, other: Any) -> NoReturn:
        raise TypeError('|= on an asyncio CachedOrderedDict cannot await Redis: use `await d.update(other)`')
