"""RedisDict: a ``dict`` whose items live in a Redis hash.

Layout: one Redis hash at ``key``; each field is ``encode_key(k)`` and each
value ``encode(v)`` (see :mod:`pottery.base`), the layout of the ``pottery``
package on PyPI.

Order: Redis keeps a small hash (up to ``hash-max-listpack-entries``, 128 by
default) in insertion order, so iteration and ``popitem()`` follow ``dict``'s
order there; a larger hash iterates in an arbitrary order that is the same for
``keys()``, ``values()`` and ``items()``, and ``popitem()`` removes an
arbitrary item.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, MutableMapping, ValuesView
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar, cast

from redis.exceptions import RedisError

from pottery.base import (
    COPY_TYPED,
    Base,
    Expiring,
    JSONSerializable,
    SyncFront,
    decode,
    decode_key,
    decode_keys,
    decode_many,
    encode,
    encode_key,
    lookup_key,
    milliseconds,
    seconds_left,
)
from pottery.command import Call, Items, On, Op, Request, Script, iteration, operation
from pottery.exceptions import ServerVersionError

__all__ = ['DictCore', 'RedisDict']

_K = TypeVar('_K')
_V = TypeVar('_V')
_T = TypeVar('_T')

_MISSING: Any = object()

# Fields per HSCAN page and per HSET inside scripts.
CHUNK = 1000

# KEYS[1]: the hash.  ARGV[1]: field.  Returns the value removed, or false.
_POP = Script("""
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then
    redis.call('HDEL', KEYS[1], ARGV[1])
end
return value
""")

# KEYS[1]: the hash.  ARGV[1]: field, ARGV[2]: default value.
# Returns the value now stored: the existing one, or the default just set.
_SETDEFAULT = Script("""
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
    return ARGV[2]
