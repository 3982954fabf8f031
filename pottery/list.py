"""RedisList: a ``list`` whose items live in a Redis list.

Layout: one Redis list at ``key``; each item is the text ``encode(x)`` (see
:mod:`pottery.base`), the layout of the ``pottery`` package on PyPI.

This module also holds :class:`_RedisSequence`, the Redis machinery that
:class:`RedisList` and :class:`~pottery.deque.RedisDeque` share (indexing,
searching, in-place edits).  Each public class adds the API and the error
messages of the stdlib type it imitates: ``RedisDeque`` is not a
``RedisList`` (a ``deque`` has no slices and no ``sort()``, and ``list ==
deque`` is False), so neither subclasses the other.

How the operations stay atomic:

* single commands where Redis has one (``LINDEX``, ``LSET``, ``RPUSH``,
  ``LPOP``...), Lua scripts for the rest (slices, ``insert``, ``del l[i]``,
  ``reverse``...): each is one round trip;
* operations that need Python's equality (``remove``, ``sort``) read the items,
  decide in Python, then send a compare-and-set script that applies the write
  only if the items the decision rests on (the prefix up to the match for
  ``remove``, the whole list for ``sort``) are still the same, checked by a
  SHA-1 digest computed on both sides; otherwise they read again and retry.

Values round-trip through JSON: a tuple comes back as a list, and ``nan`` is
never equal to itself once read back (so ``index``/``remove``/``in`` don't
find it, where ``list`` would by identity).
"""

from __future__ import annotations

import hashlib
import operator
import sys
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from typing import Any, ClassVar, SupportsIndex, TypeVar, cast, overload

from redis.exceptions import ResponseError

from pottery.base import Base, JSONSerializable, RedisClient, decode, decode_many, encode

__all__ = ['RedisList']

_T = TypeVar('_T')

# Items per LRANGE page when iterating or searching, and per push in scripts.
CHUNK = 1000

# Python clamps slice bounds to the C ssize_t range; Lua numbers are doubles,
# exact up to 2**53.  Clamping to 2**53 gives the same slice for any list
# shorter than 2**52 items.
_BIG = 2**53


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

_SSIZE_MAX = sys.maxsize

# Lua helpers every script below starts with.
#
# TOMBSTONE: a text no item can be (it is not JSON), used to delete the item
#   at an index: LSET it there, then LREM it.
# push(key, items, left): RPUSH (or LPUSH) items in slices, as Lua's unpack()
#   is limited to a few thousand values.
# adjust(len, start, stop, step): CPython's PySlice_AdjustIndices; returns the
#   start, stop and length of the slice.
# splice(key, len, start, stop, items): replace items [start, stop) by items,
#   rewriting whichever end of the list is shorter (O(min(start, len - stop))).
# remove_at(key, len, i): delete the item at index i.
# trim(key, maxlen, left): cut the list to maxlen items (keeping the left or
#   the right end) -- a deque's bound; maxlen nil means unbounded.
# digest(items): SHA-1 of the items, each as "<byte length>:<text>".
_LIB = """
local TOMBSTONE = 'pottery:tombstone:8d0f6b2e'

local function push(key, items, left)
    local command = left and 'LPUSH' or 'RPUSH'
    for i = 1, #items, 1000 do
        redis.call(command, key, unpack(items, i, math.min(i + 999, #items)))
    end
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

local function digest(items)
    local parts = {}
    for i, item in ipairs(items) do
        parts[i] = #item .. ':' .. item
    end
    return redis.sha1hex(table.concat(parts))
end

local function args_from(first)
    local items = {}
    for i = first, #ARGV do
        items[#items + 1] = ARGV[i]
    end
    return items
end
"""


# KEYS[1]: the list.  ARGV[1]: 'L' or 'R' (the end to push to), ARGV[2]: the
# maxlen to trim to after the push ('' for none), ARGV[3...]: the items.
# A bounded deque's push and the trim it causes, as one atomic step.
_PUSH = (
    _LIB
    + """
local left = ARGV[1] == 'L'
push(KEYS[1], args_from(3), left)
trim(KEYS[1], tonumber(ARGV[2]), left)
return redis.call('LLEN', KEYS[1])
"""
)

