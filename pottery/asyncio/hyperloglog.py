"""The asyncio HyperLogLog: a distinct count in Redis, for ``redis.asyncio`` clients.

The same operations, layout and results as :class:`pottery.HyperLogLog` (one
implementation, :class:`pottery.hyperloglog.HyperLogLogCore`); every
operation that touches Redis is a coroutine:

=======================  ==============================
HyperLogLog              asyncio HyperLogLog
=======================  ==============================
``x in h``               ``await h.contains(x)``
``len(h)``               ``await h.len()``
=======================  ==============================

and ``add``, ``update``, ``union``, ``contains_many``, ``clear`` keep their
names: ``await h.add(x)``; ``await h.union(...)`` returns a new asyncio
HyperLogLog.  Its repr is ``<HyperLogLog key=...>``: an async repr cannot
await the count the sync one prints.
"""

from __future__ import annotations

from typing import TypeVar

from pottery.base import AsyncFront
from pottery.hyperloglog import HyperLogLogCore

__all__ = ['HyperLogLog']

_T = TypeVar('_T')


class HyperLogLog(HyperLogLogCore[_T], AsyncFront):
    """A HyperLogLog in Redis, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     searches = await HyperLogLog(['snake', 'minesweeper'], redis=redis)
    ...     await searches.add('snake')
    ...     return await searches.len(), await searches.contains('snake')
    """
