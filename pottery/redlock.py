"""Redlock: a distributed lock with no single point of failure, and fencing tokens.

The algorithm is Redis' *Redlock* ("Distributed Locks with Redis" on
redis.io), over N independent masters (5 in production):

1. Draw a random token; on every master at once, ``SET redlock:<key> token NX
   PX ttl``.
2. The lock is held when a majority (N//2 + 1) of masters accepted and time is
   left: ``validity = ttl - elapsed - drift`` on a monotonic clock.
   Otherwise, delete our token everywhere, wait for those replies, and
   retry after a random delay.
3. Release and extend are compare-and-delete / compare-and-expire scripts, so
   that a holder whose lock expired cannot touch the next holder's lock.

On top of it every acquisition gets a *fencing token* (``lock.token``) that
increases strictly across all holders of a key, so that the protected
resource can refuse a stale holder.  Each master keeps a counter at
``redlock-fence:<key>``; a token only counts once a majority of masters
recorded it *while we held the lock there*.  See ``docs/redlock-nextid.md``
for the proof, for what Redlock does not guarantee, and for the
restart-without-persistence hazard.

Layout and protocol are those of the ``pottery`` package on PyPI (key
``redlock:<key>``, a random token as the value, ``SET NX PX``), so that its
locks and ours exclude each other during a rolling upgrade.

Masters are called concurrently on a module-wide thread pool.  Each call has
a deadline (``master_timeout``) after which the caller stops waiting, and
goes through a private client with a short socket timeout, so that a paused
or black-holed master costs a bounded delay and never pins a worker for long;
while a master is suspected down, calls to it fail at once instead of queueing.
"""

from __future__ import annotations

import concurrent.futures
import functools
import math
import os
import queue
import random
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from redis import ConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from pottery.base import default_redis
from pottery.exceptions import (
    ExtendUnlockedLock,
    QuorumIsImpossible,
    QuorumNotAchieved,
    ReleaseUnlockedLock,
    TooManyExtensions,
)

__all__ = ['Redlock', 'synchronize']

_P = ParamSpec('_P')
_R = TypeVar('_R')

# --- Lua scripts ----------------------------------------------------------------

# KEYS[1]: the lock (redlock:<key>).  KEYS[2]: the fence counter.
# ARGV[1]: this acquisition's random token.  ARGV[2]: auto-release time (ms).
# ARGV[3]: the fencing token we propose (one more than the last we saw).
# Takes the lock with SET NX PX.  When taken, raises the counter to the
# proposal if it is lower -- atomically with holding the lock, which the
# fencing proof needs -- and returns {1, proposal}, else {0, counter}.
# Returns false when somebody else holds the lock.
_ACQUIRE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return false
end
local fence = tonumber(redis.call('GET', KEYS[2]) or '0')
local proposal = tonumber(ARGV[3])
if fence < proposal then
    redis.call('SET', KEYS[2], ARGV[3])
    return {1, proposal}
end
return {0, fence}
"""

# KEYS[1]: the lock.  KEYS[2]: the fence counter.  ARGV[1]: our token.
# ARGV[2]: the fencing token chosen after a rejected proposal.
# Second round, only when the proposal lost: record the token on a master
# only while we still hold the lock there.  Returns 1 if recorded, else 0.
_FENCE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
end
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], ARGV[2])
end
return 1
"""

# KEYS[1]: the lock.  ARGV[1]: our token.
# Compare-and-delete: never deletes another holder's lock.  Returns 1 or 0.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1]: the lock.  ARGV[1]: our token.  ARGV[2]: new time to live (ms).
# Compare-and-expire: never extends another holder's lock.  Returns 1 or 0.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS[1]: the lock.  Returns {holder's token or '', PTTL in ms} in one
# atomic read, so that the token and its time to live belong together.
_INSPECT = """
return {redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1])}
"""

# --- Talking to many masters at once ----------------------------------------------------

