"""The asyncio RedisDeque: a deque in a Redis list, for ``redis.asyncio`` clients.

The same operations, layout, ``maxlen`` rules and results as
:class:`pottery.RedisDeque` (one implementation,
:class:`pottery.deque.DequeCore`); every operation that touches Redis is a
coroutine:

=========================  ==================================
``deque`` / RedisDeque      asyncio RedisDeque
=========================  ==================================
``d[i]``                   ``await d.getitem(i)``
``d[i] = v``               ``await d.setitem(i, v)``
``del d[i]``               ``await d.delitem(i)``
``x in d``                 ``await d.contains(x)``
``len(d)``                 ``await d.len()``
``d == other``             ``await d.equals(other)``
``for x in d``             ``async for x in d``
``reversed(d)``            ``async for x in d.reversed()``
``d += xs``                ``await d.extend(xs)``
``list(d)``                ``await d.to_list()``
=========================  ==================================

and ``append``, ``appendleft``, ``extend``, ``extendleft``, ``pop``,
``popleft``, ``rotate``, ``insert``, ``remove``, ``index``, ``count``,
``reverse``, ``clear``, ``copy`` keep their names: ``await d.popleft()``.
``maxlen`` is a plain attribute.  The operators ``+``, ``*``, ``*=`` and
``<`` are sync-only (they cannot await).
"""

from __future__ import annotations

from typing import TypeVar

from pottery.base import AsyncFront
from pottery.deque import DequeCore

__all__ = ['RedisDeque']

_T = TypeVar('_T')


class RedisDeque(DequeCore[_T], AsyncFront):
    """A deque stored in a Redis list, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     d = await RedisDeque('ghi', maxlen=3, redis=redis, key='letters')
    ...     await d.appendleft('f')
    ...     return await d.to_list()
    """
