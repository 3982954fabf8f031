"""The machinery RedisList and RedisDeque share: a Redis list of JSON texts.

:class:`SequenceCore` holds every operation both structures have, once, for
every front (see :mod:`pottery.command`): length, iteration, ``in``,
``count``, ``index``, ``remove``, ``reverse``, ``clear``, single-index reads
and writes, ``insert``, pushes with an optional bound, ``extend``, ``*=`` and
comparisons.  :class:`pottery.list.ListCore` and
:class:`pottery.deque.DequeCore` add the API and the error messages of the
stdlib type each imitates; neither subclasses the other (a ``deque`` has no
slices and no ``sort()``, and ``list == deque`` is False).

How the operations stay atomic:

* single commands where Redis has one (``LINDEX``, ``LSET``, ``RPUSH``,
  ``LPOP``...), Lua scripts for the rest (``insert``, ``del l[i]``,
  ``reverse``...): each is one round trip;
* operations that need Python's equality or order (``remove``, ``sort``) read
  the items, decide in Python about each distinct text (equal to the value or
  not; its rank in the sorted order), then send a script that applies these
  decisions to the list as it is *then*, atomically; only if it meets a text
  the client never judged (written meanwhile) does it write nothing and return
  those texts, for the client to judge and send again.  Writes of known texts
  (the same values moved, pushed, popped or overwritten) cost no retry.

Values round-trip through JSON: a tuple comes back as a list, and ``nan`` is
never equal to itself once read back (so ``index``/``remove``/``in`` don't
find it, where ``list`` would by identity).
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Generic, SupportsIndex, TypeVar

from redis.exceptions import ResponseError

from pottery.base import COPY_TYPED, LUA_SLICES, Expiring, decode, decode_many, encode
from pottery.command import Call, Items, On, Op, Script, iteration, operation, run
from pottery.exceptions import warn_inefficient

__all__ = [
    'BIG',
    'CHUNK',
    'EXTEND_FROM',
    'SEQUENCE_LIB',
    'SSIZE_MAX',
    'SequenceCore',
    'comparison',
    'fits_index',
    'judge',
    'search_bound',
    'ssize',
]

_T = TypeVar('_T')

# Items per LRANGE page when iterating or searching, and per push in scripts.
CHUNK = 1000

# Python clamps slice bounds to the C ssize_t range; Lua numbers are doubles,
# exact up to 2**53.  Clamping to 2**53 gives the same result for any list
# shorter than 2**52 items.
BIG = 2**53

SSIZE_MAX = sys.maxsize

# Lua helpers every sequence script starts with (after LUA_SLICES).
#
# TOMBSTONE: a text no item can be (it is not JSON), used to delete the item
#   at an index: LSET it there, then LREM it.
# push(key, items, left): RPUSH (or LPUSH) a table of items, in slices.
# adjust(len, start, stop, step): CPython's PySlice_AdjustIndices; returns the
#   start, stop and length of the slice.
# splice(key, len, start, stop, items): replace items [start, stop) by items,
#   rewriting whichever end of the list is shorter (O(min(start, len - stop))).
# remove_at(key, len, i): delete the item at index i.
# trim(key, maxlen, left): cut the list to maxlen items (keeping the left or
#   the right end) -- a deque's bound; maxlen nil means unbounded.
# args_from(first): ARGV[first...] as a table.
SEQUENCE_LIB = (
    LUA_SLICES
    + """
local TOMBSTONE = 'pottery:tombstone:8d0f6b2e'

local function push(key, items, left)
    local command = left and 'LPUSH' or 'RPUSH'
    slices_of(items, 1, 1000, function(...) redis.call(command, key, ...) end)
end

