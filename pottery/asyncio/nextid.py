"""The asyncio NextId: ``pottery.AIONextID``, also ``pottery.asyncio.NextId`` and ``NextID``.

The same algorithm and Redis layout as :class:`pottery.NextId` (one
implementation, :class:`pottery.nextid.NextIdCore`), so that sync and async
processes share a sequence.  The masters are ``redis.asyncio.Redis`` clients.

=====================  ==================================
NextId                 AIONextID
=====================  ==================================
``next(ids)``          ``await anext(ids)``
``for id_ in ids``     ``async for id_ in ids``
``ids.reset()``        ``await ids.reset()``
=====================  ==================================

When ``masters`` is omitted, the running event loop's default client is the
only master, so such a sequence is made inside a coroutine.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio

from pottery.command import AsyncMarker
from pottery.nextid import NextIdCore

__all__ = ['AIONextID', 'NextID', 'NextId']


class AIONextID(NextIdCore[redis.asyncio.Redis], AsyncMarker):
    """An async iterator of unique, increasing IDs shared by every process.

    Arguments as :class:`pottery.NextId`; see the module docstring.

    >>> async def main(masters):  # doctest: +SKIP
    ...     user_ids = AIONextID(key='user-ids', masters=masters)
    ...     return await anext(user_ids), await anext(user_ids)
    """

    # await anext(ids): the core's next-ID operation, as a coroutine
    __anext__ = NextIdCore.__next__

    def __aiter__(self) -> AIONextID:
        return self

    def __next__(self) -> Any:
        raise TypeError('next() of an asyncio NextId cannot await Redis: use `await anext(ids)`')


NextId = NextID = AIONextID
