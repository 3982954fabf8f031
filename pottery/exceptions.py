"""Exceptions raised by pottery.

Every library-specific failure subclasses :class:`PotteryError`.  Where a
container imitates a stdlib type, it raises what that type raises instead
(``KeyError``, ``IndexError``, ``TypeError``...), so that code written for the
stdlib type keeps working.

Every exception's ``repr`` is dataclass-style, as in the ``pottery``
package: ``KeyExistsError(redis=<redis.client.Redis(...)>, key='tel')``.
Warnings subclass :class:`PotteryWarning`.
"""

from __future__ import annotations

import queue
import warnings
from collections.abc import Iterable
from typing import Any


class PotteryError(Exception):
    """Base class for pottery's own exceptions.

    ``redis`` is the client (or an iterable of masters) involved, ``key`` the
    Redis key, when they are known.
    """

    def __init__(self, redis: Any = None, key: str | None = None, message: str = '') -> None:
        super().__init__(redis, key, message)
        self.redis = redis
        self.key = key
        self.message = message

    def __str__(self) -> str:
        # The client's repr is long and rarely helps; the key says where.
        text = f'key={self.key!r}'
        return f'{text}: {self.message}' if self.message else text

    def __repr__(self) -> str:
        return _dataclass_repr(self, redis=self.redis, key=self.key)


def _dataclass_repr(error: PotteryError, **fields: Any) -> str:
    # Name(field=value, ...), as a dataclass prints itself; the message only
    # when there is one (pottery 3.x's exceptions had none).
    if error.message:
        fields['message'] = error.message
    text = ', '.join(f'{name}={value!r}' for name, value in fields.items())
    return f'{type(error).__name__}({text})'


class KeyExistsError(PotteryError):
    """Initial contents were given for a Redis key that already exists.

    Constructing a container with data never merges into nor overwrites
    someone else's data; call ``update()``/``extend()`` on an instance made
    without data to add to an existing key.
    """


class WrongRedisTypeError(PotteryError, TypeError):
    """The Redis key holds a different Redis type than this container uses.

    Also a ``TypeError``, since Redis reports it as ``WRONGTYPE``.  The data
    at the key is left untouched.
    """


class RandomKeyError(PotteryError, RuntimeError):
    """Could not create a fresh random key.

    Exported so that code written for the ``pottery`` package, which names
    it, keeps importing.  Random keys here are uuid4s (122 random bits),
    chosen without a round trip, so this library never raises it.
    """


class QueueEmptyError(PotteryError, queue.Empty):
    """``get()`` found the queue empty (without blocking, or until its timeout).

    Also a ``queue.Empty``, so that code written for ``queue.SimpleQueue``
    catches it.
    """


class ServerVersionError(PotteryError, NotImplementedError):
    """The server lacks a command this operation needs: its message names
    the server versions that have it (e.g. per-field expiry: Redis >= 7.4,
    Valkey >= 9).  Nothing was written.
    """


class PrimitiveError(PotteryError):
    """Base class of the Redlock and NextId errors, as in the ``pottery`` package.

    ``masters`` (also ``redis``) is the masters; ``redis_errors`` the errors
    the masters that failed raised (a master that merely refused, e.g.
    because someone else holds the lock, raises nothing).
    """

    def __init__(
        self,
        redis: Any = None,
        key: str | None = None,
        message: str = '',
        *,
        masters: Any = None,
        redis_errors: Iterable[Exception] = (),
    ) -> None:
        # masters= is the name pottery 3.x used for what is redis here.
        super().__init__(redis if masters is None else masters, key, message)
        self.redis_errors = list(redis_errors)

    @property
    def masters(self) -> Any:
        """The masters the primitive used (the same object as ``redis``)."""
        return self.redis

    def __repr__(self) -> str:
        return _dataclass_repr(self, key=self.key, masters=self.masters, redis_errors=self.redis_errors)


class QuorumNotAchieved(PrimitiveError, RuntimeError):
    """A Redlock or NextId operation did not get a majority of the masters."""


class QuorumIsImpossible(QuorumNotAchieved):
    """So many masters failed with errors that no majority could answer.

    Raised instead of returning ``False`` (or :class:`QuorumNotAchieved`) when
    a primitive is made with ``raise_on_redis_errors=True``.
    """


class TooManyExtensions(PrimitiveError, RuntimeError):
    """A Redlock was extended more times than its ``num_extensions`` allows."""


class ExtendUnlockedLock(PrimitiveError, RuntimeError):
    """``Redlock.extend()`` on a lock this instance does not hold (any more)."""


class ReleaseUnlockedLock(PrimitiveError, RuntimeError):
    """``Redlock.release()`` on a lock this instance does not hold (any more).

    A ``RuntimeError``, as ``threading.Lock().release()`` raises.  When the
    lock had been acquired, it expired before the release: the critical
    section overran the auto-release time and may have overlapped another
    holder's.
    """


class PotteryWarning(Warning):
    """Base class for pottery's warnings.

    Warns about something that works but may not do what the caller expects
    (e.g. a ``redis_cache`` whose cache other processes cannot share).
    """


class InefficientAccessWarning(PotteryWarning):
    """An operation had to fetch a whole container from Redis (O(n) transfer)."""


def warn_inefficient(what: str) -> None:
    """Warn that ``what`` moves a whole container over the network for a small answer.

    As pottery 3.x does; Python's default filter shows it once per process.
    The warning names pottery's frame: the caller is not a fixed number of
    frames away through the sync or the async driver.
    """
    warnings.warn(f'{what} reads the whole container from Redis', InefficientAccessWarning, stacklevel=1)
