"""The machinery every pottery container shares.

:class:`Base` holds a container's Redis client and key and knows how to turn
Python objects into the JSON texts stored in Redis and back, how to run Lua
scripts and transactions, and how to throw away a temporary key once nobody
can reach it any more.

Storage layout (identical to the ``pottery`` package on PyPI, so that the two
libraries can share data):

* every stored item is the text ``json.dumps(x, sort_keys=True)``;
* a container made without ``key=`` lives at ``pottery:<uuid4>``.

Hashable items -- dict keys, set members, counter keys -- are first put in a
canonical form, so that items that are the *same key* in a Python dict are the
same Redis field: ``True``, ``1`` and ``1.0`` are all stored as ``1`` (and come
back as the ``int`` 1), ``(1.0, False)`` as ``[1, 0]``.  Since a list can never
be a dict key or a set member, a JSON array read back in key position is
always turned into a tuple, so tuple keys survive the round trip.  Values
(dict values, list and deque items) are plain JSON: a tuple value comes back as
a list, as with ``json.loads(json.dumps(x))``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import math
import os
import queue
import threading
import uuid
import weakref
from collections.abc import Callable, Generator, Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar, cast

import redis.asyncio
import redis.asyncio.cluster
from redis import Redis
from redis.cluster import RedisCluster
from redis.crc import key_slot
from redis.exceptions import ResponseError

from pottery.command import (
    BLOCKING_DUNDERS,
    AsyncMarker,
    Call,
    Op,
    Script,
    SyncMarker,
    iteration,
    operation,
    run,
    run_async,
)
from pottery.exceptions import KeyExistsError, WrongRedisTypeError

__all__ = [
    'COPY_TYPED',
    'LUA_SLICES',
    'AsyncFront',
    'AsyncRedisClient',
    'Base',
    'Expiring',
    'PotteryEncoder',
    'RedisClient',
    'SyncFront',
    'decode',
    'decode_key',
    'default_async_redis',
    'default_redis',
    'encode',
    'encode_key',
    'lookup_key',
    'milliseconds',
]

# A client pottery accepts: a standalone client or a cluster client.
RedisClient = Redis | RedisCluster
# A client pottery.asyncio accepts.
AsyncRedisClient = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster

RANDOM_KEY_PREFIX = 'pottery:'
DEFAULT_URL = 'redis://localhost:6379/0'


# --- JSON encoding ------------------------------------------------------------


def encode(value: Any) -> str:
    """Return the JSON text stored for a value (dict value, list item).

    Raises ``TypeError`` for anything JSON cannot encode.  Complexity: O(size
    of value), no round trip.

    >>> encode({'b': 1, 'a': [1, 2.5]})
    '{"a": [1, 2.5], "b": 1}'
    """
    return json.dumps(value, sort_keys=True)


def _canonical(item: Any) -> Any:
    # Python's dict treats 1, 1.0 and True as one key (they hash and compare
    # equal); JSON would write them as 1, 1.0 and true.  Write them all as the
    # int, recursively inside tuples, so that Redis sees one field too.
    kind = type(item)
    if kind is str or kind is int or item is None:
        return item
    if kind is bool:
        return int(item)
    if kind is float:
        return int(item) if item.is_integer() else item
    if kind is tuple:
        return [_canonical(part) for part in item]
    return item


def encode_key(item: Any) -> str:
    """Return the JSON text stored for a hashable item (dict key, set member).

    Raises ``TypeError`` for unhashable items, exactly as ``dict`` does, and
    for items JSON cannot encode.  Complexity: O(size of item), no round trip.

    >>> encode_key(True) == encode_key(1.0) == encode_key(1) == '1'
    True
    >>> encode_key((1, 'a'))
    '[1, "a"]'
    """
    if type(item) is str:  # fast path for the commonest key type
        return json.dumps(item)
    hash(item)  # raises TypeError: unhashable type: 'list', as dict does
    return json.dumps(_canonical(item), sort_keys=True)


def lookup_key(item: Any) -> str | None:
    """Like :func:`encode_key`, for lookups: ``None`` if ``item`` cannot be stored.

    A hashable item that JSON cannot encode (``frozenset()``, ``b''``) is
    never in a container, so ``in`` is False and ``d[item]`` a ``KeyError``,
    as with ``dict``; an unhashable item still raises ``TypeError``.
    """
    try:
        return encode_key(item)
    except TypeError:
        hash(item)  # unhashable: re-raise dict's TypeError
        return None


def decode(raw: str | bytes) -> Any:
    """Return the value whose JSON text (from Redis) is ``raw``."""
    return json.loads(raw)


def _tuples(item: Any) -> Any:
    if type(item) is list:
        return tuple(_tuples(part) for part in item)
    return item


def decode_key(raw: str | bytes) -> Any:
    """Return the hashable item whose JSON text is ``raw``: arrays become tuples.

    >>> decode_key('[1, [2, "a"]]')
    (1, (2, 'a'))
    """
    return _tuples(json.loads(raw))


def decode_many(raws: Iterable[str | bytes]) -> list[Any]:
    """Decode many JSON texts with a single call into the C parser.

    Complexity: O(total size), no round trip; several times faster than one
    ``json.loads`` per item for small items.
    """
    texts = [raw.decode() if isinstance(raw, bytes) else raw for raw in raws]
    return cast(list[Any], json.loads('[' + ','.join(texts) + ']'))


def decode_keys(raws: Iterable[str | bytes]) -> list[Any]:
    """Like :func:`decode_many`, for hashable items (arrays become tuples)."""
    return [_tuples(item) for item in decode_many(raws)]


# --- Durations -----------------------------------------------------------------------


def milliseconds(seconds: Any, name: str = 'seconds') -> int:
    """Return a duration (seconds, or a ``timedelta``) in whole milliseconds.

    Validates before anything is sent: ``TypeError`` unless ``seconds`` is an
    int, a float or a ``timedelta`` (a ``bool`` or a ``str`` is not a
    duration), ``ValueError`` if it is negative or not finite.  ``name`` is
    the argument's name, for the message.  A positive duration is at least
    1 ms: it is never rounded down to "expire now".  No round trip.

    >>> milliseconds(1.5), milliseconds(timedelta(minutes=1)), milliseconds(0.0001)
    (1500, 60000, 1)
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float, timedelta)):
        raise TypeError(f'{name} must be a number of seconds or a timedelta, not {type(seconds).__name__}')
    value = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f'{name} must be a finite number of seconds >= 0, not {seconds!r}')
    return 0 if value == 0 else max(1, round(value * 1000))