local function reversed(items)
    local out = {}
    for i = #items, 1, -1 do
        out[#out + 1] = items[i]
    end
    return out
end

local function adjust(len, start, stop, step)
    if start < 0 then
        start = start + len
        if start < 0 then start = (step < 0) and -1 or 0 end
    elseif start >= len then
        start = (step < 0) and len - 1 or len
    end
    if stop < 0 then
        stop = stop + len
        if stop < 0 then stop = (step < 0) and -1 or 0 end
    elseif stop >= len then
        stop = (step < 0) and len - 1 or len
    end
    local n = 0
    if step < 0 then
        if stop < start then n = math.floor((start - stop - 1) / -step) + 1 end
    elseif start < stop then
        n = math.floor((stop - start - 1) / step) + 1
    end
    return start, stop, n
end

local function splice(key, len, start, stop, items)
    if start == stop and #items == 0 then
        return
    end
    if start <= len - stop then
        local head = {}
        if start > 0 then head = redis.call('LRANGE', key, 0, start - 1) end
        if stop < len then redis.call('LTRIM', key, stop, -1) else redis.call('DEL', key) end
        push(key, reversed(items), true)
        push(key, reversed(head), true)
    else
        local tail = {}
        if stop < len then tail = redis.call('LRANGE', key, stop, -1) end
        if start > 0 then redis.call('LTRIM', key, 0, start - 1) else redis.call('DEL', key) end
        push(key, items, false)
        push(key, tail, false)
    end
end

local function remove_at(key, len, i)
    if i == 0 then
        redis.call('LPOP', key)
    elseif i == len - 1 then
        redis.call('RPOP', key)
    else
        redis.call('LSET', key, i, TOMBSTONE)
        redis.call('LREM', key, (i < len / 2) and 1 or -1, TOMBSTONE)
    end
end

local function trim(key, maxlen, left)
    if not maxlen then
        return
    end
    if redis.call('LLEN', key) <= maxlen then
        return
    end
    if maxlen == 0 then
        redis.call('DEL', key)
    elseif left then
        redis.call('LTRIM', key, 0, maxlen - 1)
    else
        redis.call('LTRIM', key, -maxlen, -1)
    end
end

local function args_from(first)
    local items = {}
    for i = first, #ARGV do
        items[#items + 1] = ARGV[i]
    end
    return items
end
"""
)

# KEYS[1]: the list.  ARGV[1]: 'L' or 'R' (the end to push to), ARGV[2]: the
# maxlen to trim to after the push, ARGV[3...]: the items.  A bounded deque's
# push and the trim it causes, as one atomic step.
PUSH = Script(
    SEQUENCE_LIB
    + """
local left = ARGV[1] == 'L'
slices(3, 1000, function(...) redis.call(left and 'LPUSH' or 'RPUSH', KEYS[1], ...) end)
trim(KEYS[1], tonumber(ARGV[2]), left)
return redis.call('LLEN', KEYS[1])
"""
)

# KEYS[1]: the destination list, KEYS[2]: the source list.  ARGV[1]: 'L' or
# 'R', ARGV[2]: maxlen ('' for none).  Extend KEYS[1] with KEYS[2]'s items
# server-side (the source is read before anything is pushed, so a list may
# extend itself).
EXTEND_FROM = Script(
    SEQUENCE_LIB
    + """
local left = ARGV[1] == 'L'
push(KEYS[1], redis.call('LRANGE', KEYS[2], 0, -1), left)
trim(KEYS[1], tonumber(ARGV[2]), left)
return redis.call('LLEN', KEYS[1])
"""
)

# KEYS[1]: the list.  ARGV[1]: n, ARGV[2]: maxlen ('' for none).
# In place l *= n; with a maxlen only the copies that survive the trim are
# pushed.
MULTIPLY = Script(
    SEQUENCE_LIB
    + """
local n = tonumber(ARGV[1])
local maxlen = tonumber(ARGV[2])
if n <= 0 then
    redis.call('DEL', KEYS[1])
    return 0
end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
if #items == 0 then
    return 0
end
local copies = n
if maxlen then
    copies = math.min(n, math.floor(maxlen / #items) + 2)
end
for _ = 2, copies do
    push(KEYS[1], items, false)
end
trim(KEYS[1], maxlen, false)
return redis.call('LLEN', KEYS[1])
"""
)

# KEYS[1]: the list.  ARGV[1]: an index (negative counts from the end).
# Deletes the item there.  Returns 1, or 0 if the index is out of range.
DEL_INDEX = Script(
    SEQUENCE_LIB
    + """
local len = redis.call('LLEN', KEYS[1])
local i = tonumber(ARGV[1])
if i < 0 then i = i + len end
if i < 0 or i >= len then
    return 0
end
remove_at(KEYS[1], len, i)
return 1
"""
)

# KEYS[1]: the list.  ARGV[1]: an index, ARGV[2]: the item, ARGV[3]: maxlen
# ('' for none).  Inserts the item before the index, clamped like
# list.insert.  Returns 1, or 0 (and writes nothing) when maxlen is reached.
# The middle case marks the pivot with the tombstone so that LINSERT finds
# that very position, then puts the pivot back.
INSERT = Script(
    SEQUENCE_LIB
    + """
local key = KEYS[1]
local len = redis.call('LLEN', key)
local maxlen = tonumber(ARGV[3])
if maxlen and len >= maxlen then
    return 0
end
local i = tonumber(ARGV[1])
if i < 0 then
    i = i + len
    if i < 0 then i = 0 end
end
if i == 0 then
    redis.call('LPUSH', key, ARGV[2])
elseif i >= len then
    redis.call('RPUSH', key, ARGV[2])
else
    local pivot = redis.call('LINDEX', key, i)
    redis.call('LSET', key, i, TOMBSTONE)
    redis.call('LINSERT', key, 'BEFORE', TOMBSTONE, ARGV[2])
    redis.call('LSET', key, i + 1, pivot)
end
return 1
"""
)

# KEYS[1]: the list.  ARGV: pairs (text, verdict) for every item text the
# client has compared with the value to remove: '1' if equal, '0' if not.
# Deletes the first item whose verdict is '1', provided every item before it
# has a verdict (so it is the first match at this instant), and returns 1.
# Returns 0 when no item matches and every item has a verdict, else the
# texts without a verdict met before the first match (nothing written): the
# client compares those in Python and sends again.  Writes by other clients
# of texts already judged -- pushes, pops, sets anywhere, and anything after
# the match -- cost no retry.
REMOVE_FIRST = Script(
    SEQUENCE_LIB
    + """
local verdict = {}
for i = 1, #ARGV, 2 do
    verdict[ARGV[i]] = ARGV[i + 1]
end
local unknown, seen = {}, {}
local len = redis.call('LLEN', KEYS[1])
for first = 0, len - 1, 1000 do
    local page = redis.call('LRANGE', KEYS[1], first, first + 999)
    for offset, item in ipairs(page) do
        local judged = verdict[item]
        if judged == nil then
            if not seen[item] then
                seen[item] = true
                unknown[#unknown + 1] = item
            end
        elseif judged == '1' then
            if #unknown > 0 then
                return unknown
            end
            remove_at(KEYS[1], len, first + offset - 1)
            return 1
        end
    end
end
if #unknown > 0 then
    return unknown
end
return 0
"""
)

# KEYS[1]: the list.  Reverses it in place.  LPUSHing the items in order
# onto an empty list leaves them reversed.
REVERSE = Script(
    SEQUENCE_LIB
    + """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
push(KEYS[1], items, true)
return #items
"""
)


# KEYS[1], KEYS[2]: two lists.  Returns both lists' items, read atomically.
READ_TWO = Script("""
return {redis.call('LRANGE', KEYS[1], 0, -1), redis.call('LRANGE', KEYS[2], 0, -1)}
""")


def judge(raws: Iterable[Any], value: Any) -> dict[Any, str]:
    """The verdict on each distinct raw item: '1' if it decodes equal to value, else '0'.

    What :data:`REMOVE_FIRST` needs to find the first match server-side.
    No round trip.
    """
    distinct = list(dict.fromkeys(raws))
    return {raw: '1' if item == value else '0' for raw, item in zip(distinct, decode_many(distinct), strict=True)}


def search_bound(value: Any, *, in_slice: bool = False) -> int:
    """A start/stop argument of index() (or of a slice): an int, clamped to a sane range."""
    try:
        number = operator.index(value)
    except TypeError:
        kinds = 'integers or None' if in_slice else 'integers'
        raise TypeError(f'slice indices must be {kinds} or have an __index__ method') from None
    return max(-BIG, min(BIG, number))


def ssize(value: Any) -> int:
    """An argument CPython converts to Py_ssize_t (insert's index, rotate's n)."""
    number = operator.index(value)
    if not -SSIZE_MAX - 1 <= number <= SSIZE_MAX:
        raise OverflowError('Python int too large to convert to C ssize_t')
    return number


def fits_index(number: int) -> None:
    """Raise IndexError, as list and deque do, for an index beyond ssize_t."""
    if not -SSIZE_MAX - 1 <= number <= SSIZE_MAX:
        raise IndexError("cannot fit 'int' into an index-sized integer")


class SequenceCore(Expiring, Generic[_T]):
    """The operations of a Redis list of JSON texts, shared by lists and deques.

    Subclasses set ``_kind`` ('list' or 'deque', used in error messages) and
    ``_remove_message``, define ``_peer`` (what comparisons accept) and the
    indexing operations with their stdlib type's rules.
    """

    _redis_type: ClassVar[str] = 'list'
    _kind: ClassVar[str] = 'list'
    # remove()'s ValueError message, formatted with the value.
    _remove_message: ClassVar[str] = 'list.remove(x): x not in list'

    # -- what subclasses decide --

    def _bound(self) -> int | None:
        # The bound a deque keeps; None (unbounded) for lists.
        return None

    def _trimmed(self, raws: list[Any]) -> list[Any]:
        # The initial items a constructor keeps (a deque keeps its last maxlen).
        return raws

    def _peer(self, other: Any) -> SequenceCore[Any] | list[Any] | None:
        # What comparisons compare with: a Redis sequence, a plain list of
        # items, or None (NotImplemented).
        raise NotImplementedError

    # -- construction --

    def _fill(self, iterable: Iterable[Any]) -> None:
        # A constructor's writes: the initial items (1 round trip; 2 for
        # another Redis sequence, read first), else the bound check and
        # ttl= of an existing key (1 round trip each).
        if isinstance(iterable, SequenceCore):
            self._start(self._copy_from(iterable))
            return
        values = list(iterable)
        if values:
            self._start(self._create_op('RPUSH', self._trimmed(self._encode_all(values))))
        elif self._cell is None and self._bound() is not None:
            self._start(self._attach())
        else:
            self._start_expiry()

    def _copy_from(self, source: SequenceCore[Any]) -> Op[None]:
        raws = yield from source._raw_elsewhere()
        if raws:
            yield from self._create_op('RPUSH', self._trimmed(raws))
        else:
            yield from self._attach()

    def _attach(self) -> Op[None]:
        # A constructor without initial items: one operation (an async
        # container holds one pending), the bound check then ttl=.
        yield from self._check_bound()
        yield from self._expire_existing()

    def _check_bound(self) -> Op[None]:
        # A bounded instance attached to an existing key: IndexError if the
        # list there is already longer than the bound, as pottery 3.0.1.
        bound = self._bound()
        if bound is None or self._cell is not None:
            return
        length = int((yield Call('LLEN', self.key)))
        if length > bound:
            raise IndexError(f'{type(self).__name__} {self.key!r} holds {length} items, beyond maxlen={bound}')

    @staticmethod
    def _encode_all(values: Iterable[Any]) -> list[str]:
        # Everything is encoded before anything is sent: an unencodable item
        # raises TypeError and leaves Redis untouched.
        return [encode(value) for value in values]

    # -- reading --

    def _raw(self) -> Op[list[Any]]:
        # All raw items, read atomically: 1 round trip (LRANGE 0 -1).
        return list((yield Call('LRANGE', self.key, 0, -1)))

    def _raw_elsewhere(self) -> Op[list[Any]]:
        # The same, read by an operation of another container (which may run
        # on another client, or on another front).
        return list((yield On(self.redis, Call('LRANGE', self.key, 0, -1))))

    def _load(self) -> Op[list[_T]]:
        return decode_many((yield from self._raw()))

    def _values(self, values: Iterable[Any]) -> Op[list[Any]]:
        # The items of an iterable; a Redis sequence is read (1 round trip).
        if isinstance(values, SequenceCore):
            return decode_many((yield from values._raw_elsewhere()))
        return list(values)

    def _pair(self, other: SequenceCore[Any]) -> Op[tuple[list[Any], list[Any]]]:
        # Both sequences' items: 1 round trip, atomic, when one script can
        # read both keys; otherwise 1 round trip each.
        if self._same_slot(other):
            mine, theirs = yield READ_TWO([self.key, other.key])
            return decode_many(mine), decode_many(theirs)
        mine = yield from self._load()
        return mine, decode_many((yield from other._raw_elsewhere()))

    def _scan(self, visit: Callable[[list[Any]], bool], start: int = 0, stop: int | None = None) -> Op[None]:
        # Raw items [start, stop) (0 <= start), CHUNK per LRANGE round trip,
        # handed to visit(page) until it returns True.  Not a snapshot: a
        # list changed between pages shows the change.
        position = start
        while stop is None or position < stop:
            end = position + CHUNK if stop is None else min(position + CHUNK, stop)
            raws = yield Call('LRANGE', self.key, position, end - 1)
            if raws and visit(raws):
                return
            if len(raws) < end - position:
                return
            position = end

    def _find(self, value: Any, start: int = 0, stop: int | None = None) -> Op[tuple[int, list[Any]] | None]:
        # The index of the first item == value in [start, stop), and the raw
        # items read up to it (the prefix a compare-and-set checks).
        seen: list[Any] = []
        found: list[int] = []

        def visit(raws: list[Any]) -> bool:
            for offset, item in enumerate(decode_many(raws)):
                if item == value:
                    seen.extend(raws[: offset + 1])
                    found.append(start + len(seen) - 1)
                    return True
            seen.extend(raws)
            return False

        yield from self._scan(visit, start, stop)
        return (found[0], seen) if found else None

    @operation
    def len(self) -> Op[int]:
        """len(s).  O(1), 1 round trip."""
        return int((yield Call('LLEN', self.key)))

    __len__ = len

    # Sequence.__iter__ calls s[i] until IndexError: a round trip per item.
    @iteration
    def iter_items(self) -> Op[None]:
        """iter(s).  O(n), 1 round trip per chunk of 1,000 items."""
        position = 0
        while True:
            raws = yield Call('LRANGE', self.key, position, position + CHUNK - 1)
            if raws:
                yield Items(decode_many(raws))
            if len(raws) < CHUNK:
                return
            position += CHUNK

    __iter__: iteration[[], _T] = iter_items

    # Sequence.__reversed__ calls len(s), then s[i] per item.
    @iteration
    def reversed(self) -> Op[None]:
        """reversed(s).  O(n), 1 round trip per chunk of 1,000 items, from the end."""
        end = -1
        while True:
            raws = yield Call('LRANGE', self.key, end - CHUNK + 1, end)
            yield Items(reversed(decode_many(raws)))
            if len(raws) < CHUNK:
                return
            end -= CHUNK

    __reversed__: iteration[[], _T] = reversed

    # Sequence.__contains__ iterates with a round trip per item.
    @operation
    def contains(self, value: object) -> Op[bool]:
        """x in s (Python equality of the decoded items).  O(n), 1 round trip per chunk."""
        found: list[bool] = []

        def visit(raws: list[Any]) -> bool:
            if any(item == value for item in decode_many(raws)):
                found.append(True)
            return bool(found)

        yield from self._scan(visit)
        return bool(found)

    __contains__ = contains

    # Sequence.count iterates with a round trip per item.
    @operation
    def count(self, value: Any) -> Op[int]:
        """s.count(value) -> integer -- return number of occurrences of value.

        Complexity: O(n), 1 round trip per chunk of 1,000 items.
        """
        warn_inefficient(f'{type(self).__name__}.count()')
        counted: list[int] = []

        def visit(raws: list[Any]) -> bool:
            counted.append(sum(1 for item in decode_many(raws) if item == value))
            return False

        yield from self._scan(visit)
        return sum(counted)

    # Sequence.index iterates with a round trip per item.
    @operation
    def index(self, value: Any, start: SupportsIndex = 0, stop: SupportsIndex = SSIZE_MAX) -> Op[int]:
        """s.index(value, [start, [stop]]) -> integer -- return first index of value.

        Raises ValueError if the value is not present.  Complexity: O(n), 1
        round trip per chunk of 1,000 items searched (+1 with a negative
        start or stop, to read the length).
        """
        warn_inefficient(f'{type(self).__name__}.index()')
        first, last = search_bound(start), search_bound(stop)
        if first < 0 or last < 0:
            length = int((yield Call('LLEN', self.key)))
            if first < 0:
                first = max(first + length, 0)
            if last < 0:
                last = max(last + length, 0)
        found = yield from self._find(value, first, last)
        if found is None:
            raise ValueError(f'{value!r} is not in {self._kind}')
        return found[0]

    @operation
    def to_list(self) -> Op[list[_T]]:
        """Return a plain list copy of the items.  O(n), 1 round trip (LRANGE), atomic."""
        return (yield from self._load())

    # -- single indices: 1 round trip each --

    def _get_index(self, index: int, message: str) -> Op[_T]:
        fits_index(index)
        raw = yield Call('LINDEX', self.key, index)
        if raw is None:
            raise IndexError(message)
        return decode(raw)  # type: ignore[no-any-return]  # an item, as stored

    def _set_index(self, index: int, value: Any, message: str) -> Op[None]:
        fits_index(index)
        raw = encode(value)
        try:
            yield Call('LSET', self.key, index, raw)
        except ResponseError as error:
            text = str(error)
            if 'index out of range' in text or 'no such key' in text:
                raise IndexError(message) from None
            raise

    def _del_index(self, index: int, message: str) -> Op[None]:
        fits_index(index)
        if not (yield DEL_INDEX([self.key], [index])):
            raise IndexError(message)

    def _insert(self, index: SupportsIndex, value: Any) -> Op[bool]:
        # False (nothing written) if a deque's maxlen is reached.
        position = max(-BIG, min(BIG, ssize(index)))
        raw = encode(value)
        bound = self._bound()
        if position == 0 and bound is None:
            # insert(0, x) is a plain LPUSH: no script, no length needed.
            yield Call('LPUSH', self.key, raw)
            return True
        return bool((yield INSERT([self.key], [position, raw, '' if bound is None else bound])))

    # -- pushes: 1 round trip each --

    def _push(self, raws: list[str], *, left: bool = False) -> Op[None]:
        # RPUSH/LPUSH; a bounded deque pushes and trims in one script, even
        # with no items (maxlen=0 empties the list: this instance's bound
        # holds after each of its pushes).
        bound = self._bound()
        if bound is not None:
            yield PUSH([self.key], ['L' if left else 'R', bound, *raws])
        elif raws:
            yield Call('LPUSH' if left else 'RPUSH', self.key, *raws)

    def _extend(self, values: Iterable[Any], *, left: bool = False) -> Op[None]:
        # Another Redis list in the same slot is copied server-side (1 round
        # trip); anything else is read and encoded first, then pushed (1).
        bound = self._bound()
        if isinstance(values, SequenceCore) and self._same_slot(values):
            yield EXTEND_FROM([self.key, values.key], ['L' if left else 'R', '' if bound is None else bound])
            return
        items = yield from self._values(values)
        if not items:
            return
        raws = self._encode_all(items)  # all of them: a bad item raises, even one the trim drops
        if bound is not None:
            # Only the last maxlen items of the input can survive the trim.
            raws = raws[-bound:] if bound else []
        yield from self._push(raws, left=left)

    # MutableSequence.append calls insert(len(s), x): 2 round trips, racy.
    @operation
    def append(self, value: _T) -> Op[None]:
        """S.append(value) -- append value to the end of the sequence.

        Complexity: O(1), 1 round trip, atomic.
        """
        yield from self._push([encode(value)])

    # MutableSequence.extend appends one item per round trip.
    @operation
    def extend(self, values: Iterable[_T]) -> Op[None]:
        """S.extend(iterable) -- extend sequence by appending elements from the iterable.

        Complexity: O(n), 1 round trip (plus 1 to read another Redis list in
        another cluster slot), atomic; nothing is written if an item cannot
        be encoded.
        """
        yield from self._extend(values)

    # MutableSequence.__iadd__ is extend(), which the mixin makes per item.
    @operation
    def __iadd__(self, values: Iterable[_T]) -> Op[Any]:
        """s += iterable: s.extend(iterable).  O(n), 1 round trip, atomic."""
        yield from self._extend(values)
        return self

    @operation
    def _multiply(self, times: SupportsIndex) -> Op[None]:
        # In place s *= n (trimmed to a deque's maxlen): 1 round trip, atomic.
        bound = self._bound()
        yield MULTIPLY([self.key], [max(ssize(times), 0), '' if bound is None else bound])

    # MutableSequence.remove is index() then del: two steps, racy.
    @operation
    def remove(self, value: _T) -> Op[None]:
        """S.remove(value) -- remove first occurrence of value.

        Raises ValueError if the value is not present.  Complexity: O(n), 1
        round trip per chunk read up to the first match, then 1 for a script
        that deletes the first item Python found equal, provided every item
        before it is one Python has judged (see :data:`REMOVE_FIRST`): other
        clients' writes cost another round trip only when they put a text
        never seen before in front of the match.
        """
        warn_inefficient(f'{type(self).__name__}.remove()')
        found = yield from self._find(value)
        if found is None:
            raise ValueError(self._remove_message.format(value=value))
        verdicts = judge(found[1], value)
        while True:
            result = yield REMOVE_FIRST([self.key], [text for pair in verdicts.items() for text in pair])
            if result == 1:
                return
            if result == 0:
                raise ValueError(self._remove_message.format(value=value))
            verdicts.update(judge(result, value))

    # MutableSequence.reverse swaps items pairwise: 2 round trips per pair.
    @operation
    def reverse(self) -> Op[None]:
        """S.reverse() -- reverse *IN PLACE*.  O(n), 1 round trip, atomic."""
        yield REVERSE([self.key])

    # MutableSequence.clear pops until IndexError: a round trip per item.
    @operation
    def clear(self) -> Op[None]:
        """S.clear() -> None -- remove all items.  O(1), 1 round trip (UNLINK)."""
        yield Call('UNLINK', self.key)

    def _copy_into(self, new: SequenceCore[Any]) -> Op[Any]:
        # Same slot (one server): COPY, server-side.  Otherwise read, then write.
        if self._same_slot(new):
            yield COPY_TYPED([self.key, new.key], ['list'])
        else:
            yield from new._push((yield from self._raw()))
        return new

    # -- comparisons --

    def _compare(self, other: Any, compare: Callable[[Any, Any], bool]) -> Op[Any]:
        peer = self._peer(other)
        if peer is None:
            return NotImplemented
        if isinstance(peer, SequenceCore):
            mine, theirs = yield from self._pair(peer)
        else:
            mine, theirs = (yield from self._load()), peer
        return compare(mine, theirs)

    @operation
    def equals(self, other: object) -> Op[bool]:
        """s == other: the same items in order, as the stdlib type compares.

        O(n), 1 round trip (2 for two Redis lists in different cluster slots).
        """
        return (yield from self._compare(other, operator.eq)) is True

    __eq__ = equals  # each front gives == its own form
    __hash__ = None  # type: ignore[assignment]  # mutable, as list and deque


# Comparison operators of the sync fronts, generated once for RedisList and
# RedisDeque (as sortedcontainers does) instead of six hand-written copies per
# class.  Each class's ``_peer(other)`` says what the stdlib type would
# compare with: a Redis sequence (read together with ours, in one script when
# the slots allow), a plain list of items, or None (NotImplemented, so Python
# raises TypeError for ordering, or falls back to identity for ==).


def comparison(name: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    """The sync dunder ``name`` (e.g. ``'__lt__'``) comparing items with ``compare``."""

    def method(self: SequenceCore[Any], other: Any) -> Any:
        return run(self, self._compare(other, compare))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (
        f'Return self {name[2:-2]} other, comparing items in order like the stdlib type.  '
        'O(n), 1 round trip (2 for two Redis lists in different cluster slots).'
    )
    return method
