"""The asyncio RedisSimpleQueue: a queue in a Redis stream, for ``redis.asyncio`` clients.

The same operations, layout and results as :class:`pottery.RedisSimpleQueue`
(one implementation, :class:`pottery.queue.QueueCore`), so sync and async
processes share a queue.  ``queue.SimpleQueue`` has no dunder that touches
the data, so every method keeps its name and is a coroutine:

======================  ==========================================
``queue.SimpleQueue``   asyncio RedisSimpleQueue
======================  ==========================================
``q.put(x)``            ``await q.put(x)`` (and ``put_nowait``)
``q.get(timeout=1)``    ``await q.get(timeout=1)`` (and ``get_nowait``)
``q.qsize()``           ``await q.qsize()``
``q.empty()``           ``await q.empty()``
======================  ==========================================

A waiting ``get`` waits on the server and holds one of the client's
connections meanwhile: give the client's pool room for every coroutine that
may wait at once.  Cancelling a waiting ``get`` takes nothing from the queue.
"""

from __future__ import annotations

from typing import TypeVar

from pottery.base import AsyncFront
from pottery.queue import QueueCore

__all__ = ['RedisSimpleQueue']

_T = TypeVar('_T')


class RedisSimpleQueue(QueueCore[_T], AsyncFront):
    """A ``queue.SimpleQueue`` in a Redis stream, with coroutine methods (see the module docstring).

    >>> async def main(redis):
    ...     jobs = RedisSimpleQueue(redis=redis, key='jobs')
    ...     await jobs.put({'id': 1})
    ...     return await jobs.get(timeout=5)
    """