def seconds_left(pttl: int) -> float | None:
    """Turn a PTTL-style reply (ms; -1 no expiry, -2 missing) into seconds or None."""
    return None if pttl < 0 else pttl / 1000


# --- The default client ---------------------------------------------------------

_default_lock = threading.Lock()
_default_client: Redis | None = None


def default_redis() -> Redis:
    """Return the process-wide default client, creating it on first use.

    It connects to ``$REDIS_URL``, else to ``redis://localhost:6379/0``.  It is
    never created at import time, and creating it sends nothing: redis-py
    connects on the first command.
    """
    global _default_client
    with _default_lock:
        if _default_client is None:
            _default_client = Redis.from_url(os.environ.get('REDIS_URL', DEFAULT_URL))
        return _default_client


_default_async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = weakref.WeakKeyDictionary()


def default_async_redis() -> redis.asyncio.Redis:
    """Return the running event loop's default asyncio client (``$REDIS_URL``).

    One per event loop, since an asyncio client's connections belong to the
    loop that opened them.  Its pool blocks: beyond 100 connections a
    coroutine waits for a free one.  Creating it sends nothing.
    """
    loop = asyncio.get_running_loop()
    with _default_lock:
        client = _default_async.get(loop)
        if client is None:
            # A blocking pool: the 101st concurrent coroutine waits for a
            # connection instead of failing with MaxConnectionsError.
            pool = redis.asyncio.BlockingConnectionPool.from_url(os.environ.get('REDIS_URL', DEFAULT_URL))
            client = _default_async[loop] = redis.asyncio.Redis(connection_pool=pool)
        return client


