"""Key names that share a Redis Cluster slot with a container's key.

A Lua script may only touch keys of one cluster slot, so the helper keys a
container needs beside its own (a cache's LRU order, a scratch copy) are named
to hash to its key's slot.  The same names are used on a standalone server,
so the layout does not depend on the deployment.  No round trips.
"""

from __future__ import annotations

import functools
import itertools
import uuid

from redis.crc import key_slot

__all__ = ['hash_tag', 'lru_key', 'scratch_key', 'slot_tag']


def hash_tag(key: str) -> str | None:
    """The part of ``key`` Redis Cluster hashes, when ``key`` has a hash tag.

    >>> hash_tag('{user:1}:cache'), hash_tag('cache'), hash_tag('{}x')
    ('user:1', None, None)
    """
    start = key.find('{')
    if start < 0:
        return None
    end = key.find('}', start + 1)
    return key[start + 1 : end] if end > start + 1 else None


@functools.lru_cache(maxsize=1024)
def slot_tag(key: str) -> str:
    """A hash tag text whose cluster slot is ``key``'s.

    The key's own tag, or the whole key when it has none and contains no
    ``}``; else ``pottery-slot-<n>`` with the smallest ``n`` in ``key``'s slot
    (a deterministic search, the same in every process: about 16,384 CRC16s
    of short strings at worst, milliseconds, once per key).

    >>> slot_tag('{user:1}:cache'), slot_tag('cache')
    ('user:1', 'cache')
    """
    tag = hash_tag(key)
    if tag is not None:
        return tag
    if key and '}' not in key:
        return key
    slot = key_slot(key.encode())
    for n in itertools.count():
        tag = f'pottery-slot-{n}'
        if key_slot(tag.encode()) == slot:
            return tag
    raise AssertionError('unreachable')  # pragma: no cover


@functools.lru_cache(maxsize=1024)
def lru_key(key: str) -> str:
    """The name of the sorted set holding a cache's LRU order, in ``key``'s slot.

    >>> lru_key('cache'), lru_key('{user:1}:cache')
    ('{cache}:lru', '{user:1}:cache:lru')
    """
    if hash_tag(key) is not None:
        return f'{key}:lru'
    tag = slot_tag(key)
    return f'{{{tag}}}:lru' if tag == key else f'{{{tag}}}:{key}:lru'


def scratch_key(key: str) -> str:
    """A fresh random key in ``key``'s cluster slot.

    >>> key_slot(scratch_key('hits').encode()) == key_slot(b'hits')
    True
    """
    return f'{{{slot_tag(key)}}}:pottery-scratch:{uuid.uuid4()}'
