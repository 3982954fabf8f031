"""The asyncio RedisList: a list in a Redis list, for ``redis.asyncio`` clients.

The same operations, layout and results as :class:`pottery.RedisList` (one
implementation, :class:`pottery.list.ListCore`); every operation that touches
Redis is a coroutine:

=======================  ==========================================
``list`` / RedisList      asyncio RedisList
=======================  ==========================================
``l[i]``, ``l[a:b]``     ``await l.getitem(i)``, ``await l.getitem(slice(a, b))``
``l[i] = v``             ``await l.setitem(i, v)`` (a slice too)
``del l[i]``             ``await l.delitem(i)`` (a slice too)
``x in l``               ``await l.contains(x)``
``len(l)``               ``await l.len()``
``l == other``           ``await l.equals(other)``
``for x in l``           ``async for x in l``
``reversed(l)``          ``async for x in l.reversed()``
``l += xs``              ``await l.extend(xs)``
``list(l)``              ``await l.to_list()``
=======================  ==========================================

and ``append``, ``extend``, ``insert``, ``pop``, ``remove``, ``index``,
``count``, ``sort``, ``reverse``, ``clear``, ``copy`` keep their names:
``await l.append(x)``.  The operators ``+``, ``*``, ``*=`` and ``<`` are
sync-only (they cannot await).
"""

from __future__ import annotations

from typing import TypeVar

from pottery.base import AsyncFront
from pottery.list import ListCore

__all__ = ['RedisList']

_T = TypeVar('_T')


class RedisList(ListCore[_T], AsyncFront):
    """A list stored in a Redis list, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     squares = await RedisList([1, 4, 9], redis=redis, key='squares')
    ...     await squares.append(16)
    ...     return await squares.getitem(slice(-2, None))
    """
