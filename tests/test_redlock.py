"""Redlock and synchronize against five real redis-server masters.

Each safety or liveness property of the issue is its own test; faults are
real (SIGSTOP, SIGKILL, restart).

Every assertion states a promise of the code, with margins that hold on a
loaded 2-CPU machine (``make test-stress``): a healthy master may take a
good part of a second to answer there, so per-master timeouts are a second,
locks live for seconds unless a test is about their expiry, bounds on
durations are in seconds, and calls that finish in the background after a
quorum answered are waited for (:func:`wait_idle`), never slept on.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any, cast

import pytest
import redis as redis_py

import pottery.asyncio
import pottery.base
import pottery.quorum
import pottery.redlock as redlock_module
from pottery import (
    AIORedlock,
    ExtendUnlockedLock,
    PotteryError,
    QuorumIsImpossible,
    QuorumNotAchieved,
    Redlock,
    ReleaseUnlockedLock,
    TooManyExtensions,
    synchronize,
)
from pottery.base import default_redis
from pottery.command import Sleep
from pottery.quorum import Listen
from tests.fronts import ASYNC, SYNC, Api, wait
from tests.servers import RedisServer

# A loaded 2-CPU machine runs a dozen servers, the suite and 2 CPU burners:
# one scheduling hiccup there can exceed 100 ms.
MASTER_TIMEOUT = 1.0
TTL = 5_000  # ms: no lock expires by accident; tests about expiry choose their own
# Longest an attempt may take: the lock round, the fencing round and the undo
# of a failed attempt (each bounded by the master timeout), plus slack for a
# loaded machine.  The promise under test is "bounded, never hangs": the
# slack is generous (1 s of it was once exceeded by 40 ms under load).
ATTEMPT_BOUND = 3 * MASTER_TIMEOUT + 5.0

SPAWN = multiprocessing.get_context('spawn')


def make_lock(masters: Any, key: str = 'resource', api: Api = SYNC, **options: Any) -> Redlock:
    """A lock of the ``api`` front on the ``masters`` (their asyncio twins for the async front)."""
    options.setdefault('auto_release_time', TTL)
    options.setdefault('master_timeout', MASTER_TIMEOUT)
    return cast(Redlock, api.Redlock(key=key, masters=masters, **options))


def values(masters: list[redis_py.Redis], key: str = 'resource') -> list[Any]:
    return [client.get(f'redlock:{key}') for client in masters]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'condition not met in time'
        time.sleep(0.005)


def wait_idle(lock: Redlock) -> None:
    """Wait until no call to the lock's masters is in flight.

    Calls past a quorum finish in the background: once none is in flight,
    every master that was going to get our write has it.  (Only for healthy
    masters: a call to a paused one stays in flight until its socket times out.)
    """
    # The async front's masters are asyncio clients: its calls past a
    # quorum are tasks in pottery.quorum.background_tasks.
    wait_until(
        lambda: (
            all(getattr(master, 'inflight', 0) == 0 for master in lock.redis) and not pottery.quorum.background_tasks
        )
    )


def holding(masters: list[redis_py.Redis], lock: Redlock, key: str = 'resource') -> int:
    """How many masters hold ``lock``'s current random token."""
    assert lock._value is not None
    return values(masters, key).count(lock._value.encode())


@pytest.fixture(autouse=True)
def _fresh_hints() -> Iterator[None]:
    # Fencing hints are per process: start every test as a new process would.
    redlock_module._fence_hints.clear()
    yield
    redlock_module._fence_hints.clear()


# --- API -----------------------------------------------------------------------------------


def test_acquire_locked_release(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters, api=api)
    assert lock.locked() == 0
    assert lock.acquire() is True
    assert 0 < lock.locked() <= TTL
    assert isinstance(lock.token, int)
    lock.release()
    assert lock.locked() == 0
    assert lock.token is None


def test_threading_lock_argument_errors(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters, api=api)
    with pytest.raises(ValueError, match="can't specify a timeout for a non-blocking call"):
        lock.acquire(blocking=False, timeout=1)
    with pytest.raises(ValueError, match='timeout value must be positive'):
        lock.acquire(timeout=-2)
    with pytest.raises(ReleaseUnlockedLock) as caught:
        lock.release()
    assert isinstance(caught.value, RuntimeError)
    assert isinstance(caught.value, PotteryError)
    with pytest.raises(ExtendUnlockedLock):
        lock.extend()