end
return redis.call('HGET', KEYS[1], ARGV[1])
""")

# KEYS[1]: the hash.  Removes and returns {field, value} of the most recently
# inserted item, or false when the hash is empty.  A small (listpack) hash is
# returned whole by the first HSCAN page, in insertion order, so its last
# pair is dict's popitem(); a large hash yields the last pair of the first
# non-empty page, an arbitrary item.
_POPITEM = Script("""
local cursor = '0'
repeat
    local page = redis.call('HSCAN', KEYS[1], cursor, 'COUNT', 1)
    cursor = page[1]
    local pairs = page[2]
    if #pairs > 0 then
        local field, value = pairs[#pairs - 1], pairs[#pairs]
        redis.call('HDEL', KEYS[1], field)
        return {field, value}
    end
until cursor == '0'
return false
""")

# KEYS[1]: the hash.  ARGV[1]: field, ARGV[2]: value, ARGV[3]: milliseconds
# to live.  Writes the field and its expiry at once (only Redis >= 8 has one
# command for it, HSETEX).  The probe comes first: HPTTL, a read, fails on a
# server without per-field expiry, and the script returns that error before
# writing anything (a Lua script is not rolled back on error).
_SET_EXPIRING = Script("""
local probe = redis.pcall('HPTTL', KEYS[1], 'FIELDS', 1, ARGV[1])
if type(probe) == 'table' and probe.err then
    return probe
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HPEXPIRE', KEYS[1], ARGV[3], 'FIELDS', 1, ARGV[1])
""")

# How a server (or a cluster client) says that a command does not exist.
_NO_COMMAND = ('unknown command', 'unknown redis command', "doesn't exist in redis commands")

# What a server without per-field expiry is told, and what it lacks.
_FIELD_EXPIRY = 'per-field expiry (HPEXPIRE, HPTTL, HPERSIST): Redis >= 7.4 or Valkey >= 9'


class DictCore(Expiring, Generic[_K, _V]):
    """The operations of a Redis hash used as a dict, for every front.

    Layout and semantics are described in the module docstring; the sync
    :class:`RedisDict` and ``pottery.asyncio.RedisDict`` add only what their
    front needs (views and operators; named coroutines).
    """

    _redis_type: ClassVar[str] = 'hash'

    def __init__(
        self,
        arg: Mapping[_K, _V] | Iterable[tuple[_K, _V]] = (),
        /,
        *,
        redis: Any = None,
        key: str | None = None,
        ttl: float | timedelta | None = None,
        **kwargs: _V,
    ) -> None:
        """Complexity: O(n), 1 round trip with items (none without; see
        :class:`~pottery.base.Expiring` for ``ttl=``)."""
        super().__init__(redis=redis, key=key, ttl=ttl)
        if isinstance(arg, DictCore):
            self._start(self._create_from(arg, kwargs))
            return
        fields = _encode_items(arg, kwargs)
        if fields:
            self._start(self._create_op('HSET', [text for pair in fields.items() for text in pair]))
        else:
            self._start_expiry()

    def _create_from(self, source: DictCore[Any, Any], kwargs: Mapping[str, Any]) -> Op[None]:
        # A copy of another RedisDict (read it, then create): 2 round trips.
        fields = _encode_items((yield from source._fetch_from(self)), kwargs)
        if fields:
            yield from self._create_op('HSET', [text for pair in fields.items() for text in pair])
        else:
            yield from self._expire_existing()

    # -- single items: 1 round trip each --

    def _get(self, key: Any, default: Any) -> Op[Any]:
        field = lookup_key(key)
        raw = None if field is None else (yield Call('HGET', self.key, field))
        return default if raw is None else decode(raw)

    @operation
    def getitem(self, key: _K) -> Op[_V]:
        """D[k] -> the value for k; KeyError if missing.  O(1), 1 round trip."""
        value = yield from self._get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return cast(_V, value)

    __getitem__ = getitem

    @operation
    def setitem(self, key: _K, value: _V) -> Op[None]:
        """D[k] = v.  O(1), 1 round trip."""
        yield Call('HSET', self.key, encode_key(key), encode(value))

    __setitem__ = setitem

    @operation
    def delitem(self, key: _K) -> Op[None]:
        """del D[k]; KeyError if missing.  O(1), 1 round trip."""
        field = lookup_key(key)
        if field is None or not (yield Call('HDEL', self.key, field)):
            raise KeyError(key)

    __delitem__ = delitem

    @operation
    def contains(self, key: object) -> Op[bool]:
        """k in D.  O(1), 1 round trip."""
        field = lookup_key(key)
        return field is not None and bool((yield Call('HEXISTS', self.key, field)))

    __contains__ = contains

    @operation
    def len(self) -> Op[int]:
        """len(D).  O(1), 1 round trip."""
        return int((yield Call('HLEN', self.key)))

    __len__ = len

    @operation
    def get(self, key: _K, default: Any = None) -> Op[Any]:
        """D.get(k[,d]) -> D[k] if k in D, else d.  O(1), 1 round trip."""
        return (yield from self._get(key, default))

    # Mapping.pop is a read, then a delete: two round trips and a race where
    # two clients both get the value.  One script does both.
    @operation
    def pop(self, key: _K, default: Any = _MISSING) -> Op[Any]:
        """D.pop(k[,d]) -> v, remove specified key and return its value.

        If the key is missing, return d if given, else raise KeyError.
        O(1), 1 round trip, atomic: concurrent pops never return a value twice.
        """
        field = lookup_key(key)
        raw = None if field is None else (yield _POP([self.key], [field]))
        if raw is None:
            if default is _MISSING:
                raise KeyError(key)
            return default
        return decode(raw)

    # MutableMapping.popitem is next(iter()) then a pop: racy, 2+ round trips.
    @operation
    def popitem(self) -> Op[tuple[_K, _V]]:
        """D.popitem() -> (k, v), remove and return the last inserted item.

        KeyError if empty.  O(1) for small hashes, 1 round trip, atomic (on a
        large hash the item removed is arbitrary, see the module docstring).
        """
        pair = yield _POPITEM([self.key])
        if not pair:
            raise KeyError('popitem(): dictionary is empty')
        return decode_key(pair[0]), decode(pair[1])

    # MutableMapping.setdefault is a get, then a set: a lost update waiting
    # for a second client.  HSETNX makes it one atomic step.
    @operation
    def setdefault(self, key: _K, default: Any = None) -> Op[Any]:
        """D.setdefault(k[,d]) -> D.get(k,d), also set D[k]=d if k not in D.

        O(1), 1 round trip, atomic: of several concurrent callers exactly one
        sets the value and all of them return it.
        """
        encoded = encode(default)
        raw = yield _SETDEFAULT([self.key], [encode_key(key), encoded])
        stored = raw.decode() if isinstance(raw, bytes) else raw
        return default if stored == encoded else decode(raw)

    # -- per-field expiry (Redis >= 7.4, Valkey >= 9): 1 round trip each --

    def _field_value(self, value: Any) -> str:
        # The text stored for a value (RedisCounter stores integer counts).
        return encode(value)

    def _per_field(self, method: str, request: Request) -> Op[Any]:
        # Send a request that needs per-field expiry.  A server without it
        # answers "unknown command" ("Unknown Redis command" from a script);
        # a cluster client refuses to route a command its nodes lack ("...
        # doesn't exist in Redis commands").  Recognized here, on failure,
        # instead of asking the server's version before every call.
        try:
            return (yield request)
        except RedisError as error:
            text = str(error).lower()
            if any(sign in text for sign in _NO_COMMAND):
                message = f'{type(self).__name__}.{method} needs {_FIELD_EXPIRY}; this server lacks it'
                raise ServerVersionError(self.redis, self.key, message) from error
            raise

    def _field_reply(self, key: Any, request: Callable[[str], Request], method: str) -> Op[int]:
        # The one-field reply of HPEXPIRE/HPTTL/HPERSIST; KeyError if k is missing (-2).
        field = lookup_key(key)
        if field is None:
            raise KeyError(key)
        reply = int((yield from self._per_field(method, request(field)))[0])
        if reply == -2:
            raise KeyError(key)
        return reply

    @operation
    def set(self, key: _K, value: _V, *, ttl: float | timedelta | None = None) -> Op[None]:
        """D.set(k, v, *, ttl=None) -> None.  D[k] = v, expiring after ``ttl`` seconds if given.

        ``ttl`` is seconds (an int, a float or a ``timedelta``); the field and
        its expiry are written at once, atomically.  Without ``ttl``, exactly
        ``D[k] = v``.  With it, the server must have per-field expiry (Redis
        >= 7.4, Valkey >= 9), else :class:`~pottery.exceptions.ServerVersionError`
        and nothing is written.  O(1), 1 round trip.
        """
        field, text = encode_key(key), self._field_value(value)
        if ttl is None:
            yield Call('HSET', self.key, field, text)
            return
        expiry = milliseconds(ttl, 'ttl')
        yield from self._per_field('set(..., ttl=...)', _SET_EXPIRING([self.key], [field, text, expiry]))

    @operation
    def expire_field(self, key: _K, ttl: float | timedelta) -> Op[None]:
        """D.expire_field(k, ttl) -> None.  k expires after ``ttl`` seconds; KeyError if k is missing.

        Replaces k's earlier expiry, if any; 0 removes k at once.  Needs
        per-field expiry (see :meth:`set`).  O(1), 1 round trip (HPEXPIRE).
        """
        expiry = milliseconds(ttl, 'ttl')
        yield from self._field_reply(
            key, lambda field: Call('HPEXPIRE', self.key, expiry, 'FIELDS', 1, field), 'expire_field()'
        )

    @operation
    def ttl_field(self, key: _K) -> Op[float | None]:
        """D.ttl_field(k) -> seconds until k expires (a float), or None if it never does.

        KeyError if k is missing.  Needs per-field expiry (see :meth:`set`).
        O(1), 1 round trip (HPTTL).
        """
        return seconds_left(
            (
                yield from self._field_reply(
                    key, lambda field: Call('HPTTL', self.key, 'FIELDS', 1, field), 'ttl_field()'
                )
            )
        )

    @operation
    def persist_field(self, key: _K) -> Op[bool]:
        """D.persist_field(k) -> True if k had an expiry and now has none, else False.

        KeyError if k is missing.  Needs per-field expiry (see :meth:`set`).
        O(1), 1 round trip (HPERSIST).
        """
        return (
            yield from self._field_reply(
                key, lambda field: Call('HPERSIST', self.key, 'FIELDS', 1, field), 'persist_field()'
            )
        ) == 1

    # -- bulk operations: 1 round trip (per chunk) --

    # MutableMapping.update sets one item per round trip, non-atomically.
    @operation
    def update(self, other: Any = (), /, **kwargs: _V) -> Op[None]:
        """D.update([E, ]**F) -> None.  Update D from mapping/iterable E and F.

        O(n), 1 round trip (a single HSET; 2 if E is a RedisDict), atomic;
        nothing is written if any key or value cannot be encoded.
        """
        if isinstance(other, DictCore):
            other = yield from other._fetch_from(self)
        fields = _encode_items(other, kwargs)
        if fields:
            yield Call('HSET', self.key, *(text for pair in fields.items() for text in pair))

    # MutableMapping.clear calls popitem() until KeyError: O(n) round trips.
    @operation
    def clear(self) -> Op[None]:
        """D.clear() -> None.  Remove all items.  1 round trip (UNLINK)."""
        yield Call('UNLINK', self.key)

    def _scan(self, part: int | None) -> Op[None]:
        # HSCAN pages of about CHUNK fields: one round trip each.  HSCAN may
        # repeat a field across pages (while the hash is rehashed); skip those.
        # part: 0 for keys, 1 for values, None for (key, value) pairs.
        seen: set[Any] = set()
        cursor = 0
        while True:
            cursor, page = yield Call('HSCAN', self.key, cursor, 'COUNT', CHUNK)
            fresh = [(field, value) for field, value in page.items() if field not in seen]
            seen.update(field for field, _ in fresh)
            if fresh:
                keys = decode_keys(field for field, _ in fresh)
                if part == 0:
                    yield Items(keys)
                else:
                    values = decode_many(value for _, value in fresh)
                    yield Items(values if part == 1 else zip(keys, values, strict=True))
            if not int(cursor):
                return

    # Mapping has no __iter__; its items()/values() would be per key.
    @iteration
    def iter_keys(self) -> Op[None]:
        """Iterate over D's keys.  O(n), 1 round trip per chunk of about 1,000 keys."""
        yield from self._scan(0)

    __iter__: iteration[[], _K] = iter_keys

    @iteration
    def iter_values(self) -> Op[None]:
        """Iterate over D's values.  O(n), 1 round trip per chunk of about 1,000."""
        yield from self._scan(1)

    @iteration
    def iter_items(self) -> Op[None]:
        """Iterate over D's (key, value) pairs.  O(n), 1 round trip per chunk."""
        yield from self._scan(None)

    @iteration
    def reversed(self) -> Op[None]:
        """Iterate over D's keys in reverse.  O(n), 1 round trip (HKEYS)."""
        fields = yield Call('HKEYS', self.key)
        yield Items(reversed(decode_keys(fields)))

    def _fetch(self) -> Op[dict[_K, _V]]:
        fields = yield Call('HGETALL', self.key)
        return dict(zip(decode_keys(fields), decode_many(fields.values()), strict=True))

    def _fetch_from(self, reader: Base) -> Op[dict[_K, _V]]:
        # This dict's items, read by an operation of ``reader`` (which may
        # run on another client).
        fields = yield On(self.redis, Call('HGETALL', self.key))
        return dict(zip(decode_keys(fields), decode_many(fields.values()), strict=True))

    @operation
    def to_dict(self) -> Op[dict[_K, _V]]:
        """Return a plain dict copy of D.  O(n), 1 round trip (HGETALL), atomic."""
        return (yield from self._fetch())

    # Mapping.__eq__ is dict(self.items()) == dict(other.items()), a round
    # trip per item on both sides.
    @operation
    def equals(self, other: object) -> Op[bool]:
        """D == other: same items as a mapping.  O(n), 1 round trip per RedisDict."""
        if isinstance(other, DictCore):
            if self._same_redis(other) and self.key == other.key:
                return True
            other = yield from other._fetch_from(self)
        if not isinstance(other, Mapping):
            return False
        mine = yield from self._fetch()
        return mine == dict(other.items())

    __eq__ = equals  # each front gives == its own form
    __hash__ = None  # type: ignore[assignment]  # mutable, as dict

    # -- copies --

    @operation
    def copy(self) -> Op[Any]:
        """D.copy() -> a new dict of D's type with the same items, at a random key.

        O(n); on one standalone server 1 round trip (COPY, server-side), on a
        cluster 2 (the random key usually lives on another node).
        """
        new = type(self)(redis=self.redis)
        if self._clustered:
            fields = yield Call('HGETALL', self.key)
            if fields:
                yield Call('HSET', new.key, *(text for pair in fields.items() for text in pair))
        else:
            yield COPY_TYPED([self.key, new.key], ['hash'])
        return new

    @classmethod
    def fromkeys(cls, iterable: Iterable[Any], value: Any = None, *, redis: Any = None, key: str | None = None) -> Any:
        """Create a new dict of this type with keys from iterable, each set to value.

        O(n), 1 round trip.
        """
        return cls(((item, value) for item in iterable), redis=redis, key=key)


def _encode_items(arg: Any, kwargs: Mapping[str, Any]) -> dict[str, str]:
    # Everything is encoded before anything is sent, so that an unencodable
    # key or value leaves Redis untouched.
    items = dict(arg, **kwargs)  # dict's own rules and errors for arg
    return {encode_key(k): encode(v) for k, v in items.items()}


class RedisDict(DictCore[_K, _V], SyncFront, JSONSerializable, MutableMapping[_K, _V]):
    """A ``dict`` stored in a Redis hash, shared by every client of that key.

    >>> tel = RedisDict({'jack': 4098}, redis=redis, key='tel')
    >>> tel['sape'] = 4139
    >>> tel
    RedisDict{'jack': 4098, 'sape': 4139}

    Keys and values must be JSON serializable; values round-trip through JSON
    (a tuple value comes back as a list).  Keys that are equal in Python
    (``1``, ``1.0``, ``True``) are one key; tuple keys come back as tuples.

    Constructing with initial items requires the key to be new, and raises
    :class:`~pottery.exceptions.KeyExistsError` otherwise, leaving the
    existing data alone: to add to an existing hash, construct without items
    and call :meth:`update`.

    ``pottery.asyncio.RedisDict`` is its asyncio twin.
    """

    def __copy__(self) -> RedisDict[_K, _V]:
        """copy.copy(d): d.copy(), an independent container at a random key."""
        return self.copy()  # type: ignore[no-any-return]  # a RedisDict

    def __deepcopy__(self, memo: dict[int, Any]) -> RedisDict[_K, _V]:
        """copy.deepcopy(d): d.copy() (items are JSON texts: a copy is already deep)."""
        return self.copy()  # type: ignore[no-any-return]  # a RedisDict

    def __reversed__(self) -> Iterator[_K]:
        """reversed(D).  O(n), 1 round trip (HKEYS)."""
        return self.reversed()

    def keys(self) -> KeysView[_K]:
        """D.keys() -> a set-like view of D's keys (len and in: 1 round trip)."""
        return KeysView(self)

    def items(self) -> ItemsView[_K, _V]:
        """D.items() -> a set-like view of D's items.

        Iterating costs 1 round trip per chunk of about 1,000 items (Mapping's
        view would make one per item); ``(k, v) in D.items()`` costs 1.
        """
        return _ItemsView(self)

    def values(self) -> ValuesView[_V]:
        """D.values() -> a view of D's values (1 round trip per chunk)."""
        return _ValuesView(self)

    def _json_value(self) -> dict[_K, _V]:
        return self.to_dict()

    def __eq__(self, other: object) -> bool:
        """D == other: same items as a mapping.  O(n), 1 round trip per RedisDict."""
        if not isinstance(other, (Mapping, DictCore)):
            return NotImplemented
        return self.equals(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, as dict

    def __repr__(self) -> str:
        """RedisDict{...}, the items as a dict shows them.  1 round trip."""
        return f'{type(self).__name__}{self.to_dict()!r}'

    # -- merges: plain dicts, as every pottery binary operator returns --

    def __or__(self, other: Any) -> dict[Any, Any]:
        """D | other -> a plain dict with D's items, then other's.

        Like every pottery binary operator it returns a plain Python object
        and creates no Redis key.  O(n), 1 round trip (2 if other is a
        RedisDict).
        """
        if not isinstance(other, Mapping):
            return NotImplemented
        merged = self.to_dict()
        merged.update(other.to_dict() if isinstance(other, RedisDict) else other)
        return merged

    def __ror__(self, other: Any) -> dict[Any, Any]:
        """other | D -> a plain dict with other's items, then D's.  1 round trip."""
        if not isinstance(other, Mapping):
            return NotImplemented
        return {**other, **self.to_dict()}

    def __ior__(self, other: Any) -> RedisDict[_K, _V]:
        """D |= other: D.update(other).  O(n), 1 round trip, atomic."""
        self.update(other)
        return self


class _ItemsView(ItemsView[_K, _V]):
    _mapping: RedisDict[_K, _V]

    def __iter__(self) -> Iterator[tuple[_K, _V]]:
        return self._mapping.iter_items()

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        key, value = item
        found = self._mapping.get(key, _MISSING)
        return found is not _MISSING and (found is value or found == value)


class _ValuesView(ValuesView[_V]):
    _mapping: RedisDict[Any, _V]

    def __iter__(self) -> Iterator[_V]:
        return self._mapping.iter_values()
