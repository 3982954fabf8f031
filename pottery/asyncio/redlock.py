"""The asyncio Redlock: ``pottery.AIORedlock``, also ``pottery.asyncio.Redlock``.

The same algorithm, Redis layout and fault behaviour as :class:`pottery.Redlock`
(one implementation, :class:`pottery.redlock.RedlockCore`), so that sync and
async processes share locks: they exclude each other.  The masters are
``redis.asyncio.Redis`` clients; each call to a master is bounded by
``master_timeout`` (``asyncio.wait_for``).

=====================  ==================================
Redlock                AIORedlock
=====================  ==================================
``lock.acquire()``     ``await lock.acquire()``
``lock.release()``     ``await lock.release()``
``lock.locked()``      ``await lock.locked()``
``lock.extend()``      ``await lock.extend()``
``with lock:``         ``async with lock:``
``lock.token``         ``lock.token``
=====================  ==================================

``auto_release_time`` is in milliseconds, as for the sync lock.  With
``auto_extend=True`` an asyncio task extends the lock every third of that
time; releasing the lock cancels it.  When ``masters`` is omitted, the running
event loop's default client is the only master, so such a lock is made
inside a coroutine.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import redis.asyncio

from pottery.command import AsyncMarker, run_async
from pottery.redlock import RedlockCore

__all__ = ['AIORedlock', 'Redlock']


class AIORedlock(RedlockCore[redis.asyncio.Redis], AsyncMarker):
    """A distributed lock over several Redis masters, with coroutine methods.

    Arguments as :class:`pottery.Redlock`; see the module docstring.

    >>> async def main(masters):  # doctest: +SKIP
    ...     async with AIORedlock(key='printer', masters=masters) as lock:
    ...         return lock.token
    """

    _extender: asyncio.Task[None] | None = None

    # async with lock: the core's context manager operations, as coroutines
    __aenter__ = RedlockCore.__enter__
    __aexit__ = RedlockCore.__exit__

    def __enter__(self) -> Any:
        raise TypeError('with of an asyncio Redlock cannot await Redis: use `async with lock`')

    def __exit__(self, *exc_info: object) -> Any:
        raise TypeError('with of an asyncio Redlock cannot await Redis: use `async with lock`')

    def _start_extender(self, value: str) -> None:
        interval = self.auto_release_time / 3000
        self._extender = asyncio.get_running_loop().create_task(_extend_while_held(weakref.ref(self), value, interval))

    def _stop_extender(self) -> None:
        if self._extender is not None:
            self._extender.cancel()
            self._extender = None


async def _extend_while_held(ref: weakref.ref[AIORedlock], value: str, interval: float) -> None:
    # Holds the lock weakly while sleeping, so a forgotten lock is not
    # extended forever.
    while True:
        await asyncio.sleep(interval)
        lock = ref()
        if lock is None or not await run_async(lock, lock._extend_if_held(value)):
            return
        del lock


Redlock = AIORedlock
