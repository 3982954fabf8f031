"""RedisDeque: a ``collections.deque`` whose items live in a Redis list.

Layout: one Redis list at ``key`` of ``encode(x)`` texts, exactly as
:class:`~pottery.list.RedisList` (so a RedisList and a RedisDeque may share a
key).  The Redis machinery comes from :class:`pottery.list._RedisSequence`;
this module adds deque's API and error messages.  It does not subclass
``collections.deque``, whose in-memory methods would leak through.

``maxlen`` belongs to the instance, as with ``deque``: Redis stores only the
items.  Every push made through a bounded instance trims the list to its
``maxlen`` in the same atomic step (a Lua script), so all instances that
share a key with the same ``maxlen`` never see more items than that.
Attaching a bounded instance to an existing key (no items given) trims that
key to its last ``maxlen`` items, as ``deque(existing, maxlen)`` would keep.
"""

from __future__ import annotations

import collections
import operator
from collections.abc import Iterable
from typing import Any, ClassVar, NoReturn, SupportsIndex, TypeVar, cast, overload

from pottery.base import RedisClient, decode, encode
from pottery.list import _LIB, _comparison, _RedisSequence, _ssize

__all__ = ['RedisDeque']

_T = TypeVar('_T')

# KEYS[1]: the list.  ARGV[1]: n, as a decimal integer (any size).
# deque.rotate(n): move the last n items to the front (the first -n to the
# back when n < 0), moving whichever part is shorter.  n is reduced modulo
# the length digit by digit, as Lua's numbers are doubles and n may not be.
_ROTATE = (
    _LIB
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


class RedisDeque(_RedisSequence[_T]):
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
    """

    _kind: ClassVar[str] = 'deque'
    _remove_message: ClassVar[str] = '{value!r} is not in deque'

    def __init__(
        self,
        iterable: Iterable[_T] = (),
        maxlen: int | None = None,
        *,
        redis: RedisClient | None = None,
        key: str | None = None,
    ) -> None:
        """Complexity: O(n), 1 round trip with items or a maxlen on a given key, else none."""
        if maxlen is not None:
            if not isinstance(maxlen, int):
                raise TypeError('an integer is required')
            _ssize(maxlen)
            if maxlen < 0:
                raise ValueError('maxlen must be non-negative')
        super().__init__(redis=redis, key=key)
        self._maxlen = None if maxlen is None else int(maxlen)
        values = iterable._load() if isinstance(iterable, _RedisSequence) else list(iterable)
        if values:
            raws = self._encode_all(values)
            if maxlen is not None:
                raws = raws[-maxlen:] if maxlen else []
            self._create('RPUSH', raws)
        elif maxlen is not None and key is not None:
            self._push([])  # trims an existing list to this instance's bound

    @property
    def maxlen(self) -> int | None:
        """Maximum size of a deque or None if unbounded (read-only, per instance)."""
        return self._maxlen

    def _bound(self) -> int | None:
        return self._maxlen

    # -- indexing: integers only, as deque --

    @overload
    def __getitem__(self, index: SupportsIndex) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> NoReturn: ...

    def __getitem__(self, index: SupportsIndex | slice) -> _T:
        """x.__getitem__(y) <==> x[y].  O(1) near either end, 1 round trip.

        Slices raise TypeError, as with ``deque``.
        """
        return self._get_index(_deque_index(index), 'deque index out of range')

    @overload
    def __setitem__(self, index: SupportsIndex, value: _T) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[_T]) -> NoReturn: ...

    def __setitem__(self, index: SupportsIndex | slice, value: Any) -> None:
        """Set self[index] to value.  O(1) near either end, 1 round trip, atomic."""
        self._set_index(_deque_index(index), value, 'deque index out of range')

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        """Delete self[index].  O(1) at either end, O(n) inside; 1 round trip, atomic."""
        self._del_index(_deque_index(index), 'deque index out of range')

    # -- both ends: 1 round trip each --

    def appendleft(self, value: _T) -> None:
        """Add an element to the left side of the deque.

        O(1), 1 round trip, atomic (with the trim of the right end a maxlen causes).
        """
        self._push([encode(value)], left=True)

    def extendleft(self, values: Iterable[_T]) -> None:
        """Extend the left side of the deque with elements from the iterable.

        The items end up in reverse order, as with ``deque``.  O(n), 1 round
        trip, atomic; nothing is written if an item cannot be encoded.
        """
        self._extend(values, left=True)

    # MutableSequence.pop(index) is a read, then a delete; deque.pop takes no index.
    def pop(self) -> _T:  # type: ignore[override]  # deque.pop() takes no index
        """Remove and return the rightmost element.  O(1), 1 round trip, atomic."""
        raw: Any = self.redis.rpop(self.key)
        if raw is None:
            raise IndexError('pop from an empty deque')
        return cast(_T, decode(raw))

    def popleft(self) -> _T:
        """Remove and return the leftmost element.  O(1), 1 round trip, atomic."""
        raw: Any = self.redis.lpop(self.key)
        if raw is None:
            raise IndexError('pop from an empty deque')
        return cast(_T, decode(raw))

    def rotate(self, n: SupportsIndex = 1) -> None:
        """Rotate the deque n steps to the right (default n=1).  If n is negative, rotates left.

        Complexity: O(min(k, len - k)) for k = n mod len; 1 round trip
        (RPOPLPUSH or LMOVE for one step, a Lua script otherwise; none for
        n=0), atomic.
        """
        steps = _ssize(n)
        # One step either way is a single list command (no script to run).
        if steps == 1:
            self.redis.rpoplpush(self.key, self.key)
        elif steps == -1:
            self.redis.lmove(self.key, self.key, 'LEFT', 'RIGHT')
        elif steps:
            self._eval(_ROTATE, [self.key], [str(steps)])

    def insert(self, index: SupportsIndex, value: _T) -> None:
        """D.insert(index, object) -- insert object before index.

        Raises IndexError('deque already at its maximum size') when full.
        O(1) at either end, O(n) inside; 1 round trip, atomic.
        """
        if not self._insert(index, value):
            raise IndexError('deque already at its maximum size')

    # -- copies and operators --

    def copy(self) -> RedisDeque[_T]:
        """Return a shallow copy of a deque: a RedisDeque at a random key, same maxlen.

        O(n); on one server 1 round trip (COPY, server-side), on a cluster 2.
        """
        new: RedisDeque[_T] = RedisDeque(maxlen=self._maxlen, redis=self.redis)
        self._copy_into(new)
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> RedisDeque[_T]:
        """copy.deepcopy(d): d.copy() (items are JSON texts: a copy is already deep)."""
        return self.copy()

    def _plain(self, items: Iterable[Any]) -> collections.deque[_T]:
        return collections.deque(items, self._maxlen)

    def __add__(self, other: RedisDeque[_T] | collections.deque[_T]) -> collections.deque[_T]:
        """d + other -> a plain deque (d's maxlen).  O(n), 1 round trip (2 across cluster slots)."""
        peer = self._peer(other)
        if peer is None:
            raise TypeError(f'can only concatenate deque (not "{type(other).__name__}") to deque')
        if isinstance(peer, _RedisSequence):
            mine, theirs = self._load_pair(peer)
        else:
            mine, theirs = self._load(), peer
        result = self._plain(mine)
        result.extend(theirs)
        return result

    def __radd__(self, other: collections.deque[_T]) -> collections.deque[_T]:
        """other + d -> a plain deque (other's maxlen).  O(n), 1 round trip."""
        if not isinstance(other, collections.deque):
            return NotImplemented
        result = other.copy()
        result.extend(self._load())
        return result

    # MutableSequence.__iadd__ is extend(), which the mixin makes per item.
    def __iadd__(self, values: Iterable[_T]) -> RedisDeque[_T]:
        """d += iterable: d.extend(iterable).  O(n), 1 round trip, atomic."""
        self._extend(values)
        return self

    def __mul__(self, times: SupportsIndex) -> collections.deque[_T]:
        """d * n -> a plain deque (d's maxlen).  O(n * times), 1 round trip."""
        try:
            count = operator.index(times)
        except TypeError:
            return NotImplemented
        return self._plain(self._load()) * count

    __rmul__ = __mul__

    def __imul__(self, times: SupportsIndex) -> RedisDeque[_T]:
        """d *= n, in place (trimmed to maxlen).  O(n * times), 1 round trip, atomic."""
        self._imul(times)
        return self

    def __repr__(self) -> str:
        """RedisDeque([...]) or RedisDeque([...], maxlen=m).  1 round trip."""
        items = self._load()
        if self._maxlen is None:
            return f'{type(self).__name__}({items!r})'
        return f'{type(self).__name__}({items!r}, maxlen={self._maxlen})'

    def _peer(self, other: Any) -> RedisDeque[Any] | list[Any] | None:
        # deque compares with deques only (RedisDeque or collections.deque).
        if isinstance(other, RedisDeque):
            return other
        if isinstance(other, collections.deque):
            return list(other)
        return None

    __eq__ = _comparison('__eq__', operator.eq)
    __ne__ = _comparison('__ne__', operator.ne)
    __lt__ = _comparison('__lt__', operator.lt)
    __le__ = _comparison('__le__', operator.le)
    __gt__ = _comparison('__gt__', operator.gt)
    __ge__ = _comparison('__ge__', operator.ge)
    __hash__ = None  # mutable, as deque
