"""RedisCounter: a ``collections.Counter`` whose counts live in a Redis hash.

Layout: one Redis hash at ``key``; each field is ``encode_key(k)`` and each
value the integer count as decimal text (``'3'``, ``'-6'``), the layout of the
``pottery`` package on PyPI -- so ``HINCRBY`` works on it, from any client.

Why a :class:`~pottery.dict.DictCore` subclass: ``Counter`` is a ``dict``
subclass, and a RedisCounter *is* a RedisDict whose values are integers --
same hash, same field encoding, same iteration, ``pop``, ``popitem``,
``keys``/``values``/``items``, ``to_dict``, ``clear``, ``copy`` and ``len``.
What Counter changes is overridden in :class:`CounterCore`, once for both
fronts: missing keys count 0, ``update``/``subtract`` add instead of
replacing, ``fromkeys`` is refused, the operators are Counter's, and equality
ignores missing-versus-zero as the running Python's Counter does.  The sync
:class:`RedisCounter` is also a :class:`~pottery.dict.RedisDict` (views,
``repr``, ``json.dumps``); ``pottery.asyncio.RedisCounter`` is its asyncio
twin.

Counts are 64-bit signed integers (what ``HINCRBY`` stores): a count that is
not an ``int`` raises ``TypeError``, one out of range (or a sum that would
be, in ``update``, ``+=``...) ``OverflowError``, and nothing is written.
Counts are compared and added exactly, also past 2**53 (the scripts do not
use Lua's double-precision numbers for them).

On the sync front ``c[k] += 1`` is atomic: ``c[k]`` is a :class:`Count`
that remembers where it was read, and assigning it (plus or minus an int)
back to the same key sends the difference as an increment.

Order: Redis keeps a small hash (up to ``hash-max-listpack-entries``, 128 by
default) in insertion order, so ``most_common`` breaks ties, and iteration
runs, in Counter's order there; in a larger hash ties come in an arbitrary
(but consistent) order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar, NoReturn, TypeVar, cast

from pottery.base import Expiring, decode_keys, encode_key, lookup_key
from pottery.command import Call, Op, Script, operation
from pottery.dict import DictCore, RedisDict
from pottery.exceptions import warn_inefficient

__all__ = ['Count', 'CounterCore', 'RedisCounter']

_K = TypeVar('_K')

# Counts are 64-bit signed integers (what HINCRBY stores), but Lua numbers
# are doubles, exact only up to 2^53: tonumber('9007199254740993') rounds.
# So the scripts below parse a count's text into two base-10^9 digits of
# the same sign, {high, low} with count = high * 10^9 + low, each exact in
# a double, and compare and add counts in that form.
_INT64 = """
local MIN, MAX, ZERO = {-9223372036, -854775808}, {9223372036, 854775807}, {0, 0}

local function less(a, b)
    return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end

-- The count in text, or nil unless it is an integer HINCRBY accepts
-- (64-bit, no '+', no leading zero).
local function count(text)
    local minus, digits = string.match(text, '^(%-?)([1-9]%d*)$')
    if text == '0' then
        return ZERO
    elseif not digits or #digits > 19 then
        return nil
    end
    local sign = minus == '' and 1 or -1
    local c = {sign * (tonumber(string.sub(digits, 1, -10)) or 0), sign * tonumber(string.sub(digits, -9))}
    if less(c, MIN) or less(MAX, c) then
        return nil
    end
    return c
end

-- a + b, or nil if the sum leaves the 64-bit range.
local function sum(a, b)
    local high, low = a[1] + b[1], a[2] + b[2]
    if low >= 1e9 then
        high, low = high + 1, low - 1e9
    elseif low <= -1e9 then
        high, low = high - 1, low + 1e9
    end
    if high > 0 and low < 0 then
        high, low = high - 1, low + 1e9
    elseif high < 0 and low > 0 then
        high, low = high + 1, low - 1e9
    end
    local c = {high, low}
    if less(c, MIN) or less(MAX, c) then
        return nil
    end
    return c
end

local function not_an_integer(field)
    return redis.error_reply('ERR hash value is not an integer: ' .. field)
