"""RedisSet: a ``set`` whose members live in a Redis set.

Layout: one Redis set at ``key``; each member is ``encode_key(x)`` (see
:mod:`pottery.base`), the layout of the ``pottery`` package on PyPI.

Costs.  Single-member operations (``add``, ``discard``, ``remove``, ``pop``,
``in``) and ``len`` cost 1 round trip; ``contains_many`` of n elements 1.
Binary operators and the set methods return plain ``set`` objects and create
no Redis key:

* with a plain set (or any iterable for the methods): 1 round trip -- SMEMBERS
  for ``|``, ``-`` and ``^``; SMISMEMBER of the other side's elements for
  ``&``, the reflected ``other - s``, and every comparison (which then only
  sends back counts);
* with another RedisSet on the same client and, on a cluster, in the same hash
  slot (use a hash tag: ``{t}a`` and ``{t}b``): 1 round trip, computed by the
  server (SUNION, SINTER, SDIFF, a script for ``^`` and for comparisons);
* with a RedisSet elsewhere (another client, or another slot of the cluster):
  its members are read first (1 more round trip, O(len(other)) transfer), then
  as with a plain set.  Never a CROSSSLOT error.

In-place operators and ``*_update`` methods are atomic writes: 1 round trip
(SADD, SREM, SUNIONSTORE/SINTERSTORE/SDIFFSTORE, or a script), plus 1 to read
another RedisSet that lives elsewhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, MutableSet
from collections.abc import Set as AbstractSet
from typing import Any, ClassVar, TypeVar, cast

from pottery.base import Base, RedisClient, decode_key, decode_keys, encode_key

__all__ = ['RedisSet']

_T = TypeVar('_T')

# Members per SSCAN page, and per variadic command inside scripts (Lua's
# unpack() is limited to a few thousand values).
CHUNK = 1000

# KEYS[1]: the set.  ARGV: distinct member texts.
# Returns {SCARD, how many of ARGV are members}: every comparison with a
# plain set follows from these two numbers and len(other), so it costs one
# round trip and sends back two integers instead of the whole set.
_PROBE = """
local found = 0
for i = 1, #ARGV, 1000 do
    local hits = redis.call('SMISMEMBER', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
    for _, hit in ipairs(hits) do
        found = found + hit
    end
end
return {redis.call('SCARD', KEYS[1]), found}
"""

# KEYS[1], KEYS[2]: two sets in one hash slot.
# Returns {SCARD 1, SCARD 2, size of their intersection}, from which every
# comparison follows.  (SINTER rather than SINTERCARD: Redis 6.2 has no
# SINTERCARD; the intersection stays inside the server either way.)
_COMPARE = """
local common = redis.call('SINTER', KEYS[1], KEYS[2])
return {redis.call('SCARD', KEYS[1]), redis.call('SCARD', KEYS[2]), #common}
"""

# KEYS[1], KEYS[2]: two sets in one hash slot.
# Returns {members of 1 not in 2, members of 2 not in 1}: Redis has no
# symmetric-difference command; one script keeps the two reads atomic.
_SYMDIFF = """
return {redis.call('SDIFF', KEYS[1], KEYS[2]), redis.call('SDIFF', KEYS[2], KEYS[1])}
"""

# KEYS[1], KEYS[2]: two sets in one hash slot.
# Replace set 1 by the symmetric difference of 1 and 2, atomically.
_SYMDIFF_STORE = """
local only1 = redis.call('SDIFF', KEYS[1], KEYS[2])
local only2 = redis.call('SDIFF', KEYS[2], KEYS[1])
redis.call('DEL', KEYS[1])
for _, members in ipairs({only1, only2}) do
    for i = 1, #members, 1000 do
        redis.call('SADD', KEYS[1], unpack(members, i, math.min(i + 999, #members)))
    end
end
return #only1 + #only2
"""

# KEYS[1]: the set.  ARGV: member texts to keep.
# Remove every member not in ARGV (intersection_update with a plain set).
_KEEP = """
local keep = {}
for _, member in ipairs(ARGV) do
    keep[member] = true
end
local doomed = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if not keep[member] then
        doomed[#doomed + 1] = member
    end
end
for i = 1, #doomed, 1000 do
    redis.call('SREM', KEYS[1], unpack(doomed, i, math.min(i + 999, #doomed)))
end
return #doomed
"""

# KEYS[1]: the set.  ARGV: distinct member texts.
# Toggle each one's membership (symmetric_difference_update with a plain set).
_TOGGLE = """
for _, member in ipairs(ARGV) do
    if redis.call('SREM', KEYS[1], member) == 0 then
        redis.call('SADD', KEYS[1], member)
    end
end
return #ARGV
"""


def _encoded_or_none(item: Any) -> str | None:
    # For membership questions: an item JSON cannot encode can never be a
    # member, so it is simply absent -- as ``object() in set()`` is False.
    # Unhashable items still raise TypeError, as they do for set.
    try:
        return encode_key(item)
    except TypeError:
        hash(item)
        return None


class RedisSet(Base, MutableSet[_T]):
    """A ``set`` stored in a Redis set, shared by every client of that key.

    >>> basket = RedisSet({'apple', 'orange', 'pear'}, redis=redis, key='basket')
    >>> sorted(basket)
    ['apple', 'orange', 'pear']
    >>> 'orange' in basket
    True
    >>> sorted(basket & {'pear', 'kiwi'})
    ['pear']

    Members must be JSON serializable (anything else raises ``TypeError``
    and nothing is written); members equal in Python (``1``, ``1.0``,
    ``True``) are one member, read back as the ``int``; tuples stay tuples.

    Operators and methods that make a new set return a plain ``set`` (no
    Redis key is created); see the module docstring for what each costs.
    Constructing with members requires the key to be new, and raises
    :class:`~pottery.exceptions.KeyExistsError` otherwise, leaving the
    existing data alone: to add to an existing set, construct without
    members and call :meth:`update`.
    """

    _redis_type: ClassVar[str] = 'set'

    def __init__(
        self, iterable: Iterable[_T] = (), /, *, redis: RedisClient | None = None, key: str | None = None
    ) -> None:
        """Complexity: O(n), 1 round trip with members (none without)."""
        super().__init__(redis=redis, key=key)
        members = self._encode_all(iterable)
        if members:
            self._create('SADD', members)

    # -- codec helpers --

    @staticmethod
    def _encode_all(iterable: Iterable[Any]) -> list[str]:
        # Everything is encoded before anything is sent: a bad member raises
        # TypeError and leaves Redis untouched.
        return list(dict.fromkeys(encode_key(item) for item in iterable))

    @staticmethod
    def _encode_present(iterable: Iterable[Any]) -> list[str]:
        # The encodable items, for questions and removals (see _encoded_or_none).
        texts = (_encoded_or_none(item) for item in iterable)
        return list(dict.fromkeys(text for text in texts if text is not None))

    def _members(self) -> set[_T]:
        """All members, as a plain set.  O(n), 1 round trip (SMEMBERS)."""
        return set(decode_keys(self.redis.smembers(self.key)))

    def _plain(self, other: Iterable[Any]) -> AbstractSet[Any]:
        # Another operand as a Python set: a RedisSet elsewhere costs 1 round trip.
        if isinstance(other, RedisSet):
            return other._members()
        if isinstance(other, (set, frozenset)):
            return other
        return set(other)  # set's own TypeError for non-iterables, unhashables

    def _server_side(self, others: tuple[Any, ...]) -> bool:
        # Whether one command may read or write self and all of others.
        return bool(others) and all(isinstance(o, RedisSet) for o in others) and self._same_slot(*others)

    def _probe(self, other: AbstractSet[Any]) -> tuple[int, int]:
        # (len(self), how many of other's elements are in self): 1 round trip.
        card, found = self._eval(_PROBE, [self.key], self._encode_present(other))
        return int(card), int(found)

    def _compare(self, other: RedisSet[Any]) -> tuple[int, int, int]:
        # (len(self), len(other), len(self & other)), server-side: 1 round trip.
        card, other_card, common = self._eval(_COMPARE, [self.key, other.key], [])
        return int(card), int(other_card), int(common)

    # -- single members: 1 round trip each --

    def __contains__(self, item: object) -> bool:
        """x in S.  O(1), 1 round trip (none for an unencodable x: never a member)."""
        text = _encoded_or_none(item)
        return text is not None and bool(self.redis.sismember(self.key, text))

    def contains_many(self, *elements: Any) -> tuple[bool, ...]:
        """S.contains_many(*xs) -> a tuple of bools, one per x: whether x in S.

        O(n), 1 round trip (SMISMEMBER), consistent (one atomic read).

        >>> RedisSet('ab', redis=redis).contains_many('a', 'z', 'b')
        (True, False, True)
        """
        texts = [_encoded_or_none(item) for item in elements]
        asked = [text for text in texts if text is not None]
        if not asked:
            return (False,) * len(texts)
        hits = iter(self.redis.smismember(self.key, asked))
        return tuple(text is not None and bool(next(hits)) for text in texts)

    def __len__(self) -> int:
        """len(S).  O(1), 1 round trip (SCARD)."""
        return int(self.redis.scard(self.key))

    def add(self, value: _T) -> None:
        """S.add(x): add an element.  O(1), 1 round trip (SADD)."""
        self.redis.sadd(self.key, encode_key(value))

    def discard(self, value: _T) -> None:
        """S.discard(x): remove x if it is a member.  O(1), 1 round trip (SREM)."""
        text = _encoded_or_none(value)
        if text is not None:
            self.redis.srem(self.key, text)

    # MutableSet.remove is a membership test, then discard(): two round trips,
    # and two clients may both "remove" the same element.
    def remove(self, value: _T) -> None:
        """S.remove(x): remove x; KeyError if it is not a member.

        O(1), 1 round trip (SREM), atomic: of concurrent removers of x,
        exactly one succeeds.
        """
        text = _encoded_or_none(value)
        if text is None or not self.redis.srem(self.key, text):
            raise KeyError(value)

    # MutableSet.pop is next(iter()) then discard(): racy, 2+ round trips.
    def pop(self) -> _T:
        """S.pop() -> an arbitrary member, removed; KeyError if S is empty.

        O(1), 1 round trip (SPOP), atomic: concurrent pops never return an
        element twice.
        """
        raw = self.redis.spop(self.key)
        if raw is None:
            raise KeyError('pop from an empty set')
        return decode_key(cast(str, raw))  # type: ignore[no-any-return]

    # MutableSet.clear calls pop() until KeyError: O(n) round trips.
    def clear(self) -> None:
        """S.clear(): remove all members.  1 round trip (UNLINK)."""
        self.redis.unlink(self.key)

    # -- iteration --

    def __iter__(self) -> Iterator[_T]:
        """iter(S).  O(n), 1 round trip per chunk of about 1,000 members (SSCAN).

        As for any SSCAN, a member added or removed during the iteration may
        or may not be seen; every member present throughout is seen once.
        """
        seen: set[Any] = set()  # SSCAN may repeat a member while rehashing
        cursor = 0
        while True:
            cursor, page = self.redis.sscan(self.key, cursor, count=CHUNK)
            fresh = [raw for raw in page if raw not in seen]
            seen.update(fresh)
            yield from decode_keys(fresh)
            if not cursor:
                return

    def __repr__(self) -> str:
        """RedisSet{...}, the members sorted when they can be.  1 round trip."""
        members = list(self._members())
        with contextlib.suppress(TypeError):  # mixed types: arbitrary order, as set's own
            members.sort()
        return f'{type(self).__name__}{{{", ".join(map(repr, members))}}}'

    def to_set(self) -> set[_T]:
        """Return a plain set copy of S.  O(n), 1 round trip (SMEMBERS), atomic."""
        return self._members()

    def copy(self) -> RedisSet[_T]:
        """S.copy() -> a new RedisSet with the same members, at a random key.

        O(n); on one standalone server 1 round trip (COPY, server-side), on a
        cluster 2 (the random key usually lives on another node).
        """
        new: RedisSet[_T] = type(self)(redis=self.redis)
        if self._clustered:
            raws = self.redis.smembers(self.key)
            if raws:
                new.redis.sadd(new.key, *raws)
        else:
            self.redis.copy(self.key, new.key)
        return new

    # -- methods that return a new plain set --

    def union(self, *others: Iterable[Any]) -> set[Any]:
        """S.union(*others) -> a plain set of the members of S or of any other.

        O(n), 1 round trip (SMEMBERS; SUNION server-side when every other is
        a RedisSet in the same slot); +1 per RedisSet elsewhere.
        """
        if self._server_side(others):
            keys = [self.key, *(cast(RedisSet[Any], other).key for other in others)]
            return set(decode_keys(self.redis.sunion(keys)))
        plains = [self._plain(other) for other in others]
        return self._members().union(*plains)

    def intersection(self, *others: Iterable[Any]) -> set[Any]:
        """S.intersection(*others) -> a plain set of the members of S and every other.

        O(len(others)), 1 round trip (SMISMEMBER of the others' common
        elements; SINTER server-side when every other is a RedisSet in the
        same slot); +1 per RedisSet elsewhere.
        """
        if not others:
            return self._members()
        if self._server_side(others):
            keys = [self.key, *(cast(RedisSet[Any], other).key for other in others)]
            return set(decode_keys(self.redis.sinter(keys)))
        first, *rest = (self._plain(other) for other in others)
        candidates = list(set(first).intersection(*rest))
        return {item for item, hit in zip(candidates, self.contains_many(*candidates), strict=True) if hit}

    def difference(self, *others: Iterable[Any]) -> set[Any]:
        """S.difference(*others) -> a plain set of the members of S in no other.

        O(n), 1 round trip (SMEMBERS; SDIFF server-side when every other is a
        RedisSet in the same slot); +1 per RedisSet elsewhere.
        """
        if self._server_side(others):
            keys = [self.key, *(cast(RedisSet[Any], other).key for other in others)]
            return set(decode_keys(self.redis.sdiff(keys)))
        plains = [self._plain(other) for other in others]
        return self._members().difference(*plains)

    def symmetric_difference(self, other: Iterable[Any], /) -> set[Any]:
        """S.symmetric_difference(other) -> a plain set of what is in exactly one.

        O(n), 1 round trip (SMEMBERS; a server-side script with a RedisSet in
        the same slot); +1 with a RedisSet elsewhere.
        """
        if self._server_side((other,)):
            only_self, only_other = self._eval(_SYMDIFF, [self.key, cast(RedisSet[Any], other).key], [])
            return set(decode_keys([*only_self, *only_other]))
        plain = self._plain(other)
        return self._members().symmetric_difference(plain)

    # -- comparisons: only counts come back --

    def issubset(self, other: Iterable[Any], /) -> bool:
        """S.issubset(other) -> whether every member of S is in other.

        O(len(other)), 1 round trip (a script sending other's elements and
        returning 2 counts; server-side with a RedisSet in the same slot);
        +1 with a RedisSet elsewhere.
        """
        if self._server_side((other,)):
            card, _, common = self._compare(cast(RedisSet[Any], other))
            return card == common
        card, found = self._probe(self._plain(other))
        return card == found

    def issuperset(self, other: Iterable[Any], /) -> bool:
        """S.issuperset(other) -> whether every element of other is in S.

        O(len(other)), 1 round trip; +1 with a RedisSet elsewhere.
        """
        if self._server_side((other,)):
            _, other_card, common = self._compare(cast(RedisSet[Any], other))
            return other_card == common
        plain = self._plain(other)
        _, found = self._probe(plain)
        return found == len(plain)

    def isdisjoint(self, other: Iterable[Any], /) -> bool:
        """S.isdisjoint(other) -> whether S and other have no element in common.

        O(len(other)), 1 round trip; +1 with a RedisSet elsewhere.
        """
        if self._server_side((other,)):
            return self._compare(cast(RedisSet[Any], other))[2] == 0
        _, found = self._probe(self._plain(other))
        return found == 0

    def _relation(self, other: AbstractSet[Any]) -> tuple[int, int, int]:
        # (len(self), len(other), len(self & other)) for the operators.
        if self._server_side((other,)):
            return self._compare(cast(RedisSet[Any], other))
        plain = self._plain(other)
        card, found = self._probe(plain)
        return card, len(plain), found

    # Set's mixin comparisons iterate both sides with a round trip per
    # element; these send other's elements once and get counts back.
    def __le__(self, other: object) -> bool:
        """S <= other: S is a subset of the set other.  O(len(other)), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        card, _, common = self._relation(other)
        return card == common

    def __lt__(self, other: object) -> bool:
        """S < other: S is a proper subset of other.  O(len(other)), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        card, other_card, common = self._relation(other)
        return card == common and card < other_card

    def __ge__(self, other: object) -> bool:
        """S >= other: S is a superset of the set other.  O(len(other)), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        _, other_card, common = self._relation(other)
        return other_card == common

    def __gt__(self, other: object) -> bool:
        """S > other: S is a proper superset of other.  O(len(other)), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        card, other_card, common = self._relation(other)
        return other_card == common and card > other_card

    def __eq__(self, other: object) -> bool:
        """S == other: same elements as the set other.  O(len(other)), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        if isinstance(other, RedisSet) and self._same_redis(other) and self.key == other.key:
            return True
        card, other_card, common = self._relation(other)
        return card == other_card == common

    __hash__ = None  # type: ignore[assignment]  # mutable, as set

    # -- binary operators: plain sets, like set's (set-like operands only) --

    # Set's mixin operators build the result with a round trip per element.
    def __or__(self, other: object) -> set[Any]:
        """S | other -> a plain set.  O(n), 1 round trip (see union)."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return self.union(other)

    def __ror__(self, other: object) -> set[Any]:
        """other | S -> a plain set.  O(n), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return set(other) | self._members()

    def __and__(self, other: object) -> set[Any]:
        """S & other -> a plain set.  O(len(other)), 1 round trip (see intersection)."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return self.intersection(other)

    def __rand__(self, other: object) -> set[Any]:
        """other & S -> a plain set.  O(len(other)), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return self.intersection(other)

    def __sub__(self, other: object) -> set[Any]:
        """S - other -> a plain set.  O(n), 1 round trip (see difference)."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return self.difference(other)

    def __rsub__(self, other: object) -> set[Any]:
        """other - S -> a plain set.  O(len(other)), 1 round trip (SMISMEMBER)."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        items = list(other)
        return {item for item, hit in zip(items, self.contains_many(*items), strict=True) if not hit}

    def __xor__(self, other: object) -> set[Any]:
        """S ^ other -> a plain set.  O(n), 1 round trip (see symmetric_difference)."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return self.symmetric_difference(other)

    def __rxor__(self, other: object) -> set[Any]:
        """other ^ S -> a plain set.  O(n), 1 round trip."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return set(other) ^ self._members()

    # -- in-place updates: atomic writes --

    # MutableSet has no update(); its |= adds one element per round trip.
    def update(self, *others: Iterable[_T]) -> None:
        """S.update(*others): add every element of every other.

        O(n), 1 round trip, atomic (SADD, or SUNIONSTORE with RedisSets in the
        same slot); +1 per RedisSet elsewhere.  Nothing is written if an
        element cannot be encoded.
        """
        if self._server_side(others):
            keys = [cast(RedisSet[Any], other).key for other in others]
            self.redis.sunionstore(self.key, [self.key, *keys])
            return
        members = self._encode_all(item for other in others for item in self._plain(other))
        if members:
            self.redis.sadd(self.key, *members)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        """S.intersection_update(*others): keep only elements found in every other.

        O(n + len(others)), 1 round trip, atomic (a script, or SINTERSTORE
        with RedisSets in the same slot); +1 per RedisSet elsewhere.
        """
        if not others:
            return
        if self._server_side(others):
            keys = [cast(RedisSet[Any], other).key for other in others]
            self.redis.sinterstore(self.key, [self.key, *keys])
            return
        first, *rest = (self._plain(other) for other in others)
        keep = self._encode_present(set(first).intersection(*rest))
        self._eval(_KEEP, [self.key], keep)

    def difference_update(self, *others: Iterable[Any]) -> None:
        """S.difference_update(*others): remove every element of every other.

        O(len(others)), 1 round trip, atomic (SREM, or SDIFFSTORE with
        RedisSets in the same slot); +1 per RedisSet elsewhere.
        """
        if self._server_side(others):
            keys = [cast(RedisSet[Any], other).key for other in others]
            self.redis.sdiffstore(self.key, [self.key, *keys])
            return
        doomed = self._encode_present(item for other in others for item in self._plain(other))
        if doomed:
            self.redis.srem(self.key, *doomed)

    def symmetric_difference_update(self, other: Iterable[_T], /) -> None:
        """S.symmetric_difference_update(other): keep what is in exactly one.

        O(len(other)), 1 round trip, atomic (a script; server-side with a
        RedisSet in the same slot); +1 with a RedisSet elsewhere.  Nothing is
        written if an element cannot be encoded.
        """
        if self._server_side((other,)):
            self._eval(_SYMDIFF_STORE, [self.key, cast(RedisSet[Any], other).key], [])
            return
        toggled = self._encode_all(self._plain(other))
        if toggled:
            self._eval(_TOGGLE, [self.key], toggled)

    # MutableSet's in-place operators loop over the other operand, one round
    # trip per element; these are the atomic bulk methods above.  Like set's,
    # they take set-like operands only (s |= [1] is a TypeError).
    def __ior__(self, other: AbstractSet[_T]) -> RedisSet[_T]:  # type: ignore[override,misc]  # set-like only
        """S |= other: S.update(other).  O(n), 1 round trip, atomic."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        self.update(other)
        return self

    def __iand__(self, other: AbstractSet[Any]) -> RedisSet[_T]:  # type: ignore[misc]  # returns self, while the binary operator returns a plain set
        """S &= other: S.intersection_update(other).  O(n), 1 round trip, atomic."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        self.intersection_update(other)
        return self

    def __isub__(self, other: AbstractSet[Any]) -> RedisSet[_T]:  # type: ignore[misc]  # returns self, while the binary operator returns a plain set
        """S -= other: S.difference_update(other).  O(len(other)), 1 round trip, atomic."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        self.difference_update(other)
        return self

    def __ixor__(self, other: AbstractSet[_T]) -> RedisSet[_T]:  # type: ignore[override,misc]  # set-like only
        """S ^= other: S.symmetric_difference_update(other).  1 round trip, atomic."""
        if not isinstance(other, AbstractSet):
            return NotImplemented
        self.symmetric_difference_update(other)
        return self