def test_key_layout_and_timedelta(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = api.Redlock(
        key='printer', masters=masters, auto_release_time=timedelta(seconds=20), master_timeout=MASTER_TIMEOUT
    )
    assert lock.key == 'redlock:printer'
    assert lock.auto_release_time == 20_000
    lock.acquire()
    wait_idle(lock)  # stragglers landed
    for client in masters:
        assert client.type('redlock:printer') == b'string'
        assert 10_000 < client.pttl('redlock:printer') <= 20_000
    lock.release()
    wait_until(lambda: all(client.exists('redlock:printer') == 0 for client in masters))


def test_default_master_is_the_default_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # The default client is made (from $REDIS_URL) on first use and kept:
    # let this test's one go afterwards.
    monkeypatch.setattr(pottery.base, '_default_client', None)
    lock = Redlock(key='x')
    assert lock.masters == (default_redis(),)


def test_context_manager(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters, api=api)
    other = make_lock(masters, api=api, context_manager_blocking=False)
    with lock:
        assert lock.locked()
        with pytest.raises(QuorumNotAchieved), other:
            pass  # pragma: no cover
    assert lock.locked() == 0
    with other:
        assert other.token is not None


def test_acquire_timeout_when_held(api: Api, masters: list[redis_py.Redis]) -> None:
    holder = make_lock(masters, api=api)
    holder.acquire()
    waiter = make_lock(masters, api=api)
    start = time.monotonic()
    assert waiter.acquire(timeout=0.1) is False
    assert 0.1 <= time.monotonic() - start < 0.1 + ATTEMPT_BOUND
    start = time.monotonic()
    assert waiter.acquire(blocking=False) is False
    assert time.monotonic() - start < ATTEMPT_BOUND
    holder.release()
    assert waiter.acquire(timeout=10) is True  # at once: the first attempt finds it free
    waiter.release()


def test_blocking_acquire_waits_for_expiry(api: Api, masters: list[redis_py.Redis]) -> None:
    holder = make_lock(masters, api=api, auto_release_time=300)
    start = time.monotonic()
    holder.acquire()
    assert make_lock(masters, api=api).acquire() is True
    # The holder's keys were set after `start` and live 300 ms: any majority
    # shares a master with the holder's, so no majority was free before.
    assert 0.29 <= time.monotonic() - start < 0.3 + 5


# --- 1. random token, SET NX PX on all masters, majority, validity, undo ------------------


def test_random_token_per_acquisition(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters, api=api)
    seen = set()
    for _ in range(3):
        lock.acquire()
        assert lock._value is not None
        # A majority holds this acquisition's token (not necessarily every
        # master: one that was slow may still hold a failed attempt's token
        # until it expires, or may get ours later).
        assert holding(masters, lock) >= 3
        seen.add(lock._value)
        lock.release()
    assert len(seen) == 3


def test_majority_required_and_failure_undone(api: Api, masters: list[redis_py.Redis]) -> None:
    for client in masters[:3]:
        client.set('redlock:resource', 'someone-else', px=10_000)
    lock = make_lock(masters, api=api)
    assert lock.acquire(blocking=False) is False
    # our token was deleted again from the two masters that accepted it,
    # before acquire() returned: a failed attempt waits for its undo
    assert values(masters)[3:] == [None, None]
    assert values(masters)[:3] == [b'someone-else'] * 3
    masters[0].delete('redlock:resource')  # now only 2 of 5 are taken
    assert lock.acquire(blocking=False) is True
    lock.release()
    assert values(masters)[1:3] == [b'someone-else'] * 2  # compare-and-delete spared them


def test_failed_attempts_leave_no_token_behind(api: Api, masters: list[redis_py.Redis]) -> None:
    # Someone else holds 3 masters for a moment: the first attempts take the
    # other two and fail.  Each is undone before the next attempt, so the
    # winning attempt can take those two, and when acquire() returns no
    # master holds a token of a failed attempt.  (The masters are healthy:
    # each answers the undo well within the master timeout.)
    for client in masters[:3]:
        client.set('redlock:resource', 'someone-else', px=300)
    lock = make_lock(masters, api=api)
    assert lock.acquire(timeout=10) is True
    assert lock._value is not None
    assert holding(masters, lock) >= 3
    wait_idle(lock)
    assert set(values(masters)) <= {lock._value.encode(), None}
    lock.release()


def test_no_lock_without_validity_left(api: Api, masters: list[redis_py.Redis]) -> None:
    # 2 ms minus the 2 ms minimum drift leaves no validity: never acquired, and undone.
    lock = make_lock(masters, api=api, auto_release_time=2)
    assert lock.acquire(blocking=False) is False
    assert lock.token is None
    wait_until(lambda: values(masters) == [None] * 5)


def test_one_round_trip_per_master(api: Api, masters: list[redis_py.Redis], round_trips: Any) -> None:
    lock = make_lock(masters, api=api)
    for _ in range(20):  # warm up: scripts loaded, connections open, fencing hint known
        lock.acquire()
        lock.release()
    wait_idle(lock)
    counts = []
    for _ in range(5):
        with round_trips() as trips:
            lock.acquire()
            lock.release()
            wait_idle(lock)  # calls past the quorum finish in the background
        counts.append(trips.count)
    # The counter is process-wide: a straggler of an earlier test (a fired
    # clean-up, an auto-extender winding down) can only add to one sample.
    assert min(counts) == 10  # 5 for acquire, 5 for release, all concurrent


# --- 2. compare-and-delete / compare-and-expire ---------------------------------------------


def test_expired_holder_cannot_release_or_extend_new_holders_lock(api: Api, masters: list[redis_py.Redis]) -> None:
    old = make_lock(masters, api=api, auto_release_time=100)
    old.acquire()
    wait_idle(old)  # its late writes landed too
    time.sleep(0.15)  # and expired
    new = make_lock(masters, api=api)
    assert new.acquire(blocking=False) is True
    wait_idle(new)
    mine = values(masters)
    with pytest.raises(ExtendUnlockedLock):
        old.extend()
    with pytest.raises(ReleaseUnlockedLock):
        old.release()
    assert values(masters) == mine
    assert new.locked() > 0
    new.release()


def test_scripts_check_ownership_even_if_local_clock_disagrees(api: Api, masters: list[redis_py.Redis]) -> None:
    # The old holder still believes it holds the lock (its validity is long),
    # but the servers expired it: only the compare-and-* scripts protect the
    # new holder.
    old = make_lock(masters, api=api, auto_release_time=10_000)
    old.acquire()
    wait_idle(old)  # stragglers landed
    for client in masters:
        client.delete('redlock:resource')
    new = make_lock(masters, api=api)
    assert new.acquire(blocking=False) is True
    wait_idle(new)  # stragglers landed
    mine = values(masters)
    with pytest.raises(ExtendUnlockedLock):
        old.extend()
    with pytest.raises(ReleaseUnlockedLock):
        old.release()
    assert values(masters) == mine
    new.release()


def test_extend_resets_ttl_and_is_bounded(api: Api, masters: list[redis_py.Redis]) -> None:
    ttl = 2.0  # s: a second of margin on both sides below
    lock = make_lock(masters, api=api, auto_release_time=ttl * 1000, num_extensions=2)
    start = time.monotonic()
    lock.acquire()
    time.sleep(ttl / 2)
    lock.extend()  # valid for about another second still
    time.sleep(max(0.0, start + ttl + 0.05 - time.monotonic()))
    # The first ttl ran out (its keys were set after `start`): the lock is
    # alive only thanks to extend(), for about another second.
    assert lock.locked() > 0
    assert make_lock(masters, api=api).acquire(blocking=False) is False
    lock.extend()
    with pytest.raises(TooManyExtensions):
        lock.extend()
    lock.release()


def test_extend_needs_a_majority(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters, api=api)
    lock.acquire()
    wait_idle(lock)  # stragglers landed
    for client in masters[:3]:
        client.delete('redlock:resource')
    with pytest.raises(ExtendUnlockedLock):
        lock.extend()


# --- 3. bounded delays with paused or dead masters --------------------------------------------


@pytest.mark.parametrize('paused', [1, 2])
def test_nonblocking_acquire_is_bounded_with_paused_masters(
    api: Api, masters: list[redis_py.Redis], master_servers: list[RedisServer], paused: int
) -> None:
    for server in master_servers[:paused]:
        server.pause()
    lock = make_lock(masters, api=api)
    for _ in range(20):
        start = time.monotonic()
        assert lock.acquire(blocking=False) is True
        assert time.monotonic() - start < ATTEMPT_BOUND
        start = time.monotonic()
        assert lock.locked() > 0
        lock.release()
        assert time.monotonic() - start < ATTEMPT_BOUND


def test_a_restarted_master_takes_part_in_the_next_attempt(
    masters: list[redis_py.Redis], master_servers: list[RedisServer]
) -> None:
    # The blocking front keeps its connections to the masters open between
    # calls; the restarted master closed its one, and lacks the scripts.
    # (Blocking front only: the asyncio front calls through the user's own
    # clients, whose retry after a broken connection is theirs -- redis-py
    # 5's asyncio client does not retry by default.)
    lock = make_lock(masters)
    for _ in range(3):
        assert lock.acquire(blocking=False)
        lock.release()
    master_servers[0].restart()
    assert lock.acquire(blocking=False)
    wait_idle(lock)  # stragglers landed
    held = values(masters)
    assert held[0] is not None and len(set(held)) == 1, held
    lock.release()


def test_a_failed_attempt_is_undone_on_masters_that_answered_late(
    api: Api, masters: list[redis_py.Redis], master_servers: list[RedisServer]
) -> None:
    # Its SET NX reaches three masters that are paused past the deadline:
    # the attempt fails, and those masters, suspect now, still get the undo
    # -- after the SET NX it undoes -- instead of keeping the token for the
    # lock's whole ttl.
    lock = make_lock(masters, api=api, auto_release_time=60_000)
    assert lock.acquire(blocking=False)  # connections made, scripts loaded
    lock.release()
    wait_idle(lock)
    for server in master_servers[:3]:
        server.pause()
    try:
        assert lock.acquire(blocking=False) is False
    finally:
        for server in master_servers[:3]:
            server.resume()
    wait_until(lambda: values(masters) == [None] * 5)


def test_acquire_timeout_is_bounded_with_paused_masters(
    api: Api, masters: list[redis_py.Redis], master_servers: list[RedisServer]
) -> None:
    holder = make_lock(masters, api=api)
    holder.acquire()
    for server in master_servers[:2]:
        server.pause()
    start = time.monotonic()
    assert make_lock(masters, api=api).acquire(timeout=0.2) is False
    assert time.monotonic() - start < 0.2 + ATTEMPT_BOUND


def test_many_threads_with_paused_masters_do_not_exhaust_the_pool(
    masters: list[redis_py.Redis], master_servers: list[RedisServer]
) -> None:
    for server in master_servers[:2]:
        server.pause()
    slowest: list[float] = []
    acquired: list[bool] = []

    def work(index: int) -> None:
        lock = make_lock(masters, key=f'resource-{index}')
        worst = 0.0
        for _ in range(10):
            start = time.monotonic()
            if lock.acquire(blocking=False):
                acquired.append(True)
                lock.release()
            worst = max(worst, time.monotonic() - start)
        slowest.append(worst)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slowest) == 20
    # acquire and release, or a failed acquire and its undo: bounded
    assert max(slowest) < ATTEMPT_BOUND
    # The healthy majority kept serving: an attempt fails only when one of
    # the three healthy masters misses the master timeout, which a second
    # makes rare even on a loaded machine; half is a wide margin.
    assert len(acquired) >= 100
    assert threading.active_count() < pottery.quorum.MAX_WORKERS + 30


