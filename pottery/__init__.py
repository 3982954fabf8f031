"""pottery: Redis for Humans.

Redis-backed containers that behave like Python's own ``dict``, ``set``,
``list``, ``collections.Counter`` and ``collections.deque``, plus a
distributed lock (``Redlock``), an ID generator (``NextId``), a shared
``lru_cache`` (``redis_cache``), a ``queue.SimpleQueue`` shared by processes
(``RedisSimpleQueue``) and probabilistic sets.
"""

from pottery.asyncio.nextid import AIONextID
from pottery.asyncio.redlock import AIORedlock
from pottery.base import PotteryEncoder
from pottery.bloom import BloomFilter
from pottery.cache import CachedOrderedDict, redis_cache
from pottery.counter import RedisCounter
from pottery.deque import RedisDeque
from pottery.dict import RedisDict
from pottery.exceptions import (
    ExtendUnlockedLock,
    InefficientAccessWarning,
    KeyExistsError,
    PotteryError,
    PotteryWarning,
    PrimitiveError,
    QueueEmptyError,
    QuorumIsImpossible,
    QuorumNotAchieved,
    RandomKeyError,
    ReleaseUnlockedLock,
    ServerVersionError,
    TooManyExtensions,
    WrongRedisTypeError,
)
from pottery.hyperloglog import HyperLogLog
from pottery.list import RedisList
from pottery.nextid import NextID, NextId
from pottery.queue import RedisSimpleQueue
from pottery.redlock import Redlock, synchronize
from pottery.set import RedisSet
from pottery.timer import ContextTimer

__version__ = '4.0.0'

__all__ = [
    'AIONextID',
    'AIORedlock',
    'BloomFilter',
    'CachedOrderedDict',
    'ContextTimer',
    'ExtendUnlockedLock',
    'HyperLogLog',
    'InefficientAccessWarning',
    'KeyExistsError',
    'NextID',
    'NextId',
    'PotteryEncoder',
    'PotteryError',
    'PotteryWarning',
    'PrimitiveError',
    'QueueEmptyError',
    'QuorumIsImpossible',
    'QuorumNotAchieved',
    'RandomKeyError',
    'RedisCounter',
    'RedisDeque',
    'RedisDict',
    'RedisList',
    'RedisSet',
    'RedisSimpleQueue',
    'Redlock',
    'ReleaseUnlockedLock',
    'ServerVersionError',
    'TooManyExtensions',
    'WrongRedisTypeError',
    'redis_cache',
    'synchronize',
]