# Longest a pool worker may stay blocked on one master's socket.
SOCKET_TIMEOUT = 0.5
# Upper bound of the thread pool shared by every Redlock and NextId.
MAX_WORKERS = 128
# Most calls in flight to one master, so that two dead masters leave workers.
MAX_INFLIGHT = 32

_pool_lock = threading.Lock()
_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_pid = 0


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    """The process-wide pool, created on first use (and again in a forked child)."""
    global _pool, _pool_pid
    pool = _pool
    if pool is not None and _pool_pid == os.getpid():
        return pool
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            # A forked child inherits the pool object but none of its threads.
            _pool = concurrent.futures.ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix='pottery-quorum')
            _pool_pid = os.getpid()
        return _pool


class MasterUnavailable(RedisTimeoutError):
    """A master did not answer in time, or is suspected down and was skipped."""


_PENDING: Any = object()

# A script call: (Lua source, KEYS, ARGV).
_Call = tuple[str, list[str], list[Any]]


class _Master:
    """One master: the user's client, our short-timeout twin, and its health.

    The twin shares the user's connection settings (address, credentials,
    TLS, ``decode_responses``...) with a socket timeout of at most
    :data:`SOCKET_TIMEOUT` and no retry after a timeout, so that a worker
    blocked on a paused master gets free again.

    So that a paused master cannot take the whole pool, a call fails at once,
    without using a worker, when calls to the master are in flight and it is
    *suspect*: its last call timed out or a caller gave up waiting, or none of
    its calls has succeeded for longer than the caller's timeout.  Then only
    the calls already in flight probe it; the first success clears the
    suspicion.  At most :data:`MAX_INFLIGHT` calls per master are in flight.
    """

    def __init__(self, client: Redis, socket_timeout: float) -> None:
        # weakly: the registry maps the client to this, and must not keep it alive
        self.name = repr(client)
        self.fast = _twin(client, socket_timeout)
        self.scripts: dict[str, Script] = {}
        self.lock = threading.Lock()
        self.inflight = 0
        self.suspect = False
        self.progress = 0.0  # when a call last succeeded, or the master got busy
        self.pid = os.getpid()

    def script(self, lua: str) -> Script:
        script = self.scripts.get(lua)
        if script is None:
            script = self.scripts[lua] = self.fast.register_script(lua)
        return script

    def submit(
        self, index: int, call: _Call, out: queue.SimpleQueue[tuple[int, Any]] | None, timeout: float | None
    ) -> None:
        """Run a script on a pool worker; put ``(index, result or error)`` on ``out``.

        ``timeout`` is how long the caller waits (``None``: it does not).
        """
        now = time.monotonic()
        with self.lock:
            if self.pid != os.getpid():  # forked: the parent's calls are not ours
                self.inflight, self.suspect, self.pid = 0, False, os.getpid()
            stall = SOCKET_TIMEOUT if timeout is None else timeout
            if self.inflight and (self.suspect or now - self.progress > stall or self.inflight >= MAX_INFLIGHT):
                if out is not None:
                    out.put((index, MasterUnavailable(f'{self.name} is not answering')))
                return
            if not self.inflight:
                self.progress = now
            self.inflight += 1
        deadline = None if timeout is None else now + timeout
        try:
            _executor().submit(self._run, index, call, out, deadline)
        except RuntimeError as error:  # the interpreter is shutting down
            with self.lock:
                self.inflight -= 1
            if out is not None:
                out.put((index, error))

    def _run(
        self, index: int, call: _Call, out: queue.SimpleQueue[tuple[int, Any]] | None, deadline: float | None
    ) -> None:
        ok = False
        try:
            if deadline is not None and time.monotonic() > deadline:
                # Queued behind busy workers past the caller's deadline: the
                # caller has moved on, and a late SET NX would only get in
                # the way.
                result: Any = MasterUnavailable('not sent: the pool was busy past the deadline')
            else:
                lua, keys, args = call
                result = self.script(lua)(keys=keys, args=args, client=self.fast)
                ok = True
        except Exception as error:  # noqa: BLE001 -- handed to the caller, who decides
            result = error
        with self.lock:
            self.inflight -= 1
            if ok:
                self.suspect = False
                self.progress = time.monotonic()
            elif isinstance(result, (RedisTimeoutError, RedisConnectionError)):
                self.suspect = True
        if out is not None:
            out.put((index, result))

    def mark_suspect(self) -> None:
        with self.lock:
            self.suspect = True