end
"""

# KEYS[1]: the hash.  ARGV: field1, increment1, field2, increment2...
# HINCRBY each field (the fields are distinct).  Every field is checked
# first: a Lua error does not roll back the writes before it, so a field
# holding a non-integer, or a sum that would overflow (HINCRBY's error),
# must stop the script before the first increment, not halfway through.
# Returns nil, or the first field whose count would overflow (nothing
# written).
_INCREMENT = Script(
    _INT64
    + """
for i = 1, #ARGV, 2 do
    local value, current = redis.call('HGET', KEYS[1], ARGV[i]), ZERO
    if value then
        current = count(value)
        if not current then
            return not_an_integer(ARGV[i])
        end
    end
    if not sum(current, count(ARGV[i + 1])) then
        return ARGV[i]
    end
end
for i = 1, #ARGV, 2 do
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return false
"""
)

# _INPLACE's replies when it refuses to write (the codes are literals in Lua).
_MISSING, _OVERFLOW = 0, 1

# KEYS[1]: the hash.  ARGV[1]: 'add' (also for -=, with negated counts),
# 'or' or 'and'; ARGV[2]: '1' if a field of the hash missing from the other
# operand is an error (&= with a plain mapping, where Counter raises
# KeyError), else '0'; ARGV[3], ARGV[4]...: field, count pairs of the other.
# Applies Counter's in-place operator, then drops every field whose count is
# not positive (Counter._keep_positive), all atomically.  Counts are
# compared and added exactly (see _INT64).  Returns nil, or {_MISSING,
# field} for the KeyError case, or {_OVERFLOW, field} when a sum would
# leave the 64-bit range (nothing written in either case).
_INPLACE = Script(
    _INT64
    + """
local op, strict = ARGV[1], ARGV[2] == '1'
local current = redis.call('HGETALL', KEYS[1])
local counts = {}
for i = 1, #current, 2 do
    counts[current[i]] = count(current[i + 1])
    if not counts[current[i]] then
        return not_an_integer(current[i])
    end
end
if op == 'add' then
    for i = 3, #ARGV, 2 do
        counts[ARGV[i]] = sum(counts[ARGV[i]] or ZERO, count(ARGV[i + 1]))
        if not counts[ARGV[i]] then
            return {1, ARGV[i]}  -- _OVERFLOW
        end
    end
    for i = 3, #ARGV, 2 do
        redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
    end
