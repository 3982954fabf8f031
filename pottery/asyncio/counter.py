"""The asyncio RedisCounter: a Counter in a Redis hash, for ``redis.asyncio`` clients.

The same operations, layout and results as :class:`pottery.RedisCounter` (one
implementation, :class:`pottery.counter.CounterCore`); every operation that
touches Redis is a coroutine:

============================  ==========================================
``Counter`` / RedisCounter    asyncio RedisCounter
============================  ==========================================
``c[k]``                      ``await c.getitem(k)`` (0 if missing)
``c[k] = n``                  ``await c.setitem(k, n)``
``c[k] += 1`` (atomic)        ``await c.update({k: 1})``
``del c[k]``                  ``await c.delitem(k)``
``k in c``                    ``await c.contains(k)``
``len(c)``                    ``await c.len()``
``c == other``                ``await c.equals(other)``
``for k in c``                ``async for k in c`` (and ``keys()``, ``values()``, ``items()``)
``c += other``                ``await c.iadd(other)`` (and ``isub``, ``ior``, ``iand``)
``c + other``, ``c <= other``  ``(await c.to_counter()) + other``: a snapshot
``Counter(c)``                ``await c.to_counter()``
============================  ==========================================

and ``update``, ``subtract``, ``most_common``, ``total``, ``elements``,
``get``, ``pop``, ``popitem``, ``setdefault``, ``clear``, ``copy`` keep their
names: ``await c.most_common(3)``.  Each operator above raises a ``TypeError``
naming its coroutine.

``await c.getitem(k)`` returns a plain ``int`` and ``await c.setitem(k, n)``
always sets: the sync front's atomic ``c[k] += 1`` (a
:class:`pottery.counter.Count` remembering where it was read) has no async
spelling; ``await c.update({k: 1})`` is the atomic increment (1 round trip).
"""

from __future__ import annotations

from typing import TypeVar

from pottery.asyncio.dict import RedisDict
from pottery.counter import CounterCore

__all__ = ['RedisCounter']

_K = TypeVar('_K')


class RedisCounter(CounterCore[_K], RedisDict[_K, int]):
    """A Counter stored in a Redis hash, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     c = await RedisCounter('abracadabra', redis=redis, key='letters')
    ...     await c.update({'z': 1})
    ...     return await c.most_common(2)
    """
