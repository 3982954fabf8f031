"""RedisSimpleQueue: a ``queue.SimpleQueue`` shared by processes, in a Redis stream.

Layout (the ``pottery`` package's, so that the two libraries share a queue):
one Redis stream at ``key``; each item is one entry whose single field
``item`` holds the item's JSON text (``XADD key * item <json>``).  Taking an
item deletes its entry; the (possibly empty) stream stays.

Order: the stream orders entries by the ID the server gives them, so items
come out in the order the server received them, from every process (FIFO).

Delivery: an item is taken by one Lua script that reads the first entry and
deletes it, so with any number of consumers every item goes to exactly one
of them.  A ``get`` that finds the queue empty waits on the server (``XREAD
BLOCK``, which wakes up when an entry is added), then tries to take again;
another consumer may have been faster, in which case it waits again, within
its deadline.  No polling: while the queue stays empty a waiting ``get``
sends one command per server wait.

Waits and socket timeouts: a blocking command whose wait outlasts the
client's ``socket_timeout`` fails with ``TimeoutError`` (redis-py 8 clients
default to 5 seconds).  So a server wait is at most half the client's
socket timeout; a longer ``get`` is several server waits in a row.

A ``get`` interrupted after its take ran on the server (a lost connection,
a cancelled coroutine) loses that item, as any "pop" over a network does;
a ``get`` interrupted while it waits loses nothing.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar, Generic, TypeVar

import redis.asyncio.cluster
from redis.cluster import RedisCluster

from pottery.base import Base, SyncFront, decode, encode
from pottery.command import Call, Op, Script, operation
from pottery.exceptions import QueueEmptyError

__all__ = ['QueueCore', 'RedisSimpleQueue']

_T = TypeVar('_T')

# KEYS[1]: the stream.  Deletes the first (oldest) entry and returns its
# value -- the JSON text of the one field, item -- or false when the stream
# is empty or missing.  Read and delete in one script, so that two consumers
# never take the same entry.
_TAKE = Script("""
local entry = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
if not entry then
    return false
end
redis.call('XDEL', KEYS[1], entry[1])
return entry[2][2]
""")


def socket_timeout(client: Any) -> float | None:
    """The socket timeout (seconds) of ``client``'s connections; None if none."""
    if isinstance(client, RedisCluster):
        settings = client.get_connection_kwargs()  # type: ignore[no-untyped-call]  # untyped upstream
    elif isinstance(client, redis.asyncio.cluster.RedisCluster):
        settings = client.connection_kwargs
    else:
        settings = client.connection_pool.connection_kwargs
    timeout = settings.get('socket_timeout')
    return None if timeout is None else float(timeout)


class QueueCore(Base, Generic[_T]):
    """The operations of a Redis stream used as a ``queue.SimpleQueue``, for every front.

    Layout and semantics are described in the module docstring; the sync
    :class:`RedisSimpleQueue` and ``pottery.asyncio.RedisSimpleQueue`` add
    only what their front needs.
    """

    _redis_type: ClassVar[str] = 'stream'

    def __init__(self, *, redis: Any = None, key: str | None = None) -> None:
        """An empty queue (or the one at ``key``).  No round trip."""
        super().__init__(redis=redis, key=key)

    @operation
    def put(self, item: _T, block: bool = True, timeout: float | None = None) -> Op[None]:
        """Q.put(item, block=True, timeout=None): add item at the end.

        Never blocks (the queue is unbounded): ``block`` and ``timeout`` are
        accepted and ignored, as ``queue.SimpleQueue`` does.  ``TypeError``
        for an item JSON cannot encode, and nothing is written.
        Complexity: O(1), 1 round trip.
        """
        yield from self._put(item)

    @operation
    def put_nowait(self, item: _T) -> Op[None]:
        """Q.put_nowait(item): the same as ``put(item)``.  O(1), 1 round trip."""
        yield from self._put(item)

    def _put(self, item: _T) -> Op[None]:
        yield Call('XADD', self.key, '*', 'item', encode(item))

    @operation
    def get(self, block: bool = True, timeout: float | None = None) -> Op[_T]:
        """Q.get(block=True, timeout=None) -> item: remove and return the first item.

        With ``block`` false, or ``timeout`` 0, raise :class:`QueueEmptyError`
        (a ``queue.Empty``) at once if the queue is empty; else wait on the
        server for an item, for at most ``timeout`` seconds (forever when
        None) before raising it.  ``ValueError`` for a negative ``timeout``,
        as ``queue.SimpleQueue`` raises.

        Complexity: O(1), 1 round trip when an item is there; else 1 more per
        server wait (see the module docstring) and 1 per try to take.
        """
        if block and timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        return (yield from self._get(block, timeout))

    def _get(self, block: bool, timeout: float | None) -> Op[_T]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            raw = yield _TAKE([self.key])
            if raw is not None:
                return decode(raw)  # type: ignore[no-any-return]  # an item put as _T
            if not block:
                raise QueueEmptyError(self.redis, self.key)
            wait = self._longest_wait()
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueueEmptyError(self.redis, self.key)
                wait = remaining if wait is None else min(wait, remaining)
            # Wakes up as soon as the stream has an entry -- also one added
            # since the take above, since any ID is after 0-0.  BLOCK 0 waits
            # forever; a partial millisecond is rounded up.
            milliseconds = 0 if wait is None else max(1, math.ceil(wait * 1000))
            yield Call('XREAD', 'COUNT', 1, 'BLOCK', milliseconds, 'STREAMS', self.key, '0-0')

    def _longest_wait(self) -> float | None:
        # Half the socket timeout: a blocked read must answer before the
        # client gives up on the socket (None: the client waits forever).
        limit = socket_timeout(self.redis)
        return None if limit is None else limit / 2

    @operation
    def get_nowait(self) -> Op[_T]:
        """Q.get_nowait() -> item: ``get(block=False)``.  O(1), 1 round trip."""
        return (yield from self._get(False, None))

    @operation
    def qsize(self) -> Op[int]:
        """Q.qsize() -> the number of items in the queue.  O(1), 1 round trip."""
        return int((yield Call('XLEN', self.key)))

    @operation
    def empty(self) -> Op[bool]:
        """Q.empty() -> True if the queue is empty.  O(1), 1 round trip."""
        return not (yield Call('XLEN', self.key))

    @operation
    def clear(self) -> Op[None]:
        """Q.clear(): remove every item (deletes the key).  O(n), 1 round trip."""
        yield Call('UNLINK', self.key)


class RedisSimpleQueue(QueueCore[_T], SyncFront):
    """A ``queue.SimpleQueue`` in a Redis stream, shared by every process that names it.

    >>> jobs = RedisSimpleQueue(redis=redis, key='jobs')
    >>> jobs.put({'id': 1})
    >>> jobs.put_nowait('two')
    >>> jobs.qsize()
    2
    >>> jobs.get(), jobs.get_nowait()
    ({'id': 1}, 'two')
    >>> jobs.get(timeout=0.01)
    Traceback (most recent call last):
      ...
    pottery.exceptions.QueueEmptyError: key='jobs'
    """

    def __repr__(self) -> str:
        """<RedisSimpleQueue key=...>: no round trip."""
        return f'<{type(self).__name__} key={self.key}>'
