"""HyperLogLog: count distinct elements in 12 KB, with Redis' own HyperLogLog.

Layout: one Redis HyperLogLog (a string written by ``PFADD``/``PFMERGE``) at
``key``.  Elements are encoded with :func:`~pottery.base.encode_key` (so that
``1``, ``1.0`` and ``True`` are one element, as in a ``set``) and the JSON
text is what ``PFADD`` hashes.

Merging: ``update()`` and ``union()`` accept other HyperLogLogs.  One whose
key the same command may touch (same client, and on a cluster the same hash
slot) is merged with ``PFMERGE``.  One stored elsewhere -- another server, or
another slot of the cluster -- is read with ``GET`` (its registers are a plain
string) and merged by a script that writes the copy to a scratch key in *this*
key's slot, ``PFMERGE``\\s it and deletes it, so no command ever spans slots.

Membership: ``x in hll`` asks whether adding ``x`` would change a register
(if it would, ``x`` was surely never added; if not, it probably was).  A
script copies the registers to a scratch key in the same slot, ``PFADD``\\s
the element there and reports Redis' own answer, then deletes the copy: the
HyperLogLog itself is never written, and those scratch writes, which cancel
out within the script, are neither replicated nor persisted.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sized
from typing import Any, ClassVar, TypeVar

from redis.client import NEVER_DECODE
from redis.exceptions import ResponseError

from pottery.base import Base, RedisClient, encode_key
from pottery.exceptions import WrongRedisTypeError
from pottery.slots import scratch_key

__all__ = ['HyperLogLog']

_T = TypeVar('_T')

# Elements per PFADD, in Python (one pipeline holds them all) and in scripts
# (where Lua's unpack() is limited to a few thousand values).
CHUNK = 10_000
SCRIPT_CHUNK = 1000

# Every Redis HyperLogLog string starts with this magic.
_MAGIC = b'HYLL'

# KEYS[1]: the HyperLogLog.  KEYS[2]: a scratch key in the same slot (absent).
# KEYS[3], ...: other HyperLogLogs in the same slot, to merge in.
# ARGV[1]: the number r of register copies that follow; ARGV[2] .. ARGV[r+1]:
# the strings of HyperLogLogs stored elsewhere (another slot or server), each
# merged in through the scratch key, which is deleted at once; ARGV[r+2] ...:
# elements to add.  Same-slot sources go first: PFMERGE checks them all before
# writing anything, so a bad one fails the script before any change.
_UPDATE = """
if #KEYS > 2 then
    redis.call('PFMERGE', KEYS[1], unpack(KEYS, 3))
end
local copies = tonumber(ARGV[1])
for i = 2, copies + 1 do
    redis.call('SET', KEYS[2], ARGV[i])
    local merged = redis.pcall('PFMERGE', KEYS[1], KEYS[2])
    redis.call('DEL', KEYS[2])
    if merged.err then
        return merged
    end
