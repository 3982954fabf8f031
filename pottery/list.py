"""RedisList: a ``list`` whose items live in a Redis list.

Layout: one Redis list at ``key``; each item is the text ``encode(x)`` (see
:mod:`pottery.base`), the layout of the ``pottery`` package on PyPI.

:class:`ListCore` holds every list operation once, for every front: the ones
lists and deques share come from :class:`pottery.sequence.SequenceCore`
(where the module docstring says how they stay atomic); this module adds
slices, ``pop(i)``, ``sort`` and ``copy``, with ``list``'s errors.
:class:`RedisList` is the sync front (operators, ``repr``, ``json.dumps``);
``pottery.asyncio.RedisList`` the asyncio one.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, MutableSequence
from datetime import timedelta
from typing import Any, ClassVar, SupportsIndex, TypeVar

from pottery.base import JSONSerializable, SyncFront, decode, decode_many
from pottery.command import Call, Op, Script, operation
from pottery.sequence import BIG, SEQUENCE_LIB, SSIZE_MAX, SequenceCore, comparison, search_bound, ssize

__all__ = ['ListCore', 'RedisList', 'rank']

_T = TypeVar('_T')


def _list_error(action: Callable[[list[Any]], object]) -> str:
    # The running Python's own wording, which changes between versions
    # (3.13 says 'must assign iterable to extended slice' for every step).
    try:
        action([0, 1])
    except TypeError as error:
        return str(error)
    raise AssertionError('list accepted a non-iterable')


_NOT_ITERABLE_SLICE = _list_error(lambda items: items.__setitem__(slice(0, 1), 1))  # type: ignore[call-overload]  # the error wanted
_NOT_ITERABLE_EXTENDED_SLICE = _list_error(lambda items: items.__setitem__(slice(0, 2, 2), 1))  # type: ignore[call-overload]  # the error wanted

# KEYS[1]: a new list, KEYS[2...]: source lists.  ARGV[1]: a repeat count n,
# ARGV[2...]: extra items.  Fills KEYS[1] with (sources + extra items) * n:
# RedisList + and * on one server.
CONCAT = Script(
    SEQUENCE_LIB
    + """