# KEYS[1]: the destination list, KEYS[2]: the source list.  ARGV[1]: 'L' or
# 'R', ARGV[2]: maxlen ('' for none).  Extend KEYS[1] with KEYS[2]'s items
# server-side (the source is read before anything is pushed, so a list may
# extend itself).
_EXTEND_FROM = (
    _LIB
    + """
local left = ARGV[1] == 'L'
push(KEYS[1], redis.call('LRANGE', KEYS[2], 0, -1), left)
trim(KEYS[1], tonumber(ARGV[2]), left)
return redis.call('LLEN', KEYS[1])
"""
)

# KEYS[1]: a new list, KEYS[2...]: source lists.  ARGV[1]: a repeat count n,
# ARGV[2...]: extra items.  Fills KEYS[1] with (sources + extra items) * n:
# RedisList + and * on one server.
_CONCAT = (
    _LIB
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

# KEYS[1]: the list.  ARGV[1]: n, ARGV[2]: maxlen ('' for none).
# In place l *= n; with a maxlen only the copies that survive the trim are
# pushed.
_MULTIPLY = (
    _LIB
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

# KEYS[1]: the list.  ARGV[1], ARGV[2], ARGV[3]: slice start, stop, step,
# with None already replaced by CPython's defaults.  Returns the slice.
_GET_SLICE = (
    _LIB
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
local range = redis.call('LRANGE', KEYS[1], math.min(start, last), math.max(start, last))
local out = {}
local first, final = 1, #range
if step < 0 then first, final = #range, 1 end
for j = first, final, step do
    out[#out + 1] = range[j]
end
return out
"""
)

# KEYS[1]: the list, KEYS[2] (optional): a list holding the new items.
# ARGV[1..3]: slice start, stop, step (as for _GET_SLICE), ARGV[4...]: the
# new items (when there is no KEYS[2]).  l[start:stop:step] = items.
# Returns -1 when done, or {slice length, item count} when an extended
# slice's length differs from the number of items (nothing is written).
_SET_SLICE = (
    _LIB
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
# _GET_SLICE).  del l[start:stop:step].  Returns the number of items deleted.
_DEL_SLICE = (
    _LIB
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
# Deletes the item there.  Returns 1, or 0 if the index is out of range.
_DEL_INDEX = (
    _LIB
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

# KEYS[1]: the list.  ARGV[1]: an index (negative counts from the end).
# Removes and returns {item}; returns -1 if the list is empty, -2 if the
# index is out of range.
_POP_INDEX = (
    _LIB
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

# KEYS[1]: the list.  ARGV[1]: an index, ARGV[2]: the item, ARGV[3]: maxlen
# ('' for none).  Inserts the item before the index, clamped like
# list.insert.  Returns 1, or 0 (and writes nothing) when maxlen is reached.
# The middle case marks the pivot with the tombstone so that LINSERT finds
# that very position, then puts the pivot back.
_INSERT = (
    _LIB
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

# KEYS[1]: the list.  ARGV[1]: an index i, ARGV[2]: the digest of items
# [0, i] as the client read them.  Deletes item i if items [0, i] are still
# what the client saw (so item i is still the first match it found); returns
# 1, or 0 (nothing written) when they changed.
_REMOVE_AT_IF = (
    _LIB
    + """
local i = tonumber(ARGV[1])
local prefix = redis.call('LRANGE', KEYS[1], 0, i)
if #prefix ~= i + 1 or digest(prefix) ~= ARGV[2] then
    return 0
end
remove_at(KEYS[1], redis.call('LLEN', KEYS[1]), i)
return 1
"""
)

# KEYS[1]: the list.  ARGV[1]: the digest of the whole list as the client
# read it, ARGV[2...]: the new items.  Replaces the list's contents if it is
# unchanged; returns 1, or 0 (nothing written) when it changed.
_REPLACE_IF = (
    _LIB
    + """
if digest(redis.call('LRANGE', KEYS[1], 0, -1)) ~= ARGV[1] then
    return 0
end
redis.call('DEL', KEYS[1])
push(KEYS[1], args_from(2), false)
return 1
"""
)

# KEYS[1]: the list.  Reverses it in place.  LPUSHing the items in order
# onto an empty list leaves them reversed.
_REVERSE = (
    _LIB
    + """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
push(KEYS[1], items, true)
return #items
"""
)

# KEYS[1], KEYS[2]: two lists.  Returns both lists' items, read atomically.
_READ_TWO = """
return {redis.call('LRANGE', KEYS[1], 0, -1), redis.call('LRANGE', KEYS[2], 0, -1)}
"""


def _digest(raws: Iterable[str | bytes]) -> str:
    """SHA-1 of raw items as the Lua ``digest()`` computes it."""
    sha = hashlib.sha1()
    for raw in raws:
        data = raw.encode() if isinstance(raw, str) else raw
        sha.update(b'%d:' % len(data))
        sha.update(data)
    return sha.hexdigest()


def _slice_bound(value: Any) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError('slice indices must be integers or None or have an __index__ method') from None
    return max(-_BIG, min(_BIG, number))


def _unpack_slice(index: slice) -> tuple[int, int, int]:
    """CPython's PySlice_Unpack: (start, stop, step) with defaults for None."""
    step = 1 if index.step is None else _slice_bound(index.step)
    if step == 0:
        raise ValueError('slice step cannot be zero')
    start = (_BIG if step < 0 else 0) if index.start is None else _slice_bound(index.start)
    stop = (-_BIG if step < 0 else _BIG) if index.stop is None else _slice_bound(index.stop)
    return start, stop, step


def _search_bound(value: Any) -> int:
    """A start/stop argument of index(): an int, clamped to a sane range."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError('slice indices must be integers or have an __index__ method') from None
    return max(-_BIG, min(_BIG, number))


def _ssize(value: Any) -> int:
    """An argument CPython converts to Py_ssize_t (insert's index, rotate's n)."""
    number = operator.index(value)
    if not -_SSIZE_MAX - 1 <= number <= _SSIZE_MAX:
        raise OverflowError('Python int too large to convert to C ssize_t')
    return number


def _fits_index(number: int) -> None:
    if not -_SSIZE_MAX - 1 <= number <= _SSIZE_MAX:
        raise IndexError("cannot fit 'int' into an index-sized integer")


class _RedisSequence(Base, MutableSequence[_T]):
    """What RedisList and RedisDeque share: a Redis list of JSON texts.

    Subclasses set ``_kind`` ('list' or 'deque', used in error messages), and
    define the indexing methods with their stdlib type's rules.
    """

    _redis_type: ClassVar[str] = 'list'
    _kind: ClassVar[str] = 'list'
    # remove()'s ValueError message, formatted with the value.
    _remove_message: ClassVar[str] = 'list.remove(x): x not in list'

    # The bound a deque keeps; None (unbounded) for lists.
    def _bound(self) -> int | None:
        return None

    def _peer(self, other: Any) -> _RedisSequence[Any] | list[Any] | None:
        # What comparisons compare with: see _comparison().
        raise NotImplementedError

    @staticmethod
    def _encode_all(values: Iterable[Any]) -> list[str]:
        # Everything is encoded before anything is sent: an unencodable item
        # raises TypeError and leaves Redis untouched.
        return [encode(value) for value in values]

    # -- reading --

    def _load_raw(self) -> list[Any]:
        return cast(list[Any], self.redis.lrange(self.key, 0, -1))

    def _load(self) -> list[_T]:
        """All items, read atomically: 1 round trip (LRANGE 0 -1)."""
        return decode_many(self._load_raw())

    def _chunks(self, start: int = 0, stop: int | None = None) -> Iterator[list[Any]]:
        # Raw items [start, stop) (0 <= start), CHUNK per LRANGE round trip.
        # Not a snapshot: a list changed between pages shows the change.
        position = start
        while stop is None or position < stop:
            end = position + CHUNK if stop is None else min(position + CHUNK, stop)
            raws = cast(list[Any], self.redis.lrange(self.key, position, end - 1))
            if raws:
                yield raws
            if len(raws) < end - position:
                return
            position = end

    def _load_pair(self, other: _RedisSequence[Any]) -> tuple[list[Any], list[Any]]:
        # Both lists' items: 1 round trip, atomic, when one script can read
        # both keys; otherwise 1 round trip each.
        if self._same_slot(other):
            mine, theirs = self._eval(_READ_TWO, [self.key, other.key], [])
            return decode_many(mine), decode_many(theirs)
        return self._load(), other._load()

    def __len__(self) -> int:
        """len(s).  O(1), 1 round trip."""
        return int(self.redis.llen(self.key))

    # Sequence.__iter__ calls s[i] until IndexError: a round trip per item.
    def __iter__(self) -> Iterator[_T]:
        """iter(s).  O(n), 1 round trip per chunk of 1,000 items."""
        for raws in self._chunks():
            yield from decode_many(raws)

    # Sequence.__reversed__ calls len(s), then s[i] per item.
    def __reversed__(self) -> Iterator[_T]:
        """reversed(s).  O(n), 1 round trip per chunk of 1,000 items, from the end."""
        page = 0
        while True:
            end = -page * CHUNK - 1
            raws = cast(list[Any], self.redis.lrange(self.key, end - CHUNK + 1, end))
            yield from reversed(decode_many(raws))
            if len(raws) < CHUNK:
                return
            page += 1

    # Sequence.__contains__ iterates with a round trip per item.
    def __contains__(self, value: object) -> bool:
        """x in s (Python equality of the decoded items).  O(n), 1 round trip per chunk."""
        return any(item == value for raws in self._chunks() for item in decode_many(raws))

    # Sequence.count iterates with a round trip per item.
    def count(self, value: Any) -> int:
        """s.count(value) -> integer -- return number of occurrences of value.

        Complexity: O(n), 1 round trip per chunk of 1,000 items.
        """
        return sum(1 for raws in self._chunks() for item in decode_many(raws) if item == value)

    def _find(self, value: Any, start: int = 0, stop: int | None = None) -> tuple[int, list[Any]] | None:
        # The index of the first item == value in [start, stop), and the raw
        # items read up to it (the prefix a compare-and-set checks).
        seen: list[Any] = []
        position = start
        for raws in self._chunks(start, stop):
            for offset, item in enumerate(decode_many(raws)):
                if item == value:
                    seen.extend(raws[: offset + 1])
                    return position + offset, seen
            seen.extend(raws)
            position += len(raws)
        return None

    # Sequence.index iterates with a round trip per item.
    def index(self, value: Any, start: SupportsIndex = 0, stop: SupportsIndex = _SSIZE_MAX) -> int:
        """s.index(value, [start, [stop]]) -> integer -- return first index of value.

        Raises ValueError if the value is not present.  Complexity: O(n), 1
        round trip per chunk of 1,000 items searched (+1 with a negative
        start or stop, to read the length).
        """
        first, last = _search_bound(start), _search_bound(stop)
        if first < 0 or last < 0:
            length = len(self)
            if first < 0:
                first = max(first + length, 0)
            if last < 0:
                last = max(last + length, 0)
        found = self._find(value, first, last)
        if found is None:
            raise ValueError(f'{value!r} is not in {self._kind}')
        return found[0]

    # -- writing one item: 1 round trip each --

    def _get_index(self, index: int, message: str) -> _T:
        _fits_index(index)
        raw = self.redis.lindex(self.key, index)
        if raw is None:
            raise IndexError(message)
        return cast(_T, decode(raw))

    def _set_index(self, index: int, value: _T, message: str) -> None:
        _fits_index(index)
        raw = encode(value)
        try:
            self.redis.lset(self.key, index, raw)
        except ResponseError as error:
            text = str(error)
            if 'index out of range' in text or 'no such key' in text:
                raise IndexError(message) from None
            raise

    def _del_index(self, index: int, message: str) -> None:
        _fits_index(index)
        if not self._eval(_DEL_INDEX, [self.key], [index]):
            raise IndexError(message)

    def _insert(self, index: SupportsIndex, value: _T) -> bool:
        # False (nothing written) if a deque's maxlen is reached.
        position = max(-_BIG, min(_BIG, _ssize(index)))
        raw = encode(value)
        bound = self._bound()
        if position == 0 and bound is None:
            # insert(0, x) is a plain LPUSH: no script, no length needed.
            self.redis.lpush(self.key, raw)
            return True
        return bool(self._eval(_INSERT, [self.key], [position, raw, '' if bound is None else bound]))

    def _push(self, raws: list[str], *, left: bool = False) -> None:
        # RPUSH/LPUSH; a bounded deque pushes and trims in one script, even
        # with no items (maxlen=0 empties the list: this instance's bound
        # holds after each of its pushes).
        bound = self._bound()
        if bound is not None:
            self._eval(_PUSH, [self.key], ['L' if left else 'R', bound, *raws])
        elif raws:
            if left:
                self.redis.lpush(self.key, *raws)
            else:
                self.redis.rpush(self.key, *raws)

    def _extend(self, values: Iterable[_T], *, left: bool = False) -> None:
        # Another Redis list in the same slot is copied server-side (1 round
        # trip); anything else is read and encoded first, then pushed (1).
        bound = self._bound()
        if isinstance(values, _RedisSequence) and self._same_slot(values):
            args = ['L' if left else 'R', '' if bound is None else bound]
            self._eval(_EXTEND_FROM, [self.key, values.key], args)
            return
        items = values._load() if isinstance(values, _RedisSequence) else list(values)
        if not items:
            return
        raws = self._encode_all(items)  # all of them: a bad item raises, even one the trim drops
        if bound is not None:
            # Only the last maxlen items of the input can survive the trim.
            raws = raws[-bound:] if bound else []
        self._push(raws, left=left)

    # MutableSequence.append calls insert(len(s), x): 2 round trips, racy.
    def append(self, value: _T) -> None:
        """S.append(value) -- append value to the end of the sequence.

        Complexity: O(1), 1 round trip, atomic.
        """
        self._push([encode(value)])

    # MutableSequence.extend appends one item per round trip.
    def extend(self, values: Iterable[_T]) -> None:
        """S.extend(iterable) -- extend sequence by appending elements from the iterable.

        Complexity: O(n), 1 round trip (plus 1 to read another Redis list in
        another cluster slot), atomic; nothing is written if an item cannot
        be encoded.
        """
        self._extend(values)

    def _imul(self, times: Any) -> None:
        count = _ssize(times)
        bound = self._bound()
        self._eval(_MULTIPLY, [self.key], [max(count, 0), '' if bound is None else bound])

    # MutableSequence.remove is index() then del: two steps, racy.
    def remove(self, value: _T) -> None:
        """S.remove(value) -- remove first occurrence of value.

        Raises ValueError if the value is not present.  Complexity: O(n), 1
        round trip per chunk read up to the first match, then 1 for a
        compare-and-set script that deletes it only if nothing before it
        changed (else it reads again).
        """
        while True:
            found = self._find(value)
            if found is None:
                raise ValueError(self._remove_message.format(value=value))
            index, prefix = found
            if self._eval(_REMOVE_AT_IF, [self.key], [index, _digest(prefix)]):
                return

    # MutableSequence.reverse swaps items pairwise: 2 round trips per pair.
    def reverse(self) -> None:
        """S.reverse() -- reverse *IN PLACE*.  O(n), 1 round trip, atomic."""
        self._eval(_REVERSE, [self.key], [])

    # MutableSequence.clear pops until IndexError: a round trip per item.
    def clear(self) -> None:
        """S.clear() -> None -- remove all items.  O(1), 1 round trip (UNLINK)."""
        self.redis.unlink(self.key)

    def _copy_into(self, new: _RedisSequence[_T]) -> None:
        # Same slot (one server): COPY, server-side.  Otherwise read, then write.
        if self._same_slot(new):
            self.redis.copy(self.key, new.key)
        else:
            new._push(self._load_raw())

    __hash__ = None  # type: ignore[assignment]  # mutable, as list and deque


# Comparison operators, generated once for RedisList and RedisDeque (as
# sortedcontainers does) instead of six hand-written copies per class.  Each
# class's ``_peer(other)`` says what the stdlib type would compare with: a
# Redis list (read together with ours, in one script when the slots allow),
# a plain list of items, or None (NotImplemented, so Python raises TypeError
# for ordering, or falls back to identity for ==).


def _comparison(name: str, op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def compare(self: _RedisSequence[Any], other: Any) -> Any:
        peer = self._peer(other)
        if peer is None:
            return NotImplemented
        if isinstance(peer, _RedisSequence):
            mine, theirs = self._load_pair(peer)
        else:
            mine, theirs = self._load(), peer
        return op(mine, theirs)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = (
        f'Return self {name[2:-2]} other, comparing items in order like the stdlib type.  '
        'O(n), 1 round trip (2 for two Redis lists in different cluster slots).'
    )
    return compare


class RedisList(_RedisSequence[_T], JSONSerializable):
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
    """

    _kind: ClassVar[str] = 'list'

    def __init__(
        self, iterable: Iterable[_T] = (), /, *, redis: RedisClient | None = None, key: str | None = None
    ) -> None:
        """Complexity: O(n), 1 round trip with items (none without)."""
        super().__init__(redis=redis, key=key)
        values = iterable._load() if isinstance(iterable, _RedisSequence) else list(iterable)
        if values:
            self._create('RPUSH', self._encode_all(values))

    # -- indexing --

    @overload
    def __getitem__(self, index: SupportsIndex) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> list[_T]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> _T | list[_T]:
        """x.__getitem__(y) <==> x[y]; a slice reads back as a plain list.

        Complexity: O(1) for an index near either end, O(k + offset) for a
        slice of k items; 1 round trip, atomic.
        """
        if isinstance(index, slice):
            raws = self._eval(_GET_SLICE, [self.key], list(_unpack_slice(index)))
            return decode_many(raws)
        return self._get_index(self._list_index(index), 'list index out of range')

    @overload
    def __setitem__(self, index: SupportsIndex, value: _T) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[_T]) -> None: ...

    def __setitem__(self, index: SupportsIndex | slice, value: Any) -> None:
        """Set self[index] to value; slices follow list's rules and errors.

        Complexity: O(1) near either end for an index, O(n) for a slice; 1
        round trip, atomic (a RedisList value in the same slot is read
        server-side; in another cluster slot it costs 1 more round trip).
        Nothing is written if an item cannot be encoded or an extended
        slice's size does not match.
        """
        if not isinstance(index, slice):
            self._set_index(self._list_index(index), value, 'list assignment index out of range')
            return
        start, stop, step = _unpack_slice(index)
        if isinstance(value, _RedisSequence) and self._same_slot(value):
            # Another Redis list in the same slot: its items never leave the server.
            result = self._eval(_SET_SLICE, [self.key, value.key], [start, stop, step])
        else:
            try:
                values = value._load() if isinstance(value, _RedisSequence) else list(value)
            except TypeError:
                message = _NOT_ITERABLE_SLICE if step == 1 else _NOT_ITERABLE_EXTENDED_SLICE
                raise TypeError(message) from None
            result = self._eval(_SET_SLICE, [self.key], [start, stop, step, *self._encode_all(values)])
        if result != -1:
            size, count = result
            raise ValueError(f'attempt to assign sequence of size {count} to extended slice of size {size}')

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        """Delete self[index]; slices follow list's rules.  O(n), 1 round trip, atomic."""
        if isinstance(index, slice):
            self._eval(_DEL_SLICE, [self.key], list(_unpack_slice(index)))
            return
        self._del_index(self._list_index(index), 'list assignment index out of range')

    @staticmethod
    def _list_index(index: Any) -> int:
        try:
            return operator.index(index)
        except TypeError:
            raise TypeError(f'list indices must be integers or slices, not {type(index).__name__}') from None

    def insert(self, index: SupportsIndex, value: _T) -> None:
        """S.insert(index, object) -- insert object before index.

        Positions out of range clamp as with ``list.insert``.  Complexity:
        O(1) at either end, O(n) in the middle; 1 round trip, atomic.
        """
        self._insert(index, value)

    # MutableSequence.pop reads s[i], then deletes it: 2 round trips, racy.
    def pop(self, index: SupportsIndex = -1) -> _T:
        """S.pop([index]) -> item -- remove and return item at index (default last).

        Raises IndexError if list is empty or index is out of range.
        Complexity: O(1) at either end, O(n) in the middle; 1 round trip,
        atomic: concurrent pops never return an item twice.
        """
        position = _ssize(index)
        if position in (-1, 0):
            raw: Any = self.redis.rpop(self.key) if position == -1 else self.redis.lpop(self.key)
            if raw is None:
                raise IndexError('pop from empty list')
            return cast(_T, decode(raw))
        result = self._eval(_POP_INDEX, [self.key], [max(-_BIG, min(_BIG, position))])
        if result == -1:
            raise IndexError('pop from empty list')
        if result == -2:
            raise IndexError('pop index out of range')
        return cast(_T, decode(result[0]))

    def sort(self, *, key: Callable[[_T], Any] | None = None, reverse: bool = False) -> None:
        """L.sort(*, key=None, reverse=False) -> None -- stable sort *IN PLACE*.

        Items are compared in Python (like ``list.sort``, with the same
        errors; nothing is written if sorting raises).  Complexity: O(n log n);
        2 round trips: read, then a compare-and-set script that writes the
        sorted items only if the list did not change meanwhile (else retry).
        """
        while True:
            raws = self._load_raw()
            values = decode_many(raws)
            keys = values if key is None else [key(value) for value in values]
            order = sorted(range(len(values)), key=keys.__getitem__, reverse=reverse)
            if self._eval(_REPLACE_IF, [self.key], [_digest(raws), *(raws[i] for i in order)]):
                return

    def to_list(self) -> list[_T]:
        """Return a plain list copy of the items.  O(n), 1 round trip (LRANGE), atomic."""
        return self._load()

    def _json_value(self) -> list[_T]:
        return self._load()

    def __repr__(self) -> str:
        """RedisList[...], the items as a list shows them.  1 round trip."""
        return f'{type(self).__name__}{self._load()!r}'

    def copy(self) -> RedisList[_T]:
        """L.copy() -> a new RedisList with the same items, at a random key.

        O(n); on one server 1 round trip (COPY, server-side); on a cluster 2
        (the random key usually lives in another slot).
        """
        new: RedisList[_T] = RedisList(redis=self.redis)
        self._copy_into(new)
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> RedisList[_T]:
        """copy.deepcopy(l): l.copy() (items are JSON texts: a copy is already deep).

        Without this, deepcopy would clone the object around the same key
        (and, for a random key, the clone's finalizer would delete it).
        """
        return self.copy()

    def _new_from(self, sources: list[RedisList[Any]], extra: list[Any], times: int) -> RedisList[_T]:
        # A new RedisList holding (sources + extra) * times: 1 round trip on
        # one server; on a cluster the sources are read first (1 each).
        raws = self._encode_all(extra)
        new: RedisList[_T] = RedisList(redis=self.redis)
        if times <= 0:
            return new
        if self._same_slot(new, *sources):
            self._eval(_CONCAT, [new.key, *(source.key for source in sources)], [times, *raws])
        else:
            items = [raw for source in sources for raw in source._load_raw()] + raws
            if items:
                new.redis.rpush(new.key, *(items * times))
        return new

    def __add__(self, other: list[_T] | RedisList[_T]) -> RedisList[_T]:
        """l + other -> a new RedisList (random key, same client).

        ``other`` is a list or a RedisList, as ``list + x`` requires.  O(n),
        1 round trip on one server, 2-3 on a cluster.
        """
        if isinstance(other, RedisList):
            return self._new_from([self, other], [], 1)
        if isinstance(other, list):
            return self._new_from([self], other, 1)
        return NotImplemented

    def __radd__(self, other: list[_T]) -> list[_T]:
        """other + l -> a plain list.  O(n), 1 round trip."""
        if isinstance(other, list):
            return other + self._load()
        return NotImplemented

    # MutableSequence.__iadd__ is extend(), which the mixin makes per item.
    def __iadd__(self, values: Iterable[_T]) -> RedisList[_T]:
        """l += iterable: l.extend(iterable).  O(n), 1 round trip, atomic."""
        self._extend(values)
        return self

    def __mul__(self, times: SupportsIndex) -> RedisList[_T]:
        """l * n -> a new RedisList (random key, same client).  O(n * times), 1-2 round trips."""
        try:
            count = operator.index(times)
        except TypeError:
            return NotImplemented
        if not -_SSIZE_MAX - 1 <= count <= _SSIZE_MAX:
            raise OverflowError("cannot fit 'int' into an index-sized integer")
        return self._new_from([self], [], count)

    __rmul__ = __mul__

    def __imul__(self, times: SupportsIndex) -> RedisList[_T]:
        """l *= n, in place.  O(n * times), 1 round trip, atomic."""
        self._imul(times)
        return self

    def _peer(self, other: Any) -> RedisList[Any] | list[Any] | None:
        # list compares with lists only (not tuples, not deques).
        return other if isinstance(other, (RedisList, list)) else None

    __eq__ = _comparison('__eq__', operator.eq)
    __ne__ = _comparison('__ne__', operator.ne)
    __lt__ = _comparison('__lt__', operator.lt)
    __le__ = _comparison('__le__', operator.le)
    __gt__ = _comparison('__gt__', operator.gt)
    __ge__ = _comparison('__ge__', operator.ge)
    __hash__ = None  # type: ignore[assignment]  # mutable, as list
