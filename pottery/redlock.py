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

Under contention the lock is handed over rather than polled for: the
blocked ``acquire()`` calls of one process (one event loop on asyncio) on one
key wait in a FIFO line, and only the first goes to the masters; it waits
for a release -- by this process or another -- on the designated master,
where ``release()`` pushes a token to ``redlock-wake:<key>`` that one
blocked ``BLPOP`` takes, so that one waiter goes after a release.  A lost notification
costs one short ``BLPOP`` timeout, then the randomized retry.  See
``docs/redlock-nextid.md``.

Layout and protocol are those of the ``pottery`` package on PyPI (key
``redlock:<key>``, a random token as the value, ``SET NX PX``), so that its
locks and ours exclude each other during a rolling upgrade.

Every operation is written once, in :class:`RedlockCore` (see
:mod:`pottery.command`), and reaches the masters through
:class:`pottery.quorum.FanOut`: :class:`Redlock` runs it blocking,
:class:`pottery.asyncio.Redlock` (``pottery.AIORedlock``) as a coroutine, so
that both share locks, tokens and fault behaviour.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import math
import random
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from datetime import timedelta
from types import TracebackType
from typing import Any, Literal, ParamSpec, TypeVar

from redis import Redis
from typing_extensions import Self

from pottery.command import Op, Script, Sleep, SyncMarker, operation, run
from pottery.exceptions import (
    ExtendUnlockedLock,
    QuorumIsImpossible,
    QuorumNotAchieved,
    ReleaseUnlockedLock,
    TooManyExtensions,
)
from pottery.quorum import PENDING, C, Listen, Quorum, Wait, errors, quorum_decided

__all__ = ['Redlock', 'RedlockCore', 'synchronize']

_P = ParamSpec('_P')
_R = TypeVar('_R')
_Outcome = Literal['held', 'split', 'taken']

# --- Lua scripts ----------------------------------------------------------------

# KEYS[1]: the lock (redlock:<key>).  KEYS[2]: the fence counter.
# ARGV[1]: this acquisition's random token.  ARGV[2]: auto-release time (ms).
# ARGV[3]: the fencing token we propose (one more than the last we saw).
# Takes the lock with SET NX PX.  When taken, raises the counter to the
# proposal if it is lower -- atomically with holding the lock, which the
# fencing proof needs -- and returns {1, proposal}, else {0, counter}.
# Returns false when somebody else holds the lock.
_ACQUIRE = Script("""
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
""")

# KEYS[1]: the lock.  KEYS[2]: the fence counter.  ARGV[1]: our token.
# ARGV[2]: the fencing token chosen after a rejected proposal.
# Second round, only when the proposal lost: record the token on a master
# only while we still hold the lock there.  Returns 1 if recorded, else 0.
_FENCE = Script("""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
end
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], ARGV[2])
end
return 1
""")

# KEYS[1]: the lock.  ARGV[1]: our token.
# Compare-and-delete: never deletes another holder's lock.  Returns 1 or 0.
# With KEYS[2] (the wake list, on the designated master only) and ARGV[2]
# (its time to live, ms), a successful release also leaves one token there
# for a waiter's BLPOP; the list holds at most one, and expires if unread.
_RELEASE = Script("""
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
    if KEYS[2] then
        redis.call('RPUSH', KEYS[2], 1)
        redis.call('LTRIM', KEYS[2], 0, 0)
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
    end
    return 1
end
return 0
""")

# KEYS[1]: the lock.  ARGV[1]: our token.  ARGV[2]: new time to live (ms).
# Compare-and-expire: never extends another holder's lock.  Returns 1 or 0.
_EXTEND = Script("""
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
""")

# KEYS[1]: the lock.  Returns {holder's token or '', PTTL in ms} in one
# atomic read, so that the token and its time to live belong together.
_INSPECT = Script("""
return {redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1])}
""")


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


