"""The asyncio RedisSet: a set in a Redis set, for ``redis.asyncio`` clients.

The same operations, layout and results as :class:`pottery.RedisSet` (one
implementation, :class:`pottery.set.SetCore`); every operation that touches
Redis is a coroutine:

=====================  ==============================================
``set`` / RedisSet     asyncio RedisSet
=====================  ==============================================
``x in s``             ``await s.contains(x)``
``len(s)``             ``await s.len()``
``s == other``         ``await s.equals(other)``
``for x in s``         ``async for x in s``
``set(s)``             ``await s.to_set()``
``s | t``, ``t | s``   ``await s.union(t)``
``s & t``, ``t & s``   ``await s.intersection(t)``
``s - t``              ``await s.difference(t)``
``t - s``              ``t - await s.to_set()``
``s ^ t``, ``t ^ s``   ``await s.symmetric_difference(t)``
``s <= t``, ``s >= t``  ``await s.issubset(t)``, ``await s.issuperset(t)``
``s |= t``             ``await s.update(t)``
``s &= t``             ``await s.intersection_update(t)``
``s -= t``             ``await s.difference_update(t)``
``s ^= t``             ``await s.symmetric_difference_update(t)``
=====================  ==============================================

and ``add``, ``discard``, ``remove``, ``pop``, ``clear``, ``copy``,
``isdisjoint``, ``contains_many`` keep their names: ``await s.add(x)``.  Each
operator above raises a ``TypeError`` naming its coroutine.
"""

from __future__ import annotations

from typing import TypeVar

from pottery.base import AsyncFront
from pottery.set import SetCore

__all__ = ['RedisSet']

_T = TypeVar('_T')


class RedisSet(SetCore[_T], AsyncFront):
    """A set stored in a Redis set, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     basket = await RedisSet({'apple', 'pear'}, redis=redis, key='basket')
    ...     await basket.add('orange')
    ...     return await basket.to_set()
    """