end
for i = copies + 2, #ARGV, 1000 do
    redis.call('PFADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return 1
"""

# KEYS[1]: the HyperLogLog.  KEYS[2]: a scratch key in the same slot (absent).
# ARGV: elements.  Returns, per element, 1 if adding it would leave every
# register as it is (it was probably added), else 0 (it was surely not).
# PFADD on a copy of the registers gives Redis' own answer; the copy is
# restored after each change, and deleted before returning.  Those writes
# cancel out, so they are kept out of replication and the AOF (REPL_NONE):
# the HyperLogLog is only read.
_CONTAINS = """
redis.set_repl(redis.REPL_NONE)
local registers = redis.call('GET', KEYS[1])
local found = {}
if not registers then
    for i = 1, #ARGV do
        found[i] = 0
    end
    return found
end
redis.call('SET', KEYS[2], registers)
for i = 1, #ARGV do
    local changed = redis.pcall('PFADD', KEYS[2], ARGV[i])
    if type(changed) == 'table' then
        redis.call('DEL', KEYS[2])
        return changed
    end
    if changed == 1 then
        found[i] = 0
        redis.call('SET', KEYS[2], registers)
    else
        found[i] = 1
    end
end
redis.call('DEL', KEYS[2])
return found
"""


class HyperLogLog(Base, Sized, Container[_T]):
    """An approximate count of distinct elements, in Redis' HyperLogLog.

    >>> searches = HyperLogLog(['minesweeper', 'snake'], redis=redis)
    >>> searches.add('snake')
    >>> len(searches)
    2
    >>> 'snake' in searches
    True

    ``len()`` is within about 1% (0.81% standard error) of the true count.
    ``in`` never answers ``False`` for an element added, and rarely ``True``
    for one not added while the count is small (more often as it grows).
    Elements must be hashable and JSON serializable (``TypeError``
    otherwise, with nothing written).  A HyperLogLog is not iterable.

    Constructing with elements requires the key to be new, and raises
    :class:`~pottery.exceptions.KeyExistsError` otherwise, leaving the
    existing data alone: to add to an existing HyperLogLog, construct
    without elements and call :meth:`update`.
    """

    _redis_type: ClassVar[str] = 'string'

    def __init__(
        self, iterable: Iterable[_T] = (), /, *, redis: RedisClient | None = None, key: str | None = None
    ) -> None:
        """Complexity: O(n), 1 round trip with elements (none without)."""
        super().__init__(redis=redis, key=key)
        self._scratch: str | None = None
        elements = [encode_key(element) for element in iterable]
        if elements:
            self._create('PFADD', elements)

    def _scratch_key(self) -> str:
        if self._scratch is None:
            self._scratch = scratch_key(self.key)
        return self._scratch

    # -- adding --

    def add(self, element: _T) -> None:
        """Add an element.  O(1), 1 round trip (PFADD)."""
        self.redis.pfadd(self.key, encode_key(element))

    def update(self, *others: Iterable[_T] | HyperLogLog[_T]) -> None:
        """Add the elements of iterables and of other HyperLogLogs.

        Elements alone: 1 round trip (PFADD, in one pipeline of chunks).
        HyperLogLogs the same command can reach (same client and slot), with
        or without elements: 1 round trip, atomic.  Each HyperLogLog stored
        elsewhere costs 1 more round trip, to read its registers.  Nothing is
        written if any element cannot be encoded.
        """
        elements: list[str] = []
        near: list[HyperLogLog[Any]] = []
        far: list[HyperLogLog[Any]] = []
        for other in others:
            if isinstance(other, HyperLogLog):
                (near if self._same_slot(other) else far).append(other)
            else:
                elements.extend(encode_key(element) for element in other)
        copies = [registers for registers in map(_registers, far) if registers is not None]
        if not near and not copies:
            self._add_all(elements)
        elif not elements and not copies:
            self.redis.pfmerge(self.key, *(other.key for other in near))
        else:
            keys = [self.key, self._scratch_key(), *(other.key for other in near)]
            self._eval(_UPDATE, keys, [len(copies), *copies, *elements])

    def _add_all(self, elements: list[str]) -> None:
        if len(elements) <= CHUNK:
            if elements:
                self.redis.pfadd(self.key, *elements)
            return
        pipe = self._pipeline()
        for start in range(0, len(elements), CHUNK):
            pipe.pfadd(self.key, *elements[start : start + CHUNK])
        pipe.execute()

    def union(self, *others: Iterable[_T] | HyperLogLog[_T], redis: RedisClient | None = None) -> HyperLogLog[_T]:
        """Return a new HyperLogLog (at a random key) of this one and others.

        ``others`` are HyperLogLogs or iterables of elements, as for
        :meth:`update`; ``redis`` is the new HyperLogLog's client (this one's
        by default).  1 round trip when every HyperLogLog is on that client
        and, on a cluster, in the new key's slot; 1 more per HyperLogLog
        stored elsewhere.
        """
        result: HyperLogLog[_T] = HyperLogLog(redis=self.redis if redis is None else redis)
        result.update(self, *others)
        return result

    # -- reading --

    def __len__(self) -> int:
        """len(H): the estimated number of distinct elements added.

        O(1), 1 round trip (PFCOUNT).
        """
        return int(self.redis.pfcount(self.key))

    def __contains__(self, element: object) -> bool:
        """x in H: whether adding x would leave the registers unchanged.

        False means x was never added; True means it probably was.  O(1), 1
        round trip; the HyperLogLog is only read.
        """
        return self.contains_many(element)[0]  # type: ignore[arg-type]  # object: `in` takes anything

    def contains_many(self, *elements: _T) -> list[bool]:
        """Return ``[x in H for x in elements]``.  O(n), 1 round trip."""
        if not elements:
            return []
        encoded = [encode_key(element) for element in elements]
        found = self._eval(_CONTAINS, [self.key, self._scratch_key()], encoded)
        return [bool(flag) for flag in found]

    def clear(self) -> None:
        """Remove all elements.  1 round trip (UNLINK)."""
        self.redis.unlink(self.key)

    def __repr__(self) -> str:
        """Cheap: no round trip."""
        return f'<{type(self).__name__} key={self.key!r}>'


def _registers(other: HyperLogLog[Any]) -> bytes | None:
    # The raw string (never decoded, even with decode_responses=True) of a
    # HyperLogLog stored elsewhere; None if it does not exist.
    try:
        raw = other.redis.execute_command('GET', other.key, **{NEVER_DECODE: True})
    except ResponseError as error:
        if 'WRONGTYPE' not in str(error):
            raise
        raise other._wrong_type() from error
    if raw is not None and not bytes(raw).startswith(_MAGIC):
        raise WrongRedisTypeError(other.redis, other.key, 'the key holds a string that is not a HyperLogLog')
    return None if raw is None else bytes(raw)