# The connection settings a blocking twin of an asyncio client copies.
_TWIN_SETTINGS = ('host', 'port', 'db', 'username', 'password', 'socket_timeout', 'socket_connect_timeout')


def blocking_twin(client: AsyncRedisClient) -> RedisClient | None:
    """A blocking client of the same server as an asyncio ``client``, or None.

    The reaper thread deletes an async container's temporary key with it
    (it cannot use the asyncio client: its event loop may be gone).  Host,
    port, Unix socket, database and credentials are copied; a TLS client has
    no twin, and its temporary keys are left to expire with the server.
    """
    if isinstance(client, redis.asyncio.cluster.RedisCluster):
        node = client.get_default_node() or (client.startup_nodes[0] if client.startup_nodes else None)
        return RedisCluster(host=node.host, port=int(node.port)) if node else None
    settings = client.connection_pool.connection_kwargs
    if client.connection_pool.connection_class not in (
        redis.asyncio.Connection,
        redis.asyncio.UnixDomainSocketConnection,
    ):
        return None
    kwargs = {name: settings[name] for name in _TWIN_SETTINGS if name in settings}
    if 'path' in settings:
        kwargs['unix_socket_path'] = settings['path']
    return Redis(**kwargs)


# --- Temporary keys ---------------------------------------------------------------
#
# A container made without ``key=`` deletes its random key once garbage
# collected.  The delete must not run inside the garbage collector: a
# collection can start while this very thread holds the connection pool's
# lock, and a network call from there would deadlock.  So the finalizer only
# puts the key on a SimpleQueue (whose put() is documented to be safe in
# __del__ and weakref callbacks) and a daemon thread sends the UNLINKs.  At
# interpreter exit the queue is drained synchronously.


class _KeyCell:
    """What the finalizer needs of a container: its key and, once known, client."""

    __slots__ = ('key', 'pid', 'redis')

    def __init__(self, key: str) -> None:
        self.key = key
        self.redis: RedisClient | None = None
        self.pid = os.getpid()


_doomed: queue.SimpleQueue[_KeyCell | None] = queue.SimpleQueue()
_reaper_lock = threading.Lock()
_reaper: threading.Thread | None = None


def _unlink(cell: _KeyCell) -> None:
    # A forked child shares its parent's keys: only the creator deletes.
    if cell.redis is None or cell.pid != os.getpid():
        return
    with contextlib.suppress(Exception):  # best effort: the server may be gone
        cell.redis.unlink(cell.key)


def _reap_forever() -> None:
    while (cell := _doomed.get()) is not None:
        _unlink(cell)


def _drain_at_exit() -> None:
    reaper = _reaper
    if reaper is not None and reaper.is_alive():
        _doomed.put(None)  # the reaper exits after what is queued before this
        reaper.join(timeout=5)
    while True:
        try:
            cell = _doomed.get_nowait()
        except queue.Empty:
            return
        if cell is not None:
            _unlink(cell)


def _doom(cell: _KeyCell) -> None:
    # Runs from a weakref callback: no locks, no I/O -- just enqueue.
    if cell.redis is not None:
        _doomed.put(cell)


def _track_temporary(owner: object, cell: _KeyCell) -> None:
    global _reaper
    with _reaper_lock:
        if _reaper is None or not _reaper.is_alive():
            # Registered before weakref.finalize's own exit hook is (atexit
            # is LIFO), so it runs after the finalizers queued their keys.
            atexit.register(_drain_at_exit)
            _reaper = threading.Thread(target=_reap_forever, name='pottery-reaper', daemon=True)
            _reaper.start()
    weakref.finalize(owner, _doom, cell)


def random_key() -> str:
    """Return a fresh ``pottery:<uuid4>`` key name (no round trip).

    122 random bits: no check against the server is worth a round trip.
    """
    return f'{RANDOM_KEY_PREFIX}{uuid.uuid4()}'


# --- WRONGTYPE translation ----------------------------------------------------------


def _is_wrongtype(error: ResponseError) -> bool:
    return 'WRONGTYPE' in str(error)


# --- Base ---------------------------------------------------------------------------

