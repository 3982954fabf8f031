"""BloomFilter: a set you can add to and test, but not list, in one Redis string.

Layout: one Redis string at ``key``, used as an array of ``size()`` bits (bit
0 is the high bit of the first byte, as for ``SETBIT``).  An element is first
encoded with :func:`~pottery.base.encode_key` (so that ``1``, ``1.0`` and
``True`` are one element, as in a ``set``), then its ``num_hashes()`` bit
positions are derived from one 128-bit MurmurHash3 (``mmh3.hash128``, seed 0,
over the UTF-8 JSON text) by enhanced double hashing: with ``h1`` the low and
``h2`` the high 64 bits, bit ``i`` is ``(h1 + i*h2 + (i**3 - i) // 6) mod m``
(Dillinger & Manolios).  The cubic term keeps the ``k`` positions from
collapsing into one when ``h2`` is a multiple of ``m``.

Sizing, for ``n = num_elements`` and ``p = false_positives``: ``m =
ceil(-n ln p / (ln 2)**2)`` bits and ``k = ceil(m / n * ln 2)`` hashes.
(Issue 5 writes ``round`` for ``k`` but requires 100 elements at 0.1 to get
4 hashes, which only ``ceil`` gives; both agree on 1,000 at 0.01 -> 7.)

Every client of one key must use the same ``num_elements`` and
``false_positives``: they are not stored in Redis.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Container, Iterable, Sized
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar

import mmh3

from pottery.base import Expiring, SyncFront, encode_key, lookup_key
from pottery.command import Call, Op, Script, operation
from pottery.exceptions import KeyExistsError

__all__ = ['BloomCore', 'BloomFilter']

_T = TypeVar('_T')

_MASK64 = (1 << 64) - 1

# The largest bit offset BITFIELD/SETBIT accept is 2**32 - 1 (a 512 MB string).
MAX_BITS = 1 << 32

# Bit offsets per script call (4 bytes each): about 0.1 s of server time.
CHUNK = 250_000

# KEYS[1]: the filter's string.  ARGV[1]: '1' to refuse an existing key (for
# the constructor), else '0'.  ARGV[2]: the bit offsets to set, packed as
# 4-byte big-endian unsigned integers.  ARGV[3] (the constructor's, if it has
# ttl=): milliseconds to live.  Returns 0 if it refused, else 1.
# Refusing is atomic with filling, so that constructing a filter with
# elements never merges into somebody's filter (possibly sized differently);
# so is the expiry, so that nobody sees the new filter without it.
# The offsets travel as one packed string, not as BITFIELD arguments: redis-py
# spends several microseconds encoding each argument, 4 per bit.
_SET_BITS = Script("""
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then
    return 0
end
local offsets = ARGV[2]
for i = 1, #offsets, 4 do
    redis.call('SETBIT', KEYS[1], struct.unpack('>I4', offsets, i), 1)
