"""Redlock and NextId under contention: many threads and processes on one key.

Each scenario is ``processes x threads`` clients on one key of five masters:

* Redlock: every thread has a ``Redlock`` of its own and loops
  ``acquire(timeout=1)``, a 2 ms critical section, ``release()``.  Reported:
  critical sections per second, the share of ``acquire()`` calls that timed
  out, the threads that never got the lock, and the *overlaps*: critical
  sections (stamped with the wall clock, which every process on the machine
  shares) that began before the previous one ended -- mutual exclusion
  broken.  It must be 0.
* NextId: every process has one ``NextId`` that its threads share, and they
  loop ``next(ids)``.  Reported: IDs per second in all, calls that raised,
  duplicate IDs across every client, and threads whose IDs did not strictly
  increase.  The last two must be 0.

Every client runs in a child process, ``python -m bench.contention``, the
same code for our pottery and, with ``--compare``, for pottery 3.0.1 (the
child imports whichever ``pottery`` its interpreter has; see
:func:`bench.compare.isolated`).  A child reads its job as one JSON line on
stdin, connects, prints ``ready``, waits for ``go <start> <seconds>`` (start on the wall clock),
works until start + seconds and prints its results as one JSON line.  The
parent starts every child of a scenario, waits until all are ready, and only
then starts them together, so that process start-up is never measured.

``python -m bench --ops 'contention.*'`` runs only these scenarios.
"""

from __future__ import annotations

import collections
import fnmatch
import functools
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from bench.compare import ROOT, Isolated
from tests.servers import RedisServer

__all__ = ['SCENARIOS', 'Scenario', 'combine', 'count_overlaps', 'run_scenario', 'select']

HOST = '127.0.0.1'
HOLD = 0.002  # seconds in the critical section
ACQUIRE_TIMEOUT = 1.0  # seconds: acquire(timeout=1)
# Never reached: every lock is released.  Milliseconds in our pottery (the
# spec's unit) and seconds in pottery 3.0.1, so 10 s or about 3 hours.
AUTO_RELEASE_TIME = 10_000
KEY = 'bench-contention'
START_DELAY = 0.2  # seconds between "go" and the common start
GRACE = 10.0  # seconds after the end before a thread still in a call counts as stuck


@dataclass(frozen=True)
class Scenario:
    """``processes`` x ``threads`` clients of one primitive on one key.

    ``paused`` masters of the five are paused (SIGSTOP) for the whole run.
    """

    name: str
    primitive: str  # 'redlock' or 'nextid'
    processes: int
    threads: int  # per process
    paused: int = 0

    @property
    def clients(self) -> int:
        return self.processes * self.threads


SCENARIOS = (
    Scenario('contention.redlock.1x1', 'redlock', 1, 1),
    Scenario('contention.redlock.1x4', 'redlock', 1, 4),
    Scenario('contention.redlock.1x16', 'redlock', 1, 16),
    Scenario('contention.redlock.1x64', 'redlock', 1, 64),
    Scenario('contention.redlock.8x2', 'redlock', 8, 2),
    Scenario('contention.nextid.1x64', 'nextid', 1, 64),
    Scenario('contention.nextid.8x2', 'nextid', 8, 2),
    Scenario('contention.nextid.8x2_1_paused', 'nextid', 8, 2, paused=1),
    Scenario('contention.nextid.8x2_2_paused', 'nextid', 8, 2, paused=2),
)


def select(patterns: Iterable[str] = ()) -> list[Scenario]:
    """The scenarios matching a glob pattern or ``contention`` (all when none given)."""
    patterns = list(patterns)
    if not patterns:
        return list(SCENARIOS)
    return [s for s in SCENARIOS if any(fnmatch.fnmatchcase(s.name, p) or p == 'contention' for p in patterns)]


def count_overlaps(sections: Iterable[tuple[float, float] | list[float]]) -> int:
    """How many ``(start, end)`` intervals began before an earlier one ended."""
    overlaps, latest_end = 0, float('-inf')
    for start, end in sorted(tuple(section) for section in sections):
        if start < latest_end:
            overlaps += 1
        latest_end = max(latest_end, end)
    return overlaps