@pytest.mark.parametrize('fault', ['pause', 'kill'])
def test_quorum_impossible(
    api: Api, masters: list[redis_py.Redis], master_servers: list[RedisServer], fault: str
) -> None:
    for server in master_servers[:3]:
        getattr(server, fault)()
    lock = make_lock(masters, api=api)
    start = time.monotonic()
    assert lock.acquire(blocking=False) is False
    assert time.monotonic() - start < ATTEMPT_BOUND
    strict = make_lock(masters, api=api, raise_on_redis_errors=True)
    start = time.monotonic()
    with pytest.raises(QuorumIsImpossible) as caught:
        strict.acquire(blocking=False)
    assert time.monotonic() - start < ATTEMPT_BOUND
    assert len(caught.value.redis_errors) >= 3
    assert isinstance(caught.value, QuorumNotAchieved)


def test_one_pool_for_every_call(masters: list[redis_py.Redis]) -> None:
    pool = pottery.quorum.executor()
    before = threading.active_count()
    for index in range(30):
        lock = make_lock(masters, key=f'k{index}')
        lock.acquire()
        lock.release()
    assert pottery.quorum.executor() is pool
    assert threading.active_count() <= before + pottery.quorum.MAX_WORKERS


# --- 4. retries with random jitter ------------------------------------------------------


