"""NextId: increasing IDs from several Redis masters, with no single point of failure.

Each master keeps an integer counter at ``nextid:<key>`` (the layout of the
``pottery`` package on PyPI).  To get an ID, a client proposes one more than
the largest counter it has seen, and every master raises its counter to the
proposal *if it is lower* (set-if-greater, one Lua script).  The proposal is
the new ID when a majority raised their counters to it; otherwise the client
proposes one more than the largest counter the masters reported, and tries
again.

* Unique: a master's counter only grows, so it is raised to a given value at
  most once; two clients cannot both get a majority for the same value.
* Increasing: an ID ``x`` left a majority at ``>= x``; any later majority
  shares a master with it, which refuses every proposal ``<= x``.  So every
  ID handed out after ``next()`` returned ``x`` -- to any client -- is
  larger, and one client's IDs increase strictly.

Under contention two things keep ``next()`` fast:

* Group commit: the ``next()`` calls of one process (one event loop on
  asyncio) for one sequence wait in line; one of them at a time goes to the
  masters and reserves a *block* of consecutive IDs, one for every caller in
  line then.  A master grants a block only if its counter is below the
  block's first ID, and then raises the counter to the block's last ID.
* Distinct proposals: a client that lost a round proposes past the largest
  counter it saw, plus a random gap that grows with its losses.  A higher
  proposal beats a lower one on every master, so only equal first IDs split
  a vote, and the gap makes those rare.

When the client's guess is right (it made the last ID, or nobody else is
making IDs) ``next()`` costs one concurrent round trip to the masters, shared
by every caller in line.  See ``docs/redlock-nextid.md`` for why blocks keep
IDs unique and increasing, the fault model and the
restart-without-persistence hazard.

Every operation is written once, in :class:`NextIdCore` (see
:mod:`pottery.command`); :class:`NextId` runs it blocking,
:class:`pottery.asyncio.NextId` (``pottery.AIONextID``) as a coroutine, so
that both share sequences.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from typing import Any

from redis import Redis

from pottery.command import Op, Script, Sleep, SyncMarker, operation
from pottery.exceptions import QuorumIsImpossible, QuorumNotAchieved
from pottery.quorum import C, Quorum, Wait, errors, quorum_decided

__all__ = ['NextID', 'NextId', 'NextIdCore']

# KEYS[1]: the counter (nextid:<key>).  ARGV[1]: the block's first ID.
# ARGV[2]: its last ID.  Grant the block only if the counter (a missing one
# counts as 0) is below its first ID, and then raise the counter to its last
# ID, so that two granted blocks never overlap.  Returns {1, last} when
# granted, else {0, counter}, so that a loser learns where to try next.  A
# block of one is the set-if-greater of the PyPI package's clients.
_RESERVE = Script("""
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], ARGV[2])
    return {1, tonumber(ARGV[2])}