local items = {}
for k = 2, #KEYS do
    for _, item in ipairs(redis.call('LRANGE', KEYS[k], 0, -1)) do
        items[#items + 1] = item
    end
end
for i = 2, #ARGV do
    items[#items + 1] = ARGV[i]
end
redis.call('DEL', KEYS[1])
for _ = 1, tonumber(ARGV[1]) do
    push(KEYS[1], items, false)
end
return redis.call('LLEN', KEYS[1])
"""
)


# KEYS[1]: the list.  ARGV[1], ARGV[2], ARGV[3]: slice start, stop, step,
# with None already replaced by CPython's defaults.  Returns the slice.
GET_SLICE = Script(
    SEQUENCE_LIB
    + """
local step = tonumber(ARGV[3])
local start, stop, n = adjust(redis.call('LLEN', KEYS[1]), tonumber(ARGV[1]), tonumber(ARGV[2]), step)
if n == 0 then
    return {}
end
if step == 1 then
    return redis.call('LRANGE', KEYS[1], start, start + n - 1)
end
local last = start + (n - 1) * step
local lo = math.min(start, last)
local range = redis.call('LRANGE', KEYS[1], lo, math.max(start, last))
local out = {}
-- Count items, not positions: a loop stepping by a step near 2**53 would
-- overflow the double Lua keeps its counter in, and stop at once.
for k = 0, n - 1 do
    out[k + 1] = range[start + k * step - lo + 1]
end
return out
"""
)


# KEYS[1]: the list, KEYS[2] (optional): a list holding the new items.
# ARGV[1..3]: slice start, stop, step (as for GET_SLICE), ARGV[4...]: the
# new items (when there is no KEYS[2]).  l[start:stop:step] = items.
# Returns -1 when done, or {slice length, item count} when an extended
# slice's length differs from the number of items (nothing is written).
SET_SLICE = Script(
    SEQUENCE_LIB
    + """
local key = KEYS[1]
local len = redis.call('LLEN', key)
local step = tonumber(ARGV[3])
local start, stop, n = adjust(len, tonumber(ARGV[1]), tonumber(ARGV[2]), step)
local items
if #KEYS > 1 then
    items = redis.call('LRANGE', KEYS[2], 0, -1)
else
    items = args_from(4)
end
if step == 1 then
    if stop < start then stop = start end
    splice(key, len, start, stop, items)
    return -1
end
if #items ~= n then
    return {n, #items}
end
if n == 0 then
    return -1
end
local last = start + (n - 1) * step
local lo, hi = math.min(start, last), math.max(start, last)
local range = redis.call('LRANGE', key, lo, hi)
for k = 0, n - 1 do
    range[start + k * step - lo + 1] = items[k + 1]
end
splice(key, len, lo, hi + 1, range)
return -1
"""
)


# KEYS[1]: the list.  ARGV[1..3]: slice start, stop, step (as for
# GET_SLICE).  del l[start:stop:step].  Returns the number of items deleted.
DEL_SLICE = Script(
    SEQUENCE_LIB
    + """
local key = KEYS[1]
local len = redis.call('LLEN', key)
local step = tonumber(ARGV[3])
local start, stop, n = adjust(len, tonumber(ARGV[1]), tonumber(ARGV[2]), step)
if n == 0 then
    return 0
end
if step == 1 then
    splice(key, len, start, start + n, {})
    return n
end
local last = start + (n - 1) * step
if step < 0 then
    start, last, step = last, start, -step
end
local range = redis.call('LRANGE', key, start, last)
local keep = {}
for j = 1, #range do
    if (j - 1) % step ~= 0 then keep[#keep + 1] = range[j] end
end
splice(key, len, start, last + 1, keep)
return n
"""
)


# KEYS[1]: the list.  ARGV[1]: an index (negative counts from the end).
# Removes and returns {item}; returns -1 if the list is empty, -2 if the
# index is out of range.
POP_INDEX = Script(
    SEQUENCE_LIB
    + """
local len = redis.call('LLEN', KEYS[1])
if len == 0 then
    return -1
end
local i = tonumber(ARGV[1])
if i < 0 then i = i + len end
if i < 0 or i >= len then
    return -2
end
local item = redis.call('LINDEX', KEYS[1], i)
remove_at(KEYS[1], len, i)
return {item}
"""
)


# KEYS[1]: the list.  ARGV: pairs (text, rank) for every item text the
# client has placed in the sorted order (texts whose keys compare equal share
# a rank).  If every item has a rank, sorts the list by rank -- equal ranks
# keep their order, as list.sort is stable -- and returns 1.  Otherwise
# returns the texts without a rank (written meanwhile by another client) and
# writes nothing: the client ranks them and sends again.
SORT_RANKED = Script(
    SEQUENCE_LIB
    + """
local rank = {}
for i = 1, #ARGV, 2 do
    rank[ARGV[i]] = tonumber(ARGV[i + 1])
end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local unknown, seen = {}, {}
for _, item in ipairs(items) do
    if rank[item] == nil and not seen[item] then
        seen[item] = true
        unknown[#unknown + 1] = item
    end
end
if #unknown > 0 then
    return unknown
end
local order = {}
for i = 1, #items do
    order[i] = i
end
table.sort(order, function(a, b)
    local ra, rb = rank[items[a]], rank[items[b]]
    if ra ~= rb then
        return ra < rb
    end
    return a < b
end)
local sorted = {}
for i, j in ipairs(order) do
    sorted[i] = items[j]
end
redis.call('DEL', KEYS[1])
push(KEYS[1], sorted, false)
return 1
"""
)


def rank(raws: list[Any], key: Callable[[Any], Any] | None, reverse: bool) -> dict[Any, int]:
    """The rank of each distinct raw item in list.sort's order, for :data:`SORT_RANKED`.

    Sorts the decoded items in Python, with ``list.sort``'s comparisons and
    errors; consecutive items whose keys compare equal share a rank.  No
    round trip.
    """
    values = decode_many(raws)
    keys = values if key is None else [key(value) for value in values]
    order = sorted(range(len(values)), key=keys.__getitem__, reverse=reverse)
    ranks: dict[Any, int] = {}
    current, previous = 0, None
    for i in order:
        if previous is not None and (keys[i] < keys[previous] if reverse else keys[previous] < keys[i]):
            current += 1
        ranks.setdefault(raws[i], current)
        previous = i
    return ranks


def _unpack_slice(index: slice) -> tuple[int, int, int]:
    """CPython's PySlice_Unpack: (start, stop, step) with defaults for None."""
    step = 1 if index.step is None else search_bound(index.step, in_slice=True)
    if step == 0:
        raise ValueError('slice step cannot be zero')
    start = (BIG if step < 0 else 0) if index.start is None else search_bound(index.start, in_slice=True)
    stop = (-BIG if step < 0 else BIG) if index.stop is None else search_bound(index.stop, in_slice=True)
    return start, stop, step


def _list_index(index: Any) -> int:
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError(f'list indices must be integers or slices, not {type(index).__name__}') from None


class ListCore(SequenceCore[_T]):
    """The operations of a Redis list used as a ``list``, for every front.

    Layout and semantics are described in the module docstring; the sync
    :class:`RedisList` and ``pottery.asyncio.RedisList`` add only what their
    front needs (operators and ``repr``; named coroutines).
    """

    _kind: ClassVar[str] = 'list'

    def __init__(
        self,
        iterable: Iterable[_T] = (),
        /,
        *,
        redis: Any = None,
        key: str | None = None,
        ttl: float | timedelta | None = None,
    ) -> None:
        """Complexity: O(n), 1 round trip with items (2 to copy another Redis list), none without
        (see :class:`~pottery.base.Expiring` for ``ttl=``)."""
        super().__init__(redis=redis, key=key, ttl=ttl)
        self._fill(iterable)

    def _peer(self, other: Any) -> SequenceCore[Any] | list[Any] | None:
        # list compares with lists only (not tuples, not deques).
        return other if isinstance(other, (ListCore, list)) else None

    # -- indexing: integers and slices --

    @operation
    def getitem(self, index: SupportsIndex | slice) -> Op[Any]:
        """x.__getitem__(y) <==> x[y]; a slice reads back as a plain list.

        Complexity: O(1) for an index near either end, O(k + offset) for a
        slice of k items; 1 round trip, atomic.
        """
        if isinstance(index, slice):
            return decode_many((yield GET_SLICE([self.key], list(_unpack_slice(index)))))
        return (yield from self._get_index(_list_index(index), 'list index out of range'))

    __getitem__ = getitem

    @operation
    def setitem(self, index: SupportsIndex | slice, value: Any) -> Op[None]:
        """Set self[index] to value; slices follow list's rules and errors.

        Complexity: O(1) near either end for an index, O(n) for a slice; 1
        round trip, atomic (a Redis list value in the same slot is read
        server-side; in another cluster slot it costs 1 more round trip).
        Nothing is written if an item cannot be encoded or an extended
        slice's size does not match.
        """
        if not isinstance(index, slice):
            yield from self._set_index(_list_index(index), value, 'list assignment index out of range')
            return
        start, stop, step = _unpack_slice(index)
        if isinstance(value, SequenceCore) and self._same_slot(value):
            # Another Redis list in the same slot: its items never leave the server.
            result = yield SET_SLICE([self.key, value.key], [start, stop, step])
        else:
            try:
                values = yield from self._values(value)
            except TypeError:
                raise TypeError(_NOT_ITERABLE_SLICE if step == 1 else _NOT_ITERABLE_EXTENDED_SLICE) from None
            result = yield SET_SLICE([self.key], [start, stop, step, *self._encode_all(values)])
        if result != -1:
            size, count = result
            raise ValueError(f'attempt to assign sequence of size {count} to extended slice of size {size}')

    __setitem__ = setitem

    @operation
    def delitem(self, index: SupportsIndex | slice) -> Op[None]:
        """Delete self[index]; slices follow list's rules.  O(n), 1 round trip, atomic."""
        if isinstance(index, slice):
            yield DEL_SLICE([self.key], list(_unpack_slice(index)))
            return
        yield from self._del_index(_list_index(index), 'list assignment index out of range')

    __delitem__ = delitem

    @operation
    def insert(self, index: SupportsIndex, value: _T) -> Op[None]:
        """S.insert(index, object) -- insert object before index.

        Positions out of range clamp as with ``list.insert``.  Complexity:
        O(1) at either end, O(n) in the middle; 1 round trip, atomic.
        """
        yield from self._insert(index, value)

    # MutableSequence.pop reads s[i], then deletes it: 2 round trips, racy.
    @operation
    def pop(self, index: SupportsIndex = -1) -> Op[_T]:
        """S.pop([index]) -> item -- remove and return item at index (default last).

        Raises IndexError if list is empty or index is out of range.
        Complexity: O(1) at either end, O(n) in the middle; 1 round trip,
        atomic: concurrent pops never return an item twice.
        """
        position = ssize(index)
        if position in (-1, 0):
            raw = yield Call('RPOP' if position == -1 else 'LPOP', self.key)
            if raw is None:
                raise IndexError('pop from empty list')
            return decode(raw)  # type: ignore[no-any-return]  # an item, as stored
        result = yield POP_INDEX([self.key], [max(-BIG, min(BIG, position))])
        if result == -1:
            raise IndexError('pop from empty list')
        if result == -2:
            raise IndexError('pop index out of range')
        return decode(result[0])  # type: ignore[no-any-return]  # an item, as stored

    @operation
    def sort(self, *, key: Callable[[_T], Any] | None = None, reverse: bool = False) -> Op[None]:
        """L.sort(*, key=None, reverse=False) -> None -- stable sort *IN PLACE*.

        Items are compared in Python (like ``list.sort``, with the same
        errors; nothing is written if sorting raises).  Complexity: O(n log n);
        2 round trips: read, then a script that sorts the list server-side by
        the ranks Python gave each distinct item (see :data:`SORT_RANKED`).
        Other clients' writes cost another round trip only when they add a
        value never seen before; keys that are not totally ordered (``nan``)
        sort in an order of their own, as with ``list.sort``.
        """
        raws = yield from self._raw()
        while True:
            ranks = rank(raws, key, reverse)
            result = yield SORT_RANKED([self.key], [text for pair in ranks.items() for text in pair])
            if result == 1:
                return
            # Rank the texts written meanwhile together with the ones known.
            raws = list(ranks) + list(result)

    @operation
    def copy(self) -> Op[Any]:
        """L.copy() -> a new list of L's type with the same items, at a random key.

        O(n); on one server 1 round trip (COPY, server-side); on a cluster 2
        (the random key usually lives in another slot).
        """
        return (yield from self._copy_into(type(self)(redis=self.redis)))

    @operation
    def _concat(self, sources: list[ListCore[Any]], extra: list[Any], times: int) -> Op[Any]:
        # A new list of this type holding (sources + extra) * times: 1 round
        # trip on one server; on a cluster the sources are read first (1 each).
        raws = self._encode_all(extra)
        new = type(self)(redis=self.redis)
        if times <= 0:
            return new
        if self._same_slot(new, *sources):
            yield CONCAT([new.key, *(source.key for source in sources)], [times, *raws])
            return new
        items = []
        for source in sources:
            items += yield from source._raw_elsewhere()
        items += raws
        if items:
            yield Call('RPUSH', new.key, *(items * times))
        return new


class RedisList(ListCore[_T], SyncFront, JSONSerializable, MutableSequence[_T]):
    """A ``list`` stored in a Redis list, shared by every client of that key.

    >>> squares = RedisList([1, 4, 9, 16, 25], redis=redis, key='squares')
    >>> squares[-3:]
    [9, 16, 25]
    >>> squares
    RedisList[1, 4, 9, 16, 25]

    Items must be JSON serializable and round-trip through JSON.  Slices read
    back as plain lists; ``l + x`` and ``l * n`` are new RedisLists at random
    keys on the same client (as the spec shows); ``x + l`` is a plain list.

    Constructing with initial items requires the key to be new, and raises
    :class:`~pottery.exceptions.KeyExistsError` otherwise, leaving the
    existing data alone: to add to an existing list, construct without items
    and call :meth:`extend`.

    ``pottery.asyncio.RedisList`` is its asyncio twin.
    """

    def _json_value(self) -> list[_T]:
        return self.to_list()

    def __repr__(self) -> str:
        """RedisList[...], the items as a list shows them.  1 round trip."""
        return f'{type(self).__name__}{self.to_list()!r}'

    def __copy__(self) -> RedisList[_T]:
        """copy.copy(l): l.copy(), a new container at a random key."""
        return self.copy()  # type: ignore[no-any-return]  # a RedisList

    def __deepcopy__(self, memo: dict[int, Any]) -> RedisList[_T]:
        """copy.deepcopy(l): l.copy() (items are JSON texts: a copy is already deep).

        Without this, deepcopy would clone the object around the same key
        (and, for a random key, the clone's finalizer would delete it).
        """
        return self.copy()  # type: ignore[no-any-return]  # a RedisList

    def __add__(self, other: list[_T] | RedisList[_T]) -> RedisList[_T]:
        """l + other -> a new RedisList (random key, same client).

        ``other`` is a list or a RedisList, as ``list + x`` requires.  O(n),
        1 round trip on one server, 2-3 on a cluster.
        """
        if isinstance(other, RedisList):
            return self._concat([self, other], [], 1)  # type: ignore[no-any-return]  # a RedisList
        if isinstance(other, list):
            return self._concat([self], other, 1)  # type: ignore[no-any-return]  # a RedisList
        return NotImplemented

    def __radd__(self, other: list[_T]) -> list[_T]:
        """other + l -> a plain list.  O(n), 1 round trip."""
        if isinstance(other, list):
            return other + self.to_list()
        return NotImplemented

    def __mul__(self, times: SupportsIndex) -> RedisList[_T]:
        """l * n -> a new RedisList (random key, same client).  O(n * times), 1-2 round trips."""
        try:
            count = operator.index(times)
        except TypeError:
            return NotImplemented
        if not -SSIZE_MAX - 1 <= count <= SSIZE_MAX:
            raise OverflowError("cannot fit 'int' into an index-sized integer")
        return self._concat([self], [], count)  # type: ignore[no-any-return]  # a RedisList

    __rmul__ = __mul__

    def __imul__(self, times: SupportsIndex) -> RedisList[_T]:
        """l *= n, in place.  O(n * times), 1 round trip, atomic."""
        self._multiply(times)
        return self

    __eq__ = comparison('__eq__', operator.eq)  # type: ignore[assignment]  # replaces the core's equals
    __ne__ = comparison('__ne__', operator.ne)
    __lt__ = comparison('__lt__', operator.lt)
    __le__ = comparison('__le__', operator.le)
    __gt__ = comparison('__gt__', operator.gt)
    __ge__ = comparison('__ge__', operator.ge)
    __hash__ = None  # type: ignore[assignment]  # mutable, as list