def test_retries_back_off_with_random_jitter(
    api: Api, masters: list[redis_py.Redis], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process holds the lock (written here as pottery 3.0.1 would,
    # which sends no release notification) and every notification is lost:
    # the waiter falls back to random, growing delays.
    for client in masters:
        client.set('redlock:resource', 'theirs', px=TTL)
    delays: list[float] = []

    def fake_sleep(delay: float) -> None:
        delays.append(delay)
        if len(delays) == 12:
            for client in masters:  # released, and nobody told
                client.delete('redlock:resource')

    async def fake_sleep_async(request: Sleep, client: Any) -> None:
        fake_sleep(request.seconds)

    async def lost_async(request: Listen, client: Any) -> None:
        return None

    monkeypatch.setattr(Sleep, 'run', lambda request, client: fake_sleep(request.seconds))
    monkeypatch.setattr(Sleep, 'run_async', fake_sleep_async)
    monkeypatch.setattr(Listen, 'run', lambda request, client: None)
    monkeypatch.setattr(Listen, 'run_async', lost_async)
    assert make_lock(masters, api=api).acquire() is True
    assert len(delays) == 12
    assert len(set(delays)) == 12  # random
    cap = min(0.2, TTL / 10_000)
    assert all(0 <= delay <= cap for delay in delays)
    assert max(delays[6:]) > max(delays[:2])  # growing


def test_a_lost_release_notification_is_recovered_by_the_retry(api: Api, masters: list[redis_py.Redis]) -> None:
    # The holder (another process) dies: its lock expires, and no release
    # ever notifies the waiter, which must still get the lock in time.
    for client in masters:
        client.set('redlock:resource', 'dead holder', px=300)
    lock = make_lock(masters, api=api)
    assert lock.acquire(timeout=30) is True
    lock.release()


def test_release_notifies_the_designated_master(masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters)
    lock.acquire()
    lock.release()
    designated = lock.masters[lock.designated()]
    backwards = make_lock(masters[::-1])  # any order designates the same master
    assert backwards.masters[backwards.designated()] is designated
    others = [client for client in masters if client is not designated]
    assert designated.lrange('redlock-wake:resource', 0, -1) == [b'1']
    assert not any(client.exists('redlock-wake:resource') for client in others)
    assert 0 < designated.pttl('redlock-wake:resource') <= 1000


# --- 5. fencing tokens -------------------------------------------------------------------------


def test_fencing_tokens_increase_across_disjoint_majorities(
    api: Api, masters: list[redis_py.Redis], master_servers: list[RedisServer]
) -> None:
    # The trap of taking the max of per-master counters: A sees 10 on one
    # master and gets 11; B's majority shares only m3 with A's.
    masters[0].set('redlock-fence:resource', 10)
    for server in master_servers[3:]:
        server.pause()
    a = make_lock(masters, api=api, auto_release_time=500)  # see below
    assert a.acquire(blocking=False)
    assert a.token == 11
    a.release()
    for server in master_servers[3:]:
        server.resume()
    for server in master_servers[:2]:
        server.pause()
    redlock_module._fence_hints.clear()  # B is another process
    b = make_lock(masters, api=api)
    # (A's SET NX requests to the paused masters may run after its release
    # when they resume, and hold them until A's ttl runs out: wait for that)
    assert b.acquire(timeout=10)
    assert b.token is not None and b.token > 11
    b.release()


def test_fencing_token_takes_one_round_when_guessed(api: Api, masters: list[redis_py.Redis], round_trips: Any) -> None:
    lock = make_lock(masters, api=api)
    lock.acquire()
    first = lock.token
    lock.release()
    redlock_module._fence_hints.clear()  # a new process guesses 1: two rounds
    lock.acquire()
    assert lock.token == (first or 0) + 1
    counts = []
    for _ in range(3):
        lock.release()
        wait_idle(lock)
        with round_trips() as trips:
            lock.acquire()
            wait_idle(lock)  # calls past the quorum finish in the background
        counts.append(trips.count)
    # (the counter is process-wide: a straggler of an earlier test can only
    # add to one sample)
    assert min(counts) == 5
    assert lock.token == (first or 0) + 4
    lock.release()


# The fencing-token fault test pauses masters 20 times, and a release waits
# for a freshly paused master until the master timeout: half a second keeps
# the test short.  Nothing it asserts depends on a single attempt (acquire
# retries for up to 10 s).  A late SET NX on a resumed master holds it for
# the ttl: a second.
FENCING_TIMEOUT = 0.5
FENCING_TTL = 1000


def _fencing_client(urls: list[str], commands: Connection) -> None:
    clients = [redis_py.Redis.from_url(url, socket_timeout=1) for url in urls]
    lock = Redlock(key='resource', masters=clients, auto_release_time=FENCING_TTL, master_timeout=FENCING_TIMEOUT)
    while commands.recv():
        token = lock.token if lock.acquire(timeout=10) else None
        if token is not None:
            lock.release()
        commands.send(token)


def test_fencing_tokens_increase_across_processes_and_quorums(
    masters: list[redis_py.Redis], master_servers: list[RedisServer]
) -> None:
    urls = [server.url for server in master_servers]
    pipes, processes = [], []
    for _ in range(3):
        ours, theirs = SPAWN.Pipe()
        process = SPAWN.Process(target=_fencing_client, args=(urls, theirs), daemon=True)
        process.start()
        pipes.append(ours)
        processes.append(process)
    tokens = []
    try:
        # 15 steps make every (step % 3, step % 5) pair once: every number
        # of paused masters starting at every master
        for step in range(15):
            # a different set of 0-2 paused masters each time
            paused = [master_servers[(step + offset) % 5] for offset in range(step % 3)]
            for server in paused:
                server.pause()
            pipe = pipes[step % 3]
            pipe.send(True)
            assert pipe.poll(60)
            tokens.append(pipe.recv())
            for server in paused:
                server.resume()
    finally:
        for pipe in pipes:
            pipe.send(False)
        for process in processes:
            process.join(30)
    assert None not in tokens
    assert tokens == sorted(tokens)
    assert len(set(tokens)) == len(tokens)


# --- 6. automatic extension ---------------------------------------------------------------------


# The extender extends every third of the ttl: with a second, it may be late
# by more than half a second before the lock is lost.
AUTO_TTL = 1.0  # s


def test_auto_extend_while_held_and_stops_on_release(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters, api=api, auto_release_time=AUTO_TTL * 1000, auto_extend=True)
    start = time.monotonic()
    lock.acquire()
    extender: Any = lock._extender  # a daemon thread, or an asyncio task
    assert extender is not None and (api.asynchronous or extender.daemon)
    time.sleep(max(0.0, start + AUTO_TTL + 0.2 - time.monotonic()))  # past the first ttl
    assert lock.locked() > 0
    assert make_lock(masters, api=api).acquire(blocking=False) is False
    lock.release()
    if api.asynchronous:
        wait_until(extender.done)
        assert extender.cancelled()
    else:
        extender.join(10)
        assert not extender.is_alive()
    assert lock.locked() == 0


def _hold_with_auto_extend(urls: list[str], ready: Any) -> None:
    clients = [redis_py.Redis.from_url(url, socket_timeout=1) for url in urls]
    lock = Redlock(
        key='resource',
        masters=clients,
        auto_release_time=AUTO_TTL * 1000,
        auto_extend=True,
        master_timeout=MASTER_TIMEOUT,
    )
    lock.acquire()
    ready.set()
    time.sleep(60)  # killed long before


def test_auto_extension_dies_with_the_process(masters: list[redis_py.Redis], master_servers: list[RedisServer]) -> None:
    ready = SPAWN.Event()
    process = SPAWN.Process(target=_hold_with_auto_extend, args=([s.url for s in master_servers], ready))
    process.start()
    try:
        assert ready.wait(60)
        time.sleep(AUTO_TTL + 0.2)  # longer than the ttl: the child keeps it alive
        assert make_lock(masters).acquire(blocking=False) is False
    finally:
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    start = time.monotonic()
    assert make_lock(masters).acquire(timeout=30) is True
    # nobody extends it any more: it is free within the ttl (plus slack)
    assert time.monotonic() - start < AUTO_TTL + 2


# --- 7. locked() sees any holder ---------------------------------------------------------------


def test_locked_reports_any_holder(api: Api, masters: list[redis_py.Redis]) -> None:
    ttl = 1.0  # s
    holder = make_lock(masters, api=api, auto_release_time=ttl * 1000)
    observer = make_lock(masters, api=api)
    assert observer.locked() == 0
    holder.acquire()
    remaining = observer.locked()
    assert 0 < remaining <= ttl * 1000
    assert observer.token is None  # it does not hold it
    wait_idle(holder)  # its late writes landed too
    time.sleep(ttl + 0.05)
    assert observer.locked() == 0  # expired
    for client in masters[:2]:  # a minority is not a holder
        client.set('redlock:resource', 'someone', px=60_000)
    assert observer.locked() == 0
    for client in masters[2:]:
        client.set('redlock:resource', 'someone', px=60_000)
    # at most the majority's time to live; less only by the time it took to ask
    assert 50_000 < observer.locked() <= 60_000


# --- compatibility with the pottery package on PyPI -------------------------------------------


def test_foreign_holder_with_the_same_layout_is_respected(api: Api, masters: list[redis_py.Redis]) -> None:
    # A client of the PyPI package: SET redlock:<key> <random> NX PX on each master.
    for client in masters:
        assert client.set('redlock:printer', 'f0reign', nx=True, px=10_000)
    lock = make_lock(masters, api=api, key='printer')
    assert lock.acquire(blocking=False) is False
    for client in masters:
        client.delete('redlock:printer')
    assert lock.acquire(blocking=False) is True
    assert lock._value is not None
    ours = [client for client in masters if client.get('redlock:printer') == lock._value.encode()]
    assert len(ours) >= 3
    # where we hold it, the foreign client's SET NX fails
    assert not any(client.set('redlock:printer', 'f0reign', nx=True, px=10_000) for client in ours)
    lock.release()


# --- synchronize -------------------------------------------------------------------------------


def test_synchronize_serialises_callers(masters: list[redis_py.Redis]) -> None:
    inside = []
    overlaps = []

    @synchronize(key='sync', masters=masters, auto_release_time=TTL, master_timeout=MASTER_TIMEOUT)
    def critical(value: int) -> int:
        inside.append(value)
        if len(inside) > 1:
            overlaps.append(value)
        time.sleep(0.002)
        inside.remove(value)
        return value * 2

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda index=index: results.extend(critical(index) for _ in range(5)))
        for index in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(2 * index for index in range(4) for _ in range(5))
    assert overlaps == []
    assert critical.__name__ == 'critical'


def test_synchronize_nonblocking_raises_when_held(masters: list[redis_py.Redis]) -> None:
    @synchronize(key='sync', masters=masters, blocking=False, master_timeout=MASTER_TIMEOUT)
    def critical() -> None:
        pass  # pragma: no cover

    holder = make_lock(masters, key='sync')
    holder.acquire()
    with pytest.raises(QuorumNotAchieved):
        critical()
    holder.release()
    critical()


# --- mutual exclusion across processes and threads, with faults ------------------------------------


def _mutex_worker(urls: list[str], resource_url: str, threads: int, ttl: int) -> None:
    clients = [redis_py.Redis.from_url(url, socket_timeout=1) for url in urls]
    resource = redis_py.Redis.from_url(resource_url)
    resource.incr('ready')

    def loop() -> None:
        lock = Redlock(key='counter', masters=clients, auto_release_time=ttl, master_timeout=MASTER_TIMEOUT)
        for _ in range(2000):
            if resource.exists('stop'):
                return
            lock.acquire()
            if resource.incr('inside') != 1:
                resource.incr('overlaps')
            value = int(resource.get('counter') or 0)  # non-atomic read-modify-write
            time.sleep(0.001)
            resource.set('counter', value + 1)
            resource.rpush('tokens', lock.token or 0)
            resource.decr('inside')
            try:
                lock.release()
            except ReleaseUnlockedLock:
                resource.incr('overran')
            resource.incr('done')

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


# Mutual exclusion holds while every critical section ends within its lock's
# validity -- Redlock's timing assumption.  A few milliseconds of work under a
# lock of 2 s keeps that assumption true even on a loaded machine.
MUTEX_TTL = 2000


def done_count(resource: redis_py.Redis) -> int:
    return int(resource.get('done') or 0)


def wait_for_progress(resource: redis_py.Redis, count: int = 10) -> None:
    """Wait until the workers have finished ``count`` more critical sections."""
    target = done_count(resource) + count
    wait_until(lambda: done_count(resource) >= target, timeout=60)


def run_mutex(
    master_servers: list[RedisServer],
    resource: redis_py.Redis,
    resource_url: str,
    faults: Callable[[], None],
    *,
    processes: int = 3,
    threads: int = 3,
    ttl: int = MUTEX_TTL,
) -> None:
    urls = [server.url for server in master_servers]
    workers = [SPAWN.Process(target=_mutex_worker, args=(urls, resource_url, threads, ttl)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        wait_until(lambda: int(resource.get('ready') or 0) == processes, timeout=60)
        wait_for_progress(resource)  # all warmed up
        faults()
        wait_for_progress(resource)  # and the lock is still taken, again and again, after the faults
    finally:
        resource.set('stop', 1)
        for worker in workers:
            worker.join(60)
    assert all(worker.exitcode == 0 for worker in workers)
    done = done_count(resource)
    assert done >= 20  # the locks did get taken, repeatedly
    assert int(resource.get('counter') or 0) == done  # no lost update
    assert resource.get('overlaps') is None  # no overlapping critical sections
    assert resource.get('overran') is None
    tokens = [int(token) for token in resource.lrange('tokens', 0, -1)]
    assert tokens == sorted(set(tokens))  # fencing tokens strictly increase


def test_mutual_exclusion(
    masters: list[redis_py.Redis], master_servers: list[RedisServer], redis: redis_py.Redis, redis_server: RedisServer
) -> None:
    run_mutex(master_servers, redis, redis_server.url, lambda: wait_for_progress(redis, 20))


def test_mutual_exclusion_with_a_paused_master(
    masters: list[redis_py.Redis], master_servers: list[RedisServer], redis: redis_py.Redis, redis_server: RedisServer
) -> None:
    def faults() -> None:
        master_servers[0].pause()
        wait_for_progress(redis)  # a paused minority does not stop anybody
        master_servers[0].resume()

    run_mutex(master_servers, redis, redis_server.url, faults)


def test_mutual_exclusion_with_a_master_killed_and_restarted_late(
    masters: list[redis_py.Redis], master_servers: list[RedisServer], redis: redis_py.Redis, redis_server: RedisServer
) -> None:
    def faults() -> None:
        killed = time.monotonic()
        master_servers[1].kill()
        wait_for_progress(redis)  # a dead minority does not stop anybody
        # delayed restart: every lock it knew has expired
        time.sleep(max(0.0, killed + MUTEX_TTL / 1000 + 0.1 - time.monotonic()))
        master_servers[1].start()

    run_mutex(master_servers, redis, redis_server.url, faults)


@pytest.mark.slow
def test_mutual_exclusion_soak_with_rolling_faults(
    masters: list[redis_py.Redis], master_servers: list[RedisServer], redis: redis_py.Redis, redis_server: RedisServer
) -> None:
    ttl = MUTEX_TTL

    def faults() -> None:
        for round_ in range(10):
            server = master_servers[round_ % 5]
            server.pause()
            time.sleep(0.3)
            server.resume()
            server.kill()
            time.sleep(ttl / 1000 + 0.1)
            server.start()
            time.sleep(0.3)

    run_mutex(master_servers, redis, redis_server.url, faults, processes=4, threads=4, ttl=ttl)


def test_decoded_clients_and_no_cluster(master_servers: list[RedisServer], masters: list[redis_py.Redis]) -> None:
    decoded = [server.client(decode_responses=True) for server in master_servers]
    lock = make_lock(decoded)
    assert lock.acquire()
    assert make_lock(decoded).locked() > 0
    lock.release()
    assert lock.locked() == 0
    with pytest.raises(TypeError, match='Redis Cluster'):
        Redlock(key='x', masters=[cast(Any, redis_py.RedisCluster.__new__(redis_py.RedisCluster))])


def _fork_child(lock: Redlock) -> None:
    os._exit(0 if lock.acquire(timeout=30) and lock.token is not None else 1)


def test_usable_after_fork(masters: list[redis_py.Redis]) -> None:
    lock = make_lock(masters)
    lock.acquire()  # the pool and the masters' state exist before the fork
    lock.release()
    process = multiprocessing.get_context('fork').Process(target=_fork_child, args=(make_lock(masters),))
    process.start()
    process.join(60)
    assert process.exitcode == 0


def test_masters_registry_does_not_keep_clients_alive(master_servers: list[RedisServer]) -> None:
    client = master_servers[0].client()
    # its own key: without the `masters` fixture nothing flushes the masters,
    # and another test's lock (the forked child above exits holding
    # 'resource') may still be live
    lock = make_lock([client], key='registry')
    lock.acquire()
    lock.release()
    assert lock.masters == (client,)
    gone = weakref.ref(client)
    del lock, client
    gc.collect()
    assert gone() is None


# --- bad input: a clear error at once (issue 11) ------------------------------------------------


def test_repr(masters: list[redis_py.Redis]) -> None:
    assert repr(Redlock(key='printer', masters=masters)) == '<Redlock key=redlock:printer>'
    aio = AIORedlock(key='printer', masters=[ASYNC.client(client) for client in masters])
    assert repr(aio) == '<AIORedlock key=redlock:printer>'


@pytest.mark.parametrize(
    ('options', 'error', 'message'),
    [
        ({'key': None}, TypeError, 'key must be a str'),
        ({'auto_release_time': '10'}, TypeError, 'auto_release_time must be milliseconds'),
        ({'auto_release_time': True}, TypeError, 'auto_release_time must be milliseconds'),
        (
            {'auto_release_time': 0.2},
            ValueError,
            r'in milliseconds .* not 0.2 ms .*pottery 3.x took seconds: for 0.2 s pass 200 or timedelta\(seconds=0.2\)',
        ),
        ({'auto_release_time': 0}, ValueError, 'at least 1 ms'),
        ({'auto_release_time': timedelta(0)}, ValueError, 'at least 1 ms'),
        ({'masters': set()}, ValueError, 'masters is empty'),
        ({'masters': 'localhost'}, TypeError, r'masters must be redis(\.asyncio)?\.Redis clients'),
        ({'masters': 6379}, TypeError, r'an iterable of redis(\.asyncio)?\.Redis clients'),
        ({'master_timeout': 0}, ValueError, 'master_timeout must be positive'),
    ],
)
def test_bad_arguments(
    api: Api, masters: list[redis_py.Redis], options: dict[str, Any], error: type, message: str
) -> None:
    options = {'key': 'printer', 'masters': masters, **options}
    with pytest.raises(error, match=message):
        api.Redlock(**options)


def test_a_single_client_is_one_master(api: Api, masters: list[redis_py.Redis]) -> None:
    lock = api.Redlock(key='printer', masters=masters[0])
    assert lock.masters == (api.client(masters[0]),)
    with lock:
        assert masters[0].exists('redlock:printer')


# --- the asyncio front only ---------------------------------------------------------------------


def test_sync_and_async_locks_exclude_each_other(masters: list[redis_py.Redis]) -> None:
    sync = make_lock(masters)
    aio = make_lock(masters, api=ASYNC)
    assert sync.acquire(blocking=False) is True
    assert aio.acquire(blocking=False) is False
    assert aio.locked() > 0  # it sees the sync holder
    first = sync.token
    sync.release()
    assert aio.acquire(blocking=False) is True
    assert sync.acquire(blocking=False) is False
    assert first is not None and aio.token is not None and aio.token > first  # one fencing sequence
    aio.release()
    assert sync.acquire(blocking=False) is True
    sync.release()


def test_async_lock_refuses_blocking_with(masters: list[redis_py.Redis]) -> None:
    lock = AIORedlock(key='printer', masters=[ASYNC.client(client) for client in masters])
    with pytest.raises(TypeError, match='async with lock'), lock:
        pass  # pragma: no cover
    assert pottery.asyncio.Redlock is AIORedlock


def test_concurrent_coroutines_exclude_each_other(masters: list[redis_py.Redis]) -> None:
    clients = [ASYNC.client(client) for client in masters]
    inside: list[int] = []
    overlaps: list[int] = []
    tokens: list[int] = []

    async def worker(index: int) -> None:
        lock = AIORedlock(key='resource', masters=clients, auto_release_time=TTL, master_timeout=MASTER_TIMEOUT)
        for _ in range(3):
            async with lock:
                inside.append(index)
                if len(inside) > 1:
                    overlaps.append(index)
                await asyncio.sleep(0.001)  # other coroutines run meanwhile
                tokens.append(lock.token or 0)
                inside.remove(index)

    async def main() -> None:
        await asyncio.gather(*(worker(index) for index in range(10)))

    wait(main())
    assert overlaps == []
    assert len(tokens) == 30
    assert tokens == sorted(set(tokens))  # fencing tokens strictly increase


def _fair_worker(urls: list[str], resource_url: str, threads: int) -> None:
    clients = [redis_py.Redis.from_url(url, socket_timeout=1) for url in urls]
    resource = redis_py.Redis.from_url(resource_url)
    resource.incr('ready')

    def loop(name: str) -> None:
        lock = Redlock(key='fair', masters=clients, auto_release_time=MUTEX_TTL, master_timeout=MASTER_TIMEOUT)
        while not resource.exists('stop'):
            if not lock.acquire(timeout=30):
                resource.incr('timeouts')
                continue
            if resource.incr('inside') != 1:
                resource.incr('overlaps')
            resource.hincrby('sections', name, 1)
            resource.decr('inside')
            lock.release()

    workers = [threading.Thread(target=loop, args=(f'{os.getpid()}-{index}',)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_no_contender_starves(
    masters: list[redis_py.Redis], master_servers: list[RedisServer], redis: redis_py.Redis, redis_server: RedisServer
) -> None:
    # 8 processes x 2 threads on one key: every one of the 16 gets the lock
    # again and again, none times out, and sections never overlap.
    urls = [server.url for server in master_servers]
    workers = [SPAWN.Process(target=_fair_worker, args=(urls, redis_server.url, 2)) for _ in range(8)]
    for worker in workers:
        worker.start()
    try:
        wait_until(lambda: int(redis.get('ready') or 0) == 8, timeout=60)
        wait_until(
            lambda: len(counts := redis.hgetall('sections')) == 16 and min(map(int, counts.values())) >= 3, timeout=60
        )
    finally:
        redis.set('stop', 1)
        for worker in workers:
            worker.join(60)
    assert all(worker.exitcode == 0 for worker in workers)
    assert redis.get('overlaps') is None
    assert redis.get('timeouts') is None