end
return {0, current}
""")

# KEYS[1]: the counter.  Starts the sequence over.  Sets 0 rather than
# deleting, as clients of the PyPI package expect the counter to exist.
_RESET = Script("""
redis.call('SET', KEYS[1], 0)
return 1
""")


class _Caller:
    """One ``next()`` call waiting in line: its floor, then its ID or error."""

    __slots__ = ('error', 'event', 'floor', 'lead', 'value')

    def __init__(self, event: Any, floor: int) -> None:
        self.event = event  # set when served, or when it is this caller's turn to lead
        self.floor = floor  # its ID must be larger: the caller's own last ID
        self.lead = False
        self.value: int | None = None
        self.error: BaseException | None = None


class _Line:
    """The ``next()`` calls of one process (or event loop) on one sequence.

    At most one of them, the *leader*, is at the masters; the others wait in
    ``waiting`` and the leader of the next round takes them all.  ``last``
    is the largest counter seen: where the next block starts.
    """

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.waiting: list[_Caller] = []
        self.busy = False  # a leader is at the masters
        self.last = 0

    def join(self, caller: _Caller) -> bool:
        """Queue ``caller``; whether it leads (nobody is at the masters)."""
        with self.mutex:
            self.waiting.append(caller)
            caller.lead = not self.busy
            self.busy = True
            return caller.lead

    def take(self) -> list[_Caller]:
        """The leader takes everybody in line for its round."""
        with self.mutex:
            batch, self.waiting = self.waiting, []
            return batch

    def hand_over(self, served: list[_Caller]) -> None:
        """End a round: wake the served callers and the next leader, if any."""
        with self.mutex:
            if self.waiting:
                self.waiting[0].lead = True
                served.append(self.waiting[0])
            else:
                self.busy = False
        for caller in served:
            caller.event.set()

    def requeue(self, callers: list[_Caller]) -> None:
        """Put ``callers`` back at the head of the line (their round was abandoned)."""
        with self.mutex:
            self.waiting[:0] = callers

    def leave(self, caller: _Caller) -> None:
        """``caller`` gave up (cancelled): out of line, and its turn passes on."""
        with self.mutex:
            if caller in self.waiting:
                self.waiting.remove(caller)
            if not caller.lead:
                return
            caller.lead = False
        self.hand_over([])


class NextIdCore(Quorum[C]):
    """Every operation of :class:`NextId` and of its asyncio twin, written once."""

    KEY_PREFIX = 'nextid'
    # Rounds lost to other clients before giving up (a livelock guard).
    MAX_ROUNDS = 10_000

    def __init__(
        self,
        *,
        key: str = 'current',
        masters: Iterable[C] | C | None = None,
        raise_on_redis_errors: bool = False,
        num_tries: int = 3,
        master_timeout: float = 0.1,
    ) -> None:
        if not isinstance(key, str):
            raise TypeError(f'key must be a str, not {type(key).__name__}')
        if not master_timeout > 0:
            raise ValueError('master_timeout must be positive (seconds)')
        self.raise_on_redis_errors = raise_on_redis_errors
        self.num_tries = num_tries
        super().__init__(masters, master_timeout)
        self._keys = [f'{self.KEY_PREFIX}:{key}']
        self._lock = threading.Lock()
        self._last = 0  # the largest ID this instance handed out
        self._line: _Line | None = None  # held while this instance may use it

    @property
    def key(self) -> str:
        """The Redis key of the counters: ``nextid:<key>``."""
        return self._keys[0]

    def __repr__(self) -> str:
        """<NextId key=nextid:current>: no round trip."""
        return f'<{type(self).__name__} key={self.key}>'

    def _local_line(self) -> _Line:
        # Callers share a line only when a round serves them all alike: same
        # masters, timeout and failure settings.
        line = self.local(('nextid', self.key, self.master_timeout, self.num_tries, self.raise_on_redis_errors), _Line)
        self._line = line
        return line

    @operation
    def __next__(self) -> Op[int]:
        """Return the next ID (``next(ids)``; ``await anext(ids)`` on asyncio).

        Concurrent calls of one process (one event loop on asyncio) on the
        same sequence share rounds: one call at a time goes to the masters
        and reserves an ID for every call waiting then.  Complexity: 1
        concurrent round trip to the masters, shared, when this process made
        the previous ID; one more per round lost to another process.
        """
        line = self._local_line()
        with self._lock:
            caller = _Caller(self.event(), self._last)
        try:
            leads = line.join(caller)
            while not leads:
                yield Wait(caller.event, None)
                caller.event.clear()
                if caller.value is not None or caller.error is not None:
                    break
                leads = caller.lead
            if leads:
                yield from self._lead(line, caller)
        except BaseException:
            # cancelled while in line or leading: let the others go on
            if caller.value is None and caller.error is None:
                line.leave(caller)
            raise
        if caller.error is not None:
            raise caller.error
        assert caller.value is not None
        with self._lock:
            self._last = max(self._last, caller.value)
        return caller.value

    def _lead(self, line: _Line, leader: _Caller) -> Op[None]:
        # One round for everybody in line (the leader included).
        batch = line.take()
        try:
            first = yield from self._reserve(line, len(batch), max(caller.floor for caller in batch))
        except Exception as error:  # noqa: BLE001 -- every caller of the round gets it
            for caller in batch:
                caller.error = error
        except BaseException:
            # the leader was cancelled: the others wait for the next round
            line.requeue([caller for caller in batch if caller is not leader])
            raise
        else:
            for offset, caller in enumerate(batch):
                caller.value = first + offset
        except_leader = [caller for caller in batch if caller is not leader]
        leader.lead = False
        line.hand_over(except_leader)

    def _reserve(self, line: _Line, count: int, floor: int) -> Op[int]:
        # Reserve a block of ``count`` IDs above ``floor``; return its first.
        failures = 0
        lost = 0
        results: list[Any] = []
        while lost < self.MAX_ROUNDS:
            # After one lost round the counters seen are the place to try;
            # after more (others saw the same), a random gap that grows with
            # the losses keeps contenders from proposing the same first ID.
            gap = random.randrange(2 ** min(lost - 1, 8)) if lost > 1 else 0
            first = max(line.last, floor) + 1 + gap
            last = first + count - 1
            results = yield self.fan_out(
                _RESERVE(self._keys, [first, last]),
                quorum_decided(self.quorum, lambda result: isinstance(result, list) and int(result[0]) == 1),
            )
            answers = [result for result in results if isinstance(result, list)]
            granted = sum(1 for result in answers if int(result[0]) == 1)
            seen = max((int(result[1]) for result in answers), default=0)
            with line.mutex:
                line.last = max(line.last, seen)
                if granted >= self.quorum:
                    line.last = max(line.last, last)
            if granted >= self.quorum:
                return first
            if len(errors(results)) > len(self.masters) - self.quorum:
                # too many masters failed to answer (a lost vote is no failure)
                failures += 1
                if failures >= self.num_tries:
                    self._give_up(results)
                # Give masters that were only slow (a loaded machine) time to
                # answer their late calls, which clears their suspicion:
                # otherwise every try would fail at once while they are in flight.
                yield Sleep(self.master_timeout * random.uniform(0.5, 1.0))
            else:
                lost += 1
        self._give_up(results)
        raise AssertionError('unreachable')  # pragma: no cover

    def _give_up(self, results: list[Any]) -> None:
        failed = errors(results)
        message = f'no majority of {len(self.masters)} masters raised {self.key}'
        if self.raise_on_redis_errors and len(failed) > len(self.masters) - self.quorum:
            raise QuorumIsImpossible(self.masters, self.key, message, redis_errors=failed)
        raise QuorumNotAchieved(self.masters, self.key, message, redis_errors=failed)

    @operation
    def reset(self) -> Op[None]:
        """Start the sequence over: the next ID (of a new client) is 1.

        Clients that already made IDs keep going from their last one, so IDs
        stay increasing per client.  Raises :class:`QuorumNotAchieved` when
        fewer than a majority of masters were reset.  Complexity: 1 concurrent
        round trip to the masters.
        """
        results: list[Any] = yield self.fan_out(_RESET(self._keys))
        line = self._local_line()
        with self._lock:
            self._last = 0
        with line.mutex:
            line.last = 0
        if sum(1 for result in results if result == 1) < self.quorum:
            self._give_up(results)


class NextId(NextIdCore[Redis], SyncMarker):
    """An iterator of unique, increasing IDs shared by every process.

    ``key`` names the sequence (Redis key ``nextid:<key>``); ``masters`` are
    independent Redis servers (default: the default client only).
    ``num_tries`` is how many rounds may fail for lack of a majority of
    answers before :class:`QuorumNotAchieved` (or, with
    ``raise_on_redis_errors=True``, :class:`QuorumIsImpossible`) is raised;
    rounds lost to concurrent clients do not count.  Between such rounds it
    waits half to one ``master_timeout``, so a failing ``next()`` takes at
    most about ``(2 * num_tries - 1) * master_timeout``.  ``master_timeout``
    (seconds) bounds each call to a master.

    >>> user_ids = NextId(key='user-ids', masters={redis})  # doctest: +SKIP
    >>> next(user_ids), next(user_ids)  # doctest: +SKIP
    (1, 2)
    """

    def __iter__(self) -> NextId:
        return self


# The PyPI package exports both spellings.
NextID = NextId
