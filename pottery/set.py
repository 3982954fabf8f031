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

Every operation is written once, in :class:`SetCore`; the sync
:class:`RedisSet` adds its ``repr`` and the ``collections.abc.MutableSet``
base, ``pottery.asyncio.RedisSet`` is its asyncio twin.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, MutableSet
from collections.abc import Set as AbstractSet
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar, cast

from pottery.base import COPY_TYPED, LUA_SLICES, Expiring, SyncFront, decode_key, decode_keys, encode_key, lookup_key
from pottery.command import Call, Items, On, Op, Script, iteration, operation

__all__ = ['RedisSet', 'SetCore']

_T = TypeVar('_T')

# Members per SSCAN page, and per variadic command inside scripts (Lua's
# unpack() is limited to a few thousand values).
CHUNK = 1000

# KEYS[1]: the set.  ARGV: distinct member texts.
# Returns {SCARD, how many of ARGV are members}: every comparison with a
# plain set follows from these two numbers and len(other), so it costs one
# round trip and sends back two integers instead of the whole set.
_PROBE = Script(
    LUA_SLICES
    + """
local found = 0
slices(1, 1000, function(...)
    for _, hit in ipairs(redis.call('SMISMEMBER', KEYS[1], ...)) do
        found = found + hit
    end
end)
return {redis.call('SCARD', KEYS[1]), found}
"""
)

# KEYS[1], KEYS[2]: two sets in one hash slot.
# Returns {SCARD 1, SCARD 2, size of their intersection}, from which every
# comparison follows.  (SINTER rather than SINTERCARD: Redis 6.2 has no
# SINTERCARD; the intersection stays inside the server either way.)
_COMPARE = Script("""
local common = redis.call('SINTER', KEYS[1], KEYS[2])
return {redis.call('SCARD', KEYS[1]), redis.call('SCARD', KEYS[2]), #common}
""")

# KEYS[1], KEYS[2]: two sets in one hash slot.
# Returns {members of 1 not in 2, members of 2 not in 1}: Redis has no
# symmetric-difference command; one script keeps the two reads atomic.
_SYMDIFF = Script("""
return {redis.call('SDIFF', KEYS[1], KEYS[2]), redis.call('SDIFF', KEYS[2], KEYS[1])}
""")

# KEYS[1], KEYS[2]: two sets in one hash slot.
# Replace set 1 by the symmetric difference of 1 and 2, atomically: the
# union, less the intersection.  (The members come from the server, not
# ARGV, so LUA_SLICES does not apply; SREM them 1,000 at a time.)
_SYMDIFF_STORE = Script("""
local common = redis.call('SINTER', KEYS[1], KEYS[2])
redis.call('SUNIONSTORE', KEYS[1], KEYS[1], KEYS[2])
for i = 1, #common, 1000 do
    redis.call('SREM', KEYS[1], unpack(common, i, math.min(i + 999, #common)))
end
return redis.call('SCARD', KEYS[1])
""")


# KEYS[1]: the set.  ARGV: member texts to keep.
# Remove every member not in ARGV (intersection_update with a plain set):
# SINTER against a set of ARGV would need a scratch key in the same slot,
# so the script marks ARGV in a Lua table instead.
_KEEP = Script("""
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
""")

# KEYS[1]: the set.  ARGV: distinct member texts.
# Toggle each one's membership (symmetric_difference_update with a plain set).
_TOGGLE = Script("""
for _, member in ipairs(ARGV) do
    if redis.call('SREM', KEYS[1], member) == 0 then
        redis.call('SADD', KEYS[1], member)
    end
end
return #ARGV
""")


def _encode_all(iterable: Iterable[Any]) -> list[str]:
    # Everything is encoded before anything is sent: a bad member raises
    # TypeError and leaves Redis untouched.
    return list(dict.fromkeys(encode_key(item) for item in iterable))


def _lookup_member(item: Any) -> str | None:
    # set looks a set argument up as a frozenset (in, discard, remove), and a
    # frozenset is never stored (JSON cannot encode it): never a member.
    return None if isinstance(item, set) else lookup_key(item)


def _encode_present(iterable: Iterable[Any]) -> list[str]:
    # The encodable items, for questions and removals: an item that cannot
    # be stored is never a member (see lookup_key).
    texts = (lookup_key(item) for item in iterable)
    return list(dict.fromkeys(text for text in texts if text is not None))


