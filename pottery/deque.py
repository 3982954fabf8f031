"""RedisDeque: a ``collections.deque`` whose items live in a Redis list.

Layout: one Redis list at ``key`` of ``encode(x)`` texts, exactly as
:class:`~pottery.list.RedisList` (so a RedisList and a RedisDeque may share a
key).  :class:`DequeCore` holds every deque operation once, for every front:
the ones lists and deques share come from
:class:`pottery.sequence.SequenceCore`; this module adds deque's API and error
messages.  :class:`RedisDeque` is the sync front, ``pottery.asyncio.RedisDeque``
the asyncio one.  Neither subclasses ``collections.deque``, whose in-memory
methods would leak through.

``maxlen`` belongs to the instance, as with ``deque``: Redis stores only the
items.  Every push made through a bounded instance trims the list to its
``maxlen`` in the same atomic step (a Lua script), so all instances that
share a key with the same ``maxlen`` never see more items than that.
Attaching a bounded instance to an existing key (no items given) whose list
is already longer than ``maxlen`` raises ``IndexError``, as pottery 3.0.1
does, and leaves the list alone.
"""

from __future__ import annotations

import collections
import operator
from collections.abc import Iterable, MutableSequence
from datetime import timedelta
from typing import Any, ClassVar, SupportsIndex, TypeVar

from pottery.base import SyncFront, decode
from pottery.command import Call, Op, Script, operation, run
from pottery.sequence import SEQUENCE_LIB, SequenceCore, comparison, ssize

__all__ = ['DequeCore', 'RedisDeque']

_T = TypeVar('_T')

# KEYS[1]: the list.  ARGV[1]: n, as a decimal integer (any size).
# deque.rotate(n): move the last n items to the front (the first -n to the
# back when n < 0), moving whichever part is shorter.  n is reduced modulo
# the length digit by digit, as Lua's numbers are doubles and n may not be.
ROTATE = Script(
    SEQUENCE_LIB
    + """
local key = KEYS[1]
local len = redis.call('LLEN', key)
if len <= 1 then
    return 0
end
local digits = ARGV[1]
local negative = digits:sub(1, 1) == '-'
if negative then digits = digits:sub(2) end
local n = 0
for k = 1, #digits do
    n = (n * 10 + tonumber(digits:sub(k, k))) % len
end
if negative then n = (len - n) % len end
if n == 0 then
    return 0
end
if n <= len - n then
    local moved = redis.call('LRANGE', key, -n, -1)
    redis.call('LTRIM', key, 0, -n - 1)
    push(key, reversed(moved), true)
else
    local moved = redis.call('LRANGE', key, 0, len - n - 1)
    redis.call('LTRIM', key, len - n, -1)
    push(key, moved, false)
end
return n
"""
)


def _deque_index(index: Any) -> int:
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError(f"sequence index must be integer, not '{type(index).__name__}'") from None