def _twin(client: Redis, socket_timeout: float) -> Redis:
    pool = client.connection_pool
    try:
        kwargs = {
            name: value
            for name, value in pool.connection_kwargs.items()
            # redis-py 6+ bookkeeping that belongs to the original pool
            if not name.startswith('orig_') and name != 'maint_notifications_pool_handler'
        }
        own = kwargs.get('socket_timeout')
        timeout = socket_timeout if own is None else min(own, socket_timeout)
        kwargs.update(
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # one retry on a broken connection (a restarted master), none on
            # a timeout: every script is safe to run twice
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        return Redis(connection_pool=ConnectionPool(connection_class=pool.connection_class, **kwargs))
    except Exception:  # noqa: BLE001 -- an exotic pool: fall back to the client itself
        return client


_registry_lock = threading.Lock()
_registry: weakref.WeakKeyDictionary[Redis, dict[float, _Master]] = weakref.WeakKeyDictionary()


def _masters_of(
    clients: Iterable[Redis] | None, socket_timeout: float
) -> tuple[tuple[Redis, ...], tuple[_Master, ...]]:
    """The distinct clients (the default client if none) and their :class:`_Master`."""
    unique: dict[int, Redis] = {}
    for client in clients or ():
        if isinstance(client, RedisCluster):
            # one logical store, and our scripts touch two keys in different slots
            raise TypeError('masters must be independent redis.Redis servers, not a Redis Cluster')
        unique.setdefault(id(client), client)
    if not unique:
        client = default_redis()
        unique[id(client)] = client
    found = []
    with _registry_lock:
        for client in unique.values():
            by_timeout = _registry.setdefault(client, {})
            master = by_timeout.get(socket_timeout)
            if master is None:
                master = by_timeout[socket_timeout] = _Master(client, socket_timeout)
            found.append(master)
    return tuple(unique.values()), tuple(found)


def _after_fork_in_child() -> None:
    # Threads do not survive fork(): locks they held would stay held forever,
    # and their calls in flight will never finish.
    global _pool, _pool_lock, _registry_lock
    _pool, _pool_lock, _registry_lock = None, threading.Lock(), threading.Lock()
    for by_timeout in list(_registry.values()):
        for master in by_timeout.values():
            master.lock = threading.Lock()
            master.inflight, master.suspect, master.pid = 0, False, os.getpid()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _fan_out(
    masters: Sequence[_Master], call: _Call, timeout: float, decided: Callable[[list[Any]], bool] | None = None
) -> list[Any]:
    """Run a script on every master at once; return each one's result or error.

    Waits at most ``timeout`` seconds, less when ``decided(results)`` says
    the outcome is known (e.g. a majority agreed): masters still pending
    then are left as :data:`_PENDING` (their calls finish in the background).
    A master that missed the deadline gets a :class:`MasterUnavailable`.
    """
    count = len(masters)
    results: list[Any] = [_PENDING] * count
    out: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
    deadline = time.monotonic() + timeout
    for index, master in enumerate(masters):
        master.submit(index, call, out, timeout)
    received = 0
    while received < count:
        remaining = deadline - time.monotonic()
        try:
            index, result = out.get(timeout=max(remaining, 0))
        except queue.Empty:
            for index, master in enumerate(masters):
                if results[index] is _PENDING:
                    master.mark_suspect()
                    results[index] = MasterUnavailable(f'no answer within {timeout} s')
            break
        results[index] = result
        received += 1
        if decided is not None and received < count and decided(results):
            break
    return results


def _errors(results: list[Any]) -> list[Exception]:
    return [result for result in results if isinstance(result, Exception)]


def _quorum_decided(quorum: int, good: Callable[[Any], bool]) -> Callable[[list[Any]], bool]:
    """A ``decided`` test: a majority is ``good``, or a majority answered no.

    A majority made impossible by *errors* is not decided early: the caller
    waits for every master (up to its deadline) so that it can count the
    errors exactly and tell ``QuorumIsImpossible`` from a lost race.
    """

    def decided(results: list[Any]) -> bool:
        yes = no = 0
        for result in results:
            if result is _PENDING or isinstance(result, Exception):
                continue
            if good(result):
                yes += 1
            else:
                no += 1
        return yes >= quorum or no > len(results) - quorum

    return decided


def _default_master_timeout(ttl_ms: int) -> float:
    # Redis' Redlock page suggests 5-50 ms per master for a 10 s lock; allow
    # a little more for loaded machines, and at most a tenth of the ttl.
    return max(0.005, min(0.1, ttl_ms / 10_000))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# The last fencing token seen per lock key in this process: the next
# acquisition proposes one more, so that a lock taken again by this process
# usually gets its token in the same round trip as the lock.
_fence_hints: dict[str, int] = {}


# --- Redlock -----------------------------------------------------------------------------


class Redlock:
    """A distributed lock with ``threading.Lock``'s API, over several Redis masters.

    ``key`` names the resource (Redis key ``redlock:<key>``); ``masters`` are
    independent Redis servers (a majority must agree; default: the default
    client only).  ``auto_release_time`` is in milliseconds (or a
    ``timedelta``): the lock frees itself after that long unless released or
    extended.  ``num_extensions`` bounds :meth:`extend`.  With
    ``auto_extend=True`` a daemon thread extends the lock while it is held.
    ``master_timeout`` (seconds) bounds each call to a master.  With
    ``raise_on_redis_errors=True``, failures caused by too many masters
    erroring raise :class:`QuorumIsImpossible` instead of reporting failure.

    A failed attempt deletes its token from every master (compare-and-delete)
    and *waits* for those replies, up to ``master_timeout``, before
    :meth:`acquire` retries or returns ``False``: an attempt's leftovers never
    cost the next attempt a master.  A master that does not answer in time
    (paused, dead) may keep the stale token until it expires; so after
    :meth:`acquire` a majority -- not necessarily every master -- holds this
    lock's current token.

    >>> lock = Redlock(key='printer', masters={redis})  # doctest: +SKIP
    >>> with lock:  # doctest: +SKIP
    ...     print(lock.token)  # a fencing token for the resource
    """

    KEY_PREFIX = 'redlock'
    FENCE_PREFIX = 'redlock-fence'
    # The clock drift factor of the Redlock description.
    CLOCK_DRIFT_FACTOR = 0.01
    # First retry delay (s); it doubles up to a tenth of the ttl, at most 0.2 s.
    RETRY_DELAY = 0.002

    def __init__(
        self,
        *,
        key: str,
        masters: Iterable[Redis] | None = None,
        raise_on_redis_errors: bool = False,
        auto_release_time: int | float | timedelta = 10_000,
        num_extensions: int = 3,
        context_manager_blocking: bool = True,
        context_manager_timeout: float = -1,
        auto_extend: bool = False,
        master_timeout: float | None = None,
    ) -> None:
        if isinstance(auto_release_time, timedelta):
            auto_release_time = auto_release_time / timedelta(milliseconds=1)
        self.auto_release_time = int(auto_release_time)
        if self.auto_release_time <= 0:
            raise ValueError('auto_release_time must be positive (milliseconds)')
        if not context_manager_blocking and context_manager_timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        self._key = key
        self.raise_on_redis_errors = raise_on_redis_errors
        self.num_extensions = num_extensions
        self.context_manager_blocking = context_manager_blocking
        self.context_manager_timeout = context_manager_timeout
        self.auto_extend = auto_extend
        self.master_timeout = (
            _default_master_timeout(self.auto_release_time) if master_timeout is None else master_timeout
        )
        self._clients, self._masters = _masters_of(masters, max(SOCKET_TIMEOUT, self.master_timeout))
        self._quorum = len(self._masters) // 2 + 1
        self._keys = [f'{self.KEY_PREFIX}:{key}', f'{self.FENCE_PREFIX}:{key}']
        self._drift = self.auto_release_time * self.CLOCK_DRIFT_FACTOR + 2
        self._state = threading.Lock()
        self._value: str | None = None  # the random token we hold the lock with
        self._expires = 0.0  # monotonic time our validity ends
        self._token: int | None = None  # the fencing token
        self._extensions = 0
        self._extender: _Extender | None = None

    # -- introspection --

    @property
    def key(self) -> str:
        """The Redis key of the lock: ``redlock:<key>``."""
        return self._keys[0]

    @property
    def masters(self) -> tuple[Redis, ...]:
        """The masters' clients."""
        return self._clients

    @property
    def token(self) -> int | None:
        """The fencing token of the current hold (``None`` when not held).

        It is larger than the token of every earlier holder of this key: pass
        it to the protected resource, which remembers the largest token it
        has seen and rejects requests with a smaller one.
        """
        return self._token

    def __repr__(self) -> str:
        return f'<{type(self).__name__} key={self.key!r} masters={len(self._masters)}>'

    # -- acquire --

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, blocking or not; return whether it was acquired.

        As ``threading.Lock.acquire``: ``timeout`` (seconds) bounds the wait,
        -1 meaning forever; a timeout with ``blocking=False`` is a
        ``ValueError``.  Retries after random, growing delays.  Complexity:
        1 concurrent round trip to the masters per attempt (2 when another
        process took the lock since this one last did, to settle the fencing
        token, and 1 more to undo a failed attempt); each attempt takes at
        most about 3 ``master_timeout``.
        """
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if timeout < 0 and timeout != -1:
            raise ValueError('timeout value must be positive')
        deadline = None if timeout == -1 else time.monotonic() + timeout
        cap = min(0.2, self.auto_release_time / 10_000)
        attempt = 0
        while True:
            if self._try_acquire():
                return True
            if not blocking:
                return False
            delay = _random.uniform(0, min(cap, self.RETRY_DELAY * 2**attempt))
            attempt = min(attempt + 1, 16)
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                delay = min(delay, remaining)
            _sleep(delay)

    def _try_acquire(self) -> bool:
        value = uuid.uuid4().hex
        proposal = _fence_hints.get(self._keys[0], 0) + 1
        start = time.monotonic()
        results = _fan_out(
            self._masters,
            (_ACQUIRE, self._keys, [value, self.auto_release_time, proposal]),
            self.master_timeout,
            # Stop early on success only: after a failure every SET NX must
            # have landed (or timed out) before the undo, or a straggler could
            # take a master after its undo and keep it until the ttl.
            lambda results: sum(1 for result in results if isinstance(result, list)) >= self._quorum,
        )
        held = [(index, result) for index, result in enumerate(results) if isinstance(result, list)]
        token = None
        if len(held) >= self._quorum:
            if sum(1 for _, result in held if int(result[0]) == 1) >= self._quorum:
                # A majority raised its counter to our proposal while we held
                # the lock there: the proposal is our token.
                token = proposal
            else:
                token = max(int(result[1]) for _, result in held) + 1
                recorded = _fan_out(
                    [self._masters[index] for index, _ in held],
                    (_FENCE, self._keys, [value, token]),
                    self.master_timeout,
                    _quorum_decided(self._quorum, lambda result: result == 1),
                )
                results += recorded
                if sum(1 for result in recorded if result == 1) < self._quorum:
                    token = None
        now = time.monotonic()
        validity = self.auto_release_time - (now - start) * 1000 - self._drift
        if token is not None and validity > 0:
            with self._state:
                self._value, self._token, self._extensions = value, token, 0
                self._expires = now + validity / 1000
                if token > _fence_hints.get(self._keys[0], 0):
                    _fence_hints[self._keys[0]] = token
                if self.auto_extend:
                    self._extender = _Extender(self, value)
                    self._extender.start()
            return True
        # Wait for the undo (bounded by master_timeout), so that this
        # attempt's token is gone from every master that answers before the
        # next attempt, or the caller, looks: our own leftovers must not cost
        # the next attempt a master.  A master that does not answer in time
        # may keep the token until it expires.
        _fan_out(self._masters, (_RELEASE, self._keys[:1], [value]), self.master_timeout)
        if held:
            seen = max(int(result[1]) for _, result in held)
            if seen > _fence_hints.get(self._keys[0], 0):
                _fence_hints[self._keys[0]] = seen
        self._check_possible(results, 'acquire')
        return False

    def _check_possible(self, results: list[Any], what: str) -> None:
        errors = _errors(results)
        if self.raise_on_redis_errors and len(errors) > len(self._masters) - self._quorum:
            raise QuorumIsImpossible(
                self.masters,
                self.key,
                f'{what}: {len(errors)} of {len(self._masters)} masters failed',
                redis_errors=errors,
            )

    # -- release --

    def release(self) -> None:
        """Release the lock.

        Raises :class:`ReleaseUnlockedLock` (a ``RuntimeError``, as
        ``threading.Lock`` does) when this instance does not hold it, or when
        it expired: then the critical section overran the auto-release time.
        When masters merely failed to answer, the lock is left to expire by
        itself (or :class:`QuorumIsImpossible` is raised, with
        ``raise_on_redis_errors=True``).  Complexity: 1 concurrent round trip
        to the masters.
        """
        with self._state:
            value, self._value, self._token = self._value, None, None
            expired = time.monotonic() >= self._expires
            self._stop_extender()
        if value is None:
            raise ReleaseUnlockedLock(self.masters, self.key, 'release unlocked lock')
        # Wait for every master that answers (not just a majority), so that
        # the lock is free everywhere for the next holder; a suspect master
        # fails at once, so this costs the slowest healthy master's time.
        results = _fan_out(self._masters, (_RELEASE, self._keys[:1], [value]), self.master_timeout)
        if sum(1 for result in results if result == 1) >= self._quorum:
            return
        refused = sum(1 for result in results if result == 0)
        if expired or refused > len(self._masters) - self._quorum:
            raise ReleaseUnlockedLock(self.masters, self.key, 'the lock had expired: release unlocked lock')
        self._check_possible(results, 'release')

    # -- extend --

    def extend(self) -> None:
        """Reset the lock's time to live to ``auto_release_time``.

        Succeeds only when a majority of masters extend it before its
        validity ends.  Raises :class:`TooManyExtensions` after
        ``num_extensions`` extensions of one hold, and
        :class:`ExtendUnlockedLock` when the lock is not held (or expired).
        Complexity: 1 concurrent round trip to the masters.
        """
        with self._state:
            value = self._value
            if value is not None and self._extensions >= self.num_extensions:
                raise TooManyExtensions(self.masters, self.key, f'already extended {self._extensions} times')
        if value is None or not self._extend(value):
            raise ExtendUnlockedLock(self.masters, self.key, 'extend unlocked lock')
        with self._state:
            self._extensions += 1

    def _extend(self, value: str) -> bool:
        start = time.monotonic()
        results = _fan_out(
            self._masters,
            (_EXTEND, self._keys[:1], [value, self.auto_release_time]),
            self.master_timeout,
            _quorum_decided(self._quorum, lambda result: result == 1),
        )
        now = time.monotonic()
        with self._state:
            ok = (
                sum(1 for result in results if result == 1) >= self._quorum
                and self._value == value
                and now < self._expires
            )
            if ok:
                validity = self.auto_release_time - (now - start) * 1000 - self._drift
                self._expires = now + validity / 1000
                return True
        self._check_possible(results, 'extend')
        return False

    def _stop_extender(self) -> None:
        # called with self._state held
        if self._extender is not None:
            self._extender.stopped.set()
            self._extender = None

    # -- locked --

    def locked(self) -> int:
        """Return the lock's remaining validity in milliseconds, 0 if it is free.

        Whoever holds the lock -- this instance or another one, in any
        process: it is held when a majority of masters hold the same token.
        Complexity: 1 concurrent round trip to the masters.
        """
        start = time.monotonic()
        quorum = self._quorum

        def decided(results: list[Any]) -> bool:
            # a holder has a majority, or no holder can get one any more
            pending = sum(1 for result in results if result is _PENDING)
            counts: dict[str, int] = {}
            for result in results:
                if isinstance(result, list) and int(result[1]) > 0:
                    counts[_text(result[0])] = counts.get(_text(result[0]), 0) + 1
            best = max(counts.values(), default=0)
            return best >= quorum or best + pending < quorum

        results = _fan_out(self._masters, (_INSPECT, self._keys[:1], []), self.master_timeout, decided)
        elapsed = (time.monotonic() - start) * 1000
        ttls: dict[str, list[int]] = {}
        for result in results:
            if isinstance(result, list) and int(result[1]) > 0:
                ttls.setdefault(_text(result[0]), []).append(int(result[1]))
        for holder, found in ttls.items():
            if len(found) >= self._quorum:
                # held as long as a majority still holds it
                remaining = sorted(found, reverse=True)[self._quorum - 1] - elapsed - self._drift
                with self._state:
                    if holder == self._value:
                        remaining = min(remaining, (self._expires - time.monotonic()) * 1000)
                return max(0, math.floor(remaining))
        return 0

    # -- context manager --

    def __enter__(self) -> Redlock:
        if not self.acquire(blocking=self.context_manager_blocking, timeout=self.context_manager_timeout):
            raise QuorumNotAchieved(self.masters, self.key, 'could not acquire the lock')
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()


class _Extender(threading.Thread):
    """Extends a held lock every third of its auto-release time until stopped.

    A daemon thread: it dies with the process, and the lock then expires.  It
    holds the lock weakly, so a forgotten lock is not extended forever.
    """

    def __init__(self, lock: Redlock, value: str) -> None:
        super().__init__(name=f'pottery-extend-{lock.key}', daemon=True)
        self.lock = weakref.ref(lock)
        self.value = value
        self.interval = lock.auto_release_time / 3000
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            lock = self.lock()
            if lock is None or lock._value != self.value:
                return
            try:
                extended = lock._extend(self.value)
            except Exception:  # noqa: BLE001 -- nobody to report to; the lock will expire
                extended = False
            del lock  # hold it only weakly while waiting
            if not extended:
                return


# Indirections for tests: retry delays can be observed without sleeping.
_random = random.Random()
_sleep = time.sleep


def synchronize(
    *,
    key: str,
    masters: Iterable[Redis] | None = None,
    raise_on_redis_errors: bool = False,
    auto_release_time: int | float | timedelta = 10_000,
    blocking: bool = True,
    timeout: float = -1,
    auto_extend: bool = False,
    master_timeout: float | None = None,
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorator: run the function under a :class:`Redlock`, one caller at a time.

    Every call, in any thread or process, first acquires the lock ``key``
    (``blocking``/``timeout`` as in :meth:`Redlock.acquire`) and raises
    :class:`QuorumNotAchieved` if it cannot.

    >>> @synchronize(key='synchronized-func', masters={redis})  # doctest: +SKIP
    ... def func():
    ...     ...  # only one process runs this at a time
    """
    if not blocking and timeout != -1:
        raise ValueError("can't specify a timeout for a non-blocking call")
    masters = tuple(masters or ())
    options: dict[str, Any] = {
        'raise_on_redis_errors': raise_on_redis_errors,
        'auto_release_time': auto_release_time,
        'context_manager_blocking': blocking,
        'context_manager_timeout': timeout,
        'auto_extend': auto_extend,
        'master_timeout': master_timeout,
    }

    def decorator(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            # One Redlock per call: an instance's hold belongs to one caller,
            # so a call whose lock expired cannot release the next caller's.
            with Redlock(key=key, masters=masters, **options):
                return func(*args, **kwargs)

        return wrapper

    return decorator
