"""RedisCounter: a ``collections.Counter`` whose counts live in a Redis hash.

Layout: one Redis hash at ``key``; each field is ``encode_key(k)`` and each
value the integer count as decimal text (``'3'``, ``'-6'``), the layout of the
``pottery`` package on PyPI -- so ``HINCRBY`` works on it, from any client.

Why a :class:`~pottery.dict.RedisDict` subclass: ``Counter`` is a ``dict``
subclass, and a RedisCounter *is* a RedisDict whose values are integers --
same hash, same field encoding, same iteration, ``pop``, ``popitem``,
``keys``/``values``/``items``, ``to_dict``, ``clear``, ``copy`` and ``len``.
What Counter changes is overridden here: missing keys count 0,
``update``/``subtract`` add instead of replacing, ``fromkeys`` is refused, the
operators are Counter's, and equality ignores missing-versus-zero as the
running Python's Counter does.

Counts are integers (what ``HINCRBY`` stores): a count that is not an ``int``
raises ``TypeError`` and nothing is written.

Order: Redis keeps a small hash (up to ``hash-max-listpack-entries``, 128 by
default) in insertion order, so ``most_common`` breaks ties, and iteration
runs, in Counter's order there; in a larger hash ties come in an arbitrary
(but consistent) order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar, NoReturn, TypeVar, cast

from pottery.base import Base, RedisClient, decode_keys, encode_key
from pottery.dict import RedisDict

__all__ = ['RedisCounter']

_K = TypeVar('_K')

# KEYS[1]: the hash.  ARGV: field1, increment1, field2, increment2...
# HINCRBY each field.  Every field is checked first: a Lua error does not
# roll back the writes before it, so a field holding a non-integer must
# stop the script before the first increment, not halfway through.
_INCREMENT = """
for i = 1, #ARGV, 2 do
    local value = redis.call('HGET', KEYS[1], ARGV[i])
    if value and not string.match(value, '^%-?%d+$') then
        return redis.error_reply('ERR hash value is not an integer: ' .. ARGV[i])
    end
end
for i = 1, #ARGV, 2 do
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
"""

# KEYS[1]: the hash.  ARGV[1]: 'add' (also for -=, with negated counts),
# 'or' or 'and'; ARGV[2]: '1' if a field of the hash missing from the other
# operand is an error (&= with a plain mapping, where Counter raises
# KeyError), else '0'; ARGV[3], ARGV[4]...: field, count pairs of the other.
# Applies Counter's in-place operator, then drops every field whose count is
# not positive (Counter._keep_positive), all atomically.  Returns {1}, or
# {0, field} for the KeyError case (nothing written).
_INPLACE = """
local op, strict = ARGV[1], ARGV[2] == '1'
local current = redis.call('HGETALL', KEYS[1])
for i = 2, #current, 2 do
    if not string.match(current[i], '^%-?%d+$') then
        return redis.error_reply('ERR hash value is not an integer: ' .. current[i - 1])
    end
end
if op == 'add' then
    for i = 3, #ARGV, 2 do
        redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
    end
elseif op == 'or' then
    for i = 3, #ARGV, 2 do
        local count = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
        if tonumber(ARGV[i + 1]) > count then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
        end
    end
else
    local other = {}
    for i = 3, #ARGV, 2 do
        other[ARGV[i]] = ARGV[i + 1]
    end
    if strict then
        for i = 1, #current, 2 do
            if not other[current[i]] then
                return {0, current[i]}
            end
        end
    end
    for i = 1, #current, 2 do
        local other_count = other[current[i]] or '0'
        if tonumber(other_count) < tonumber(current[i + 1]) then
            redis.call('HSET', KEYS[1], current[i], other_count)
        end
    end
end
local after = redis.call('HGETALL', KEYS[1])
for i = 1, #after, 2 do
    if tonumber(after[i + 1]) <= 0 then
        redis.call('HDEL', KEYS[1], after[i])
    end