class DequeCore(SequenceCore[_T]):
    """The operations of a Redis list used as a ``collections.deque``, for every front.

    Layout, ``maxlen`` and semantics are described in the module docstring;
    the sync :class:`RedisDeque` and ``pottery.asyncio.RedisDeque`` add only
    what their front needs (operators and ``repr``; named coroutines).
    """

    _kind: ClassVar[str] = 'deque'
    _remove_message: ClassVar[str] = '{value!r} is not in deque'

    def __init__(
        self,
        iterable: Iterable[_T] = (),
        maxlen: int | None = None,
        *,
        redis: Any = None,
        key: str | None = None,
        ttl: float | timedelta | None = None,
    ) -> None:
        """Complexity: O(n), 1 round trip with items or a maxlen on a given key, else none
        (see :class:`~pottery.base.Expiring` for ``ttl=``)."""
        if maxlen is not None:
            if not isinstance(maxlen, int):
                raise TypeError('an integer is required')
            ssize(maxlen)
            if maxlen < 0:
                raise ValueError('maxlen must be non-negative')
        super().__init__(redis=redis, key=key, ttl=ttl)
        self._maxlen = None if maxlen is None else int(maxlen)
        self._fill(iterable)

    @property
    def maxlen(self) -> int | None:
        """Maximum size of a deque or None if unbounded (read-only, per instance)."""
        return self._maxlen

    def _bound(self) -> int | None:
        return self._maxlen

    def _trimmed(self, raws: list[Any]) -> list[Any]:
        if self._maxlen is None:
            return raws
        return raws[-self._maxlen :] if self._maxlen else []

    def _peer(self, other: Any) -> SequenceCore[Any] | list[Any] | None:
        # deque compares with deques only (a Redis deque or collections.deque).
        if isinstance(other, DequeCore):
            return other
        if isinstance(other, collections.deque):
            return list(other)
        return None

    # -- indexing: integers only, as deque --

    @operation
    def getitem(self, index: SupportsIndex | slice) -> Op[_T]:
        """x.__getitem__(y) <==> x[y].  O(1) near either end, 1 round trip.

        Slices raise TypeError, as with ``deque``.
        """
        return (yield from self._get_index(_deque_index(index), 'deque index out of range'))

    __getitem__ = getitem

    @operation
    def setitem(self, index: SupportsIndex | slice, value: _T) -> Op[None]:
        """Set self[index] to value.  O(1) near either end, 1 round trip, atomic."""
        yield from self._set_index(_deque_index(index), value, 'deque index out of range')

    __setitem__ = setitem

    @operation
    def delitem(self, index: SupportsIndex | slice) -> Op[None]:
        """Delete self[index].  O(1) at either end, O(n) inside; 1 round trip, atomic."""
        yield from self._del_index(_deque_index(index), 'deque index out of range')

    __delitem__ = delitem

    # -- both ends: 1 round trip each --

    @operation
    def appendleft(self, value: _T) -> Op[None]:
        """Add an element to the left side of the deque.

        O(1), 1 round trip, atomic (with the trim of the right end a maxlen causes).
        """
        yield from self._push([self._encode_all([value])[0]], left=True)

    @operation
    def extendleft(self, values: Iterable[_T]) -> Op[None]:
        """Extend the left side of the deque with elements from the iterable.

        The items end up in reverse order, as with ``deque``.  O(n), 1 round
        trip, atomic; nothing is written if an item cannot be encoded.
        """
        yield from self._extend(values, left=True)

    # MutableSequence.pop(index) is a read, then a delete; deque.pop takes no index.
    @operation
    def pop(self) -> Op[_T]:
        """Remove and return the rightmost element.  O(1), 1 round trip, atomic."""
        return (yield from self._pop('RPOP'))

    @operation
    def popleft(self) -> Op[_T]:
        """Remove and return the leftmost element.  O(1), 1 round trip, atomic."""
        return (yield from self._pop('LPOP'))

    def _pop(self, command: str) -> Op[_T]:
        raw = yield Call(command, self.key)
        if raw is None:
            raise IndexError('pop from an empty deque')
        return decode(raw)  # type: ignore[no-any-return]  # an item, as stored

    @operation
    def rotate(self, n: SupportsIndex = 1) -> Op[None]:
        """Rotate the deque n steps to the right (default n=1).  If n is negative, rotates left.

        Complexity: O(min(k, len - k)) for k = n mod len; 1 round trip
        (RPOPLPUSH or LMOVE for one step, a Lua script otherwise; none for
        n=0), atomic.
        """
        steps = ssize(n)
        # One step either way is a single list command (no script to run).
        if steps == 1:
            yield Call('RPOPLPUSH', self.key, self.key)
        elif steps == -1:
            yield Call('LMOVE', self.key, self.key, 'LEFT', 'RIGHT')
        elif steps:
            yield ROTATE([self.key], [str(steps)])

    @operation
    def insert(self, index: SupportsIndex, value: _T) -> Op[None]:
        """D.insert(index, object) -- insert object before index.

        Raises IndexError('deque already at its maximum size') when full.
        O(1) at either end, O(n) inside; 1 round trip, atomic.
        """
        if not (yield from self._insert(index, value)):
            raise IndexError('deque already at its maximum size')

    @operation
    def copy(self) -> Op[Any]:
        """Return a shallow copy of a deque: a deque of this type at a random key, same maxlen.

        O(n); on one server 1 round trip (COPY, server-side), on a cluster 2.
        """
        return (yield from self._copy_into(type(self)(maxlen=self._maxlen, redis=self.redis)))