def milliseconds(value: object, name: str = 'auto_release_time') -> int:
    """``value`` (milliseconds, or a ``timedelta``) as whole milliseconds, at least 1.

    A ``TypeError`` for anything else; a ``ValueError`` under 1 ms that says
    why (pottery 3.x took seconds).
    """
    if isinstance(value, timedelta):
        ms = value / timedelta(milliseconds=1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ms = value
    else:
        raise TypeError(f'{name} must be milliseconds (an int or a float) or a timedelta, not {type(value).__name__}')
    if not ms >= 1:  # also NaN
        hint = ''
        if ms > 0 and not isinstance(value, timedelta):
            hint = f' (pottery 3.x took seconds: for {ms:g} s pass {ms * 1000:g} or timedelta(seconds={ms:g}))'
        raise ValueError(f'{name} is in milliseconds and must be at least 1 ms, not {ms:g} ms{hint}')
    return int(ms)


# --- the line of one process's waiters ----------------------------------------------------


class _Line:
    """The blocked ``acquire()`` calls of one process (or event loop) on one key.

    FIFO: only the head goes to the masters, so that the threads of one
    process do not split the masters' votes among themselves.  ``held_until``
    is when an in-process hold ends (monotonic; 0 when none): the head waits
    for ``released`` then instead of asking the masters.
    """

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.waiting: collections.deque[Any] = collections.deque()
        self.held_until = 0.0
        self.released: Any = None  # the current hold's event

    def join(self, event: Any) -> bool:
        """Queue a waiter; whether it is at the head."""
        with self.mutex:
            self.waiting.append(event)
            return self.waiting[0] is event

    def leave(self, event: Any) -> None:
        """Remove a waiter (done, timed out or cancelled); wake the new head."""
        with self.mutex:
            head = self.waiting[0] if self.waiting else None
            with contextlib.suppress(ValueError):
                self.waiting.remove(event)
            wake = self.waiting[0] if self.waiting and head is event else None
        if wake is not None:
            wake.set()

    def is_head(self, event: Any) -> bool:
        with self.mutex:
            return bool(self.waiting) and self.waiting[0] is event

    def hold(self, until: float, released: Any) -> None:
        with self.mutex:
            self.held_until, self.released = until, released

    def unhold(self, released: Any) -> None:
        """The hold whose event is ``released`` ended: wake the head."""
        with self.mutex:
            if self.released is not released:
                return
            self.held_until, self.released = 0.0, None
        released.set()


# --- Redlock -----------------------------------------------------------------------------


class RedlockCore(Quorum[C]):
    """Every operation of :class:`Redlock` and of its asyncio twin, written once.

    A front adds how to run them (``SyncMarker`` or ``AsyncMarker``) and how
    to extend the lock in the background (:meth:`_start_extender`).
    """

    KEY_PREFIX = 'redlock'
    FENCE_PREFIX = 'redlock-fence'
    WAKE_PREFIX = 'redlock-wake'
    # Longest wait for a release notification before trying again (s), so
    # that a lost notification (a crashed holder, a designated master down)
    # costs little.
    LISTEN = 0.2
    # The clock drift factor of the Redlock description.
    CLOCK_DRIFT_FACTOR = 0.01
    # First retry delay (s); it doubles up to a tenth of the ttl, at most 0.2 s.
    RETRY_DELAY = 0.002

    def __init__(
        self,
        *,
        key: str,
        masters: Iterable[C] | C | None = None,
        raise_on_redis_errors: bool = False,
        auto_release_time: int | float | timedelta = 10_000,
        num_extensions: int = 3,
        context_manager_blocking: bool = True,
        context_manager_timeout: float = -1,
        auto_extend: bool = False,
        master_timeout: float | None = None,
    ) -> None:
        if not isinstance(key, str):
            raise TypeError(f'key must be a str, not {type(key).__name__}')
        self.auto_release_time = milliseconds(auto_release_time)
        if not context_manager_blocking and context_manager_timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if master_timeout is not None and not master_timeout > 0:
            raise ValueError('master_timeout must be positive (seconds)')
        self.raise_on_redis_errors = raise_on_redis_errors
        self.num_extensions = num_extensions
        self.context_manager_blocking = context_manager_blocking
        self.context_manager_timeout = context_manager_timeout
        self.auto_extend = auto_extend
        super().__init__(
            masters, _default_master_timeout(self.auto_release_time) if master_timeout is None else master_timeout
        )
        self._keys = [f'{self.KEY_PREFIX}:{key}', f'{self.FENCE_PREFIX}:{key}']
        self._wake = f'{self.WAKE_PREFIX}:{key}'
        self._designated = self.designated()
        self._line: _Line | None = None  # this key's line, kept while we hold the lock
        self._released: Any = None  # the event our hold sets when it ends
        self._drift = self.auto_release_time * self.CLOCK_DRIFT_FACTOR + 2
        self._state = threading.Lock()
        self._value: str | None = None  # the random token we hold the lock with
        self._expires = 0.0  # monotonic time our validity ends
        self._token: int | None = None  # the fencing token
        self._extensions = 0

    # -- introspection --

    @property
    def key(self) -> str:
        """The Redis key of the lock: ``redlock:<key>``."""
        return self._keys[0]

    @property
    def token(self) -> int | None:
        """The fencing token of the current hold (``None`` when not held).

        It is larger than the token of every earlier holder of this key: pass
        it to the protected resource, which remembers the largest token it
        has seen and rejects requests with a smaller one.
        """
        return self._token

    def __repr__(self) -> str:
        """<Redlock key=redlock:printer>: no round trip."""
        return f'<{type(self).__name__} key={self.key}>'

    # -- the front's part --

    def _start_extender(self, value: str) -> None:
        """Extend the hold ``value`` every third of the ttl until released."""
        raise NotImplementedError

    def _stop_extender(self) -> None:
        """Stop extending (called with ``self._state`` held)."""
        raise NotImplementedError

    # -- acquire --

    @operation
    def acquire(self, blocking: bool = True, timeout: float = -1) -> Op[bool]:
        """Acquire the lock, blocking or not; return whether it was acquired.

        As ``threading.Lock.acquire``: ``timeout`` (seconds) bounds the wait,
        -1 meaning forever; a timeout with ``blocking=False`` is a
        ``ValueError``.  Blocked calls of one process wait in a FIFO line and
        are woken by the holder's release (see the module docstring), with
        random, growing delays as the fallback.  Complexity:
        1 concurrent round trip to the masters per attempt (2 when another
        process took the lock since this one last did, to settle the fencing
        token, and 1 more to undo a failed attempt); each attempt takes at
        most about 3 ``master_timeout``.
        """
        return (yield from self._acquire(blocking, timeout))

    def _acquire(self, blocking: bool, timeout: float) -> Op[bool]:
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if timeout < 0 and timeout != -1:
            raise ValueError('timeout value must be positive')
        line: _Line = self.local(('redlock', self.key), _Line)
        if not blocking:
            # one attempt, ahead of the line (as threading.Lock's)
            return (yield from self._try(line))
        deadline = None if timeout == -1 else time.monotonic() + timeout
        turn = self.event()
        try:
            # Wait in line: only the head goes to the masters.
            head = line.join(turn)
            while not head:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                yield Wait(turn, remaining)
                turn.clear()
                head = line.is_head(turn)
            return (yield from self._contend(line, deadline))
        finally:
            line.leave(turn)

    def _contend(self, line: _Line, deadline: float | None) -> Op[bool]:
        # The head of the line: attempt, and between attempts wait for a
        # release rather than poll.
        backoffs = 0
        woken = False  # we took a release notification: our turn, go
        while True:
            with line.mutex:
                held_until, released = line.held_until, line.released
            now = time.monotonic()
            remaining = None if deadline is None else deadline - now
            if not woken and released is not None and held_until > now:
                # Held in this process: wait for its release notification
                # like every other process's head does, so that exactly one
                # waiter -- whoever has waited longest, here or elsewhere --
                # goes to the masters after a release.  When the designated
                # master does not answer (Listen fails at once), wait for
                # the in-process release itself.
                wait = held_until - now if remaining is None else min(held_until - now, remaining)
                if wait <= 0:
                    return False
                listen = min(wait, self.LISTEN)
                woken = (yield Listen(self._designated, self._wake, listen)) is not None
                if not woken and time.monotonic() - now < listen / 2:
                    yield Wait(released, wait)
                continue
            woken = False
            outcome = yield from self._attempt()
            if outcome == 'held':
                self._hold(line)
                return True
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            if outcome == 'taken':
                # Held by another process: wait for its release notification,
                # at most LISTEN (a lost notification costs that).
                wait = self.LISTEN if remaining is None else min(self.LISTEN, remaining)
                if (yield Listen(self._designated, self._wake, wait)) is not None:
                    backoffs = 0
                    continue
            # A split vote (several contenders each took a minority and
            # undid it), or no notification: randomized, growing backoff, so
            # that one contender wins the next round.
            backoffs += 1
            cap = min(0.2, self.auto_release_time / 10_000)
            delay = random.uniform(0, min(cap, self.RETRY_DELAY * 2 ** min(backoffs, 16)))
            remaining = None if deadline is None else deadline - time.monotonic()
            yield Sleep(delay if remaining is None else max(0.0, min(delay, remaining)))

    def _try(self, line: _Line) -> Op[bool]:
        if (yield from self._attempt()) != 'held':
            return False
        self._hold(line)
        return True

    def _hold(self, line: _Line) -> None:
        # Tell our line that this process holds the lock until it expires.
        with self._state:
            self._line, self._released = line, self.event()
            line.hold(self._expires, self._released)

    def _attempt(self) -> Op[_Outcome]:
        # One attempt: 'held' (the lock is ours), 'split' (we took a
        # minority of masters, and undid it), or 'taken' (every master that
        # answered refused: somebody holds it).
        value = uuid.uuid4().hex
        proposal = _fence_hints.get(self._keys[0], 0) + 1
        start = time.monotonic()
        results: list[Any] = yield self.fan_out(
            _ACQUIRE(self._keys, [value, self.auto_release_time, proposal]),
            # Stop early on success only: after a failure every SET NX must
            # have landed (or timed out) before the undo, or a straggler could
            # take a master after its undo and keep it until the ttl.
            lambda results: sum(1 for result in results if isinstance(result, list)) >= self.quorum,
        )
        held = [(index, result) for index, result in enumerate(results) if isinstance(result, list)]
        token = None
        if len(held) >= self.quorum:
            if sum(1 for _, result in held if int(result[0]) == 1) >= self.quorum:
                # A majority raised its counter to our proposal while we held
                # the lock there: the proposal is our token.
                token = proposal
            else:
                token = max(int(result[1]) for _, result in held) + 1
                recorded: list[Any] = yield self.fan_out(
                    _FENCE(self._keys, [value, token]),
                    quorum_decided(self.quorum, lambda result: result == 1),
                    only=[index for index, _ in held],
                )
                results += recorded
                if sum(1 for result in recorded if result == 1) < self.quorum:
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
                    self._start_extender(value)
            return 'held'
        # Wait for the undo (bounded by master_timeout), so that this
        # attempt's token is gone from every master that answers before the
        # next attempt, or the caller, looks: our own leftovers must not cost
        # the next attempt a master.  A master suspected down gets the undo
        # too, unwaited for (a cleanup): a late SET NX of ours that it ran
        # must not keep the key until it expires.
        if held or errors(results) or PENDING in results:
            yield self.fan_out(_RELEASE(self._keys[:1], [value]), cleanup=True)
        if held:
            seen = max(int(result[1]) for _, result in held)
            if seen > _fence_hints.get(self._keys[0], 0):
                _fence_hints[self._keys[0]] = seen
        self._check_possible(results, 'acquire')
        return 'split' if held else 'taken'

    def _check_possible(self, results: list[Any], what: str) -> None:
        failed = errors(results)
        if self.raise_on_redis_errors and len(failed) > len(self.masters) - self.quorum:
            raise QuorumIsImpossible(
                self.masters,
                self.key,
                f'{what}: {len(failed)} of {len(self.masters)} masters failed',
                redis_errors=failed,
            )

    # -- release --

    @operation
    def release(self) -> Op[None]:
        """Release the lock.

        Raises :class:`ReleaseUnlockedLock` (a ``RuntimeError``, as
        ``threading.Lock`` does) when this instance does not hold it, or when
        it expired: then the critical section overran the auto-release time.
        When masters merely failed to answer, the lock is left to expire by
        itself (or :class:`QuorumIsImpossible` is raised, with
        ``raise_on_redis_errors=True``).  Complexity: 1 concurrent round trip
        to the masters.
        """
        yield from self._release()

    def _release(self) -> Op[None]:
        with self._state:
            value, self._value, self._token = self._value, None, None
            expired = time.monotonic() >= self._expires
            self._stop_extender()
            line, released, self._line, self._released = self._line, self._released, None, None
        if value is None:
            raise ReleaseUnlockedLock(self.masters, self.key, 'release unlocked lock')
        # Wait for every master that answers (not just a majority), so that
        # the lock is free everywhere for the next holder; a suspect master
        # fails at once, so this costs the slowest healthy master's time.
        # The designated master also gets the notification for a waiter of
        # another process.
        wake = _RELEASE([self._keys[0], self._wake], [value, int(self.LISTEN * 5000)])
        plain = _RELEASE(self._keys[:1], [value])
        try:
            results: list[Any] = yield self.fan_out(
                [wake if index == self._designated else plain for index in range(len(self.masters))], cleanup=True
            )
        finally:
            if line is not None:
                line.unhold(released)  # the head of our line may try now
        if sum(1 for result in results if result == 1) >= self.quorum:
            return
        refused = sum(1 for result in results if result == 0)
        if expired or refused > len(self.masters) - self.quorum:
            raise ReleaseUnlockedLock(self.masters, self.key, 'the lock had expired: release unlocked lock')
        self._check_possible(results, 'release')

    # -- extend --

    @operation
    def extend(self) -> Op[None]:
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
        if value is None or not (yield from self._extend(value)):
            raise ExtendUnlockedLock(self.masters, self.key, 'extend unlocked lock')
        with self._state:
            self._extensions += 1

    def _extend(self, value: str) -> Op[bool]:
        start = time.monotonic()
        results: list[Any] = yield self.fan_out(
            _EXTEND(self._keys[:1], [value, self.auto_release_time]),
            quorum_decided(self.quorum, lambda result: result == 1),
        )
        now = time.monotonic()
        with self._state:
            ok = sum(1 for result in results if result == 1) >= self.quorum and self._value == value
            if ok and now < self._expires:
                validity = self.auto_release_time - (now - start) * 1000 - self._drift
                self._expires = now + validity / 1000
                if self._line is not None:
                    self._line.hold(self._expires, self._released)
                return True
        self._check_possible(results, 'extend')
        return False

    def _extend_if_held(self, value: str) -> Op[bool]:
        """The background extender's step: extend the hold ``value`` if still ours.

        Returns whether to go on.  Errors end the extension (nobody to report
        them to): the lock will expire.
        """
        if self._value != value:
            return False
        try:
            return (yield from self._extend(value))
        except Exception:  # noqa: BLE001 -- nobody to report to; the lock will expire
            return False

    # -- locked --

    @operation
    def locked(self) -> Op[int]:
        """Return the lock's remaining validity in milliseconds, 0 if it is free.

        Whoever holds the lock -- this instance or another one, in any
        process: it is held when a majority of masters hold the same token.
        Complexity: 1 concurrent round trip to the masters.
        """
        start = time.monotonic()
        quorum = self.quorum

        def decided(results: list[Any]) -> bool:
            # a holder has a majority, or no holder can get one any more
            pending = sum(1 for result in results if result is PENDING)
            counts: dict[str, int] = {}
            for result in results:
                if isinstance(result, list) and int(result[1]) > 0:
                    counts[_text(result[0])] = counts.get(_text(result[0]), 0) + 1
            best = max(counts.values(), default=0)
            return best >= quorum or best + pending < quorum

        results: list[Any] = yield self.fan_out(_INSPECT(self._keys[:1]), decided)
        elapsed = (time.monotonic() - start) * 1000
        ttls: dict[str, list[int]] = {}
        for result in results:
            if isinstance(result, list) and int(result[1]) > 0:
                ttls.setdefault(_text(result[0]), []).append(int(result[1]))
        for holder, found in ttls.items():
            if len(found) >= self.quorum:
                # held as long as a majority still holds it
                remaining = sorted(found, reverse=True)[self.quorum - 1] - elapsed - self._drift
                with self._state:
                    if holder == self._value:
                        remaining = min(remaining, (self._expires - time.monotonic()) * 1000)
                return max(0, math.floor(remaining))
        return 0

    # -- context manager (``with`` on the blocking front, ``async with`` on asyncio) --

    @operation
    def __enter__(self) -> Op[Self]:
        if not (yield from self._acquire(self.context_manager_blocking, self.context_manager_timeout)):
            raise QuorumNotAchieved(self.masters, self.key, 'could not acquire the lock')
        return self

    @operation
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> Op[None]:
        yield from self._release()


class Redlock(RedlockCore[Redis], SyncMarker):
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

    _extender: _Extender | None = None

    def _start_extender(self, value: str) -> None:
        self._extender = _Extender(self, value)
        self._extender.start()

    def _stop_extender(self) -> None:
        if self._extender is not None:
            self._extender.stopped.set()
            self._extender = None


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
            if lock is None or not run(lock, lock._extend_if_held(self.value)):
                return
            del lock  # hold it only weakly while waiting


def synchronize(
    *,
    key: str,
    masters: Iterable[Redis] | Redis | None = None,
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
    if masters is not None and not isinstance(masters, Redis):
        masters = tuple(masters)  # iterated once, here: a generator serves every call
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