# --- the parent: start children, start them together, add up ----------------------


def run_scenario(
    scenario: Scenario, masters: Sequence[RedisServer], *, seconds: float, where: Isolated | None = None
) -> dict[str, Any]:
    """Run ``scenario`` once for ``seconds`` against five masters; return its counts.

    ``where`` chooses the interpreter and so the pottery the children import
    (:func:`bench.compare.isolated` for pottery 3.0.1); by default ours: this
    interpreter, run from the repository root.  The masters are flushed
    first; the paused ones are resumed before this returns.  Add rounds up
    with :func:`combine`.
    """
    where = where or Isolated(sys.executable, str(ROOT), dict(os.environ))
    for server in masters:
        with redis.Redis(host=HOST, port=server.port, socket_timeout=10) as master:
            master.flushall()
    job = {'primitive': scenario.primitive, 'ports': [m.port for m in masters], 'threads': scenario.threads}
    paused = masters[: scenario.paused]
    children = [
        subprocess.Popen(
            [where.python, '-m', 'bench.contention'],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=where.cwd,
            env=where.env,
            text=True,
        )
        for _ in range(scenario.processes)
    ]
    try:
        for child in children:
            assert child.stdin is not None
            child.stdin.write(json.dumps(job) + '\n')
            child.stdin.flush()
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != 'ready':
                raise RuntimeError(f'a bench.contention child failed to start (exit {child.wait()})')
        for server in paused:
            server.pause()
        start = time.time() + START_DELAY
        for child in children:  # every child first, then wait: they start together
            assert child.stdin is not None
            child.stdin.write(f'go {start!r} {seconds!r}\n')
            child.stdin.close()
        # each prints one line when done; reading them in turn is enough (a
        # child blocked on a full pipe has finished its work already)
        outputs = [child.stdout.read() for child in children if child.stdout is not None]
        for child in children:
            child.wait(timeout=60)
    finally:
        for server in paused:
            server.resume()
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    for child in children:
        if child.returncode != 0:
            raise RuntimeError(f'a bench.contention child exited with {child.returncode}')
    results = [json.loads(output) for output in outputs]
    errors = collections.Counter[str]()
    for result in results:
        errors.update(result['errors'])
    counts: dict[str, Any] = {
        'seconds': max(result['finished'] for result in results) - start,
        'calls': sum(result['calls'] for result in results),
        'errors': sum(errors.values()),
        'error_types': sorted(errors),
        'slowest': max(result['slowest'] for result in results),
        'stuck': sum(result['stuck'] for result in results),
    }
    if scenario.primitive == 'redlock':
        sections = [section for result in results for section in result['sections']]
        counts |= {
            'sections': len(sections),
            'timeouts': sum(result['timeouts'] for result in results),
            'starved': sum(1 for result in results for count in result['per_thread'] if count == 0),
            'overlaps': count_overlaps(sections),
        }
    else:
        streams = [ids for result in results for ids in result['ids']]
        every = [i for ids in streams for i in ids]
        counts |= {
            'ids': len(every),
            'duplicates': len(every) - len(set(every)),
            'not_increasing': sum(1 for ids in streams if any(b <= a for a, b in itertools.pairwise(ids))),
        }
    return counts