# Lua functions for scripts that pass many values to one command: Lua's
# unpack() is limited to a few thousand values, so slices(first, size, fn)
# calls fn(ARGV[i], ..., ARGV[i + size - 1]) for i = first, first + size, ...
# and slices_of(items, first, size, fn) does the same over any table (the
# items a script read with LRANGE, say).  Prepend them to a script:
# LUA_SLICES + '...'.
LUA_SLICES = """
local function slices_of(items, first, size, fn)
    for i = first, #items, size do
        fn(unpack(items, i, math.min(i + size - 1, #items)))
    end
end

local function slices(first, size, fn)
    slices_of(ARGV, first, size, fn)
end
"""

# KEYS[1]: the container's key.  ARGV[1]: milliseconds to live, or '' for
# none (the constructor's ttl=).  ARGV[2]: a variadic write command (HSET,
# SADD, RPUSH, PFADD); ARGV[3...]: its arguments.
# Runs the command only if the key does not exist yet, atomically, so that
# constructing a container with data never merges into (or clobbers)
# someone's data; the expiry is set in the same script, so that no client
# ever sees the new key without it.  Writes in slices of 1,000 arguments (an
# even number, so HSET's field/value pairs stay whole).  Returns 1 if
# written, 0 if the key existed.
CREATE_IF_ABSENT = (
    LUA_SLICES
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return 0
end
slices(3, 1000, function(...) redis.call(ARGV[2], KEYS[1], ...) end)
if ARGV[1] ~= '' then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
"""
)


CREATE_IF_ABSENT_SCRIPT = Script(CREATE_IF_ABSENT)

# KEYS[1]: a container's key, KEYS[2]: a new key on the same server.
# ARGV[1]: the Redis type the container stores ('hash', 'set', 'list').
# COPY KEYS[1] to KEYS[2], server-side, unless KEYS[1] holds another type
# (COPY itself copies any type): then the WRONGTYPE error every other
# command of the container gives, and nothing is written.
COPY_TYPED = Script("""
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= ARGV[1] and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE Operation against a key holding the wrong kind of value')
end
return redis.call('COPY', KEYS[1], KEYS[2])
""")


class Base:
    """A Redis client, a key, and the codec and tools to use them.

    ``redis`` is a ``redis.Redis`` (any connection kind, with or without
    ``decode_responses``) or a ``redis.cluster.RedisCluster``; when omitted,
    the default client (see :func:`default_redis`) is used, created on first
    use.  ``key`` is the Redis key; when omitted, a random ``pottery:<uuid4>``
    key is used and deleted after the container is garbage collected.
    """

    # The Redis type (as TYPE names it) this container stores, for errors.
    _redis_type: ClassVar[str] = ''
    # The constructor's ttl= in milliseconds (see Expiring); None: no expiry.
    _expiry_ms: int | None = None

    # The clients this class accepts as redis=, and its default client.
    _client_types: ClassVar[tuple[type, ...]] = (Redis, RedisCluster)

    def __init__(self, *, redis: Any = None, key: str | None = None) -> None:
        if redis is not None and not isinstance(redis, self._client_types):
            accepted = ' or '.join(f'{kind.__module__}.{kind.__qualname__}' for kind in self._client_types)
            raise TypeError(f'{type(self).__name__}(redis=...) takes a {accepted}, not {type(redis).__name__}')
        if key is not None and not isinstance(key, str):
            raise TypeError(f'{type(self).__name__}(key=...) takes a str, not {type(key).__name__}')
        self._redis = redis
        if key is None:
            self._cell: _KeyCell | None = _KeyCell(random_key())
            _track_temporary(self, self._cell)
            self._key = self._cell.key
            if redis is not None:
                self._cell.redis = self._reaper_client(redis)
        else:
            self._cell = None
            self._key = key

    def _default_client(self) -> Any:
        return default_redis()

    def _reaper_client(self, client: Any) -> RedisClient | None:
        # The blocking client that deletes this container's temporary key.
        return cast(RedisClient, client)

    @property
    def redis(self) -> Any:
        """The Redis client (the default one, created now, if none was given)."""
        if self._redis is None:
            self._redis = self._default_client()
            if self._cell is not None:
                self._cell.redis = self._reaper_client(self._redis)
        return self._redis

    @property
    def key(self) -> str:
        """The Redis key holding this container's data."""
        return self._key

    @property
    def _clustered(self) -> bool:
        return isinstance(self.redis, (RedisCluster, redis.asyncio.cluster.RedisCluster))

    def _translate(self, error: Exception) -> Exception:
        """The exception a failed request raises in an operation.

        Redis' WRONGTYPE reply becomes :class:`WrongRedisTypeError` naming the
        key and the Redis type this container needs; others pass unchanged.
        """
        if isinstance(error, ResponseError) and _is_wrongtype(error):
            wrong = self._wrong_type()
            wrong.__cause__ = error
            return wrong
        return error

    async def _settle(self) -> None:
        """Finish the constructor's writes (only async containers defer them)."""

    def _start(self, op: Op[Any]) -> None:
        """Run a constructor's writes: now (sync) or on first await (async)."""
        run(self, op)

    def _create_op(self, command: str, args: list[str]) -> Op[None]:
        """Fill a new key with ``command`` (e.g. SADD) and ``args``, atomically.

        Raises :class:`KeyExistsError` and writes nothing if the key exists:
        the rule every container's constructor follows.  The constructor's
        ``ttl=`` is applied in the same script.  1 round trip.
        """
        if not (yield CREATE_IF_ABSENT_SCRIPT([self.key], [self._expiry_arg(), command, *args])):
            raise KeyExistsError(self.redis, self.key, 'initial contents given for a key that exists')

    def _expiry_arg(self) -> str:
        # The constructor's ttl= as creation scripts take it: ms, or '' for none.
        return '' if self._expiry_ms is None else str(self._expiry_ms)

    def _wrong_type(self) -> WrongRedisTypeError:
        expected = f'a Redis {self._redis_type}' if self._redis_type else 'another Redis type'
        return WrongRedisTypeError(
            self.redis, self.key, f'the key holds another Redis type; {type(self).__name__} needs {expected}'
        )

    # -- copies and pickles --

    # Without these, copy.copy() would make a second object on the *same*
    # key -- whose finalizer, for a random key, deletes data the original
    # still uses -- and copy.deepcopy() and pickle would fail deep in the
    # client with "cannot pickle '_thread.RLock' object".

    def __copy__(self) -> Any:
        """copy.copy(x): refused here; containers with a ``copy()`` override it."""
        hint = ''
        if callable(getattr(self, 'copy', None)):
            hint = f'; use {"await " if isinstance(self, AsyncMarker) else ""}x.copy() for an independent copy'
        raise TypeError(
            f'cannot copy {type(self).__name__} object: a copy would be a second handle on the Redis key '
            f'{self.key!r}, not a copy of its data{hint}'
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """copy.deepcopy(x): as copy.copy(x) (stored items are JSON texts: a copy is already deep)."""
        return self.__copy__()

    def __reduce__(self) -> Any:
        """pickle: refused, with the reason (a live client cannot be pickled).

        A container is a handle on a Redis key through a client whose
        connections, pool and locks cannot be pickled, and rebuilding a
        client from its settings would drop what cannot be copied (TLS
        contexts, credential providers, retry policies, cluster topology).
        A random key would also dangle: it is deleted once the original is
        garbage collected.  Send the key instead, and build the container
        with ``redis=`` and ``key=`` on the other side.
        """
        raise TypeError(
            f'cannot pickle {type(self).__name__} object: it is a handle on the Redis key {self.key!r} '
            f'through a client that cannot be pickled; pickle the key and make {type(self).__name__}'
            '(redis=..., key=...) on the other side'
        )

    # -- misc --

    def _same_redis(self, other: Base) -> bool:
        """Whether ``other`` is on the same client, so that one command can touch both."""
        return self.redis is other.redis

    def _same_slot(self, *others: Base) -> bool:
        """Whether one command or script may touch this key and ``others``' keys."""
        if not all(self._same_redis(other) for other in others):
            return False
        if not self._clustered:
            return True
        slot = key_slot(self.key.encode())
        return all(key_slot(other.key.encode()) == slot for other in others)


class Expiring(Base):
    """Base of every container's core: the whole key's expiry, on every front.

    Redis expires a key as a whole: after ``C.expire(10)`` the container is
    empty 10 seconds later (and every client sees it empty), unless a write
    in between replaces the key (``clear()`` then a write, for one) or
    ``C.persist()`` cancels the expiry.  Writes that modify the key (``d[k] =
    v``, ``s.add(x)``) keep its expiry, as Redis keeps it.  Durations are
    seconds (an int, a float or a ``timedelta``); Redis keeps milliseconds.

    ``ttl=`` (a constructor option, seconds or a ``timedelta``):

    * with initial data, the key is created with the expiry, atomically, in
      the one script that creates it: no client ever sees it without;
    * without data, the key already exists or the container is empty; Redis
      cannot hold an expiry for a key that does not exist, so the
      constructor applies it to the existing key (1 round trip; on the
      asyncio front on ``await``, with the constructor's other writes), and
      raises ``ValueError`` if the key does not exist (always, without a
      round trip, for a temporary container made without ``key=``).  To
      make a new container that expires, give it initial data, or call
      :meth:`expire` after its first write.
    """

    def __init__(self, *, redis: Any = None, key: str | None = None, ttl: float | timedelta | None = None) -> None:
        expiry = None if ttl is None else milliseconds(ttl, 'ttl')
        super().__init__(redis=redis, key=key)
        self._expiry_ms = expiry

    def _start_expiry(self) -> None:
        """For a constructor given no data: apply ``ttl=`` to the existing key."""
        if self._expiry_ms is None:
            return
        if self._cell is not None:
            raise ValueError(self._no_key_for_ttl())
        self._start(self._expire_existing())

    def _expire_existing(self) -> Op[None]:
        # The ttl= of a constructor given no data: 1 round trip (none without ttl=).
        if self._expiry_ms is not None and not (yield Call('PEXPIRE', self.key, self._expiry_ms)):
            raise ValueError(self._no_key_for_ttl())

    def _no_key_for_ttl(self) -> str:
        return (
            f'{type(self).__name__}(ttl=...) without initial data sets the expiry of an existing key, and '
            f'{self.key!r} does not exist: give initial data, or call expire() after the first write'
        )

    @operation
    def expire(self, seconds: float | timedelta) -> Op[bool]:
        """C.expire(seconds) -> True if C now expires in ``seconds``, False if C is empty.

        ``seconds`` is an int, a float or a ``timedelta`` (millisecond
        precision); 0 empties C at once.  An empty container has no Redis
        key to expire, so nothing happens and the result is False.  Replaces
        any earlier expiry.  O(1), 1 round trip (PEXPIRE).
        """
        return bool((yield Call('PEXPIRE', self.key, milliseconds(seconds))))

    @operation
    def expire_at(self, when: datetime) -> Op[bool]:
        """C.expire_at(when) -> True if C now expires at the datetime ``when``, False if C is empty.

        A naive ``when`` is local time, as ``datetime.timestamp()`` reads it;
        a time in the past empties C at once.  O(1), 1 round trip (PEXPIREAT).
        """
        if not isinstance(when, datetime):
            raise TypeError(f'when must be a datetime, not {type(when).__name__}')
        return bool((yield Call('PEXPIREAT', self.key, max(0, round(when.timestamp() * 1000)))))

    @operation
    def ttl(self) -> Op[float | None]:
        """C.ttl() -> the seconds until C expires (a float, millisecond precision), or None.

        None when C never expires -- including when C is empty, since an
        empty container has no Redis key, hence no expiry.  O(1), 1 round
        trip (PTTL).
        """
        return seconds_left(int((yield Call('PTTL', self.key))))

    @operation
    def persist(self) -> Op[bool]:
        """C.persist() -> True if C had an expiry and now has none, else False.

        O(1), 1 round trip (PERSIST).
        """
        return bool((yield Call('PERSIST', self.key)))


class SyncFront(Base, SyncMarker):
    """The blocking front: operations run at once with a ``redis.Redis`` or
    ``redis.cluster.RedisCluster`` client (see :mod:`pottery.command`)."""


class AsyncFront(Base, AsyncMarker):
    """The asyncio front: operations are coroutines, run with a
    ``redis.asyncio.Redis`` or ``redis.asyncio.cluster.RedisCluster`` client.

    A constructor cannot await, so the writes a constructor with initial
    items makes run when the container is first awaited (``d = await
    RedisDict({...}, redis=r)``) or, failing that, before its first operation.
    Dunders Python calls without awaiting (``len()``, ``in``, ``==``, ``d[k]``,
    ``for``) raise ``TypeError`` naming the coroutine to use instead.
    """

    _client_types: ClassVar[tuple[type, ...]] = (redis.asyncio.Redis, redis.asyncio.cluster.RedisCluster)
    _pending: Op[Any] | None = None
    # A core's own refusal hints, added to (or replacing) BLOCKING_DUNDERS':
    # Counter's operators, for one, are not list's or dict's.
    _blocking_hints: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = {**BLOCKING_DUNDERS, **cls._blocking_hints}
        found = {
            name: next((vars(klass)[name] for klass in cls.__mro__ if name in vars(klass)), None) for name in hints
        }
        if isinstance(found['__iter__'], iteration) and '__aiter__' not in vars(cls):
            cls.__aiter__ = found['__iter__']  # type: ignore[attr-defined]  # async for x in container
        for name, instead in hints.items():
            if isinstance(found[name], (operation, iteration)):
                setattr(cls, name, _refusal(name, instead))

    def _default_client(self) -> Any:
        return default_async_redis()

    def _reaper_client(self, client: Any) -> RedisClient | None:
        return blocking_twin(client)

    def _start(self, op: Op[Any]) -> None:
        self._pending = op

    async def _settle(self) -> None:
        op, self._pending = self._pending, None
        if op is not None:
            await run_async(self, op)  # settles first: nothing is pending now

    def __await__(self) -> Generator[Any, None, Any]:
        """``await container`` finishes its constructor's writes and returns it."""
        return self._settled().__await__()

    async def _settled(self) -> Any:
        await self._settle()
        return self

    def __repr__(self) -> str:
        """<RedisDict key=...>: no round trip (an async repr cannot await)."""
        return f'<{type(self).__name__} key={self.key}>'


def _refusal(name: str, instead: str) -> Callable[..., Any]:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f'{name} of an asyncio {type(self).__name__} cannot await Redis: use `{instead}`')

    refuse.__name__ = name
    return refuse


# --- json.dumps() support ----------------------------------------------------------
#
# The one piece of global patching pottery does, because users expect
# json.dumps(a_redis_dict) to work as it does for the dict it imitates.  The
# hook only handles pottery containers whose stdlib counterpart JSON encodes
# (dict, list, Counter); for every other object it defers to the original
# method, so the output and the errors for other types do not change.


class JSONSerializable:
    """Mixin for containers whose stdlib counterpart ``json.dumps`` accepts."""

    def _json_value(self) -> Any:
        raise NotImplementedError


_original_default = json.JSONEncoder.default


def _default(self: json.JSONEncoder, o: Any) -> Any:
    if isinstance(o, JSONSerializable):
        return o._json_value()
    return _original_default(self, o)


json.JSONEncoder.default = _default  # type: ignore[method-assign]  # the documented json hook


class PotteryEncoder(json.JSONEncoder):
    """A ``json.JSONEncoder`` that encodes pottery containers, as in the ``pottery`` package.

    ``json.dumps(x, cls=PotteryEncoder)`` writes a RedisDict as a JSON
    object and a RedisList or RedisCounter as what their stdlib counterparts
    give; every other object as ``json.JSONEncoder`` does.  The json hook
    above makes plain ``json.dumps(x)`` do the same: this class is for code
    written for pottery 3.x, which names it.  Complexity: one read of each
    container, 1 round trip each.

    >>> json.dumps({'ok': True}, cls=PotteryEncoder)
    '{"ok": true}'
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, JSONSerializable):
            return o._json_value()
        return super().default(o)
