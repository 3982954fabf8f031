"""pottery: Redis for Humans.

Redis-backed containers that behave like Python's own ``dict``, ``set``,
``list``, ``collections.Counter`` and ``collections.deque``, plus a
distributed lock (``Redlock``), an ID generator (``NextId``), a shared
``lru_cache`` (``redis_cache``) and probabilistic sets.
"""

from pottery.cache import CachedOrderedDict, redis_cache
from pottery.dict import RedisDict
from pottery.exceptions import KeyExistsError, PotteryError, RandomKeyError, WrongRedisTypeError
from pottery.timer import ContextTimer

__version__ = '4.0.0'

__all__ = [
    'CachedOrderedDict',
    'ContextTimer',
    'KeyExistsError',
    'PotteryError',
    'RandomKeyError',
    'RedisDict',
    'WrongRedisTypeError',
    'redis_cache',
]