def combine(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Add up the counts of several rounds of one scenario, with the rates.

    ``per_second``: critical sections (Redlock) or IDs (NextId) per second
    over every round; ``timeout_share``: the share of ``acquire()`` calls
    that timed out; ``slowest``: the slowest single call, in seconds.
    """
    total: dict[str, Any] = {'rounds': len(rounds)}
    for key in rounds[0]:
        values = [each[key] for each in rounds]
        if key == 'slowest':
            total[key] = round(max(values), 3)
        elif key == 'error_types':
            total[key] = sorted({name for names in values for name in names})
        else:
            total[key] = sum(values)
    done = total.get('sections', total.get('ids', 0))
    total['per_second'] = done / total['seconds']
    if 'timeouts' in total:
        total['timeout_share'] = total['timeouts'] / total['calls'] if total['calls'] else 0.0
    total['seconds'] = round(total['seconds'], 3)
    return total


# --- the child: one process of a scenario ------------------------------------------


class Client:
    """One thread's loop and what it saw, readable while it runs."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.calls = self.timeouts = 0
        self.slowest = 0.0
        self.calling_since: float | None = None  # monotonic start of the call in progress
        self.errors = collections.Counter[str]()
        self.sections: list[tuple[float, float]] = []
        self.ids: list[int] = []

    def call(self, function: Callable[[], Any]) -> tuple[bool, Any]:
        """``(True, result)`` or ``(False, None)`` when it raised (counted)."""
        self.calls += 1
        self.calling_since = time.monotonic()
        try:
            return True, function()
        except Exception as error:  # noqa: BLE001  # counted and reported, e.g. no quorum
            self.errors[type(error).__name__] += 1
            return False, None
        finally:
            self.slowest = max(self.slowest, time.monotonic() - self.calling_since)
            self.calling_since = None

    def lock_loop(self, lock: Any) -> None:
        # acquire(timeout=1), 2 ms of critical section stamped, release()
        while time.time() < self.deadline:
            answered, acquired = self.call(functools.partial(lock.acquire, timeout=ACQUIRE_TIMEOUT))
            if not answered:
                continue
            if not acquired:
                self.timeouts += 1
                continue
            began = time.time()
            time.sleep(HOLD)
            self.sections.append((began, time.time()))
            try:
                lock.release()
            except Exception as error:  # noqa: BLE001  # e.g. the lock expired: counted
                self.errors[type(error).__name__] += 1

    def id_loop(self, ids: Any) -> None:
        while time.time() < self.deadline:
            answered, value = self.call(functools.partial(next, ids))
            if answered:
                self.ids.append(value)

    def stuck_for(self) -> float:
        """How long the call in progress has taken so far (0 when none is)."""
        since = self.calling_since
        return 0.0 if since is None else time.monotonic() - since


def child(stdin: Any = sys.stdin, stdout: Any = sys.stdout) -> None:
    """One process of a scenario (see the module docstring for the protocol).

    A thread still in a call ``GRACE`` seconds after the end is *stuck*: it
    is counted, its call so far is its slowest, and the process reports and
    exits without it.
    """
    import pottery  # noqa: PLC0415  # whichever pottery this interpreter has

    job = json.loads(stdin.readline())
    masters = {redis.Redis(host=HOST, port=port, socket_timeout=2) for port in job['ports']}
    for master in masters:
        master.ping()  # connect before the clock starts
    if job['primitive'] == 'redlock':
        locks = [
            pottery.Redlock(key=KEY, masters=masters, auto_release_time=AUTO_RELEASE_TIME)
            for _ in range(job['threads'])
        ]
    else:
        next_id = getattr(pottery, 'NextId', None) or pottery.NextID
        shared = next_id(key=KEY, masters=masters)
    print('ready', file=stdout, flush=True)
    _, start, seconds = stdin.readline().split()
    deadline = float(start) + float(seconds)
    clients = [Client(deadline) for _ in range(job['threads'])]
    if job['primitive'] == 'redlock':
        loops = [functools.partial(client.lock_loop, lock) for client, lock in zip(clients, locks, strict=True)]
    else:
        loops = [functools.partial(client.id_loop, shared) for client in clients]
    time.sleep(max(0.0, float(start) - time.time()))
    threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline + GRACE - time.time()))
    errors = collections.Counter[str]()
    for client in clients:
        errors.update(client.errors)
    out: dict[str, Any] = {
        'errors': errors,
        'finished': time.time(),
        'calls': sum(client.calls for client in clients),
        'slowest': max(max(client.slowest, client.stuck_for()) for client in clients),
        'stuck': sum(1 for thread in threads if thread.is_alive()),
    }
    if job['primitive'] == 'redlock':
        out |= {
            'sections': [section for client in clients for section in client.sections],
            'timeouts': sum(client.timeouts for client in clients),
            'per_thread': [len(client.sections) for client in clients],
        }
    else:
        out['ids'] = [list(client.ids) for client in clients]
    print(json.dumps(out), file=stdout, flush=True)
    if out['stuck']:
        os._exit(0)  # without waiting for the stuck threads


if __name__ == '__main__':
    child()