class RedisDeque(DequeCore[_T], SyncFront, MutableSequence[_T]):  # type: ignore[misc]  # deque.pop() takes no index
    """A ``collections.deque`` stored in a Redis list, shared by every client of that key.

    >>> d = RedisDeque('ghi', redis=redis, key='letters')
    >>> d.appendleft('f')
    >>> d
    RedisDeque(['f', 'g', 'h', 'i'])
    >>> RedisDeque('abc', maxlen=2, redis=redis)
    RedisDeque(['b', 'c'], maxlen=2)

    Items must be JSON serializable and round-trip through JSON.  ``maxlen``
    is per instance (see the module docstring); pushes through a bounded
    instance trim atomically.  ``d + x`` and ``d * n`` return plain
    ``collections.deque`` objects (with ``d``'s maxlen), like the other
    pottery containers' binary operators; ``+=`` and ``*=`` write in place.

    Constructing with initial items requires the key to be new, and raises
    :class:`~pottery.exceptions.KeyExistsError` otherwise.

    ``pottery.asyncio.RedisDeque`` is its asyncio twin.
    """

    def __copy__(self) -> RedisDeque[_T]:
        """copy.copy(d): d.copy(), a new container at a random key."""
        return self.copy()  # type: ignore[no-any-return]  # a RedisDeque

    def __deepcopy__(self, memo: dict[int, Any]) -> RedisDeque[_T]:
        """copy.deepcopy(d): d.copy() (items are JSON texts: a copy is already deep)."""
        return self.copy()  # type: ignore[no-any-return]  # a RedisDeque

    def _plain(self, items: Iterable[Any]) -> collections.deque[_T]:
        return collections.deque(items, self._maxlen)

    def __add__(self, other: RedisDeque[_T] | collections.deque[_T]) -> collections.deque[_T]:
        """d + other -> a plain deque (d's maxlen).  O(n), 1 round trip (2 across cluster slots)."""
        peer = self._peer(other)
        if peer is None:
            raise TypeError(f'can only concatenate deque (not "{type(other).__name__}") to deque')
        if isinstance(peer, SequenceCore):
            mine, theirs = run(self, self._pair(peer))
        else:
            mine, theirs = self.to_list(), peer
        result = self._plain(mine)
        result.extend(theirs)
        return result

    def __radd__(self, other: collections.deque[_T]) -> collections.deque[_T]:
        """other + d -> a plain deque (other's maxlen).  O(n), 1 round trip."""
        if not isinstance(other, collections.deque):
            return NotImplemented
        result = other.copy()
        result.extend(self.to_list())
        return result

    def __mul__(self, times: SupportsIndex) -> collections.deque[_T]:
        """d * n -> a plain deque (d's maxlen).  O(n * times), 1 round trip."""
        try:
            count = operator.index(times)
        except TypeError:
            return NotImplemented
        return self._plain(self.to_list()) * count

    __rmul__ = __mul__

    def __imul__(self, times: SupportsIndex) -> RedisDeque[_T]:
        """d *= n, in place (trimmed to maxlen).  O(n * times), 1 round trip, atomic."""
        self._multiply(times)
        return self

    def __repr__(self) -> str:
        """RedisDeque([...]) or RedisDeque([...], maxlen=m).  1 round trip."""
        items = self.to_list()
        if self._maxlen is None:
            return f'{type(self).__name__}({items!r})'
        return f'{type(self).__name__}({items!r}, maxlen={self._maxlen})'

    __eq__ = comparison('__eq__', operator.eq)  # type: ignore[assignment]  # replaces the core's equals
    __ne__ = comparison('__ne__', operator.ne)
    __lt__ = comparison('__lt__', operator.lt)
    __le__ = comparison('__le__', operator.le)
    __gt__ = comparison('__gt__', operator.gt)
    __ge__ = comparison('__ge__', operator.ge)
    __hash__ = None  # type: ignore[assignment]  # mutable, as deque