def _setlike(other: object) -> bool:
    # What set's operators accept: a collections.abc.Set, or a RedisSet of
    # either front (the asyncio one is no collections.abc.Set).
    return isinstance(other, (AbstractSet, SetCore))


class SetCore(Expiring, Generic[_T]):
    """The operations of a Redis set used as a set, for every front.

    Layout, semantics and costs are described in the module docstring.
    """

    _redis_type: ClassVar[str] = 'set'

    # An asyncio RedisSet cannot await in an operator: each names its method.
    _blocking_hints: ClassVar[dict[str, str]] = {
        '__or__': 'await x.union(other)',
        '__ror__': 'await x.union(other)',
        '__and__': 'await x.intersection(other)',
        '__rand__': 'await x.intersection(other)',
        '__sub__': 'await x.difference(other)',
        '__rsub__': 'other - await x.to_set()',
        '__xor__': 'await x.symmetric_difference(other)',
        '__rxor__': 'await x.symmetric_difference(other)',
        '__le__': 'await x.issubset(other)',
        '__lt__': 'await x.issubset(other) and not await x.equals(other)',
        '__ge__': 'await x.issuperset(other)',
        '__gt__': 'await x.issuperset(other) and not await x.equals(other)',
        '__ior__': 'await x.update(other)',
        '__iand__': 'await x.intersection_update(other)',
        '__isub__': 'await x.difference_update(other)',
        '__ixor__': 'await x.symmetric_difference_update(other)',
    }

    def __init__(
        self,
        iterable: Iterable[_T] = (),
        /,
        *,
        redis: Any = None,
        key: str | None = None,
        ttl: float | timedelta | None = None,
    ) -> None:
        """Complexity: O(n), 1 round trip with members (none without; see
        :class:`~pottery.base.Expiring` for ``ttl=``)."""
        super().__init__(redis=redis, key=key, ttl=ttl)
        members = _encode_all(iterable)
        if members:
            self._start(self._create_op('SADD', members))
        else:
            self._start_expiry()

    # -- helpers: generators that operations yield from --

    def _members(self) -> Op[set[_T]]:
        # All members, as a plain set.  O(n), 1 round trip (SMEMBERS).
        return set(decode_keys((yield Call('SMEMBERS', self.key))))

    def _plain(self, other: Iterable[Any]) -> Op[AbstractSet[Any]]:
        # Another operand as a Python set: a RedisSet elsewhere costs 1 round trip.
        if isinstance(other, SetCore):
            return set(decode_keys((yield On(other.redis, Call('SMEMBERS', other.key)))))
        if isinstance(other, (set, frozenset)):
            return other
        return set(other)  # set's own TypeError for non-iterables, unhashables

    def _plains(self, others: Iterable[Iterable[Any]]) -> Op[list[AbstractSet[Any]]]:
        plains = []
        for other in others:
            plains.append((yield from self._plain(other)))
        return plains

    def _server_side(self, others: tuple[Any, ...]) -> bool:
        # Whether one command may read or write self and all of others.
        return bool(others) and all(isinstance(o, SetCore) for o in others) and self._same_slot(*others)

    def _keys(self, others: tuple[Any, ...]) -> list[str]:
        return [self.key, *(other.key for other in others)]

    def _probe(self, other: AbstractSet[Any]) -> Op[tuple[int, int]]:
        # (len(self), how many of other's elements are in self): 1 round trip.
        card, found = yield _PROBE([self.key], _encode_present(other))
        return int(card), int(found)

    def _compare(self, other: SetCore[Any]) -> Op[tuple[int, int, int]]:
        # (len(self), len(other), len(self & other)), server-side: 1 round trip.
        card, other_card, common = yield _COMPARE([self.key, other.key])
        return int(card), int(other_card), int(common)

    def _relation(self, other: Iterable[Any]) -> Op[tuple[int, int, int]]:
        # (len(self), len(other), len(self & other)) for the comparisons.
        if self._server_side((other,)):
            return (yield from self._compare(other))  # type: ignore[arg-type]  # a SetCore, checked above
        plain = yield from self._plain(other)
        card, found = yield from self._probe(plain)
        return card, len(plain), found

    def _contains_many(self, elements: Iterable[Any]) -> Op[tuple[bool, ...]]:
        texts = [_lookup_member(item) for item in elements]
        asked = [text for text in texts if text is not None]
        if not asked:
            return (False,) * len(texts)
        hits = iter((yield Call('SMISMEMBER', self.key, *asked)))
        return tuple(text is not None and bool(next(hits)) for text in texts)

    # -- single members: 1 round trip each --

    @operation
    def contains(self, item: object) -> Op[bool]:
        """x in S.  O(1), 1 round trip (none for an unencodable x: never a member)."""
        text = _lookup_member(item)
        return text is not None and bool((yield Call('SISMEMBER', self.key, text)))

    __contains__ = contains

    @operation
    def contains_many(self, *elements: Any) -> Op[tuple[bool, ...]]:
        """S.contains_many(*xs) -> a tuple of bools, one per x: whether x in S.

        O(n), 1 round trip (SMISMEMBER), consistent (one atomic read).

        >>> RedisSet('ab', redis=redis).contains_many('a', 'z', 'b')
        (True, False, True)
        """
        return (yield from self._contains_many(elements))

    @operation
    def len(self) -> Op[int]:
        """len(S).  O(1), 1 round trip (SCARD)."""
        return int((yield Call('SCARD', self.key)))

    __len__ = len

    @operation
    def add(self, value: _T) -> Op[None]:
        """S.add(x): add an element.  O(1), 1 round trip (SADD)."""
        yield Call('SADD', self.key, encode_key(value))

    @operation
    def discard(self, value: _T) -> Op[None]:
        """S.discard(x): remove x if it is a member.  O(1), 1 round trip (SREM)."""
        text = _lookup_member(value)
        if text is not None:
            yield Call('SREM', self.key, text)

    # MutableSet.remove is a membership test, then discard(): two round trips,
    # and two clients may both "remove" the same element.
    @operation
    def remove(self, value: _T) -> Op[None]:
        """S.remove(x): remove x; KeyError if it is not a member.

        O(1), 1 round trip (SREM), atomic: of concurrent removers of x,
        exactly one succeeds.
        """
        text = _lookup_member(value)
        if text is None or not (yield Call('SREM', self.key, text)):
            raise KeyError(value)

    # MutableSet.pop is next(iter()) then discard(): racy, 2+ round trips.
    @operation
    def pop(self) -> Op[_T]:
        """S.pop() -> an arbitrary member, removed; KeyError if S is empty.

        O(1), 1 round trip (SPOP), atomic: concurrent pops never return an
        element twice.
        """
        raw = yield Call('SPOP', self.key)
        if raw is None:
            raise KeyError('pop from an empty set')
        return decode_key(raw)  # type: ignore[no-any-return]  # a member

    # MutableSet.clear calls pop() until KeyError: O(n) round trips.
    @operation
    def clear(self) -> Op[None]:
        """S.clear(): remove all members.  1 round trip (UNLINK)."""
        yield Call('UNLINK', self.key)

    # -- iteration --

    @iteration
    def iter_members(self) -> Op[None]:
        """iter(S).  O(n), 1 round trip per chunk of about 1,000 members (SSCAN).

        As for any SSCAN, a member added or removed during the iteration may
        or may not be seen; every member present throughout is seen once.
        """
        seen: set[Any] = set()  # SSCAN may repeat a member while rehashing
        cursor = 0
        while True:
            cursor, page = yield Call('SSCAN', self.key, cursor, 'COUNT', CHUNK)
            fresh = [raw for raw in page if raw not in seen]
            seen.update(fresh)
            if fresh:
                yield Items(decode_keys(fresh))
            if not int(cursor):
                return

    __iter__: iteration[[], _T] = iter_members

    @operation
    def to_set(self) -> Op[set[_T]]:
        """Return a plain set copy of S.  O(n), 1 round trip (SMEMBERS), atomic."""
        return (yield from self._members())

    @operation
    def copy(self) -> Op[Any]:
        """S.copy() -> a new RedisSet with the same members, at a random key.

        O(n); on one standalone server 1 round trip (COPY in a script,
        server-side), on a cluster 2 (the random key usually lives on
        another node).
        """
        new = type(self)(redis=self.redis)
        if self._clustered:
            raws = yield Call('SMEMBERS', self.key)
            if raws:
                yield Call('SADD', new.key, *raws)
        else:
            yield COPY_TYPED([self.key, new.key], ['set'])
        return new

    # -- methods that return a new plain set --

    @operation
    def union(self, *others: Iterable[Any]) -> Op[set[Any]]:
        """S.union(*others) -> a plain set of the members of S or of any other.

        O(n), 1 round trip (SMEMBERS; SUNION server-side when every other is
        a RedisSet in the same slot); +1 per RedisSet elsewhere.
        """
        return (yield from self._union(others))

    def _union(self, others: tuple[Any, ...]) -> Op[set[Any]]:
        if self._server_side(others):
            return set(decode_keys((yield Call('SUNION', *self._keys(others)))))
        plains = yield from self._plains(others)
        return (yield from self._members()).union(*plains)

    def _intersection(self, others: tuple[Any, ...]) -> Op[set[Any]]:
        if not others:
            return (yield from self._members())
        if self._server_side(others):
            return set(decode_keys((yield Call('SINTER', *self._keys(others)))))
        first, *rest = yield from self._plains(others)
        candidates = list(set(first).intersection(*rest))
        hits = yield from self._contains_many(candidates)
        return {item for item, hit in zip(candidates, hits, strict=True) if hit}

    @operation
    def intersection(self, *others: Iterable[Any]) -> Op[set[Any]]:
        """S.intersection(*others) -> a plain set of the members of S and every other.

        O(len(others)), 1 round trip (SMISMEMBER of the others' common
        elements; SINTER server-side when every other is a RedisSet in the
        same slot); +1 per RedisSet elsewhere.
        """
        return (yield from self._intersection(others))

    @operation
    def difference(self, *others: Iterable[Any]) -> Op[set[Any]]:
        """S.difference(*others) -> a plain set of the members of S in no other.

        O(n), 1 round trip (SMEMBERS; SDIFF server-side when every other is a
        RedisSet in the same slot); +1 per RedisSet elsewhere.
        """
        return (yield from self._difference(others))

    def _difference(self, others: tuple[Any, ...]) -> Op[set[Any]]:
        if self._server_side(others):
            return set(decode_keys((yield Call('SDIFF', *self._keys(others)))))
        plains = yield from self._plains(others)
        return (yield from self._members()).difference(*plains)

    @operation
    def symmetric_difference(self, other: Iterable[Any], /) -> Op[set[Any]]:
        """S.symmetric_difference(other) -> a plain set of what is in exactly one.

        O(n), 1 round trip (SMEMBERS; a server-side script with a RedisSet in
        the same slot); +1 with a RedisSet elsewhere.
        """
        return (yield from self._symmetric_difference(other))

    def _symmetric_difference(self, other: Iterable[Any]) -> Op[set[Any]]:
        if self._server_side((other,)):
            only_self, only_other = yield _SYMDIFF(self._keys((other,)))
            return set(decode_keys([*only_self, *only_other]))
        plain = yield from self._plain(other)
        return (yield from self._members()).symmetric_difference(plain)

    # -- comparisons: only counts come back --

    @operation
    def issubset(self, other: Iterable[Any], /) -> Op[bool]:
        """S.issubset(other) -> whether every member of S is in other.

        O(len(other)), 1 round trip (a script sending other's elements and
        returning 2 counts; server-side with a RedisSet in the same slot);
        +1 with a RedisSet elsewhere.
        """
        card, _, common = yield from self._relation(other)
        return card == common

    @operation
    def issuperset(self, other: Iterable[Any], /) -> Op[bool]:
        """S.issuperset(other) -> whether every element of other is in S.

        O(len(other)), 1 round trip; +1 with a RedisSet elsewhere.
        """
        _, other_card, common = yield from self._relation(other)
        return other_card == common

    @operation
    def isdisjoint(self, other: Iterable[Any], /) -> Op[bool]:
        """S.isdisjoint(other) -> whether S and other have no element in common.

        O(len(other)), 1 round trip; +1 with a RedisSet elsewhere.
        """
        return (yield from self._relation(other))[2] == 0

    # Set's mixin comparisons iterate both sides with a round trip per
    # element; these send other's elements once and get counts back.
    @operation
    def __le__(self, other: object) -> Op[bool]:
        """S <= other: S is a subset of the set other.  O(len(other)), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        card, _, common = yield from self._relation(other)  # type: ignore[arg-type]  # set-like
        return card == common

    @operation
    def __lt__(self, other: object) -> Op[bool]:
        """S < other: S is a proper subset of other.  O(len(other)), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        card, other_card, common = yield from self._relation(other)  # type: ignore[arg-type]  # set-like
        return card == common and card < other_card

    @operation
    def __ge__(self, other: object) -> Op[bool]:
        """S >= other: S is a superset of the set other.  O(len(other)), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        _, other_card, common = yield from self._relation(other)  # type: ignore[arg-type]  # set-like
        return other_card == common

    @operation
    def __gt__(self, other: object) -> Op[bool]:
        """S > other: S is a proper superset of other.  O(len(other)), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        card, other_card, common = yield from self._relation(other)  # type: ignore[arg-type]  # set-like
        return other_card == common and card > other_card

    @operation
    def equals(self, other: object) -> Op[bool]:
        """S == other: same elements as the set other.  O(len(other)), 1 round trip."""
        if not _setlike(other):
            return False
        if isinstance(other, SetCore) and self._same_redis(other) and self.key == other.key:
            return True
        card, other_card, common = yield from self._relation(other)  # type: ignore[arg-type]  # set-like
        return card == other_card == common

    __eq__ = equals  # each front gives == its own form
    __hash__ = None  # type: ignore[assignment]  # mutable, as set

    # -- binary operators: plain sets, like set's (set-like operands only) --

    # Set's mixin operators build the result with a round trip per element.
    @operation
    def __or__(self, other: object) -> Op[set[Any]]:
        """S | other -> a plain set.  O(n), 1 round trip (see union)."""
        if not _setlike(other):
            return NotImplemented
        return (yield from self._union((other,)))

    @operation
    def __ror__(self, other: object) -> Op[set[Any]]:
        """other | S -> a plain set.  O(n), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        return set(cast(AbstractSet[Any], other)) | (yield from self._members())

    @operation
    def __and__(self, other: object) -> Op[set[Any]]:
        """S & other -> a plain set.  O(len(other)), 1 round trip (see intersection)."""
        if not _setlike(other):
            return NotImplemented
        return (yield from self._intersection((other,)))

    @operation
    def __rand__(self, other: object) -> Op[set[Any]]:
        """other & S -> a plain set.  O(len(other)), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        return (yield from self._intersection((other,)))

    @operation
    def __sub__(self, other: object) -> Op[set[Any]]:
        """S - other -> a plain set.  O(n), 1 round trip (see difference)."""
        if not _setlike(other):
            return NotImplemented
        return (yield from self._difference((other,)))

    @operation
    def __rsub__(self, other: object) -> Op[set[Any]]:
        """other - S -> a plain set.  O(len(other)), 1 round trip (SMISMEMBER)."""
        if not _setlike(other):
            return NotImplemented
        items = list(cast(AbstractSet[Any], other))
        hits = yield from self._contains_many(items)
        return {item for item, hit in zip(items, hits, strict=True) if not hit}

    @operation
    def __xor__(self, other: object) -> Op[set[Any]]:
        """S ^ other -> a plain set.  O(n), 1 round trip (see symmetric_difference)."""
        if not _setlike(other):
            return NotImplemented
        return (yield from self._symmetric_difference(other))  # type: ignore[arg-type]  # set-like

    @operation
    def __rxor__(self, other: object) -> Op[set[Any]]:
        """other ^ S -> a plain set.  O(n), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        return set(cast(AbstractSet[Any], other)) ^ (yield from self._members())

    # -- in-place updates: atomic writes --

    # MutableSet has no update(); its |= adds one element per round trip.
    @operation
    def update(self, *others: Iterable[_T]) -> Op[None]:
        """S.update(*others): add every element of every other.

        O(n), 1 round trip, atomic (SADD, or SUNIONSTORE with RedisSets in the
        same slot); +1 per RedisSet elsewhere.  Nothing is written if an
        element cannot be encoded.
        """
        if self._server_side(others):
            yield Call('SUNIONSTORE', self.key, *self._keys(others))
            return
        plains = yield from self._plains(others)
        members = _encode_all(item for plain in plains for item in plain)
        if members:
            yield Call('SADD', self.key, *members)

    @operation
    def intersection_update(self, *others: Iterable[Any]) -> Op[None]:
        """S.intersection_update(*others): keep only elements found in every other.

        O(n + len(others)), 1 round trip, atomic (a script, or SINTERSTORE
        with RedisSets in the same slot); +1 per RedisSet elsewhere.
        """
        if not others:
            return
        if self._server_side(others):
            yield Call('SINTERSTORE', self.key, *self._keys(others))
            return
        first, *rest = yield from self._plains(others)
        yield _KEEP([self.key], _encode_present(set(first).intersection(*rest)))

    @operation
    def difference_update(self, *others: Iterable[Any]) -> Op[None]:
        """S.difference_update(*others): remove every element of every other.

        O(len(others)), 1 round trip, atomic (SREM, or SDIFFSTORE with
        RedisSets in the same slot); +1 per RedisSet elsewhere.
        """
        if self._server_side(others):
            yield Call('SDIFFSTORE', self.key, *self._keys(others))
            return
        plains = yield from self._plains(others)
        doomed = _encode_present(item for plain in plains for item in plain)
        if doomed:
            yield Call('SREM', self.key, *doomed)

    @operation
    def symmetric_difference_update(self, other: Iterable[_T], /) -> Op[None]:
        """S.symmetric_difference_update(other): keep what is in exactly one.

        O(len(other)), 1 round trip, atomic (a script; server-side with a
        RedisSet in the same slot); +1 with a RedisSet elsewhere.  Nothing is
        written if an element cannot be encoded.
        """
        if self._server_side((other,)):
            yield _SYMDIFF_STORE(self._keys((other,)))
            return
        toggled = _encode_all((yield from self._plain(other)))
        if toggled:
            yield _TOGGLE([self.key], toggled)

    # MutableSet's in-place operators loop over the other operand, one round
    # trip per element; these are the atomic bulk methods above.  Like set's,
    # they take set-like operands only (s |= [1] is a TypeError).
    @operation
    def __ior__(self, other: AbstractSet[_T]) -> Op[Any]:
        """S |= other: S.update(other).  O(n), 1 round trip, atomic."""
        if not _setlike(other):
            return NotImplemented
        yield from SetCore.update.func(self, other)
        return self

    @operation
    def __iand__(self, other: AbstractSet[Any]) -> Op[Any]:
        """S &= other: S.intersection_update(other).  O(n), 1 round trip, atomic."""
        if not _setlike(other):
            return NotImplemented
        yield from SetCore.intersection_update.func(self, other)
        return self

    @operation
    def __isub__(self, other: AbstractSet[Any]) -> Op[Any]:
        """S -= other: S.difference_update(other).  O(len(other)), 1 round trip, atomic."""
        if not _setlike(other):
            return NotImplemented
        yield from SetCore.difference_update.func(self, other)
        return self

    @operation
    def __ixor__(self, other: AbstractSet[_T]) -> Op[Any]:
        """S ^= other: S.symmetric_difference_update(other).  1 round trip, atomic."""
        if not _setlike(other):
            return NotImplemented
        yield from SetCore.symmetric_difference_update.func(self, other)
        return self


class RedisSet(SetCore[_T], SyncFront, MutableSet[_T]):
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

    ``pottery.asyncio.RedisSet`` is its asyncio twin.
    """

    def __copy__(self) -> RedisSet[_T]:
        """copy.copy(s): s.copy(), an independent container at a random key."""
        return self.copy()  # type: ignore[no-any-return]  # a RedisSet

    def __deepcopy__(self, memo: dict[int, Any]) -> RedisSet[_T]:
        """copy.deepcopy(s): s.copy() (items are JSON texts: a copy is already deep)."""
        return self.copy()  # type: ignore[no-any-return]  # a RedisSet

    def __eq__(self, other: object) -> bool:
        """S == other: same elements as the set other.  O(len(other)), 1 round trip."""
        if not _setlike(other):
            return NotImplemented
        return self.equals(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, as set

    def __repr__(self) -> str:
        """RedisSet{...}, the members sorted when they can be.  1 round trip."""
        members = list(self.to_set())
        with contextlib.suppress(TypeError):  # mixed types: arbitrary order, as set's own
            members.sort()
        return f'{type(self).__name__}{{{", ".join(map(repr, members))}}}'