end
return {1}
"""

# KEYS[1], KEYS[2]: two hashes in one slot.  Returns both HGETALLs, read
# atomically in one round trip.
_BOTH = """
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
"""


def _count(value: Any) -> int:
    # Counts are what HINCRBY stores: integers (a bool is an int, as 1 or 0).
    if not isinstance(value, int):
        raise TypeError(f'RedisCounter counts must be integers, not {type(value).__name__!r}')
    return int(value)


def _field_or_none(key: Any) -> str | None:
    # For reads and deletes: a key JSON cannot encode can never be stored, so
    # it is simply missing -- as Counter()[object()] is 0.  Unhashable keys
    # still raise TypeError, as they do for Counter.
    try:
        return encode_key(key)
    except TypeError:
        hash(key)
        return None


def _counter_from_pairs(pairs: list[Any]) -> Counter[Any]:
    # A flat [field, count, field, count...] reply, as a Counter in its order.
    fields, counts = pairs[0::2], pairs[1::2]
    return Counter(dict(zip(decode_keys(fields), map(int, counts), strict=True)))


class RedisCounter(RedisDict[_K, int]):
    """A ``collections.Counter`` stored in a Redis hash, shared by every client.

    >>> c = RedisCounter('abracadabra', redis=redis)
    >>> c['a'], c['z']
    (5, 0)
    >>> c.update({'z': 1})
    >>> c.most_common(2)
    [('a', 5), ('b', 2)]

    Every count change is an atomic server-side increment: ``update`` and
    ``subtract`` of n keys are 1 round trip, whatever other clients do at
    the same time.  But ``c[k] += 1`` is, in Python's own semantics, a read
    (``c[k]``) then a write (``c[k] = ...``): two clients doing it at once
    can lose an increment.  Use ``c.update({k: 1})`` (or ``c.update([k])``)
    instead.

    Keys must be JSON serializable and counts integers.  Binary operators
    (``+ - & |``, unary ``+ -``) return plain ``Counter`` objects; in-place
    operators write back atomically.  Constructing with data requires the key
    to be new (:class:`~pottery.exceptions.KeyExistsError` otherwise).
    """

    _redis_type: ClassVar[str] = 'hash'

    def __init__(
        self,
        iterable: Iterable[_K] | Mapping[_K, int] | None = None,
        /,
        *,
        redis: RedisClient | None = None,
        key: str | None = None,
        **kwargs: int,
    ) -> None:
        """Count elements from an iterable, or counts from a mapping and kwargs.

        Complexity: O(n), 1 round trip with data (none without).
        """
        # RedisDict.__init__ would store the mapping's values as they are;
        # a Counter counts an iterable, so skip straight to Base.
        Base.__init__(self, redis=redis, key=key)
        counts = self._counts(iterable, kwargs, subtract=False)
        if counts:
            self._create('HSET', [text for field, count in counts.items() for text in (field, str(count))])

    @staticmethod
    def _counts(iterable: Any, kwargs: Mapping[str, Any], *, subtract: bool) -> dict[str, int]:
        # Counter's own update()/subtract() decide what the argument means
        # (an iterable to count or a mapping of counts) and in which order
        # keys first appear; the result is checked and encoded before
        # anything is sent, so bad input writes nothing.
        if isinstance(iterable, RedisDict):
            iterable = iterable.to_dict()
        counts: Counter[Any] = Counter()
        if subtract:
            counts.subtract(iterable, **kwargs)
        else:
            counts.update(iterable, **kwargs)
        return {encode_key(key): _count(count) for key, count in counts.items()}

    def _increment(self, counts: dict[str, int]) -> None:
        if counts:
            args = [text for field, count in counts.items() for text in (field, str(count))]
            self._eval(_INCREMENT, [self.key], args)

    # -- single keys: 1 round trip each --

    def __getitem__(self, key: _K) -> int:
        """C[k] -> the count of k, 0 if k is missing (nothing is inserted).

        O(1), 1 round trip.  Note that ``C[k] += 1`` is a read then a write
        in Python's own semantics, not atomic: concurrent clients can lose
        increments.  ``C.update({k: 1})`` is the atomic way (1 round trip).
        """
        field = _field_or_none(key)
        raw = None if field is None else self.redis.hget(self.key, field)
        return 0 if raw is None else int(raw)

    def __missing__(self, key: _K) -> int:
        """The count of a missing key: 0 (as Counter.__missing__)."""
        return 0

    def __setitem__(self, key: _K, count: int) -> None:
        """C[k] = n: set the count of k.  O(1), 1 round trip.

        Counts must be integers (TypeError otherwise).  ``C[k] += 1`` is a
        read then this write, not atomic; ``C.update({k: 1})`` is.
        """
        self.redis.hset(self.key, encode_key(key), str(_count(count)))

    def __delitem__(self, key: _K) -> None:
        """del C[k]: remove k; unlike dict, no KeyError if missing.  1 round trip."""
        field = _field_or_none(key)
        if field is not None:
            self.redis.hdel(self.key, field)

    def __contains__(self, key: object) -> bool:
        """k in C.  O(1), 1 round trip (none for a key JSON cannot encode: never stored)."""
        field = _field_or_none(key)
        return field is not None and bool(self.redis.hexists(self.key, field))

    def setdefault(self, key: _K, default: Any = None) -> Any:
        """C.setdefault(k[,n]) -> C.get(k,n), also set C[k]=n if k not in C.

        O(1), 1 round trip, atomic.  n must be an integer (TypeError
        otherwise, even when k is present: nothing else can be stored).
        """
        return super().setdefault(key, _count(default))

    @classmethod
    def fromkeys(cls, iterable: Any, v: Any = None, **kwargs: Any) -> NoReturn:  # type: ignore[override]  # refused, as Counter refuses it
        """Refused, as Counter.fromkeys is: raises NotImplementedError."""
        raise NotImplementedError('Counter.fromkeys() is undefined.  Use Counter(iterable) instead.')

    # -- bulk counting: 1 round trip, atomic --

    # RedisDict.update replaces values; Counter's adds counts.
    def update(self, iterable: Any = None, /, **kwargs: int) -> None:
        """C.update([E, ]**F): add counts from an iterable, a mapping, and F.

        Like Counter.update: an iterable's elements count 1 each; a mapping's
        values are added.  O(n), 1 round trip, atomic (server-side HINCRBYs
        in one script); nothing is written if a key or count is bad.

        >>> c = RedisCounter('which', redis=redis)
        >>> c.update('witch')
        >>> c.update({'h': 2}, w=-1)
        >>> c['h'], c['w']
        (5, 1)
        """
        self._increment(self._counts(iterable, kwargs, subtract=False))

    def subtract(self, iterable: Any = None, /, **kwargs: int) -> None:
        """C.subtract([E, ]**F): subtract counts (which may go to zero or below).

        O(n), 1 round trip, atomic, like :meth:`update`.
        """
        self._increment(self._counts(iterable, kwargs, subtract=True))

    # -- whole-counter reads: 1 round trip --

    def to_counter(self) -> Counter[_K]:
        """Return a plain Counter copy of C.  O(n), 1 round trip (HGETALL), atomic."""
        return Counter(self.to_dict())

    def total(self) -> int:
        """C.total() -> the sum of the counts.  O(n), 1 round trip (HVALS)."""
        return sum(int(raw) for raw in self.redis.hvals(self.key))

    def elements(self) -> Iterator[_K]:
        """Iterator over elements repeating each as many times as its count.

        Elements with a count below 1 are skipped.  O(n) to read, 1 round
        trip (a snapshot), then lazy like Counter.elements.
        """
        return self.to_counter().elements()

    def most_common(self, n: int | None = None) -> list[tuple[_K, int]]:
        """List the n most common elements and their counts, most common first.

        All of them when n is None.  Ties keep Counter's order -- the order
        the keys were first inserted -- for hashes up to 128 keys (see the
        module docstring).  O(n log n), 1 round trip (HGETALL; the sort runs
        in Python, so the whole hash is transferred).

        >>> RedisCounter('abracadabra', redis=redis).most_common(3)
        [('a', 5), ('b', 2), ('r', 2)]
        """
        return self.to_counter().most_common(n)

    def __repr__(self) -> str:
        """RedisCounter{...}, most common first, as Counter orders its repr.  1 round trip."""
        return f'{type(self).__name__}{dict(self.to_counter().most_common())!r}'

    # -- comparisons: the running Python's Counter semantics --

    def _operand(self, other: object) -> Counter[Any] | None:
        # A Counter-typed operand as a Counter, else None (NotImplemented).
        if isinstance(other, RedisCounter):
            return other.to_counter()
        if isinstance(other, Counter):
            return other
        return None

    def _pair(self, other: object) -> tuple[Counter[Any], Counter[Any]] | None:
        # (self, other) as Counters.  Two RedisCounters in one slot are read
        # together by one script: 1 round trip and a consistent snapshot;
        # elsewhere, 2 round trips.
        if isinstance(other, RedisCounter) and self._same_slot(other):
            mine, theirs = self._eval(_BOTH, [self.key, other.key], [])
            return _counter_from_pairs(mine), _counter_from_pairs(theirs)
        operand = self._operand(other)
        if operand is None:
            return None
        return self.to_counter(), operand

    # RedisDict.__eq__ is dict equality; Counter's treats missing as zero.
    def __eq__(self, other: object) -> bool:
        """C == other.  With a Counter, missing counts are zero (Counter's rule).

        With another mapping, dict equality (as for Counter).  O(n), 1 round
        trip (2 with a RedisCounter in another slot).
        """
        if isinstance(other, RedisCounter) and self._same_redis(other) and self.key == other.key:
            return True
        pair = self._pair(other)
        if pair is not None:
            return pair[0] == pair[1]
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other.items())
        return NotImplemented

    __hash__ = None  # mutable, as Counter (RedisDict already says so)

    def __le__(self, other: object) -> bool:
        """C <= other: every count of C is at most other's.  O(n), 1 round trip."""
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] <= pair[1]

    def __lt__(self, other: object) -> bool:
        """C < other: C <= other and C != other.  O(n), 1 round trip."""
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] < pair[1]

    def __ge__(self, other: object) -> bool:
        """C >= other: every count of C is at least other's.  O(n), 1 round trip."""
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] >= pair[1]

    def __gt__(self, other: object) -> bool:
        """C > other: C >= other and C != other.  O(n), 1 round trip."""
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] > pair[1]

    # -- binary operators: plain Counters, computed by Counter itself --

    def __add__(self, other: object) -> Counter[Any]:
        """C + other -> a Counter of the positive sums.  O(n), 1 round trip."""
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] + pair[1]

    def __radd__(self, other: object) -> Counter[Any]:
        """other + C -> a Counter.  O(n), 1 round trip."""
        operand = self._operand(other)
        return NotImplemented if operand is None else operand + self.to_counter()

    def __sub__(self, other: object) -> Counter[Any]:
        """C - other -> a Counter of the positive differences.  O(n), 1 round trip."""
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] - pair[1]

    def __rsub__(self, other: object) -> Counter[Any]:
        """other - C -> a Counter.  O(n), 1 round trip."""
        operand = self._operand(other)
        return NotImplemented if operand is None else operand - self.to_counter()

    def __or__(
        self, other: object
    ) -> Counter[Any] | dict[Any, Any]:  # Counter union; a dict merge for a plain dict, as Counter
        """C | other -> a Counter of the positive maxima.  O(n), 1 round trip.

        With a plain dict, a dict merge (as ``Counter() | {}`` falls back to
        ``dict.__ror__``).
        """
        pair = self._pair(other)
        if pair is not None:
            return pair[0] | pair[1]
        if isinstance(other, dict):
            return {**self.to_dict(), **other}
        return NotImplemented

    def __ror__(self, other: object) -> Counter[Any] | dict[Any, Any]:
        """other | C -> a Counter (a dict merge with a plain dict).  O(n), 1 round trip."""
        operand = self._operand(other)
        if operand is not None:
            return cast(Counter[Any], operand | self.to_counter())
        if isinstance(other, dict):
            return {**other, **self.to_dict()}
        return NotImplemented

    def __and__(self, other: object) -> Counter[Any]:
        """C & other -> a Counter of the positive minima.  O(n), 1 round trip."""
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] & pair[1]

    def __rand__(self, other: object) -> Counter[Any]:
        """other & C -> a Counter.  O(n), 1 round trip."""
        operand = self._operand(other)
        return NotImplemented if operand is None else operand & self.to_counter()

    def __pos__(self) -> Counter[_K]:
        """+C -> a Counter of the positive counts.  O(n), 1 round trip."""
        return +self.to_counter()

    def __neg__(self) -> Counter[_K]:
        """-C -> a Counter of the negated negative counts.  O(n), 1 round trip."""
        return -self.to_counter()

    # -- in-place operators: atomic, server-side --

    def _inplace(self, op: str, other: Any, *, negate: bool = False) -> RedisCounter[_K]:
        # Counter's in-place operators take anything with items() (they raise
        # AttributeError otherwise); &= indexes other, so a plain mapping
        # missing one of C's keys raises KeyError -- here before writing.
        strict = op == 'and' and not isinstance(other, (Counter, RedisCounter))
        if isinstance(other, RedisCounter):
            other = other.to_counter()
        pairs: list[str] = []
        for key, count in other.items():
            pairs += (encode_key(key), str(-_count(count) if negate else _count(count)))
        reply = self._eval(_INPLACE, [self.key], [op, '1' if strict else '0', *pairs])
        if not reply[0]:
            raise KeyError(decode_keys([reply[1]])[0])
        return self

    def __iadd__(self, other: Any) -> RedisCounter[_K]:  # type: ignore[misc]  # returns self, while the binary operator returns a plain Counter
        """C += other: add other's counts, keep the positive ones.

        O(n), 1 round trip, atomic (one script); +1 if other is a RedisCounter.
        """
        return self._inplace('add', other)

    def __isub__(self, other: Any) -> RedisCounter[_K]:  # type: ignore[misc]  # returns self, while the binary operator returns a plain Counter
        """C -= other: subtract other's counts, keep the positive ones.  1 round trip, atomic."""
        return self._inplace('add', other, negate=True)

    def __ior__(self, other: Any) -> RedisCounter[_K]:  # type: ignore[misc,override]  # Counter's union, not a dict merge; returns self
        """C |= other: the maximum of each count, positive ones kept.  1 round trip, atomic."""
        return self._inplace('or', other)

    def __iand__(self, other: Any) -> RedisCounter[_K]:  # type: ignore[misc]  # returns self, while the binary operator returns a plain Counter
        """C &= other: the minimum of each count, positive ones kept.  1 round trip, atomic."""
        return self._inplace('and', other)
