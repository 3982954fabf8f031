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

When the client's guess is right (it made the last ID, or nobody else is
making IDs) ``next()`` costs one concurrent round trip to the masters.  See
``docs/redlock-nextid.md`` for the fault model and the
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
from pottery.quorum import C, Quorum, errors, quorum_decided

__all__ = ['NextID', 'NextId', 'NextIdCore']

# KEYS[1]: the counter (nextid:<key>).  ARGV[1]: the proposed ID.
# Set-if-greater: raise the counter to the proposal if it is lower (a
# missing counter counts as 0).  Returns {1, proposal} when raised, else
# {0, counter}, so that a loser learns where to try next.
_RAISE = Script("""
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local proposal = tonumber(ARGV[1])
if current < proposal then
    redis.call('SET', KEYS[1], ARGV[1])
    return {1, proposal}
end
return {0, current}
""")

# KEYS[1]: the counter.  Starts the sequence over.  Sets 0 rather than
# deleting, as clients of the PyPI package expect the counter to exist.
_RESET = Script("""
redis.call('SET', KEYS[1], 0)
return 1
""")


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
        self._last = 0  # the largest counter this instance has seen

    @property
    def key(self) -> str:
        """The Redis key of the counters: ``nextid:<key>``."""
        return self._keys[0]

    def __repr__(self) -> str:
        """<NextId key=nextid:current>: no round trip."""
        return f'<{type(self).__name__} key={self.key}>'

    @operation
    def __next__(self) -> Op[int]:
        """Return the next ID (``next(ids)``; ``await anext(ids)`` on asyncio).

        Complexity: 1 concurrent round trip to the masters when this client
        made the previous ID; one more per round lost to another client.
        """
        with self._lock:
            proposal = self._last + 1
        failures = 0
        results: list[Any] = []
        for lost in range(self.MAX_ROUNDS):
            results = yield self.fan_out(
                _RAISE(self._keys, [proposal]),
                quorum_decided(self.quorum, lambda result: isinstance(result, list) and int(result[0]) == 1),
            )
            answers = [result for result in results if isinstance(result, list)]
            raised = sum(1 for result in answers if int(result[0]) == 1)
            seen = max((int(result[1]) for result in answers), default=0)
            with self._lock:
                self._last = max(self._last, seen)
                if raised >= self.quorum:
                    self._last = max(self._last, proposal)
                    return proposal
                proposal = self._last + 1
            if len(errors(results)) > len(self.masters) - self.quorum:
                # too many masters failed to answer (a lost vote is no failure)
                failures += 1
                if failures >= self.num_tries:
                    self._give_up(results)
            elif lost:
                # Several clients proposed the same ID and split the vote:
                # spread them out before they collide again.
                yield Sleep(random.uniform(0, min(0.01, 0.0005 * 2 ** min(lost, 5))))
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
        with self._lock:
            self._last = 0
        if sum(1 for result in results if result == 1) < self.quorum:
            self._give_up(results)


class NextId(NextIdCore[Redis], SyncMarker):
    """An iterator of unique, increasing IDs shared by every process.

    ``key`` names the sequence (Redis key ``nextid:<key>``); ``masters`` are
    independent Redis servers (default: the default client only).
    ``num_tries`` is how many rounds may fail for lack of a majority of
    answers before :class:`QuorumNotAchieved` (or, with
    ``raise_on_redis_errors=True``, :class:`QuorumIsImpossible`) is raised;
    rounds lost to concurrent clients do not count.  ``master_timeout``
    (seconds) bounds each call to a master.

    >>> user_ids = NextId(key='user-ids', masters={redis})  # doctest: +SKIP
    >>> next(user_ids), next(user_ids)  # doctest: +SKIP
    (1, 2)
    """

    def __iter__(self) -> NextId:
        return self


# The PyPI package exports both spellings.
NextID = NextId