elseif op == 'or' then
    for i = 3, #ARGV, 2 do
        local other = count(ARGV[i + 1])
        if less(counts[ARGV[i]] or ZERO, other) then
            counts[ARGV[i]] = other
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
                return {0, current[i]}  -- _MISSING
            end
        end
    end
    for i = 1, #current, 2 do
        local other_count = other[current[i]] or '0'
        if less(count(other_count), counts[current[i]]) then
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
return false
"""
)

# KEYS[1], KEYS[2]: two hashes in one slot.  Returns both HGETALLs, read
# atomically in one round trip.
_BOTH = Script("""
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
""")


def _fits(value: int) -> bool:
    # The counts HINCRBY can store and add: 64-bit signed integers.  (Not
    # `in range(...)`: that is O(1) for an exact int only, O(n) for a Count.)
    return -(2**63) <= value < 2**63


def _count(value: Any) -> int:
    # Counts are what HINCRBY stores: 64-bit integers (a bool is an int, as 1 or 0).
    if not isinstance(value, int):
        raise TypeError(f'RedisCounter counts must be integers, not {type(value).__name__!r}')
    if not _fits(value):
        raise OverflowError(f'RedisCounter counts are 64-bit signed integers: {value} is out of range')
    return int(value)


def _overflow(field: str | bytes) -> OverflowError:
    # The script's answer when a sum would leave the 64-bit range.
    key = decode_keys([field])[0]
    return OverflowError(f'RedisCounter count of {key!r} would overflow 64 bits: nothing was written')


def _counts(iterable: Any, kwargs: Mapping[str, Any], *, subtract: bool) -> dict[str, int]:
    # Counter's own update()/subtract() decide what the argument means (an
    # iterable to count or a mapping of counts) and in which order keys first
    # appear; the result is checked and encoded before anything is sent, so
    # bad input writes nothing.
    counts: Counter[Any] = Counter()
    if subtract:
        counts.subtract(iterable, **kwargs)
    else:
        counts.update(iterable, **kwargs)
    return {encode_key(key): _count(count) for key, count in counts.items()}


def _counter_from_pairs(pairs: list[Any]) -> Counter[Any]:
    # A flat [field, count, field, count...] reply, as a Counter in its order.
    fields, counts = pairs[0::2], pairs[1::2]
    return Counter(dict(zip(decode_keys(fields), map(int, counts), strict=True)))


class Count(int):
    """A count read by ``c[k]`` on a sync RedisCounter: an ``int`` that knows where it was read.

    It remembers the counter, the key and the value read; ``+`` and ``-``
    with an int keep that origin.  Assigning it back to the same counter
    and key (``c[k] += 1``, ``c[k] = c[k] - 2``) sends the difference as an
    atomic ``HINCRBY`` instead of overwriting the count, so concurrent
    increments are never lost.  Every other result (``c[k] * 2``, ``-c[k]``)
    is a plain ``int``.  It pickles and copies as a plain ``int``.
    """

    _origin: tuple[object, str, int]

    def __new__(cls, value: int, counter: object, field: str, read: int) -> Count:
        count = super().__new__(cls, value)
        count._origin = (counter, field, read)
        return count

    def __add__(self, other: int) -> Count:
        if not isinstance(other, int):
            return NotImplemented
        return Count(int(self) + int(other), *self._origin)

    __radd__ = __add__

    def __sub__(self, other: int) -> Count:
        if not isinstance(other, int):
            return NotImplemented
        return Count(int(self) - int(other), *self._origin)

    def __reduce__(self) -> tuple[type[int], tuple[int]]:
        # The origin is a live counter: pickles and copies are plain ints.
        return int, (int(self),)

    def increment(self, counter: object, field: str) -> int | None:
        """The change since this count was read, if it was read from counter at field; else None."""
        origin, read_field, read = self._origin
        return int(self) - read if origin is counter and read_field == field else None


def _snapshot_hint(template: str) -> str:
    return template.format('(await x.to_counter())')


class CounterCore(DictCore[_K, int]):
    """The operations of a Redis hash used as a Counter, for every front.

    Layout and semantics are described in the module docstring; the sync
    :class:`RedisCounter` and ``pottery.asyncio.RedisCounter`` add only what
    their front needs.
    """

    # An asyncio RedisCounter cannot await in an operator: the in-place ones
    # have named coroutines, the others work on a snapshot.
    _blocking_hints: ClassVar[dict[str, str]] = {
        '__iadd__': 'await x.iadd(other)',
        '__isub__': 'await x.isub(other)',
        '__ior__': 'await x.ior(other)',
        '__iand__': 'await x.iand(other)',
        **{
            f'__{name}__': _snapshot_hint(f'{{}} {symbol} other')
            for name, symbol in [
                ('add', '+'),
                ('sub', '-'),
                ('or', '|'),
                ('and', '&'),
                ('le', '<='),
                ('lt', '<'),
                ('ge', '>='),
                ('gt', '>'),
            ]
        },
        **{
            f'__r{name}__': _snapshot_hint(f'other {symbol} {{}}')
            for name, symbol in [('add', '+'), ('sub', '-'), ('or', '|'), ('and', '&')]
        },
        '__pos__': _snapshot_hint('+{}'),
        '__neg__': _snapshot_hint('-{}'),
    }

    def __init__(
        self,
        iterable: Iterable[_K] | Mapping[_K, int] | None = None,
        /,
        *,
        redis: Any = None,
        key: str | None = None,
        ttl: float | timedelta | None = None,
        **kwargs: int,
    ) -> None:
        """Count elements from an iterable, or counts from a mapping and kwargs.

        Complexity: O(n), 1 round trip with data (none without; 2 to copy
        another RedisDict or RedisCounter).
        """
        # DictCore.__init__ would store the mapping's values as they are; a
        # Counter counts an iterable, so skip straight to Base.
        Expiring.__init__(self, redis=redis, key=key, ttl=ttl)
        if isinstance(iterable, DictCore):
            self._start(self._create_counts(iterable, kwargs))
            return
        counts = _counts(iterable, kwargs, subtract=False)
        if counts:
            self._start(self._create_op('HSET', _flat(counts)))
        else:
            self._start_expiry()

    def _create_counts(self, source: DictCore[Any, Any], kwargs: Mapping[str, Any]) -> Op[None]:
        counts = yield from self._counts_of(source, kwargs, subtract=False)
        if counts:
            yield from self._create_op('HSET', _flat(counts))
        else:
            yield from self._expire_existing()

    def _counts_of(self, iterable: Any, kwargs: Mapping[str, Any], *, subtract: bool) -> Op[dict[str, int]]:
        # As _counts, reading another RedisDict or RedisCounter first (1 round trip).
        if isinstance(iterable, DictCore):
            iterable = yield from iterable._fetch_from(self)
        return _counts(iterable, kwargs, subtract=subtract)

    def _increment(self, iterable: Any, kwargs: Mapping[str, Any], *, subtract: bool) -> Op[None]:
        counts = yield from self._counts_of(iterable, kwargs, subtract=subtract)
        if counts:
            yield from self._add_counts(counts)

    def _add_counts(self, counts: dict[str, int]) -> Op[None]:
        overflowing = yield _INCREMENT([self.key], _flat(counts))
        if overflowing is not None:
            raise _overflow(overflowing)

    def _fetch_counter(self) -> Op[Counter[_K]]:
        return Counter((yield from self._fetch()))

    # -- single keys: 1 round trip each --

    def _count_at(self, field: str | None) -> Op[int]:
        raw = None if field is None else (yield Call('HGET', self.key, field))
        return 0 if raw is None else int(raw)

    @operation
    def getitem(self, key: _K) -> Op[int]:
        """C[k] -> the count of k, 0 if k is missing (nothing is inserted).

        O(1), 1 round trip.  On the sync front ``C[k]`` returns a
        :class:`Count` so that ``C[k] += 1`` is atomic (see
        :meth:`setitem`); ``await C.getitem(k)`` returns a plain int:
        increment with ``await C.update({k: 1})``.
        """
        return (yield from self._count_at(lookup_key(key)))

    __getitem__ = getitem

    def __missing__(self, key: _K) -> int:
        """The count of a missing key: 0 (as Counter.__missing__)."""
        return 0

    @operation
    def setitem(self, key: _K, count: int) -> Op[None]:
        """C[k] = n: set the count of k.  O(1), 1 round trip.

        Counts must be 64-bit integers (TypeError, OverflowError otherwise).
        When n is a :class:`Count` read from this counter at k, plus or
        minus an int (``C[k] += 1``), the difference is added atomically
        (HINCRBY, in the script that checks for overflow) instead:
        increments from other clients in between are kept.
        """
        field = encode_key(key)
        change = count.increment(self, field) if isinstance(count, Count) else None
        # The server decides whether the sum fits; a change HINCRBY cannot
        # take (c[k] = c[k] + 2**63 with a negative count) is a plain set.
        if change is None or not _fits(change):
            yield Call('HSET', self.key, field, str(_count(count)))
        else:
            yield from self._add_counts({field: change})

    __setitem__ = setitem

    def _field_value(self, value: Any) -> str:
        # C.set(k, n, ttl=...) stores a count, as C[k] = n does.
        return str(_count(value))

    @operation
    def delitem(self, key: _K) -> Op[None]:
        """del C[k]: remove k; unlike dict, no KeyError if missing.  1 round trip."""
        field = lookup_key(key)
        if field is not None:
            yield Call('HDEL', self.key, field)

    __delitem__ = delitem

    @operation
    def setdefault(self, key: _K, default: Any = None) -> Op[Any]:
        """C.setdefault(k[,n]) -> C.get(k,n), also set C[k]=n if k not in C.

        O(1), 1 round trip, atomic.  n must be an integer (TypeError
        otherwise, even when k is present: nothing else can be stored).
        """
        # DictCore's atomic script, with the count checked first.
        return (yield from DictCore.setdefault.func(self, cast(Any, key), _count(default)))

    @classmethod
    def fromkeys(cls, iterable: Any, v: Any = None, **kwargs: Any) -> NoReturn:  # type: ignore[override]  # refused, as Counter refuses it
        """Refused, as Counter.fromkeys is: raises NotImplementedError."""
        raise NotImplementedError('Counter.fromkeys() is undefined.  Use Counter(iterable) instead.')

    # -- bulk counting: 1 round trip, atomic --

    # DictCore.update replaces values; Counter's adds counts.
    @operation
    def update(self, iterable: Any = None, /, **kwargs: int) -> Op[None]:
        """C.update([E, ]**F): add counts from an iterable, a mapping, and F.

        Like Counter.update: an iterable's elements count 1 each; a mapping's
        values are added.  O(n), 1 round trip, atomic (server-side HINCRBYs
        in one script; +1 to read E if it is a RedisDict or RedisCounter);
        nothing is written if a key or count is bad.

        >>> c = RedisCounter('which', redis=redis)
        >>> c.update('witch')
        >>> c.update({'h': 2}, w=-1)
        >>> c['h'], c['w']
        (5, 1)
        """
        yield from self._increment(iterable, kwargs, subtract=False)

    @operation
    def subtract(self, iterable: Any = None, /, **kwargs: int) -> Op[None]:
        """C.subtract([E, ]**F): subtract counts (which may go to zero or below).

        O(n), 1 round trip, atomic, like :meth:`update`.
        """
        yield from self._increment(iterable, kwargs, subtract=True)

    # -- whole-counter reads: 1 round trip --

    @operation
    def to_counter(self) -> Op[Counter[_K]]:
        """Return a plain Counter copy of C.  O(n), 1 round trip (HGETALL), atomic."""
        return (yield from self._fetch_counter())

    @operation
    def total(self) -> Op[int]:
        """C.total() -> the sum of the counts.  O(n), 1 round trip (HVALS)."""
        return sum(int(raw) for raw in (yield Call('HVALS', self.key)))

    @operation
    def elements(self) -> Op[Iterator[_K]]:
        """Iterator over elements repeating each as many times as its count.

        Elements with a count below 1 are skipped.  O(n) to read, 1 round
        trip (a snapshot), then lazy like Counter.elements.
        """
        return (yield from self._fetch_counter()).elements()

    @operation
    def most_common(self, n: int | None = None) -> Op[list[tuple[_K, int]]]:
        """List the n most common elements and their counts, most common first.

        All of them when n is None.  Ties keep Counter's order -- the order
        the keys were first inserted -- for hashes up to 128 keys (see the
        module docstring).  O(n log n), 1 round trip (HGETALL; the sort runs
        in Python, so the whole hash is transferred).

        >>> RedisCounter('abracadabra', redis=redis).most_common(3)
        [('a', 5), ('b', 2), ('r', 2)]
        """
        if n is not None:  # the whole hash crosses the network for n items
            warn_inefficient('RedisCounter.most_common(n)')
        return (yield from self._fetch_counter()).most_common(n)

    # -- comparisons: the running Python's Counter semantics --

    def _operand(self, other: object) -> Op[Counter[Any] | None]:
        # A Counter-typed operand as a Counter, else None (NotImplemented).
        if isinstance(other, CounterCore):
            return Counter((yield from other._fetch_from(self)))
        return other if isinstance(other, Counter) else None

    def _pair(self, other: object) -> Op[tuple[Counter[Any], Counter[Any]] | None]:
        # (self, other) as Counters.  Two RedisCounters in one slot are read
        # together by one script: 1 round trip and a consistent snapshot;
        # elsewhere, 2 round trips.
        if isinstance(other, CounterCore) and self._same_slot(other):
            mine, theirs = yield _BOTH([self.key, other.key])
            return _counter_from_pairs(mine), _counter_from_pairs(theirs)
        operand = yield from self._operand(other)
        if operand is None:
            return None
        return (yield from self._fetch_counter()), operand

    # DictCore.equals is dict equality; Counter's treats missing as zero.
    @operation
    def equals(self, other: object) -> Op[bool]:
        """C == other.  With a Counter, missing counts are zero (Counter's rule).

        With another mapping, dict equality (as for Counter).  O(n), 1 round
        trip (2 with a RedisCounter in another slot or a RedisDict).
        """
        if isinstance(other, CounterCore) and self._same_redis(other) and self.key == other.key:
            return True
        pair = yield from self._pair(other)
        if pair is not None:
            return pair[0] == pair[1]
        if isinstance(other, DictCore):
            other = yield from other._fetch_from(self)
        if not isinstance(other, Mapping):
            return False
        return (yield from self._fetch()) == dict(other.items())

    @operation
    def __le__(self, other: object) -> Op[bool]:
        """C <= other: every count of C is at most other's.  O(n), 1 round trip."""
        pair = yield from self._pair(other)
        return NotImplemented if pair is None else pair[0] <= pair[1]

    @operation
    def __lt__(self, other: object) -> Op[bool]:
        """C < other: C <= other and C != other.  O(n), 1 round trip."""
        pair = yield from self._pair(other)
        return NotImplemented if pair is None else pair[0] < pair[1]

    @operation
    def __ge__(self, other: object) -> Op[bool]:
        """C >= other: every count of C is at least other's.  O(n), 1 round trip."""
        pair = yield from self._pair(other)
        return NotImplemented if pair is None else pair[0] >= pair[1]

    @operation
    def __gt__(self, other: object) -> Op[bool]:
        """C > other: C >= other and C != other.  O(n), 1 round trip."""
        pair = yield from self._pair(other)
        return NotImplemented if pair is None else pair[0] > pair[1]

    # -- binary operators: plain Counters, computed by Counter itself --

    @operation
    def __add__(self, other: object) -> Op[Counter[Any]]:
        """C + other -> a Counter of the positive sums.  O(n), 1 round trip."""
        pair = yield from self._pair(other)
        return NotImplemented if pair is None else pair[0] + pair[1]

    @operation
    def __radd__(self, other: object) -> Op[Counter[Any]]:
        """other + C -> a Counter.  O(n), 1 round trip."""
        operand = yield from self._operand(other)
        return NotImplemented if operand is None else operand + (yield from self._fetch_counter())

    @operation
    def __sub__(self, other: object) -> Op[Counter[Any]]:
        """C - other -> a Counter of the positive differences.  O(n), 1 round trip."""
        pair = yield from self._pair(other)
        return NotImplemented if pair is None else pair[0] - pair[1]

    @operation
    def __rsub__(self, other: object) -> Op[Counter[Any]]:
        """other - C -> a Counter.  O(n), 1 round trip."""
        operand = yield from self._operand(other)
        return NotImplemented if operand is None else operand - (yield from self._fetch_counter())

    @operation
    def __or__(self, other: object) -> Op[Counter[Any] | dict[Any, Any]]:
        """C | other -> a Counter of the positive maxima.  O(n), 1 round trip.

        With a plain dict, a dict merge (as ``Counter() | {}`` falls back to
        ``dict.__ror__``).
        """
        pair = yield from self._pair(other)
        if pair is not None:
            return pair[0] | pair[1]
        if isinstance(other, dict):
            return {**(yield from self._fetch()), **other}
        return NotImplemented

    @operation
    def __ror__(self, other: object) -> Op[Counter[Any] | dict[Any, Any]]:
        """other | C -> a Counter (a dict merge with a plain dict).  O(n), 1 round trip."""
        operand = yield from self._operand(other)
        if operand is not None:
            return operand | (yield from self._fetch_counter())
        if isinstance(other, dict):
            return {**other, **(yield from self._fetch())}
        return NotImplemented

    @operation
    def __and__(self, other: object) -> Op[Counter[Any]]:
        """C & other -> a Counter of the positive minima.  O(n), 1 round trip."""
        pair = yield from self._pair(other)
        return NotImplemented if pair is None else pair[0] & pair[1]

    @operation
    def __rand__(self, other: object) -> Op[Counter[Any]]:
        """other & C -> a Counter.  O(n), 1 round trip."""
        operand = yield from self._operand(other)
        return NotImplemented if operand is None else operand & (yield from self._fetch_counter())

    @operation
    def __pos__(self) -> Op[Counter[_K]]:
        """+C -> a Counter of the positive counts.  O(n), 1 round trip."""
        return +(yield from self._fetch_counter())

    @operation
    def __neg__(self) -> Op[Counter[_K]]:
        """-C -> a Counter of the negated negative counts.  O(n), 1 round trip."""
        return -(yield from self._fetch_counter())

    # -- in-place operators: atomic, server-side --

    def _inplace(self, op: str, other: Any, *, negate: bool = False) -> Op[Any]:
        # Counter's in-place operators take anything with items() (they raise
        # AttributeError otherwise); &= indexes other, so a plain mapping
        # missing one of C's keys raises KeyError -- here before writing.
        strict = op == 'and' and not isinstance(other, (Counter, CounterCore))
        if isinstance(other, DictCore):
            other = yield from other._fetch_from(self)
        pairs: list[str] = []
        for key, count in other.items():
            pairs += (encode_key(key), str(_count(-_count(count)) if negate else _count(count)))
        reply = yield _INPLACE([self.key], [op, '1' if strict else '0', *pairs])
        if reply is not None:
            reason, field = reply
            raise KeyError(decode_keys([field])[0]) if reason == _MISSING else _overflow(field)
        return self

    @operation
    def iadd(self, other: Any) -> Op[Any]:
        """C += other: add other's counts, keep the positive ones; return C.

        O(n), 1 round trip, atomic (one script); +1 if other is a RedisCounter.
        """
        return (yield from self._inplace('add', other))

    __iadd__ = iadd

    @operation
    def isub(self, other: Any) -> Op[Any]:
        """C -= other: subtract other's counts, keep the positive ones.  1 round trip, atomic."""
        return (yield from self._inplace('add', other, negate=True))

    __isub__ = isub

    @operation
    def ior(self, other: Any) -> Op[Any]:
        """C |= other: the maximum of each count, positive ones kept.  1 round trip, atomic."""
        return (yield from self._inplace('or', other))

    __ior__ = ior

    @operation
    def iand(self, other: Any) -> Op[Any]:
        """C &= other: the minimum of each count, positive ones kept.  1 round trip, atomic."""
        return (yield from self._inplace('and', other))

    __iand__ = iand


def _flat(counts: dict[str, int]) -> list[str]:
    return [text for field, count in counts.items() for text in (field, str(count))]


class RedisCounter(CounterCore[_K], RedisDict[_K, int]):
    """A ``collections.Counter`` stored in a Redis hash, shared by every client.

    >>> c = RedisCounter('abracadabra', redis=redis)
    >>> c['a'], c['z']
    (5, 0)
    >>> c.update({'z': 1})
    >>> c.most_common(2)
    [('a', 5), ('b', 2)]

    Every count change is an atomic server-side increment: ``update`` and
    ``subtract`` of n keys are 1 round trip, whatever other clients do at
    the same time.  So is ``c[k] += 1`` (2 round trips: a read, then an
    increment): ``c[k]`` returns a :class:`Count`, an ``int`` that remembers
    this counter, the key and the value read; ``+`` and ``-`` with an int
    keep that, and assigning the result to the same counter and key adds
    the difference (HINCRBY) instead of overwriting the count.  Any other
    value is simply set: ``c[k] = c[k] * 2`` and ``c['a'] = c['b'] + 1``
    write the value computed from what was read (a read, then a write:
    another client's change in between is overwritten).

    >>> hits = RedisCounter(redis=redis)
    >>> hits['home'] += 1  # atomic, even from many processes at once
    >>> hits['home'] -= 3
    >>> hits['home']
    -2

    Keys must be JSON serializable and counts integers.  Binary operators
    (``+ - & |``, unary ``+ -``) return plain ``Counter`` objects; in-place
    operators write back atomically.  Constructing with data requires the key
    to be new (:class:`~pottery.exceptions.KeyExistsError` otherwise).

    ``pottery.asyncio.RedisCounter`` is its asyncio twin; there
    ``await c.getitem(k)`` is a plain int (use ``await c.update({k: 1})``
    to increment).
    """

    # CounterCore.getitem, as a Count that makes C[k] += 1 atomic.
    @operation
    def __getitem__(self, key: _K) -> Op[int]:
        """C[k] -> the count of k as a :class:`Count`, 0 if k is missing.  O(1), 1 round trip."""
        field = lookup_key(key)
        count = yield from self._count_at(field)
        return count if field is None else Count(count, self, field, count)

    def __repr__(self) -> str:
        """RedisCounter{...}, most common first, as Counter orders its repr.  1 round trip."""
        return f'{type(self).__name__}{dict(self.most_common())!r}'
