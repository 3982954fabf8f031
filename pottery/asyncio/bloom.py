"""The asyncio BloomFilter: a probabilistic set in a Redis string, for ``redis.asyncio`` clients.

The same operations, layout and results as :class:`pottery.BloomFilter` (one
implementation, :class:`pottery.bloom.BloomCore`); every operation that
touches Redis is a coroutine:

=======================  ==============================
BloomFilter              asyncio BloomFilter
=======================  ==============================
``x in f``               ``await f.contains(x)``
``len(f)``               ``await f.len()``
=======================  ==============================

and ``add``, ``update``, ``contains_many``, ``clear`` keep their names:
``await f.add(x)``.  ``size()``, ``num_hashes()`` and the sizing properties
touch no server and stay plain.
"""

from __future__ import annotations

from typing import TypeVar

from pottery.base import AsyncFront
from pottery.bloom import BloomCore

__all__ = ['BloomFilter']

_T = TypeVar('_T')


class BloomFilter(BloomCore[_T], AsyncFront):
    """A Bloom filter in a Redis string, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     seen = await BloomFilter(['rajiv'], num_elements=100, false_positives=0.01, redis=redis)
    ...     await seen.add('raj')
    ...     return await seen.contains('rajiv'), await seen.len()
    """
