"""pottery for asyncio: the same containers, with coroutine methods.

Mirrors ``redis.asyncio``: the same class names as :mod:`pottery`, taking a
``redis.asyncio.Redis`` or ``redis.asyncio.cluster.RedisCluster`` client.
Each class shares every line of its logic with its sync twin (see
:mod:`pottery.command`).
"""

from pottery.asyncio.bloom import BloomFilter
from pottery.asyncio.cache import CachedOrderedDict, redis_cache
from pottery.asyncio.counter import RedisCounter
from pottery.asyncio.deque import RedisDeque
from pottery.asyncio.dict import RedisDict
from pottery.asyncio.hyperloglog import HyperLogLog
from pottery.asyncio.list import RedisList
from pottery.asyncio.nextid import AIONextID, NextID, NextId
from pottery.asyncio.queue import RedisSimpleQueue
from pottery.asyncio.redlock import AIORedlock, Redlock
from pottery.asyncio.set import RedisSet

__all__ = [
    'AIONextID',
    'AIORedlock',
    'BloomFilter',
    'CachedOrderedDict',
    'HyperLogLog',
    'NextID',
    'NextId',
    'RedisCounter',
    'RedisDeque',
    'RedisDict',
    'RedisList',
    'RedisSet',
    'RedisSimpleQueue',
    'Redlock',
    'redis_cache',
]
