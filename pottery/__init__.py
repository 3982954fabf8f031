"""pottery: Redis for Humans.

Redis-backed containers that behave like Python's own ``dict``, ``set``,
``list``, ``collections.Counter`` and ``collections.deque``, plus a
distributed lock (``Redlock``), an ID generator (``NextId``), a shared
``lru_cache`` (``redis_cache``) and probabilistic sets.
"""

from pottery.dict import RedisDict
from pottery.exceptions import (
    ExtendUnlockedLock,
    KeyExistsError,
    PotteryError,
    QuorumIsImpossible,
    QuorumNotAchieved,
    RandomKeyError,
    ReleaseUnlockedLock,
    TooManyExtensions,
    WrongRedisTypeError,
)
from pottery.nextid import NextID, NextId
from pottery.redlock import Redlock, synchronize

__version__ = '4.0.0'

__all__ = [
    'ExtendUnlockedLock',
    'KeyExistsError',
    'NextID',
    'NextId',
    'PotteryError',
    'QuorumIsImpossible',
    'QuorumNotAchieved',
    'RandomKeyError',
    'RedisDict',
    'Redlock',
    'ReleaseUnlockedLock',
    'TooManyExtensions',
    'WrongRedisTypeError',
    'synchronize',
]
