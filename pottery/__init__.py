"""pottery: Redis for Humans.

Redis-backed containers that behave like Python's own ``dict``, ``set``,
``list``, ``collections.Counter`` and ``collections.deque``, plus a
distributed lock (``Redlock``), an ID generator (``NextId``), a shared
``lru_cache`` (``redis_cache``) and probabilistic sets.
"""

from pottery.bloom import BloomFilter
from pottery.dict import RedisDict
from pottery.exceptions import KeyExistsError, PotteryError, RandomKeyError, WrongRedisTypeError
from pottery.hyperloglog import HyperLogLog

__version__ = '4.0.0'

__all__ = [
    'BloomFilter',
    'HyperLogLog',
    'KeyExistsError',
    'PotteryError',
    'RandomKeyError',
    'RedisDict',
    'WrongRedisTypeError',
]