end
if ARGV[3] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
""")

# KEYS[1]: the filter's string.  ARGV[1]: k, the bits per element.
# ARGV[2]: the k bit offsets of each element in turn, packed as 4-byte
# big-endian unsigned integers.  Returns a string with one character per
# element: '1' if all its bits are set, else '0'.  Writes nothing.
_GET_BITS = Script("""
local k = tonumber(ARGV[1])
local offsets = ARGV[2]
local found = {}
for start = 1, #offsets, 4 * k do
    local all = '1'
    for i = start, start + 4 * k - 1, 4 do
        if redis.call('GETBIT', KEYS[1], (struct.unpack('>I4', offsets, i))) == 0 then
            all = '0'
            break
        end
    end
    found[#found + 1] = all
end
return table.concat(found)
""")


def size_for(num_elements: int, false_positives: float) -> int:
    """Return the bits a filter needs: ``ceil(-n ln p / (ln 2)**2)``.

    >>> size_for(100, 0.1), size_for(1000, 0.01)
    (480, 9586)
    """
    return math.ceil(-num_elements * math.log(false_positives) / math.log(2) ** 2)


def hashes_for(num_elements: int, size: int) -> int:
    """Return the bit positions per element: ``ceil(m / n * ln 2)``, at least 1.

    >>> hashes_for(100, 480), hashes_for(1000, 9586)
    (4, 7)
    """
    return max(1, math.ceil(size / num_elements * math.log(2)))


class BloomCore(Expiring, Generic[_T]):
    """The operations of a Bloom filter in a Redis string, for every front.

    Layout, sizing and hashing are described in the module docstring; the
    sync :class:`BloomFilter` and ``pottery.asyncio.BloomFilter`` add only
    what their front needs.
    """

    _redis_type: ClassVar[str] = 'string'

    def __init__(
        self,
        iterable: Iterable[_T] = (),
        /,
        *,
        num_elements: int,
        false_positives: float,
        redis: Any = None,
        key: str | None = None,
        ttl: float | timedelta | None = None,
    ) -> None:
        """Complexity: O(n k), 1 round trip with elements (none without; see
        :class:`~pottery.base.Expiring` for ``ttl=``)."""
        if isinstance(num_elements, bool) or not isinstance(num_elements, int):
            raise TypeError(f'num_elements must be an int, not {type(num_elements).__name__}')
        if num_elements < 1:
            raise ValueError(f'num_elements must be at least 1, not {num_elements}')
        if isinstance(false_positives, bool) or not isinstance(false_positives, (int, float)):
            raise TypeError(f'false_positives must be a float, not {type(false_positives).__name__}')
        if not 0 < false_positives < 1:
            raise ValueError(f'false_positives must be between 0 and 1 (exclusive), not {false_positives}')
        size = size_for(num_elements, false_positives)
        if size > MAX_BITS:
            raise ValueError(f'{num_elements} elements at {false_positives} need {size} bits; Redis allows {MAX_BITS}')
        self._num_elements = num_elements
        self._false_positives = false_positives
        self._size = size
        self._num_hashes = hashes_for(num_elements, size)
        # The (i**3 - i) / 6 terms of enhanced double hashing, computed once.
        self._cubes = [(i**3 - i) // 6 for i in range(self._num_hashes)]
        super().__init__(redis=redis, key=key, ttl=ttl)
        offsets = self._offsets_of_all(iterable)
        if offsets:
            self._start(self._create_from(offsets))
        else:
            self._start_expiry()

    def _create_from(self, offsets: set[int]) -> Op[None]:
        if not (yield from self._set_bits(offsets, create=True)):
            raise KeyExistsError(self.redis, self.key, 'initial elements given for a key that exists')

    @property
    def num_elements(self) -> int:
        """The number of elements the filter was sized for."""
        return self._num_elements

    @property
    def false_positives(self) -> float:
        """The false positive probability the filter was sized for."""
        return self._false_positives

    def size(self) -> int:
        """Return the number of bits, m.  No round trip."""
        return self._size

    def num_hashes(self) -> int:
        """Return the number of bit positions per element, k.  No round trip."""
        return self._num_hashes

    # -- hashing (no round trip) --

    def _offsets(self, element: Any) -> list[int]:
        # Raises TypeError for unhashable or unencodable elements.
        return self._offsets_of_text(encode_key(element))

    def _offsets_of_text(self, text: str) -> list[int]:
        digest = mmh3.hash128(text, 0, signed=False)
        h1, h2, m = digest & _MASK64, digest >> 64, self._size
        return [(h1 + i * h2 + cube) % m for i, cube in enumerate(self._cubes)]

    def _offsets_of_all(self, iterable: Iterable[Any]) -> set[int]:
        # Every element is encoded before anything is sent, so that a bad one
        # leaves Redis untouched.  Duplicate offsets are sent once.
        offsets: set[int] = set()
        for element in iterable:
            offsets.update(self._offsets(element))
        return offsets

    def _set_bits(self, offsets: Iterable[int], *, create: bool = False) -> Op[bool]:
        # Sorted from the highest offset down, so the string grows only once.
        # One script call per chunk; False if ``create`` and the key exists.
        ordered = sorted(offsets, reverse=True)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            packed = struct.pack(f'>{len(chunk)}I', *chunk)
            first = create and not start
            expiry = [self._expiry_ms] if first and self._expiry_ms is not None else []
            if not (yield _SET_BITS([self.key], ['1' if first else '0', packed, *expiry])):
                return False
        return True

    # -- the set-like interface --

    @operation
    def add(self, element: _T) -> Op[None]:
        """Add an element.  O(k), 1 round trip (one BITFIELD)."""
        ops = (op for offset in self._offsets(element) for op in ('SET', 'u1', offset, 1))
        yield Call('BITFIELD', self.key, *ops)

    @operation
    def update(self, *iterables: Iterable[_T]) -> Op[None]:
        """Add the elements of every iterable.

        O(n k), 1 round trip per 250,000 bits to set (a script call);
        nothing is written if any element cannot be encoded.
        """
        offsets: set[int] = set()
        for iterable in iterables:
            offsets.update(self._offsets_of_all(iterable))
        if offsets:
            yield from self._set_bits(offsets)

    @operation
    def contains(self, element: object) -> Op[bool]:
        """x in F: False if never added, True if added (or, rarely, not).

        An element JSON cannot encode was never added: False (as pottery
        3.x); an unhashable one raises TypeError, as for a set.  O(k), 1
        round trip (one BITFIELD of GETs, which writes nothing); none for an
        element that cannot be stored.
        """
        text = lookup_key(element)
        if text is None:
            return False
        ops = (op for offset in self._offsets_of_text(text) for op in ('GET', 'u1', offset))
        return all((yield Call('BITFIELD', self.key, *ops)))

    __contains__ = contains

    @operation
    def contains_many(self, *elements: _T) -> Op[list[bool]]:
        """Return ``[x in F for x in elements]``.

        O(n k), 1 round trip per 250,000 bits to read (a script call that
        writes nothing); none when no element can be stored.
        """
        k = self._num_hashes
        texts = [lookup_key(element) for element in elements]
        offsets = [offset for text in texts if text is not None for offset in self._offsets_of_text(text)]
        found: list[bool] = []
        step = CHUNK - CHUNK % k  # whole elements per chunk
        for start in range(0, len(offsets), step):
            chunk = offsets[start : start + step]
            flags = yield _GET_BITS([self.key], [k, struct.pack(f'>{len(chunk)}I', *chunk)])
            found.extend(flag == '1' for flag in (flags.decode() if isinstance(flags, bytes) else flags))
        asked = iter(found)
        return [text is not None and next(asked) for text in texts]

    @operation
    def len(self) -> Op[int]:
        """len(F): the estimated number of distinct elements added.

        The standard estimate ``-(m/k) ln(1 - X/m)`` from the number X of bits
        set, rounded.  O(m), 1 round trip (BITCOUNT).
        """
        m, k = self._size, self._num_hashes
        # A saturated filter's estimate diverges: report the largest finite one.
        ones = min(int((yield Call('BITCOUNT', self.key))), m - 1)
        return round(-m / k * math.log1p(-ones / m))

    __len__ = len

    @operation
    def clear(self) -> Op[None]:
        """Remove all elements.  1 round trip (UNLINK)."""
        yield Call('UNLINK', self.key)


class BloomFilter(BloomCore[_T], SyncFront, Sized, Container[_T]):
    """A probabilistic set: ``add``, ``in`` and ``len``, with no false negatives.

    >>> seen = BloomFilter(num_elements=100, false_positives=0.01, redis=redis)
    >>> seen.add('rajiv')
    >>> 'rajiv' in seen, 'raj' in seen
    (True, False)
    >>> seen.contains_many('rajiv', 'raj')
    [True, False]

    ``in`` may answer ``True`` for an element never added, with probability
    at most about ``false_positives`` once ``num_elements`` elements are in;
    it never answers ``False`` for an element added.  ``len()`` is an
    estimate from the number of bits set.  Elements must be hashable and JSON
    serializable (``TypeError`` otherwise, with nothing written; ``in`` is
    ``False`` for a hashable element JSON cannot encode).  A filter is not
    iterable: it does not keep its elements.

    Constructing with elements requires the key to be new, and raises
    :class:`~pottery.exceptions.KeyExistsError` otherwise, leaving the
    existing filter alone (it might have been sized differently): to add to
    an existing filter, construct without elements and call :meth:`update`.

    ``pottery.asyncio.BloomFilter`` is its asyncio twin.
    """

    def __repr__(self) -> str:
        """<BloomFilter key=...>, as pottery 3.x prints it.  No round trip."""
        return f'<{type(self).__name__} key={self.key}>'
