"""The asyncio RedisDict: a dict in a Redis hash, for ``redis.asyncio`` clients.

The same operations, layout and results as :class:`pottery.RedisDict` (one
implementation, :class:`pottery.dict.DictCore`); every operation that touches
Redis is a coroutine:

=====================  ==================================
``dict`` / RedisDict    asyncio RedisDict
=====================  ==================================
``d[k]``               ``await d.getitem(k)``
``d[k] = v``           ``await d.setitem(k, v)``
``del d[k]``           ``await d.delitem(k)``
``k in d``             ``await d.contains(k)``
``len(d)``             ``await d.len()``
``d == other``         ``await d.equals(other)``
``for k in d``         ``async for k in d``
``d.keys()`` etc.      ``async for k in d.keys()`` (and ``items()``, ``values()``)
``dict(d)``            ``await d.to_dict()``
=====================  ==================================

and ``get``, ``pop``, ``popitem``, ``setdefault``, ``update``, ``clear``,
``copy`` keep their names: ``await d.get(k)``.
"""

from __future__ import annotations

from typing import TypeVar

from pottery.base import AsyncFront
from pottery.command import iteration
from pottery.dict import DictCore

__all__ = ['RedisDict']

_K = TypeVar('_K')
_V = TypeVar('_V')


class RedisDict(DictCore[_K, _V], AsyncFront):
    """A dict stored in a Redis hash, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     tel = await RedisDict({'jack': 4098}, redis=redis, key='tel')
    ...     await tel.setitem('sape', 4139)
    ...     return await tel.to_dict()
    """

    keys: iteration[[], _K] = DictCore.iter_keys
    values: iteration[[], _V] = DictCore.iter_values
    items: iteration[[], tuple[_K, _V]] = DictCore.iter_items
